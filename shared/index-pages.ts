import { DateTime } from 'luxon';
import type { SiteConfig } from './config';
import type { FeedDocument } from './feeds';
import type { FeedPlan } from './site';
import { escapeXmlAttribute as attr, escapeXmlText as text } from './text';

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

function siteUpdated(documents: readonly FeedDocument[]): number {
  return documents.reduce((latest, document) => Math.max(latest, document.updated), 0);
}

/**
 * OPML 2.0 subscription list of every feed, one folder per format, so a reader imports the
 * format it prefers without subscribing to the same news three times.
 */
export function renderOpml(
  plans: readonly FeedPlan[],
  documents: readonly FeedDocument[],
  config: SiteConfig,
): string {
  const updated = siteUpdated(documents);
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${text(config.title)}</title>`,
    ...(updated > 0 ? [`    <dateCreated>${new Date(updated).toUTCString()}</dateCreated>`] : []),
    '    <docs>http://opml.org/spec2.opml</docs>',
    '  </head>',
    '  <body>',
  ];
  for (const format of FORMATS) {
    lines.push(`    <outline text="${attr(format.label)}">`);
    plans.forEach((_plan, index) => {
      const document = documents[index];
      if (!document) return;
      lines.push(
        `      <outline type="rss" version="${format.opmlVersion}" text="${attr(document.title)}" title="${attr(document.title)}"` +
          ` description="${attr(document.description)}" language="${attr(document.language)}"` +
          ` xmlUrl="${attr(document.urls[format.key])}" htmlUrl="${attr(document.homePageUrl)}"/>`,
      );
    });
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
export function renderFeedsPage(
  plans: readonly FeedPlan[],
  documents: readonly FeedDocument[],
  config: SiteConfig,
): string {
  const relative = (plan: FeedPlan, file: string): string =>
    encodeURI(`${plan.folder.replace(/^feeds\//, '')}${file}`);
  const formatTime = (millis: number): string =>
    DateTime.fromMillis(millis, { zone: config.timezone }).toFormat('dd/MM/yyyy HH:mm');
  const discovery: string[] = [];
  const rows: string[] = [];
  plans.forEach((plan, index) => {
    const document = documents[index];
    if (!document) return;
    const name = plan.category ? plan.category.name : 'Tất cả tin';
    for (const format of FORMATS) {
      discovery.push(
        `    <link rel="alternate" type="${format.mime}" title="${attr(`${document.title} (${format.label})`)}" href="${attr(relative(plan, format.file))}">`,
      );
    }
    const links = FORMATS.map(
      (format) =>
        `<a href="${attr(relative(plan, format.file))}" type="${format.mime}">${text(format.label)}</a>`,
    ).join(' · ');
    const updated =
      document.updated > 0
        ? `<time datetime="${new Date(document.updated).toISOString()}">${formatTime(document.updated)}</time>`
        : '–';
    rows.push(
      `        <tr${plan.category ? ` data-category="${attr(plan.category.slug)}"` : ' data-site'}>` +
        `<th scope="row">${text(name)}</th><td>${plan.total}</td><td>${updated}</td><td>${links}</td></tr>`,
    );
  });
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
    '        <thead><tr><th scope="col">Chuyên mục</th><th scope="col">Số bài</th><th scope="col">Cập nhật</th><th scope="col">Nguồn tin</th></tr></thead>',
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
