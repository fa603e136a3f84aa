/**
 * The system-browser opener: for every platform, a URL (hostile ones included) reaches the opener as exactly
 * one argument, unchanged, and no command interpreter is ever involved. On Windows that rules out
 * `cmd /c start`, which read `&`, `|`, `^` and `%VAR%` in a URL as its own syntax.
 *
 * The Windows command line is checked as Node builds it (libuv's quoting rule), since that string is what
 * rundll32 hands on. The last tests start real processes on this machine with hostile URLs.
 *
 * The generator is seeded; a failure prints the seed (replay with LATCHKEY_FUZZ_SEED=<seed>).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAuthError } from '../src/shared/errors';
import {
  browserCommandFor,
  browserCommandFromLine,
  createCommandBrowserOpener,
  defaultBrowserCommand,
  launchBrowserCommand,
  type BrowserCommand,
  type SpawnFunction,
} from '../src/main/system-browser';
import { createRng, fuzzSeed } from './hardening/fuzz-random';

const PLATFORMS = ['win32', 'darwin', 'linux'] as const;
const WINDOWS_ENV = { SystemRoot: 'C:\\Windows' };
const RUNDLL32 = 'C:\\Windows\\System32\\rundll32.exe';

/** Command interpreters that would parse the URL: none may ever be the program. */
const INTERPRETER = /(^|[\\/])(cmd|powershell|pwsh|sh|bash|dash|zsh)(\.exe)?$|\.(bat|cmd)$/i;

/** URLs an attacker-controlled discovery document could produce, each a valid http(s) URL. */
const HOSTILE_URLS = [
  'https://x/a&calc.exe&',
  'https://idp.example/authorize?client_id=latchkey&redirect_uri=http%3A%2F%2F127.0.0.1%3A5000%2Fcallback&state=abc&code_challenge=xyz',
  'https://x/a|calc.exe',
  'https://x/a^&calc.exe',
  'https://x/%PATH%/%USERPROFILE%?q=%COMSPEC%',
  'https://x/%%PATH%%',
  'https://x/a&&whoami||calc',
  'https://x/$(id)/%60id%60;id?q=`id`',
  'https://x/a)&calc.exe&(b',
  'https://x/!PATH!&calc',
  "https://x/it's&'calc'",
  'http://127.0.0.1:4600/auth?a=1&b=2#frag&c=3',
  'https://x/%22&calc.exe&%22',
  'https://x/%0A&calc.exe',
  'https://xn--bcher-kva.example/%C3%BC?%E2%98%83=%F0%9F%94%91',
  `https://x/${'a&b'.repeat(3000)}`,
];

/** Inputs that normalise to a clean URL: the browser gets the serialised form (what it would make of them). */
const NORMALISED_URLS = [
  'https://x/a\n&calc.exe',
  'https://x/a\r\n%PATH%',
  'https://x/ü?ä=ö#ß',
  'https://bücher.example/&calc',
  'https://x/a b&c',
  'https://x/"&calc.exe&"',
  'HTTPS://X/a&b',
];

/** Not http(s), or not a URL: refused on every platform. */
const REFUSED_URLS = [
  'file:///C:/Windows/System32/calc.exe',
  'C:\\Windows\\System32\\calc.exe',
  'javascript:alert(1)',
  'ms-settings:',
  'search-ms:query=calc',
  'data:text/html,<script>alert(1)</script>',
  'ftp://x/',
  '\\\\attacker\\share\\payload.exe',
  '&calc.exe',
  '',
  // Valid URLs whose serialised form still holds a quote: it could not cross a command line unchanged.
  'http://a"&calc.exe&"b/',
];

/**
 * The command line Node (libuv) builds on Windows: an argument is quoted only when it is empty or holds a
 * space, tab or `"` (then backslashes before quotes are doubled).
 */
