import { IANAZone } from 'luxon';
import { cleanLine } from './text';

/** Site settings: one file (feedgen.config.json) read by the CLI, the Lambda and the CDK app alike. */
export interface SiteConfig {
  /** Feed and page title, e.g. "Báo Hà Tĩnh". */
  readonly title: string;
  readonly description: string;
  /** The site's home page; ends with "/". */
  readonly siteUrl: string;
  /** Where `feeds/` is served from; ends with "/". */
  readonly feedBaseUrl: string;
  /** BCP 47 language tag of the feeds. */
  readonly language: string;
  /** IANA zone in which dates without an offset are read. */
  readonly timezone: string;
  /** Newest items kept in each feed. */
  readonly itemsPerFeed: number;
  /**
   * Article URL when an article has no `link`, resolved against siteUrl. Placeholders:
   * {category} (first category's slug), {slug}, {yyyy}, {MM}, {dd} (publication date in `timezone`).
   */
  readonly articleUrlTemplate: string;
  /** Articles larger than this many bytes are rejected unread. */
  readonly maxArticleBytes: number;
}

export const DEFAULT_CONFIG: SiteConfig = {
  title: 'feedgen',
  description: 'Tin mới nhất',
  siteUrl: 'http://127.0.0.1:8080/',
  feedBaseUrl: 'http://127.0.0.1:8080/feeds/',
  language: 'vi',
  timezone: 'Asia/Ho_Chi_Minh',
  itemsPerFeed: 50,
  articleUrlTemplate: '{category}/{slug}.html',
  maxArticleBytes: 1024 * 1024,
};

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly field: string | undefined,
    problem: string,
  ) {
    super(`${source}: ${field ? `${field}: ` : ''}${problem}`);
  }
}

const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/;

/**
 * Checks settings read from `source` (a file name, for messages) and fills in defaults.
 * `feedBaseUrl` defaults to `<siteUrl>feeds/` when only siteUrl is given.
 */
export function resolveConfig(raw: unknown, source: string): SiteConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(source, undefined, 'must be a JSON object of settings');
  }
  const input = raw as Record<string, unknown>;
  const known = new Set<string>([...Object.keys(DEFAULT_CONFIG), '$schema']);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) {
      throw new ConfigError(source, key, `is not a setting; known settings: ${[...known].join(', ')}`);
    }
  }
  const text = (field: keyof SiteConfig): string => {
    const value = input[field] ?? DEFAULT_CONFIG[field];
    if (typeof value !== 'string') throw new ConfigError(source, field, 'must be a string');
    return value;
  };
  const integer = (field: keyof SiteConfig, min: number, max: number): number => {
    const value = input[field] ?? DEFAULT_CONFIG[field];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(source, field, `must be a whole number from ${min} to ${max}`);
    }
    return value;
  };
  const baseUrl = (field: 'siteUrl' | 'feedBaseUrl', value: string): string => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new ConfigError(source, field, `"${value}" is not an absolute URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ConfigError(source, field, `"${value}" must be an http or https URL`);
    }
    url.search = '';
    url.hash = '';
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  };

  const siteUrl = baseUrl('siteUrl', text('siteUrl'));
  const feedBaseUrl =
    (input.feedBaseUrl === undefined || input.feedBaseUrl === null) &&
    input.siteUrl !== undefined &&
    input.siteUrl !== null
      ? new URL('feeds/', siteUrl).href
      : baseUrl('feedBaseUrl', text('feedBaseUrl'));
  const language = text('language');
  if (!LANGUAGE_TAG.test(language))
    throw new ConfigError(source, 'language', `"${language}" is not a language tag such as vi or en-US`);
  const timezone = text('timezone');
  if (!IANAZone.isValidZone(timezone)) {
    throw new ConfigError(
      source,
      'timezone',
      `"${timezone}" is not an IANA time zone such as Asia/Ho_Chi_Minh`,
    );
  }
  const title = cleanLine(text('title'));
  if (title === '') throw new ConfigError(source, 'title', 'must not be empty');
  const articleUrlTemplate = text('articleUrlTemplate');
  if (!articleUrlTemplate.includes('{slug}')) {
    throw new ConfigError(
      source,
      'articleUrlTemplate',
      'must contain {slug}, or every article would get the same URL',
    );
  }
  const unknownPlaceholder = /\{(?!(?:category|slug|yyyy|MM|dd)\})[^}]*\}/.exec(articleUrlTemplate);
  if (unknownPlaceholder) {
    throw new ConfigError(
      source,
      'articleUrlTemplate',
      `${unknownPlaceholder[0]} is not a placeholder; use {category}, {slug}, {yyyy}, {MM}, {dd}`,
    );
  }
  return {
    title,
    description: cleanLine(text('description')) || title,
    siteUrl,
    feedBaseUrl,
    language,
    timezone,
    itemsPerFeed: integer('itemsPerFeed', 1, 10_000),
    articleUrlTemplate,
    maxArticleBytes: integer('maxArticleBytes', 1, 64 * 1024 * 1024),
  };
}
