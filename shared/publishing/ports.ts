/** What the publishing engine needs from the edge: storage, time, logs and metrics. */

/**
 * The object storage the publisher needs, as a narrow interface: S3 in AWS and locally
 * (shared/adapters/s3-store.ts), memory in tests (shared/adapters/memory-store.ts). Conditional writes are part of
 * the contract because correctness under concurrent publishers rests on them.
 */
export interface StoredObject {
  readonly body: Uint8Array;
  /** Quoted, as S3 returns it: "\"9e107d9d372bb6826bd81d3542a419d6\"". */
  readonly etag: string;
}

export interface ObjectInfo {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

export interface PutOptions {
  readonly contentType: string;
  /** gzip or br when the bytes are a compressed copy. */
  readonly contentEncoding?: string;
  readonly cacheControl?: string;
  /** Write only if the object's current ETag is this one. */
  readonly ifMatch?: string;
  /** Write only if there is no object yet. */
  readonly ifNoneMatch?: '*';
}

/** A conditional write lost a race: someone else changed the object first. */
export class PreconditionFailed extends Error {
  constructor(readonly key: string) {
    super(`${key} was changed by another writer`);
    this.name = 'PreconditionFailed';
  }
}

export const NOT_MODIFIED = Symbol('not modified');

export interface ObjectStore {
  /** The object, undefined if there is none, or NOT_MODIFIED when its ETag is `ifNoneMatch`. */
  get(
    key: string,
    options?: { ifNoneMatch?: string },
  ): Promise<StoredObject | undefined | typeof NOT_MODIFIED>;
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Throws {@link PreconditionFailed} when a condition does not hold. */
  put(key: string, body: string | Uint8Array, options: PutOptions): Promise<{ etag: string }>;
  delete(key: string): Promise<void>;
  /** Every object under `prefix`, in key order, a page at a time (bounded memory). */
  list(prefix: string): AsyncIterable<ObjectInfo>;
}

export interface Logger {
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

export interface Metrics {
  count(name: string, value?: number): void;
}

/** Epoch milliseconds. */
export type Clock = () => number;
