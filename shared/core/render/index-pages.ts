import type { Category } from '../article/article';
import type { SiteConfig } from '../config';
import { escapeXmlAttribute as attr, escapeXmlText as text } from '../text';
import { feedIdentity } from './identity';

const FORMATS = [
  { key: 'rss', label: 'RSS 2.0', file: 'rss.xml', mime: 'application/rss+xml', opmlVersion: 'RSS2' },
  { key: 'atom', label: 'Atom 1.0', file: 'atom.xml', mime: 'application/atom+xml', opmlVersion: 'ATOM' },
  {
    key: 'json',
    label: 'JSON Feed 1.1',
    file: 'feed.json',
    mime: 'application/feed+json',
    opmlVersion: 'JSONFEED',
  },
] as const;

// Both pages depend only on the site settings and the list of categories, never on the
// articles themselves, so publishing an article rewrites them only when a category comes or goes.
function feedsOf(categories: readonly Category[], config: SiteConfig) {
  return [undefined, ...[...categories].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0))].map(
    (category) => ({ category, identity: feedIdentity(category, config) }),
  );
}

/**
 * OPML 2.0 subscription list of every feed, one folder per format, so a reader imports the
 * format it prefers without subscribing to the same news three times.
 */
export function renderOpml(categories: readonly Category[], config: SiteConfig): string {
  const feeds = feedsOf(categories, config);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${text(config.title)}</title>`,
    '    <docs>http://opml.org/spec2.opml</docs>',
    '  </head>',
    '  <body>',
  ];
  for (const format of FORMATS) {
    lines.push(`    <outline text="${attr(format.label)}">`);
    for (const { identity } of feeds) {
      lines.push(
        `      <outline type="rss" version="${format.opmlVersion}" text="${attr(identity.title)}" title="${attr(identity.title)}"` +
          ` description="${attr(identity.description)}" language="${attr(identity.language)}"` +
          ` xmlUrl="${attr(identity.urls[format.key])}" htmlUrl="${attr(identity.homePageUrl)}"/>`,
      );
    }
    lines.push('    </outline>');
  }
  lines.push('  </body>', '</opml>', '');
  return lines.join('\n');
}

/**
 * The page people land on: every category with its three feed links, and
 * `<link rel="alternate">` tags so browsers and readers discover the feeds. Links are
 * relative to the page (it lives in feeds/), so the page works wherever it is served.
 */
export function renderFeedsPage(categories: readonly Category[], config: SiteConfig): string {
  const discovery: string[] = [];
  const rows: string[] = [];
  for (const { category, identity } of feedsOf(categories, config)) {
    const relative = (file: string): string => encodeURI(`${identity.folder.replace(/^feeds\//, '')}${file}`);
    for (const format of FORMATS) {
      discovery.push(
        `    <link rel="alternate" type="${format.mime}" title="${attr(`${identity.title} (${format.label})`)}" href="${attr(relative(format.file))}">`,
      );
    }
    const links = FORMATS.map(
      (format) => `<a href="${attr(relative(format.file))}" type="${format.mime}">${text(format.label)}</a>`,
    ).join(' · ');
    rows.push(
      `        <tr${category ? ` data-category="${attr(category.slug)}"` : ' data-site'}>` +
        `<th scope="row">${text(category ? category.name : 'Tất cả tin')}</th><td>${links}</td></tr>`,
    );
  }
  return [
    '<!doctype html>',
    `<html lang="${attr(config.language)}">`,
    '  <head>',
    '    <meta charset="utf-8">',
    '    <meta name="viewport" content="width=device-width, initial-scale=1">',
    `    <title>${text(`${config.title} – RSS`)}</title>`,
    ...discovery,
    '    <style>',
    '      body { font: 16px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }',
    '      table { border-collapse: collapse; width: 100%; }',
    '      th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #ddd; vertical-align: top; }',
    '      a { color: #b3261e; }',
    '    </style>',
    '  </head>',
    '  <body>',
    '    <main>',
    `      <h1>${text(config.title)}: RSS</h1>`,
    `      <p>${text(config.description)}</p>`,
    '      <p>Dán một địa chỉ dưới đây vào trình đọc tin (RSS, Atom hoặc JSON Feed) để nhận tin mới.</p>',
    '      <table>',
    '        <thead><tr><th scope="col">Chuyên mục</th><th scope="col">Nguồn tin</th></tr></thead>',
    '        <tbody>',
    ...rows,
    '        </tbody>',
    '      </table>',
    '      <p><a href="index.opml" type="text/x-opml">Tất cả nguồn tin (OPML)</a></p>',
    '    </main>',
    '  </body>',
    '</html>',
    '',
  ].join('\n');
}
