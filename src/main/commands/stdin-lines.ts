/**
 * Standard input as lines, shared by everything a command reads from it when it is not a terminal: the
 * passwords and passphrase it asks for (password-input.ts) and, with `login --no-browser`, the address pasted
 * back (pasted-redirect.ts). One reader per stream: two readers on one stream would each buffer data the
 * other needs — a script that pipes the passphrase and then the pasted address would lose the address.
 * Lines are handed out in order, each once, as they arrive; nothing waits for the end of input. The stream is
 * read only while someone waits for a line (paused otherwise), so a command that has what it asked for is not
 * kept alive by an open stdin.
 */
import { createInterface } from 'node:readline';

export interface LineSource {
  /** The next line (without its line ending); undefined once the input has ended. */
  next(): Promise<string | undefined>;
  /** Stops reading: pending and later next() calls answer undefined. */
  close(): void;
}

const sources = new WeakMap<NodeJS.ReadableStream, LineSource>();

/** The one line source of `stream` (created on first use). */
export function linesOf(stream: NodeJS.ReadableStream): LineSource {
  let source = sources.get(stream);
  if (!source) {
    source = createLineSource(stream);
    sources.set(stream, source);
  }
  return source;
}

function createLineSource(stream: NodeJS.ReadableStream): LineSource {
  const ready: string[] = [];
  const waiting: Array<(line: string | undefined) => void> = [];
  let ended = false;
  const reader = createInterface({ input: stream, terminal: false, crlfDelay: Infinity });
  reader.on('line', (line) => {
    const taker = waiting.shift();
    if (taker) taker(line);
    else ready.push(line);
    if (waiting.length === 0) reader.pause();
  });
  const end = (): void => {
    ended = true;
    for (const taker of waiting.splice(0)) taker(undefined);
  };
  reader.on('close', end);
  return {
    next() {
      const line = ready.shift();
      if (line !== undefined) return Promise.resolve(line);
      if (ended) return Promise.resolve(undefined);
      return new Promise((resolve) => {
        waiting.push(resolve);
        reader.resume();
      });
    },
    close() {
      ready.length = 0;
      reader.close();
      end();
    },
  };
}
