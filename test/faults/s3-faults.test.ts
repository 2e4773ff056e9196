// Requirement: S3 failing under the publisher (bursts of 500 and 503 SlowDown, requests that
// time out, dropped connections, 412 conflicts, an outage) loses nothing: failed messages are
// delivered again, and the feeds end complete and valid, equal to a from-scratch build.
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
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { main } from '../../cli/main';
import { DEFAULT_RETRY, S3Store } from '../../shared/adapters/s3-store';
import { createPublishHandler } from '../../functions/publish';
import { LocalEventQueue } from '../../local/event-queue';
import { type Logger, type Metrics, Publisher } from '../../shared/publisher';
import { TEST_CONFIG } from '../helpers/articles';
import { type S3Harness, S3RVER_CREDENTIALS, type S3rverEventRecord, startS3 } from '../helpers/s3rver';
import { type Random, seededRandom, seedFor } from './helpers/random';
import {
  type Fault,
  type FaultPolicy,
  type Gateway,
  type GatewayRequest,
  gatewayClient,
  PASS,
  startGateway,
} from './helpers/s3-gateway';
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
import { articleText, Newsroom } from './helpers/workload';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const CONFIG = { ...TEST_CONFIG, itemsPerFeed: 8 };
const SEED = seedFor(1001);
// The publishers' SDK gives up on a request after this long (and retries it).
const REQUEST_TIMEOUT_MS = 300;

let s3: S3Harness;
let gateway: Gateway;

beforeAll(async () => {
  s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
  gateway = await startGateway({ upstream: s3.endpoint, credentials: S3RVER_CREDENTIALS });
});

