// Requirement: fuzzing of the article parser and of every renderer (RSS, Atom, JSON Feed,
// OPML, the feeds page) with fast-check; and of the incremental publisher against a full
// build. A fixed seed by default (CI); FUZZ_SEED and FUZZ_RUNS explore further, e.g.
//   FUZZ_RUNS=5000 FUZZ_SEED=$RANDOM FEEDGEN_FAULT_TESTS=1 npx jest test/faults/fuzz.test.ts
// A failure prints the seed and the shrunk counterexample; FUZZ_SEED replays it.
import fc from 'fast-check';
import { load as loadYaml } from 'js-yaml';
import { MemoryStore } from '../../shared/adapters/memory-store';
import { type Article, KNOWN_FIELDS, parseArticle } from '../../shared/core/article/article';
import { parseSimpleFrontMatter } from '../../shared/core/article/front-matter-yaml';
import { resolveConfig, type SiteConfig } from '../../shared/core/config';
import { renderArticleHtml } from '../../shared/core/content';
import { buildSite } from '../../shared/core/site';
import { cleanLine, stripXmlIllegal } from '../../shared/core/text';
import { Committer } from '../../shared/publishing/committer';
import type { ObjectStore } from '../../shared/publishing/ports';
import { TEST_CONFIG } from '../helpers/articles';
import { readJsonFeed } from '../helpers/feed-readers';
import { attribute, findAll, parseHtml, textOf } from '../helpers/html';
import { interceptStore } from '../helpers/intercept-store';
import { siteAndStateDifferences } from '../helpers/site-compare';
import { child, children, NS, parseXml } from '../helpers/xml';
import { checkDocument, dangersInHtml } from './helpers/site-check';

const SEED = Number(process.env.FUZZ_SEED ?? 20260630);
const RUNS = process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : undefined;
if (!Number.isInteger(SEED) || (RUNS !== undefined && !(RUNS > 0))) {
  throw new Error('FUZZ_SEED must be an integer and FUZZ_RUNS a positive number');
}
/** fast-check settings: the fixed seed, and `runs` unless FUZZ_RUNS says otherwise. */
function settings(runs: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: RUNS ?? runs };
}
/** A Jest timeout that grows with FUZZ_RUNS. */
function timeout(runs: number, perRunMs: number): number {
  return 30_000 + (RUNS ?? runs) * perRunMs;
}

const NOW = Date.parse('2026-01-01T00:00:00Z');

// ---------------------------------------------------------------------------------------
// Generators

/** Pieces that break parsers and XML writers, mixed with arbitrary code points. */
const hostileAtom = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ']]>',
      '<![CDATA[',
      '<',
      '>',
      '&',
      '&amp;',
      '&#0;',
      '&#x1F;',
      '"',
      "'",
      '\\',
      '\u0000',
      '\u0001',
      '\u000b',
      '\u001b',
      '\u007f',
      '\u0085',
      '\u00a0',
      '\u2028',
      '\u2029',
      '\ufeff',
      '\ufffe',
      '\uffff',
      '\ud800',
      '\udfff',
      '\r\n',
      '\r',
      '\t',
      'e\u0302\u0323',
      'Đảng',
      'Thời Sự',
      '😀',
      '👍🏽',
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      'javascript:alert(1)',
      '\u0001\u0030\u0001',
      'urn:x-feedgen-slot:0',
      '---',
      '...',
      ': ',
      ' #',
      '- ',
      '[',
      ']',
      '{',
      '}',
      '*a',
      '&a',
      '!!js/function',
      '%',
      '@',
      '`',
      '|',
      '>-',
      '~',
      'null',
      'true',
      '1e3',
      '0x1F',
    ),
  },
);
const hostileText = fc.array(hostileAtom, { maxLength: 8 }).map((parts) => parts.join(''));

// The format's fields, and keys that test the parser's own objects.
const FIELD_NAMES = [...KNOWN_FIELDS, '__proto__', 'constructor', 'x'];

