/**
 * The auth-event log: sign-ins, refreshes, sign-outs and failures, one JSON object a line, in the data folder.
 * It holds no secret (account keys, codes and outcomes only) and stays small: past `maxBytes` it keeps the
 * newest half. Writing it must never break an auth operation, so failures to write are swallowed.
 *
 * The file is opened without following symlinks and only used when it is a plain file of this user, so a
 * link planted in its place cannot make Latchkey append to (or show) another file; it is rotated through the
 * store's atomic writer (unpredictable temp names, rename over the path). What is read back is validated
 * line by line: the renderer gets only well-formed events, and lines that are not (torn by a crash, edited
 * by hand) are skipped and counted.
 */
import { Buffer } from 'node:buffer';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { z } from 'zod';
import type { AuthEvent } from '../../shared/session';
import { writeFileAtomic } from '../store/atomic-write';

export interface EventLogOptions {
  path: string;
  maxBytes?: number;
  now?: () => number;
  /** Told (without the lines themselves) when recent() skipped lines that are not valid events. */
  log?: (line: string) => void;
}

/** Field bounds: generous for what Latchkey writes (record() clips to them), small enough for one screen row. */
export const EVENT_FIELD_LIMITS = { at: 40, accountKey: 512, code: 64, detail: 1000 } as const;

const authEventSchema = z.object({
  at: z.string().max(EVENT_FIELD_LIMITS.at).refine((at) => Number.isFinite(Date.parse(at))),
  kind: z.enum(['sign_in', 'refresh', 'sign_out', 'restore', 'failure']),
  outcome: z.enum(['ok', 'error']),
  accountKey: z.string().max(EVENT_FIELD_LIMITS.accountKey).optional(),
  code: z.string().max(EVENT_FIELD_LIMITS.code).optional(),
  detail: z.string().max(EVENT_FIELD_LIMITS.detail).optional(),
});

/** No symlink is followed, and a FIFO planted in the file's place fails at once instead of blocking the open. */
const NO_FOLLOW = (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);
const APPEND_FLAGS = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NO_FOLLOW;
const READ_FLAGS = constants.O_RDONLY | NO_FOLLOW;

export class AuthEventLog {
  readonly #path: string;
  readonly #maxBytes: number;
  readonly #now: () => number;
  readonly #log: ((line: string) => void) | undefined;
  #queue: Promise<void> = Promise.resolve();
  #skipped = 0;

  constructor(options: EventLogOptions) {
    this.#path = options.path;
    this.#maxBytes = options.maxBytes ?? 256 * 1024;
    this.#now = options.now ?? Date.now;
    this.#log = options.log;
  }

  /** How many lines the last recent() passed over because they were not valid events. */
  get skippedLines(): number {
    return this.#skipped;
  }

  /** Appends an event (serialised with other appends of this process). */
  record(event: Omit<AuthEvent, 'at'>): Promise<void> {
    const line = `${JSON.stringify({ at: new Date(this.#now()).toISOString(), ...clipped(event) })}\n`;
    this.#queue = this.#queue.then(() => this.#append(line)).catch(() => undefined);
    return this.#queue;
  }

  /** Resolves once every event recorded so far is in the file (callers on hot paths record without waiting). */
  settled(): Promise<void> {
    return this.#queue;
  }

  async #append(line: string): Promise<void> {
    const handle = await openOwnFile(this.#path, APPEND_FLAGS);
    let size: number;
    try {
      await handle.write(line);
      size = (await handle.stat()).size;
    } finally {
      await handle.close();
    }
    if (size > this.#maxBytes) {
      const lines = (await this.#readTail()).split('\n').filter(Boolean);
      const kept = lines.slice(Math.floor(lines.length / 2)).join('\n') + '\n';
      await writeFileAtomic(this.#path, kept, 0o600);
    }
  }

  /** The newest valid events first; never throws (an unreadable log is an empty one). */
  async recent(limit = 20): Promise<AuthEvent[]> {
    await this.#queue;
    let text: string;
    try {
      text = await this.#readTail();
    } catch {
      return [];
    }
    const events: AuthEvent[] = [];
    let skipped = 0;
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0 && events.length < limit; i--) {
      const line = lines[i];
      if (!line) continue;
      const event = parseEvent(line);
      if (event === null) skipped += 1;
      else events.push(event);
    }
    this.#skipped = skipped;
    if (skipped > 0) this.#log?.(`auth-event log: skipped ${skipped} line(s) that are not valid events`);
    return events;
  }

  /**
   * The end of the log: all of it normally, only the newest part of a file that grew far past `maxBytes`
   * (other processes append too), so a huge file never has to fit in memory.
   */
  async #readTail(): Promise<string> {
    const handle = await openOwnFile(this.#path, READ_FLAGS);
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, Math.max(this.#maxBytes * 2, 64 * 1024));
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, size - length);
      const text = buffer.subarray(0, bytesRead).toString('utf8');
      // Started mid-file: the first line is a fragment.
      return length < size ? text.slice(text.indexOf('\n') + 1) : text;
    } finally {
      await handle.close();
    }
  }
}

/**
 * Opens the log without following a symlink and refuses anything but a plain file of this user (a hard link
 * or a file someone else made in a shared folder): the log is never written or read through such a file.
 */
async function openOwnFile(file: string, flags: number): Promise<FileHandle> {
  const handle = await open(file, flags, 0o600);
  try {
    const info = await handle.stat();
    const uid = process.getuid?.();
    if (!info.isFile() || (uid !== undefined && info.uid !== uid) || info.nlink > 1) {
      throw new Error(`${file} is not a plain file of this user`);
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** One line as an event, or null when it is not valid JSON of the event shape. */
function parseEvent(line: string): AuthEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const parsed = authEventSchema.safeParse(value);
  if (!parsed.success) return null;
  const { at, kind, outcome, accountKey, code, detail } = parsed.data;
  return {
    at,
    kind,
    outcome,
    ...(accountKey !== undefined ? { accountKey } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
}

/** Clips the free-text fields to what recent() accepts, so every line Latchkey writes can be read back. */
function clipped(event: Omit<AuthEvent, 'at'>): Omit<AuthEvent, 'at'> {
  const clip = (text: string | undefined, max: number) => (text === undefined || text.length <= max ? text : `${text.slice(0, max - 3)}...`);
  const accountKey = clip(event.accountKey, EVENT_FIELD_LIMITS.accountKey);
  const code = clip(event.code, EVENT_FIELD_LIMITS.code);
  const detail = clip(event.detail, EVENT_FIELD_LIMITS.detail);
  return {
    ...event,
    ...(accountKey !== undefined ? { accountKey } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
}
