/**
 * The auth-event log: sign-ins, refreshes, sign-outs and failures, one JSON object a line, in the data folder.
 * It holds no secret (account keys, codes and outcomes only) and stays small: past `maxBytes` it keeps the
 * newest half. Writing it must never break an auth operation, so failures to write are swallowed.
 */
import { appendFile, readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { AuthEvent } from '../../shared/session';

export interface EventLogOptions {
  path: string;
  maxBytes?: number;
  now?: () => number;
}

export class AuthEventLog {
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #now: () => number;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: EventLogOptions) {
    this.#path = options.path;
    this.#maxBytes = options.maxBytes ?? 256 * 1024;
    this.#now = options.now ?? Date.now;
  }

  /** Appends an event (serialised with other appends of this process). */
  record(event: Omit<AuthEvent, 'at'>): Promise<void> {
    const line = `${JSON.stringify({ at: new Date(this.#now()).toISOString(), ...event })}\n`;
    this.#queue = this.#queue.then(() => this.#append(line)).catch(() => undefined);
    return this.#queue;
  }

  async #append(line: string): Promise<void> {
    await appendFile(this.#path, line, { mode: 0o600 });
    const size = (await stat(this.#path)).size;
    if (size > this.#maxBytes) {
      const lines = (await readFile(this.#path, 'utf8')).split('\n').filter(Boolean);
      const kept = lines.slice(Math.floor(lines.length / 2)).join('\n') + '\n';
      const temp = `${this.#path}.${process.pid}.tmp`;
      await writeFile(temp, kept, { mode: 0o600 });
      await rename(temp, this.#path);
    }
  }

  /** The newest events first. */
  async recent(limit = 20): Promise<AuthEvent[]> {
    await this.#queue;
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch {
      return [];
    }
    const events: AuthEvent[] = [];
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && events.length < limit; i--) {
      const line = lines[i];
      if (!line) continue;
      try {
        events.push(JSON.parse(line) as AuthEvent);
      } catch {
        // A line torn by a crash: skip it.
      }
    }
    return events;
  }
}
