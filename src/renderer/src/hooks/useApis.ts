/**
 * The APIs configured under `apis:` (names, providers, base URLs; nothing secret), asked for again whenever
 * `reloadKey` changes (the config was re-read). A failure leaves the list empty: the dashboard then simply
 * shows no API panel, and the rest of it works.
 */
import { useEffect, useState } from 'react';
import type { ApiSummary } from '../../../shared/api';

export function useApis(reloadKey: string): ApiSummary[] {
  const [apis, setApis] = useState<ApiSummary[]>([]);

  useEffect(() => {
    let live = true;
    window.latchkey.api.list().then(
      (list) => live && setApis(list),
      () => live && setApis([]),
    );
    return () => {
      live = false;
    };
  }, [reloadKey]);

  return apis;
}