function windowsCommandLine(file: string, args: readonly string[]): string {
  const quote = (arg: string): string => {
    if (arg === '') return '""';
    if (!/[ \t"]/.test(arg)) return arg;
    return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
  };
  return [file, ...args].map(quote).join(' ');
}

function expectRefused(run: () => unknown): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(isAuthError(thrown, 'invalid_argument'), `expected an invalid_argument AuthError, got ${String(thrown)}`).toBe(true);
}

/** The checks every command must pass: one argument holding the URL, unchanged; no shell. */
function expectSafe(command: BrowserCommand, url: string): void {
  expect(command.options.shell).toBe(false);
  expect(command.options.windowsVerbatimArguments).toBe(false);
  expect(command.file).not.toMatch(INTERPRETER);
  expect(command.args.filter((arg) => arg === url)).toHaveLength(1);
  expect(command.args.filter((arg) => arg.includes(url) && arg !== url)).toHaveLength(0);
}

function platformEnv(platform: (typeof PLATFORMS)[number]): Record<string, string> {
  return platform === 'win32' ? WINDOWS_ENV : {};
}

describe('browserCommandFor: the platform opener', () => {
  it('the hostile URLs are in serialised form (so "unchanged" means byte for byte)', () => {
    for (const url of HOSTILE_URLS) expect(new URL(url).href).toBe(url);
  });

  it('opens with open (macOS), xdg-open (Linux) and rundll32 by full path (Windows), never cmd.exe', () => {
    const url = 'https://idp.example/authorize?a=1&b=2';
    expect(browserCommandFor('darwin', url, {})).toMatchObject({ file: 'open', args: [url] });
    expect(browserCommandFor('linux', url, {})).toMatchObject({ file: 'xdg-open', args: [url] });
    expect(browserCommandFor('freebsd', url, {})).toMatchObject({ file: 'xdg-open', args: [url] });
    expect(browserCommandFor('win32', url, WINDOWS_ENV)).toMatchObject({ file: RUNDLL32, args: ['url.dll,FileProtocolHandler', url] });
    expect(browserCommandFor('win32', url, { SystemRoot: 'D:\\WinNT\\' }).file).toBe('D:\\WinNT\\System32\\rundll32.exe');
    expect(browserCommandFor('win32', url, {}).file).toBe(RUNDLL32);
  });

  for (const platform of PLATFORMS) {
    it(`${platform}: hostile URLs arrive as one argument, unchanged, with no shell`, () => {
      for (const url of HOSTILE_URLS) expectSafe(browserCommandFor(platform, url, platformEnv(platform)), url);
    });

    it(`${platform}: URLs are passed in their serialised form`, () => {
      for (const url of NORMALISED_URLS) {
        const href = new URL(url).href;
        expect(href).not.toMatch(/[\s"]/);
        expectSafe(browserCommandFor(platform, url, platformEnv(platform)), href);
      }
    });

    it(`${platform}: anything but an http(s) URL is refused with invalid_argument`, () => {
      for (const url of REFUSED_URLS) expectRefused(() => browserCommandFor(platform, url, platformEnv(platform)));
    });
  }

  it('win32: the command line rundll32 receives ends with the URL, byte for byte', () => {
    for (const url of HOSTILE_URLS) {
      const command = browserCommandFor('win32', url, WINDOWS_ENV);
      expect(windowsCommandLine(command.file, command.args)).toBe(`${RUNDLL32} url.dll,FileProtocolHandler ${url}`);
    }
    // A SystemRoot with a space is quoted by Node; the URL still is not touched.
    const spaced = browserCommandFor('win32', HOSTILE_URLS[0] as string, { SystemRoot: 'C:\\My Windows' });
    expect(windowsCommandLine(spaced.file, spaced.args)).toBe(`"C:\\My Windows\\System32\\rundll32.exe" url.dll,FileProtocolHandler ${HOSTILE_URLS[0]}`);
  });

  it('fuzz: every generated URL is either refused with invalid_argument or arrives as one unchanged argument', () => {
    const seed = fuzzSeed();
    const rng = createRng(seed);
    const pieces = ['&', '|', '^', '%', '%PATH%', '%%', '!', '"', "'", '<', '>', '(', ')', '`', '$', ';', '\n', '\r', '\t', ' ', '\\', '/', '?', '#', '=',
      'ü', '☃', '🔑', '\u202e', '\u0000', '\u007f', 'calc.exe', 'a', 'Z', '0', '%0A', '%22', '%26'];
    let accepted = 0;
    try {
      for (let i = 0; i < 2_000; i += 1) {
        let tail = '';
        const count = rng.chance(0.05) ? rng.int(1_000, 4_000) : rng.int(1, 40);
        for (let j = 0; j < count; j += 1) tail += rng.pick(pieces);
        const prefix = rng.pick(['https://idp.example/', 'http://127.0.0.1:4600/auth?', 'https://x', 'https://idp.example/a?b=c#', 'http://a']);
        const url = prefix + tail;
        for (const platform of PLATFORMS) {
          let command: BrowserCommand;
          try {
            command = browserCommandFor(platform, url, platformEnv(platform));
          } catch (error) {
            expect(isAuthError(error, 'invalid_argument'), `seed ${seed}: ${JSON.stringify(url)} threw ${String(error)}`).toBe(true);
            continue;
          }
          const href = new URL(url).href;
          expect(href, `seed ${seed}`).toMatch(/^https?:\/\/[\x21\x23-\x7e]+$/);
          expectSafe(command, href);
          if (platform === 'win32') {
            expect(windowsCommandLine(command.file, command.args), `seed ${seed}`).toBe(`${RUNDLL32} url.dll,FileProtocolHandler ${href}`);
          }
          accepted += 1;
        }
      }
    } catch (error) {
      console.error(`system-browser fuzz failed with seed ${seed}: replay with LATCHKEY_FUZZ_SEED=${seed}`);
      throw error;
    }
    expect(accepted, `seed ${seed}: the generator should produce mostly valid URLs`).toBeGreaterThan(1_000);
  });
});

describe('$BROWSER, never through a shell', () => {
  const url = 'https://x/a&calc.exe&%PATH%';

  it('is used on every platform, the URL appended as its own argument or put in place of %s', () => {
    for (const platform of PLATFORMS) {
      const appended = browserCommandFor(platform, url, { ...platformEnv(platform), BROWSER: 'firefox --new-window' });
      expect(appended).toMatchObject({ file: 'firefox', args: ['--new-window', url] });
      expectSafe(appended, url);
      const placed = browserCommandFor(platform, url, { ...platformEnv(platform), BROWSER: '"/opt/my browser/run" %s --private' });
      expect(placed).toMatchObject({ file: '/opt/my browser/run', args: [url, '--private'] });
      expectSafe(placed, url);
    }
  });

  it('takes the first of a colon-separated list, except on Windows', () => {
    expect(browserCommandFor('linux', url, { BROWSER: 'firefox:chromium' }).file).toBe('firefox');
    expect(browserCommandFor('win32', url, { BROWSER: 'C:\\Tools\\browser.exe' }).file).toBe('C:\\Tools\\browser.exe');
  });

  it('ignores an empty or blank $BROWSER', () => {
    expect(browserCommandFor('linux', url, { BROWSER: '  ' }).file).toBe('xdg-open');
    expect(browserCommandFor('win32', url, { ...WINDOWS_ENV, BROWSER: '' }).file).toBe(RUNDLL32);
  });

  it('refuses a command interpreter as the browser', () => {
    const shells: [NodeJS.Platform, string][] = [
      ['win32', 'cmd /c start ""'],
      ['win32', 'C:\\Windows\\System32\\cmd.exe /c start'],
      ['win32', 'CMD.EXE /c start'],
      ['win32', 'powershell -Command Start-Process'],
      ['win32', 'pwsh.exe -c start'],
      ['win32', 'C:\\tools\\open-url.bat'],
      ['win32', '"C:\\my tools\\open.CMD" %s'],
      ['linux', 'sh -c "firefox %s"'],
      ['linux', '/bin/bash -c firefox'],
      ['darwin', 'zsh -c open'],
    ];
    for (const [platform, browser] of shells) {
      expectRefused(() => browserCommandFor(platform, url, { ...WINDOWS_ENV, BROWSER: browser }));
      expectRefused(() => browserCommandFromLine(browser, url, platform));
    }
  });

  it('refuses non-web URLs even with $BROWSER set', () => {
    for (const bad of REFUSED_URLS) expectRefused(() => browserCommandFor('linux', bad, { BROWSER: 'firefox' }));
  });

  it('defaultBrowserCommand keeps only what choosing the browser needs', () => {
    expect(defaultBrowserCommand({ BROWSER: 'firefox', SECRET: 'x', SystemRoot: 'C:\\Windows' }, 'win32')).toEqual({
      platform: 'win32',
      env: { BROWSER: 'firefox', SystemRoot: 'C:\\Windows', windir: undefined },
    });
  });
});

describe('launching', () => {
  /** A spawn that records its call and reports a successful start. */
  function recordingSpawn(): { spawn: SpawnFunction; calls: { file: string; args: readonly string[]; options: object }[] } {
    const calls: { file: string; args: readonly string[]; options: object }[] = [];
    const spawn: SpawnFunction = (file, args, options) => {
      calls.push({ file, args, options });
      const child = Object.assign(new EventEmitter(), { unref: () => undefined });
      queueMicrotask(() => child.emit('spawn'));
      return child as unknown as ReturnType<SpawnFunction>;
    };
    return { spawn, calls };
  }

  it('spawns exactly the command, with shell: false', async () => {
    const { spawn, calls } = recordingSpawn();
    const command = browserCommandFor('win32', HOSTILE_URLS[0] as string, WINDOWS_ENV);
    await launchBrowserCommand(command, spawn);
    expect(calls).toEqual([{ file: RUNDLL32, args: ['url.dll,FileProtocolHandler', HOSTILE_URLS[0]], options: expect.objectContaining({ shell: false, windowsVerbatimArguments: false, detached: true }) }]);
  });

  it('turns a program Node refuses to start into a coded error', async () => {
    const throwing: SpawnFunction = () => {
      throw Object.assign(new Error('spawn EINVAL'), { code: 'EINVAL' });
    };
    await expect(launchBrowserCommand(browserCommandFor('linux', 'https://x/', {}), throwing)).rejects.toMatchObject({ code: 'internal' });
    await expect(createCommandBrowserOpener(defaultBrowserCommand({ BROWSER: 'definitely-not-a-browser-latchkey' }, 'linux'))('https://x/')).rejects.toMatchObject({ code: 'internal' });
  });

  it('refuses a non-web URL before starting anything', async () => {
    const open = createCommandBrowserOpener(defaultBrowserCommand({ BROWSER: 'definitely-not-a-browser-latchkey' }, 'linux'));
    // A start would fail with `internal`; the refusal comes first.
    await expect(open('file:///etc/passwd')).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(createCommandBrowserOpener(defaultBrowserCommand({}, 'win32'))('file:///C:/x.exe')).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  describe('real processes on this machine', () => {
    let dir: string;
    let script: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'latchkey-browser-argv-'));
      script = join(dir, 'record-argv.mjs');
      await writeFile(script, "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.env.LATCHKEY_ARGV_OUT, JSON.stringify(process.argv.slice(2)));\n");
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    async function receivedArgv(out: string): Promise<string[]> {
      for (let i = 0; i < 200; i += 1) {
        try {
          return JSON.parse(await readFile(out, 'utf8')) as string[];
        } catch {
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      }
      throw new Error('the browser command never ran');
    }

    it('a $BROWSER program receives each hostile URL as one argument, unchanged', async () => {
      const urls = [...HOSTILE_URLS.slice(0, 12), ...NORMALISED_URLS];
      for (const [index, url] of urls.entries()) {
        const out = join(dir, `argv-${index}.json`);
        process.env.LATCHKEY_ARGV_OUT = out;
        try {
          const open = createCommandBrowserOpener(defaultBrowserCommand({ BROWSER: `"${process.execPath}" "${script}"` }));
          await open(url);
        } finally {
          delete process.env.LATCHKEY_ARGV_OUT;
        }
        expect(await receivedArgv(out)).toEqual([new URL(url).href]);
      }
    });
  });
});
