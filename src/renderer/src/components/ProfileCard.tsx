/** Who is signed in: picture, name, email, provider and roles. */
import type { ReactNode } from 'react';
import type { AccountSummary } from '../../../shared/session';
import { Avatar } from './Avatar';

/** `children`: the account's own actions (sign out and forget), shown under the profile. */
export function ProfileCard({ account, children }: { account: AccountSummary; children?: ReactNode }) {
  return (
    <section className="card profile" aria-labelledby="welcome">
      <Avatar name={account.name} picture={account.picture} />
      <div className="profile-text">
        <h1 id="welcome" data-testid="welcome">
          Welcome, {account.name}
        </h1>
        {account.email && (
          <p className="profile-email" data-testid="email">
            {account.email}
          </p>
        )}
        <p className="muted small">
          Signed in with <span data-testid="provider-label">{account.providerLabel}</span>
        </p>
        <ul className="chips" aria-label="Roles" data-testid="roles">
          {account.roles.length === 0 ? (
            <li className="chip chip-empty">No roles</li>
          ) : (
            account.roles.map((role) => (
              <li key={role} className="chip">
                {role}
              </li>
            ))
          )}
        </ul>
        {children}
      </div>
    </section>
  );
}
