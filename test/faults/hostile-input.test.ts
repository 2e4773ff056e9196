// Requirement: hostile articles, each uploaded through the pipeline (S3 API → S3 event →
// queue → publish handler → Committer.apply), are either rejected with a clear error (a
// report under reports/ naming the file, the field and, where the parser gives one, the line;
// the article in no feed; nothing else lost) or published safely (every document parses
// strictly, nothing in it can run as script), as README.md's rules say.
//
// The S3 API is s3rver behind the gateway (helpers/s3-gateway.ts) without faults, for S3's
// semantics where s3rver lacks them: atomic writes, If-Match, and the 1,024-byte key limit.
// The cases themselves are in helpers/hostile-cases.ts and helpers/hostile-fields.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { main } from '../../cli/main';
import { createPublishHandler } from '../../functions/publish';
import { LocalEventQueue } from '../../local/event-queue';
import { S3Store } from '../../shared/adapters/s3-store';
import { createCommitter } from '../../shared/adapters/wiring';
import { MANIFEST_KEY, REPORTS_PREFIX, reportKey } from '../../shared/publishing/layout';
import type { Logger } from '../../shared/publishing/ports';
import type { FeedIndex, Manifest } from '../../shared/publishing/state';
import { TEST_CONFIG } from '../helpers/articles';
import { readJsonFeed } from '../helpers/feed-readers';
import { type S3Harness, S3RVER_CREDENTIALS, type S3rverEventRecord, startS3 } from '../helpers/s3rver';
import { decodedText } from '../helpers/stored-site';
import { FILE_CASES, type HostileCase, type HostileSite, md } from './helpers/hostile-cases';
import { FIELD_CASES } from './helpers/hostile-fields';
import { type Gateway, gatewayClient, startGateway } from './helpers/s3-gateway';
import { checkDocument, OUTPUT, SOURCE, siteProblems } from './helpers/site-check';

const NOW = Date.parse('2026-01-01T00:00:00Z');
// Every published article fits in the site feed's window, so "nothing else lost" is exact.
const CONFIG = { ...TEST_CONFIG, itemsPerFeed: 500 };
const CASES: readonly HostileCase[] = [...FILE_CASES, ...FIELD_CASES];

let s3: S3Harness;
let gateway: Gateway;
let client: S3Client;
let queue: LocalEventQueue;
let unsubscribe: () => void;
const deadLetters: SQSRecord[] = [];
const failedMessages: string[] = [];
const errors: string[] = [];
/** Keys of GET requests the gateway saw, to tell whether an object was read. */
const reads: string[] = [];

beforeAll(async () => {
  s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
  gateway = await startGateway({
    upstream: s3.endpoint,
    credentials: S3RVER_CREDENTIALS,
    onRequest: (request) => {
      if (request.method === 'GET' && request.key) reads.push(request.key);
    },
  });
  client = gatewayClient(gateway.url, S3RVER_CREDENTIALS);
  const log: Logger = {
    info: () => {},
    warn: () => {},
    error: (message, details) => errors.push(`${message} ${JSON.stringify(details ?? {})}`),
  };
  // The Lambda's wiring: one Committer over S3, behind the publish handler.
  const committer = createCommitter({
    client,
    sourceBucket: SOURCE,
    outputBucket: OUTPUT,
    config: CONFIG,
    log,
    clock: () => NOW,
  });
  const publish = createPublishHandler({ committer, log });
  const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const result = await publish(event);
    for (const failure of result.batchItemFailures) {
      const record = event.Records.find((r) => r.messageId === failure.itemIdentifier);
      failedMessages.push(record?.body ?? failure.itemIdentifier);
    }
    return result;
  };
  queue = new LocalEventQueue({
    handler,
    concurrency: 1,
    batchWindowMs: 50,
    retryDelayMs: 20,
    maxReceiveCount: 3,
    onDeadLetter: (message) => deadLetters.push(message),
  });
  unsubscribe = s3.onEvent((record) => {
    const event = record as S3rverEventRecord;
    if (event.s3.bucket.name === SOURCE && event.s3.object.key.startsWith('articles/'))
      queue.sendS3Record(event as never);
  });
}, 30_000);

