/**
 * Which process listens on a local TCP port, for error messages ("port 4600 is held by pid 812 (python3
 * -m http.server 4600)"): a person told only "the port is in use" has to go and find out themselves.
 *
 * Best effort, never a reason to fail: Linux reads /proc (the socket's inode in /proc/net/tcp{,6}, then the
 * process whose fd links to it), macOS asks lsof, Windows asks netstat and tasklist. Anything else, or any
 * failure, gives undefined. What a process says about itself is untrusted text: control characters are
 * dropped and the length is bounded before it reaches a message.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';

const MAX_DESCRIPTION = 160;
const COMMAND_TIMEOUT_MS = 2_000;

export function cleanProcessText(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > MAX_DESCRIPTION ? `${clean.slice(0, MAX_DESCRIPTION - 1)}…` : clean;
}

function describe(pid: number, command: string | undefined): string {
  const text = command === undefined ? '' : cleanProcessText(command);
  return text === '' ? `pid ${pid}` : `pid ${pid} (${text})`;
}

/** A listening socket of /proc/net/tcp or tcp6: its inode and owner's uid. */
export interface ProcListener {
  inode: string;
  uid: number;
}

/** The listening sockets on `port` in the text of /proc/net/tcp or /proc/net/tcp6 (state 0A = LISTEN). */
export function parseProcNetTcp(text: string, port: number): ProcListener[] {
  const found: ProcListener[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const inode = fields[9];
    if (local === undefined || inode === undefined || fields[3] !== '0A') continue;
    const portHex = local.slice(local.lastIndexOf(':') + 1);
    if (Number.parseInt(portHex, 16) !== port || inode === '0') continue;
    found.push({ inode, uid: Number(fields[7]) });
  }
  return found;
}

async function linuxHolder(port: number): Promise<string | undefined> {
  const listeners: ProcListener[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    listeners.push(...parseProcNetTcp(text, port));
  }
  if (listeners.length === 0) return undefined;
  const wanted = new Set(listeners.map((l) => `socket:[${l.inode}]`));
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (!wanted.has(target)) continue;
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
      return describe(Number(pid), cmdline.replaceAll('\0', ' ').trim() || comm.trim() || undefined);
    }
  }
  // The socket exists but its process is not ours to look into (another user's).
  const uid = listeners[0]?.uid;
  return uid === undefined || Number.isNaN(uid) ? 'a process this user cannot inspect' : `a process of user id ${uid}`;
}

/** `lsof -nP -iTCP:<port> -sTCP:LISTEN -Fpc` output: `p<pid>` and `c<command>` lines. */
export function parseLsofFields(text: string): string | undefined {
  let pid: number | undefined;
  let command: string | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('p') && pid === undefined) pid = Number(line.slice(1));
    else if (line.startsWith('c') && pid !== undefined && command === undefined) command = line.slice(1);
  }
  return pid === undefined || Number.isNaN(pid) ? undefined : describe(pid, command);
}

/** The pid listening on `port` in `netstat -ano -p TCP` output (Windows). */
export function parseNetstatListeningPid(text: string, port: number): number | undefined {
  for (const line of text.split(/\r?\n/)) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] !== 'TCP' || fields[3] !== 'LISTENING') continue;
    const local = fields[1] ?? '';
    if (Number(local.slice(local.lastIndexOf(':') + 1)) !== port) continue;
    const pid = Number(fields[4]);
    if (Number.isInteger(pid) && pid > 0) return pid;
  }
  return undefined;
}

/** The image name in `tasklist /FI "PID eq N" /FO CSV /NH` output: `"python.exe","812",...`. */
export function parseTasklistImage(text: string): string | undefined {
  const match = /^"([^"]*)"/.exec(text.trim());
  return match?.[1];
}

/** Windows tools by full path: a bare name would be looked up in the current folder first. */
function system32(program: string): string {
  const root = (process.env.SystemRoot ?? process.env.windir ?? 'C:\\Windows').replace(/[\\/]+$/, '');
  return `${root}\\System32\\${program}`;
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: COMMAND_TIMEOUT_MS, windowsHide: true, maxBuffer: 1024 * 1024 }, (error, stdout) => {
      resolve(error === null ? stdout : (stdout ?? ''));
    });
  });
}

/** Describes the process listening on `port`, or undefined when the OS does not tell. Never throws. */
export async function describePortHolder(port: number, platform: NodeJS.Platform = process.platform): Promise<string | undefined> {
  try {
    if (platform === 'linux') return await linuxHolder(port);
    if (platform === 'darwin') return parseLsofFields(await run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc']));
    if (platform === 'win32') {
      const pid = parseNetstatListeningPid(await run(system32('netstat.exe'), ['-ano', '-p', 'TCP']), port);
      if (pid === undefined) return undefined;
      return describe(pid, parseTasklistImage(await run(system32('tasklist.exe'), ['/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH'])));
    }
  } catch {
    // Best effort only.
  }
  return undefined;
}
