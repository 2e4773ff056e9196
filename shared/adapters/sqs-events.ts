import type { SQSEvent, SQSRecord } from 'aws-lambda';
import type { Batch, ChangedKey } from '../publishing/committer';
import { CONTROL_MESSAGES } from '../publishing/layout';

/**
 * S3 writes object keys in event notifications URL-encoded, as in an HTML form: a space is
 * "+", a plus is "%2B", other bytes are percent-encoded UTF-8.
 * "articles/H%C3%A0+T%C4%A9nh+%2B+tin.md" → "articles/Hà Tĩnh + tin.md".
 */
export function decodeS3Key(encoded: string): string {
  return decodeURIComponent(encoded.replace(/\+/g, ' '));
}

/** The inverse of {@link decodeS3Key}, for tests and for the local stack, which must speak like S3. */
export function encodeS3Key(key: string): string {
  return encodeURIComponent(key)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/')
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type ParsedMessage =
  | { readonly messageId: string; readonly kind: 'changes'; readonly changes: readonly ChangedKey[] }
  | { readonly messageId: string; readonly kind: 'test' }
  /** The minute's tick, or a rebuild request: sent to the queue so the one writer runs them. */
  | { readonly messageId: string; readonly kind: 'tick' | 'rebuild' }
  | { readonly messageId: string; readonly kind: 'invalid'; readonly reason: string };

interface S3EventRecordLike {
  eventName?: unknown;
  s3?: { object?: { key?: unknown; size?: unknown } };
}

/**
 * Reads one SQS message sent by an S3 event notification: object created and object
 * removed records (a delete marker in a versioned bucket included), or the s3:TestEvent
 * S3 sends when the notification is set up.
 */
export function parseMessage(record: SQSRecord): ParsedMessage {
  const messageId = record.messageId;
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return { messageId, kind: 'invalid', reason: 'the message body is not JSON' };
  }
  // Compared as data, not text: EventBridge may lay out the JSON of the tick its own way.
  const control = (body as { feedgen?: unknown } | null)?.feedgen;
  if (control !== undefined) {
    for (const kind of ['tick', 'rebuild'] as const) {
      if (control === (JSON.parse(CONTROL_MESSAGES[kind]) as { feedgen: string }).feedgen)
        return { messageId, kind };
    }
    return { messageId, kind: 'invalid', reason: `unknown control message ${JSON.stringify(control)}` };
  }
  if ((body as { Event?: unknown })?.Event === 's3:TestEvent') return { messageId, kind: 'test' };
  const records = (body as { Records?: unknown })?.Records;
  if (!Array.isArray(records))
    return { messageId, kind: 'invalid', reason: 'the message has no S3 event Records' };
  const changes: ChangedKey[] = [];
  for (const entry of records as S3EventRecordLike[]) {
    const eventName = typeof entry.eventName === 'string' ? entry.eventName : '';
    const key = entry.s3?.object?.key;
    if (typeof key !== 'string')
      return { messageId, kind: 'invalid', reason: 'an S3 event record has no object key' };
    if (!eventName.startsWith('ObjectCreated:') && !eventName.startsWith('ObjectRemoved:')) continue;
    let decoded: string;
    try {
      decoded = decodeS3Key(key);
    } catch {
      return {
        messageId,
        kind: 'invalid',
        reason: `the object key "${key}" is not URL-encoded as S3 encodes keys`,
      };
    }
    const size = entry.s3?.object?.size;
    changes.push({
      key: decoded,
      ...(eventName.startsWith('ObjectCreated:') && typeof size === 'number' ? { size } : {}),
    });
  }
  return { messageId, kind: 'changes', changes };
}

export function parseSqsEvent(event: SQSEvent): ParsedMessage[] {
  return event.Records.map(parseMessage);
}

/** One batch for the writer from a delivery's messages: every change, and any tick or rebuild. */
export function batchOf(messages: readonly ParsedMessage[]): Batch {
  return {
    changes: messages.flatMap((message) => (message.kind === 'changes' ? message.changes : [])),
    tick: messages.some((message) => message.kind === 'tick'),
    rebuild: messages.some((message) => message.kind === 'rebuild'),
  };
}
