import type { FeedDocument, FeedItem } from './feeds';
import { renderAtom, renderJsonFeed, renderRss } from './feeds';

/**
 * Feeds assembled from pre-rendered items. An item's RSS, Atom and JSON text does not depend
 * on the feed it is in, so the publisher renders it once, when the item enters a feed, and
 * keeps it in the feed's index; a feed file is then its head, the stored items, its tail.
 * The pieces are cut from the renderers' own output, so the result is byte-identical to
 * rendering the whole document (test/core/render/fragments.test.ts checks that).
 */
export interface ItemFragments {
  readonly rss: string;
  readonly atom: string;
  readonly json: string;
}

interface Format {
  readonly render: (document: FeedDocument) => string;
  /** Where the one item of a one-item document starts and ends. */
  readonly cut: (text: string) => { start: number; end: number };
  readonly separator: string;
}

function elementCut(open: string, close: string): Format['cut'] {
  return (text) => {
    // The head holds only escaped text, so the first opening tag is the item's; the tail
    // holds none, so the last closing tag is.
    const start = text.indexOf(open);
    const end = text.lastIndexOf(close);
    if (start < 0 || end < start) throw new Error(`renderer output has no ${open.trim()} element`);
    return { start, end: end + close.length };
  };
}

const FORMATS = {
  rss: { render: renderRss, cut: elementCut('        <item>', '</item>\n'), separator: '' },
  atom: { render: renderAtom, cut: elementCut('    <entry>', '</entry>\n'), separator: '' },
  json: {
    render: renderJsonFeed,
    cut: (text: string) => {
      // JSON.stringify(…, null, 2): the items array is the last member, its items at depth 2.
      const open = '"items": [\n';
      const start = text.lastIndexOf(open);
      const end = text.lastIndexOf('\n  ]\n}');
      if (start < 0 || end < start) throw new Error('JSON Feed output has no items array');
      return { start: start + open.length, end };
    },
    separator: ',\n',
  },
} satisfies Record<keyof ItemFragments, Format>;

const PROBE: Omit<FeedDocument, 'items'> = {
  title: 'probe',
  description: 'probe',
  homePageUrl: 'https://feedgen.invalid/',
  language: 'vi',
  publisher: 'probe',
  urls: {
    rss: 'https://feedgen.invalid/rss.xml',
    atom: 'https://feedgen.invalid/atom.xml',
    json: 'https://feedgen.invalid/feed.json',
  },
  updated: 0,
};

/** The item's text in each format, as it appears inside any feed. */
export function renderItemFragments(item: FeedItem): ItemFragments {
  const document: FeedDocument = { ...PROBE, items: [item] };
  const cut = (format: Format): string => {
    const text = format.render(document);
    const { start, end } = format.cut(text);
    return text.slice(start, end);
  };
  return { rss: cut(FORMATS.rss), atom: cut(FORMATS.atom), json: cut(FORMATS.json) };
}

/** A feed's three files from its identity and its items' fragments, newest first. */
export function assembleFeed(
  document: Omit<FeedDocument, 'items'>,
  items: readonly { readonly fragments: ItemFragments; readonly hasContent: boolean }[],
): ItemFragments {
  if (items.length === 0) {
    const empty = { ...document, items: [] };
    return { rss: renderRss(empty), atom: renderAtom(empty), json: renderJsonFeed(empty) };
  }
  // RSS declares the content namespace only when some item has content: the pivot must agree.
  const withPivot: FeedDocument = { ...document, items: [pivotItem(items.some((item) => item.hasContent))] };
  const assemble = (name: keyof ItemFragments): string => {
    const format: Format = FORMATS[name];
    const text = format.render(withPivot);
    const { start, end } = format.cut(text);
    return (
      text.slice(0, start) +
      items.map((item) => item.fragments[name]).join(format.separator) +
      text.slice(end)
    );
  };
  return { rss: assemble('rss'), atom: assemble('atom'), json: assemble('json') };
}

/** A stand-in item: the head and tail of a feed come from a one-item render of it. */
function pivotItem(hasContent: boolean): FeedItem {
  return {
    article: {
      source: 'probe',
      title: 'probe',
      published: 0,
      updated: undefined,
      categories: [],
      summary: 'probe',
      authors: [],
      image: undefined,
      tags: [],
      slug: 'probe',
      link: PROBE.homePageUrl,
      id: PROBE.homePageUrl,
      draft: false,
      language: undefined,
      body: '',
    },
    html: hasContent ? '<p>probe</p>' : '',
    summary: 'probe',
  };
}
