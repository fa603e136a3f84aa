/**
 * Shows its children only to an active account with `role`. This decides what the window shows; what the
 * children may *get* is decided again by the main process (e.g. the account list refuses anyone without the
 * admin role), so a tampered window gains nothing.
 */
import type { ReactNode } from 'react';
import type { SessionState } from '../../../shared/session';
import { useHasRole } from '../hooks/useHasRole';

export function RoleGate({ role, state, children }: { role: string; state: SessionState; children: ReactNode }) {
  return useHasRole(role, state) === true ? <>{children}</> : null;
}
