import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests start real servers, a real browser and touch the real (private) keychain: give them room,
    // and keep the two cores of a build machine from being oversubscribed.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The JSON report lets CI print one plain "N passed, N failed" line (see .ci/run).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    maxWorkers: 2,
    // electron-store imports electron: inlined, it meets the fake electron of the desktop glue tests
    // (test/helpers/fake-electron.ts) instead of the real package, which outside Electron is only a path.
    server: { deps: { inline: ['electron-store'] } },
  },
});
