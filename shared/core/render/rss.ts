import { Feed, type Item } from 'feed';
import { escapeXmlText } from '../text';
import { categoryNames, DC_NAMESPACE, type FeedDocument, GENERATOR, itemUpdated } from './document';
import { XmlSlots } from './xml-slots';

/** RSS 2.0. Authors go in dc:creator, since RSS's own <author> must be an e-mail address. */
export function renderRss(document: FeedDocument): string {
  const slots = new XmlSlots();
  const feed = new Feed({
    title: slots.text(document.title),
    description: slots.text(document.description),
    link: document.homePageUrl,
    language: slots.text(document.language),
    updated: new Date(document.updated),
    generator: GENERATOR,
    feedLinks: { rss: document.urls.rss },
  });
  for (const { article, html, summary } of document.items) {
    const item: Item = {
      title: slots.cdataText(article.title),
      link: article.link,
      date: itemUpdated(article),
      published: new Date(article.published),
      category: categoryNames(article).map((name) => ({ name: slots.text(name) })),
    };
    // Without an id `feed` writes the link as a permalink guid; a distinct id is not a permalink.
    if (article.id !== article.link) item.id = slots.text(article.id);
    // The validator wants a description before content:encoded; the title stands in.
    if (summary || html) item.description = slots.cdata(escapeXmlText(summary || article.title));
    if (html) item.content = slots.cdata(html);
    if (article.authors.length > 0) {
      item.extensions = [
        {
          name: 'dc:creator',
          objects: article.authors.map((author) => ({ _text: slots.text(author.name) })) as unknown as Record<
            string,
            unknown
          >,
        },
      ];
    }
    if (article.image) item.image = { url: article.image.url, type: article.image.type, length: 0 };
    feed.addItem(item);
  }
  let xml = slots.fill(feed.rss2());
  // `feed` declares the dc namespace only when some item has content.
  if (!xml.includes('xmlns:dc=')) xml = xml.replace('<rss ', `<rss xmlns:dc="${DC_NAMESPACE}" `);
  return `${xml}\n`;
}
