import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  NOT_MODIFIED,
  type ObjectInfo,
  type ObjectStore,
  PreconditionFailed,
  type PutOptions,
  type StoredObject,
} from '../publishing/ports';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** First backoff; it doubles each time, with full jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 50, maxDelayMs: 2000 };

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'TimeoutError',
  'RequestTimeoutException',
  'NetworkingError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

interface AwsError {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

function statusOf(error: unknown): number | undefined {
  return (error as AwsError)?.$metadata?.httpStatusCode;
}

/** S3 answers that are worth another try: throttling, server errors, timeouts, dropped connections. */
export function isTransient(error: unknown): boolean {
  const status = statusOf(error);
  const { name, code, $retryable } = (error ?? {}) as AwsError;
  return (
    (status !== undefined && (status >= 500 || status === 429)) ||
    TRANSIENT_NAMES.has(name ?? '') ||
    TRANSIENT_NAMES.has(code ?? '') ||
    $retryable !== undefined
  );
}

function isNotFound(error: unknown): boolean {
  const name = (error as AwsError)?.name;
  return name === 'NoSuchKey' || name === 'NotFound' || statusOf(error) === 404;
}

function isPreconditionFailed(error: unknown): boolean {
  const name = (error as AwsError)?.name;
  // 409 ConditionalRequestConflict: a concurrent conditional write on the same key.
  return (
    name === 'PreconditionFailed' ||
    statusOf(error) === 412 ||
    name === 'ConditionalRequestConflict' ||
    statusOf(error) === 409
  );
}

/**
 * {@link ObjectStore} over one S3 bucket. The client comes from the caller (created once per
 * process); transient failures are retried here with exponential backoff and jitter, then
 * thrown, so the message goes back to the queue.
 */
export class S3Store implements ObjectStore {
  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async get(
    key: string,
    options: { ifNoneMatch?: string } = {},
  ): Promise<StoredObject | undefined | typeof NOT_MODIFIED> {
    try {
      return await this.#withRetry(`GET ${key}`, async () => {
        const response = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: key, IfNoneMatch: options.ifNoneMatch }),
        );
        if (!response.Body) throw new Error(`S3 returned no body for ${key}`);
        return { body: await response.Body.transformToByteArray(), etag: response.ETag ?? '' };
      });
    } catch (error) {
      if (statusOf(error) === 304) return NOT_MODIFIED;
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      return await this.#withRetry(`HEAD ${key}`, async () => {
        const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
        return { key, etag: response.ETag ?? '', size: response.ContentLength ?? 0 };
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async put(key: string, body: string | Uint8Array, options: PutOptions): Promise<{ etag: string }> {
    try {
      return await this.#withRetry(`PUT ${key}`, async () => {
        const response = await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
            ContentType: options.contentType,
            ContentEncoding: options.contentEncoding,
            CacheControl: options.cacheControl,
            IfMatch: options.ifMatch,
            IfNoneMatch: options.ifNoneMatch,
          }),
        );
        return { etag: response.ETag ?? '' };
      });
    } catch (error) {
      if (isPreconditionFailed(error)) throw new PreconditionFailed(key);
      // S3 answers If-Match on a key that no longer exists with 404 NoSuchKey: the object we
      // read was deleted since, a lost race like any other.
      if (options.ifMatch !== undefined && (error as AwsError)?.name === 'NoSuchKey')
        throw new PreconditionFailed(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await this.#withRetry(`DELETE ${key}`, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })),
    );
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.#withRetry(`LIST ${prefix}`, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
        ),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) yield { key: object.Key, etag: object.ETag ?? '', size: object.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async #withRetry<T>(what: string, operation: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!isTransient(error) || attempt >= this.retry.attempts) {
          if (isTransient(error)) {
            (error as Error).message =
              `${what} in bucket ${this.bucket} failed ${attempt} times: ${(error as Error).message}`;
          }
          throw error;
        }
        const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(Math.random() * ceiling);
      }
    }
  }
}
