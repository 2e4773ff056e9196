import { createHash } from 'node:crypto';
import {
  NOT_MODIFIED,
  type ObjectInfo,
  type ObjectStore,
  PreconditionFailed,
  type PutOptions,
  type StoredObject,
} from '../publishing/ports';

interface Entry {
  body: Uint8Array;
  etag: string;
  contentType: string;
  contentEncoding: string | undefined;
  cacheControl: string | undefined;
}

/**
 * An in-memory {@link ObjectStore} with S3's semantics: ETags are the MD5 of the bytes,
 * conditional writes are honoured, listing is in key order. For tests and local runs.
 */
export class MemoryStore implements ObjectStore {
  readonly objects = new Map<string, Entry>();
  /** Every call, in order, so tests can count requests. */
  readonly calls: string[] = [];

  async get(
    key: string,
    options: { ifNoneMatch?: string } = {},
  ): Promise<StoredObject | undefined | typeof NOT_MODIFIED> {
    this.calls.push(`GET ${key}`);
    const entry = this.objects.get(key);
    if (!entry) return undefined;
    if (options.ifNoneMatch !== undefined && options.ifNoneMatch === entry.etag) return NOT_MODIFIED;
    return { body: entry.body, etag: entry.etag };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.calls.push(`HEAD ${key}`);
    const entry = this.objects.get(key);
    return entry ? { key, etag: entry.etag, size: entry.body.byteLength } : undefined;
  }

  async put(key: string, body: string | Uint8Array, options: PutOptions): Promise<{ etag: string }> {
    this.calls.push(`PUT ${key}`);
    const existing = this.objects.get(key);
    if (options.ifNoneMatch === '*' && existing) throw new PreconditionFailed(key);
    if (options.ifMatch !== undefined && existing?.etag !== options.ifMatch)
      throw new PreconditionFailed(key);
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const etag = `"${createHash('md5').update(bytes).digest('hex')}"`;
    this.objects.set(key, {
      body: bytes,
      etag,
      contentType: options.contentType,
      contentEncoding: options.contentEncoding,
      cacheControl: options.cacheControl,
    });
    return { etag };
  }

  async delete(key: string): Promise<void> {
    this.calls.push(`DELETE ${key}`);
    this.objects.delete(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.calls.push(`LIST ${prefix}`);
    for (const key of [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort()) {
      const entry = this.objects.get(key);
      if (entry) yield { key, etag: entry.etag, size: entry.body.byteLength };
    }
  }

  /** The object's text, for tests. */
  text(key: string): string | undefined {
    const entry = this.objects.get(key);
    return entry ? Buffer.from(entry.body).toString('utf8') : undefined;
  }

  contentType(key: string): string | undefined {
    return this.objects.get(key)?.contentType;
  }

  contentEncoding(key: string): string | undefined {
    return this.objects.get(key)?.contentEncoding;
  }

  cacheControl(key: string): string | undefined {
    return this.objects.get(key)?.cacheControl;
  }
}
