/**
 * A separate process for test/hardening/cross-process.test.ts: a whole Latchkey engine (role `cli`, like a
 * `latchkey` command running next to the app) on a config.yaml and keychain service that other processes
 * share at the same time.
 *
 *   refresh <config> <service> <rounds> <account>
 *       restores, prints "ready", waits for "go" on stdin, then forces <rounds> refreshes of <account>
 *   sign-in <config> <service> <alice|bob> <rounds>
 *       restores, prints "ready", waits for "go", signs in with provider `local` in its own Chromium, then
 *       forces <rounds> refreshes of the account it signed in
 *   records <config> <prefix> <rounds>
 *       prints "ready", waits for "go", then in <rounds> config updates adds <prefix>-<i> and moves the
 *       counter of <prefix>-counter to i (one update() each)
 *
 * Every mode ends by printing one JSON line `{"result": ...}` (see ChildReport): counts only, never a token.
 */
import { createInterface } from 'node:readline';
import { createLatchkey, type Latchkey } from '../../src/main/app';
import { ConfigStore } from '../../src/main/store/config';
import { AuthError, isAuthError } from '../../src/shared/errors';
import { recordingFetch } from './engine-fixture';
import { createBrowserOpener, launchSystemBrowser } from './system-browser';

/** What a child reports back to the test. */
export interface ChildReport {
  /** The account the child worked on. */
  accountKey?: string;
  rounds: number;
  /** Rounds that completed without an error. */
  ok: number;
  /** Errors by AuthError code (`not-an-AuthError` for anything else). */
  errors: Record<string, number>;
  /** Refresh-token grants this process actually sent (the others adopted another process's refresh). */
  refreshRequests: number;
  /** How often a state change showed the account signed out. */
  signOuts: number;
  signedInAtEnd: boolean;
}

const [mode, ...args] = process.argv.slice(2);

/** Resolves when the test writes "go": every child starts its rounds at the same moment. */
function waitForGo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() === 'go') {
        resolve(); // first: close() below emits 'close' at once, and a settled promise ignores the reject
        lines.close();
      }
    });
    lines.once('close', () => reject(new Error('stdin closed before "go"')));
  });
}

function countError(errors: Record<string, number>, error: unknown): void {
  const code = isAuthError(error) ? error.code : 'not-an-AuthError';
  errors[code] = (errors[code] ?? 0) + 1;
  if (!isAuthError(error)) process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
}

/** Forces `rounds` refreshes of `accountKey`, counting outcomes and sign-outs seen in state changes. */
async function refreshRounds(latchkey: Latchkey, accountKey: string, rounds: number, report: ChildReport): Promise<void> {
  const unsubscribe = latchkey.engine.onStateChange((state) => {
    if (state.accounts.find((a) => a.key === accountKey)?.signedIn === false) report.signOuts += 1;
  });
  for (let i = 0; i < rounds; i++) {
    try {
      const summary = await latchkey.engine.refreshNow(accountKey);
      if (summary.signedIn) report.ok += 1;
    } catch (error) {
      countError(report.errors, error);
    }
  }
  unsubscribe();
  report.rounds += rounds;
  report.signedInAtEnd = latchkey.engine.getState().accounts.find((a) => a.key === accountKey)?.signedIn === true;
}

function emptyReport(): ChildReport {
  return { rounds: 0, ok: 0, errors: {}, refreshRequests: 0, signOuts: 0, signedInAtEnd: false };
}

async function refreshMode(configPath: string, service: string, rounds: number, accountKey: string): Promise<ChildReport> {
  const recorder = recordingFetch();
  const latchkey = await createLatchkey({
    configPath,
    keychainService: service,
    role: 'cli',
    embeddedProvider: false,
    fetch: recorder.fetch,
    openBrowser: async () => {
      throw new AuthError('internal', 'This process has no browser: it only refreshes.');
    },
  });
  const report: ChildReport = { ...emptyReport(), accountKey };
  try {
    await latchkey.restore();
    process.stdout.write('ready\n');
    await waitForGo();
    await refreshRounds(latchkey, accountKey, rounds, report);
    report.refreshRequests = recorder.refreshRequests();
    return report;
  } finally {
    await latchkey.close();
  }
}

async function signInMode(configPath: string, service: string, user: 'alice' | 'bob', rounds: number): Promise<ChildReport> {
  const browser = await launchSystemBrowser();
  const recorder = recordingFetch();
  const opener = createBrowserOpener(browser, { user, consent: 'allow' });
  const report = emptyReport();
  let latchkey: Latchkey | undefined;
  try {
    latchkey = await createLatchkey({
      configPath,
      keychainService: service,
      role: 'cli',
      embeddedProvider: false,
      fetch: recorder.fetch,
      openBrowser: opener.openBrowser,
    });
    await latchkey.restore();
    process.stdout.write('ready\n');
    await waitForGo();
    const account = await latchkey.engine.signIn('local');
    report.accountKey = account.key;
    await refreshRounds(latchkey, account.key, rounds, report);
    report.refreshRequests = recorder.refreshRequests();
    return report;
  } finally {
    await latchkey?.close();
    await browser.close();
  }
}

async function recordsMode(configPath: string, prefix: string, rounds: number): Promise<ChildReport> {
  const store = new ConfigStore({ path: configPath });
  await store.load();
  const report = emptyReport();
  process.stdout.write('ready\n');
  await waitForGo();
  for (let i = 0; i < rounds; i++) {
    try {
      await store.update((draft) => {
        const base = { provider: 'local', roles: ['user'], logged_in: true, last_login: new Date().toISOString() };
        draft.setAccount(`${prefix}-${i}`, { ...base, name: `${prefix} ${i}`, subject: `${prefix}-${i}` });
        draft.setAccount(`${prefix}-counter`, { ...base, name: `counter ${i}`, subject: `${prefix}-counter` });
      });
      report.ok += 1;
    } catch (error) {
      countError(report.errors, error);
    }
    report.rounds += 1;
  }
  return report;
}

async function main(): Promise<void> {
  let report: ChildReport;
  if (mode === 'refresh') {
    const [configPath, service, rounds, accountKey] = args as [string, string, string, string];
    report = await refreshMode(configPath, service, Number(rounds), accountKey);
  } else if (mode === 'sign-in') {
    const [configPath, service, user, rounds] = args as [string, string, string, string];
    if (user !== 'alice' && user !== 'bob') throw new Error(`unknown demo user ${user}`);
    report = await signInMode(configPath, service, user, Number(rounds));
  } else if (mode === 'records') {
    const [configPath, prefix, rounds] = args as [string, string, string];
    report = await recordsMode(configPath, prefix, Number(rounds));
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  // Exit explicitly: an idle keep-alive connection or keychain handle must not keep the child around.
  process.stdout.write(`${JSON.stringify({ result: report })}\n`, () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
