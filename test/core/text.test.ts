import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import {
  cleanLine,
  cleanText,
  decodeUtf8Strict,
  escapeCdata,
  escapeXmlAttribute,
  escapeXmlText,
  stripXmlIllegal,
  Utf8Error,
} from '../../shared/core/text';

const FC = { seed: Number(process.env.FC_SEED ?? 42), numRuns: Number(process.env.FC_RUNS ?? 200) };

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * XML 1.0 Char production, checked code point by code point (lone surrogates count as
 * illegal), less what feeds must not carry either: C1 controls and U+FDD0–U+FDEF.
 */
function isXmlChar(codePoint: number): boolean {
  const xml =
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff);
  const discouraged =
    (codePoint >= 0x7f && codePoint <= 0x9f) || (codePoint >= 0xfdd0 && codePoint <= 0xfdef);
  return xml && !discouraged;
}

function xmlIllegalCharacters(text: string): string[] {
  return [...text].filter((character) => !isXmlChar(character.codePointAt(0) ?? 0));
}

/** Parses an XML document with saxes; returns its text, CDATA and the root's attributes. */
function parseXml(xml: string): { text: string; cdata: string; attributes: Record<string, string> } {
  const parser = new SaxesParser();
  let text = '';
  let cdata = '';
  let attributes: Record<string, string> = {};
  parser.on('text', (t) => {
    text += t;
  });
  parser.on('cdata', (c) => {
    cdata += c;
  });
  parser.on('opentag', (node) => {
    attributes = node.attributes as Record<string, string>;
  });
  parser.write(xml).close();
  return { text, cdata, attributes };
}

/** Strings full of trouble: any UTF-16 unit (lone surrogates too), controls, odd spaces, marks. */
const nastyText = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '\u0000',
        '\u0001',
        '\u0008',
        '\t',
        '\n',
        '\u000B',
        '\u000C',
        '\r',
        '\u001F',
        ' ',
        '\u0085',
        '\u00A0',
        '\u2028',
        '\u3000',
        '\uD800',
        '\uDBFF',
        '\uDC00',
        '\uDFFF',
        '\uFFFE',
        '\uFFFF',
        '\uFEFF',
        '\u0301',
        'e\u0301',
        'Đ',
        ']]>',
        '&',
        '<',
        '"',
      ),
    },
  ),
  maxLength: 40,
});

describe('stripXmlIllegal', () => {
  it.each([
    ['U+0000', '\u0000'],
    ['U+0001', '\u0001'],
    ['U+0008', '\u0008'],
    ['U+000B', '\u000B'],
    ['U+000C', '\u000C'],
    ['U+000E', '\u000E'],
    ['U+001F', '\u001F'],
    ['U+FFFE', '\uFFFE'],
    ['U+FFFF', '\uFFFF'],
    ['a lone high surrogate', '\uD800'],
    ['a lone low surrogate', '\uDC00'],
    ['a reversed surrogate pair', '\uDC00\uD800'],
    ['DEL (the validator reports it)', '\u007F'],
    ['NEL, a C1 control (Windows-1252 decoded wrongly)', '\u0085'],
    ['U+009F', '\u009F'],
    ['the noncharacter U+FDD0', '\uFDD0'],
  ])('removes %s', (_name, illegal) => {
    expect(stripXmlIllegal(`a${illegal}b`)).toBe('ab');
    expect(stripXmlIllegal(illegal)).toBe('');
  });

  it.each([
    ['tab', '\t'],
    ['line feed', '\n'],
    ['carriage return', '\r'],
    ['space', ' '],
    ['U+FFFD', '\uFFFD'],
    ['a private-use character', '\uE000'],
    ['a surrogate pair (emoji)', '😀'],
    ['U+10FFFD', '\u{10FFFD}'],
    ['Vietnamese', 'Đảng'],
  ])('keeps %s', (_name, legal) => {
    expect(stripXmlIllegal(`a${legal}b`)).toBe(`a${legal}b`);
  });

  it('removes a lone surrogate next to a valid pair but keeps the pair', () => {
    expect(stripXmlIllegal('\uD800\uD83D\uDE00')).toBe('😀');
    expect(stripXmlIllegal('\uD83D\uDE00\uDE00')).toBe('😀');
    expect(stripXmlIllegal('\uD83D\u0001\uDE00')).toBe('');
  });

  it('leaves only XML characters, and leaves XML-clean text unchanged (property)', () => {
    fc.assert(
      fc.property(nastyText, (text) => {
        const stripped = stripXmlIllegal(text);
        expect(xmlIllegalCharacters(stripped)).toEqual([]);
        expect(stripXmlIllegal(stripped)).toBe(stripped);
        if (xmlIllegalCharacters(text).length === 0) expect(stripped).toBe(text);
      }),
      FC,
    );
  });
});

