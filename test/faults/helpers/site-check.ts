// What the fault tests compare and check: the output bucket against a from-scratch build of
// the source bucket's articles (as test/publisher.test.ts and test/rebuild.test.ts do), the
// publisher's state against what `feedgen rebuild` (rebuildAll) makes of the same articles,
// and single documents as a reader would get them (strict parse, no script).
import type { S3Client } from '@aws-sdk/client-s3';
import { parseFragment, parse as parseHtmlDocument } from 'parse5';
import { S3Store } from '../../../shared/adapters/s3-store';
import { parseArticle } from '../../../shared/article';
import type { SiteConfig } from '../../../shared/config';
import type { FeedItem } from '../../../shared/feeds';
import { MemoryStore } from '../../../shared/adapters/memory-store';
import {
  type ArticleRecord,
  type IdClaim,
  type MonthPartition,
  type Registry,
  type Schedule,
  type ShardState,
  stateKeys,
} from '../../../shared/publisher';
import { rebuildAll } from '../../../shared/rebuild';
import { buildSite } from '../../../shared/site';
import { NOT_MODIFIED, type ObjectInfo, type ObjectStore, type PutOptions } from '../../../shared/publishing/ports';
import { checkAtom, checkRss, readJsonFeed } from '../../helpers/feed-readers';
import { basePath, decodedText, storedKeys } from '../../helpers/stored-site';
import { parseXml, type XmlElement } from '../../helpers/xml';

export const SOURCE = 'feedgen-articles';
export const OUTPUT = 'feedgen-feeds';

export interface StoredEntry {
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
}

/** Every object under `prefix`, read whole. */
export async function readAll(store: ObjectStore, prefix: string): Promise<Map<string, Uint8Array>> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  const result = new Map<string, Uint8Array>();
  for (const key of keys) {
    const object = await store.get(key);
    if (object !== undefined && object !== NOT_MODIFIED) result.set(key, object.body);
  }
  return result;
}

/** The files `feedgen build` makes of these articles (rejected ones left out). */
export function fromScratch(
  articles: ReadonlyMap<string, Uint8Array>,
  config: SiteConfig,
  now: number,
): Map<string, string> {
  const parsed = [...articles].flatMap(([key, body]) => {
    const result = parseArticle(key, body, config);
    return result.ok ? [result.article] : [];
  });
  return new Map(buildSite(parsed, config, now).files.map((file) => [file.path, file.body]));
}

/** Item titles of an RSS document, for readable differences. */
function titles(text: string): string[] {
  return [...text.matchAll(/<item>\s*<title>([^<]*)<\/title>/g)].map((match) =>
    (match[1] ?? '')
      .replace(/&#x3C;/g, '<')
      .replace(/&#x26;/g, '&')
      .replace(/&gt;/g, '>'),
  );
}

/**
 * Differences between the stored feed files and the expected site (bodies decoded, copies
 * included): [] when they are the same; else one line per feed folder that differs, naming
 * the files and, from the RSS feed, which items are shown that should not be and which are
 * missing.
 */
export function siteDifferences(
  expected: ReadonlyMap<string, string>,
  stored: ReadonlyMap<string, Uint8Array>,
): string[] {
  const byFolder = new Map<string, string[]>();
  const note = (key: string, what: string): void => {
    const folder = key.slice(0, key.lastIndexOf('/') + 1);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), `${key.slice(folder.length)} ${what}`]);
  };
  const wanted = storedKeys(expected);
  const actual = [...stored.keys()].filter((key) => key.startsWith('feeds/')).sort();
  for (const key of wanted) if (!stored.has(key)) note(key, 'missing');
  for (const key of actual) if (!expected.has(basePath(key))) note(key, 'should not exist');
  const detail = new Map<string, string>();
  for (const key of actual) {
    const want = expected.get(basePath(key));
    const bytes = stored.get(key);
    if (want === undefined || bytes === undefined) continue;
    let text: string;
    try {
      text = decodedText(key, bytes);
    } catch (error) {
      note(key, `cannot be decoded (${(error as Error).message})`);
      continue;
    }
    if (text === want) continue;
    note(key, 'differs');
    if (key.endsWith('rss.xml')) {
      const shown = titles(text);
      const should = titles(want);
      const extra = shown.filter((title) => !should.includes(title));
      const missing = should.filter((title) => !shown.includes(title));
      detail.set(
        key.slice(0, key.lastIndexOf('/') + 1),
        extra.length + missing.length === 0
          ? 'same items, other order or text'
          : `shows ${JSON.stringify(extra)} but not ${JSON.stringify(missing)}`,
      );
    }
  }
  return [...byFolder].map(
    ([folder, files]) =>
      `${folder}: ${files.filter((f) => !/\.(gz|br) differs$/.test(f)).join(', ')}${
        detail.has(folder) ? `; ${detail.get(folder)}` : ''
      }`,
  );
}

