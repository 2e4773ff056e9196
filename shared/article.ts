import { load as loadYaml } from 'js-yaml';
import type { SiteConfig } from './config';
import { localDate, parseToMillis } from './dates';
import { parseSimpleFrontMatter } from './front-matter-yaml';
import { slugify } from './slug';
import { assertUtf8, cleanLine, cleanText, decodeUtf8Strict, Utf8Error } from './text';
import { canonicalHttpUrl, canonicalId } from './uris';

export interface Author {
  readonly name: string;
  readonly email?: string;
  readonly url?: string;
}

export interface Category {
  /** Display name, e.g. "Xây dựng Đảng". */
  readonly name: string;
  /** URL path segment, e.g. "xay-dung-dang"; categories with the same slug are one category. */
  readonly slug: string;
}

export interface ArticleImage {
  readonly url: string;
  /** Real MIME type, e.g. image/jpeg (never the image/jpg some tools guess). */
  readonly type: string;
  readonly caption?: string;
}

/** A validated article: every string is NFC, free of XML-illegal characters, and trimmed. */
export interface Article {
  /** Where it came from (file path or object key), for messages. */
  readonly source: string;
  readonly title: string;
  /** Publication time, epoch milliseconds. */
  readonly published: number;
  /** Last substantive change, epoch milliseconds; never earlier than `published`. */
  readonly updated: number | undefined;
  readonly categories: readonly Category[];
  readonly summary: string | undefined;
  readonly authors: readonly Author[];
  readonly image: ArticleImage | undefined;
  readonly tags: readonly string[];
  readonly slug: string;
  /** Canonical http(s) URL of the article page. */
  readonly link: string;
  /** Stable item id: the `id` field (any absolute URI) or the link. */
  readonly id: string;
  readonly draft: boolean;
  readonly language: string | undefined;
  /** Markdown source of the body. */
  readonly body: string;
}

export interface ArticleProblem {
  readonly source: string;
  /** The field at fault, or undefined when the file as a whole is (encoding, syntax, size). */
  readonly field: string | undefined;
  readonly message: string;
}

export type ParseResult =
  | { readonly ok: true; readonly article: Article; readonly warnings: readonly ArticleProblem[] }
  | { readonly ok: false; readonly problems: readonly ArticleProblem[] };

/** File name endings read as articles. */
export const ARTICLE_EXTENSIONS = ['.md', '.markdown', '.json'] as const;

