// Requirement: S3 failing under the site's writer (bursts of 500 and 503 SlowDown, requests
// that time out, dropped connections before and after the request is applied, fake 412s,
// an outage) loses nothing: a batch that fails is delivered again, to a new Committer (a new
// Lambda instance, as SQS redelivers), and the feeds end equal to a from-scratch build and
// the state equal to a fresh rebuild's.
//
// The faults come from a real HTTP proxy in front of s3rver (helpers/s3-gateway.ts), so the
// SDK's own retries and S3Store's retries both run, over real sockets and timeouts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { main } from '../../cli/main';
import { enforceConditionalWrites } from '../../local/conditional-writes';
import { lambdaS3Client } from '../../shared/adapters/s3-client';
import { DEFAULT_RETRY, S3Store } from '../../shared/adapters/s3-store';
import { type Batch, type BatchResult, Committer } from '../../shared/publishing/committer';
import type { Logger } from '../../shared/publishing/ports';
import { TEST_CONFIG } from '../helpers/articles';
import { type S3Harness, S3RVER_CREDENTIALS, startS3 } from '../helpers/s3rver';
import { FAKE_412, FaultPlan, isManifestWrite } from './helpers/fault-plan';
import { seededRandom, seedFor } from './helpers/random';
import { type Fault, type Gateway, gatewayClient, PASS, startGateway } from './helpers/s3-gateway';
import { OUTPUT, SOURCE, siteProblems } from './helpers/site-check';
import { articleText, Newsroom } from './helpers/workload';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const CONFIG = { ...TEST_CONFIG, itemsPerFeed: 8 };
const SEED = seedFor(1001);
// The writers' SDK gives up on a request after this long (and retries it).
const REQUEST_TIMEOUT_MS = 1_000;
// Deliveries of one batch before it would go to the dead letters.
const MAX_RECEIVES = 25;
const KINDS = [
  '500 InternalError',
  '503 SlowDown',
  '412 PreconditionFailed',
  'hang',
  'hang-after',
  'reset',
  'reset-after',
];

let s3: S3Harness;
let gateway: Gateway;
let editor: S3Client;

beforeAll(async () => {
  s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
  gateway = await startGateway({ upstream: s3.endpoint, credentials: S3RVER_CREDENTIALS });
  editor = gatewayClient(gateway.url, S3RVER_CREDENTIALS);
});

afterAll(async () => {
  editor?.destroy();
  await gateway?.close();
  await s3?.stop();
});

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

