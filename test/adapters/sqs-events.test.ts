import fc from 'fast-check';
import { sqsMessage, sqsRecord } from '../../local/event-queue';
import { batchOf, decodeS3Key, encodeS3Key, parseMessage } from '../../shared/adapters/sqs-events';
import { CONTROL_MESSAGES } from '../../shared/publishing/layout';

/** Records as S3 puts them in an event notification (keys given already encoded). */
function s3Records(...records: Array<{ eventName: string; key: string; size?: number }>) {
  return records.map(({ eventName, key, size }) => ({
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    eventName,
    s3: {
      bucket: { name: 'feedgen-articles' },
      object: { key, ...(size === undefined ? {} : { size }), sequencer: '0055AED6DCD90281E5' },
    },
  }));
}

describe('S3 event keys', () => {
  it.each([
    ['articles/H%C3%A0+T%C4%A9nh+%2B+tin.md', 'articles/Hà Tĩnh + tin.md'],
    ['articles/a+b.md', 'articles/a b.md'],
    ['articles/a%2Bb.md', 'articles/a+b.md'],
    ['articles/100%25.md', 'articles/100%.md'],
    ['articles/%C4%90%E1%BA%A3ng+vi%C3%AAn.md', 'articles/Đảng viên.md'],
  ])('decodes %s as S3 encoded it', (encoded, key) => {
    expect(decodeS3Key(encoded)).toBe(key);
    expect(encodeS3Key(key)).toBe(encoded);
  });

  it('decodes whatever it encodes (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (key) => {
        expect(decodeS3Key(encodeS3Key(key))).toBe(key);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('parseMessage', () => {
  it('reads created, removed and delete-marker records, with sizes of created objects', () => {
    const message = parseMessage(
      sqsRecord(
        'm1',
        s3Records(
          { eventName: 'ObjectCreated:Put', key: 'articles/H%C3%A0+T%C4%A9nh+%2B+tin.md', size: 1200 },
          { eventName: 'ObjectRemoved:Delete', key: 'articles/b.md' },
          { eventName: 'ObjectRemoved:DeleteMarkerCreated', key: 'articles/c.md' },
          { eventName: 'ObjectRestore:Completed', key: 'articles/d.md' },
        ),
      ),
    );
    expect(message).toEqual({
      messageId: 'm1',
      kind: 'changes',
      changes: [
        { key: 'articles/Hà Tĩnh + tin.md', size: 1200 },
        { key: 'articles/b.md' },
        { key: 'articles/c.md' },
      ],
    });
  });

  it('recognises the s3:TestEvent sent when the notification is set up', () => {
    const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'feedgen-articles' });
    expect(parseMessage(sqsMessage('m2', body))).toEqual({ messageId: 'm2', kind: 'test' });
  });

  it('recognises the tick and the rebuild request by their bodies', () => {
    expect(parseMessage(sqsMessage('t', CONTROL_MESSAGES.tick))).toEqual({ messageId: 't', kind: 'tick' });
    expect(parseMessage(sqsMessage('r', CONTROL_MESSAGES.rebuild))).toEqual({
      messageId: 'r',
      kind: 'rebuild',
    });
    // As EventBridge may lay the rule's JSON input out.
    expect(parseMessage(sqsMessage('e', '{ "feedgen" : "tick" }\n'))).toEqual({
      messageId: 'e',
      kind: 'tick',
    });
    // Another JSON body is not a control message.
    expect(parseMessage(sqsMessage('x', JSON.stringify({ feedgen: 'other' })))).toMatchObject({
      kind: 'invalid',
    });
  });

  it('calls a message it cannot read invalid, saying why', () => {
    expect(parseMessage(sqsMessage('m3', 'not json'))).toMatchObject({
      kind: 'invalid',
      reason: 'the message body is not JSON',
    });
    expect(parseMessage(sqsMessage('m4', JSON.stringify({ hello: 1 })))).toMatchObject({
      kind: 'invalid',
      reason: expect.stringMatching(/no S3 event Records/),
    });
    expect(
      parseMessage(sqsRecord('m5', s3Records({ eventName: 'ObjectCreated:Put', key: 'articles/%E0%A4.md' }))),
    ).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/not URL-encoded/) });
    expect(
      parseMessage(
        sqsMessage('m6', JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: {} }] })),
      ),
    ).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/no object key/) });
  });
});

describe('batchOf', () => {
  it('makes one batch of every change of a delivery, with its tick and rebuild', () => {
    const messages = [
      parseMessage(
        sqsRecord('a', s3Records({ eventName: 'ObjectCreated:Put', key: 'articles/a.md', size: 3 })),
      ),
      parseMessage(sqsMessage('t', CONTROL_MESSAGES.tick)),
      parseMessage(sqsRecord('b', s3Records({ eventName: 'ObjectRemoved:Delete', key: 'articles/b.md' }))),
    ];
    expect(batchOf(messages)).toEqual({
      changes: [{ key: 'articles/a.md', size: 3 }, { key: 'articles/b.md' }],
      tick: true,
      rebuild: false,
    });
    expect(batchOf([parseMessage(sqsMessage('r', CONTROL_MESSAGES.rebuild))])).toEqual({
      changes: [],
      tick: false,
      rebuild: true,
    });
  });
});
