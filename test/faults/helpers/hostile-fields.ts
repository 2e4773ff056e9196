// The hostile articles of hostile-input.test.ts, field by field: dates, links, keys, ids,
// categories and field types (hostile-cases.ts has the whole-file ones and the types).
import { readJsonFeed } from '../../helpers/feed-readers';
import { type HostileCase, md, published, rejected, VALID } from './hostile-cases';

const LONG_FOLDERS = Array.from({ length: 4 }, (_, i) => `${String(i).repeat(3)}-${'đường-dài-'.repeat(15)}`);
/** A key of exactly `bytes` bytes (S3's limit is 1,024), in folders s3rver can store. */
function longKey(bytes: number, name: string): string {
  let key = `articles/${LONG_FOLDERS.join('/')}/${name}`;
  while (Buffer.byteLength(`${key}.md`) < bytes) key = key.replace(/\/([^/]*)$/, '/x$1');
  const result = `${key}.md`;
  if (Buffer.byteLength(result) !== bytes) throw new Error(`could not make a ${bytes}-byte key`);
  return result;
}

export const FIELD_CASES: readonly HostileCase[] = [
  // --- dates and links
  {
    name: 'dates that are not dates',
    files: [
      ['articles/date-31-02.md', md({ ...VALID, title: 'T', date: '31/02/2025 8:00' })],
      ['articles/date-nan.md', md({ ...VALID, title: 'T', date: 'NaN' })],
      ['articles/date-13-45.md', md({ ...VALID, title: 'T', date: '2025-13-45' })],
      ['articles/date-zero.md', md({ ...VALID, title: 'T', date: '0000-00-00' })],
      ['articles/date-offset.md', md({ ...VALID, title: 'T', date: '2025-06-01T08:00:00+99:99' })],
      ['articles/date-far.md', md({ ...VALID, title: 'T', date: '+275760-09-13T00:00:00Z' })],
    ],
    expect: [
      rejected('articles/date-31-02.md', 'date', /not a real date/),
      rejected('articles/date-nan.md', 'date'),
      rejected('articles/date-13-45.md', 'date'),
      rejected('articles/date-zero.md', 'date'),
      rejected('articles/date-offset.md', 'date'),
      rejected('articles/date-far.md', 'date'),
    ],
  },
  {
    name: 'a date in 9999, held back rather than published',
    files: [['articles/tuong-lai.md', md({ ...VALID, title: 'Tương lai', date: '9999-12-31' })]],
    expect: [{ key: 'articles/tuong-lai.md', scheduled: true }],
  },
  {
    name: 'updated in the future, or before date',
    files: [
      ['articles/updated-future.md', md({ ...VALID, title: 'T', updated: '2099-01-01' })],
      ['articles/updated-before.md', md({ ...VALID, title: 'T', updated: '2000-01-01' })],
    ],
    expect: [
      rejected('articles/updated-future.md', 'updated', /future/),
      rejected('articles/updated-before.md', 'updated', /earlier than date/),
    ],
  },
  {
    name: 'javascript: and data: URLs as link, image and author url; an author e-mail in Unicode',
    files: [
      ['articles/link-js.md', md({ ...VALID, title: 'T', link: 'javascript:alert(1)' })],
      ['articles/image-data.md', md({ ...VALID, title: 'T', image: 'data:image/png;base64,iVBORw0KGgo=' })],
      [
        'articles/author-url.md',
        md({ ...VALID, title: 'T', author: { name: 'A', url: 'javascript:alert(1)' } }),
      ],
      [
        'articles/author-email.md',
        md({ ...VALID, title: 'T', author: { name: 'A', email: 'tác.giả@báo.vn' } }),
      ],
      ['articles/link-vbscript.md', md({ ...VALID, title: 'T', link: ' vbscript:msgbox(1)' })],
    ],
    expect: [
      rejected('articles/link-js.md', 'link', /not an absolute http or https URL/),
      rejected('articles/image-data.md', 'image'),
      rejected('articles/author-url.md', 'author.url'),
      rejected('articles/author-email.md', 'author.email', /ASCII/),
      rejected('articles/link-vbscript.md', 'link'),
    ],
  },
  {
    name: 'an id that is a javascript: URI (any absolute URI is an id; it is never written as a link)',
    files: [['articles/id-js.md', md({ ...VALID, title: 'Id lạ', id: 'javascript:alert(1)' })]],
    expect: [published('articles/id-js.md', 'Id lạ')],
    afterwards: async (site) => {
      const rss = (await site.feed('feeds/rss.xml')) ?? '';
      expect(rss).toContain('<guid isPermaLink="false">javascript:alert(1)</guid>');
    },
  },
  // --- keys with odd characters
  {
    name: 'keys with spaces, +, %, Vietnamese, emoji, URL syntax and an upper-case extension',
    files: [
      ['articles/bài viết có dấu cách.md', md({ ...VALID, title: 'Dấu cách' })],
      ['articles/a+b=c & d.md', md({ ...VALID, title: 'Dấu cộng' })],
      ['articles/100% đúng #1?.md', md({ ...VALID, title: 'Phần trăm' })],
      ['articles/Hà Tĩnh/Đảng viên mới.md', md({ ...VALID, title: 'Thư mục tiếng Việt' })],
      ['articles/tin 🎉 vui 👍🏽.md', md({ ...VALID, title: 'Emoji' })],
      ["articles/it's (new) [1] {2} *3* ~4~ `5`.md", md({ ...VALID, title: 'Cú pháp URL' })],
      ['articles/HOA.MD', md({ ...VALID, title: 'Đuôi hoa' })],
    ],
    expect: [
      published('articles/bài viết có dấu cách.md', 'Dấu cách'),
      published('articles/a+b=c & d.md', 'Dấu cộng'),
      published('articles/100% đúng #1?.md', 'Phần trăm'),
      published('articles/Hà Tĩnh/Đảng viên mới.md', 'Thư mục tiếng Việt'),
      published('articles/tin 🎉 vui 👍🏽.md', 'Emoji'),
      published("articles/it's (new) [1] {2} *3* ~4~ `5`.md", 'Cú pháp URL'),
      published('articles/HOA.MD', 'Đuôi hoa'),
    ],
  },
  {
    name: 'a key of 1,024 bytes, S3’s longest, for a valid article',
    files: [[longKey(1024, 'hop-le'), md({ ...VALID, title: 'Khóa dài hợp lệ' })]],
    expect: [published(longKey(1024, 'hop-le'), 'Khóa dài hợp lệ')],
  },
  {
    name: 'a key of 1,024 bytes for a rejected article (its report must still be written somewhere)',
    files: [[longKey(1024, 'bi-loai'), md({ ...VALID, title: 'Khóa dài', date: '31/02/2025' })]],
    expect: [rejected(longKey(1024, 'bi-loai'), 'date')],
  },
  // --- duplicate ids
  {
    name: 'two articles with one id: the first by path is published, the other rejected',
    oneByOne: true,
    files: [
      ['articles/trung-b.md', md({ ...VALID, title: 'Trùng B', id: 'tag:baohatinh.vn,2025:trung' })],
      ['articles/trung-a.md', md({ ...VALID, title: 'Trùng A', id: 'tag:baohatinh.vn,2025:trung' })],
    ],
    expect: [
      published('articles/trung-a.md', 'Trùng A'),
      rejected('articles/trung-b.md', 'id', /already the id of articles\/trung-a\.md/),
    ],
  },
  {
    name: 'two articles with one id uploaded at once (one batch): the first by path is published',
    atOnce: true,
    files: [
      ['articles/trung-d.md', md({ ...VALID, title: 'Trùng D', id: 'tag:baohatinh.vn,2025:trung-cd' })],
      ['articles/trung-c.md', md({ ...VALID, title: 'Trùng C', id: 'tag:baohatinh.vn,2025:trung-cd' })],
    ],
    expect: [
      published('articles/trung-c.md', 'Trùng C'),
      rejected('articles/trung-d.md', 'id', /already the id of articles\/trung-c\.md/),
    ],
  },
  {
    name: 'file names that give the same slug, so the same link and id (NFC and NFD, case)',
    oneByOne: true,
    files: [
      ['articles/Bài Một.md', md({ ...VALID, title: 'Bài Một (NFC)' })],
      ['articles/Bài Một.md'.normalize('NFD'), md({ ...VALID, title: 'Bài Một (NFD)' })],
      ['articles/bai-mot.md', md({ ...VALID, title: 'bai-mot' })],
    ],
    expect: [
      published('articles/Bài Một.md'.normalize('NFD'), 'Bài Một (NFD)'),
      rejected('articles/Bài Một.md', 'id'),
      rejected('articles/bai-mot.md', 'id'),
    ],
  },
  // --- categories
  {
    name: 'a category renamed by case and accents is one feed, named as its newest article names it',
    files: [
      ['articles/ten-1.md', md({ title: 'Cũ nhất', date: '2025-01-01', category: 'Thoi su moi' })],
      ['articles/ten-2.md', md({ title: 'Mới nhất', date: '2025-03-01', category: 'THỜI SỰ MỚI' })],
      [
        'articles/ten-3.md',
        md({ title: 'Giữa', date: '2025-02-01', category: 'Thời sự mới'.normalize('NFD') }),
      ],
    ],
    expect: [published('articles/ten-1.md'), published('articles/ten-2.md'), published('articles/ten-3.md')],
    afterwards: async (site) => {
      expect((await site.manifest()).feeds['thoi-su-moi']?.name).toBe('THỜI SỰ MỚI');
      expect(await site.feed('feeds/thoi-su-moi/rss.xml')).toContain(
        '<title>Báo Hà Tĩnh – THỜI SỰ MỚI</title>',
      );
      expect(await site.feed('feeds/index.opml')).toContain('text="Báo Hà Tĩnh – THỜI SỰ MỚI"');
      // the newest goes: the name goes back to the next newest's, NFC
      await site.remove('articles/ten-2.md');
      expect((await site.manifest()).feeds['thoi-su-moi']?.name).toBe('Thời sự mới');
      expect(await site.feed('feeds/index.html')).toContain('>Thời sự mới</th>');
    },
  },
  {
    name: 'categories named like the site feed or a path, or without letters',
    files: [
      ['articles/cat-site.md', md({ ...VALID, title: 'Chuyên mục _site', category: '_site' })],
      ['articles/cat-dotdot.md', md({ ...VALID, title: 'T', category: '../..' })],
      ['articles/cat-emoji.md', md({ ...VALID, title: 'T', category: '🎉🎉' })],
    ],
    expect: [
      published('articles/cat-site.md', 'Chuyên mục _site'),
      rejected('articles/cat-dotdot.md', 'category', /no letters or digits/),
      rejected('articles/cat-emoji.md', 'category', /no letters or digits/),
    ],
    afterwards: async (site) => {
      // its own feed, not the site's
      expect(await site.feed('feeds/site/rss.xml')).toContain('Chuyên mục _site');
      expect(readJsonFeed((await site.feed('feeds/feed.json')) ?? '').title).toBe('Báo Hà Tĩnh');
    },
  },
  {
    name: 'fields of the wrong type (draft: "yes", title a list, tags a mapping)',
    files: [
      ['articles/draft-yes.md', `---\ntitle: T\ndate: 2025-06-01\ncategory: X\ndraft: yes\n---\n`],
      ['articles/title-list.md', `---\ntitle: [a, b]\ndate: 2025-06-01\ncategory: X\n---\n`],
      ['articles/tags-map.md', `---\ntitle: T\ndate: 2025-06-01\ncategory: X\ntags: {a: 1}\n---\n`],
    ],
    expect: [
      rejected('articles/draft-yes.md', 'draft'),
      rejected('articles/title-list.md', 'title'),
      rejected('articles/tags-map.md', 'tags'),
    ],
  },
  {
    name: 'a rejected article fixed: its report goes and it is published',
    files: [['articles/latin1.md', md({ title: 'Café crème, sửa rồi', ...VALID })]],
    expect: [published('articles/latin1.md', 'Café crème, sửa rồi')],
  },
];
