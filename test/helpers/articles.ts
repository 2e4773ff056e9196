import { type Article, parseArticle } from '../../shared/core/article/article';
import { DEFAULT_CONFIG, type SiteConfig } from '../../shared/core/config';

export const TEST_CONFIG: SiteConfig = {
  ...DEFAULT_CONFIG,
  title: 'Báo Hà Tĩnh',
  description: 'Tin tức, thời sự Hà Tĩnh',
  siteUrl: 'https://baohatinh.vn/',
  feedBaseUrl: 'https://baohatinh.vn/feeds/',
};

/** Front matter (as YAML lines or an object, written as JSON which is YAML too) plus a body. */
export function markdownFile(fields: Record<string, unknown>, body = ''): Buffer {
  const yaml = Object.entries(fields)
    .map(([key, value]) => `${key}: ${JSON.stringify(value)}`)
    .join('\n');
  return Buffer.from(`---\n${yaml}\n---\n${body}`, 'utf8');
}

/** An article through the real parser; throws with its problems if it is rejected. */
export function article(
  fields: Record<string, unknown>,
  body = 'Nội dung bài viết.',
  source = `articles/${String(fields.slug ?? 'bai-viet')}.md`,
  config: SiteConfig = TEST_CONFIG,
): Article {
  const result = parseArticle(source, markdownFile(fields, body), config);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.field}: ${p.message}`).join('; '));
  return result.article;
}

/** A valid article in "Xây dựng Đảng" dated `date`, with overrides. */
export function sample(
  slug: string,
  date: string,
  overrides: Record<string, unknown> = {},
  body?: string,
): Article {
  return article(
    { title: `Bài ${slug}`, date, category: 'Xây dựng Đảng', slug, ...overrides },
    body,
    `articles/${slug}.md`,
  );
}
