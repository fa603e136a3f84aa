/**
 * How Latchkey is packaged: `npm run dist` builds, for the host OS, a Linux AppImage and .deb, a macOS
 * .dmg, or a Windows NSIS installer with electron-builder (why electron-builder and not Electron Forge:
 * README, "Install"). test/packaging.test.ts validates this file against electron-builder's own schema and
 * packs the app with it (unpacked layout and .deb contents), since the Electron download `dist` needs is not
 * reachable on the project's machines.
 *
 * Things that only break once packaged, and where each is handled:
 * - The keychain's native module cannot be loaded from inside app.asar: `asarUnpack`.
 * - N-API prebuilds work in Electron as they are: `npmRebuild: false` (no electron-rebuild, no compiler).
 * - The CLI ships with the app and runs on its Electron binary (build/bin/latchkey, latchkey.cmd), so the
 *   RunAsNode fuse stays on; the .deb puts `latchkey` on PATH (build/linux/after-install.tpl).
 * - The renderer is served from app://latchkey, so file: URLs get no extra privileges (fuse off).
 * - productName is the data folder's name (src/main/store/paths.ts), so the packaged app and the CLI share
 *   one config folder.
 */
import type { Configuration } from 'electron-builder';

type Env = Readonly<Record<string, string | undefined>>;

/** The variable sets electron-builder's notarization reads, in its order of preference. */
export const NOTARIZATION_CREDENTIALS = [
  ['APPLE_API_KEY', 'APPLE_API_KEY_ID', 'APPLE_API_ISSUER'],
  ['APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'],
  ['APPLE_KEYCHAIN_PROFILE'],
] as const;

/**
 * Whether to notarize: yes when one complete set of Apple credentials is in the environment, no when none
 * is (a local, unsigned build). A partial set is a mistake that would otherwise ship an app Gatekeeper
 * blocks, so it stops the build and names what is missing.
 */
export function notarizationFromEnv(env: Env): boolean {
  const present = (name: string): boolean => (env[name] ?? '').trim() !== '';
  if (NOTARIZATION_CREDENTIALS.some((set) => set.every(present))) return true;
  const partial = NOTARIZATION_CREDENTIALS.find((set) => set.some(present));
  if (partial !== undefined) {
    const missing = partial.filter((name) => !present(name));
    throw new Error(`macOS notarization: ${missing.join(', ')} missing (set all of ${partial.join(', ')}, or none for an unsigned build)`);
  }
  return false;
}

export function builderConfig(env: Env = process.env): Configuration {
  return {
    appId: 'dev.latchkey.app',
    productName: 'Latchkey',
    copyright: 'Copyright © Latchkey contributors',
    directories: { output: 'dist', buildResources: 'build' },
    // The built app (electron-vite's out/) and the CLI entry; production dependencies are added by the
    // builder. Source maps stay out of the installers.
    files: ['out/**/*', '!out/**/*.map', 'bin/latchkey.js', 'package.json'],
    asar: true,
    asarUnpack: ['node_modules/@napi-rs/keyring*/**'],
    npmRebuild: false,
    extraResources: [{ from: 'build/bin', to: 'bin', filter: ['latchkey', 'latchkey.cmd'] }],
    electronFuses: {
      // The `latchkey` CLI launcher runs the app's binary with ELECTRON_RUN_AS_NODE=1.
      runAsNode: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      // The window loads app://latchkey, never a file: page.
      grantFileProtocolExtraPrivileges: false,
    },
    linux: {
      target: ['AppImage', 'deb'],
      // `latchkey` on PATH is the CLI; the desktop binary has its own name.
      executableName: 'latchkey-desktop',
      icon: 'build/icons',
      // Categories and Comment of the desktop entry come from here; its file name and StartupWMClass from
      // package.json's desktopName, which Electron also uses as the window's app id / WM_CLASS, so the
      // launcher's icon and the running window are one.
      category: 'Utility;Security;',
      synopsis: 'Sign in once and stay signed in',
      description: 'Sign in once with your identity provider and stay signed in',
      syncDesktopName: true,
      maintainer: 'Latchkey contributors <maintainers@latchkey.example>',
      desktop: {
        entry: {
          GenericName: 'Sign-in manager',
          Keywords: 'sign in;login;OAuth;OpenID;SSO;',
        },
      },
    },
    deb: {
      // electron-builder's defaults for Electron, plus a Secret Service provider for the keychain.
      depends: ['libgtk-3-0', 'libnotify4', 'libnss3', 'libxss1', 'libxtst6', 'xdg-utils', 'libatspi2.0-0', 'libuuid1', 'libsecret-1-0'],
      recommends: ['gnome-keyring | kwalletmanager | keepassxc', 'libappindicator3-1'],
      afterInstall: 'build/linux/after-install.tpl',
      afterRemove: 'build/linux/after-remove.tpl',
      priority: 'optional',
    },
    appImage: {
      artifactName: '${productName}-${version}-${arch}.${ext}',
    },
    mac: {
      target: ['dmg'],
      category: 'public.app-category.utilities',
      icon: 'build/icon.icns',
      hardenedRuntime: true,
      gatekeeperAssess: false,
      entitlements: 'build/entitlements.mac.plist',
      entitlementsInherit: 'build/entitlements.mac.plist',
      notarize: notarizationFromEnv(env),
    },
    dmg: {
      artifactName: '${productName}-${version}-${arch}.${ext}',
    },
    win: {
      target: ['nsis'],
      icon: 'build/icon.ico',
    },
    nsis: {
      oneClick: false,
      perMachine: false,
      allowToChangeInstallationDirectory: true,
      createDesktopShortcut: true,
      createStartMenuShortcut: true,
      shortcutName: 'Latchkey',
      artifactName: '${productName}-Setup-${version}.${ext}',
    },
  };
}

export default builderConfig();