/** Keys under articles/ go to the real source; everything else a rebuild writes stays in memory. */
class OverlayStore implements ObjectStore {
  constructor(
    private readonly articles: ObjectStore,
    readonly memory: MemoryStore,
  ) {}
  #pick(key: string): ObjectStore {
    return key.startsWith('articles/') ? this.articles : this.memory;
  }
  get(key: string, options?: { ifNoneMatch?: string }) {
    return this.#pick(key).get(key, options);
  }
  head(key: string) {
    return this.#pick(key).head(key);
  }
  put(key: string, body: string | Uint8Array, options: PutOptions) {
    if (key.startsWith('articles/')) throw new Error(`a rebuild must not write ${key}`);
    return this.memory.put(key, body, options);
  }
  delete(key: string) {
    if (key.startsWith('articles/')) throw new Error(`a rebuild must not delete ${key}`);
    return this.memory.delete(key);
  }
  list(prefix: string): AsyncIterable<ObjectInfo> {
    return this.#pick(prefix).list(prefix);
  }
}

/** What `feedgen rebuild` makes of the source bucket's articles (in S3, or any store), kept in memory: state and feeds. */
export async function rebuildReference(
  source: S3Client | ObjectStore,
  config: SiteConfig,
  now: number,
): Promise<{ state: MemoryStore; output: MemoryStore }> {
  const state = new MemoryStore();
  const output = new MemoryStore();
  const articles = 'send' in source ? new S3Store(source, SOURCE) : source;
  await rebuildAll({
    source: new OverlayStore(articles, state),
    output,
    config,
    now,
    log: { info: () => {}, warn: () => {}, error: () => {} },
  });
  return { state, output };
}

function json<T>(bytes: Uint8Array | undefined): T | undefined {
  return bytes === undefined ? undefined : (JSON.parse(Buffer.from(bytes).toString('utf8')) as T);
}

/**
 * Id claims (state/ids/) whose owner is not published with that id: the publisher leaves them
 * when an article is deleted or its id changes, by design (the next claimant takes them over
 * after checking the owner), where a rebuild writes only live claims.
 */
export function staleClaims(objects: ReadonlyMap<string, Uint8Array>): string[] {
  const held = new Set<string>();
  for (const [key, bytes] of objects) {
    if (!key.startsWith('state/articles/')) continue;
    const record = json<ArticleRecord>(bytes);
    if (record?.id !== undefined && record.memberships.length > 0)
      held.add(`${stateKeys.id(record.id)} ${record.key}`);
  }
  const stale: string[] = [];
  for (const [key, bytes] of objects) {
    if (!key.startsWith('state/ids/')) continue;
    const claim = json<IdClaim>(bytes);
    if (!claim || !held.has(`${key} ${claim.owner}`)) stale.push(key);
  }
  return stale.sort();
}

/**
 * The publisher's state, with what legitimately differs between runs left out: revisions,
 * report times, key order, category tombstones, records that list no feed, and stale id
 * claims ({@link staleClaims}).
 */