/** Front matter lines: known and unknown keys, values plain, quoted, flow and block lists, tags, anchors. */
const yamlValue = fc.oneof(
  hostileText,
  hostileText.map((text) => JSON.stringify(text)),
  hostileText.map((text) => `'${text.replaceAll("'", "''")}'`),
  fc.array(hostileText, { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
  fc
    .array(hostileText, { minLength: 1, maxLength: 3 })
    .map((items) => `\n${items.map((i) => `  - ${i}`).join('\n')}`),
  fc.constantFrom(
    '2025-06-30',
    '30/6/2025 8:00',
    '2025-06-30T08:00:00+07:00',
    'true',
    '1984',
    '~',
    '&a x',
    '*a',
    '|\n  block',
    '{a: 1}',
  ),
);
const frontMatter = fc
  .array(fc.tuple(fc.constantFrom(...FIELD_NAMES), yamlValue, fc.constantFrom('', ' # c', '  ')), {
    maxLength: 8,
  })
  .map((lines) =>
    lines
      .map(([key, value, tail]) => (value.startsWith('\n') ? `${key}:${value}` : `${key}: ${value}${tail}`))
      .join('\n'),
  );
const markdownDocument = fc
  .tuple(
    fc.constantFrom('---', '---yaml', '---js', '--- ', ''),
    frontMatter,
    fc.constantFrom('---', '...', ''),
    hostileText,
  )
  .map(([open, yaml, close, body]) => `${open}\n${yaml}\n${close}\n${body}`);

/** Article files as bytes: arbitrary bytes, structured Markdown, and JSON of arbitrary values. */
const articleBytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ name: 'articles/a.md', bytes })),
  markdownDocument.map((text) => ({ name: 'articles/a.md', bytes: Buffer.from(text, 'utf8') })),
  fc
    .tuple(markdownDocument, fc.integer({ min: 0, max: 40 }), fc.uint8Array({ minLength: 1, maxLength: 4 }))
    .map(([text, at, junk]) => {
      const bytes = Buffer.from(text, 'utf8');
      const cut = Math.min(at, bytes.length);
      return {
        name: 'articles/a.md',
        bytes: Buffer.concat([bytes.subarray(0, cut), junk, bytes.subarray(cut)]),
      };
    }),
  fc
    .dictionary(
      fc.constantFrom(...FIELD_NAMES, 'body'),
      fc.oneof(hostileText, fc.jsonValue({ maxDepth: 3 })),
      { maxKeys: 8 },
    )
    .map((value) => ({ name: 'articles/a.json', bytes: Buffer.from(JSON.stringify(value), 'utf8') })),
  fc
    .jsonValue({ maxDepth: 4 })
    .map((value) => ({ name: 'articles/a.json', bytes: Buffer.from(JSON.stringify(value) ?? 'null') })),
);

function isClean(text: string): boolean {
  return text === text.normalize('NFC') && stripXmlIllegal(text) === text;
}

