/**
 * The demo provider's accounts. They exist so that Latchkey can be tried with no registration anywhere;
 * their passwords are public on purpose and shown on the provider's login page.
 */
import type { Account, AccountClaims } from 'oidc-provider';

export interface DemoUser {
  username: string;
  password: string;
  name: string;
  givenName: string;
  familyName: string;
  email: string;
  roles: string[];
}

export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  Object.freeze({
    username: 'alice',
    password: 'alice-pass',
    name: 'Alice Anders',
    givenName: 'Alice',
    familyName: 'Anders',
    email: 'alice@latchkey.example',
    roles: ['admin', 'user'],
  }),
  Object.freeze({
    username: 'bob',
    password: 'bob-pass',
    name: 'Bob Berger',
    givenName: 'Bob',
    familyName: 'Berger',
    email: 'bob@latchkey.example',
    roles: ['user'],
  }),
]);

export function findDemoUser(username: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.username === username);
}

/** Checks a login form submission; undefined when the username is unknown or the password wrong. */
export function checkDemoCredentials(username: string, password: string): DemoUser | undefined {
  const user = findDemoUser(username);
  return user !== undefined && user.password === password ? user : undefined;
}

export function avatarUrl(issuer: string, username: string): string {
  return `${issuer}/avatars/${encodeURIComponent(username)}.svg`;
}

/**
 * The claims of a demo user. `sub` is the username: stable across restarts and data-dir resets, so an
 * account record in Latchkey's config keeps matching the same person. The provider filters these by
 * the granted scopes.
 */
export function demoAccountClaims(issuer: string, user: DemoUser): AccountClaims {
  return {
    sub: user.username,
    name: user.name,
    given_name: user.givenName,
    family_name: user.familyName,
    picture: avatarUrl(issuer, user.username),
    roles: [...user.roles],
    email: user.email,
    email_verified: true,
  };
}

/** The provider's `findAccount`: an unknown subject yields undefined, which makes the provider refuse the token. */
export function makeFindAccount(issuer: string): (ctx: unknown, sub: string) => Account | undefined {
  return (_ctx, sub) => {
    const user = findDemoUser(sub);
    if (user === undefined) return undefined;
    return {
      accountId: user.username,
      claims: () => demoAccountClaims(issuer, user),
    };
  };
}