export function normalisedState(objects: ReadonlyMap<string, Uint8Array>): Record<string, unknown> {
  const normal: Record<string, unknown> = {};
  const stale = new Set(staleClaims(objects));
  for (const [key, bytes] of [...objects].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (stale.has(key)) continue;
    if (key.startsWith('state/feeds/')) {
      const shard = json<ShardState>(bytes);
      normal[key] = shard?.items.map((item: FeedItem) => item);
    } else if (key.startsWith('state/articles/')) {
      const record = json<ArticleRecord>(bytes);
      // A record that lists no feed (a deleted holder's, kept while it hands its id over, or
      // a duplicate's waiting for one) puts the article nowhere: the claims say the rest.
      if (record && record.memberships.length === 0) continue;
      normal[key] = record && {
        key: record.key,
        id: record.id,
        memberships: [...record.memberships].sort((a, b) =>
          `${a.feed}/${a.month}` < `${b.feed}/${b.month}` ? -1 : 1,
        ),
      };
    } else if (key.startsWith('state/months/')) {
      normal[key] = json<MonthPartition>(bytes)?.members;
    } else if (key === 'state/categories.json') {
      const registry = json<Registry>(bytes);
      // A category whose feed went empty may stay as a tombstone (no name): it lists nothing.
      normal[key] = Object.fromEntries(
        Object.entries(registry?.categories ?? {})
          .filter(([, entry]) => entry.name !== null && entry.name !== undefined)
          .map(([slug, entry]) => [slug, entry.name]),
      );
    } else if (key.startsWith('state/ids/')) {
      // Who holds an id decides what is published; the waiting list is who gets another turn.
      // A waiter that no longer wants the id (its record says another, or none) only costs a
      // needless republish when the id is freed: the publisher can leave one behind when an
      // article's id changes while it is being rejected for it. A missing waiter still counts.
      const claim = json<IdClaim>(bytes);
      const wantsThisId = (waiter: string): boolean => {
        const id = json<ArticleRecord>(objects.get(stateKeys.record(waiter)))?.id;
        return id !== undefined && stateKeys.id(id) === key;
      };
      normal[key] = claim && { owner: claim.owner, waiting: claim.waiting.filter(wantsThisId).sort() };
    } else if (key === 'state/schedule.json') {
      normal[key] = json<Schedule>(bytes)?.due;
    } else if (key.startsWith('reports/')) {
      const report = json<{ article: string; problems: unknown[] }>(bytes);
      normal[key] = report && { article: report.article, problems: report.problems };
    } else {
      normal[key] = `unexpected object (${bytes.byteLength} bytes)`;
    }
    normal[key] = sortedKeys(normal[key]);
  }
  return normal;
}

/** The same value with every object's keys in order, so key order does not count as a difference. */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortedKeys((value as Record<string, unknown>)[key])]),
  );
}

/** Differences between the publisher's state and a rebuild's: [] when they agree. */
export function stateDifferences(
  actual: Record<string, unknown>,
  reference: Record<string, unknown>,
): string[] {
  const problems: string[] = [];
  actual = withoutStaleHints(actual, reference);
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(reference)])].sort();
  for (const key of keys) {
    // An empty schedule and no schedule say the same; so do an empty and a missing category list.
    const a = actual[key];
    const r = reference[key];
    const empty = (value: unknown) =>
      value === undefined || (typeof value === 'object' && value !== null && Object.keys(value).length === 0);
    if ((key === 'state/schedule.json' || key === 'state/categories.json') && empty(a) && empty(r)) continue;
    if (key.startsWith('state/months/') && empty(a) && empty(r)) continue;
    // An empty window and no window say the same (a rebuild writes the site feed's, empty).
    const none = (value: unknown) => value === undefined || (Array.isArray(value) && value.length === 0);
    if (key.startsWith('state/feeds/') && none(a) && none(r)) continue;
    if (JSON.stringify(a) !== JSON.stringify(r)) {
      problems.push(`${key}: publisher has ${abbreviate(a)}, rebuild has ${abbreviate(r)}`);
    }
  }
  return problems;
}