afterAll(async () => {
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
    const first = await client.send(
      new PutObjectCommand({ Bucket: OUTPUT, Key: 'probe/a', Body: 'one', IfNoneMatch: '*' }),
    );
    const again = await client
      .send(new PutObjectCommand({ Bucket: OUTPUT, Key: 'probe/a', Body: 'two', IfNoneMatch: '*' }))
      .catch((error: unknown) => error);
    expect(statusOf(again)).toBe(412);
    expect((again as S3ServiceException).name).toBe('PreconditionFailed');
    const stale = await client
      .send(new PutObjectCommand({ Bucket: OUTPUT, Key: 'probe/a', Body: 'two', IfMatch: '"0"' }))
      .catch((error: unknown) => error);
    expect(statusOf(stale)).toBe(412);
    await client.send(
      new PutObjectCommand({ Bucket: OUTPUT, Key: 'probe/a', Body: 'three', IfMatch: first.ETag }),
    );
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
      const exists = async (key: string) =>
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
        expect({ fault: fault.kind, applied: await exists(`probe/fault-${index}`) }).toEqual({
          fault: fault.kind,
          applied,
        });
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

/**
 * Seeded faults for every request but the editors' own uploads: bursts of 500 and 503
 * SlowDown, answers withheld until the client times out (the request applied or not),
 * dropped connections (applied or not), fake 412s on conditional writes, and outages (every
 * request 500) when asked for.
 */
class FaultPlan {
  #burst: { fault: Fault; left: number } | undefined;
  #outageUntil = 0;
  active = true;
  constructor(private readonly random: Random) {}

  outage(milliseconds: number): void {
    this.#outageUntil = Date.now() + milliseconds;
  }

  readonly policy: FaultPolicy = (request: GatewayRequest) => {
    const editors =
      request.bucket === SOURCE &&
      request.key?.startsWith('articles/') &&
      (request.method === 'PUT' || request.method === 'DELETE');
    if (editors || !this.active) return PASS;
    if (Date.now() < this.#outageUntil) return { kind: 'error', status: 500, code: 'InternalError' };
    if (this.#burst) {
      const { fault } = this.#burst;
      if (--this.#burst.left <= 0) this.#burst = undefined;
      return fault;
    }
    const r = this.random.next();
    if (r < 0.012) return this.#startBurst({ kind: 'error', status: 500, code: 'InternalError' }, 2, 5);
    if (r < 0.024) return this.#startBurst({ kind: 'error', status: 503, code: 'SlowDown' }, 2, 6);
    if (r < 0.028) return { kind: 'hang' };
    if (r < 0.031) return { kind: 'hang-after' };
    if (r < 0.037) return { kind: 'reset' };
    if (r < 0.043) return { kind: 'reset-after' };
    if (request.conditional && r < 0.093) return { kind: 'error', status: 412, code: 'PreconditionFailed' };
    return PASS;
  };

  #startBurst(fault: Fault, min: number, max: number): Fault {
    this.#burst = { fault, left: this.random.int(min, max) - 1 };
    return fault;
  }
}

describe('publishing while S3 fails', () => {
  const random = seededRandom(SEED);
  const plan = new FaultPlan(seededRandom(SEED + 1));
  const logged: string[] = [];
  const log: Logger = {
    info: () => {},
    warn: () => {},
    error: (message, details) => logged.push(`${message} ${JSON.stringify(details ?? {})}`),
  };
  const counted = new Map<string, number>();
  const metrics: Metrics = {
    count: (name, value = 1) => counted.set(name, (counted.get(name) ?? 0) + value),
  };
  let storeRetries = 0;
  const countingSleep = (ms: number): Promise<void> => {
    storeRetries++;
    return new Promise((resolve) => setTimeout(resolve, ms));
  };
  let editor: S3Client;
  let publisherClients: S3Client[];
  let queue: LocalEventQueue;
  const deadLetters: SQSRecord[] = [];
  let deliveries = 0;
  let failedDeliveries = 0;
  let unsubscribe: () => void;

  beforeAll(() => {
    gateway.setPolicy(plan.policy);
    editor = gatewayClient(gateway.url, S3RVER_CREDENTIALS);
    // Two "Lambda instances", each with its own client and publisher, as in AWS.
    publisherClients = [0, 1].map(() =>
      gatewayClient(gateway.url, S3RVER_CREDENTIALS, { requestTimeoutMs: REQUEST_TIMEOUT_MS }),
    );
    const idle = publisherClients.map((client) => {
      const publisher = new Publisher({
        source: new S3Store(client, SOURCE, DEFAULT_RETRY, countingSleep),
        output: new S3Store(client, OUTPUT, DEFAULT_RETRY, countingSleep),
        config: CONFIG,
        now: () => NOW,
        log,
        metrics,
      });
      return createPublishHandler({ publisher, log, metrics });
    });
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const instance = idle.pop();
      if (!instance) throw new Error('more batches at once than instances');
      try {
        deliveries += event.Records.length;
        const result = await instance(event);
        failedDeliveries += result.batchItemFailures.length;
        return result;
      } finally {
        idle.push(instance);
      }
    };
    queue = new LocalEventQueue({
      handler,
      concurrency: 2,
      batchSize: 5,
      batchWindowMs: 20,
      retryDelayMs: 150,
      maxReceiveCount: 25,
      onDeadLetter: (message) => deadLetters.push(message),
    });
    unsubscribe = s3.onEvent((record) => {
      const event = record as S3rverEventRecord;
      if (event.s3.bucket.name === SOURCE && event.s3.object.key.startsWith('articles/'))
        queue.sendS3Record(event as never);
    });
  });

  afterAll(async () => {
    unsubscribe?.();
    await queue?.stop();
    editor?.destroy();
    for (const client of publisherClients ?? []) client.destroy();
    gateway.setPolicy(() => PASS);
  });

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

  async function differences(): Promise<string[]> {
    const articles = await readAll(new S3Store(s3.client, SOURCE), 'articles/');
    const stored = await readAll(new S3Store(s3.client, OUTPUT), 'feeds/');
    const reference = await rebuildReference(s3.client, CONFIG, NOW);
    const state = new Map([
      ...(await readAll(new S3Store(s3.client, SOURCE), 'state/')),
      ...(await readAll(new S3Store(s3.client, SOURCE), 'reports/')),
    ]);
    return [
      ...siteDifferences(fromScratch(articles, CONFIG, NOW), stored),
      ...stateDifferences(
        normalisedState(state),
        normalisedState(new Map([...reference.state.objects].map(([key, entry]) => [key, entry.body]))),
      ).map((problem) => `state: ${problem}`),
    ];
  }

  it('ends with every feed complete and valid, every failed message delivered again, none dropped', async () => {
    // GIVEN a newsroom (some articles share an id) uploading while S3 fails under the publishers
    const newsroom = new Newsroom(random, 'articles/', undefined, 0.1);
    const wave = async (count: number, action: () => Promise<void>) => {
      const running: Promise<void>[] = [];
      for (let i = 0; i < count; i++) {
        running.push(action());
        if (running.length >= 4) await running.shift();
      }
      await Promise.all(running);
    };
    await wave(20, async () => {
      const spec = newsroom.create();
      await upload(spec.key, articleText(spec));
    });
    // WHEN S3 is down for a while (every request 500) in the middle of it, longer than retries last
    plan.outage(4_000);
    await wave(10, async () => {
      const spec = newsroom.create();
      await upload(spec.key, articleText(spec));
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await wave(8, async () => {
      const spec = newsroom.overwrite({ redate: false });
      if (spec) await upload(spec.key, articleText(spec));
    });
    await wave(5, async () => {
      const key = newsroom.remove();
      if (key) await editor.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: key }));
    });
    await wave(5, async () => {
      const spec = newsroom.create();
      await upload(spec.key, articleText(spec));
    });
    await queue.idle();
    await gateway.idle();

    // THEN no message went to the dead letters, and those that failed were delivered again
    expect(deadLetters.map((message) => message.body)).toEqual([]);
    expect(failedDeliveries).toBeGreaterThan(0);
    expect(deliveries).toBeGreaterThan(failedDeliveries);
    // AND every kind of fault happened, and both retry layers and the conflict retries ran
    const faults = gateway.stats.faults;
    for (const kind of [
      '500 InternalError',
      '503 SlowDown',
      '412 PreconditionFailed',
      'hang',
      'hang-after',
      'reset',
      'reset-after',
    ])
      expect({ kind, injected: (faults[kind] ?? 0) > 0 }).toEqual({ kind, injected: true });
    expect(gateway.stats.sdkRetries).toBeGreaterThan(0);
    expect(storeRetries).toBeGreaterThan(0);
    expect(counted.get('ConflictRetries') ?? 0).toBeGreaterThan(0);
    // AND the feeds are exactly a from-scratch build of the articles, the state a rebuild's
    // (on failure, with what was injected and what the publishers logged)
    const problems = await differences();
    expect(
      problems.length === 0
        ? []
        : [...problems, `faults: ${JSON.stringify(gateway.stats)}`, ...logged.slice(-20)],
    ).toEqual([]);
  }, 120_000);

  it('`feedgen rebuild` under the same faults either completes or says to run it again; run again, it repairs everything', async () => {
    // GIVEN stale leftovers that a rebuild must remove
    await s3.client.send(new PutObjectCommand({ Bucket: OUTPUT, Key: 'feeds/cu/rss.xml', Body: '<rss/>' }));
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
    plan.outage(60_000);
    const failed = await rebuild();
    expect(failed.code).toBe(1);
    expect(failed.stderr.join('\n')).toMatch(/rebuild failed: .*run it again/);
    plan.outage(0);
    // THEN running it again (as often as S3's failures need) repairs the feeds and the state
    let attempts = 1;
    let result = await rebuild();
    while (result.code !== 0 && attempts < 10) {
      attempts++;
      result = await rebuild();
    }
    rmSync(work, { recursive: true, force: true });
    expect(result).toEqual({ code: 0, stderr: [] });
    await gateway.idle();
    expect(await differences()).toEqual([]);
  }, 120_000);
});
