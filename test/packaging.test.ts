/**
 * Packaging, as far as it can be checked without Electron's download (which `npm run dist` needs and the
 * project's machines cannot reach):
 *
 * 1. electron-builder.config.ts against electron-builder's own schema (its validateConfiguration and
 *    scheme.json), the files it names, the notarization switch, the icons against the brand mark.
 * 2. electron-builder itself packs the app for Linux — the unpacked app and the .deb target — with two
 *    stand-ins: an "Electron" that is Node (it runs only in Node mode, like Electron with
 *    ELECTRON_RUN_AS_NODE=1, and refuses anything else) and an `fpm` that records what it was asked to put
 *    in the .deb (electron-builder downloads fpm from GitHub). Everything else is the real builder: file
 *    selection, asar, unpacking, resources, desktop entry, icons, install scripts.
 * 3. The packed app's `latchkey` launcher signs in with the embedded demo provider from the packaged layout
 *    (app.asar extracted in place, as Electron's asar support presents it), on the default config folder.
 *
 * Not checked here (needs the real Electron binary or platform tools): the AppImage, .dmg and NSIS
 * artifacts, code signing and notarization, fuses (they are flipped in the Electron binary).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, copyFile, cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ID } from '../src/main/desktop/app-identity';
import { APP_FOLDER_NAME } from '../src/main/store/paths';
import config, { builderConfig, NOTARIZATION_CREDENTIALS, notarizationFromEnv } from '../electron-builder.config';
// @ts-expect-error -- a plain .mjs script without type declarations
import { iconSources, ICO_SIZES, PNG_SIZES } from '../scripts/make-icons.mjs';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);
const builderRequire = createRequire(require.resolve('electron-builder'));

interface BuilderConfigValidator {
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(): void }): Promise<void>;
}

async function validate(candidate: unknown): Promise<void> {
  const { validateConfiguration } = builderRequire('app-builder-lib/out/util/config/config.js') as BuilderConfigValidator;
  await validateConfiguration(candidate, { isEnabled: false, add: () => undefined });
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('electron-builder configuration', () => {
  it('passes electron-builder’s own schema, and the validator does refuse a broken one', async () => {
    await validate(builderConfig({}));
    await validate(builderConfig({ APPLE_ID: 'a@example.com', APPLE_APP_SPECIFIC_PASSWORD: 'x', APPLE_TEAM_ID: 'T' }));
    await expect(validate({ ...builderConfig({}), asarUnpak: ['typo'] })).rejects.toThrow(/asarUnpak/);
    await expect(validate({ ...builderConfig({}), mac: { ...builderConfig({}).mac, hardenedRuntime: 'yes' } })).rejects.toThrow(/hardenedRuntime/);
  });

  it('names the app like the data folder the CLI uses, and registers the id the app uses', () => {
    expect(config.productName).toBe(APP_FOLDER_NAME);
    expect(config.appId).toBe(APP_ID);
  });

  it('unpacks the keychain’s native module, rebuilds nothing and keeps RunAsNode for the CLI launcher', () => {
    expect(config.asarUnpack).toEqual(['node_modules/@napi-rs/keyring*/**']);
    expect(config.npmRebuild).toBe(false);
    expect(config.electronFuses).toMatchObject({ runAsNode: true, grantFileProtocolExtraPrivileges: false, enableNodeCliInspectArguments: false });
    expect(config.mac).toMatchObject({ hardenedRuntime: true, entitlements: 'build/entitlements.mac.plist', target: ['dmg'] });
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.win?.target).toEqual(['nsis']);
  });

  it('every file it names exists; the launchers and install scripts are valid shell', async () => {
    const named = [
      'build/icons',
      'build/icon.icns',
      'build/icon.ico',
      'build/entitlements.mac.plist',
      'build/linux/after-install.tpl',
      'build/linux/after-remove.tpl',
      'build/bin/latchkey',
      'build/bin/latchkey.cmd',
      'bin/latchkey.js',
    ];
    for (const path of named) expect(existsSync(join(ROOT, path)), path).toBe(true);
    expect((await stat(join(ROOT, 'build', 'bin', 'latchkey'))).mode & 0o111).not.toBe(0);
    await run('sh', ['-n', join(ROOT, 'build', 'bin', 'latchkey')]);
    for (const script of ['after-install.tpl', 'after-remove.tpl']) await run('bash', ['-n', join(ROOT, 'build', 'linux', script)]);
    const entitlements = await readFile(join(ROOT, 'build', 'entitlements.mac.plist'), 'utf8');
    expect(entitlements).toContain('<key>com.apple.security.cs.allow-jit</key>');
    expect(entitlements).not.toContain('<key>com.apple.security.app-sandbox</key>');
  });

  it('notarizes only with one complete set of Apple credentials from the environment', () => {
    expect(notarizationFromEnv({})).toBe(false);
    for (const set of NOTARIZATION_CREDENTIALS) {
      expect(notarizationFromEnv(Object.fromEntries(set.map((name) => [name, 'value'])))).toBe(true);
    }
    expect(builderConfig({ APPLE_KEYCHAIN_PROFILE: 'latchkey' }).mac?.notarize).toBe(true);
    expect(builderConfig({}).mac?.notarize).toBe(false);
    expect(() => notarizationFromEnv({ APPLE_ID: 'a@example.com', APPLE_TEAM_ID: 'T' })).toThrow(/APPLE_APP_SPECIFIC_PASSWORD missing/);
    expect(() => notarizationFromEnv({ APPLE_API_KEY: '/k.p8', APPLE_API_ISSUER: ' ' })).toThrow(/APPLE_API_KEY_ID, APPLE_API_ISSUER missing/);
  });
});

