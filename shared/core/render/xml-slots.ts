import { escapeCdata, escapeFeedAttribute, escapeFeedText, stripXmlIllegal } from '../text';

/**
 * Works around the escaping of the `feed` package and of xml-js beneath it, which:
 * escape only the first `]]>` in a CDATA section (a second one ends it and breaks the
 * document); escape only `"` in attributes (a `<` or `&` breaks the document); turn a
 * literal "&amp;" in text into "&"; and throw on Atom ids that are not URLs.
 *
 * So no text of ours goes through them. Each string is handed to `feed` as a placeholder
 * that survives its processing untouched (U+0001 delimiters, a character no input can
 * contain because {@link stripXmlIllegal} removed it), and {@link fill} puts the real
 * text back, escaped for the place it landed in.
 */
type Slot =
  | { kind: 'text' | 'cdata' | 'attribute' | 'atomText' | 'cdataText'; value: string }
  | { kind: 'enclosure'; caption: string | undefined; mimeType: string };

const PLACEHOLDER = /\u0001(\d+)\u0001/g;
// Atom ids must survive `new URL()` inside `feed`, so they get a URN placeholder instead.
const ATOM_ID = /<id>urn:x-feedgen-slot:(\d+)<\/id>/g;
// `feed` derives the Atom enclosure type from the file extension (image/jpg, or worse);
// the slot in the title attribute carries the real type and replaces the guess.
const ATOM_ENCLOSURE = / title="\u0001(\d+)\u0001" type="[^"]*"/g;
// `feed` writes every Atom title and summary as type="html" in CDATA; plain text is
// better said as type="text", or readers show "&amp;" where the editor wrote "&".
const ATOM_HTML_TEXT = / type="html"><!\[CDATA\[\u0001(\d+)\u0001\]\]>/g;
// `feed` wraps RSS titles in CDATA; plain text there is written as escaped text instead.
const CDATA_TEXT = /<!\[CDATA\[\u0001(\d+)\u0001\]\]>/g;

export class XmlSlots {
  readonly #slots: Slot[] = [];

  /** Text content of an element. */
  text(value: string): string {
    return this.#add({ kind: 'text', value });
  }

  /** Content of an element that `feed` wraps in CDATA. */
  cdata(value: string): string {
    return this.#add({ kind: 'cdata', value });
  }

  /** An attribute value. */
  attribute(value: string): string {
    return this.#add({ kind: 'attribute', value });
  }

  /** Plain text that `feed` wraps in CDATA (RSS item titles). */
  cdataText(value: string): string {
    return this.#add({ kind: 'cdataText', value });
  }

  /** Plain text of an Atom title or summary that `feed` would mark as HTML. */
  atomText(value: string): string {
    return this.#add({ kind: 'atomText', value });
  }

  /** An Atom id: any absolute URI, written exactly as given. */
  atomId(value: string): string {
    const index = this.#slots.push({ kind: 'text', value }) - 1;
    return `urn:x-feedgen-slot:${index}`;
  }

  /** The `title` of an Atom enclosure link; also fixes the link's `type`. */
  atomEnclosureTitle(caption: string | undefined, mimeType: string): string {
    return this.#add({ kind: 'enclosure', caption, mimeType });
  }

  /** Replaces every placeholder in `xml` with its text, escaped for where it stands. */
  fill(xml: string): string {
    const filled = xml
      .replace(ATOM_HTML_TEXT, (match, index: string) => {
        const slot = this.#slot(index);
        return slot.kind === 'atomText' ? ` type="text">${escapeFeedText(slot.value)}` : match;
      })
      .replace(CDATA_TEXT, (match, index: string) => {
        const slot = this.#slot(index);
        return slot.kind === 'cdataText' ? escapeFeedText(slot.value) : match;
      })
      .replace(ATOM_ENCLOSURE, (_match, index: string) => {
        const slot = this.#slot(index);
        if (slot.kind !== 'enclosure') throw new Error(`slot ${index} is not an enclosure title`);
        const title = slot.caption ? ` title="${escapeFeedAttribute(slot.caption)}"` : '';
        return `${title} type="${escapeFeedAttribute(slot.mimeType)}"`;
      })
      .replace(ATOM_ID, (_match, index: string) => {
        const slot = this.#slot(index);
        if (slot.kind !== 'text') throw new Error(`slot ${index} is not an id`);
        return `<id>${escapeFeedText(slot.value)}</id>`;
      })
      .replace(PLACEHOLDER, (_match, index: string) => {
        const slot = this.#slot(index);
        switch (slot.kind) {
          case 'text':
            return escapeFeedText(slot.value);
          case 'cdata':
            return escapeCdata(slot.value);
          case 'attribute':
            return escapeFeedAttribute(slot.value);
          case 'enclosure':
          case 'atomText':
          case 'cdataText':
            throw new Error(`${slot.kind} slot ${index} was not where feed puts it`);
        }
      });
    if (filled.includes('\u0001')) {
      throw new Error('a text placeholder was left in the rendered feed');
    }
    return filled;
  }

  #add(slot: Slot): string {
    return `\u0001${this.#slots.push(slot) - 1}\u0001`;
  }

  #slot(index: string): Slot {
    const slot = this.#slots[Number(index)];
    if (!slot) throw new Error(`no text slot ${index}`);
    // Articles arrive clean; this keeps any other caller from breaking the document.
    return slot.kind === 'enclosure'
      ? { ...slot, caption: slot.caption === undefined ? undefined : stripXmlIllegal(slot.caption) }
      : { ...slot, value: stripXmlIllegal(slot.value) };
  }
}
