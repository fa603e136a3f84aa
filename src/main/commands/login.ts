/**
 * `latchkey login`: a browser sign-in with a configured provider, announced on stderr (the link to open by hand,
 * and after a while what to check when the browser does not come back). stdout carries only "Signed in as ...".
 */
import type { CommandContext } from './context';
import { withEngine } from './engine';

export function login(context: CommandContext): Promise<number> {
  return withEngine(context, async (latchkey) => {
    const { io } = context;
    const providers = latchkey.engine.listProviders();
    const chosen = context.values.provider ?? (providers.length === 1 ? providers[0]?.name : providers.find((p) => p.embedded)?.name);
    if (!chosen) {
      io.stderr(`latchkey: choose a provider with --provider: ${providers.map((p) => p.name).join(', ')}\n`);
      return 2;
    }
    // The secret store must work before the browser opens: a keychain that cannot be used, or a wrong passphrase
    // (storage: passphrase), stops here, not after the provider has issued tokens that could not be kept.
    await latchkey.secrets.ready();
    let announced = false;
    let hinted = false;
    const unsubscribe = latchkey.engine.onStateChange((state) => {
      if (state.signIn && !announced) {
        announced = true;
        io.stderr(`Opening your browser to sign in with ${providers.find((p) => p.name === chosen)?.label ?? chosen}...\n`);
        io.stderr(`If it does not open, visit:\n  ${state.signIn.authorizationUrl}\n`);
      }
      if (state.signIn?.waitingHint && !hinted) {
        hinted = true;
        io.stderr(`${state.signIn.waitingHint}\n`);
      }
    });
    try {
      const account = await latchkey.engine.signIn(chosen);
      io.stdout(`Signed in as ${account.name}${account.email ? ` <${account.email}>` : ''} via ${account.providerLabel}\n`);
      return 0;
    } finally {
      unsubscribe();
    }
  });
}
