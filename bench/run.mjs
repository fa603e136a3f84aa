#!/usr/bin/env node
/**
 * `npm run bench`: bundles bench/main.ts with esbuild and runs it inside a private D-Bus session with its
 * own unlocked gnome-keyring (scripts/with-private-keychain.sh), so the person's own keychain is never
 * touched. Arguments are passed on (`npm run bench -- --quick`).
 *
 * Packages stay external imports, resolved from the project's node_modules (the bundle is written under
 * node_modules/.cache for that), except AppAuth-JS: its published ES modules import their own files
 * without extensions, which Node cannot load, so it is bundled in. Each project file keeps its own
 * `import.meta.url` (the test helpers find the repository from it), not the bundle's.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cacheDir = path.join(root, 'node_modules', '.cache');
const BUNDLED_PACKAGES = ['@openid/appauth'];

/** Keeps bare imports (packages, node: built-ins) external, except the packages listed above. */
const externalPackages = {
  name: 'external-packages',
  setup(builder) {
    builder.onResolve({ filter: /^[^./]/ }, (args) => {
      if (BUNDLED_PACKAGES.some((name) => args.path === name || args.path.startsWith(`${name}/`))) return undefined;
      return { path: args.path, external: true };
    });
  },
};

/** Replaces `import.meta.url` in the project's own sources with the source file's URL. */
const ownImportMetaUrl = {
  name: 'own-import-meta-url',
  setup(builder) {
    builder.onLoad({ filter: /\.tsx?$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      return {
        contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith('x') ? 'tsx' : 'ts',
      };
    });
  },
};

// The CLI rows run the built `latchkey` (out/main/cli.js): build it from these sources first, so the figures are
// of this code and not of an older build. `--no-build` skips that (the caller built it).
if (!process.argv.includes('--no-build')) {
  const built = await new Promise((resolve) => {
    const builder = spawn(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    builder.on('exit', (code) => resolve(code === 0));
    builder.on('error', () => resolve(false));
  });
  if (!built) {
    console.error('bench: `electron-vite build` failed; the CLI rows would measure an old build. Fix the build or pass --no-build.');
    process.exit(1);
  }
}

await mkdir(cacheDir, { recursive: true });
const outDir = await mkdtemp(path.join(cacheDir, 'latchkey-bench-'));
const outfile = path.join(outDir, 'main.mjs');
try {
  await build({
    entryPoints: [path.join(root, 'bench', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
    plugins: [externalPackages, ownImportMetaUrl],
  });
} catch (error) {
  await rm(outDir, { recursive: true, force: true });
  throw error;
}

const child = spawn('sh', [path.join(root, 'scripts', 'with-private-keychain.sh'), process.execPath, '--expose-gc', outfile, ...process.argv.slice(2).filter((arg) => arg !== '--no-build')], {
  cwd: root,
  stdio: 'inherit',
});
// Ctrl-C reaches the whole process group; wait for the child to finish its clean-up, then tidy ours.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  void rm(outDir, { recursive: true, force: true }).finally(() => {
    process.exitCode = code ?? (signal ? 1 : 0);
  });
});
