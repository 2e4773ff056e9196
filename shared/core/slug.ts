/**
 * URL slugs as Vietnamese readers expect them: "Xây dựng Đảng" → "xay-dung-dang".
 *
 * Only the Latin combining diacritics (U+0300–U+036F) are dropped, so that words of
 * other scripts, whose vowel signs are also combining marks, stay intact ("नमस्ते").
 */
/** In UTF-16 code units, as JavaScript counts length. */
const MAX_SLUG_LENGTH = 80;

export function slugify(text: string): string {
  const folded = text
    .toLowerCase()
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .normalize('NFC');
  // Marks stay: in many scripts vowel signs are combining marks, and words need them.
  // A mark with no letter before it (an emoji's variation selector) goes with its separator.
  const slug = folded
    .replace(/[^\p{L}\p{M}\p{N}]+/gu, '-')
    .replace(/(^|-)\p{M}+/gu, '$1')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug.length <= MAX_SLUG_LENGTH) return slug;
  // Never keep half of a surrogate pair.
  const end = /[\uD800-\uDBFF]/.test(slug.charAt(MAX_SLUG_LENGTH - 1))
    ? MAX_SLUG_LENGTH - 1
    : MAX_SLUG_LENGTH;
  const cut = slug.slice(0, end);
  // A word that ends exactly at the limit is whole.
  if (slug.charAt(end) === '-') return cut;
  const lastDash = cut.lastIndexOf('-');
  return (lastDash > MAX_SLUG_LENGTH / 2 ? cut.slice(0, lastDash) : cut).replace(/-+$/, '');
}