export function isArticleFile(name: string): boolean {
  const lower = name.toLowerCase();
  return ARTICLE_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/** The problem of a file over `maxArticleBytes`, said alike wherever it is found. */
export function oversizeProblem(source: string, size: number, limit: number): ArticleProblem {
  return {
    source,
    field: undefined,
    message: `the file is ${size} bytes, over the ${limit}-byte limit (maxArticleBytes)`,
  };
}

export function formatProblem(problem: ArticleProblem): string {
  return problem.field ? `${problem.field}: ${problem.message}` : problem.message;
}

/** Every front matter field the article format has. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'title',
  'date',
  'category',
  'categories',
  'summary',
  'author',
  'authors',
  'image',
  'imageCaption',
  'imageType',
  'tags',
  'slug',
  'link',
  'id',
  'updated',
  'draft',
  'language',
]);

// Front matter this large is not an article's metadata; the cap also bounds YAML work.
const MAX_FRONT_MATTER_CHARS = 64 * 1024;
// Real front matter has no use for more; a "billion laughs" needs many.
const MAX_YAML_ALIASES = 20;

const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  heic: 'image/heic',
  heif: 'image/heif',
  jxl: 'image/jxl',
};

const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/;
// RFC 3987 absolute IRI, loosely: a scheme, then no spaces, controls or characters URIs exclude.
// ASCII addresses only, as the W3C feed validator accepts them (write IDN domains in punycode).
const EMAIL = /^[A-Za-z0-9_\-+.']+@([A-Za-z0-9-]+\.)+[A-Za-z0-9][A-Za-z0-9-]*$/;

class InvalidFile extends Error {}

/**
 * Reads one article file (Markdown with YAML front matter, or JSON with the Markdown in
 * `body`) into a validated {@link Article}, or the list of everything wrong with it.
 * Pure: the caller supplies the bytes and the site settings.
 */
export function parseArticle(source: string, bytes: Uint8Array, config: SiteConfig): ParseResult {
  const fileProblem = (message: string): ParseResult => ({
    ok: false,
    problems: [{ source, field: undefined, message }],
  });
  if (bytes.byteLength === 0) return fileProblem('the file is empty');
  if (bytes.byteLength > config.maxArticleBytes) {
    return { ok: false, problems: [oversizeProblem(source, bytes.byteLength, config.maxArticleBytes)] };
  }
  let fields: Record<string, unknown>;
  let body: string | (() => string);
  try {
    const isJson = source.toLowerCase().endsWith('.json');
    // Fast path for the usual Markdown file: decode only the front matter now; the body (most
    // of the bytes) is decoded and cleaned only if the article is rendered.
    const headEnd = isJson ? -1 : frontMatterEnd(bytes);
    if (headEnd > 0) {
      assertUtf8(bytes);
      const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      ({ fields } = splitFrontMatter(view.toString('utf8', bom, headEnd)));
      body = () => {
        const rest = view.toString('utf8', headEnd);
        return rest.includes('\r') ? rest.replace(/\r\n?/g, '\n') : rest;
      };
      return readFields(source, fields, body, config);
    }
    const decoded = decodeUtf8Strict(bytes);
    // Line ends first (cheaply skipped for the usual LF-only file): CR-only files exist.
    const text = decoded.includes('\r') ? decoded.replace(/\r\n?/g, '\n') : decoded;
    if (text.trim() === '') throw new InvalidFile('the file has only white space');
    // The parts a parser reads are cleaned first, so a stray control character is dropped
    // rather than making the YAML or JSON parser reject the file. A Markdown body is cleaned
    // only when it is read (most articles of a large site are never rendered).
    ({ fields, body } = source.toLowerCase().endsWith('.json')
      ? splitJson(cleanText(text))
      : splitFrontMatter(text));
  } catch (error) {
    if (error instanceof InvalidFile || error instanceof Utf8Error) return fileProblem(error.message);
    throw error;
  }
  return readFields(source, fields, body, config);
}

const DASH = 0x2d;
const DOT = 0x2e;
const NEWLINE = 0x0a;

/**
 * Byte offset just past the line that closes the front matter ("---" or "...", then only
 * blanks), or -1 when there is none within the front matter size limit (the slow path then
 * decodes everything and says what is wrong).
 */
function frontMatterEnd(bytes: Uint8Array): number {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes[start] !== DASH || bytes[start + 1] !== DASH || bytes[start + 2] !== DASH) return -1;
  const limit = Math.min(bytes.byteLength, start + MAX_FRONT_MATTER_CHARS);
  let lineStart = bytes.indexOf(NEWLINE, start) + 1;
  while (lineStart > 0 && lineStart < limit) {
    const lineEnd = bytes.indexOf(NEWLINE, lineStart);
    const end = lineEnd < 0 ? bytes.byteLength : lineEnd;
    const first = bytes[lineStart];
    if (
      (first === DASH || first === DOT) &&
      bytes[lineStart + 1] === first &&
      bytes[lineStart + 2] === first
    ) {
      let i = lineStart + 3;
      while (i < end && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0d)) i++;
      if (i === end) return lineEnd < 0 ? bytes.byteLength : lineEnd + 1;
    }
    if (lineEnd < 0) return -1;
    lineStart = lineEnd + 1;
  }
  return -1;
}