describe('the article parser, fuzzed', () => {
  it(
    'never throws: any bytes give an article whose text is clean, or problems that say what is wrong',
    () => {
      fc.assert(
        fc.property(articleBytes, ({ name, bytes }) => {
          const result = parseArticle(name, bytes, TEST_CONFIG);
          if (!result.ok) {
            expect(result.problems.length).toBeGreaterThan(0);
            for (const problem of result.problems) {
              expect(problem.source).toBe(name);
              expect(problem.message.trim()).not.toBe('');
            }
            return;
          }
          const { article } = result;
          for (const text of [
            article.title,
            article.summary ?? '',
            ...article.tags,
            ...article.authors.map((a) => a.name),
            ...article.categories.map((c) => c.name),
          ]) {
            expect({ text, clean: isClean(text) && cleanLine(text) === text }).toEqual({ text, clean: true });
          }
          expect(isClean(article.body)).toBe(true);
          expect(article.title).not.toBe('');
          expect(article.categories.length).toBeGreaterThan(0);
          for (const category of article.categories) expect(category.slug).toMatch(/^[^\s/_]+$/u);
          expect(article.link).toMatch(/^https?:\/\//);
          if (article.image) expect(article.image.url).toMatch(/^https?:\/\//);
          expect(Number.isFinite(article.published)).toBe(true);
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        settings(3000),
      );
    },
    timeout(3000, 5),
  );

  it(
    'the YAML fast path agrees with js-yaml whenever it answers (differential)',
    () => {
      fc.assert(
        fc.property(frontMatter, (text) => {
          // Front matter reaches the parser cleaned of XML-illegal characters, as here.
          const cleaned = stripXmlIllegal(text);
          const fast = parseSimpleFrontMatter(cleaned);
          if (fast === undefined) return;
          let reference: unknown;
          try {
            reference = { value: loadYaml(cleaned, { maxAliases: 20 }) };
          } catch (error) {
            reference = { error: (error as Error).name };
          }
          expect({ text: cleaned, value: fast }).toEqual({ text: cleaned, ...(reference as object) });
        }),
        settings(3000),
      );
    },
    timeout(3000, 5),
  );
});

// ---------------------------------------------------------------------------------------
// Renderers

interface Fields {
  title: string;
  summary: string;
  author: string;
  category: string;
  tag: string;
  caption: string;
  body: string;
  id: string | undefined;
  date: string;
}

const fieldsArbitrary: fc.Arbitrary<Fields> = fc.record({
  title: hostileText,
  summary: hostileText,
  author: hostileText,
  category: hostileText,
  tag: hostileText,
  caption: hostileText,
  body: fc
    .array(
      fc.oneof(
        hostileText,
        fc.constantFrom(
          '\n\n',
          '**b**',
          '[l](https://a.vn/x)',
          '<figure><img src="/a.jpg"></figure>',
          '`code`',
          '> q',
          '- li',
        ),
      ),
      { maxLength: 6 },
    )
    .map((p) => p.join('')),
  id: fc.option(fc.constantFrom('tag:baohatinh.vn,2025:x', 'urn:uuid:1', 'https://a.vn/ID'), {
    nil: undefined,
  }),
  date: fc.constantFrom('2025-06-30T08:00:00+07:00', '2025-01-01', '30/6/2025 8:00', '2024-02-29'),
});

/** A valid article from arbitrary text (prefixed, so required fields are never empty). */
function articleOf(fields: Fields, index: number): Article | undefined {
  const json = {
    title: `T${fields.title}`,
    date: fields.date,
    categories: [`C${fields.category}`, `K${index % 2}`],
    summary: `S${fields.summary}`,
    author: `A${fields.author}`,
    tags: [`G${fields.tag}`],
    image: 'https://baohatinh.vn/anh/1.jpg',
    imageCaption: `P${fields.caption}`,
    slug: `bai-${index}`,
    ...(fields.id ? { id: `${fields.id}${index}` } : {}),
    body: fields.body,
  };
  const parsed = parseArticle(`articles/bai-${index}.json`, Buffer.from(JSON.stringify(json)), TEST_CONFIG);
  return parsed.ok ? parsed.article : undefined;
}

/** The site's files, each strict-parsed and checked for script; `which` picks feeds or the index files. */
function checkSite(articles: readonly Article[], config: SiteConfig, which: 'feeds' | 'index' | 'all'): void {
  const built = buildSite(articles, config, NOW);
  const isIndex = (path: string) => path.endsWith('.opml') || path.endsWith('.html');
  const picked = built.files.filter((file) => which === 'all' || (which === 'index') === isIndex(file.path));
  for (const file of picked) checkDocument(file.path, file.body);
  const files = new Map(built.files.map((file) => [file.path, file.body]));
  if (which !== 'index') {
    // titles read back the same in every format
    const live = built.plans[0]?.articles ?? [];
    const rss = child(parseXml(files.get('feeds/rss.xml') ?? ''), 'channel');
    expect(child(rss, 'title').text).toBe(cleanLine(config.title));
    expect(children(rss, 'item').map((item) => child(item, 'title').text)).toEqual(live.map((a) => a.title));
    const atom = parseXml(files.get('feeds/atom.xml') ?? '');
    expect(children(atom, 'entry', NS.atom).map((e) => child(e, 'title', NS.atom).text)).toEqual(
      live.map((a) => a.title),
    );
    expect(readJsonFeed(files.get('feeds/feed.json') ?? '').items.map((i) => i.title)).toEqual(
      live.map((a) => a.title),
    );
  }
  if (which !== 'feeds') {
    // category names read back the same in the OPML list and on the page
    const categories = built.plans.flatMap((plan) => (plan.category ? [plan.category] : []));
    const opml = parseXml(files.get('feeds/index.opml') ?? '');
    const outlines = children(child(opml, 'body'), 'outline').flatMap((folder) =>
      children(folder, 'outline'),
    );
    for (const category of categories)
      expect(outlines.map((o) => o.attributes.text)).toContain(`${config.title} – ${category.name}`);
    const page = parseHtml(files.get('feeds/index.html') ?? '');
    const rows = findAll(page, (e) => e.tagName === 'tr' && attribute(e, 'data-category') !== undefined);
    expect(rows.map((row) => textOf(findAll(row, (e) => e.tagName === 'th')[0] as never))).toEqual(
      [...categories].sort((a, b) => (a.slug < b.slug ? -1 : 1)).map((c) => c.name),
    );
    expect(textOf(findAll(page, (e) => e.tagName === 'h1')[0] as never)).toBe(`${config.title}: RSS`);
  }
}

describe('every renderer, fuzzed', () => {
  const config = { ...TEST_CONFIG, itemsPerFeed: 3 };
  const articles = fc
    .array(fieldsArbitrary, { minLength: 1, maxLength: 4 })
    .map((all) => all.map((fields, i) => articleOf(fields, i)).filter((a): a is Article => !!a))
    .filter((all) => all.length > 0);

  it(
    'RSS, Atom and JSON Feed parse strictly, carry no script, and read back any article text',
    () => {
      fc.assert(
        fc.property(articles, (all) => checkSite(all, config, 'feeds')),
        settings(300),
      );
    },
    timeout(300, 60),
  );

  it(
    'the OPML list and the feeds page parse strictly, carry no script, and read back any category name',
    () => {
      fc.assert(
        fc.property(articles, (all) => checkSite(all, config, 'index')),
        settings(300),
      );
    },
    timeout(300, 60),
  );

  it(
    'every file does so for any site title and description feedgen.config.json accepts',
    () => {
      fc.assert(
        fc.property(hostileText, hostileText, fieldsArbitrary, (title, description, fields) => {
          let site: SiteConfig;
          try {
            site = resolveConfig(
              { ...TEST_CONFIG, title: `B${title}`, description: `D${description}` },
              'fuzz',
            );
          } catch {
            return; // refused with a message naming the setting: fine
          }
          const article = articleOf(fields, 0);
          fc.pre(article !== undefined);
          checkSite([article as Article], site, 'all');
        }),
        settings(300),
      );
    },
    timeout(300, 60),
  );

  it(
    'the Markdown renderer lets nothing through that runs: no script, handlers or script URLs',
    () => {
      const tag = fc.constantFrom(
        'script',
        'img',
        'a',
        'iframe',
        'svg',
        'math',
        'style',
        'form',
        'input',
        'object',
        'embed',
        'details',
        'video',
        'base',
        'meta',
        'link',
        'p',
        'figure',
        'table',
        'td',
        'blockquote',
        'q',
        'noscript',
        'template',
        'textarea',
        'title',
        'xmp',
        'plaintext',
      );
      const attributeName = fc.constantFrom(
        'href',
        'src',
        'onerror',
        'onload',
        'style',
        'formaction',
        'action',
        'xlink:href',
        'cite',
        'poster',
        'background',
        'srcdoc',
        'data',
        'ONCLICK',
        'title',
      );
      const attributeValue = fc.constantFrom(
        'javascript:alert(1)',
        ' jav\tascript:alert(1)',
        'JaVaScRiPt:alert(1)',
        'java&#x09;script:alert(1)',
        '&#106;avascript:alert(1)',
        'data:text/html,<script>alert(1)</script>',
        'vbscript:x',
        'https://a.vn/x',
        '/relative',
        'alert(1)',
        '"><script>alert(1)</script>',
        "'",
      );
      const element = fc
        .tuple(
          tag,
          fc.array(fc.tuple(attributeName, attributeValue, fc.constantFrom('"', "'", '')), { maxLength: 3 }),
          hostileText,
          fc.boolean(),
        )
        .map(([name, attributes, inner, close]) => {
          const attrs = attributes.map(([n, v, q]) => ` ${n}=${q}${v}${q}`).join('');
          return `<${name}${attrs}>${inner}${close ? `</${name}>` : ''}`;
        });
      const markdownLink = fc
        .tuple(fc.constantFrom('[', '!['), hostileText, attributeValue)
        .map(([open, text, url]) => `${open}${text}](${url})`);
      const body = fc
        .array(
          fc.oneof(
            element,
            markdownLink,
            hostileText,
            fc.constantFrom('\n\n', '<!--', '-->', '<![CDATA[', ']]>', '```\n', '<'),
          ),
          { minLength: 1, maxLength: 8 },
        )
        .map((parts) => parts.join(''));
      fc.assert(
        fc.property(body, (markdown) => {
          const html = renderArticleHtml(stripXmlIllegal(markdown), 'https://baohatinh.vn/thoi-su/bai.html');
          expect({ markdown, dangers: dangersInHtml(html) }).toEqual({ markdown, dangers: [] });
        }),
        settings(2000),
      );
    },
    timeout(2000, 10),
  );
});

// ---------------------------------------------------------------------------------------
// The committer against a full build

type Step =
  | { kind: 'put'; key: number; day: number; category: number; draft: boolean; sharedId: boolean }
  | { kind: 'delete'; key: number };

/**
 * Publication times over three months, oldest first, and two in the future (held back
 * until the clock passes them): two articles on one time are ordered by id, as in a build.
 */
const TIMES = [
  '2025-04-28',
  '2025-05-03',
  '2025-05-03',
  '2025-05-30T23:30:00+07:00',
  '2025-06-01',
  '2025-06-01T06:00:00+07:00',
  '2025-06-15',
  '2025-07-01',
  '2025-07-02',
  '2026-01-01T00:30:00Z',
  '2026-02-01',
] as const;
/** The clock moves forward by this much after each batch: the first future time comes due. */
const STEP_MS = 10 * 60_000;

function articleText(s: Extract<Step, { kind: 'put' }>): string {
  return `---\ntitle: K${s.key} d${s.day}\ndate: ${TIMES[s.day - 1]}\ncategory: ${['Thời sự', 'Kinh tế'][s.category]}\n${s.draft ? 'draft: true\n' : ''}${s.sharedId ? 'id: tag:baohatinh.vn,2025:chung\n' : ''}---\nx\n`;
}

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('put' as const),
      key: fc.integer({ min: 0, max: 7 }),
      day: fc.integer({ min: 1, max: TIMES.length }),
      category: fc.integer({ min: 0, max: 1 }),
      draft: fc.constantFrom(false, false, false, true),
      sharedId: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 7 }) }),
  },
);

