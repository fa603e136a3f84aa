/**
 * Reading a password for the CLI. On a terminal: a prompt on stderr and the typed characters not echoed (raw
 * mode; Backspace edits, Enter ends, Ctrl-C or Ctrl-D cancels). Otherwise (a pipe, a script, a test): the next
 * line of stdin per password asked (stdin-lines.ts), so `printf 'pw\n' | latchkey login --local --user ada` works and nothing has to
 * appear in a command line (where other users of the machine could read it in the process list).
 */
import { AuthError } from '../../shared/errors';
import { linesOf } from './stdin-lines';

export interface PasswordInput {
  /** Asks for one secret; resolves with it (without the line ending). */
  read(prompt: string): Promise<string>;
}

interface InputStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

export function passwordInput(stdin: InputStream = process.stdin as InputStream, stderr: { write(text: string): unknown } = process.stderr): PasswordInput {
  if (stdin.isTTY === true && typeof stdin.setRawMode === 'function') return terminalInput(stdin, stderr);
  return lineInput(stdin);
}

function terminalInput(stdin: InputStream, stderr: { write(text: string): unknown }): PasswordInput {
  return {
    read: (prompt) =>
      new Promise<string>((resolve, reject) => {
        stderr.write(prompt);
        let typed = '';
        const finish = (error?: AuthError): void => {
          stdin.removeListener('data', onData);
          stdin.setRawMode?.(false);
          stdin.pause();
          stderr.write('\n');
          if (error) reject(error);
          else resolve(typed);
        };
        const onData = (chunk: Buffer | string): void => {
          for (const char of chunk.toString('utf8')) {
            if (char === '\r' || char === '\n') return finish();
            if (char === '\u0003' || char === '\u0004') return finish(new AuthError('cancelled', 'Cancelled.'));
            if (char === '\u007f' || char === '\b') typed = [...typed].slice(0, -1).join('');
            else if (char >= ' ') typed += char;
          }
        };
        stdin.setRawMode?.(true);
        stdin.resume();
        stdin.on('data', onData);
      }),
  };
}

function lineInput(stdin: InputStream): PasswordInput {
  // The stream's one line reader (stdin-lines.ts): a line piped after the passwords (`login --no-browser`'s
  // pasted address) stays there for whoever reads next.
  return {
    async read() {
      // Taken on the first question only: a command that asks nothing leaves stdin alone.
      const line = await linesOf(stdin).next();
      if (line === undefined) throw new AuthError('invalid_argument', 'No password on standard input (one line per password asked).');
      return line;
    },
  };
}
