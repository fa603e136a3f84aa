/**
 * The providers the other checks look at: config.yaml's entries (the default config when there is no file
 * yet) resolved as the engine resolves them, the embedded demo provider at the port the engine would give it
 * (LATCHKEY_IDP_PORT, then config.yaml, then 4600). Entries of local accounts have no provider to reach.
 */
import { isAuthError } from '../../shared/errors';
import { resolveProvider, type ResolvedProvider } from '../auth/provider-resolution';
import { DEMO_CLIENT_ID } from '../idp/config';
import { DEFAULT_EMBEDDED_PORT, type LatchkeyConfig } from '../store/schema';
import type { Check, DiagnosticsContext } from './context';

export interface ProviderFindings {
  providers: ResolvedProvider[];
  /** Entries that cannot be resolved (reported as problems under registration). */
  checks: Check[];
  /** The embedded provider's port, when the config has it. */
  embeddedPort?: number;
}

export function resolveConfiguredProviders(config: LatchkeyConfig, context: DiagnosticsContext): ProviderFindings {
  const embeddedEntry = Object.values(config.providers).find((entry) => entry.embedded === true) as { port?: number } | undefined;
  const envPort = context.env.LATCHKEY_IDP_PORT ? Number(context.env.LATCHKEY_IDP_PORT) : undefined;
  const embeddedPort = embeddedEntry ? (envPort ?? embeddedEntry.port ?? DEFAULT_EMBEDDED_PORT) : undefined;
  const providers: ResolvedProvider[] = [];
  const checks: Check[] = [];
  for (const [name, entry] of Object.entries(config.providers)) {
    if (entry.local === true) continue;
    try {
      providers.push(
        resolveProvider(name, entry, {
          embeddedClientId: DEMO_CLIENT_ID,
          ...(embeddedPort !== undefined ? { embeddedIssuer: `http://127.0.0.1:${embeddedPort}` } : {}),
        }),
      );
    } catch (error) {
      checks.push({
        group: 'registration',
        id: `provider:${name}`,
        title: `Provider "${name}"`,
        status: 'problem',
        detail: isAuthError(error) ? error.message : 'cannot be resolved',
        ...(isAuthError(error) && error.hint ? { fix: error.hint } : {}),
      });
    }
  }
  return { providers, checks, ...(embeddedPort !== undefined ? { embeddedPort } : {}) };
}
