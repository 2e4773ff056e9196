import { Feed, type Item } from 'feed';
import { escapeXmlText } from '../text';
import { categoryNames, type FeedDocument, GENERATOR, itemUpdated } from './document';
import { XmlSlots } from './xml-slots';

/** Atom 1.0 (RFC 4287): titles and summaries as plain text, content as HTML. */
export function renderAtom(document: FeedDocument): string {
  const slots = new XmlSlots();
  const feed = new Feed({
    id: slots.text(document.urls.atom),
    title: slots.text(document.title),
    description: slots.text(document.description),
    link: document.homePageUrl,
    updated: new Date(document.updated),
    generator: GENERATOR,
    author: { name: slots.text(document.publisher) },
    feedLinks: { atom: document.urls.atom },
  });
  for (const { article, html, summary } of document.items) {
    const item: Item = {
      title: slots.atomText(article.title),
      id: slots.atomId(article.id),
      link: article.link,
      date: itemUpdated(article),
      published: new Date(article.published),
      // `feed` writes no term unless given one, and term is the attribute Atom requires.
      category: categoryNames(article).map((name) => ({ term: slots.attribute(name) })),
      author: article.authors.map((author) => ({
        name: slots.text(author.name),
        ...(author.email ? { email: slots.text(author.email) } : {}),
        ...(author.url ? { link: author.url } : {}),
      })),
    };
    // An entry needs some text: the title stands in when there is neither summary nor body.
    if (summary || !html) item.description = slots.atomText(summary || article.title);
    if (html) item.content = slots.cdata(html);
    if (article.image) {
      item.image = {
        url: article.image.url,
        title: slots.atomEnclosureTitle(article.image.caption, article.image.type),
      };
    }
    feed.addItem(item);
  }
  const xml = slots.fill(feed.atom1());
  const root = '<feed xmlns="http://www.w3.org/2005/Atom">';
  if (!xml.includes(root)) throw new Error('unexpected Atom root element from the feed package');
  return `${xml.replace(root, `<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="${escapeXmlText(document.language)}">`)}\n`;
}