function splitJson(text: string): { fields: Record<string, unknown>; body: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidFile(`is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidFile('a JSON article must be an object with title, date, category and body');
  }
  const fields = { ...(value as Record<string, unknown>) };
  const body = fields.body;
  delete fields.body;
  if (body !== undefined && typeof body !== 'string')
    throw new InvalidFile('body: must be a string of Markdown');
  // JSON escapes can spell CR or control characters that the file-level cleaning never saw.
  return { fields, body: cleanText(body ?? '') };
}

function splitFrontMatter(text: string): { fields: Record<string, unknown>; body: string } {
  const opening = /^---[ \t]*([^\r\n]*)\r?\n/.exec(text);
  if (!opening) {
    throw new InvalidFile(
      'has no front matter: a Markdown article starts with a line "---", then YAML fields, then "---"',
    );
  }
  const language = opening[1]?.trim() ?? '';
  if (language !== '' && language.toLowerCase() !== 'yaml' && language.toLowerCase() !== 'yml') {
    throw new InvalidFile(
      `front matter in "${language}" is not accepted; front matter is YAML only and is never run as code`,
    );
  }
  const rest = text.slice(opening[0].length);
  const closing = /^(?:---|\.\.\.)[ \t]*\r?$/m.exec(rest);
  if (!closing)
    throw new InvalidFile('the front matter that starts on line 1 is never closed by a "---" line');
  const yamlText = cleanText(rest.slice(0, closing.index));
  if (yamlText.length > MAX_FRONT_MATTER_CHARS) {
    throw new InvalidFile(`the front matter is over ${MAX_FRONT_MATTER_CHARS / 1024} KiB`);
  }
  let value: unknown;
  try {
    value =
      yamlText.trim() === ''
        ? null
        : (parseSimpleFrontMatter(yamlText) ??
          loadYaml(yamlText, { maxAliases: MAX_YAML_ALIASES, filename: 'front matter' }));
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'unreadable';
    throw new InvalidFile(`the YAML front matter is malformed: ${message.replace(/\(front matter\) /, '')}`);
  }
  if (value === null || value === undefined) {
    throw new InvalidFile('the front matter is empty; title, date and category are required');
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidFile('the front matter must be YAML "key: value" lines');
  }
  const afterClosing = rest.slice(closing.index + closing[0].length);
  return { fields: value as Record<string, unknown>, body: afterClosing.replace(/^\r?\n/, '') };
}

function readFields(
  source: string,
  fields: Record<string, unknown>,
  rawBody: string | (() => string),
  config: SiteConfig,
): ParseResult {
  const problems: ArticleProblem[] = [];
  const warnings: ArticleProblem[] = [];
  const fail = (field: string, message: string): undefined => {
    problems.push({ source, field, message });
    return undefined;
  };
  const has = (field: string): boolean => Object.hasOwn(fields, field) && fields[field] !== null;

  for (const key of Object.keys(fields)) {
    if (!KNOWN_FIELDS.has(key)) {
      warnings.push({ source, field: key, message: `is not a field feedgen knows, so it is ignored` });
    }
  }

  const line = (field: string, required: boolean): string | undefined => {
    if (!has(field)) return required ? fail(field, 'is required') : undefined;
    const value = fields[field];
    if (typeof value !== 'string')
      return fail(field, `must be text, not ${describe(value)} (put it in quotes)`);
    const cleaned = cleanLine(value);
    if (cleaned === '') return required ? fail(field, 'is empty') : undefined;
    return cleaned;
  };
  const textList = (field: string): string[] | undefined => {
    if (!has(field)) return [];
    const value = fields[field];
    const items = Array.isArray(value) ? value : [value];
    const out: string[] = [];
    for (const [index, item] of items.entries()) {
      if (typeof item !== 'string') {
        return fail(
          field,
          `${Array.isArray(value) ? `item ${index + 1} ` : ''}must be text, not ${describe(item)}`,
        );
      }
      const cleaned = cleanLine(item);
      if (cleaned !== '') out.push(cleaned);
    }
    return out;
  };
  const httpUrl = (field: string): string | undefined => {
    const value = line(field, false);
    if (value === undefined) return undefined;
    const url = canonicalHttpUrl(value);
    if (url === undefined) {
      return fail(field, `"${value}" is not an absolute http or https URL (it must start with https://)`);
    }
    return url;
  };
  const date = (field: string, required: boolean): number | undefined => {
    const value = line(field, required);
    if (value === undefined) return undefined;
    const millis = parseToMillis(value, config.timezone);
    return typeof millis === 'number' ? millis : fail(field, millis);
  };

  const title = line('title', true);
  const published = date('date', true);
  const updated = date('updated', false);
  if (published !== undefined && updated !== undefined && updated < published) {
    fail('updated', 'is earlier than date; updated is when the article last changed after publication');
  }

  const categoryNames = [...(textList('category') ?? []), ...(textList('categories') ?? [])];
  const categories: Category[] = [];
  if (!has('category') && !has('categories'))
    fail('category', 'is required: the article needs at least one category');
  else if (
    categoryNames.length === 0 &&
    problems.every((p) => p.field !== 'category' && p.field !== 'categories')
  ) {
    fail('category', 'is empty: the article needs at least one category');
  }
  for (const name of categoryNames) {
    const slug = slugify(name);
    if (slug === '')
      fail(
        has('categories') ? 'categories' : 'category',
        `"${name}" has no letters or digits to name a feed with`,
      );
    else if (!categories.some((c) => c.slug === slug)) categories.push({ name, slug });
  }

  const summary = line('summary', false);
  const authors = readAuthors(fields, has, fail);
  const tags = [...new Set(textList('tags') ?? [])];

  const imageUrl = httpUrl('image');
  const imageCaption = line('imageCaption', false);
  const explicitImageType = line('imageType', false);
  let image: ArticleImage | undefined;
  if (imageUrl !== undefined) {
    const type = explicitImageType ?? imageTypeFromUrl(imageUrl);
    if (type === undefined) {
      fail('image', `cannot tell the image type from "${imageUrl}"; add imageType (for example image/jpeg)`);
    } else if (!/^image\/[a-z0-9.+-]+$/i.test(type)) {
      fail('imageType', `"${type}" is not an image MIME type such as image/jpeg`);
    } else {
      image = { url: imageUrl, type: type.toLowerCase(), ...(imageCaption ? { caption: imageCaption } : {}) };
    }
  }

  let draft = false;
  if (has('draft')) {
    if (typeof fields.draft !== 'boolean')
      fail('draft', `must be true or false, not ${describe(fields.draft)}`);
    else draft = fields.draft;
  }

  const language = line('language', false);
  if (language !== undefined && !LANGUAGE_TAG.test(language))
    fail('language', `"${language}" is not a language tag such as vi or en`);

  const explicitSlug = line('slug', false);
  const slug = slugify(explicitSlug ?? fileStem(source));
  if (slug === '')
    fail(
      'slug',
      explicitSlug
        ? `"${explicitSlug}" has no letters or digits to build a URL from`
        : 'the file name has no letters or digits to build a URL from; set slug',
    );

  let link = httpUrl('link');
  const linkRejected = problems.some((problem) => problem.field === 'link');
  if (link === undefined && !linkRejected && slug !== '' && categories[0] && published !== undefined) {
    link = linkFromTemplate(config, categories[0].slug, slug, published);
  }

  const idText = line('id', false);
  let id: string | undefined;
  if (idText !== undefined) {
    const canonical = canonicalId(idText);
    if (canonical.ok) id = canonical.value;
    else fail('id', canonical.reason);
  }

  if (problems.length > 0 || title === undefined || published === undefined || link === undefined) {
    return { ok: false, problems };
  }
  const article: Article = {
    source,
    title,
    published,
    updated,
    categories,
    summary,
    authors,
    image,
    tags,
    slug,
    link,
    id: id ?? link,
    draft,
    language,
    body: '',
  };
  let cleanBody: string | undefined;
  Object.defineProperty(article, 'body', {
    enumerable: true,
    get: () => {
      cleanBody ??= cleanText(typeof rawBody === 'string' ? rawBody : rawBody());
      return cleanBody;
    },
  });
  return { ok: true, warnings, article };
}