describe('app icons', () => {
  it('are the renderer’s brand mark: the checked-in SVGs are what scripts/make-icons.mjs makes from it now', async () => {
    const sources = (await iconSources()) as Record<string, string>;
    expect(Object.keys(sources).sort()).toEqual(['icon-macos.svg', 'icon.svg']);
    for (const [name, svg] of Object.entries(sources)) expect(await readFile(join(ROOT, 'build', name), 'utf8'), name).toBe(svg);
  });

  it('come in every size: PNGs 16–1024, an .ico of 16–256 and a 1024 px .icns', async () => {
    const files = await readdir(join(ROOT, 'build', 'icons'));
    expect(files.sort()).toEqual((PNG_SIZES as number[]).map((size) => `${size}x${size}.png`).sort());
    for (const size of PNG_SIZES as number[]) {
      expect(pngSize(await readFile(join(ROOT, 'build', 'icons', `${size}x${size}.png`)))).toEqual({ width: size, height: size });
    }
    expect(pngSize(await readFile(join(ROOT, 'build', 'icon.png')))).toEqual({ width: 1024, height: 1024 });

    const ico = await readFile(join(ROOT, 'build', 'icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    const sizes = Array.from({ length: count }, (_, i) => {
      const length = ico.readUInt32LE(6 + 16 * i + 8);
      const offset = ico.readUInt32LE(6 + 16 * i + 12);
      const size = pngSize(ico.subarray(offset, offset + length));
      expect(ico.readUInt8(6 + 16 * i) || 256).toBe(size.width);
      return size.width;
    });
    expect(sizes).toEqual(ICO_SIZES);

    const icns = await readFile(join(ROOT, 'build', 'icon.icns'));
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const types: string[] = [];
    for (let at = 8; at < icns.length; at += icns.readUInt32BE(at + 4)) types.push(icns.subarray(at, at + 4).toString('latin1'));
    expect(types).toContain('ic10'); // 512@2x = 1024 px
  });
});

/** A port that was free a moment ago, for the demo provider. */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

interface FpmRecord {
  args: string[];
  scripts: { afterInstall: string; afterRemove: string };
  desktop: string;
  mappings: { source: string; target: string; sha256: string | null }[];
}

