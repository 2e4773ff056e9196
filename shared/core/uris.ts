/**
 * Canonical URLs and ids. Feed readers compare ids as strings and the W3C feed validator
 * flags ids and links that are not in canonical form, so every URL and id is written in
 * one form: scheme and host lower case, no characters URIs exclude, percent-escapes in
 * upper case, unreserved characters never escaped. The same input always gives the same
 * output, so ids stay stable.
 */

// RFC 3986 unreserved and reserved characters, less "[" and "]" (only legal around an IPv6 host).
const URI_SAFE = /[A-Za-z0-9\-._~:/?#@!$&'()*+,;=]/;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/** Percent-encodes, as UTF-8, every character a URI cannot hold; normalises existing escapes. */
function encodeUriPart(text: string): string {
  let out = '';
  const characters = Array.from(text);
  for (let i = 0; i < characters.length; i++) {
    const character = characters[i] ?? '';
    if (character === '%') {
      const hex = (characters[i + 1] ?? '') + (characters[i + 2] ?? '');
      if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
        const decoded = String.fromCharCode(Number.parseInt(hex, 16));
        out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`;
        i += 2;
        continue;
      }
      out += '%25';
    } else if (URI_SAFE.test(character)) {
      out += character;
    } else {
      for (const byte of Buffer.from(character, 'utf8'))
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

/** An absolute http(s) URL in canonical form, or undefined if `input` is not one. */
export function canonicalHttpUrl(input: string): string | undefined {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  const userInfo = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  return `${url.protocol}//${userInfo}${url.host}${encodeUriPart(url.pathname + url.search + url.hash)}`;
}

export type IdResult = { ok: true; value: string } | { ok: false; reason: string };

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.+)$/s;
// RFC 4151: tag:authority,date:specific — authority a DNS name or e-mail address.
const TAG = /^([a-z0-9.-]+|[a-z0-9._%+-]+@[a-z0-9.-]+),(\d{4}(?:-\d{2}(?:-\d{2})?)?):(.*)$/s;

/** A stable item id: any absolute URI, in canonical form. */
export function canonicalId(input: string): IdResult {
  const match = SCHEME.exec(input);
  if (!match || /\s/.test(input)) {
    return {
      ok: false,
      reason: `"${input}" is not an absolute URI; use a URL or a tag: URI such as tag:example.com,2025:article-1`,
    };
  }
  const scheme = (match[1] ?? '').toLowerCase();
  const rest = match[2] ?? '';
  if (scheme === 'http' || scheme === 'https') {
    const url = canonicalHttpUrl(input);
    return url ? { ok: true, value: url } : { ok: false, reason: `"${input}" is not a valid URL` };
  }
  if (scheme === 'tag') {
    const tag = TAG.exec(rest.replace(/^[^,]*/, (authority) => authority.toLowerCase()));
    if (!tag) {
      return {
        ok: false,
        reason: `"${input}" is not a tag: URI (RFC 4151): write tag:DOMAIN,YYYY-MM-DD:NAME, e.g. tag:baohatinh.vn,2025-06-30:bai-1`,
      };
    }
    return { ok: true, value: `tag:${tag[1]},${tag[2]}:${encodeUriPart(tag[3] ?? '')}` };
  }
  return { ok: true, value: `${scheme}:${encodeUriPart(rest)}` };
}