describe('the fault gateway gives s3rver the S3 semantics the tests rely on', () => {
  let client: S3Client;
  beforeAll(() => {
    client = gatewayClient(gateway.url, S3RVER_CREDENTIALS, { maxAttempts: 1 });
  });
  afterAll(() => {
    client.destroy();
    gateway.setPolicy(() => PASS);
  });

  it('answers 412 to a write whose If-Match or If-None-Match does not hold, and applies one that does', async () => {
    const send = (key: string, body: string, condition: { IfMatch?: string; IfNoneMatch?: string }) =>
      client.send(new PutObjectCommand({ Bucket: OUTPUT, Key: key, Body: body, ...condition }));
    const first = await send('probe/a', 'one', { IfNoneMatch: '*' });
    const again = await send('probe/a', 'two', { IfNoneMatch: '*' }).catch((error: unknown) => error);
    expect(statusOf(again)).toBe(412);
    expect((again as S3ServiceException).name).toBe('PreconditionFailed');
    const stale = await send('probe/a', 'two', { IfMatch: '"0"' }).catch((error: unknown) => error);
    expect(statusOf(stale)).toBe(412);
    await send('probe/a', 'three', { IfMatch: first.ETag });
    const read = await client.send(new GetObjectCommand({ Bucket: OUTPUT, Key: 'probe/a' }));
    expect(await read.Body?.transformToString()).toBe('three');
  });

  it('injects each fault as asked: errors, dropped connections, and answers withheld past the timeout', async () => {
    const timed = gatewayClient(gateway.url, S3RVER_CREDENTIALS, { maxAttempts: 1, requestTimeoutMs: 200 });
    try {
      const put = (key: string) =>
        timed
          .send(new PutObjectCommand({ Bucket: OUTPUT, Key: key, Body: key }))
          .catch((error: unknown) => error);
      const exists = (key: string) =>
        client.send(new GetObjectCommand({ Bucket: OUTPUT, Key: key })).then(
          () => true,
          () => false,
        );
      const cases: Array<[Fault, (result: unknown) => void, boolean]> = [
        [
          { kind: 'error', status: 503, code: 'SlowDown' },
          (r) => expect((r as Error).name).toBe('SlowDown'),
          false,
        ],
        [{ kind: 'error', status: 500, code: 'InternalError' }, (r) => expect(statusOf(r)).toBe(500), false],
        [{ kind: 'reset' }, (r) => expect(r).toBeInstanceOf(Error), false],
        [{ kind: 'reset-after' }, (r) => expect(r).toBeInstanceOf(Error), true],
        [{ kind: 'hang' }, (r) => expect((r as Error).name).toBe('TimeoutError'), false],
        [{ kind: 'hang-after' }, (r) => expect((r as Error).name).toBe('TimeoutError'), true],
      ];
      for (const [index, [fault, check, applied]] of cases.entries()) {
        gateway.setPolicy(() => fault);
        check(await put(`probe/fault-${index}`));
        gateway.setPolicy(() => PASS);
        await gateway.idle();
        const stored = await exists(`probe/fault-${index}`);
        expect({ fault: fault.kind, applied: stored }).toEqual({ fault: fault.kind, applied });
      }
    } finally {
      timed.destroy();
    }
  });

  it('stores nothing of an upload whose client went away before sending all of it', async () => {
    const { request } = await import('node:http');
    const before = gateway.stats.abandonedUploads;
    await new Promise<void>((resolve) => {
      const url = new URL(`${gateway.url}/${OUTPUT}/probe/half`);
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'PUT',
        headers: { 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('x'.repeat(400), () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    await gateway.idle();
    expect(gateway.stats.abandonedUploads).toBe(before + 1);
    const read = await client
      .send(new GetObjectCommand({ Bucket: OUTPUT, Key: 'probe/half' }))
      .catch((e) => e);
    expect(statusOf(read)).toBe(404);
  });
});

describe('a committer while S3 fails', () => {
  // The editors' uploads and deletes pass; every request of the writers may fail.
  const plan = new FaultPlan(
    seededRandom(SEED + 1),
    (request) =>
      request.bucket === SOURCE && request.key?.startsWith('articles/') === true && request.method !== 'GET',
  );
  const newsroom = new Newsroom(seededRandom(SEED), 'articles/', undefined, 0.1);
  const logged: string[] = [];
  const log: Logger = {
    info: () => {},
    warn: () => {},
    error: (message, details) => logged.push(`${message} ${JSON.stringify(details ?? {})}`),
  };
  let storeRetries = 0;
  const countingSleep = (ms: number): Promise<void> => {
    storeRetries++;
    return new Promise((resolve) => setTimeout(resolve, ms));
  };

  beforeAll(() => gateway.setPolicy(plan.policy));
  afterAll(() => gateway.setPolicy(() => PASS));

  /** A new Lambda instance: its own S3 client (short timeouts, conditional writes as locally) and Committer. */
  function instance(): { committer: Committer; client: S3Client } {
    const client = enforceConditionalWrites(
      lambdaS3Client(
        {
          endpoint: gateway.url,
          region: 'us-east-1',
          forcePathStyle: true,
          credentials: S3RVER_CREDENTIALS,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        },
        { connectionTimeout: REQUEST_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
      ),
    );
    const store = (bucket: string) => new S3Store(client, bucket, DEFAULT_RETRY, countingSleep);
    const committer = new Committer({
      source: store(SOURCE),
      output: store(OUTPUT),
      config: CONFIG,
      clock: () => NOW,
      log,
    });
    return { committer, client };
  }

  const failures: string[] = [];
  const results: BatchResult[] = [];
  /** Two instances take batches off one queue; a batch that fails goes back on it, to a new instance. */
  async function deliver(batches: readonly Batch[], instances = 2): Promise<void> {
    const queue = batches.map((batch) => ({ batch, receives: 0 }));
    const worker = async (): Promise<void> => {
      for (let item = queue.shift(); item; item = queue.shift()) {
        item.receives++;
        const { committer, client } = instance();
        try {
          results.push(await committer.apply(item.batch));
        } catch (error) {
          failures.push((error as Error).message);
          if (item.receives >= MAX_RECEIVES)
            throw new Error(`a batch failed ${MAX_RECEIVES} deliveries: ${error}`);
          queue.push(item);
        } finally {
          client.destroy();
        }
      }
    };
    await Promise.all(Array.from({ length: instances }, worker));
    await gateway.idle();
  }

  /** New articles; `newest` dates them after every other, so they enter every window they are in. */
  async function upload(count: number, newest = false): Promise<Batch> {
    const changes = [];
    for (let i = 0; i < count; i++) {
      const created = newsroom.create();
      const spec = newest
        ? { ...created, date: `2025-12-31T${String(10 + i).padStart(2, '0')}:00:00+00:00` }
        : created;
      newsroom.live.set(spec.key, spec);
      const body = articleText(spec);
      await editor.send(new PutObjectCommand({ Bucket: SOURCE, Key: spec.key, Body: body }));
      changes.push({ key: spec.key, size: Buffer.byteLength(body) });
    }
    return { changes };
  }

  /** [] when the site is right; `reports: false` leaves reports/ out (the minute's tick mends them). */
  const problems = async (reports = true): Promise<string[]> => {
    const site = [new S3Store(s3.client, SOURCE), new S3Store(s3.client, OUTPUT)] as const;
    const found = (await siteProblems(...site, CONFIG, NOW)).filter(
      (problem) => reports || !problem.startsWith('state against a rebuild: reports '),
    );
    return found.length === 0
      ? []
      : [...found, `faults: ${JSON.stringify(gateway.stats)}`, ...logged.slice(-10)];
  };

  it('applies the batch again when a 412 answers its manifest write, rather than failing', async () => {
    const batch = await upload(4);
    plan.force(FAKE_412, isManifestWrite);
    await deliver([batch]);
    expect(failures).toEqual([]);
    const result = results.at(-1);
    expect(result && { committed: result.committed, attempts: result.attempts }).toEqual({
      committed: true,
      attempts: 2,
    });
    // The second attempt applied the changes (nothing was taken as already done)
    const statuses = result?.outcomes.map((outcome) => outcome.status) ?? [];
    expect({ statuses: statuses.length, unchanged: statuses.filter((s) => s === 'unchanged') }).toEqual({
      statuses: 4,
      unchanged: [],
    });
    expect(await problems()).toEqual([]);
  });

  it('applies a batch once when its manifest write is applied but the answer is lost', async () => {
    // GIVEN a batch with a rejected article among new ones
    const batch = await upload(3);
    const bad = '---\ntitle: Hỏng\ndate: 31/02/2025\ncategory: Thời sự\n---\n';
    await editor.send(new PutObjectCommand({ Bucket: SOURCE, Key: 'articles/hong.md', Body: bad }));
    // WHEN the manifest write is applied and the connection dropped before the answer (the SDK
    // sends it again, S3 answers 412: the writer takes it for a lost race and applies the batch again)
    plan.force({ kind: 'reset-after' }, isManifestWrite);
    await deliver([{ changes: [...batch.changes, { key: 'articles/hong.md' }] }]);
    // THEN it succeeds, and the feeds, the state and reports/ are right at once (the attempt
    // that finds its own commit checks the reports)
    expect(failures).toEqual([]);
    expect(results.at(-1)?.attempts).toBe(2);
    expect(await problems()).toEqual([]);
  });

  it('ends correct when a 412 answers a feed file write', async () => {
    const batch = await upload(2, true);
    plan.force(FAKE_412, (request) => request.method === 'PUT' && request.key === 'feeds/rss.xml');
    plan.force(
      FAKE_412,
      (request) => request.method === 'PUT' && request.key?.endsWith('/atom.xml.gz') === true,
    );
    const before = gateway.stats.faults['412 PreconditionFailed'] ?? 0;
    await deliver([batch]);
    expect(gateway.stats.faults['412 PreconditionFailed']).toBe(before + 2);
    expect(failures).toEqual([]);
    expect(await problems()).toEqual([]);
  });

  it('ends with every feed complete and valid, every failed batch delivered again, none dropped', async () => {
    // GIVEN seeded faults on every request of the writers, each kind at least once
    plan.random = true;
    for (const fault of [FAKE_412, { kind: 'hang' }, { kind: 'hang-after' }, { kind: 'reset' }] as Fault[])
      plan.force(fault, fault === FAKE_412 ? isManifestWrite : undefined);
    const before = { failures: failures.length, results: results.length };
    const random = seededRandom(SEED + 2);
    const batches = async (operations: number, next: () => Promise<{ key: string; size?: number }[]>) => {
      const changes = [];
      for (let i = 0; i < operations; i++) changes.push(...(await next()));
      // Batches of 1 to 4 events, some delivered twice (a duplicate event)
      const out: Batch[] = [];
      while (changes.length > 0) out.push({ changes: changes.splice(0, random.int(1, 4)) });
      return [...out, ...out.filter(() => random.chance(0.2))];
    };
    const create = async () => (await upload(1)).changes.slice();
    // WHEN a newsroom uploads, overwrites and deletes in waves, one wave through an outage
    await deliver(await batches(20, create));
    plan.outage(200);
    await deliver(await batches(10, create));
    plan.force({ kind: 'reset-after' });
    plan.force({ kind: 'error', status: 503, code: 'SlowDown' });
    const overwrite = async () => {
      const spec = newsroom.overwrite({ redate: true });
      if (!spec) return [];
      await editor.send(new PutObjectCommand({ Bucket: SOURCE, Key: spec.key, Body: articleText(spec) }));
      return [{ key: spec.key, size: Buffer.byteLength(articleText(spec)) }];
    };
    const remove = async () => {
      const key = newsroom.remove();
      if (!key) return [];
      await editor.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: key }));
      return [{ key }];
    };
    await deliver(await batches(12, async () => (random.chance(0.3) ? remove() : overwrite())));
    await deliver(await batches(6, create));
    // THEN after the minute's tick (which mends what a failed batch left in reports/), the feeds
    // equal a from-scratch build and the state a rebuild's
    plan.random = false;
    await deliver([{ changes: [], tick: true }]);
    expect(await problems()).toEqual([]);
    // AND batches failed and were delivered again; every kind of fault and every retry layer ran
    expect(failures.length).toBeGreaterThan(before.failures);
    expect(results.slice(before.results).some((result) => result.attempts > 1)).toBe(true);
    const injected = KINDS.filter((kind) => (gateway.stats.faults[kind] ?? 0) > 0);
    expect(injected).toEqual(KINDS);
    expect(gateway.stats.sdkRetries).toBeGreaterThan(0);
    expect(storeRetries).toBeGreaterThan(0);
  }, 120_000);

  it('`feedgen rebuild` under the same faults either completes or says to run it again; run again, it repairs everything', async () => {
    // GIVEN stale leftovers that a rebuild must remove, and an article changed with no event
    await s3.client.send(new PutObjectCommand({ Bucket: OUTPUT, Key: 'feeds/cu/rss.xml', Body: '<rss/>' }));
    await upload(2);
    const work = mkdtempSync(path.join(tmpdir(), 'feedgen-faults-'));
    const configFile = path.join(work, 'feedgen.config.json');
    writeFileSync(configFile, JSON.stringify(CONFIG));
    const rebuild = async (): Promise<{ code: number; stderr: string[] }> => {
      const stderr: string[] = [];
      const args = ['rebuild', '--bucket', SOURCE, '--output-bucket', OUTPUT, '--config', configFile];
      const code = await main(args, {
        cwd: work,
        stdout: () => {},
        stderr: (line) => stderr.push(line),
        now: () => NOW,
        s3Client: () =>
          gatewayClient(gateway.url, S3RVER_CREDENTIALS, { requestTimeoutMs: REQUEST_TIMEOUT_MS }),
      });
      return { code, stderr };
    };
    // WHEN it runs during an outage, it fails and says so
    plan.outage(Number.POSITIVE_INFINITY);
    const failed = await rebuild();
    expect(failed.code).toBe(1);
    expect(failed.stderr.join('\n')).toMatch(/rebuild failed: .*run it again/);
    plan.endOutage();
    // THEN running it again (as often as S3's failures need) repairs the feeds and the state
    plan.random = true;
    let result = await rebuild();
    for (let attempts = 1; result.code !== 0 && attempts < 10; attempts++) result = await rebuild();
    plan.random = false;
    rmSync(work, { recursive: true, force: true });
    expect(result).toEqual({ code: 0, stderr: [] });
    await gateway.idle();
    expect(await problems()).toEqual([]);
  }, 120_000);
});