afterAll(async () => {
  unsubscribe?.();
  await queue?.stop();
  client?.destroy();
  await gateway?.close();
  await s3?.stop();
});

async function put(key: string, body: string | Buffer): Promise<void> {
  const bytes = Buffer.from(body);
  await client.send(
    new PutObjectCommand({
      Bucket: SOURCE,
      Key: key,
      Body: bytes,
      ContentLength: bytes.byteLength,
      ContentType: 'text/markdown',
    }),
  );
}

async function text(bucket: string, key: string): Promise<string | undefined> {
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return decodedText(key, (await response.Body?.transformToByteArray()) ?? new Uint8Array());
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
      return undefined;
    throw error;
  }
}

async function settle(): Promise<void> {
  await queue.idle();
  await gateway.idle();
}

async function manifest(): Promise<Manifest> {
  return JSON.parse((await text(SOURCE, MANIFEST_KEY)) ?? 'null') as Manifest;
}

/** Every feed's members (window and tail), by feed, from the manifest's feed indexes. */
async function members(): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  for (const [feed, entry] of Object.entries((await manifest()).feeds)) {
    const index = JSON.parse((await text(SOURCE, entry.index)) ?? '{}') as FeedIndex;
    result.set(
      feed,
      [...index.window, ...index.tail].map((member) => member.key),
    );
  }
  return result;
}

interface Report {
  article: string;
  problems: Array<{ field: string | null; message: string; text: string }>;
}

/** The report explaining why `key` was rejected, wherever it was written. */
async function reportFor(key: string): Promise<Report | undefined> {
  const direct = await text(SOURCE, reportKey(key)).catch(() => undefined);
  if (direct !== undefined) return JSON.parse(direct) as Report;
  const listed = await client.send(new ListObjectsV2Command({ Bucket: SOURCE, Prefix: REPORTS_PREFIX }));
  for (const object of listed.Contents ?? []) {
    const report = JSON.parse((await text(SOURCE, object.Key ?? '')) ?? '{}') as Report;
    if (report.article === key) return report;
  }
  return undefined;
}

/** Documents already checked, by key and ETag: only changed ones are read again. */
const checked = new Map<string, string>();

/** Every feed document that changed since the last call: strict parse, nothing that runs. */
async function checkChangedDocuments(): Promise<string[]> {
  const problems: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: OUTPUT, Prefix: 'feeds/', ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const key = object.Key ?? '';
      if (checked.get(key) === object.ETag) continue;
      checked.set(key, object.ETag ?? '');
      try {
        checkDocument(key, (await text(OUTPUT, key)) ?? '');
      } catch (error) {
        problems.push((error as Error).message.split('\n').slice(0, 3).join(' '));
      }
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return problems;
}

/** Articles that must stay published through every case. */
const published = new Set<string>();

const site: HostileSite = {
  feed: (key) => text(OUTPUT, key),
  manifest,
  async remove(key) {
    await client.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: key }));
    published.delete(key);
    await settle();
  },
  reads,
};

