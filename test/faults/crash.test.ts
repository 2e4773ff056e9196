// Requirement: a publisher killed with SIGKILL at any point loses nothing: the next delivery
// of its messages repairs the feeds, a killed `feedgen rebuild` run again repairs them, and a
// reader polling the feeds over HTTP the whole time never gets half a document.
//
// The publisher runs in a child process (local/publish-worker.ts, compiled to dist/ by
// `npm run build`), as a Lambda invocation would; `feedgen rebuild` runs as the real CLI.
// Both talk to s3rver through the fault gateway (test/faults/helpers/s3-gateway.ts), which
// gives s3rver S3's atomic writes: without it, s3rver keeps half of an upload whose client
// died, which S3 never does. The reader fetches through the local CDN (local/cdn.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { S3Store } from '../../shared/adapters/s3-store';
import { type LocalCdn, startLocalCdn } from '../../local/cdn';
import { slugify } from '../../shared/slug';
import { TEST_CONFIG } from '../helpers/articles';
import { type S3Harness, S3RVER_CREDENTIALS, type S3rverEventRecord, startS3 } from '../helpers/s3rver';
import { seededRandom, seedFor } from './helpers/random';
import { type ReaderReport, sitePaths, startReaders } from './helpers/reader';
import { type Gateway, gatewayClient, startGateway } from './helpers/s3-gateway';
import {
  fromScratch,
  normalisedState,
  OUTPUT,
  readAll,
  rebuildReference,
  SOURCE,
  siteDifferences,
  stateDifferences,
} from './helpers/site-check';
import { articleText, CATEGORIES, Newsroom } from './helpers/workload';

const ROOT = path.resolve(__dirname, '..', '..');
const WORKER = path.join(ROOT, 'dist', 'local', 'publish-worker.js');
const CLI = path.join(ROOT, 'bin', 'feedgen.js');
const NOW = Date.parse('2026-01-01T00:00:00Z');
// Small windows, so deletes and moves refill them from the month partitions.
const CONFIG = { ...TEST_CONFIG, itemsPerFeed: 8 };
const PUBLISH_KILLS = 10;
const REBUILD_KILLS = 3;
const SEED = seedFor(7001);

let s3: S3Harness;
let gateway: Gateway;
let cdn: LocalCdn;
let editor: S3Client;
let cdnClient: S3Client;
let work: string;
/** Keys whose events have not been acknowledged yet: what SQS would deliver again. */
const pending = new Set<string>();
const children = new Set<ChildProcess>();

beforeAll(async () => {
  if (!existsSync(WORKER)) {
    throw new Error(`${WORKER} is missing: run \`npm run build\` first (\`npm run test:faults\` does)`);
  }
  work = mkdtempSync(path.join(tmpdir(), 'feedgen-crash-'));
  s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
  gateway = await startGateway({ upstream: s3.endpoint, credentials: S3RVER_CREDENTIALS });
  editor = gatewayClient(gateway.url, S3RVER_CREDENTIALS);
  cdnClient = gatewayClient(gateway.url, S3RVER_CREDENTIALS);
  cdn = await startLocalCdn({ client: cdnClient, bucket: OUTPUT, port: 0 });
  s3.onEvent((record) => {
    const event = record as S3rverEventRecord;
    if (event.s3.bucket.name === SOURCE && event.s3.object.key.startsWith('articles/'))
      pending.add(event.s3.object.key);
  });
}, 30_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await cdn?.close();
  editor?.destroy();
  cdnClient?.destroy();
  await gateway?.close();
  await s3?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The child said it had finished every key before it was killed (or was not killed). */
  readonly finished: boolean;
  /** Milliseconds from the child's "ready" (or its start, for the CLI) to its exit. */
  readonly workMs: number;
  readonly stderr: string;
  /** The publisher's error log lines. */
  readonly errors: string[];
}