const silent = { info: () => {}, warn: () => {}, error: () => {} };

async function write(store: ObjectStore, s: Step): Promise<void> {
  const key = `articles/k${s.key}.md`;
  if (s.kind === 'delete') await store.delete(key);
  else await store.put(key, articleText(s), { contentType: 'text/markdown' });
}

describe('the committer, fuzzed against a full build', () => {
  it(
    "any sequence of uploads, overwrites, re-dates, moves, drafts, shared ids and deletes, coalesced into batches, ends as `feedgen build` of the same files and as a rebuild's state",
    async () => {
      const config = { ...TEST_CONFIG, itemsPerFeed: 2 };
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(step, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
          async (batches) => {
            const source = new MemoryStore();
            const output = new MemoryStore();
            let now = NOW;
            const committer = new Committer({ source, output, config, clock: () => now, log: silent });
            for (const batch of batches) {
              for (const s of batch) await write(source, s);
              await committer.apply({ changes: batch.map((s) => ({ key: `articles/k${s.key}.md` })) });
              now += STEP_MS;
              expect(await siteAndStateDifferences(source, output, config, now - STEP_MS)).toEqual([]);
            }
          },
        ),
        settings(300),
      );
    },
    timeout(300, 200),
  );
});

/**
 * Every storage call of the writers and editors becomes a step fast-check's scheduler
 * orders, so any interleaving of concurrent writers can be tried and replayed; a writer
 * dies at the listed calls, before the request (even counts) or after it took effect with
 * the answer lost (odd counts).
 */
