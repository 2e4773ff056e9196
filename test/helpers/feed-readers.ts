import { Readable } from 'node:stream';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import FeedParser from 'feedparser';
import jsonFeedSchema from 'jsonfeed-schema';
import { child, children, NS, parseXml, type XmlElement } from './xml';

export interface ParsedFeed {
  readonly meta: FeedParser.Meta;
  readonly items: FeedParser.Item[];
}

/**
 * Reads an RSS or Atom document with feedparser, the parser many Node readers use, as they
 * use it (its strict mode mishandles camelCase names such as pubDate); any XML error fails.
 * Well-formedness itself is checked by {@link parseXml}.
 */
export function readWithFeedParser(xml: string): Promise<ParsedFeed> {
  return new Promise((resolve, reject) => {
    const parser = new FeedParser({ resume_saxerror: false });
    const items: FeedParser.Item[] = [];
    parser.on('error', reject);
    parser.on('readable', () => {
      for (let item = parser.read(); item; item = parser.read()) items.push(item);
    });
    parser.on('end', () => resolve({ meta: parser.meta, items }));
    Readable.from([Buffer.from(xml, 'utf8')]).pipe(parser);
  });
}

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateJsonFeedSchema = ajv.compile(jsonFeedSchema);

/** Checks a JSON Feed against the JSON Feed 1.1 schema; returns the parsed feed. */
export function readJsonFeed(
  text: string,
): Record<string, unknown> & { items: Array<Record<string, unknown>> } {
  const feed = JSON.parse(text) as Record<string, unknown> & { items: Array<Record<string, unknown>> };
  if (!validateJsonFeedSchema(feed)) {
    throw new Error(`JSON Feed schema errors: ${ajv.errorsText(validateJsonFeedSchema.errors)}`);
  }
  if (feed.version !== 'https://jsonfeed.org/version/1.1') throw new Error(`version is ${feed.version}`);
  return feed;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * RFC 4287's must-haves: feed id, title, updated, author (unless every entry has one);
 * entry id, title, updated, and alternate link or content; ids are absolute IRIs; dates
 * are RFC 3339; a category has a term; text constructs have a known type.
 * Returns the parsed document; throws with every violation listed.
 */
export function checkAtom(xml: string): XmlElement {
  const feed = parseXml(xml);
  const problems: string[] = [];
  if (feed.local !== 'feed' || feed.uri !== NS.atom) problems.push('root is not atom:feed');
  const one = (element: XmlElement, local: string, where: string): XmlElement | undefined => {
    const found = children(element, local, NS.atom);
    if (found.length !== 1) problems.push(`${where} has ${found.length} <${local}>, needs exactly 1`);
    return found[0];
  };
  const checkId = (element: XmlElement | undefined, where: string): void => {
    if (element && !/^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(element.text))
      problems.push(`${where} id "${element.text}" is not an absolute IRI`);
  };
  const checkDate = (element: XmlElement | undefined, where: string): void => {
    if (element && !RFC3339.test(element.text))
      problems.push(`${where} date "${element.text}" is not RFC 3339`);
  };
  const checkText = (element: XmlElement | undefined, where: string): void => {
    const type = element?.attributes.type;
    if (type !== undefined && !['text', 'html', 'xhtml'].includes(type))
      problems.push(`${where} has type ${type}`);
  };
  checkId(one(feed, 'id', 'feed'), 'feed');
  checkText(one(feed, 'title', 'feed'), 'feed title');
  checkDate(one(feed, 'updated', 'feed'), 'feed updated');
  const feedHasAuthor = children(feed, 'author', NS.atom).length > 0;
  for (const [index, entry] of children(feed, 'entry', NS.atom).entries()) {
    const where = `entry ${index + 1}`;
    checkId(one(entry, 'id', where), where);
    checkText(one(entry, 'title', where), `${where} title`);
    checkDate(one(entry, 'updated', where), `${where} updated`);
    const published = children(entry, 'published', NS.atom);
    if (published.length > 1) problems.push(`${where} has several <published>`);
    checkDate(published[0], `${where} published`);
    if (!feedHasAuthor && children(entry, 'author', NS.atom).length === 0)
      problems.push(`${where} has no author`);
    for (const author of children(entry, 'author', NS.atom)) one(author, 'name', `${where} author`);
    const links = children(entry, 'link', NS.atom);
    const alternate = links.filter((link) => (link.attributes.rel ?? 'alternate') === 'alternate');
    if (alternate.length === 0 && children(entry, 'content', NS.atom).length === 0) {
      problems.push(`${where} has neither an alternate link nor content`);
    }
    for (const link of links) if (!link.attributes.href) problems.push(`${where} has a link without href`);
    for (const category of children(entry, 'category', NS.atom)) {
      if (!category.attributes.term) problems.push(`${where} has a category without term`);
    }
    if (children(entry, 'summary', NS.atom).length > 1) problems.push(`${where} has several <summary>`);
    checkText(children(entry, 'summary', NS.atom)[0], `${where} summary`);
  }
  if (problems.length > 0) throw new Error(`Atom (RFC 4287) violations:\n${problems.join('\n')}`);
  return feed;
}

/** RSS 2.0 must-haves (channel title, link, description; item title or description) on a strict parse. */
export function checkRss(xml: string): XmlElement {
  const rss = parseXml(xml);
  const problems: string[] = [];
  if (rss.local !== 'rss' || rss.attributes.version !== '2.0')
    problems.push('root is not <rss version="2.0">');
  const channel = child(rss, 'channel');
  for (const required of ['title', 'link', 'description']) {
    if (children(channel, required, '').length !== 1) problems.push(`channel needs one <${required}>`);
  }
  for (const [index, item] of children(channel, 'item', '').entries()) {
    if (children(item, 'title', '').length === 0 && children(item, 'description', '').length === 0) {
      problems.push(`item ${index + 1} has neither title nor description`);
    }
    if (children(item, 'author', '').length > 0)
      problems.push(`item ${index + 1} has <author>, which must be an e-mail`);
    for (const date of children(item, 'pubDate', '')) {
      if (
        !/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(
          date.text,
        )
      ) {
        problems.push(`item ${index + 1} pubDate "${date.text}" is not RFC 822`);
      }
    }
  }
  if (problems.length > 0) throw new Error(`RSS 2.0 violations:\n${problems.join('\n')}`);
  return rss;
}
