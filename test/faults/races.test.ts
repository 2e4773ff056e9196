// Requirement: concurrent publishers lose nothing. 500 uploads across 5 categories from 16
// concurrent clients, overwrites that move articles between categories and dates, deletes,
// and duplicate and late (out-of-order) events, published by six publishers running at once
// over one enforceConditionalWrites client (functions/lib/conditional-writes.ts, which makes
// s3rver honour If-Match as S3 does); the feeds and the state must end exactly as a
// from-scratch `feedgen rebuild` (rebuildAll) of the same bucket makes them.
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { enforceConditionalWrites } from '../../local/conditional-writes';
import { S3Store } from '../../shared/adapters/s3-store';
import { createPublishHandler } from '../../functions/publish';
import { LocalEventQueue } from '../../local/event-queue';
import { type Logger, Publisher } from '../../shared/publisher';
import { TEST_CONFIG } from '../helpers/articles';
import { type S3Harness, S3RVER_CREDENTIALS, type S3rverEventRecord, startS3 } from '../helpers/s3rver';
import { seededRandom, seedFor } from './helpers/random';
import { gatewayClient } from './helpers/s3-gateway';
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
import { type ArticleSpec, articleText, CATEGORIES, Newsroom } from './helpers/workload';

const NOW = Date.parse('2026-01-01T00:00:00Z');
// Windows much smaller than the categories, so moves and deletes refill them from the months.
const CONFIG = { ...TEST_CONFIG, itemsPerFeed: 15 };
const SEED = seedFor(3003);
const UPLOADS = 500;
const CLIENTS = 16;
const PUBLISHERS = 6;

let s3: S3Harness;
let client: S3Client;

beforeAll(async () => {
  s3 = await startS3({ buckets: [SOURCE, OUTPUT] });
  // One client whose requests on a key are serialised and whose conditional writes are
  // enforced: every publisher and uploader goes through it, as through S3 itself.
  client = enforceConditionalWrites(gatewayClient(s3.endpoint, S3RVER_CREDENTIALS));
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

type Operation = { kind: 'put'; spec: ArticleSpec } | { kind: 'delete'; key: string };

/** 500 uploads (new articles, and overwrites that may change categories and dates) and ~60 deletes, interleaved. */
function workload(): Operation[] {
  const random = seededRandom(SEED);
  const newsroom = new Newsroom(random, 'articles/', CATEGORIES, 0.03);
  const operations: Operation[] = [];
  let uploads = 0;
  while (uploads < UPLOADS) {
    const roll = random.next();
    if (roll < 0.12 && newsroom.live.size > 20) {
      const key = newsroom.remove();
      if (key) operations.push({ kind: 'delete', key });
      continue;
    }
    const spec =
      roll < 0.3 && newsroom.live.size > 20 ? newsroom.overwrite({ redate: true }) : newsroom.create();
    if (spec) {
      operations.push({ kind: 'put', spec });
      uploads++;
    }
  }
  return operations;
}

describe('concurrent publishers', () => {
  it(`publish ${UPLOADS} uploads from ${CLIENTS} clients, with deletes and duplicate and late events, exactly as a rebuild would`, async () => {
    const random = seededRandom(SEED + 1);
    const errors: string[] = [];
    const log: Logger = {
      info: () => {},
      warn: () => {},
      error: (message, details) => {
        if (errors.length < 20) errors.push(`${message} ${JSON.stringify(details ?? {})}`);
      },
    };
    // GIVEN six publishers (Lambda instances) taking batches off one queue at once
    const idle = Array.from({ length: PUBLISHERS }, () =>
      createPublishHandler({
        publisher: new Publisher({
          source: new S3Store(client, SOURCE),
          output: new S3Store(client, OUTPUT),
          config: CONFIG,
          now: () => NOW,
          log,
        }),
        log,
      }),
    );
    let busiest = 0;
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      const instance = idle.pop();
      if (!instance) throw new Error('more batches at once than publishers');
      busiest = Math.max(busiest, PUBLISHERS - idle.length);
      try {
        return await instance(event);
      } finally {
        idle.push(instance);
      }
    };
    const deadLetters: SQSRecord[] = [];
    const queue = new LocalEventQueue({
      handler,
      concurrency: PUBLISHERS,
      batchSize: 10,
      batchWindowMs: 10,
      retryDelayMs: 100,
      maxReceiveCount: 20,
      onDeadLetter: (message) => deadLetters.push(message),
    });
    // S3 delivers some events twice, and some late, after newer ones
    const late = new Set<NodeJS.Timeout>();
    let duplicates = 0;
    const unsubscribe = s3.onEvent((record) => {
      const event = record as S3rverEventRecord;
      if (event.s3.bucket.name !== SOURCE || !event.s3.object.key.startsWith('articles/')) return;
      queue.sendS3Record(event as never);
      if (random.chance(0.1)) {
        duplicates++;
        queue.sendS3Record(event as never);
      }
      if (random.chance(0.05)) {
        duplicates++;
        const timer = setTimeout(
          () => {
            late.delete(timer);
            queue.sendS3Record(event as never);
          },
          random.int(50, 3000),
        );
        late.add(timer);
      }
    });

    try {
      // WHEN 16 clients upload, overwrite and delete at once
      const operations = workload();
      let next = 0;
      const clientLoop = async (): Promise<void> => {
        while (next < operations.length) {
          const operation = operations[next++] as Operation;
          if (operation.kind === 'put') {
            await client.send(
              new PutObjectCommand({
                Bucket: SOURCE,
                Key: operation.spec.key,
                Body: articleText(operation.spec),
                ContentType: 'text/markdown; charset=utf-8',
              }),
            );
          } else {
            await client.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: operation.key }));
          }
        }
      };
      await Promise.all(Array.from({ length: CLIENTS }, clientLoop));
      while (late.size > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      await queue.idle();
    } finally {
      unsubscribe();
      for (const timer of late) clearTimeout(timer);
      await queue.stop();
    }

    // THEN the publishers did run at once, and no message was given up on
    expect(busiest).toBeGreaterThanOrEqual(3);
    expect(duplicates).toBeGreaterThan(40);
    expect(deadLetters.map((message) => message.body)).toEqual([]);
    // AND the feeds are those of a from-scratch build, the state that of `feedgen rebuild`
    const articles = await readAll(new S3Store(s3.client, SOURCE), 'articles/');
    expect(articles.size).toBeGreaterThan(300);
    const reference = await rebuildReference(s3.client, CONFIG, NOW);
    const stored = await readAll(new S3Store(s3.client, OUTPUT), 'feeds/');
    const rebuilt = new Map([...reference.output.objects].map(([key, entry]) => [key, entry.body]));
    const state = new Map([
      ...(await readAll(new S3Store(s3.client, SOURCE), 'state/')),
      ...(await readAll(new S3Store(s3.client, SOURCE), 'reports/')),
    ]);
    const problems = [
      ...siteDifferences(fromScratch(articles, CONFIG, NOW), stored).map(
        (p) => `against feedgen build: ${p}`,
      ),
      ...siteDifferences(fromScratch(articles, CONFIG, NOW), rebuilt).map(
        (p) => `feedgen rebuild itself against feedgen build: ${p}`,
      ),
      ...stateDifferences(
        normalisedState(state),
        normalisedState(new Map([...reference.state.objects].map(([key, entry]) => [key, entry.body]))),
      ).map((p) => `state against feedgen rebuild: ${p}`),
    ];
    expect(problems.length === 0 ? [] : [...problems, ...errors]).toEqual([]);
  }, 180_000);
});
