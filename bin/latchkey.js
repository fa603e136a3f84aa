#!/usr/bin/env node
// The `latchkey` command. The engine is TypeScript; this launcher runs the built bundle.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// An installed Latchkey runs this file on its Electron binary with ELECTRON_RUN_AS_NODE=1 (build/bin/latchkey).
// The variable has done its job once this process runs; programs the CLI starts (the browser, which may
// itself be an Electron app) must not inherit it.
delete process.env.ELECTRON_RUN_AS_NODE;

const built = fileURLToPath(new URL('../out/main/cli.js', import.meta.url));
if (!existsSync(built)) {
  process.stderr.write('latchkey: the CLI is not built yet. Run `npm run build` in the Latchkey folder first.\n');
  process.exit(2);
}
const { main } = await import(built);
process.exitCode = await main(process.argv.slice(2));
