/**
 * The administration panel, for accounts with the admin role: every account in config.yaml with its roles
 * (its own, and those its provider adds), whether it is signed in, locked after wrong passwords, or waiting
 * to replace a one-time password. The list comes from the main process, which refuses anyone without the
 * role; changes are made with `latchkey users …` (shown here), which edits config.yaml under its lock, and a
 * Streamlit-Authenticator config.yaml can be imported (ImportPanel).
 */
import { useEffect, useState } from 'react';
import type { UserSummary } from '../../../shared/accounts';
import type { ErrorInfo } from '../../../shared/errors';
import type { SessionState } from '../../../shared/session';
import { toErrorInfo } from '../lib/error-info';
import { formatDateTime } from '../lib/format';
import { ErrorView } from './ErrorView';
import { ImportPanel } from './ImportPanel';
import '../styles/accounts.css';

function status(user: UserSummary): { text: string; tone: 'ok' | 'warning' | 'muted' } {
  if (user.lockedUntil) return { text: `Locked until ${formatDateTime(user.lockedUntil)}`, tone: 'warning' };
  if (user.mustChangePassword) return { text: 'One-time password', tone: 'warning' };
  return user.signedIn ? { text: 'Signed in', tone: 'ok' } : { text: 'Signed out', tone: 'muted' };
}

export function AdminPanel({ state }: { state: SessionState }) {
  const [users, setUsers] = useState<UserSummary[] | null>(null);
  const [error, setError] = useState<ErrorInfo | null>(null);

  useEffect(() => {
    let live = true;
    window.latchkey.accounts.listUsers().then(
      (list) => {
        if (!live) return;
        setUsers(list);
        setError(null);
      },
      (cause: unknown) => live && setError(toErrorInfo(cause)),
    );
    return () => {
      live = false;
    };
  }, [state]);

  return (
    <section className="card" aria-labelledby="admin-title" data-testid="admin-panel">
      <header className="card-header">
        <h2 id="admin-title">Administration</h2>
        <span className="badge badge-ok">admin</span>
      </header>
      {error && <ErrorView error={error} />}
      {users && (
        <table className="users-table" data-testid="admin-users">
          <thead>
            <tr>
              <th scope="col">Account</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {users.map((user) => {
              const shown = status(user);
              return (
                <tr key={user.key} data-testid={`admin-user-${user.key}`}>
                  <td>
                    <span className="account-name">{user.name}</span>
                    <span className="muted small users-table-key">
                      {user.key}
                      {user.email ? ` · ${user.email}` : ''} · {user.local ? 'local' : user.provider}
                    </span>
                  </td>
                  <td>
                    <ul className="chips" aria-label={`Roles of ${user.name}`}>
                      {user.roles.map((role) => (
                        <li key={`own-${role}`} className="chip">
                          {role}
                        </li>
                      ))}
                      {user.providerRoles
                        .filter((role) => !user.roles.includes(role))
                        .map((role) => (
                          <li key={`provider-${role}`} className="chip chip-provider" title="From the provider (access.roles_claim)">
                            {role}
                          </li>
                        ))}
                      {user.roles.length === 0 && user.providerRoles.length === 0 && <li className="chip chip-empty">No roles</li>}
                    </ul>
                  </td>
                  <td>
                    <span className={`badge badge-${shown.tone}`} data-testid={`admin-status-${user.key}`}>
                      {shown.text}
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p className="muted small">
        Change roles with <code>latchkey users roles NAME --add ROLE</code>; reset a password with <code>latchkey users reset-password NAME</code>.
      </p>
      <ImportPanel />
    </section>
  );
}
