import type { SiteConfig } from '../config';
import { localDate, parseToMillis } from '../dates';
import { slugify } from '../slug';
import { cleanLine, cleanText } from '../text';
import { canonicalHttpUrl, canonicalId } from '../uris';
import {
  type Article,
  type ArticleImage,
  type ArticleProblem,
  type Author,
  type Category,
  KNOWN_FIELDS,
  type ParseResult,
} from './model';

/** Fields (as front matter or JSON gave them) → a validated article, or every problem with them. */

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

export function readFields(
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
