/**
 * `latchkey login --device`: sign in on another device (RFC 8628), for a machine whose browser cannot come back
 * to Latchkey (a server over SSH, a container). stderr shows the page to open and the code to enter there,
 * a QR code of the page (with the code filled in where the provider offers that) drawn with half blocks, and
 * how long the code lasts; Ctrl-C cancels. stdout carries only "Signed in as ...", as for `latchkey login`.
 */
import type { DeviceSignInProgress, ProviderSummary } from '../../shared/session';
import { qrText } from '../auth/qr/qr-text';
import type { CommandContext } from './context';
import { withEngine } from './engine';

/** How often the time left is printed while waiting. */
const REMINDER_MS = 60_000;

function clock(ms: number): string {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** The default provider: the one named, else the only one, else the demo provider; one that cannot do it is skipped. */
function chooseProvider(providers: ProviderSummary[], named: string | undefined): string | undefined {
  if (named) return named;
  const able = providers.filter((p) => p.deviceFlow !== false);
  if (able.length === 1) return able[0]?.name;
  return able.find((p) => p.embedded)?.name;
}

/** The block shown once the provider has answered: the page, the code (large), the QR code, the time left. */
export function deviceInstructions(progress: DeviceSignInProgress, label: string, now: number): string {
  const code = progress.userCode;
  const line = '─'.repeat(code.length + 4);
  const qrTarget = progress.verificationUriComplete ?? progress.verificationUri;
  const left = Date.parse(progress.expiresAt) - now;
  return [
    `To sign in with ${label}, open this page on your phone or any computer:`,
    `  ${progress.verificationUri}`,
    'and enter the code:',
    '',
    `  ┌${line}┐`,
    `  │  ${code}  │`,
    `  └${line}┘`,
    '',
    progress.verificationUriComplete ? 'Or scan this QR code: it opens the page with the code filled in.' : 'Or scan this QR code to open the page.',
    qrText(qrTarget).trimEnd(),
    '',
    `The code expires in ${clock(left)} (at ${new Date(progress.expiresAt).toLocaleTimeString()}). Waiting for you to enter it... (Ctrl-C cancels)`,
    '',
  ].join('\n');
}

export function loginWithDevice(context: CommandContext): Promise<number> {
  return withEngine(context, async (latchkey) => {
    const { io } = context;
    const providers = latchkey.engine.listProviders();
    const chosen = chooseProvider(providers, context.values.provider);
    if (!chosen) {
      io.stderr(`latchkey: choose a provider with --provider: ${providers.map((p) => p.name).join(', ')}\n`);
      return 2;
    }
    const label = providers.find((p) => p.name === chosen)?.label ?? chosen;
    // The secret store must work before a code is shown: a keychain that cannot be used, or a wrong passphrase
    // (storage: passphrase), stops here, not after the person has entered the code on their phone.
    await latchkey.secrets.ready();
    let shown: DeviceSignInProgress | undefined;
    let reminder: ReturnType<typeof setInterval> | undefined;
    const unsubscribe = latchkey.engine.onStateChange((state) => {
      const progress = state.deviceSignIn;
      if (!progress) return;
      if (!shown) {
        io.stderr(deviceInstructions(progress, label, Date.now()));
        reminder = setInterval(() => {
          const left = Date.parse(progress.expiresAt) - Date.now();
          if (left > 0) io.stderr(`Still waiting for the code to be entered: ${clock(left)} left.\n`);
        }, REMINDER_MS);
        reminder.unref?.();
      } else if (progress.interval !== shown.interval) {
        io.stderr(`${label} asked Latchkey to check less often: every ${progress.interval} seconds now.\n`);
      }
      shown = progress;
    });
    try {
      const account = await latchkey.engine.signInWithDevice(chosen);
      io.stdout(`Signed in as ${account.name}${account.email ? ` <${account.email}>` : ''} via ${account.providerLabel}\n`);
      return 0;
    } finally {
      clearInterval(reminder);
      unsubscribe();
    }
  });
}