describe('the app packed by electron-builder for Linux (stand-in Electron and fpm)', () => {
  let work = '';
  let unpacked = '';
  let fpm: FpmRecord | null = null;

  beforeAll(async () => {
    for (const built of ['out/main/index.js', 'out/main/cli.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
      if (!existsSync(join(ROOT, built))) throw new Error('The app is not built: run `npx electron-vite build` (or `npm run build`) first.');
    }
    work = await mkdtemp(join(tmpdir(), 'latchkey-pack-'));

    // "Electron": Node, but only in Node mode — what the CLI launcher relies on.
    const electronDist = join(work, 'electron-dist');
    await mkdir(electronDist);
    await writeFile(
      join(electronDist, 'electron'),
      `#!/bin/sh\n[ "\${ELECTRON_RUN_AS_NODE:-}" = 1 ] || { echo "stand-in Electron: only Node mode (ELECTRON_RUN_AS_NODE=1) runs here" >&2; exit 97; }\nexec "${process.execPath}" "$@"\n`,
      { mode: 0o755 },
    );
    await writeFile(join(electronDist, 'version'), '41.7.1');

    // "fpm": records its arguments, the install scripts and desktop entry it was given, and what each
    // file mapping holds (temp files are gone after the build), then writes an empty package.
    const fpmRecord = join(work, 'fpm.json');
    const fakeFpm = join(work, 'fpm');
    await writeFile(
      fakeFpm,
      `#!${process.execPath}
const fs = require('node:fs'), crypto = require('node:crypto');
const args = process.argv.slice(2);
const value = (flag) => args[args.indexOf(flag) + 1];
const mappings = args.filter((a) => /^\\//.test(a) && a.includes('=/')).map((a) => {
  const [source, target] = a.split('=');
  const file = fs.existsSync(source) && fs.statSync(source).isFile();
  return { source, target, sha256: file ? crypto.createHash('sha256').update(fs.readFileSync(source)).digest('hex') : null };
});
const desktop = mappings.find((m) => m.target.endsWith('.desktop'));
fs.writeFileSync(${JSON.stringify(fpmRecord)}, JSON.stringify({
  args,
  scripts: { afterInstall: fs.readFileSync(value('--after-install'), 'utf8'), afterRemove: fs.readFileSync(value('--after-remove'), 'utf8') },
  desktop: desktop ? fs.readFileSync(desktop.source, 'utf8') : '',
  mappings,
}));
fs.writeFileSync(value('--package'), '');
`,
      { mode: 0o755 },
    );

    const { build, Platform, Arch } = (await import('electron-builder')) as typeof import('electron-builder');
    const base = builderConfig({});
    const saved = process.env.CUSTOM_FPM_PATH;
    process.env.CUSTOM_FPM_PATH = fakeFpm;
    try {
      await build({
        projectDir: ROOT,
        targets: Platform.LINUX.createTarget(['dir', 'deb'], Arch.x64),
        publish: 'never',
        config: {
          ...base,
          directories: { ...base.directories, output: join(work, 'dist') },
          electronDist,
          // Fuses are flipped inside the real Electron binary; the stand-in has none.
          electronFuses: null,
        },
      });
    } finally {
      if (saved === undefined) delete process.env.CUSTOM_FPM_PATH;
      else process.env.CUSTOM_FPM_PATH = saved;
    }
    unpacked = join(work, 'dist', 'linux-unpacked');
    fpm = JSON.parse(await readFile(fpmRecord, 'utf8')) as FpmRecord;
  }, 240_000);

  afterAll(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); // a detached browser or CLI may still be finishing inside it
  });

  function asarFiles(): string[] {
    const asar = builderRequire('@electron/asar') as { listPackage(path: string, options: { isPack: boolean }): string[] };
    return asar.listPackage(join(unpacked, 'resources', 'app.asar'), { isPack: false });
  }

  it('has the app binary, the app archive and the CLI launchers in resources/bin', async () => {
    expect(existsSync(join(unpacked, 'latchkey-desktop'))).toBe(true);
    expect(existsSync(join(unpacked, 'resources', 'app.asar'))).toBe(true);
    expect((await stat(join(unpacked, 'resources', 'bin', 'latchkey'))).mode & 0o111).not.toBe(0);
    expect(existsSync(join(unpacked, 'resources', 'bin', 'latchkey.cmd'))).toBe(true);
  });

  it('archives the built app and its production dependencies — no sources, tests, dev tools or source maps', async () => {
    const files = asarFiles();
    for (const path of ['/package.json', '/bin/latchkey.js', '/out/main/index.js', '/out/main/cli.js', '/out/preload/index.cjs', '/out/renderer/index.html']) {
      expect(files, path).toContain(path);
    }
    const dependencies = Object.keys((JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies);
    for (const name of dependencies) expect(files, name).toContain(`/node_modules/${name}/package.json`);
    const forbidden = files.filter(
      (file) =>
        /^\/(src|test|bench|scripts|build|docs|security)\//.test(file) ||
        /^\/node_modules\/(electron|electron-builder|electron-vite|vite|vitest|react|react-dom|typescript|playwright-core|eslint)\//.test(file) ||
        (file.startsWith('/out/') && file.endsWith('.map')),
    );
    expect(forbidden).toEqual([]);

    const asar = builderRequire('@electron/asar') as { extractFile(archive: string, file: string): Buffer };
    const packaged = JSON.parse(asar.extractFile(join(unpacked, 'resources', 'app.asar'), 'package.json').toString('utf8')) as Record<string, unknown>;
    // productName is the app's name at run time (app.getName()); desktopName its Linux app id / WM_CLASS.
    expect(packaged).toMatchObject({ main: 'out/main/index.js', productName: 'Latchkey', desktopName: 'latchkey-desktop.desktop', type: 'module' });
  });

  it('unpacks the keychain’s native module from the archive (Electron cannot dlopen inside asar)', async () => {
    const nativeDir = join(unpacked, 'resources', 'app.asar.unpacked', 'node_modules', '@napi-rs', `keyring-${process.platform}-${process.arch}-gnu`);
    const natives = (await readdir(nativeDir)).filter((name) => name.endsWith('.node'));
    expect(natives).toHaveLength(1);
    const original = await readFile(join(ROOT, 'node_modules', '@napi-rs', `keyring-${process.platform}-${process.arch}-gnu`, natives[0] ?? ''));
    expect(sha256(await readFile(join(nativeDir, natives[0] ?? '')))).toBe(sha256(original));
    // Nothing else needed unpacking.
    const unpackedTop = await readdir(join(unpacked, 'resources', 'app.asar.unpacked', 'node_modules', '@napi-rs'));
    expect(unpackedTop.every((name) => name.startsWith('keyring'))).toBe(true);
  });

  it('the .deb: the app under /opt/Latchkey, a desktop entry with icon and categories, every icon size, dependencies', async () => {
    if (fpm === null) throw new Error('fpm was not called');
    const { args, mappings } = fpm;
    const flag = (name: string): string | undefined => args[args.indexOf(name) + 1];
    expect(args.slice(0, 5)).toEqual(['-s', 'dir', '--force', '-t', 'deb']);
    expect(flag('--name')).toBe('latchkey');
    expect(flag('--version')).toBe('0.1.0');
    expect(flag('--architecture')).toBe('amd64');
    expect(flag('--maintainer')).toBe('Latchkey contributors <maintainers@latchkey.example>');
    const depends = args.flatMap((arg, i) => (arg === '-d' ? [args[i + 1]] : []));
    expect(depends).toEqual(expect.arrayContaining(['libgtk-3-0', 'libnss3', 'libsecret-1-0', 'xdg-utils']));
    const recommends = args.flatMap((arg, i) => (arg === '--deb-recommends' ? [args[i + 1]] : []));
    expect(recommends).toContain('gnome-keyring | kwalletmanager | keepassxc');

    expect(mappings).toContainEqual(expect.objectContaining({ source: `${unpacked}/`, target: '/opt/Latchkey' }));
    const entry = Object.fromEntries(
      fpm.desktop
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(fpm.desktop.startsWith('[Desktop Entry]')).toBe(true);
    expect(entry).toMatchObject({
      Name: 'Latchkey',
      Exec: '/opt/Latchkey/latchkey-desktop %U',
      Icon: 'latchkey-desktop',
      Type: 'Application',
      Categories: 'Utility;Security;',
      StartupWMClass: 'latchkey-desktop',
      Comment: 'Sign in once with your identity provider and stay signed in',
      Keywords: 'sign in;login;OAuth;OpenID;SSO;',
    });
    expect(mappings.some((m) => m.target === '/usr/share/applications/latchkey-desktop.desktop')).toBe(true);

    for (const size of (PNG_SIZES as number[]).filter((s) => s <= 512)) {
      const icon = mappings.find((m) => m.target === `/usr/share/icons/hicolor/${size}x${size}/apps/latchkey-desktop.png`);
      expect(icon, `${size}px icon`).toBeDefined();
      expect(icon?.sha256).toBe(sha256(await readFile(join(ROOT, 'build', 'icons', `${size}x${size}.png`))));
    }
  });

  it('the .deb install scripts put the CLI launcher on PATH as `latchkey` and remove it again', async () => {
    if (fpm === null) throw new Error('fpm was not called');
    const { afterInstall, afterRemove } = fpm.scripts;
    expect(afterInstall).toContain("link_command 'latchkey' '/opt/Latchkey/resources/bin/latchkey'");
    expect(afterInstall).toContain("link_command 'latchkey-desktop' '/opt/Latchkey/latchkey-desktop'");
    expect(afterRemove).toContain("unlink_command 'latchkey' '/opt/Latchkey/resources/bin/latchkey'");
    expect(afterInstall).not.toMatch(/\$\{[a-zA-Z]+\}/);
    const scripts = join(work, 'scripts');
    await mkdir(scripts, { recursive: true });
    for (const [name, text] of Object.entries({ 'after-install': afterInstall, 'after-remove': afterRemove })) {
      await writeFile(join(scripts, name), text);
      await run('bash', ['-n', join(scripts, name)]);
    }
  });

  it('`latchkey` from the packaged layout signs in with the demo provider on the default config folder (Node mode)', async () => {
    // Electron reads app.asar as a folder; extracting it in place (unpacked files included) gives plain
    // Node the same view of the packaged files.
    const installed = join(work, 'installed', 'Latchkey');
    await cp(unpacked, installed, { recursive: true, verbatimSymlinks: true });
    const asar = builderRequire('@electron/asar') as { extractAll(archive: string, dest: string): void };
    const archive = join(installed, 'resources', 'app.asar');
    const extracted = join(work, 'app-extracted');
    asar.extractAll(archive, extracted);
    await rm(archive);
    await cp(extracted, archive, { recursive: true });
    await chmod(join(installed, 'latchkey-desktop'), 0o755);

    // On PATH through a link, as the .deb installs it.
    const bin = join(work, 'usr-bin');
    await mkdir(bin);
    await symlink(join(installed, 'resources', 'bin', 'latchkey'), join(bin, 'latchkey'));

    const configHome = join(work, 'xdg-config');
    const keychainService = `latchkey-test-${randomBytes(6).toString('hex')}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      XDG_CONFIG_HOME: configHome,
      LATCHKEY_KEYCHAIN_SERVICE: keychainService,
      LATCHKEY_IDP_PORT: String(await freePort()),
      BROWSER: `${process.execPath} ${join(ROOT, 'test', 'helpers', 'browser-cli.mjs')}`,
      LATCHKEY_TEST_USER: 'alice',
      LATCHKEY_TEST_CONSENT: 'allow',
    };
    delete env.LATCHKEY_CONFIG;
    delete env.ELECTRON_RUN_AS_NODE;
    const latchkey = (...args: string[]) => run('latchkey', args, { env, timeout: 90_000 });

    // The stand-in refuses to run as the app: the launcher must be what switches it to Node mode.
    await expect(run(join(installed, 'latchkey-desktop'), ['--version'], { env })).rejects.toMatchObject({ code: 97 });

    const login = await latchkey('login');
    expect(login.stdout).toContain('Signed in as');
    const configPath = join(configHome, APP_FOLDER_NAME, 'config.yaml');
    expect(await readFile(configPath, 'utf8')).toContain('logged_in: true');
    // The demo provider's own files (keys, grants) live in the data folder, beside the config.
    expect(existsSync(join(configHome, APP_FOLDER_NAME, 'demo-provider'))).toBe(true);
    const status = await latchkey('status');
    expect(status.stdout).toMatch(/alice|Alice/);
    await latchkey('logout');
  }, 180_000);

  it('the launcher refuses to guess when the app binary is missing', async () => {
    const lonely = join(work, 'lonely', 'resources', 'bin');
    await mkdir(lonely, { recursive: true });
    await copyFile(join(ROOT, 'build', 'bin', 'latchkey'), join(lonely, 'latchkey'));
    await chmod(join(lonely, 'latchkey'), 0o755);
    await expect(run(join(lonely, 'latchkey'), ['status'])).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('app binary was not found') });
  });
});
