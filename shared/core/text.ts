import { isUtf8 } from 'node:buffer';

/**
 * Text hygiene shared by every field: XML 1.0 cannot carry some characters at all, and
 * readers compare text byte for byte, so every string is normalised once, on the way in.
 */

// C0 controls other than tab, LF and CR, U+FFFE and U+FFFF (XML 1.0 cannot hold them); and
// C1 controls and the noncharacters U+FDD0–U+FDEF, which XML discourages and the W3C feed
// validator reports (C1 controls in text are nearly always Windows-1252 decoded wrongly).
const XML_ILLEGAL_CONTROLS =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF]/g;
// UTF-16 surrogates that are not part of a pair (JSON input can carry them as \ud800 escapes).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

// The noncharacters of the supplementary planes (U+1FFFE, U+1FFFF, … U+10FFFF).
const SUPPLEMENTARY_NONCHARACTER =
  /[\u{1FFFE}\u{1FFFF}\u{2FFFE}\u{2FFFF}\u{3FFFE}\u{3FFFF}\u{4FFFE}\u{4FFFF}\u{5FFFE}\u{5FFFF}\u{6FFFE}\u{6FFFF}\u{7FFFE}\u{7FFFF}\u{8FFFE}\u{8FFFF}\u{9FFFE}\u{9FFFF}\u{AFFFE}\u{AFFFF}\u{BFFFE}\u{BFFFF}\u{CFFFE}\u{CFFFF}\u{DFFFE}\u{DFFFF}\u{EFFFE}\u{EFFFF}\u{FFFFE}\u{FFFFF}\u{10FFFE}\u{10FFFF}]/gu;
const HAS_XML_ILLEGAL_CONTROL =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF]/;

/** Removes the characters an XML 1.0 document cannot hold, or should not (see above). */
export function stripXmlIllegal(text: string): string {
  // Lone surrogates first: removing a control character between two of them must not pair them.
  // isWellFormed is native and fast; the look-around regex is not, so it runs only when needed.
  const paired = text.isWellFormed() ? text : text.replace(LONE_SURROGATE, '');
  // Testing first is cheaper than a replace that finds nothing (the usual case).
  const clean = HAS_XML_ILLEGAL_CONTROL.test(paired) ? paired.replace(XML_ILLEGAL_CONTROLS, '') : paired;
  // Supplementary noncharacters are surrogate pairs; most text has none at all.
  return /[\uD83F-\uDBFF]/.test(clean) ? clean.replace(SUPPLEMENTARY_NONCHARACTER, '') : clean;
}

/**
 * Multi-line text (Markdown bodies): no XML-illegal characters, LF line ends (XML parsers
 * turn CR into LF anyway, so keeping it would make output differ from what readers see), NFC.
 */
export function cleanText(text: string): string {
  const stripped = stripXmlIllegal(text);
  return (stripped.includes('\r') ? stripped.replace(/\r\n?/g, '\n') : stripped).normalize('NFC');
}

/** One-line text (titles, names, summaries): {@link cleanText}, whitespace runs folded, trimmed. */
export function cleanLine(text: string): string {
  return cleanText(text).replace(/\s+/g, ' ').trim();
}

/** Escapes text for an XML or HTML text node. */
export function escapeXmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes text for a double-quoted XML or HTML attribute. Tab and line ends become
 * character references because XML attribute normalisation would turn them into spaces.
 */
export function escapeXmlAttribute(text: string): string {
  return escapeXmlText(text)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * Escapes plain text for a feed. "&" and "<" become hexadecimal character references: the
 * W3C feed validator takes a bare "&amp;" or "&lt;" in plain text for HTML, and only
 * character references tell it the text is plain.
 */
export function escapeFeedText(text: string): string {
  return text.replace(/&/g, '&#x26;').replace(/</g, '&#x3C;').replace(/>/g, '&gt;');
}

/** {@link escapeFeedText} for a double-quoted attribute. */
export function escapeFeedAttribute(text: string): string {
  return escapeFeedText(text)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/** Escapes text for the inside of a CDATA section: every `]]>`, not only the first. */
export function escapeCdata(text: string): string {
  return text.replaceAll(']]>', ']]]]><![CDATA[>');
}

export class Utf8Error extends Error {
  constructor(
    readonly byteOffset: number,
    readonly line: number,
  ) {
    super(
      `is not valid UTF-8 (first bad byte at offset ${byteOffset}, line ${line}); save the file as UTF-8`,
    );
  }
}

/** Decodes UTF-8 strictly (a leading BOM is dropped); throws {@link Utf8Error} naming the first bad byte. */
export function decodeUtf8Strict(bytes: Uint8Array): string {
  assertUtf8(bytes);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Throws {@link Utf8Error} naming the first bad byte unless `bytes` are UTF-8. */
export function assertUtf8(bytes: Uint8Array): void {
  // isUtf8 is a native validator (simdutf): far faster than decoding with a fatal TextDecoder.
  if (isUtf8(bytes)) return;
  const offset = firstInvalidUtf8Offset(bytes);
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  throw new Utf8Error(offset, line);
}

// Only runs on the error path, to tell the editor where the bad byte is.
function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let length: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else return i;
    if (i + length > bytes.length) return i;
    let codePoint = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k] ?? 0;
      if ((next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
}
