import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// Raw HTML is allowed in Markdown because editors paste figures and tables; everything
// is sanitised afterwards, so the Markdown renderer itself need not be trusted.
const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

// Less wbr, bdo (the W3C feed validator calls it a security risk) and the ruby parts it
// does not know as HTML (rb, rtc).
const ALLOWED_TAGS = [
  ...sanitizeHtml.defaults.allowedTags.filter((tag) => !['wbr', 'bdo', 'rb', 'rtc'].includes(tag)),
  'img',
  'del',
  'ins',
  'figure',
  'figcaption',
];

function sanitiseOptions(baseUrl: string): sanitizeHtml.IOptions {
  const absolute =
    (attribute: string): sanitizeHtml.Transformer =>
    (tagName, attribs) => {
      const value = attribs[attribute];
      if (value === undefined) return { tagName, attribs };
      const resolved = resolveUrl(value, baseUrl);
      const next = { ...attribs };
      if (resolved === undefined) delete next[attribute];
      else next[attribute] = resolved;
      return { tagName, attribs: next };
    };
  return {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: {
      a: ['href', 'title', 'hreflang'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      td: ['colspan', 'rowspan', 'align'],
      th: ['colspan', 'rowspan', 'align', 'scope'],
      ol: ['start', 'reversed'],
      li: ['value'],
      time: ['datetime'],
      abbr: ['title'],
      blockquote: ['cite'],
      q: ['cite'],
      code: ['class'],
    },
    allowedClasses: { code: ['language-*'] },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    transformTags: {
      a: absolute('href'),
      img: absolute('src'),
      blockquote: absolute('cite'),
      q: absolute('cite'),
    },
  };
}

function resolveUrl(value: string, baseUrl: string): string | undefined {
  const trimmed = value.trim();
  try {
    return new URL(trimmed, baseUrl).href;
  } catch {
    return undefined;
  }
}

/**
 * Renders an article's Markdown to HTML fit for a feed: no script, styles, frames, forms,
 * event handlers or javascript: URLs, and every link and image made absolute against
 * the article's own URL (readers show items away from the site).
 */
export function renderArticleHtml(body: string, articleUrl: string): string {
  if (body.trim() === '') return '';
  return sanitizeHtml(markdown.render(body), sanitiseOptions(articleUrl)).trim();
}

const EXCERPT_LENGTH = 240;

/**
 * A plain-text summary for articles that have none: the body's first words, cut at a word
 * boundary. Reads Markdown tokens, so raw HTML and markup never leak into the text.
 */
export function excerpt(body: string, maxLength = EXCERPT_LENGTH): string {
  if (body.trim() === '') return '';
  const parts: string[] = [];
  let length = 0;
  for (const token of markdown.parse(body, {})) {
    if (token.type !== 'inline' || !token.children) continue;
    const text = token.children
      .map((child) =>
        child.type === 'text' || child.type === 'code_inline'
          ? child.content
          : child.type === 'softbreak'
            ? ' '
            : '',
      )
      .join('')
      .replace(/\s+/g, ' ')
      .trim();
    if (text === '') continue;
    parts.push(text);
    length += text.length + 1;
    if (length > maxLength) break;
  }
  const joined = parts.join(' ');
  if (joined.length <= maxLength) return joined;
  const cut = joined.slice(0, maxLength);
  const lastSpace = cut.lastIndexOf(' ');
  return `${(lastSpace > maxLength / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,.;:–-]+$/, '')}…`;
}
