import { readFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { enforceConditionalWrites } from '../functions/lib/conditional-writes';
import { encodeS3Key } from '../functions/lib/events';
import { S3Store } from '../functions/lib/s3-store';
import { createPublishHandler } from '../functions/publish';
import { resolveConfig } from '../shared/config';
import { type Logger, Publisher } from '../shared/publisher';
import { sqsRecord } from './event-queue';

/**
 * One publisher process, as one Lambda invocation: connects to a local S3 API, hands the
 * given keys to the publish handler as one SQS batch of S3 events, and exits. The fault
 * tests (test/faults/crash.test.ts) run it as a child process and kill it with SIGKILL at
 * random points, then run it again with the same keys, as SQS delivers a message again.
 *
 *   node dist/local/publish-worker.js JOB.json
 *
 * The job file is JSON: { endpoint, accessKeyId, secretAccessKey, sourceBucket,
 * outputBucket, config (as in feedgen.config.json), keys, now? (epoch ms; default the
 * clock), requestTimeoutMs?, conditionalWrites? (true to enforce If-Match in this process,
 * for an s3rver without anything in front) }.
 *
 * Standard output is one JSON object per line: {"event":"ready"} once connected, the
 * publisher's log lines ({"event":"log",...}), then {"event":"done","failed":[ids]}.
 * Exit status: 0 every key published, 1 some failed (deliver them again), 2 a bad job.
 */
interface Job {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sourceBucket: string;
  readonly outputBucket: string;
  readonly config: unknown;
  readonly keys: readonly string[];
  readonly now?: number;
  readonly requestTimeoutMs?: number;
  readonly conditionalWrites?: boolean;
}

function emit(event: string, details: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...details })}\n`);
}

function readJob(path: string | undefined): Job {
  if (!path) throw new Error('usage: publish-worker JOB.json');
  const job = JSON.parse(readFileSync(path, 'utf8')) as Job;
  for (const field of [
    'endpoint',
    'accessKeyId',
    'secretAccessKey',
    'sourceBucket',
    'outputBucket',
  ] as const) {
    if (typeof job[field] !== 'string' || job[field] === '') throw new Error(`the job needs ${field}`);
  }
  if (!Array.isArray(job.keys)) throw new Error('the job needs keys (a list of object keys)');
  return job;
}

/** The SQS batch S3 would have sent: one message per key, keys URL-encoded as S3 encodes them. */
function sqsEvent(keys: readonly string[], bucket: string): SQSEvent {
  return {
    Records: keys.map((key, index) =>
      sqsRecord(
        `worker-${index}`,
        [
          {
            eventVersion: '2.1',
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: bucket }, object: { key: encodeS3Key(key) } },
          },
        ],
        1,
      ),
    ),
  };
}

async function main(): Promise<number> {
  let job: Job;
  try {
    job = readJob(process.argv[2]);
  } catch (error) {
    process.stderr.write(`publish-worker: ${(error as Error).message}\n`);
    return 2;
  }
  const config = resolveConfig(job.config ?? {}, 'job config');
  let client = new S3Client({
    endpoint: job.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: job.accessKeyId, secretAccessKey: job.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(job.requestTimeoutMs
      ? {
          requestHandler: {
            requestTimeout: job.requestTimeoutMs,
            throwOnRequestTimeout: true,
            connectionTimeout: job.requestTimeoutMs,
          },
        }
      : {}),
  });
  if (job.conditionalWrites) client = enforceConditionalWrites(client);
  const log: Logger = {
    info: (message, details) => emit('log', { level: 'info', message, ...details }),
    warn: (message, details) => emit('log', { level: 'warn', message, ...details }),
    error: (message, details) => emit('log', { level: 'error', message, ...details }),
  };
  const publisher = new Publisher({
    source: new S3Store(client, job.sourceBucket),
    output: new S3Store(client, job.outputBucket),
    config,
    now: job.now === undefined ? () => Date.now() : () => job.now as number,
    log,
  });
  const handler = createPublishHandler({ publisher, log });
  emit('ready', { pid: process.pid, keys: job.keys.length });
  try {
    const result = await handler(sqsEvent(job.keys, job.sourceBucket));
    const failed = result.batchItemFailures.map((failure) => failure.itemIdentifier);
    emit('done', { failed });
    return failed.length === 0 ? 0 : 1;
  } finally {
    client.destroy();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`publish-worker: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
