/** The configured identity providers, asked for once; null while loading. */
import { useEffect, useState } from 'react';
import type { ErrorInfo } from '../../../shared/errors';
import type { ProviderSummary } from '../../../shared/session';
import { toErrorInfo } from '../lib/error-info';

export interface ProvidersView {
  providers: ProviderSummary[] | null;
  error: ErrorInfo | null;
}

export function useProviders(enabled: boolean): ProvidersView {
  const [providers, setProviders] = useState<ProviderSummary[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    if (!enabled) return;
    let live = true;
    window.latchkey.providers.list().then(
      (list) => live && setProviders(list),
      (cause: unknown) => live && setError(toErrorInfo(cause)),
    );
    return () => {
      live = false;
    };
  }, [enabled]);

  return { providers, error };
}
