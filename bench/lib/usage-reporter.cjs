// Loaded with `node --require` into every whole process the benchmark measures (the CLI and its `node -e 0`
// baseline alike): when the process exits, it writes its own CPU time and peak resident memory to the file
// named by LATCHKEY_BENCH_USAGE_FILE. The process itself knows these to the microsecond; /usr/bin/time only
// to the clock tick (10 ms), which is a fifth of the whole figure here.
'use strict';
// CommonJS on purpose: an ES module preload (--import) would start Node's ES module loader in the `node -e 0`
// baseline too, making the floor slower than it is.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeFileSync } = require('node:fs');

const file = process.env.LATCHKEY_BENCH_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ userUs: usage.userCPUTime, systemUs: usage.systemCPUTime, maxRssKiB: usage.maxRSS }));
  });
}
