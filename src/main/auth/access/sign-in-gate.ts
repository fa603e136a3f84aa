/**
 * The access check of a browser sign-in, between "the provider said who this is" and "Latchkey keeps it".
 * A person the `access:` rules do not admit is refused before anything is written: the tokens the provider
 * just issued are revoked (so the refusal is not a session left alive at the provider), the browser tab is
 * told why, and the only trace Latchkey keeps is the failure in the auth-event log (written by the caller).
 */
import { AuthError } from '../../../shared/errors';
import type { AccessConfig } from '../../store/access-schema';
import { revokeTokens } from '../revocation';
import type { ProviderRegistry } from '../providers';
import type { SignInResult } from '../sign-in-flow';
import { decideAccess } from './access-policy';

export async function refuseUnlessAllowed(access: AccessConfig, providers: ProviderRegistry, providerName: string, result: Pick<SignInResult, 'tokens' | 'profile' | 'finish'>): Promise<void> {
  const decision = decideAccess(access, { email: result.profile.email, emailVerified: result.profile.emailVerified }, 'provider');
  if (decision.allowed) return;
  let revoked: string;
  try {
    const client = await providers.client(providerName);
    const report = await revokeTokens(client, result.tokens);
    revoked = report.outcome === 'revoked'
      ? `The tokens ${client.provider.label} issued were revoked.`
      : `The tokens ${client.provider.label} issued could not be revoked (${report.outcome}).`;
  } catch {
    revoked = 'The tokens the provider issued could not be revoked.';
  }
  const error = new AuthError('not_allowed', `${decision.reason} Latchkey kept nothing of this sign-in. ${revoked}`, {
    hint: 'Sign in with an account the access rules admit, or ask whoever manages this Latchkey to add you to access.allowed_emails or access.allowed_domains in config.yaml.',
  });
  result.finish({ ok: false, error: error.toInfo() });
  throw error;
}
