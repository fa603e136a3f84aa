/**
 * `latchkey login`: a browser sign-in with a configured provider, announced on stderr (the link to open by hand,
 * and after a while what to check when the browser does not come back). stdout carries only "Signed in as ...".
 */
import type { CommandContext } from './context';
import { withEngine } from './engine';
import { NO_BROWSER_ADVICE, noBrowserHere } from './headless';
import { readPastedRedirects, type PastedRedirects } from './pasted-redirect';

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
    // --no-browser (SSH): the link is printed, and the address the browser ends on may be pasted back (pasted-redirect.ts).
    const noBrowser = context.values['no-browser'] === true;
    let advised = false;
    const unsubscribe = latchkey.engine.onStateChange((state) => {
      if (state.signIn && !announced && noBrowser) {
        announced = true;
        io.stderr(`To sign in with ${providers.find((p) => p.name === chosen)?.label ?? chosen}, open this link in a browser on any machine:\n  ${state.signIn.authorizationUrl}\n`);
        io.stderr('If the browser then cannot reach this machine (an error page about 127.0.0.1), copy the address from its address bar and paste it here, then press Enter.\n');
      }
      if (state.signIn && !announced) {
        announced = true;
        io.stderr(`Opening your browser to sign in with ${providers.find((p) => p.name === chosen)?.label ?? chosen}...\n`);
        io.stderr(`If it does not open, visit:\n  ${state.signIn.authorizationUrl}\n`);
        if (noBrowserHere(io.env)) {
          advised = true;
          io.stderr(`${NO_BROWSER_ADVICE}\n`);
        }
      }
      if (state.signIn?.browserError && !advised && !noBrowser) {
        advised = true;
        io.stderr(`Could not open the browser: ${state.signIn.browserError}\n${NO_BROWSER_ADVICE}\n`);
      }
      if (state.signIn?.waitingHint && !hinted) {
        hinted = true;
        io.stderr(`${state.signIn.waitingHint}\n`);
      }
    });
    const pasted: PastedRedirects | undefined = noBrowser ? readPastedRedirects((url) => latchkey.completeSignIn(url), io) : undefined;
    try {
      const account = await latchkey.engine.signIn(chosen, noBrowser ? { noBrowser: true } : {});
      io.stdout(`Signed in as ${account.name}${account.email ? ` <${account.email}>` : ''} via ${account.providerLabel}\n`);
      return 0;
    } finally {
      pasted?.stop();
      unsubscribe();
    }
  });
}
