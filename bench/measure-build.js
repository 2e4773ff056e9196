// Runs `feedgen build` in this process and reports its peak RSS, so the benchmark measures
// the real CLI (compiled dist/) without depending on /usr/bin/time.

const { main } = require('../dist/cli/main.js');
main(process.argv.slice(2), {
  cwd: process.cwd(),
  stdout: () => {},
  stderr: (line) => process.stderr.write(`${line}\n`),
  now: () => Date.parse('2026-11-28T00:00:00Z'),
}).then((code) => {
  process.stdout.write(`${JSON.stringify({ code, maxRssKb: process.resourceUsage().maxRSS })}\n`);
  process.exitCode = code;
});
