import { ConfigError, DEFAULT_CONFIG, resolveConfig, type SiteConfig } from '../../shared/core/config';

const SOURCE = 'feedgen.config.json';

const resolve = (raw: unknown): SiteConfig => resolveConfig(raw, SOURCE);

/** The ConfigError that resolving `raw` throws; fails the test if it does not throw one. */
function configError(raw: unknown): ConfigError {
  try {
    resolve(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

function expectRejected(raw: unknown, field: string | undefined, ...mentions: string[]): void {
  const error = configError(raw);
  expect(error.source).toBe(SOURCE);
  expect(error.field).toBe(field);
  expect(error.message.startsWith(field ? `${SOURCE}: ${field}: ` : `${SOURCE}: `)).toBe(true);
  for (const mention of mentions) expect(error.message).toContain(mention);
}

describe('DEFAULT_CONFIG', () => {
  it('holds the documented defaults', () => {
    expect(DEFAULT_CONFIG).toEqual<SiteConfig>({
      title: 'feedgen',
      description: 'Tin mới nhất',
      siteUrl: 'http://127.0.0.1:8080/',
      feedBaseUrl: 'http://127.0.0.1:8080/feeds/',
      language: 'vi',
      timezone: 'Asia/Ho_Chi_Minh',
      itemsPerFeed: 50,
      articleUrlTemplate: '{category}/{slug}.html',
      maxArticleBytes: 1024 * 1024,
    });
  });

  it('limits articles to 1 MiB', () => {
    expect(DEFAULT_CONFIG.maxArticleBytes).toBe(1_048_576);
  });

  it('is what an empty settings object resolves to', () => {
    expect(resolve({})).toEqual(DEFAULT_CONFIG);
  });

  it('resolves to itself', () => {
    expect(resolve({ ...DEFAULT_CONFIG })).toEqual(DEFAULT_CONFIG);
  });
});

describe('resolveConfig', () => {
  it('reads a complete settings file', () => {
    const raw = {
      $schema: './feedgen.schema.json',
      title: 'Báo Hà Tĩnh',
      description: 'Tin tức, thời sự Hà Tĩnh',
      siteUrl: 'https://baohatinh.vn/',
      feedBaseUrl: 'https://baohatinh.vn/feeds/',
      language: 'vi',
      timezone: 'Asia/Ho_Chi_Minh',
      itemsPerFeed: 50,
      articleUrlTemplate: '{category}/{slug}.html',
      maxArticleBytes: 1_048_576,
    };
    const { $schema: _schema, ...expected } = raw;
    expect(resolve(raw)).toEqual(expected);
  });

  describe('the settings object', () => {
    it.each([
      ['null', null],
      ['a list', [{ title: 'x' }]],
      ['a string', 'feedgen'],
      ['a number', 1],
      ['undefined', undefined],
    ])('rejects %s', (_kind, raw) => {
      expectRejected(raw, undefined, 'JSON object');
    });

    it('rejects an unknown setting, naming it and listing the known ones', () => {
      expectRejected(
        { siteURL: 'https://x.vn/' },
        'siteURL',
        'not a setting',
        'siteUrl',
        'articleUrlTemplate',
      );
    });

    it('allows $schema', () => {
      expect(resolve({ $schema: 'https://example.org/schema.json' })).toEqual(DEFAULT_CONFIG);
    });

    it('treats null as "use the default"', () => {
      expect(resolve({ title: null, itemsPerFeed: null, timezone: null })).toEqual(DEFAULT_CONFIG);
    });
  });

  describe('siteUrl and feedBaseUrl', () => {
    it.each([
      ['https://baohatinh.vn', 'https://baohatinh.vn/'],
      ['https://baohatinh.vn/tin-tuc', 'https://baohatinh.vn/tin-tuc/'],
      ['https://baohatinh.vn/tin-tuc/?utm=x#top', 'https://baohatinh.vn/tin-tuc/'],
      ['HTTPS://BaoHaTinh.VN', 'https://baohatinh.vn/'],
      ['http://localhost:8080', 'http://localhost:8080/'],
    ])('normalises siteUrl %s to %s', (siteUrl, expected) => {
      expect(resolve({ siteUrl }).siteUrl).toBe(expected);
    });

    it('defaults feedBaseUrl to feeds/ under siteUrl', () => {
      expect(resolve({ siteUrl: 'https://baohatinh.vn' }).feedBaseUrl).toBe('https://baohatinh.vn/feeds/');
      expect(resolve({ siteUrl: 'https://example.org/tin-tuc' }).feedBaseUrl).toBe(
        'https://example.org/tin-tuc/feeds/',
      );
    });

    it('defaults feedBaseUrl to feeds/ under siteUrl when feedBaseUrl is null', () => {
      // null means "use the default" for every other setting; here the default follows siteUrl
      const config = resolve({ siteUrl: 'https://baohatinh.vn/', feedBaseUrl: null });
      expect(config.feedBaseUrl).toBe('https://baohatinh.vn/feeds/');
    });

    it('keeps an explicit feedBaseUrl, with a trailing slash', () => {
      const config = resolve({
        siteUrl: 'https://baohatinh.vn/',
        feedBaseUrl: 'https://cdn.baohatinh.vn/rss',
      });
      expect(config.feedBaseUrl).toBe('https://cdn.baohatinh.vn/rss/');
    });

    it.each(['siteUrl', 'feedBaseUrl'])('rejects a relative %s', (field) => {
      expectRejected({ [field]: '/feeds/' }, field, '"/feeds/"', 'absolute URL');
    });

    it.each([
      ['siteUrl', 'ftp://baohatinh.vn/'],
      ['siteUrl', 'javascript:alert(1)'],
      ['feedBaseUrl', 'file:///var/www/feeds/'],
    ])('rejects %s %s, which is not http(s)', (field, url) => {
      expectRejected({ [field]: url }, field, `"${url}"`, 'http or https');
    });

    it.each(['siteUrl', 'feedBaseUrl'])('rejects a %s that is not a string', (field) => {
      expectRejected({ [field]: 42 }, field, 'must be a string');
    });
  });

  describe('language and timezone', () => {
    it.each(['vi', 'en', 'en-US', 'zh-Hant-TW'])('accepts the language tag %s', (language) => {
      expect(resolve({ language }).language).toBe(language);
    });

    it.each(['vi_VN', 'tiếng việt', 'v', ''])('rejects the language %j', (language) => {
      expectRejected({ language }, 'language', `"${language}"`, 'language tag');
    });

    it.each(['UTC', 'Asia/Ho_Chi_Minh', 'Europe/Paris', 'Etc/GMT-7'])(
      'accepts the IANA zone %s',
      (timezone) => {
        expect(resolve({ timezone }).timezone).toBe(timezone);
      },
    );

    it.each(['Mars/Olympus_Mons', '+07:00', 'UTC+7', 'ICT', ''])('rejects the timezone %j', (timezone) => {
      expectRejected({ timezone }, 'timezone', `"${timezone}"`, 'IANA', 'Asia/Ho_Chi_Minh');
    });
  });

  describe('title and description', () => {
    it('trims the title and description', () => {
      const config = resolve({ title: '  Báo Hà Tĩnh ', description: ' Tin tức ' });
      expect(config.title).toBe('Báo Hà Tĩnh');
      expect(config.description).toBe('Tin tức');
    });

    it.each(['', '   '])('rejects the empty title %j', (title) => {
      expectRejected({ title }, 'title', 'must not be empty');
    });

    it.each(['', '  '])('uses the title when the description is %j', (description) => {
      expect(resolve({ title: 'Báo Hà Tĩnh', description }).description).toBe('Báo Hà Tĩnh');
    });

    it.each([
      ['title', 5],
      ['description', ['a']],
      ['articleUrlTemplate', true],
    ])('rejects a %s that is not a string', (field, value) => {
      expectRejected({ [field]: value }, field, 'must be a string');
    });
  });

  describe('articleUrlTemplate', () => {
    it.each([
      '{slug}',
      '{category}/{slug}.html',
      '{yyyy}/{MM}/{dd}/{slug}',
      'tin/{category}-{slug}-{yyyy}{MM}{dd}.html',
    ])('accepts %s', (articleUrlTemplate) => {
      expect(resolve({ articleUrlTemplate }).articleUrlTemplate).toBe(articleUrlTemplate);
    });

    it('rejects a template without {slug}, which would give every article the same URL', () => {
      expectRejected(
        { articleUrlTemplate: '{category}/index.html' },
        'articleUrlTemplate',
        '{slug}',
        'same URL',
      );
    });

    it.each(['{slug}/{id}', '{SLUG}-{slug}', '{slug}/{year}', '{category}/{slug}{}'])(
      'rejects %s, naming the unknown placeholder and listing the known ones',
      (articleUrlTemplate) => {
        const unknown = /\{(?!(?:category|slug|yyyy|MM|dd)\})[^}]*\}/.exec(articleUrlTemplate)?.[0] ?? '?';
        expectRejected(
          { articleUrlTemplate },
          'articleUrlTemplate',
          unknown,
          '{category}, {slug}, {yyyy}, {MM}, {dd}',
        );
      },
    );
  });

  describe('whole-number settings', () => {
    it.each([
      ['itemsPerFeed', 1],
      ['itemsPerFeed', 10_000],
      ['maxArticleBytes', 1],
      ['maxArticleBytes', 64 * 1024 * 1024],
    ])('accepts %s = %d at the edge of its range', (field, value) => {
      expect(resolve({ [field]: value })[field as keyof SiteConfig]).toBe(value);
    });

    it.each([
      ['itemsPerFeed', 0, '1 to 10000'],
      ['itemsPerFeed', 10_001, '1 to 10000'],
      ['itemsPerFeed', 1.5, '1 to 10000'],
      ['itemsPerFeed', -5, '1 to 10000'],
      ['itemsPerFeed', '50', '1 to 10000'],
      ['itemsPerFeed', Number.NaN, '1 to 10000'],
      ['maxArticleBytes', 0, '1 to 67108864'],
      ['maxArticleBytes', 64 * 1024 * 1024 + 1, '1 to 67108864'],
      ['maxArticleBytes', '1MB', '1 to 67108864'],
      ['maxArticleBytes', Number.POSITIVE_INFINITY, '1 to 67108864'],
    ])('rejects %s = %p, giving the range', (field, value, range) => {
      expectRejected({ [field]: value }, field, 'whole number', range);
    });
  });

  describe('ConfigError', () => {
    it('is an Error carrying the source and field', () => {
      const error = configError({ itemsPerFeed: 0 });
      expect(error).toBeInstanceOf(Error);
      expect(error.source).toBe(SOURCE);
      expect(error.field).toBe('itemsPerFeed');
      expect(error.message).toBe(`${SOURCE}: itemsPerFeed: must be a whole number from 1 to 10000`);
    });
  });

  it('does not modify its input', () => {
    const raw = { siteUrl: 'https://baohatinh.vn', title: ' T ' };
    const copy = structuredClone(raw);
    resolve(raw);
    expect(raw).toEqual(copy);
  });
});