function readAuthors(
  fields: Record<string, unknown>,
  has: (field: string) => boolean,
  fail: (field: string, message: string) => undefined,
): Author[] {
  const authors: Author[] = [];
  for (const field of ['author', 'authors']) {
    if (!has(field)) continue;
    const value = fields[field];
    const items = Array.isArray(value) ? value : [value];
    for (const [index, item] of items.entries()) {
      const where = Array.isArray(value) ? `${field}[${index + 1}]` : field;
      if (typeof item === 'string') {
        const name = cleanLine(item);
        if (name !== '') authors.push({ name });
        continue;
      }
      if (item === null || typeof item !== 'object' || Array.isArray(item)) {
        fail(where, `must be a name or { name, email, url }, not ${describe(item)}`);
        continue;
      }
      const record = item as Record<string, unknown>;
      const name = typeof record.name === 'string' ? cleanLine(record.name) : '';
      if (name === '') {
        fail(`${where}.name`, 'is required');
        continue;
      }
      const author: { name: string; email?: string; url?: string } = { name };
      if (record.email !== undefined && record.email !== null) {
        const email = typeof record.email === 'string' ? cleanLine(record.email) : '';
        if (!EMAIL.test(email)) {
          fail(
            `${where}.email`,
            `"${String(record.email)}" is not an e-mail address (ASCII only; write other domains in punycode)`,
          );
        } else author.email = email;
      }
      if (record.url !== undefined && record.url !== null) {
        const url = typeof record.url === 'string' ? canonicalHttpUrl(cleanLine(record.url)) : undefined;
        if (url === undefined) fail(`${where}.url`, `"${String(record.url)}" is not an http(s) URL`);
        else author.url = url;
      }
      authors.push(author);
    }
  }
  return authors;
}

function imageTypeFromUrl(url: string): string | undefined {
  const path = new URL(url).pathname;
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return extension === undefined ? undefined : IMAGE_TYPES[extension];
}

function fileStem(source: string): string {
  const name = source.split(/[\\/]/).pop() ?? source;
  return name.replace(/\.[^.]*$/, '');
}

function linkFromTemplate(config: SiteConfig, categorySlug: string, slug: string, published: number): string {
  const local = localDate(published, config.timezone);
  const two = (value: number): string => String(value).padStart(2, '0');
  const path = config.articleUrlTemplate
    .replaceAll('{category}', encodeURIComponent(categorySlug))
    .replaceAll('{slug}', encodeURIComponent(slug))
    .replaceAll('{yyyy}', String(local.year))
    .replaceAll('{MM}', two(local.month))
    .replaceAll('{dd}', two(local.day));
  const url = new URL(path, config.siteUrl).href;
  return canonicalHttpUrl(url) ?? url;
}

function describe(value: unknown): string {
  if (value === null) return 'empty';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a nested mapping';
  if (typeof value === 'string') return `"${value}"`;
  return `${typeof value} ${String(value)}`;
}
