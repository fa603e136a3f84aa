/**
 * Whether the active account has a role, asked of the main process (`latchkey.accounts.hasRole`) — the
 * engine decides from config.yaml and the provider, the window only follows — and asked again whenever the
 * session changes (a sign-in, a switch, roles edited and reloaded). null until the first answer.
 */
import { useEffect, useState } from 'react';
import type { SessionState } from '../../../shared/session';

export function useHasRole(role: string, state: SessionState): boolean | null {
  const [has, setHas] = useState<boolean | null>(null);
  useEffect(() => {
    let live = true;
    window.latchkey.accounts.hasRole(role).then(
      (answer) => live && setHas(answer),
      () => live && setHas(false),
    );
    return () => {
      live = false;
    };
  }, [role, state]);
  return has;
}
