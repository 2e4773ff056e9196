// Requirement: hostile articles, each uploaded through the pipeline (S3 API → S3 event →
// queue → publish handler → publisher), are either rejected with a clear error (a report
// under reports/ naming the field, the article left out of every feed, nothing else lost) or
// published safely (every document parses strictly, nothing in it can run as script), as
// README.md's rules say.
//
// The S3 API is s3rver behind the gateway (helpers/s3-gateway.ts) without faults, for S3's
// semantics where s3rver lacks them: atomic writes, If-Match, and the 1,024-byte key limit.
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
import { S3Store } from '../../shared/adapters/s3-store';
import { createPublishHandler } from '../../functions/publish';
import { LocalEventQueue } from '../../local/event-queue';
import { type Logger, Publisher, type Schedule, type ShardState, stateKeys } from '../../shared/publisher';
import { cleanLine } from '../../shared/text';
import { TEST_CONFIG } from '../helpers/articles';
import { readJsonFeed } from '../helpers/feed-readers';
import { type S3Harness, S3RVER_CREDENTIALS, type S3rverEventRecord, startS3 } from '../helpers/s3rver';
import { decodedText } from '../helpers/stored-site';
import { type Gateway, gatewayClient, startGateway } from './helpers/s3-gateway';
import {
  checkDocument,
  fromScratch,
  normalisedState,
  OUTPUT,
  readAll,
  rebuildReference,
  SOURCE,
  siteDifferences,
  stateDifferences,
} from './helpers/site-check';

const NOW = Date.parse('2026-01-01T00:00:00Z');
// Every published article fits in the site feed's window, so "nothing else lost" is exact.
const CONFIG = { ...TEST_CONFIG, itemsPerFeed: 500 };

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
  const publish = createPublishHandler({
    publisher: new Publisher({
      source: new S3Store(client, SOURCE),
      output: new S3Store(client, OUTPUT),
      config: CONFIG,
      now: () => NOW,
      log,
    }),
    log,
  });
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
    batchWindowMs: 10,
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

function md(fields: Record<string, unknown>, body = 'Nội dung.'): string {
  return `---\n${Object.entries(fields)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n')}\n---\n${body}`;
}

const VALID = { date: '2025-06-01T08:00:00+07:00', category: 'Thời sự' };

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

async function remove(key: string): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: SOURCE, Key: key }));
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

