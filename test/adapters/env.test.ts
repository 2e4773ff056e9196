import { requireEnv, siteConfigFromEnv } from '../../shared/adapters/env';

describe('configuration from the environment', () => {
  it('fails fast naming a missing or empty variable', () => {
    expect(() => requireEnv('SOURCE_BUCKET', {})).toThrow('environment variable SOURCE_BUCKET is not set');
    expect(() => requireEnv('SOURCE_BUCKET', { SOURCE_BUCKET: ' ' })).toThrow(/SOURCE_BUCKET is not set/);
    expect(requireEnv('SOURCE_BUCKET', { SOURCE_BUCKET: 'b' })).toBe('b');
  });

  it('reads the site settings from FEEDGEN_CONFIG, naming it in errors', () => {
    expect(
      siteConfigFromEnv({ FEEDGEN_CONFIG: '{"title":"Báo Hà Tĩnh","siteUrl":"https://baohatinh.vn"}' }),
    ).toMatchObject({
      title: 'Báo Hà Tĩnh',
      feedBaseUrl: 'https://baohatinh.vn/feeds/',
    });
    expect(() => siteConfigFromEnv({})).toThrow(/FEEDGEN_CONFIG is not set/);
    expect(() => siteConfigFromEnv({ FEEDGEN_CONFIG: '{' })).toThrow(/FEEDGEN_CONFIG is not JSON/);
    expect(() => siteConfigFromEnv({ FEEDGEN_CONFIG: '{"itemsPerFeed":0}' })).toThrow(
      /FEEDGEN_CONFIG: itemsPerFeed/,
    );
  });
});
