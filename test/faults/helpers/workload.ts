import type { Random } from './random';

/** The categories of the fault tests' newsroom. */
export const CATEGORIES = ['Thời sự', 'Xây dựng Đảng', 'Kinh tế', 'Văn hóa', 'Thể thao'] as const;

export interface ArticleSpec {
  readonly key: string;
  readonly title: string;
  /** ISO 8601 with an offset. */
  readonly date: string;
  readonly categories: readonly string[];
  readonly body: string;
  /** An explicit id; several articles may share one (the first by path is published). */
  readonly id?: string;
}

export function articleText(spec: ArticleSpec): string {
  const categories = spec.categories.map((name) => JSON.stringify(name)).join(', ');
  const id = spec.id === undefined ? '' : `id: ${JSON.stringify(spec.id)}\n`;
  return `---\ntitle: ${JSON.stringify(spec.title)}\ndate: ${spec.date}\ncategories: [${categories}]\n${id}summary: ${JSON.stringify(`Tóm tắt: ${spec.title}`)}\n---\n${spec.body}\n`;
}

/** A date in 2025 (all before the tests' "now"), at whole minutes, distinct enough to order by. */
export function randomDate(random: Random, after?: string): string {
  const from = after ? Date.parse(after) + 60_000 : Date.parse('2025-01-01T00:00:00Z');
  const to = Date.parse('2025-12-31T00:00:00Z');
  const millis = from + Math.floor((random.next() * Math.max(60_000, to - from)) / 60_000) * 60_000;
  return new Date(Math.min(millis, to)).toISOString().replace('.000Z', '+00:00');
}

export function randomBody(random: Random, index: number): string {
  const paragraphs = random.int(1, 3);
  return Array.from(
    { length: paragraphs },
    (_, p) =>
      `Đoạn ${p + 1} của bài ${index}: người dân Hà Tĩnh **đồng lòng** xây dựng [quê hương](https://baohatinh.vn/tin/${index}.html) — ${'nội dung '.repeat(random.int(3, 20))}`,
  ).join('\n\n');
}

/**
 * A newsroom's uploads: new articles, overwrites and deletes, remembered so a test knows
 * what the bucket should hold. Overwrites keep or advance an article's date unless
 * `redate` allows moving it anywhere.
 */
export class Newsroom {
  readonly live = new Map<string, ArticleSpec>();
  #next = 0;
  constructor(
    private readonly random: Random,
    private readonly prefix = 'articles/',
    private readonly categories: readonly string[] = CATEGORIES,
    /** How often a new article takes one of three shared ids (a duplicate, or its first holder). */
    private readonly sharedIdRate = 0,
  ) {}

  create(): ArticleSpec {
    const index = this.#next++;
    const folder = this.random.chance(0.2) ? `${this.random.pick(['thoi-su', 'Hà Tĩnh'])}/` : '';
    const spec: ArticleSpec = {
      key: `${this.prefix}${folder}bai ${index}${this.random.chance(0.1) ? ' + phụ' : ''}.md`,
      title: `Bài ${index}: ${this.random.pick(['Hà Tĩnh', 'Đức Thọ', 'Kỳ Anh', 'Hồng Lĩnh'])} <${index}> & "tin"`,
      date: randomDate(this.random),
      categories: this.random.chance(0.25)
        ? [...new Set([this.random.pick(this.categories), this.random.pick(this.categories)])]
        : [this.random.pick(this.categories)],
      body: randomBody(this.random, index),
      ...(this.random.chance(this.sharedIdRate)
        ? { id: `tag:baohatinh.vn,2025:chung-${this.random.int(1, 3)}` }
        : {}),
    };
    this.live.set(spec.key, spec);
    return spec;
  }

  /** A changed version of a live article: title, categories, and maybe date. */
  overwrite(options: { redate: boolean }): ArticleSpec | undefined {
    const keys = [...this.live.keys()];
    if (keys.length === 0) return undefined;
    const old = this.live.get(this.random.pick(keys)) as ArticleSpec;
    const spec: ArticleSpec = {
      ...old,
      title: `${old.title.replace(/ \(sửa \d+\)$/, '')} (sửa ${this.random.int(1, 99)})`,
      categories: this.random.chance(0.5) ? [this.random.pick(this.categories)] : old.categories,
      date: options.redate
        ? randomDate(this.random)
        : this.random.chance(0.5)
          ? randomDate(this.random, old.date)
          : old.date,
    };
    this.live.set(spec.key, spec);
    return spec;
  }

  /** A live article to delete (forgotten here), if any. */
  remove(): string | undefined {
    const keys = [...this.live.keys()];
    if (keys.length === 0) return undefined;
    const key = this.random.pick(keys);
    this.live.delete(key);
    return key;
  }
}
