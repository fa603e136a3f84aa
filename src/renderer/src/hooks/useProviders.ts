/**
 * The configured identity providers; null while loading. Asked for again whenever `reloadKey` changes (the
 * config was re-read: a fixed config.yaml brings its providers with it). `reloadKey` null: not yet.
 */
import { useEffect, useState } from 'react';
import type { ErrorInfo } from '../../../shared/errors';
import type { ProviderSummary } from '../../../shared/session';
import { toErrorInfo } from '../lib/error-info';

export interface ProvidersView {
  providers: ProviderSummary[] | null;
  error: ErrorInfo | null;
}

export function useProviders(reloadKey: string | null): ProvidersView {
  const [providers, setProviders] = useState<ProviderSummary[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    if (reloadKey === null) return;
    setError(null);
    let live = true;
    window.latchkey.providers.list().then(
      (list) => live && setProviders(list),
      (cause: unknown) => live && setError(toErrorInfo(cause)),
    );
    return () => {
      live = false;
    };
  }, [reloadKey]);

  return { providers, error };
}