/**
 * Month-partition entries that are no current member's (their article and ETag are in no
 * entry of the rebuild's partitions) left out: a publisher of an old view that fails after
 * writing its hint leaves one, by design; it costs a read in each refill that meets it. A
 * missing entry, or a current version's entry in the wrong place, still counts.
 */
function withoutStaleHints(
  actual: Record<string, unknown>,
  reference: Record<string, unknown>,
): Record<string, unknown> {
  type Members = Record<string, { etag?: string }>;
  const current = new Set<string>();
  for (const [key, value] of Object.entries(reference)) {
    if (!key.startsWith('state/months/')) continue;
    for (const [article, entry] of Object.entries((value ?? {}) as Members))
      current.add(`${article} ${entry.etag}`);
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(actual)) {
    result[key] = key.startsWith('state/months/')
      ? Object.fromEntries(
          Object.entries((value ?? {}) as Members).filter(
            ([article, entry]) => entry.etag === undefined || current.has(`${article} ${entry.etag}`),
          ),
        )
      : value;
  }
  return result;
}

function abbreviate(value: unknown): string {
  if (Array.isArray(value) && value.every((item) => typeof item === 'object' && item && 'article' in item)) {
    return JSON.stringify(value.map((item) => (item as FeedItem).article.source));
  }
  const text = JSON.stringify(value) ?? 'nothing';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

// ---------------------------------------------------------------------------------------
// Documents as readers get them.

const DANGEROUS_TAGS = new Set([
  'script',
  'style',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'form',
  'input',
  'button',
  'textarea',
  'select',
  'link',
  'meta',
  'base',
  'svg',
  'math',
]);
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'cite',
  'action',
  'formaction',
  'xlink:href',
  'background',
  'poster',
]);

/** A URL that runs code or carries a document instead of pointing to one. */
export function isUnsafeUrl(value: string): boolean {
  // Browsers ignore control characters and white space inside a scheme.
  const compact = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  return /^(javascript|vbscript|data|livescript|mocha):/.test(compact);
}

interface HtmlNode {
  nodeName: string;
  tagName?: string;
  attrs?: Array<{ name: string; value: string }>;
  childNodes?: HtmlNode[];
  content?: HtmlNode;
}

/** What could run in an HTML fragment: script-like elements, event handlers, script URLs. */
export function dangersInHtml(html: string): string[] {
  const found: string[] = [];
  const visit = (node: HtmlNode): void => {
    if (node.tagName) {
      if (DANGEROUS_TAGS.has(node.tagName)) found.push(`<${node.tagName}>`);
      for (const attr of node.attrs ?? []) {
        if (/^on/i.test(attr.name)) found.push(`${node.tagName} ${attr.name}=`);
        if (attr.name === 'style') found.push(`${node.tagName} style=`);
        if (URL_ATTRIBUTES.has(attr.name) && isUnsafeUrl(attr.value))
          found.push(`${node.tagName} ${attr.name}="${attr.value.slice(0, 40)}"`);
      }
    }
    for (const child of node.childNodes ?? []) visit(child);
    if (node.content) visit(node.content);
  };
  visit(parseFragment(html) as unknown as HtmlNode);
  return found;
}

function walkXml(
  element: XmlElement,
  visit: (element: XmlElement, parent: XmlElement | undefined) => void,
  parent?: XmlElement,
): void {
  visit(element, parent);
  for (const child of element.children) walkXml(child, visit, element);
}

/**
 * Elements whose text readers take as HTML: RSS item descriptions and content:encoded, Atom
 * content and summaries of type html. Titles, and a channel's description ("a phrase or
 * sentence" in RSS 2.0), are plain text: they are checked to be well-formed, not as HTML.
 */
function isHtmlElement(element: XmlElement, parent: XmlElement | undefined): boolean {
  if (element.local === 'encoded') return true;
  if (element.local === 'description') return parent?.local === 'item';
  if (element.local === 'content' || element.local === 'summary') return element.attributes.type === 'html';
  return false;
}

