/**
 * Provider text never drives the terminal: control characters (ESC/OSC sequences: title changes, screen
 * clearing, OSC 52 clipboard writes) and format characters (bidi overrides) are removed from profiles when
 * they are read, and again from everything the CLI prints.
 */
import { writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { mapProfile, profileFromClaims, safePictureUrl } from '../src/main/auth/profile-readers';
import { main } from '../src/main/cli';
import { safeForTerminal, stripControlAndFormat } from '../src/shared/untrusted-text';
import { tempHome } from './helpers/engine-fixture';
import { useCleanups } from './helpers/test-lifecycle';

const defer = useCleanups();

const HOSTILE = 'Mallory\u001b]0;pwned\u0007\u001b[2J\u001b]52;c;ZXZpbA==\u0007\u202eevil\u009b31m';
// eslint-disable-next-line no-control-regex -- the point of the test: no control character gets through
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('untrusted text', () => {
  it('removes control and format characters but keeps emoji joiners, letters and our own line breaks', () => {
    expect(stripControlAndFormat(HOSTILE)).toBe('Mallory]0;pwned[2J]52;c;ZXZpbA==evil31m');
    expect(stripControlAndFormat('👩\u200d💻 Zoë')).toBe('👩\u200d💻 Zoë');
    expect(safeForTerminal(`a\tb\n${HOSTILE}\n`)).toBe('a\tb\nMallory]0;pwned[2J]52;c;ZXZpbA==evil31m\n');
  });

  it('cleans profile fields at the source, whatever the provider kind', () => {
    const profile = profileFromClaims('s', { name: HOSTILE, email: `m@x.example\u001b[8m`, given_name: '\u202eA' });
    expect(profile.name).not.toMatch(UNSAFE);
    expect(profile.email).toBe('m@x.example[8m');
    expect(profile.givenName).toBe('A');
    const mapped = mapProfile({ status: 200, body: { id: 7, user: { name: HOSTILE } } }, { subject: 'id', name: 'user.name' });
    expect(mapped).toMatchObject({ subject: '7' });
    expect(mapped.name).not.toMatch(UNSAFE);
  });

  it('keeps only https pictures (or http from the embedded provider)', () => {
    expect(safePictureUrl('https://cdn.example/a.png')).toBe('https://cdn.example/a.png');
    expect(safePictureUrl('http://tracker.example/p.gif')).toBeUndefined();
    expect(safePictureUrl('http://127.0.0.1:4600/avatars/a.svg', 'http://127.0.0.1:4600')).toBe('http://127.0.0.1:4600/avatars/a.svg');
    expect(safePictureUrl('http://127.0.0.1:9999/a.svg', 'http://127.0.0.1:4600')).toBeUndefined();
    expect(safePictureUrl('javascript:alert(1)')).toBeUndefined();
    expect(safePictureUrl('data:image/svg+xml,<svg/>')).toBeUndefined();
    expect(safePictureUrl('https://user:pw@cdn.example/a.png')).toBeUndefined();
  });

  it('the CLI prints a hostile name from config.yaml without its escape sequences', async () => {
    const home = await tempHome();
    defer(home.cleanup);
    // A record written before cleaning existed (or by hand): YAML's double quotes can carry any character.
    await writeFile(
      home.configPath,
      [
        'providers:',
        '  demo: { label: Demo, embedded: true }',
        'credentials:',
        '  usernames:',
        '    "demo:mallory":',
        `      name: ${JSON.stringify(HOSTILE)}`,
        '      email: "m@x.example\\e[8m"',
        '      provider: demo',
        '      subject: mallory',
        '      logged_in: false',
        '      last_login: 2026-11-26T18:00:00Z',
        '      signed_out_reason: "bye\\e]0;title\\a"',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    let out = '';
    const io = { stdout: (text: string) => void (out += text), stderr: (text: string) => void (out += text), env: { LATCHKEY_CONFIG: home.configPath, LATCHKEY_KEYCHAIN_SERVICE: home.keychainService } };
    expect(await main(['accounts'], io)).toBe(0);
    expect(await main(['status'], io)).toBe(1);
    expect(out).toMatch(/Mallory/);
    expect(out).toMatch(/bye/);
    expect(out).not.toMatch(UNSAFE);
  });
});
