/**
 * `latchkey login --no-browser`: the person opens the sign-in link in a browser on any machine. When that browser
 * cannot reach this machine's 127.0.0.1 (it runs elsewhere: SSH), it ends on an error page whose address is the
 * redirect with the code; the person copies that address and pastes it here. Each line read from stdin is handed
 * to the engine, which checks it exactly like the browser's return to the loopback listener (origin, path,
 * state) and exchanges it the same way. A line that is not this sign-in's redirect is explained and the command
 * keeps waiting, for a good paste or the loopback hit, whichever comes first. Nothing pasted is ever printed:
 * it holds the authorization code.
 */
import { toAuthError } from '../../shared/errors';
import type { CliIo } from './context';
import { linesOf } from './stdin-lines';

export interface PastedRedirects {
  /** Stops reading stdin (the sign-in ended either way). */
  stop(): void;
}

/** Reads pasted redirect addresses from `input` (stdin) and submits them to the sign-in in progress. */
export function readPastedRedirects(complete: (url: string) => void, io: Pick<CliIo, 'stderr'>, input: NodeJS.ReadableStream = process.stdin): PastedRedirects {
  // The stream's one line reader (stdin-lines.ts): lines piped before the address (a passphrase) were taken by
  // whoever asked for them, and the address is still there.
  const lines = linesOf(input);
  let stopped = false;
  const take = (line: string): void => {
    if (line.trim() === '') return;
    try {
      complete(line);
      io.stderr('Got the address: finishing the sign-in...\n');
    } catch (err) {
      const error = toAuthError(err);
      // The sign-in is over (the loopback won, or it timed out): nothing to say about a late paste.
      if (error.code === 'invalid_argument') return;
      io.stderr(`latchkey: ${error.message}\n`);
      if (error.hint) io.stderr(`  ${error.hint}\n`);
      io.stderr('Still waiting: paste the address again (or finish in a browser that reaches this machine).\n');
    }
  };
  void (async () => {
    // A closed stdin (end of input) leaves the loopback listener waiting, as without --no-browser.
    for (let line = await lines.next(); line !== undefined && !stopped; line = await lines.next()) take(line);
  })();
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      lines.close();
      // Reading stdin must not keep the command alive once the sign-in has ended.
      if (input === process.stdin) process.stdin.destroy();
    },
  };
}
