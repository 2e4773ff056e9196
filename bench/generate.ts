/**
 * Deterministic synthetic articles that look like the example newspaper's: Vietnamese
 * titles and ~4 KB bodies built from real syllables, 7 categories, some authors, tags and
 * images, 30 articles a day going back from a fixed date (so 100k articles span nine years).
 */
const SYLLABLES = (
  'xây dựng đảng chính quyền nhân dân phát triển kinh tế xã hội hà tĩnh tỉnh huyện xã thôn ' +
  'bí thư chủ tịch hội nghị tổng kết công tác năm mới nông thôn đường giao thông trường học ' +
  'bệnh viện sức khỏe giáo dục văn hóa thể thao du lịch biển đảo cảng vũng áng đầu tư doanh ' +
  'nghiệp sản xuất lúa gạo cam khe mây mưa bão lũ lụt cứu trợ hỗ trợ người dân cán bộ đảng viên ' +
  'chuyển đổi số hành chính công dịch vụ trực tuyến an ninh quốc phòng biên giới thanh niên'
).split(' ');

export const CATEGORIES = [
  'Xây dựng Đảng',
  'Thời sự',
  'Kinh tế',
  'Văn hóa',
  'Thể thao',
  'Giáo dục',
  'Chuyển đổi số',
];
const AUTHORS = ['Thu Hà', 'Đức Quang', 'Minh Châu', 'Phan Trâm', 'Hoàng Anh'];
const START = Date.UTC(2026, 10, 1, 1, 0); // newest article: 1 Nov 2026, 08:00 in Hà Nội
const PER_DAY = 30;

/** mulberry32: a small, fast, seeded PRNG, so every run writes the same corpus. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function words(next: () => number, count: number): string {
  return Array.from({ length: count }, () => SYLLABLES[Math.floor(next() * SYLLABLES.length)]).join(' ');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export interface GeneratedArticle {
  readonly name: string;
  readonly text: string;
  /** Publication time, epoch ms. */
  readonly published: number;
}

/** Article `index` of the corpus (0 is the newest). Same index, same bytes. */
export function generateArticle(index: number, seed = 2025): GeneratedArticle {
  const next = random(seed * 1_000_003 + index);
  const published = START - Math.floor((index * 86_400_000) / PER_DAY) - Math.floor(next() * 600_000);
  const local = new Date(published + 7 * 3_600_000);
  const two = (n: number): string => String(n).padStart(2, '0');
  const date = `${local.getUTCDate()}/${local.getUTCMonth() + 1}/${local.getUTCFullYear()} ${local.getUTCHours()}:${two(local.getUTCMinutes())}`;
  const first = CATEGORIES[index % CATEGORIES.length] ?? 'Thời sự';
  const second = CATEGORIES[Math.floor(next() * CATEGORIES.length)] ?? 'Thời sự';
  const categories = [...new Set([first, second])];
  const title = capitalise(words(next, 8 + Math.floor(next() * 6)));
  const paragraphs: string[] = [];
  let length = 0;
  while (length < 4000) {
    const paragraph = `${capitalise(words(next, 40 + Math.floor(next() * 30)))}.`;
    paragraphs.push(next() < 0.1 ? `**${paragraph}**` : paragraph);
    length += Buffer.byteLength(paragraph) + 2;
  }
  const lines = [
    '---',
    `title: "${title}"`,
    `date: ${date}`,
    `categories: [${categories.join(', ')}]`,
    `summary: "${capitalise(words(next, 25))}."`,
  ];
  if (next() < 0.7) lines.push(`author: ${AUTHORS[Math.floor(next() * AUTHORS.length)]}`);
  if (next() < 0.3) lines.push(`tags: [${capitalise(words(next, 2))}, ${capitalise(words(next, 1))}]`);
  if (next() < 0.4)
    lines.push(
      `image: https://baohatinh.vn/images/bench/${index}.jpg`,
      `imageCaption: "${capitalise(words(next, 10))}"`,
    );
  lines.push('---', paragraphs.join('\n\n'), '');
  return { name: `bai-${String(index).padStart(6, '0')}.md`, text: lines.join('\n'), published };
}

export function* generateArticles(count: number, seed = 2025): Generator<GeneratedArticle> {
  for (let index = 0; index < count; index++) yield generateArticle(index, seed);
}