describe('cleanText', () => {
  it('turns CRLF and lone CR into LF', () => {
    expect(cleanText('a\r\nb\rc\nd\r\n')).toBe('a\nb\nc\nd\n');
  });

  it('normalises to NFC', () => {
    const nfd = 'Tiếng Việt'.normalize('NFD');
    expect(cleanText(nfd)).toBe('Tiếng Việt');
  });

  it('strips XML-illegal characters', () => {
    expect(cleanText('a\u0000b\u000Bc\uFFFFd\uD800')).toBe('abcd');
  });

  it('keeps indentation, blank lines, tabs and trailing newlines', () => {
    const markdown = '  indented\n\n\tcode\n- item  \n\n';
    expect(cleanText(markdown)).toBe(markdown);
  });

  it('gives XML-clean NFC text with LF line ends only (property)', () => {
    fc.assert(
      fc.property(nastyText, (text) => {
        const cleaned = cleanText(text);
        expect(xmlIllegalCharacters(cleaned)).toEqual([]);
        expect(cleaned).not.toContain('\r');
        expect(cleaned).toBe(cleaned.normalize('NFC'));
        expect(cleanText(cleaned)).toBe(cleaned);
      }),
      FC,
    );
  });
});

describe('cleanLine', () => {
  it.each([
    ['  Bí thư  34 tỉnh ủy  ', 'Bí thư 34 tỉnh ủy'],
    ['a\tb\nc\r\nd', 'a b c d'],
    ['a\u00A0\u00A0b', 'a b'],
    ['a\u2028b\u3000c', 'a b c'],
    ['\n\n\t', ''],
    ['', ''],
  ])('folds white space in %j to %j', (input, expected) => {
    expect(cleanLine(input)).toBe(expected);
  });

  it('removes a control character without inserting a space', () => {
    expect(cleanLine('Tin\u0001tức')).toBe('Tintức');
  });

  it('treats a vertical tab as removed, not as a word break', () => {
    expect(cleanLine('Tin\u000Btức mới')).toBe('Tintức mới');
  });

  it('normalises to NFC', () => {
    expect(cleanLine(' Xây dựng Đảng '.normalize('NFD'))).toBe('Xây dựng Đảng');
  });

  it('never contains XML-illegal characters (property)', () => {
    fc.assert(
      fc.property(nastyText, (text) => {
        expect(xmlIllegalCharacters(cleanLine(text))).toEqual([]);
      }),
      FC,
    );
  });

  it('is one trimmed line with single spaces, idempotent (property)', () => {
    fc.assert(
      fc.property(nastyText, (text) => {
        const line = cleanLine(text);
        expect(line).not.toMatch(/[\t\n\r\u2028\u2029]/);
        expect(line).not.toMatch(/\s\s/);
        expect(line).toBe(line.trim());
        expect(cleanLine(line)).toBe(line);
      }),
      FC,
    );
  });
});

