/**
 * `npm run bench`: the numbers behind the README's "Performance" section. Writes
 * bench/results/latest.json and bench/results/latest.md. BENCH_SIZES (e.g. "1000,10000")
 * and BENCH_SKIP (e.g. "build,cost,lone,burst,sustained,cold") narrow a run.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build as esbuild } from 'esbuild';
import { burst, loneUpload, sustained } from './pipeline';
import { publishCost } from './publish-cost';
import { corpus, median, ROOT, round, say, WORK } from './util';

const run = promisify(execFile);
const skip = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));

async function fullBuild(count: number) {
  const articles = corpus(count);
  const out = path.join(WORK, `out-${count}`);
  const walls: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < 5; i++) {
    rmSync(out, { recursive: true, force: true });
    const started = performance.now();
    const { stdout } = await run(process.execPath, [
      path.join(ROOT, 'bench', 'measure-build.js'),
      'build',
      '--articles',
      articles,
      '--out',
      out,
      '--config',
      path.join(ROOT, 'feedgen.config.json'),
    ]);
    walls.push(performance.now() - started);
    rss.push(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}').maxRssKb / 1024);
  }
  return {
    articles: count,
    runs: 5,
    medianMs: Math.round(median(walls)),
    medianPeakRssMiB: Math.round(median(rss)),
  };
}

/** Each function bundled as the CDK bundles it; size, and the time to require it. */
async function coldStart() {
  const results = [];
  const bare: number[] = [];
  for (let i = 0; i < 10; i++) {
    const started = performance.now();
    await run(process.execPath, ['-e', '0']);
    bare.push(performance.now() - started);
  }
  for (const name of ['publish']) {
    const outfile = path.join(WORK, 'bundles', `${name}.js`);
    await esbuild({
      entryPoints: [path.join(ROOT, 'functions', `${name}.ts`)],
      bundle: true,
      platform: 'node',
      // As infra/feedgen-function.ts, but for the Node.js on this machine.
      target: `node${process.versions.node.split('.')[0]}`,
      format: 'cjs',
      minify: true,
      sourcemap: 'external',
      mainFields: ['module', 'main'],
      outfile,
      logLevel: 'error',
    });
    const times: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      await run(process.execPath, ['-e', `require(${JSON.stringify(outfile)})`]);
      times.push(performance.now() - started);
    }
    results.push({
      function: name,
      bundleKB: Math.round(statSync(outfile).size / 1024),
      medianRequireMs: Math.round(median(times)),
      bareNodeMs: Math.round(median(bare)),
      ratio: round(median(times) / median(bare), 2),
    });
  }
  return results;
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const sizes = (process.env.BENCH_SIZES ?? '1000,10000,100000').split(',').map(Number);
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
  const results: Record<string, unknown> = { machine };
  if (!skip.has('build')) {
    results.fullBuild = [];
    for (const count of sizes.filter((n) => n <= 10000)) {
      say(`full build of ${count} articles…`);
      (results.fullBuild as unknown[]).push(await fullBuild(count));
    }
  }
  if (!skip.has('cost')) {
    results.publishCost = [];
    for (const count of sizes) {
      say(`requests and CPU per upload into an archive of ${count}…`);
      (results.publishCost as unknown[]).push(await publishCost(count));
    }
  }
  if (!skip.has('lone')) {
    say('a lone upload, to the CDN…');
    results.loneUpload = await loneUpload();
  }
  if (!skip.has('burst')) {
    say('burst of 1,000 uploads from 16 clients…');
    results.burst = await burst();
  }
  if (!skip.has('sustained')) {
    say('100 uploads a second for 60 s…');
    results.sustained = await sustained();
  }
  if (!skip.has('cold')) {
    say('cold start…');
    results.coldStart = await coldStart();
  }
  mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(path.join(ROOT, 'bench', 'results', 'latest.md'), markdown(results));
  process.stdout.write(markdown(results));
}

type Row = Record<string, unknown>;

function markdown(results: Record<string, unknown>): string {
  const m = results.machine as Row;
  const lines = [
    `# feedgen benchmark, ${m.date}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node.js ${m.node}.`,
    '',
  ];
  const cell = (value: unknown): string =>
    Array.isArray(value)
      ? value.join(', ')
      : value !== null && typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  const table = (title: string, rows: Row[] | undefined, target: string) => {
    if (!rows || rows.length === 0) return;
    const keys = Object.keys(rows[0] ?? {});
    lines.push(
      `## ${title}`,
      '',
      target,
      '',
      `| ${keys.join(' | ')} |`,
      `| ${keys.map(() => '---').join(' | ')} |`,
    );
    for (const row of rows) lines.push(`| ${keys.map((k) => cell(row[k])).join(' | ')} |`);
    lines.push('');
  };
  table(
    'Full build (`feedgen build`, from disk, median of 5)',
    results.fullBuild as Row[],
    'Issue #13 sets the targets.',
  );
  const cost = (results.publishCost as Row[] | undefined) ?? [];
  for (const kind of ['lone', 'loneNewWriter', 'batch10', 'batch100'] as const) {
    table(
      `Per upload: ${{ lone: 'a lone upload into one category, warm writer', loneNewWriter: 'a lone upload, new writer (nothing cached)', batch10: 'batches of 10 uploads into 5 categories', batch100: 'batches of 100 uploads into 5 categories' }[kind]}`,
      cost.map((row) => ({ archive: row.archive, ...(row[kind] as Row) })),
      kind.startsWith('lone')
        ? 'S3 requests per upload (the upload included) ≤ 25, the same at every archive size; CPU ≤ 60 ms (SDK included, S3 API in another process).'
        : 'Amortised over the batch: S3 requests per upload (uploads included) ≤ 5 at 100; CPU ≤ 10 ms at 100.',
    );
  }
  table(
    'A lone upload → feed served by the local CDN (npm start, batching window 1 s)',
    results.loneUpload ? [results.loneUpload as Row] : undefined,
    'Target: within 2 s.',
  );
  table(
    'Burst: 1,000 uploads from 16 clients through npm start',
    results.burst ? [results.burst as Row] : undefined,
    'Target: feeds final ≤ 10 s after the last upload, 0 files differing from a from-scratch build.',
  );
  table(
    'Sustained: 100 uploads/s for 60 s through npm start',
    results.sustained ? [results.sustained as Row] : undefined,
    'Target: the backlog stays bounded; feeds final ≤ 10 s after the last upload.',
  );
  table(
    'Cold start (bundled as the CDK bundles)',
    results.coldStart as Row[],
    'Issue #13: at most 600 KB; require at most 1.5× bare Node.',
  );
  return `${lines.join('\n')}\n`;
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${(error as Error).stack}\n`);
  process.exit(1);
});
