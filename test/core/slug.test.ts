import fc from 'fast-check';
import { slugify } from '../../shared/core/slug';

const FC = { seed: Number(process.env.FC_SEED ?? 42), numRuns: Number(process.env.FC_RUNS ?? 200) };

/**
 * Words of letters and digits joined by single dashes (or the empty string). Combining marks
 * are allowed after a letter or digit, because many scripts write vowels with them ("नमस्ते");
 * a word never starts with, or consists of, a mark alone.
 */
const SLUG_SHAPE = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}]*(-[\p{L}\p{N}][\p{L}\p{M}\p{N}]*)*$/u;

const VIETNAMESE_LETTERS = [
  ...'aăâbcdđeêghiklmnoôơpqrstuưvxy',
  ...'àảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ',
  ...'ÀẢÃÁẠĂẰẲẴẮẶÂẦẨẪẤẬĐÈẺẼÉẸÊỀỂỄẾỆÌỈĨÍỊÒỎÕÓỌÔỒỔỖỐỘƠỜỞỠỚỢÙỦŨÚỤƯỪỬỮỨỰỲỶỸÝỴ',
];
const SEPARATORS = [
  ' ',
  '  ',
  '-',
  '_',
  ',',
  '.',
  '!',
  '?',
  ':',
  '/',
  '—',
  '"',
  '“',
  '”',
  '(',
  ')',
  '\t',
  '\n',
];

/** Text that looks like Vietnamese headlines: letters, digits and punctuation. */
const vietnameseText = fc.string({
  unit: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...VIETNAMESE_LETTERS) },
    { weight: 1, arbitrary: fc.constantFrom(...'0123456789') },
    { weight: 2, arbitrary: fc.constantFrom(...SEPARATORS) },
  ),
  maxLength: 60,
});

/** Any text: whole graphemes of any script, any code point, or Vietnamese-like text. */
const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  vietnameseText,
);

/** Long headlines, to exercise the 80-character cut. */
const longHeadline = fc
  .array(
    fc.string({ unit: fc.constantFrom(...VIETNAMESE_LETTERS, ...'0123456789'), minLength: 1, maxLength: 12 }),
    {
      minLength: 8,
      maxLength: 30,
    },
  )
  .map((words) => words.join(' '));

