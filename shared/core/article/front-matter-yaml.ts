/**
 * A fast path for the YAML that front matter almost always is: top-level `key: value` lines
 * whose values are text (plain, 'single' or "double" quoted), or lists of text (`[a, b]` or
 * `- a` lines). Parsing that with js-yaml costs ~30 µs an article, most of a 10,000-article
 * build; this reads it in a few.
 *
 * It answers only when it is sure to agree with js-yaml (core schema): anything else —
 * anchors, aliases, tags, block scalars, nested mappings, numbers, booleans, nulls, tabs,
 * duplicate keys, unusual escapes — returns undefined and the caller uses js-yaml. A property
 * test (test/front-matter-yaml.test.ts) checks the agreement on generated documents.
 */
export function parseSimpleFrontMatter(text: string): Record<string, unknown> | undefined {
  if (UNUSUAL.test(text) || !text.isWellFormed()) return undefined;
  const result: Record<string, unknown> = Object.create(null);
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (trimSpaces(line) === '' || /^ *#/.test(line)) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?$/.exec(line);
    if (!match) return undefined;
    const key = match[1] ?? '';
    if (Object.hasOwn(result, key)) return undefined;
    const raw = trimSpaces(match[2] ?? '');
    if (raw === '' || raw.startsWith('#')) {
      // A block sequence of scalars, or nothing (null: leave it to js-yaml).
      const items: string[] = [];
      while (index + 1 < lines.length && /^ *- /.test(lines[index + 1] ?? '')) {
        index++;
        const item = scalar(trimSpaces((lines[index] ?? '').replace(/^ *- /, '')));
        if (item === undefined) return undefined;
        items.push(item);
      }
      if (items.length === 0) return undefined;
      result[key] = items;
      continue;
    }
    if (raw.startsWith('[')) {
      const items = flowSequence(raw);
      if (items === undefined) return undefined;
      result[key] = items;
      continue;
    }
    const value = scalar(raw);
    if (value === undefined) return undefined;
    result[key] = value;
  }
  if (Object.keys(result).length === 0) return undefined;
  // Plain objects, as js-yaml returns (Object.create(null) was only for safe key checks).
  return { ...result };
}

// Tabs, CR, controls, and characters some YAML readers take as line breaks or BOMs.
const UNUSUAL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/;

/** YAML trims spaces only (JavaScript's trim() also takes U+3000, U+00A0 and others). */
function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 0x20) start++;
  while (end > start && text.charCodeAt(end - 1) === 0x20) end--;
  return text.slice(start, end);
}

const PLAIN_START_FORBIDDEN = /^[-?:,[\]{}#&*!|>'"%@`]/;
// Core schema scalars that are not strings; js-yaml decides those.
const NOT_A_STRING =
  /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;

/** A scalar written on one line, or undefined when it is not one this fast path reads. */
function scalar(raw: string): string | undefined {
  if (raw.startsWith('"')) {
    const end = closingDoubleQuote(raw);
    if (end !== raw.length - 1 && !/^ +(#.*)?$/.test(raw.slice(end + 1))) return undefined;
    return end < 0 ? undefined : unescapeDouble(raw.slice(1, end));
  }
  if (raw.startsWith("'")) {
    const match = /^'((?:[^']|'')*)'(?: +#.*| *)$/.exec(raw);
    return match ? (match[1] ?? '').replaceAll("''", "'") : undefined;
  }
  if (PLAIN_START_FORBIDDEN.test(raw)) return undefined;
  // A comment starts at " #"; ": " would make a nested mapping.
  const comment = raw.indexOf(' #');
  const value = trimSpaces(comment >= 0 ? raw.slice(0, comment) : raw);
  if (value === '' || value.includes(': ') || value.endsWith(':') || NOT_A_STRING.test(value))
    return undefined;
  return value;
}

function closingDoubleQuote(raw: string): number {
  for (let i = 1; i < raw.length; i++) {
    if (raw[i] === '\\') i++;
    else if (raw[i] === '"') return i;
  }
  return -1;
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  n: '\n',
  t: '\t',
  r: '\r',
  ' ': ' ',
};

function unescapeDouble(body: string): string | undefined {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const character = body[i] ?? '';
    if (character !== '\\') {
      out += character;
      continue;
    }
    const next = body[++i] ?? '';
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) out += simple;
    else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
      const code = Number.parseInt(body.slice(i + 1, i + 5), 16);
      // Surrogates and the rest: js-yaml's handling decides.
      if (code >= 0xd800 && code <= 0xdfff) return undefined;
      out += String.fromCharCode(code);
      i += 4;
    } else return undefined;
  }
  return out;
}

/** `[a, "b c", 'd']` on one line, of scalars only. */
function flowSequence(raw: string): string[] | undefined {
  const close = raw.lastIndexOf(']');
  if (close < 0 || !/^(?: +#.*| *)$/.test(raw.slice(close + 1))) return undefined;
  const inner = raw.slice(1, close);
  if (/[[\]{}]/.test(inner.replace(/"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'/g, ''))) return undefined;
  const items: string[] = [];
  let rest = trimSpaces(inner);
  while (rest !== '') {
    let itemText: string;
    if (rest.startsWith('"')) {
      const end = closingDoubleQuote(rest);
      if (end < 0) return undefined;
      itemText = rest.slice(0, end + 1);
    } else if (rest.startsWith("'")) {
      const match = /^'(?:[^']|'')*'/.exec(rest);
      if (!match) return undefined;
      itemText = match[0];
    } else {
      const comma = rest.indexOf(',');
      itemText = trimSpaces(comma < 0 ? rest : rest.slice(0, comma));
      // In flow context a plain scalar also may not hold "#" comments or ": ".
      if (itemText.includes('#') || itemText.includes(':')) return undefined;
    }
    const item = scalar(itemText);
    if (item === undefined) return undefined;
    items.push(item);
    rest = trimSpaces(rest.slice(itemText.length));
    if (rest === '') break;
    if (!rest.startsWith(',')) return undefined;
    rest = trimSpaces(rest.slice(1));
    if (rest === '') return undefined; // a trailing comma: leave it to js-yaml
  }
  return items;
}
