#!/usr/bin/env node

let cli;
try {
  cli = require('../dist/cli/main.js');
} catch (error) {
  if (error?.code === 'MODULE_NOT_FOUND') {
    console.error(
      'feedgen: the compiled CLI is missing; run `npm ci` (or `npm run build`) in the feedgen folder first.',
    );
    process.exit(2);
  }
  throw error;
}

cli
  .main(process.argv.slice(2), {
    cwd: process.cwd(),
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    now: () => Date.now(),
    progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r${line}\x1b[K`) : undefined,
  })
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error) => {
      console.error(`feedgen: unexpected failure: ${error?.stack ?? error}`);
      process.exitCode = 1;
    },
  );