describe('slugify', () => {
  describe('Vietnamese', () => {
    it.each([
      ['Xây dựng Đảng', 'xay-dung-dang'],
      ['Đảng viên', 'dang-vien'],
      ['ĐẢNG VIÊN', 'dang-vien'],
      ['đường Đồng Khởi', 'duong-dong-khoi'],
      ['Thời sự', 'thoi-su'],
      ['Kinh tế - Xã hội', 'kinh-te-xa-hoi'],
      ['Tiếng Việt có dấu: ă â ê ô ơ ư đ', 'tieng-viet-co-dau-a-a-e-o-o-u-d'],
      ['Hà Tĩnh', 'ha-tinh'],
      ['Bí thư 34 tỉnh ủy, thành ủy', 'bi-thu-34-tinh-uy-thanh-uy'],
      ['Học và làm theo Bác', 'hoc-va-lam-theo-bac'],
    ])('turns %s into %s', (input, slug) => {
      expect(slugify(input)).toBe(slug);
    });

    it.each(['Xây dựng Đảng', 'Đảng viên', 'Nguyễn Ấn Tượng', 'Ưu đãi'])(
      'gives NFD %s the same slug as NFC',
      (text) => {
        const nfd = text.normalize('NFD');
        expect(nfd).not.toBe(text);
        expect(slugify(nfd)).toBe(slugify(text));
      },
    );

    it('maps Đ and đ to d, including the decomposed forms', () => {
      expect(slugify('Đ')).toBe('d');
      expect(slugify('đ')).toBe('d');
      expect(slugify('Đ'.normalize('NFD'))).toBe('d');
    });
  });

  describe('punctuation and white space', () => {
    it.each([
      ['a -- b!!c', 'a-b-c'],
      ['  Hello,   World!! — “Quoted” (2025)  ', 'hello-world-quoted-2025'],
      ['a_b.c/d\\e', 'a-b-c-d-e'],
      ['a\tb\nc', 'a-b-c'],
      ['---a---', 'a'],
      ['100% ok?', '100-ok'],
      ['C++ & C#', 'c-c'],
    ])('collapses the separators in %j to single dashes: %s', (input, slug) => {
      expect(slugify(input)).toBe(slug);
    });

    it.each(['', '   ', '---', '!!!', '— · —', '😀🎉'])(
      'gives an empty slug for %j, which has no letters or digits',
      (input) => {
        expect(slugify(input)).toBe('');
      },
    );
  });

  describe('non-Latin scripts', () => {
    it.each([
      ['新闻', '新闻'],
      ['日本語のテキスト', '日本語のテキスト'],
      ['한국어 뉴스', '한국어-뉴스'],
      ['Привет мир', 'привет-мир'],
      ['Ελλάδα', 'ελλαδα'],
      ['مرحبا بالعالم', 'مرحبا-بالعالم'],
      ['שלום עולם', 'שלום-עולם'],
    ])('keeps the letters of %s: %s', (input, slug) => {
      expect(slugify(input)).toBe(slug);
    });

    it.each([
      ['Devanagari', 'नमस्ते दुनिया', 'नमस्ते-दुनिया'],
      ['Thai', 'สวัสดีชาวโลก', 'สวัสดีชาวโลก'],
      ['Bengali', 'বাংলা খবর', 'বাংলা-খবর'],
      ['Khmer', 'ព័ត៌មាន', 'ព័ត៌មាន'],
    ])('keeps the vowel signs of %s words intact: %s', (_script, input, slug) => {
      // These scripts write vowels with combining marks outside U+0300–U+036F; slug.ts promises
      // to leave them alone rather than split words at them.
      expect(slugify(input)).toBe(slug);
    });

    it.each([
      ['Top 10 ❤️ tin nổi bật', 'top-10-tin-noi-bat'],
      ['☀️ Nắng nóng', 'nang-nong'],
      ['Cảnh báo ⚠️ bão', 'canh-bao-bao'],
      ['⚠️', ''],
      ['❤️❤️', ''],
    ])('drops an emoji with its variation selector from %s: %j', (input, slug) => {
      // U+FE0F is a combining mark (Mn) with nothing to combine with once the emoji is gone;
      // kept, it becomes an invisible word in the URL.
      expect(slugify(input)).toBe(slug);
    });

    it('does not keep a combining mark that follows a separator', () => {
      expect(slugify('a \u0903b')).toBe('a-b');
      expect(slugify('\u05B4')).toBe('');
    });

    it('keeps Korean syllables whole whether the input is NFC or NFD', () => {
      expect(slugify('한국어'.normalize('NFD'))).toBe('한국어');
    });
  });

  describe('length', () => {
    it('leaves slugs of up to 80 characters alone', () => {
      const exactly80 = `${'a'.repeat(39)}-${'b'.repeat(40)}`;
      expect(slugify(exactly80)).toBe(exactly80);
    });

    it('cuts a long slug at the last dash within 80 characters', () => {
      // GIVEN 30 words, 'word0-word1-…', far over 80 characters
      const headline = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');

      const slug = slugify(headline);

      // (word12 ends exactly at character 80, so it is kept whole)
      expect(slug).toBe('word0-word1-word2-word3-word4-word5-word6-word7-word8-word9-word10-word11-word12');
      expect(slug.length).toBeLessThanOrEqual(80);
      expect(slugify(headline.replace('word12', 'word12x'))).toBe(
        'word0-word1-word2-word3-word4-word5-word6-word7-word8-word9-word10-word11',
      );
    });

    it('cuts a Vietnamese headline on a word boundary', () => {
      const headline =
        'Tổng Bí thư Tô Lâm gửi thông điệp quan trọng về chuyển đổi số, phát triển khoa học công nghệ quốc gia';
      expect(slugify(headline)).toBe(
        'tong-bi-thu-to-lam-gui-thong-diep-quan-trong-ve-chuyen-doi-so-phat-trien-khoa',
      );
    });

    it('cuts a single long word at 80 characters', () => {
      expect(slugify('a'.repeat(100))).toBe('a'.repeat(80));
    });

    it('never leaves half a surrogate pair at the cut', () => {
      // GIVEN 'a' then 40 letters outside the BMP (two UTF-16 units each): 81 units, no dash
      const input = `a${'𠀀'.repeat(40)}`;

      const slug = slugify(input);

      expect(slug.length).toBeLessThanOrEqual(80);
      expect(slug).toMatch(SLUG_SHAPE);
      expect(slug.isWellFormed()).toBe(true);
      expect(slugify(slug)).toBe(slug);
    });
  });

  describe('properties', () => {
    it('produces letters and digits joined by single dashes, or nothing', () => {
      fc.assert(
        fc.property(anyText, (text) => {
          const slug = slugify(text);
          expect(slug === '' || SLUG_SHAPE.test(slug)).toBe(true);
          expect(slug).toBe(slug.toLowerCase());
        }),
        FC,
      );
    });

    it('is idempotent', () => {
      fc.assert(
        fc.property(anyText, (text) => {
          const slug = slugify(text);
          expect(slugify(slug)).toBe(slug);
        }),
        FC,
      );
    });

    it('gives NFD text the same slug as NFC text', () => {
      fc.assert(
        fc.property(anyText, (text) => {
          expect(slugify(text.normalize('NFD'))).toBe(slugify(text.normalize('NFC')));
        }),
        FC,
      );
    });

    it('keeps long slugs within 80 characters, whole words, idempotent', () => {
      fc.assert(
        fc.property(longHeadline, (headline) => {
          const slug = slugify(headline);
          expect(slug.length).toBeLessThanOrEqual(80);
          expect(slug).toMatch(SLUG_SHAPE);
          expect(slugify(slug)).toBe(slug);
          // The slug is the headline's first words, cut after the middle (on a dash past 40).
          const words = headline.split(' ').map(slugify);
          const slugWords = slug.split('-');
          expect(slugWords).toEqual(words.slice(0, slugWords.length));
          if (words.join('-').length > 80) expect(slug.length).toBeGreaterThan(40);
        }),
        FC,
      );
    });
  });
});