describe('escapeXmlText', () => {
  it('escapes &, < and >', () => {
    expect(escapeXmlText('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });

  it('escapes an existing entity again rather than trusting it', () => {
    expect(escapeXmlText('&amp; &lt;')).toBe('&amp;amp; &amp;lt;');
  });

  it('leaves quotes and other text alone', () => {
    expect(escapeXmlText(`"Đảng" 'viên' ]]>`)).toBe(`"Đảng" 'viên' ]]&gt;`);
  });

  it('round-trips any clean text through an XML parser (property)', () => {
    fc.assert(
      fc.property(nastyText, (raw) => {
        const text = cleanText(raw);
        expect(parseXml(`<r>${escapeXmlText(text)}</r>`).text).toBe(text);
      }),
      FC,
    );
  });
});

describe('escapeXmlAttribute', () => {
  it('escapes &, <, > and the double quote', () => {
    expect(escapeXmlAttribute('a & "b" <c>')).toBe('a &amp; &quot;b&quot; &lt;c&gt;');
  });

  it('writes tab, LF and CR as character references so they survive attribute normalisation', () => {
    expect(escapeXmlAttribute('a\tb\nc\rd')).toBe('a&#9;b&#10;c&#13;d');
  });

  it('leaves the apostrophe alone (attributes are double-quoted)', () => {
    expect(escapeXmlAttribute("l'été")).toBe("l'été");
  });

  it('round-trips any XML-legal text through a double-quoted attribute (property)', () => {
    fc.assert(
      fc.property(nastyText, (raw) => {
        const value = stripXmlIllegal(raw);
        expect(parseXml(`<r a="${escapeXmlAttribute(value)}"/>`).attributes.a).toBe(value);
      }),
      FC,
    );
  });
});

describe('escapeCdata', () => {
  it('splits "]]>" so it cannot end the section', () => {
    expect(escapeCdata('a]]>b')).toBe('a]]]]><![CDATA[>b');
  });

  it('splits every "]]>", not only the first', () => {
    expect(escapeCdata(']]>x]]>')).toBe(']]]]><![CDATA[>x]]]]><![CDATA[>');
  });

  it('handles extra brackets before "]]>"', () => {
    expect(parseXml(`<r><![CDATA[${escapeCdata(']]]]>>')}]]></r>`).cdata).toBe(']]]]>>');
  });

  it('leaves text without "]]>" unchanged', () => {
    expect(escapeCdata('<p>a]] > b</p>')).toBe('<p>a]] > b</p>');
  });

  it('round-trips any clean text through a CDATA section (property)', () => {
    fc.assert(
      fc.property(nastyText, (raw) => {
        const text = cleanText(raw);
        expect(parseXml(`<r><![CDATA[${escapeCdata(text)}]]></r>`).cdata).toBe(text);
      }),
      FC,
    );
  });
});

describe('decodeUtf8Strict', () => {
  it.each([
    ['ASCII', 'Hello'],
    ['Vietnamese', 'Xây dựng Đảng'],
    ['CJK', '新闻'],
    ['an emoji', '😀'],
    ['U+10FFFF', '\u{10FFFF}'],
    ['the empty string', ''],
  ])('decodes %s', (_name, text) => {
    expect(decodeUtf8Strict(Buffer.from(text, 'utf8'))).toBe(text);
  });

  it('accepts a plain Uint8Array', () => {
    expect(decodeUtf8Strict(new Uint8Array([0x56, 0x69, 0xe1, 0xbb, 0x87, 0x74]))).toBe('Việt');
  });

  it('drops one leading byte order mark', () => {
    expect(decodeUtf8Strict(Buffer.concat([BOM, Buffer.from('x')]))).toBe('x');
    expect(decodeUtf8Strict(Buffer.concat([BOM, BOM, Buffer.from('x')]))).toBe('\uFEFFx');
  });

  it('keeps U+FEFF that is not at the start', () => {
    expect(decodeUtf8Strict(Buffer.from('a\uFEFFb'))).toBe('a\uFEFFb');
  });

  it.each([
    ['Latin-1 "Vi\\xeat"', [0x56, 0x69, 0xea, 0x74], 2],
    ['an overlong "/" (C0 AF)', [0xc0, 0xaf], 0],
    ['an overlong "/" (E0 80 AF)', [0xe0, 0x80, 0xaf], 0],
    ['an overlong "/" (F0 80 80 AF)', [0xf0, 0x80, 0x80, 0xaf], 0],
    ['an overlong U+07FF (E0 9F BF)', [0xe0, 0x9f, 0xbf], 0],
    ['a CESU-8 lone high surrogate (ED A0 80)', [0xed, 0xa0, 0x80], 0],
    ['a CESU-8 lone low surrogate (ED BF BF)', [0xed, 0xbf, 0xbf], 0],
    ['a CESU-8 surrogate pair', [0x61, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80], 1],
    ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80], 0],
    ['F5', [0xf5, 0x80, 0x80, 0x80], 0],
    ['a stray continuation byte', [0x61, 0x80, 0x62], 1],
    ['FF', [0xff], 0],
    ['FE', [0x61, 0x62, 0xfe], 2],
    ['a three-byte sequence cut short by ASCII', [0xe2, 0x82, 0x41], 0],
    ['a truncated two-byte sequence at the end', [0x61, 0xc3], 1],
    ['a truncated three-byte sequence at the end', [0x61, 0x62, 0xe2, 0x82], 2],
    ['a truncated four-byte sequence at the end', [0xf0, 0x9f, 0x98], 0],
  ])('rejects %s and names the first bad byte', (_name, bytes, offset) => {
    let error: unknown;
    try {
      decodeUtf8Strict(Uint8Array.from(bytes));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Utf8Error);
    expect(error).toBeInstanceOf(Error);
    const utf8Error = error as Utf8Error;
    expect(utf8Error.byteOffset).toBe(offset);
    expect(utf8Error.line).toBe(1);
    expect(utf8Error.message).toContain(`offset ${offset}`);
    expect(utf8Error.message).toContain('save the file as UTF-8');
  });

  it('counts lines up to the bad byte', () => {
    const bytes = Buffer.concat([Buffer.from('---\ntitle: ok\nsummary: Vi'), Buffer.from([0xea, 0x74])]);
    expect(() => decodeUtf8Strict(bytes)).toThrow(expect.objectContaining({ byteOffset: 25, line: 3 }));
    expect(() => decodeUtf8Strict(bytes)).toThrow(/offset 25, line 3/);
  });

  it('round-trips any well-formed string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        // A byte order mark in front is dropped; behind it, the text comes back exactly.
        expect(decodeUtf8Strict(Buffer.concat([BOM, Buffer.from(text, 'utf8')]))).toBe(text);
        // Without one, only a leading U+FEFF (which is a BOM) is lost.
        expect(decodeUtf8Strict(Buffer.from(text, 'utf8'))).toBe(text.replace(/^\uFEFF/, ''));
      }),
      FC,
    );
  });

  it('either decodes bytes exactly or names the first bad byte (property)', () => {
    const bytesWithDamage = fc.oneof(
      fc.uint8Array({ maxLength: 24 }),
      fc
        .tuple(fc.string({ unit: 'binary', maxLength: 16 }), fc.nat(), fc.integer({ min: 0x80, max: 0xff }))
        .map(([text, at, byte]) => {
          const bytes = Buffer.from(text, 'utf8');
          const index = bytes.length === 0 ? 0 : at % bytes.length;
          return Uint8Array.from([...bytes.subarray(0, index), byte, ...bytes.subarray(index)]);
        }),
    );
    fc.assert(
      fc.property(bytesWithDamage, (bytes) => {
        let decoded: string | undefined;
        let error: unknown;
        try {
          decoded = decodeUtf8Strict(bytes);
        } catch (caught) {
          error = caught;
        }
        if (decoded !== undefined) {
          const withoutBom =
            bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
          expect(Buffer.from(decoded, 'utf8').equals(Buffer.from(withoutBom))).toBe(true);
          return;
        }
        expect(error).toBeInstanceOf(Utf8Error);
        const { byteOffset, line } = error as Utf8Error;
        expect(byteOffset).toBeGreaterThanOrEqual(0);
        expect(byteOffset).toBeLessThan(bytes.length);
        // Everything before the offset is good UTF-8; decoding from the offset fails at once.
        expect(() => decodeUtf8Strict(bytes.subarray(0, byteOffset))).not.toThrow();
        expect(() => decodeUtf8Strict(bytes.subarray(byteOffset))).toThrow(
          expect.objectContaining({ byteOffset: 0 }),
        );
        expect(line).toBe(1 + bytes.subarray(0, byteOffset).filter((b) => b === 0x0a).length);
      }),
      FC,
    );
  });
});
