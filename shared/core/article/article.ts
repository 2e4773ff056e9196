import { load as loadYaml } from 'js-yaml';
import type { SiteConfig } from '../config';
import { assertUtf8, cleanText, decodeUtf8Strict, Utf8Error } from '../text';
import { readFields } from './fields';
import { parseSimpleFrontMatter } from './front-matter-yaml';
import { oversizeProblem, type ParseResult } from './model';

export * from './model';

// Front matter this large is not an article's metadata; the cap also bounds YAML work.
const MAX_FRONT_MATTER_CHARS = 64 * 1024;
// Real front matter has no use for more; a "billion laughs" needs many.
const MAX_YAML_ALIASES = 20;

class InvalidFile extends Error {}

/**
 * Reads one article file (Markdown with YAML front matter, or JSON with the Markdown in
 * `body`) into a validated {@link Article}, or the list of everything wrong with it.
 * Pure: the caller supplies the bytes and the site settings.
 */
export function parseArticle(source: string, bytes: Uint8Array, config: SiteConfig): ParseResult {
  const fileProblem = (message: string): ParseResult => ({
    ok: false,
    problems: [{ source, field: undefined, message }],
  });
  if (bytes.byteLength === 0) return fileProblem('the file is empty');
  if (bytes.byteLength > config.maxArticleBytes) {
    return { ok: false, problems: [oversizeProblem(source, bytes.byteLength, config.maxArticleBytes)] };
  }
  let fields: Record<string, unknown>;
  let body: string | (() => string);
  try {
    const isJson = source.toLowerCase().endsWith('.json');
    // Fast path for the usual Markdown file: decode only the front matter now; the body (most
    // of the bytes) is decoded and cleaned only if the article is rendered.
    const headEnd = isJson ? -1 : frontMatterEnd(bytes);
    if (headEnd > 0) {
      assertUtf8(bytes);
      const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      ({ fields } = splitFrontMatter(view.toString('utf8', bom, headEnd)));
      body = () => {
        const rest = view.toString('utf8', headEnd);
        return rest.includes('\r') ? rest.replace(/\r\n?/g, '\n') : rest;
      };
      return readFields(source, fields, body, config);
    }
    const decoded = decodeUtf8Strict(bytes);
    // Line ends first (cheaply skipped for the usual LF-only file): CR-only files exist.
    const text = decoded.includes('\r') ? decoded.replace(/\r\n?/g, '\n') : decoded;
    if (text.trim() === '') throw new InvalidFile('the file has only white space');
    // The parts a parser reads are cleaned first, so a stray control character is dropped
    // rather than making the YAML or JSON parser reject the file. A Markdown body is cleaned
    // only when it is read (most articles of a large site are never rendered).
    ({ fields, body } = source.toLowerCase().endsWith('.json')
      ? splitJson(cleanText(text))
      : splitFrontMatter(text));
  } catch (error) {
    if (error instanceof InvalidFile || error instanceof Utf8Error) return fileProblem(error.message);
    throw error;
  }
  return readFields(source, fields, body, config);
}

const DASH = 0x2d;
const DOT = 0x2e;
const NEWLINE = 0x0a;

/**
 * Byte offset just past the line that closes the front matter ("---" or "...", then only
 * blanks), or -1 when there is none within the front matter size limit (the slow path then
 * decodes everything and says what is wrong).
 */
function frontMatterEnd(bytes: Uint8Array): number {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (bytes[start] !== DASH || bytes[start + 1] !== DASH || bytes[start + 2] !== DASH) return -1;
  const limit = Math.min(bytes.byteLength, start + MAX_FRONT_MATTER_CHARS);
  let lineStart = bytes.indexOf(NEWLINE, start) + 1;
  while (lineStart > 0 && lineStart < limit) {
    const lineEnd = bytes.indexOf(NEWLINE, lineStart);
    const end = lineEnd < 0 ? bytes.byteLength : lineEnd;
    const first = bytes[lineStart];
    if (
      (first === DASH || first === DOT) &&
      bytes[lineStart + 1] === first &&
      bytes[lineStart + 2] === first
    ) {
      let i = lineStart + 3;
      while (i < end && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0d)) i++;
      if (i === end) return lineEnd < 0 ? bytes.byteLength : lineEnd + 1;
    }
    if (lineEnd < 0) return -1;
    lineStart = lineEnd + 1;
  }
  return -1;
}

function splitJson(text: string): { fields: Record<string, unknown>; body: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidFile(`is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidFile('a JSON article must be an object with title, date, category and body');
  }
  const fields = { ...(value as Record<string, unknown>) };
  const body = fields.body;
  delete fields.body;
  if (body !== undefined && typeof body !== 'string')
    throw new InvalidFile('body: must be a string of Markdown');
  // JSON escapes can spell CR or control characters that the file-level cleaning never saw.
  return { fields, body: cleanText(body ?? '') };
}

function splitFrontMatter(text: string): { fields: Record<string, unknown>; body: string } {
  const opening = /^---[ \t]*([^\r\n]*)\r?\n/.exec(text);
  if (!opening) {
    throw new InvalidFile(
      'has no front matter: a Markdown article starts with a line "---", then YAML fields, then "---"',
    );
  }
  const language = opening[1]?.trim() ?? '';
  if (language !== '' && language.toLowerCase() !== 'yaml' && language.toLowerCase() !== 'yml') {
    throw new InvalidFile(
      `front matter in "${language}" is not accepted; front matter is YAML only and is never run as code`,
    );
  }
  const rest = text.slice(opening[0].length);
  const closing = /^(?:---|\.\.\.)[ \t]*\r?$/m.exec(rest);
  if (!closing)
    throw new InvalidFile('the front matter that starts on line 1 is never closed by a "---" line');
  const yamlText = cleanText(rest.slice(0, closing.index));
  if (yamlText.length > MAX_FRONT_MATTER_CHARS) {
    throw new InvalidFile(`the front matter is over ${MAX_FRONT_MATTER_CHARS / 1024} KiB`);
  }
  let value: unknown;
  try {
    value =
      yamlText.trim() === ''
        ? null
        : (parseSimpleFrontMatter(yamlText) ??
          loadYaml(yamlText, { maxAliases: MAX_YAML_ALIASES, filename: 'front matter' }));
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'unreadable';
    throw new InvalidFile(`the YAML front matter is malformed: ${message.replace(/\(front matter\) /, '')}`);
  }
  if (value === null || value === undefined) {
    throw new InvalidFile('the front matter is empty; title, date and category are required');
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidFile('the front matter must be YAML "key: value" lines');
  }
  const afterClosing = rest.slice(closing.index + closing[0].length);
  return { fields: value as Record<string, unknown>, body: afterClosing.replace(/^\r?\n/, '') };
}