interface Crashes {
  readonly at: ReadonlySet<number>;
  calls: number;
}

function scheduledStore(store: MemoryStore, scheduler: fc.Scheduler, crashes?: Crashes): ObjectStore {
  return interceptStore(store, (label, call) =>
    scheduler.schedule(Promise.resolve(label), label).then(async () => {
      const index = crashes ? crashes.calls++ : -1;
      if (!crashes?.at.has(index)) return call();
      if (index % 2 === 1) await call();
      throw new Error(`simulated crash at ${label}`);
    }),
  );
}

describe('concurrent writers, fuzzed against a full build', () => {
  it(
    'batches taken by two or three writers at once (maxConcurrency 2, or a stray third), in any interleaving of their storage calls and with writers dying at any call, end as `feedgen build` after the redeliveries',
    async () => {
      const config = { ...TEST_CONFIG, itemsPerFeed: 2 };
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 2, maxLength: 8 }),
          fc.array(fc.array(step, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 4 }),
          fc.integer({ min: 2, max: 3 }),
          fc.scheduler(),
          fc.uniqueArray(fc.nat({ max: 300 }), { maxLength: 3 }),
          async (before, batches, writers, scheduler, crashCalls) => {
            const crashes: Crashes = { at: new Set(crashCalls), calls: 0 };
            const source = new MemoryStore();
            const output = new MemoryStore();
            const writer = (src: ObjectStore, out: ObjectStore) =>
              new Committer({
                source: src,
                output: out,
                config,
                clock: () => NOW,
                log: silent,
                sleep: async () => {},
                maxAttempts: 50,
              });
            // GIVEN a site published in one batch
            for (const s of before) await write(source, s);
            await writer(source, output).apply({
              changes: before.map((s) => ({ key: `articles/k${s.key}.md` })),
            });
            // WHEN editors change articles while the batches go to several writers at once
            // (a failed batch is delivered again to a new writer, as SQS does)
            const shared = {
              source: scheduledStore(source, scheduler, crashes),
              output: scheduledStore(output, scheduler, crashes),
            };
            const editors = scheduledStore(source, scheduler);
            const deliveries = batches.map(async (batch, index) => {
              for (const s of batch) await write(editors, s);
              for (let delivery = 1; ; delivery++) {
                try {
                  return await writer(shared.source, shared.output).apply({
                    changes: batch.map((s) => ({ key: `articles/k${s.key}.md` })),
                    tick: index === 0,
                  });
                } catch (error) {
                  if (delivery >= 8) throw error;
                }
              }
            });
            const lanes = Array.from({ length: writers }, (_, lane) =>
              deliveries.filter((_, index) => index % writers === lane),
            );
            let finished = false;
            const all = Promise.all(lanes.flat()).finally(() => {
              finished = true;
            });
            while (!finished) {
              if (scheduler.count() > 0) await scheduler.waitOne();
              else await new Promise((resolve) => setImmediate(resolve));
            }
            await all;
            // and the next batch (any event, or the minute's tick) reconciles what a dead
            // writer's commit left unpublished
            await writer(source, output).apply({ changes: [], tick: true });
            // THEN the feeds are those a full build makes, and the state a rebuild's
            expect(await siteAndStateDifferences(source, output, config, NOW)).toEqual([]);
          },
        ),
        settings(200),
      );
    },
    timeout(200, 400),
  );
});
