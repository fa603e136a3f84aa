import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// The desktop shell lives in src/main/desktop/; of its files only the thin glue may import electron. Everything
// else (the engine, and the shell's own decisions: CSP, window policy, sender check, launch options) must run
// in plain Node so it can be tested for real.
const ELECTRON_GLUE = [
  'src/main/desktop/index.ts',
  'src/main/desktop/window.ts',
  'src/main/desktop/ipc.ts',
  'src/preload/index.ts',
];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-throw-literal': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    ignores: ELECTRON_GLUE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only the glue files named in eslint.config.js (src/main/desktop/ and src/preload/index.ts) may import electron; pass what you need in as a dependency.',
            },
            {
              // It imports electron itself, and window preferences are the shell's business, not the engine's.
              name: 'electron-store',
              message: 'Only the desktop glue (src/main/desktop/index.ts) keeps preferences with electron-store.',
            },
          ],
        },
      ],
    },
  },
  {
    // Shared contracts are imported by the renderer too: no Node built-ins there.
    files: ['src/shared/**/*.ts', 'src/renderer/**/*.{ts,tsx}', 'src/preload/api.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*', 'electron'], message: 'Shared, preload-API and renderer code must not import Node built-ins or electron.' }] },
      ],
    },
  },
);
