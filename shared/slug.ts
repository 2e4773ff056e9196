/**
 * URL slugs as Vietnamese readers expect them: "Xây dựng Đảng" → "xay-dung-dang".
 *
 * Only the Latin combining diacritics (U+0300–U+036F) are dropped, so that letters of
 * other scripts, whose vowel signs are also combining marks, stay intact ("新闻" → "新闻").
 */
const MAX_SLUG_LENGTH = 80;

export function slugify(text: string): string {
  const folded = text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .normalize('NFC');
  const slug = folded.replace(/[^\p{L}\p{N}]+/gu, '-').replace(/^-+|-+$/g, '');
  if (slug.length <= MAX_SLUG_LENGTH) return slug;
  const cut = slug.slice(0, MAX_SLUG_LENGTH);
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > MAX_SLUG_LENGTH / 2 ? cut.slice(0, lastDash) : cut).replace(/-+$/, '');
}