/** Runs a child to its end, or kills it with SIGKILL `killAfterMs` after it is ready to work. */
function runChild(
  command: string[],
  options: { killAfterMs?: number; readyLine: boolean; env?: NodeJS.ProcessEnv },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, command, {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
      // NODE_NO_WARNINGS: the AWS SDK warns on stderr about Node.js versions.
      env: { ...process.env, NODE_NO_WARNINGS: '1', ...options.env },
    });
    children.add(child);
    let stdout = '';
    let stderr = '';
    let finished = false;
    const errors: string[] = [];
    let started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const armKill = (): void => {
      started = performance.now();
      if (options.killAfterMs !== undefined)
        timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    };
    if (!options.readyLine) armKill();
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      let newline = stdout.indexOf('\n');
      while (newline !== -1) {
        const line = stdout.slice(0, newline);
        stdout = stdout.slice(newline + 1);
        newline = stdout.indexOf('\n');
        if (line.startsWith('{"event":"ready"')) armKill();
        if (line.startsWith('{"event":"done"')) finished = true;
        if (line.includes('"level":"error"')) errors.push(line);
        if (!options.readyLine && line.startsWith('Rebuilt ')) finished = true;
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, finished, workMs: performance.now() - started, stderr, errors });
    });
  });
}

function publishJob(keys: readonly string[]): string {
  const file = path.join(work, `job-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      endpoint: gateway.url,
      ...S3RVER_CREDENTIALS,
      sourceBucket: SOURCE,
      outputBucket: OUTPUT,
      config: CONFIG,
      keys,
      now: NOW,
      requestTimeoutMs: 5_000,
    }),
  );
  return file;
}

/** Delivers the pending keys to a publisher process; returns how the run ended. */
async function deliver(killAfterMs?: number): Promise<Run> {
  // SQS delivers at least once: the batch carries one key twice.
  const keys = [...pending];
  if (keys.length > 0) keys.push(keys[0] as string);
  const run = await runChild([WORKER, publishJob(keys)], {
    readyLine: true,
    ...(killAfterMs !== undefined ? { killAfterMs } : {}),
  });
  // A dead client's requests that the gateway had already taken are applied (or dropped) first.
  await gateway.idle();
  if (run.code === 0) {
    for (const key of keys) pending.delete(key);
  }
  return run;
}

function rebuildCli(killAfterMs?: number): Promise<Run> {
  const configFile = path.join(work, 'feedgen.config.json');
  writeFileSync(configFile, JSON.stringify(CONFIG));
  return runChild(
    [
      CLI,
      'rebuild',
      '--bucket',
      SOURCE,
      '--output-bucket',
      OUTPUT,
      '--endpoint',
      gateway.url,
      '--config',
      configFile,
    ],
    {
      readyLine: false,
      ...(killAfterMs !== undefined ? { killAfterMs } : {}),
      env: {
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_REGION: 'us-east-1',
        AWS_PROFILE: '',
        AWS_CONFIG_FILE: path.join(work, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-aws-credentials'),
      },
    },
  );
}

async function upload(key: string, text: string): Promise<void> {
  await editor.send(
    new PutObjectCommand({
      Bucket: SOURCE,
      Key: key,
      Body: text,
      ContentType: 'text/markdown; charset=utf-8',
    }),
  );
}

async function remove(key: string): Promise<void> {
  await editor.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: key }));
}

/** Differences between the output bucket and a from-scratch build of the source bucket's articles. */
async function outputDifferences(now = NOW): Promise<string[]> {
  const articles = await readAll(new S3Store(s3.client, SOURCE), 'articles/');
  const stored = await readAll(new S3Store(s3.client, OUTPUT), 'feeds/');
  return siteDifferences(fromScratch(articles, CONFIG, now), stored);
}

/** Differences between the publisher's state (state/, reports/) and a from-scratch rebuild's. */
async function stateAgainstRebuild(): Promise<string[]> {
  const reference = await rebuildReference(s3.client, CONFIG, NOW);
  const state = new Map([
    ...(await readAll(new S3Store(s3.client, SOURCE), 'state/')),
    ...(await readAll(new S3Store(s3.client, SOURCE), 'reports/')),
  ]);
  return stateDifferences(
    normalisedState(state),
    normalisedState(new Map([...reference.state.objects].map(([key, entry]) => [key, entry.body]))),
  );
}

const slugs = [...CATEGORIES.map(slugify), 'tam-thoi'];

describe('a publisher killed at random points', () => {
  let reading: { stop(): Promise<ReaderReport> };
  const random = seededRandom(SEED);
  const newsroom = new Newsroom(random, 'articles/', [...CATEGORIES.slice(0, 4)], 0.15);

  beforeAll(() => {
    reading = startReaders({
      baseUrl: cdn.url,
      paths: () => sitePaths(slugs),
      random: seededRandom(SEED + 1),
      pauseMs: 20,
    });
  });
  afterAll(async () => {
    await reading.stop();
  });

  it(`publishes again what ${PUBLISH_KILLS} SIGKILLed runs left half done, and readers only ever get whole documents`, async () => {
    // GIVEN a newsroom of 20 articles, published by one uninterrupted run (which also times a run)
    for (let i = 0; i < 20; i++) {
      const spec = newsroom.create();
      await upload(spec.key, articleText(spec));
    }
    // a category that will empty and go away
    await upload(
      'articles/tam-thoi.md',
      articleText({
        key: 'articles/tam-thoi.md',
        title: 'Tạm thời',
        date: '2025-03-03T03:03:00+07:00',
        categories: ['Tạm thời'],
        body: 'x',
      }),
    );
    const first = await deliver();
    expect(first).toMatchObject({ code: 0, finished: true, errors: [] });
    // Every round's differences are kept and shown together at the end, so one failure does
    // not hide what the later rounds would show.
    const problems: string[] = (await outputDifferences()).map((p) => `first run: ${p}`);

    let interrupted = 0;
    for (let round = 1; round <= PUBLISH_KILLS; round++) {
      // WHEN editors upload, overwrite and delete
      const spec = newsroom.create();
      await upload(spec.key, articleText(spec));
      const changed = newsroom.overwrite({ redate: false });
      if (changed) await upload(changed.key, articleText(changed));
      const gone = newsroom.remove();
      if (gone) await remove(gone);
      if (round === 3) await remove('articles/tam-thoi.md');
      // a publisher takes the batch and is killed at a random moment of its work (a full run
      // takes about as long per key as the first one)
      const perKey = first.workMs / 21;
      const killAfterMs = Math.max(5, random.next() * perKey * pending.size);
      const killed = await deliver(killAfterMs);
      if (killed.signal === 'SIGKILL' && !killed.finished) interrupted++;

      // THEN the next delivery of the same messages repairs every feed
      const again = await deliver();
      if (again.code !== 0 || again.stderr !== '')
        problems.push(`round ${round}: the redelivery exited ${again.code}: ${again.stderr} ${again.errors}`);
      if (pending.size > 0) problems.push(`round ${round}: ${[...pending]} not acknowledged`);
      problems.push(...(await outputDifferences()).map((p) => `round ${round}: ${p}`));
    }
    // AND the state the publishers left is the one a from-scratch rebuild makes
    problems.push(...(await stateAgainstRebuild()).map((p) => `final state: ${p}`));
    expect(problems).toEqual([]);
    // most kills landed in the middle of the work, not before or after it
    expect(interrupted).toBeGreaterThanOrEqual(Math.ceil(PUBLISH_KILLS * 0.6));
  }, 150_000);

  it(`repairs what ${REBUILD_KILLS} SIGKILLed \`feedgen rebuild\` runs left half done by running it again`, async () => {
    // GIVEN the site as the publishers left it, and how long a whole rebuild takes
    const whole = await rebuildCli();
    expect({ code: whole.code, stderr: whole.stderr }).toEqual({ code: 0, stderr: '' });
    let interrupted = 0;
    for (let round = 1; round <= REBUILD_KILLS; round++) {
      // WHEN articles change while the event source is paused, and a rebuild is killed midway
      const spec = newsroom.create();
      await upload(spec.key, articleText(spec));
      const changed = newsroom.overwrite({ redate: true });
      if (changed) await upload(changed.key, articleText(changed));
      const gone = newsroom.remove();
      if (gone) await remove(gone);
      pending.clear();
      const killed = await rebuildCli(whole.workMs * (0.3 + 0.65 * random.next()));
      await gateway.idle();
      if (killed.signal === 'SIGKILL' && !killed.finished) interrupted++;
      // THEN running it again repairs every feed
      const again = await rebuildCli();
      expect({ round, code: again.code, stderr: again.stderr }).toEqual({ round, code: 0, stderr: '' });
      expect({ round, differences: await outputDifferences(Date.now()) }).toEqual({ round, differences: [] });
    }
    expect(interrupted).toBeGreaterThanOrEqual(2);

    // AND publishing carries on from the rebuilt state
    const spec = newsroom.create();
    await upload(spec.key, articleText(spec));
    expect(await deliver()).toMatchObject({ code: 0 });
    expect(await outputDifferences()).toEqual([]);
  }, 120_000);

  it('never gave a reader half a document or an invalid one, over the local CDN, all along', async () => {
    const report = await reading.stop();
    expect(report.failures).toEqual([]);
    // and readers read plenty while the publishers were being killed
    expect(report.valid).toBeGreaterThan(200);
  });
});