describe('hostile articles through the pipeline', () => {
  beforeAll(async () => {
    // GIVEN a site with a few ordinary articles
    for (let i = 1; i <= 6; i++) {
      const key = `articles/thuong-${i}.md`;
      const category = ['Thời sự', 'Kinh tế', 'Văn hóa'][i % 3];
      await put(key, md({ title: `Bài thường ${i}`, date: `2025-05-0${i}`, category }));
      published.add(key);
    }
    await settle();
  }, 30_000);

  it.each(CASES.map((c) => [c.name, c] as const))(
    '%s',
    async (_name, hostile) => {
      const failuresBefore = failedMessages.length;
      const deadBefore = deadLetters.length;
      // WHEN the files are uploaded
      if (hostile.atOnce) await Promise.all(hostile.files.map(([key, body]) => put(key, body)));
      else {
        for (const [key, body] of hostile.files) {
          await put(key, body);
          if (hostile.oneByOne) await settle();
        }
      }
      await settle();

      const feeds = await members();
      const listedAnywhere = (key: string) => [...feeds.values()].some((keys) => keys.includes(key));
      const schedule = (await manifest()).schedule;
      const problems: string[] = [];
      for (const expectation of hostile.expect) {
        const { key } = expectation;
        const report = await reportFor(key);
        if ('rejected' in expectation) {
          // THEN a rejected file has a report naming the file, the field and the line, and is in no feed
          published.delete(key);
          const problem = report?.problems.find((p) => p.field === expectation.rejected);
          const line = expectation.line;
          if (!report) problems.push(`${key}: no report`);
          else if (report.article !== key) problems.push(`${key}: the report names ${report.article}`);
          else if (!problem)
            problems.push(
              `${key}: the report names ${JSON.stringify(report.problems.map((p) => p.field))}, not ${expectation.rejected}`,
            );
          else if (expectation.message && !expectation.message.test(problem.message))
            problems.push(`${key}: the report says "${problem.message}", expected ${expectation.message}`);
          else if (line !== undefined && !new RegExp(`line ${line}\\)|\\(${line}:\\d+\\)`).test(problem.text))
            problems.push(`${key}: the report says "${problem.text}", without line ${line}`);
          if (listedAnywhere(key)) problems.push(`${key}: rejected but listed in a feed`);
        } else if ('published' in expectation) {
          // a published one is in the site feed (under its title, if given), with no report
          published.add(key);
          if (report) problems.push(`${key}: published but has a report: ${JSON.stringify(report.problems)}`);
          if (expectation.title !== undefined) {
            const json = readJsonFeed((await text(OUTPUT, 'feeds/feed.json')) ?? '');
            if (!json.items.some((item) => item.title === expectation.title))
              problems.push(`${key}: no item titled ${JSON.stringify(expectation.title)} in the site feed`);
          }
        } else {
          published.delete(key);
          if (schedule[key] === undefined) problems.push(`${key}: not in the schedule`);
          if (listedAnywhere(key)) problems.push(`${key}: held back but listed in a feed`);
          if (report) problems.push(`${key}: held back but has a report`);
        }
      }
      // AND nothing else was lost: every article published so far still is
      const siteFeed = feeds.get('_site') ?? [];
      for (const key of published)
        if (!siteFeed.includes(key)) problems.push(`${key}: no longer in the site feed`);
      // AND every document written since the last case parses strictly, with nothing that runs
      problems.push(...(await checkChangedDocuments()));
      // AND no message failed or was given up on
      if (failedMessages.length > failuresBefore)
        problems.push(
          `messages failed: ${failedMessages.slice(failuresBefore).join(' | ').slice(0, 500)} ${errors.slice(-3).join(' | ').slice(0, 500)}`,
        );
      if (deadLetters.length > deadBefore)
        problems.push(`${deadLetters.length - deadBefore} messages went to the dead letters`);
      expect(problems).toEqual([]);
      await hostile.afterwards?.(site);
    },
    30_000,
  );

  it('leaves the feeds, the state and reports/ exactly as `feedgen build` and a fresh rebuild make them of the same files', async () => {
    const stores = [new S3Store(s3.client, SOURCE), new S3Store(s3.client, OUTPUT)] as const;
    expect(await siteProblems(...stores, CONFIG, NOW)).toEqual([]);
  }, 60_000);

  it('lets `feedgen rebuild` of the same bucket, against S3’s rules, complete', async () => {
    const work = mkdtempSync(path.join(tmpdir(), 'feedgen-hostile-'));
    try {
      const configFile = path.join(work, 'feedgen.config.json');
      writeFileSync(configFile, JSON.stringify(CONFIG));
      const stderr: string[] = [];
      const code = await main(
        ['rebuild', '--bucket', SOURCE, '--output-bucket', OUTPUT, '--config', configFile],
        {
          cwd: work,
          stdout: () => {},
          stderr: (line) => stderr.push(line),
          now: () => NOW,
          s3Client: () => gatewayClient(gateway.url, S3RVER_CREDENTIALS),
        },
      );
      expect({ code, stderr }).toEqual({ code: 0, stderr: [] });
      const stores = [new S3Store(s3.client, SOURCE), new S3Store(s3.client, OUTPUT)] as const;
      expect(await siteProblems(...stores, CONFIG, NOW)).toEqual([]);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