/** What could run in a feed document: script elements, unsafe links, unsafe HTML content. */
function dangersInXml(root: XmlElement): string[] {
  const found: string[] = [];
  walkXml(root, (element, parent) => {
    if (element.local.toLowerCase() === 'script') found.push(`<${element.name}> element`);
    for (const [name, value] of Object.entries(element.attributes)) {
      if (/^(href|url|src|xmlUrl|htmlUrl)$/i.test(name) && isUnsafeUrl(value))
        found.push(`${element.name} ${name}="${value.slice(0, 40)}"`);
    }
    if ((element.local === 'link' || element.local === 'url') && isUnsafeUrl(element.text))
      found.push(`<${element.name}>${element.text.slice(0, 40)}`);
    if (isHtmlElement(element, parent))
      found.push(...dangersInHtml(element.text).map((danger) => `${element.name}: ${danger}`));
  });
  return found;
}

function dangersInJsonFeed(
  feed: { items: Array<Record<string, unknown>> } & Record<string, unknown>,
): string[] {
  const found: string[] = [];
  for (const field of ['home_page_url', 'feed_url']) {
    const value = feed[field];
    if (typeof value === 'string' && isUnsafeUrl(value)) found.push(`${field}: ${value.slice(0, 40)}`);
  }
  for (const item of feed.items) {
    for (const field of ['url', 'external_url', 'image', 'banner_image']) {
      const value = item[field];
      if (typeof value === 'string' && isUnsafeUrl(value)) found.push(`item ${field}: ${value.slice(0, 40)}`);
    }
    for (const attachment of (item.attachments as Array<{ url?: string }> | undefined) ?? []) {
      if (attachment.url && isUnsafeUrl(attachment.url))
        found.push(`attachment url: ${attachment.url.slice(0, 40)}`);
    }
    if (typeof item.content_html === 'string')
      found.push(...dangersInHtml(item.content_html).map((danger) => `content_html: ${danger}`));
  }
  return found;
}

/**
 * Reads a document as a reader would, by its path (feeds/…/rss.xml, atom.xml, feed.json,
 * index.opml, index.html): throws if it does not parse strictly or breaks its format's
 * rules, or if anything in it could run as script.
 */
export function checkDocument(path: string, text: string): void {
  const name = basePath(path);
  let dangers: string[];
  if (name.endsWith('rss.xml')) dangers = dangersInXml(checkRss(text));
  else if (name.endsWith('atom.xml')) dangers = dangersInXml(checkAtom(text));
  else if (name.endsWith('feed.json')) dangers = dangersInJsonFeed(readJsonFeed(text));
  else if (name.endsWith('.opml')) {
    const opml = parseXml(text);
    if (opml.local !== 'opml') throw new Error(`${path}: root is <${opml.name}>, not <opml>`);
    dangers = dangersInXml(opml);
  } else if (name.endsWith('.html')) {
    const errors: string[] = [];
    const document = parseHtmlDocument(text, {
      onParseError: (error) => {
        errors.push(`${error.code} at ${error.startLine}:${error.startCol}`);
      },
    }) as unknown as HtmlNode;
    if (errors.length > 0) throw new Error(`${path}: HTML parse errors: ${errors.join(', ')}`);
    if (!/<\/html>\s*$/.test(text)) throw new Error(`${path}: the page does not end with </html>`);
    dangers = [];
    const visit = (node: HtmlNode): void => {
      if (node.tagName === 'script' || node.tagName === 'iframe' || node.tagName === 'object')
        dangers.push(`<${node.tagName}>`);
      for (const attr of node.attrs ?? []) {
        if (/^on/i.test(attr.name)) dangers.push(`${node.tagName} ${attr.name}=`);
        if (URL_ATTRIBUTES.has(attr.name) && isUnsafeUrl(attr.value))
          dangers.push(`${node.tagName} ${attr.name}`);
      }
      for (const child of node.childNodes ?? []) visit(child);
    };
    visit(document);
  } else throw new Error(`${path}: not a document feedgen writes`);
  if (dangers.length > 0) throw new Error(`${path}: could run script: ${dangers.join('; ')}`);
}
