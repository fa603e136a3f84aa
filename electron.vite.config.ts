import { resolve } from 'node:path';
import { defineConfig, externalizeDepsPlugin } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

/**
 * In development the main process sends the window's Content-Security-Policy as a header that also admits
 * the dev server and Vite's inline React Refresh preamble (src/main/desktop/csp.ts). The stricter <meta> policy in
 * index.html would still block that preamble, so it is left out of the page the dev server serves; built
 * pages keep it.
 */
function devServerWithoutMetaCsp(): Plugin {
  return {
    name: 'latchkey-dev-without-meta-csp',
    apply: 'serve',
    transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[^>]*>/i, ''),
  };
}

// Three builds: the main process (plus the `latchkey` CLI, which shares the engine), the sandboxed
// preload (CommonJS: sandboxed preloads cannot be ES modules) and the React renderer.
export default defineConfig({
  main: {
    // yaml is bundled in: loading it from node_modules means resolving and compiling about 80 CommonJS files, a
    // third of a `latchkey token` run; bundled, it is one file (measured: ~40 ms → ~8 ms to load).
    plugins: [externalizeDepsPlugin({ exclude: ['yaml'] })],
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/desktop/index.ts'),
          cli: resolve(__dirname, 'src/main/cli.ts'),
        },
      },
    },
  },
  preload: {
    // A sandboxed preload can require nothing but electron and a few built-ins: zod (used by the answer
    // checks of development builds) is bundled in, not left as a require().
    plugins: [externalizeDepsPlugin({ exclude: ['zod'] })],
    build: {
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    build: {
      // Minified, and split where the app loads code lazily (the dashboard, see App.tsx): the sign-in screen
      // paints from the entry chunk alone. `npm run bench` reports those bytes (row 11) and
      // test/renderer-bundle.test.ts holds them to a budget. Chromium knows modulepreload: no polyfill.
      minify: 'esbuild',
      modulePreload: { polyfill: false },
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
    plugins: [react(), devServerWithoutMetaCsp()],
  },
});
