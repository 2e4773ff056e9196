// Documents as readers get them: strict parse, format rules, and nothing that can run as
// script in any HTML context. (site-check.ts re-exports these.)
import { parseFragment, parse as parseHtmlDocument } from 'parse5';
import { checkAtom, checkRss, readJsonFeed } from '../../helpers/feed-readers';
import { basePath } from '../../helpers/stored-site';
import { parseXml, type XmlElement } from '../../helpers/xml';

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
