/** What an article is once read: the types, and the rules about files that need no parsing. */

export interface Author {
  readonly name: string;
  readonly email?: string;
  readonly url?: string;
}

export interface Category {
  /** Display name, e.g. "Xây dựng Đảng". */
  readonly name: string;
  /** URL path segment, e.g. "xay-dung-dang"; categories with the same slug are one category. */
  readonly slug: string;
}

export interface ArticleImage {
  readonly url: string;
  /** Real MIME type, e.g. image/jpeg (never the image/jpg some tools guess). */
  readonly type: string;
  readonly caption?: string;
}

/** A validated article: every string is NFC, free of XML-illegal characters, and trimmed. */
export interface Article {
  /** Where it came from (file path or object key), for messages. */
  readonly source: string;
  readonly title: string;
  /** Publication time, epoch milliseconds. */
  readonly published: number;
  /** Last substantive change, epoch milliseconds; never earlier than `published`. */
  readonly updated: number | undefined;
  readonly categories: readonly Category[];
  readonly summary: string | undefined;
  readonly authors: readonly Author[];
  readonly image: ArticleImage | undefined;
  readonly tags: readonly string[];
  readonly slug: string;
  /** Canonical http(s) URL of the article page. */
  readonly link: string;
  /** Stable item id: the `id` field (any absolute URI) or the link. */
  readonly id: string;
  readonly draft: boolean;
  readonly language: string | undefined;
  /** Markdown source of the body. */
  readonly body: string;
}

export interface ArticleProblem {
  readonly source: string;
  /** The field at fault, or undefined when the file as a whole is (encoding, syntax, size). */
  readonly field: string | undefined;
  readonly message: string;
}

export type ParseResult =
  | { readonly ok: true; readonly article: Article; readonly warnings: readonly ArticleProblem[] }
  | { readonly ok: false; readonly problems: readonly ArticleProblem[] };

/** File name endings read as articles. */
export const ARTICLE_EXTENSIONS = ['.md', '.markdown', '.json'] as const;

/**
 * Whether a path below the articles folder ('/'-separated) is an article: an article file
 * name, in no dot-folder or node_modules, and not a dot-file — as `feedgen build` walks a folder.
 */
export function isArticlePath(path: string): boolean {
  const segments = path.split('/');
  const name = segments.at(-1) ?? '';
  return isArticleFile(name) && !segments.some(isSkippedName);
}

/** A file or folder name articles never come from: dot-files and dot-folders, node_modules. */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

export function isArticleFile(name: string): boolean {
  const lower = name.toLowerCase();
  return ARTICLE_EXTENSIONS.some((extension) => lower.endsWith(extension));
}

/** The problem of a file over `maxArticleBytes`, said alike wherever it is found. */
export function oversizeProblem(source: string, size: number, limit: number): ArticleProblem {
  return {
    source,
    field: undefined,
    message: `the file is ${size} bytes, over the ${limit}-byte limit (maxArticleBytes)`,
  };
}

export function formatProblem(problem: ArticleProblem): string {
  return problem.field ? `${problem.field}: ${problem.message}` : problem.message;
}

/** Every front matter field the article format has. */
export const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'title',
  'date',
  'category',
  'categories',
  'summary',
  'author',
  'authors',
  'image',
  'imageCaption',
  'imageType',
  'tags',
  'slug',
  'link',
  'id',
  'updated',
  'draft',
  'language',
]);