/** Every window's items' sources, by feed. */
async function windows(): Promise<Map<string, string[]>> {
  const result = new Map<string, string[]>();
  const listed = await client.send(new ListObjectsV2Command({ Bucket: SOURCE, Prefix: 'state/feeds/' }));
  for (const object of listed.Contents ?? []) {
    const shard = JSON.parse((await text(SOURCE, object.Key ?? '')) ?? '{}') as ShardState;
    result.set(
      shard.feed,
      shard.items.map((item) => item.article.source),
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
  const direct = await text(SOURCE, stateKeys.report(key)).catch(() => undefined);
  if (direct !== undefined) return JSON.parse(direct) as Report;
  const listed = await client.send(new ListObjectsV2Command({ Bucket: SOURCE, Prefix: 'reports/' }));
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

type Expect =
  | { readonly key: string; readonly rejected: string | null; readonly message?: RegExp }
  | { readonly key: string; readonly published: true; readonly title?: string }
  | { readonly key: string; readonly scheduled: true };

interface HostileCase {
  readonly name: string;
  readonly files: ReadonlyArray<readonly [string, string | Buffer]>;
  readonly expect: readonly Expect[];
  /** Upload the files one at a time, each published before the next (else one after another). */
  readonly oneByOne?: boolean;
  /** Upload the files all at once, so their events reach the publisher in one batch, in this order. */
  readonly atOnce?: boolean;
  /** More checks once it is published. */
  readonly afterwards?: () => Promise<void>;
}

const LONG_FOLDERS = Array.from({ length: 4 }, (_, i) => `${String(i).repeat(3)}-${'đường-dài-'.repeat(15)}`);
/** A key of exactly `bytes` bytes (S3's limit is 1,024), in folders s3rver can store. */
function longKey(bytes: number, name: string): string {
  let key = `articles/${LONG_FOLDERS.join('/')}/${name}`;
  while (Buffer.byteLength(`${key}.md`) < bytes) key = key.replace(/\/([^/]*)$/, '/x$1');
  const result = `${key}.md`;
  if (Buffer.byteLength(result) !== bytes) throw new Error(`could not make a ${bytes}-byte key`);
  return result;
}

const JAVASCRIPT_BODY = [
  '<script>alert(1)</script>',
  '<img src="x" onerror="alert(1)">',
  '<a href="javascript:alert(1)">a</a> <a href=" jav&#x09;ascript:alert(1)">b</a> <a href="JaVaScRiPt:alert(1)">c</a>',
  '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a> <a href="vbscript:msgbox(1)">e</a>',
  '<iframe src="https://evil.example/"></iframe><object data="x.swf"></object><embed src="x.swf">',
  '<svg onload="alert(1)"><script>alert(1)</script></svg><math><mi xlink:href="javascript:alert(1)">x</mi></math>',
  '<style>body{background:url("javascript:alert(1)")}</style><p style="background:url(javascript:alert(1))">p</p>',
  '<form action="javascript:alert(1)"><input onfocus="alert(1)" autofocus><button formaction="javascript:alert(1)">x</button></form>',
  '<details open ontoggle="alert(1)"><summary>s</summary></details><video poster="javascript:alert(1)"></video>',
  '<base href="javascript:/"><meta http-equiv="refresh" content="0;url=javascript:alert(1)"><link rel="import" href="x">',
  '[md](javascript:alert(1)) [md2](data:text/html,<script>alert(1)</script>) ![img](javascript:alert(1))',
  '<scr<script>ipt>alert(1)</scr</script>ipt> <<script>script>alert(1)<</script>/script>',
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
  '<!--<img src="--><img src=x onerror=alert(1)//">',
].join('\n\n');

const CASES: HostileCase[] = [
  // --- encodings
  {
    name: 'Latin-1 bytes',
    files: [['articles/latin1.md', Buffer.from(md({ title: 'Café crème à Paris', ...VALID }), 'latin1')]],
    expect: [
      {
        key: 'articles/latin1.md',
        rejected: null,
        message: /not valid UTF-8 \(first bad byte at offset \d+, line 2\)/,
      },
    ],
  },
  {
    name: 'UTF-16 LE with its byte order mark',
    files: [
      [
        'articles/utf16le.md',
        Buffer.concat([
          Buffer.from([0xff, 0xfe]),
          Buffer.from(md({ title: 'Tin Hà Tĩnh', ...VALID }), 'utf16le'),
        ]),
      ],
    ],
    expect: [{ key: 'articles/utf16le.md', rejected: null, message: /not valid UTF-8/ }],
  },
  {
    name: 'UTF-16 BE without a byte order mark',
    files: [['articles/utf16be.md', Buffer.from(md({ title: 'Tin Hà Tĩnh', ...VALID }), 'utf16le').swap16()]],
    expect: [{ key: 'articles/utf16be.md', rejected: null, message: /not valid UTF-8/ }],
  },
  {
    name: 'a UTF-8 byte order mark and CRLF line ends',
    files: [
      [
        'articles/bom-crlf.md',
        Buffer.concat([
          Buffer.from([0xef, 0xbb, 0xbf]),
          Buffer.from(md({ title: 'Có BOM', ...VALID }, 'Dòng 1\r\nDòng 2\r\n').replace(/\n/g, '\r\n')),
        ]),
      ],
    ],
    expect: [{ key: 'articles/bom-crlf.md', published: true, title: 'Có BOM' }],
  },
  {
    name: 'overlong, surrogate and truncated UTF-8 sequences',
    files: [
      [
        'articles/overlong.md',
        Buffer.concat([
          Buffer.from('---\ntitle: A'),
          Buffer.from([0xc0, 0xaf]),
          Buffer.from(`\ndate: 2025-06-01\ncategory: X\n---\n`),
        ]),
      ],
      [
        'articles/surrogate.md',
        Buffer.concat([
          Buffer.from('---\ntitle: A'),
          Buffer.from([0xed, 0xa0, 0x80]),
          Buffer.from(`\ndate: 2025-06-01\ncategory: X\n---\n`),
        ]),
      ],
      [
        'articles/truncated.md',
        Buffer.concat([
          Buffer.from('---\ntitle: A\ndate: 2025-06-01\ncategory: X\n---\nTiế'),
          Buffer.from([0xe1, 0xbb]),
        ]),
      ],
    ],
    expect: [
      { key: 'articles/overlong.md', rejected: null, message: /offset 12, line 2/ },
      { key: 'articles/surrogate.md', rejected: null, message: /offset 12, line 2/ },
      { key: 'articles/truncated.md', rejected: null, message: /not valid UTF-8/ },
    ],
  },
  // --- characters XML cannot carry, and CDATA terminators
  {
    name: 'control characters in every field',
    files: [
      [
        'articles/controls.md',
        `---\ntitle: "Tin\\u0001 nóng\\u001b[31m \\u0085 đỏ\\u007f"\ndate: 2025-06-01\ncategory: "Thời\\u0000 sự"\nsummary: "a\\u000bb\\u000cc\\ufffe\\uffff"\nauthor: "Tác\\u0002 giả"\n---\nThân\u0000 bài\u0001 có\u0008 ký tự\u001f điều khiển \u2028 và \ufdd0.\n`,
      ],
    ],
    expect: [
      {
        key: 'articles/controls.md',
        published: true,
        title: cleanLine('Tin\u0001 nóng\u001b[31m \u0085 đỏ\u007f'),
      },
    ],
  },
  {
    name: 'CDATA terminators and markup characters in text',
    files: [
      [
        'articles/cdata.md',
        md(
          {
            title: 'a ]]> b ]]]]><![CDATA[> c',
            summary: ']]>]]>&amp;<&',
            author: ']]>',
            tags: [']]>tag'],
            ...VALID,
          },
          'Thân ]]> bài <![CDATA[ x ]]> y ]]>\n\n```\n]]>\n```',
        ),
      ],
    ],
    expect: [{ key: 'articles/cdata.md', published: true, title: 'a ]]> b ]]]]><![CDATA[> c' }],
  },
  // --- HTML and script
  {
    name: 'HTML and script in the body',
    files: [['articles/script-body.md', md({ title: 'Bài có script', ...VALID }, JAVASCRIPT_BODY)]],
    expect: [{ key: 'articles/script-body.md', published: true, title: 'Bài có script' }],
    afterwards: async () => {
      const json = readJsonFeed((await text(OUTPUT, 'feeds/feed.json')) ?? '');
      const item = json.items.find((i) => i.title === 'Bài có script');
      // the harmless parts survive: links to http(s), the text
      expect(String(item?.content_html)).toMatch(/<a>a<\/a>|a<\/a>/);
    },
  },
  {
    name: 'script in the title, summary, author, category, tags and caption',
    files: [
      [
        'articles/script-fields.md',
        md({
          title: '<script>alert("title")</script>',
          summary: '<img src=x onerror=alert(1)>',
          author: '<script>alert(1)</script>',
          category: '<script>alert("category")</script>',
          tags: ['<svg onload=alert(1)>'],
          image: 'https://baohatinh.vn/anh/1.jpg',
          imageCaption: '"><script>alert(1)</script>',
          date: VALID.date,
        }),
      ],
    ],
    expect: [{ key: 'articles/script-fields.md', published: true, title: '<script>alert("title")</script>' }],
    afterwards: async () => {
      // the category has a feed, and the feeds page shows its name as text
      expect(await text(OUTPUT, 'feeds/script-alert-category-script/rss.xml')).toBeDefined();
      expect(await text(OUTPUT, 'feeds/index.html')).toContain(
        '&lt;script&gt;alert("category")&lt;/script&gt;',
      );
    },
  },
  // --- YAML tricks
  {
    name: 'a YAML alias bomb',
    files: [
      [
        'articles/alias-bomb.md',
        `---\ntitle: Bom\ndate: 2025-06-01\ncategory: X\na: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n---\n`,
      ],
    ],
    expect: [{ key: 'articles/alias-bomb.md', rejected: null, message: /alias/i }],
  },
  {
    name: 'front matter in JavaScript (---js) and JSON (---json)',
    files: [
      [
        'articles/js.md',
        `---js\n{ title: (function () { require('child_process').execSync('touch /tmp/pwned'); return 'x' })(), date: '2025-06-01', category: 'X' }\n---\n`,
      ],
      ['articles/json-fm.md', '---json\n{"title": "x", "date": "2025-06-01", "category": "X"}\n---\n'],
    ],
    expect: [
      { key: 'articles/js.md', rejected: null, message: /never run as code/ },
      { key: 'articles/json-fm.md', rejected: null, message: /never run as code/ },
    ],
  },
  {
    name: 'YAML tags that would build objects or run code (!!js/function, !!python/object, !!binary)',
    files: [
      [
        'articles/tag-js.md',
        '---\ntitle: !!js/function "function () { process.exit(1) }"\ndate: 2025-06-01\ncategory: X\n---\n',
      ],
      [
        'articles/tag-py.md',
        '---\ntitle: !!python/object/apply:os.system ["id"]\ndate: 2025-06-01\ncategory: X\n---\n',
      ],
      ['articles/tag-bin.md', '---\ntitle: !!binary aGVsbG8=\ndate: 2025-06-01\ncategory: X\n---\n'],
    ],
    expect: [
      { key: 'articles/tag-js.md', rejected: null, message: /malformed: unknown .*tag/ },
      { key: 'articles/tag-py.md', rejected: null, message: /malformed: unknown .*tag/ },
      { key: 'articles/tag-bin.md', rejected: null, message: /malformed: unknown .*tag/ },
    ],
  },
  {
    name: 'merge keys (<<), which are not read: the fields they would bring are missing',
    files: [
      [
        'articles/merge.md',
        '---\nbase: &b\n  title: Gộp\n  category: Thời sự\n<<: *b\ndate: 2025-06-01\n---\n',
      ],
    ],
    expect: [{ key: 'articles/merge.md', rejected: 'title', message: /required/ }],
  },
  {
    name: 'duplicate keys',
    files: [['articles/dup-keys.md', '---\ntitle: Một\ntitle: Hai\ndate: 2025-06-01\ncategory: X\n---\n']],
    expect: [{ key: 'articles/dup-keys.md', rejected: null, message: /duplicated mapping key/ }],
  },
  {
    name: '__proto__ and constructor keys (prototype pollution)',
    files: [
      [
        'articles/proto-yaml.md',
        `---\ntitle: Proto\ndate: 2025-06-01\ncategory: X\n__proto__:\n  polluted: "yes"\n  title: bị ghi đè\n---\n`,
      ],
      [
        'articles/proto-json.json',
        '{"title":"Proto JSON","date":"2025-06-01","category":"X","__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}',
      ],
    ],
    expect: [
      { key: 'articles/proto-yaml.md', published: true, title: 'Proto' },
      { key: 'articles/proto-json.json', published: true, title: 'Proto JSON' },
    ],
    afterwards: async () => {
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.keys(Object.prototype)).toEqual([]);
    },
  },
  {
    name: 'deep nesting in YAML and in JSON',
    files: [
      [
        'articles/deep.md',
        `---\ntitle: Sâu\ndate: 2025-06-01\ncategory: X\ntags: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n---\n`,
      ],
      [
        'articles/deep.json',
        `{"title":"Sâu","date":"2025-06-01","category":"X","tags":${'['.repeat(200_000)}${']'.repeat(200_000)}}`,
      ],
    ],
    expect: [
      { key: 'articles/deep.md', rejected: null, message: /malformed/ },
      { key: 'articles/deep.json', rejected: 'tags', message: /must be text/ },
    ],
  },
  {
    name: 'a file over maxArticleBytes, refused from the event without being read',
    files: [['articles/huge.md', `${md({ title: 'Lớn', ...VALID })}${'x'.repeat(1024 * 1024)}`]],
    expect: [{ key: 'articles/huge.md', rejected: null, message: /over the 1048576-byte limit/ }],
    afterwards: async () => {
      expect(reads.filter((key) => key === 'articles/huge.md')).toEqual([]);
    },
  },
  {
    name: 'front matter over 64 KiB',
    files: [['articles/big-front.md', md({ title: 'To', summary: 'y'.repeat(70_000), ...VALID })]],
    expect: [{ key: 'articles/big-front.md', rejected: null, message: /front matter is over 64 KiB/ }],
  },
  {
    name: 'an empty file, one of white space, and a Markdown file without front matter',
    files: [
      ['articles/empty.md', ''],
      ['articles/blank.md', ' \n\t\r\n  '],
      ['articles/no-front.md', '# Chỉ có nội dung\n'],
    ],
    expect: [
      { key: 'articles/empty.md', rejected: null, message: /empty/ },
      { key: 'articles/blank.md', rejected: null, message: /only white space/ },
      { key: 'articles/no-front.md', rejected: null, message: /no front matter/ },
    ],
  },
  {
    name: 'JSON articles with a body that is not text, and a number for a title',
    files: [
      [
        'articles/body-object.json',
        '{"title":"T","date":"2025-06-01","category":"X","body":{"html":"<script>"}}',
      ],
      ['articles/title-number.json', '{"title":1984,"date":"2025-06-01","category":"X"}'],
    ],
    expect: [
      { key: 'articles/body-object.json', rejected: null, message: /body: must be a string/ },
      { key: 'articles/title-number.json', rejected: 'title', message: /must be text/ },
    ],
  },
  // --- dates and links
  {
    name: 'dates that are not dates',
    files: [
      ['articles/date-31-02.md', md({ ...VALID, title: 'T', date: '31/02/2025 8:00' })],
      ['articles/date-nan.md', md({ ...VALID, title: 'T', date: 'NaN' })],
      ['articles/date-13-45.md', md({ ...VALID, title: 'T', date: '2025-13-45' })],
      ['articles/date-zero.md', md({ ...VALID, title: 'T', date: '0000-00-00' })],
      ['articles/date-offset.md', md({ ...VALID, title: 'T', date: '2025-06-01T08:00:00+99:99' })],
      ['articles/date-far.md', md({ ...VALID, title: 'T', date: '+275760-09-13T00:00:00Z' })],
    ],
    expect: [
      { key: 'articles/date-31-02.md', rejected: 'date', message: /not a real date/ },
      { key: 'articles/date-nan.md', rejected: 'date' },
      { key: 'articles/date-13-45.md', rejected: 'date' },
      { key: 'articles/date-zero.md', rejected: 'date' },
      { key: 'articles/date-offset.md', rejected: 'date' },
      { key: 'articles/date-far.md', rejected: 'date' },
    ],
  },
  {
    name: 'a date in 9999, held back rather than published',
    files: [['articles/tuong-lai.md', md({ ...VALID, title: 'Tương lai', date: '9999-12-31' })]],
    expect: [{ key: 'articles/tuong-lai.md', scheduled: true }],
  },
  {
    name: 'updated in the future, or before date',
    files: [
      ['articles/updated-future.md', md({ ...VALID, title: 'T', updated: '2099-01-01' })],
      ['articles/updated-before.md', md({ ...VALID, title: 'T', updated: '2000-01-01' })],
    ],
    expect: [
      { key: 'articles/updated-future.md', rejected: 'updated', message: /future/ },
      { key: 'articles/updated-before.md', rejected: 'updated', message: /earlier than date/ },
    ],
  },
  {
    name: 'javascript: and data: URLs as link, image and author url; an author e-mail in Unicode',
    files: [
      ['articles/link-js.md', md({ ...VALID, title: 'T', link: 'javascript:alert(1)' })],
      ['articles/image-data.md', md({ ...VALID, title: 'T', image: 'data:image/png;base64,iVBORw0KGgo=' })],
      [
        'articles/author-url.md',
        md({ ...VALID, title: 'T', author: { name: 'A', url: 'javascript:alert(1)' } }),
      ],
      [
        'articles/author-email.md',
        md({ ...VALID, title: 'T', author: { name: 'A', email: 'tác.giả@báo.vn' } }),
      ],
      ['articles/link-vbscript.md', md({ ...VALID, title: 'T', link: ' vbscript:msgbox(1)' })],
    ],
    expect: [
      { key: 'articles/link-js.md', rejected: 'link', message: /not an absolute http or https URL/ },
      { key: 'articles/image-data.md', rejected: 'image' },
      { key: 'articles/author-url.md', rejected: 'author.url' },
      { key: 'articles/author-email.md', rejected: 'author.email', message: /ASCII/ },
      { key: 'articles/link-vbscript.md', rejected: 'link' },
    ],
  },
  {
    name: 'an id that is a javascript: URI (any absolute URI is an id; it is never written as a link)',
    files: [['articles/id-js.md', md({ ...VALID, title: 'Id lạ', id: 'javascript:alert(1)' })]],
    expect: [{ key: 'articles/id-js.md', published: true, title: 'Id lạ' }],
    afterwards: async () => {
      const rss = (await text(OUTPUT, 'feeds/rss.xml')) ?? '';
      expect(rss).toContain('<guid isPermaLink="false">javascript:alert(1)</guid>');
    },
  },
  // --- keys with odd characters
  {
    name: 'keys with spaces, +, %, Vietnamese, emoji, URL syntax and an upper-case extension',
    files: [
      ['articles/bài viết có dấu cách.md', md({ ...VALID, title: 'Dấu cách' })],
      ['articles/a+b=c & d.md', md({ ...VALID, title: 'Dấu cộng' })],
      ['articles/100% đúng #1?.md', md({ ...VALID, title: 'Phần trăm' })],
      ['articles/Hà Tĩnh/Đảng viên mới.md', md({ ...VALID, title: 'Thư mục tiếng Việt' })],
      ['articles/tin 🎉 vui 👍🏽.md', md({ ...VALID, title: 'Emoji' })],
      ["articles/it's (new) [1] {2} *3* ~4~ `5`.md", md({ ...VALID, title: 'Cú pháp URL' })],
      ['articles/HOA.MD', md({ ...VALID, title: 'Đuôi hoa' })],
    ],
    expect: [
      { key: 'articles/bài viết có dấu cách.md', published: true, title: 'Dấu cách' },
      { key: 'articles/a+b=c & d.md', published: true, title: 'Dấu cộng' },
      { key: 'articles/100% đúng #1?.md', published: true, title: 'Phần trăm' },
      { key: 'articles/Hà Tĩnh/Đảng viên mới.md', published: true, title: 'Thư mục tiếng Việt' },
      { key: 'articles/tin 🎉 vui 👍🏽.md', published: true, title: 'Emoji' },
      { key: "articles/it's (new) [1] {2} *3* ~4~ `5`.md", published: true, title: 'Cú pháp URL' },
      { key: 'articles/HOA.MD', published: true, title: 'Đuôi hoa' },
    ],
  },
  {
    name: 'a key of 1,024 bytes, S3’s longest, for a valid article',
    files: [[longKey(1024, 'hop-le'), md({ ...VALID, title: 'Khóa dài hợp lệ' })]],
    expect: [{ key: longKey(1024, 'hop-le'), published: true, title: 'Khóa dài hợp lệ' }],
  },
  {
    name: 'a key of 1,024 bytes for a rejected article (its report must still be written somewhere)',
    files: [[longKey(1024, 'bi-loai'), md({ ...VALID, title: 'Khóa dài', date: '31/02/2025' })]],
    expect: [{ key: longKey(1024, 'bi-loai'), rejected: 'date' }],
  },
  // --- duplicate ids
  {
    name: 'two articles with one id: the first by path is published, the other rejected',
    oneByOne: true,
    files: [
      ['articles/trung-b.md', md({ ...VALID, title: 'Trùng B', id: 'tag:baohatinh.vn,2025:trung' })],
      ['articles/trung-a.md', md({ ...VALID, title: 'Trùng A', id: 'tag:baohatinh.vn,2025:trung' })],
    ],
    expect: [
      { key: 'articles/trung-a.md', published: true, title: 'Trùng A' },
      { key: 'articles/trung-b.md', rejected: 'id', message: /already the id of articles\/trung-a\.md/ },
    ],
  },
  {
    name: 'two articles with one id uploaded at once (one batch): the first by path is published',
    atOnce: true,
    files: [
      ['articles/trung-d.md', md({ ...VALID, title: 'Trùng D', id: 'tag:baohatinh.vn,2025:trung-cd' })],
      ['articles/trung-c.md', md({ ...VALID, title: 'Trùng C', id: 'tag:baohatinh.vn,2025:trung-cd' })],
    ],
    expect: [
      { key: 'articles/trung-c.md', published: true, title: 'Trùng C' },
      { key: 'articles/trung-d.md', rejected: 'id', message: /already the id of articles\/trung-c\.md/ },
    ],
  },
  {
    name: 'file names that give the same slug, so the same link and id (NFC and NFD, case)',
    oneByOne: true,
    files: [
      ['articles/Bài Một.md', md({ ...VALID, title: 'Bài Một (NFC)' })],
      ['articles/Bài Một.md'.normalize('NFD'), md({ ...VALID, title: 'Bài Một (NFD)' })],
      ['articles/bai-mot.md', md({ ...VALID, title: 'bai-mot' })],
    ],
    expect: [
      { key: 'articles/Bài Một.md'.normalize('NFD'), published: true, title: 'Bài Một (NFD)' },
      { key: 'articles/Bài Một.md', rejected: 'id' },
      { key: 'articles/bai-mot.md', rejected: 'id' },
    ],
  },
  // --- categories
  {
    name: 'a category renamed by case and accents is one feed, named as its newest article names it',
    files: [
      ['articles/ten-1.md', md({ title: 'Cũ nhất', date: '2025-01-01', category: 'Thoi su moi' })],
      ['articles/ten-2.md', md({ title: 'Mới nhất', date: '2025-03-01', category: 'THỜI SỰ MỚI' })],
      [
        'articles/ten-3.md',
        md({ title: 'Giữa', date: '2025-02-01', category: 'Thời sự mới'.normalize('NFD') }),
      ],
    ],
    expect: [
      { key: 'articles/ten-1.md', published: true },
      { key: 'articles/ten-2.md', published: true },
      { key: 'articles/ten-3.md', published: true },
    ],
    afterwards: async () => {
      const registry = JSON.parse((await text(SOURCE, 'state/categories.json')) ?? '{}');
      expect(registry.categories['thoi-su-moi'].name).toBe('THỜI SỰ MỚI');
      expect(await text(OUTPUT, 'feeds/thoi-su-moi/rss.xml')).toContain(
        '<title>Báo Hà Tĩnh – THỜI SỰ MỚI</title>',
      );
      expect(await text(OUTPUT, 'feeds/index.opml')).toContain('text="Báo Hà Tĩnh – THỜI SỰ MỚI"');
      // the newest goes: the name goes back to the next newest's, NFC
      await remove('articles/ten-2.md');
      published.delete('articles/ten-2.md');
      await settle();
      const after = JSON.parse((await text(SOURCE, 'state/categories.json')) ?? '{}');
      expect(after.categories['thoi-su-moi'].name).toBe('Thời sự mới');
      expect(await text(OUTPUT, 'feeds/index.html')).toContain('>Thời sự mới</th>');
    },
  },
  {
    name: 'categories named like the site feed or a path, or without letters',
    files: [
      ['articles/cat-site.md', md({ ...VALID, title: 'Chuyên mục _site', category: '_site' })],
      ['articles/cat-dotdot.md', md({ ...VALID, title: 'T', category: '../..' })],
      ['articles/cat-emoji.md', md({ ...VALID, title: 'T', category: '🎉🎉' })],
    ],
    expect: [
      { key: 'articles/cat-site.md', published: true, title: 'Chuyên mục _site' },
      { key: 'articles/cat-dotdot.md', rejected: 'category', message: /no letters or digits/ },
      { key: 'articles/cat-emoji.md', rejected: 'category', message: /no letters or digits/ },
    ],
    afterwards: async () => {
      // its own feed, not the site's
      expect(await text(OUTPUT, 'feeds/site/rss.xml')).toContain('Chuyên mục _site');
      const site = readJsonFeed((await text(OUTPUT, 'feeds/feed.json')) ?? '');
      expect(site.title).toBe('Báo Hà Tĩnh');
    },
  },
  {
    name: 'fields of the wrong type (draft: "yes", title a list, tags a mapping)',
    files: [
      ['articles/draft-yes.md', `---\ntitle: T\ndate: 2025-06-01\ncategory: X\ndraft: yes\n---\n`],
      ['articles/title-list.md', `---\ntitle: [a, b]\ndate: 2025-06-01\ncategory: X\n---\n`],
      ['articles/tags-map.md', `---\ntitle: T\ndate: 2025-06-01\ncategory: X\ntags: {a: 1}\n---\n`],
    ],
    expect: [
      { key: 'articles/draft-yes.md', rejected: 'draft' },
      { key: 'articles/title-list.md', rejected: 'title' },
      { key: 'articles/tags-map.md', rejected: 'tags' },
    ],
  },
  {
    name: 'a rejected article fixed: its report goes and it is published',
    files: [['articles/latin1.md', md({ title: 'Café crème, sửa rồi', ...VALID })]],
    expect: [{ key: 'articles/latin1.md', published: true, title: 'Café crème, sửa rồi' }],
  },
];

describe('hostile articles through the pipeline', () => {
  beforeAll(async () => {
    // GIVEN a site with a few ordinary articles
    for (let i = 1; i <= 6; i++) {
      const key = `articles/thuong-${i}.md`;
      await put(
        key,
        md({
          title: `Bài thường ${i}`,
          date: `2025-05-0${i}`,
          category: ['Thời sự', 'Kinh tế', 'Văn hóa'][i % 3],
        }),
      );
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

      const feeds = await windows();
      const listedAnywhere = (key: string) => [...feeds.values()].some((sources) => sources.includes(key));
      const site = feeds.get('_site') ?? [];
      const problems: string[] = [];
      for (const expectation of hostile.expect) {
        const { key } = expectation;
        const report = await reportFor(key);
        if ('rejected' in expectation) {
          // THEN a rejected file has a report naming the field, and is in no feed
          published.delete(key);
          if (!report) problems.push(`${key}: no report`);
          else {
            const problem = report.problems.find((p) => p.field === expectation.rejected);
            if (!problem)
              problems.push(
                `${key}: the report names ${JSON.stringify(report.problems.map((p) => p.field))}, not ${expectation.rejected}`,
              );
            else if (expectation.message && !expectation.message.test(problem.message))
              problems.push(`${key}: the report says "${problem.message}", expected ${expectation.message}`);
          }
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
          const schedule = JSON.parse(
            (await text(SOURCE, 'state/schedule.json')) ?? '{"due":{}}',
          ) as Schedule;
          if (schedule.due[key] === undefined) problems.push(`${key}: not in the schedule`);
          if (listedAnywhere(key)) problems.push(`${key}: held back but listed in a feed`);
          if (report) problems.push(`${key}: held back but has a report`);
        }
      }
      // AND nothing else was lost: every article published so far still is
      for (const key of published)
        if (!site.includes(key)) problems.push(`${key}: no longer in the site feed`);
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
      await hostile.afterwards?.();
    },
    30_000,
  );

  it('leaves the feeds and the state exactly as `feedgen build` and `feedgen rebuild` make them of the same files', async () => {
    const articles = await readAll(new S3Store(s3.client, SOURCE), 'articles/');
    const stored = await readAll(new S3Store(s3.client, OUTPUT), 'feeds/');
    const reference = await rebuildReference(s3.client, CONFIG, NOW);
    const state = new Map([
      ...(await readAll(new S3Store(s3.client, SOURCE), 'state/')),
      ...(await readAll(new S3Store(s3.client, SOURCE), 'reports/')),
    ]);
    expect([
      ...siteDifferences(fromScratch(articles, CONFIG, NOW), stored),
      ...stateDifferences(
        normalisedState(state),
        normalisedState(new Map([...reference.state.objects].map(([key, entry]) => [key, entry.body]))),
      ),
    ]).toEqual([]);
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
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 60_000);
});
