import path from 'node:path';
import { VIEWER_REQUEST_FILE } from '../../infra/constructs/cdn';
import { loadViewerRequest, ROOT } from './helpers';

// The file CloudFront runs (cloudfront-js-2.0), run here in a fresh V8 context as local/cdn.ts runs it.
const handler = loadViewerRequest(path.join(ROOT, 'infra', 'cdn', 'viewer-request.js'));

function viewerRequest(uri: string, acceptEncoding?: string): string {
  return handler({
    request: {
      uri,
      headers: acceptEncoding === undefined ? {} : { 'accept-encoding': { value: acceptEncoding } },
    },
  }).uri;
}

describe('infra/cdn/viewer-request.js', () => {
  it('is the file the CDN construct deploys', () => {
    expect(VIEWER_REQUEST_FILE).toBe(path.join(ROOT, 'infra', 'cdn', 'viewer-request.js'));
  });

  it.each([
    ['/feeds/atom.xml', 'gzip, deflate, br, zstd', '/feeds/atom.xml.gz'],
    ['/feeds/xay-dung-dang/feed.json', 'gzip', '/feeds/xay-dung-dang/feed.json.gz'],
    ['/feeds/index.opml', 'br;q=0, gzip', '/feeds/index.opml.gz'],
    ['/feeds/atom.xml', 'GZIP', '/feeds/atom.xml.gz'],
    ['/feeds/atom.xml', 'gzip;q=0.5, br;q=1', '/feeds/atom.xml.gz'],
    ['/feeds/atom.xml', '*', '/feeds/atom.xml.gz'],
    ['/feeds/atom.xml', 'br, *;q=0.1', '/feeds/atom.xml.gz'],
  ])('sends %s with Accept-Encoding "%s" to the gzip copy', (uri, acceptEncoding, expected) => {
    // GIVEN a reader who accepts gzip / WHEN it asks for a feed CloudFront will not compress
    // THEN it gets the stored gzip copy
    expect(viewerRequest(uri, acceptEncoding)).toBe(expected);
  });

  it.each([
    ['gzip;q=0', 'refused'],
    ['gzip; q=0.0, br', 'refused, spaced and zero with decimals'],
    ['GZIP;Q=0', 'refused, upper case'],
    ['*;q=0', 'everything refused'],
    ['gzip;q=0, *', 'refused by name, whatever * says'],
    ['br', 'not offered (no brotli copy is stored)'],
    ['identity', 'not offered'],
    ['deflate, x-compress', 'not offered'],
    ['', 'empty header'],
    [undefined, 'no header'],
  ] as Array<[string | undefined, string]>)(
    'serves the plain file for Accept-Encoding "%s" (%s)',
    (acceptEncoding) => {
      // GIVEN a reader who does not accept gzip / WHEN it asks for the three feed types
      // THEN it gets the stored file itself
      for (const uri of ['/feeds/atom.xml', '/feeds/kinh-te/feed.json', '/feeds/index.opml']) {
        expect(viewerRequest(uri, acceptEncoding)).toBe(uri);
      }
    },
  );

  it('leaves the types CloudFront compresses itself, and everything else, alone', () => {
    for (const uri of [
      '/feeds/rss.xml',
      '/feeds/kinh-te/rss.xml',
      '/feeds/index.html',
      '/feeds/atom.xml.gz',
      '/feeds/atom.xml/other',
      '/feeds/my-atom.xml',
      '/robots.txt',
    ]) {
      expect(viewerRequest(uri, 'gzip, br')).toBe(uri);
    }
  });

  it('maps the site root and /feeds to the feeds page', () => {
    for (const uri of ['/', '/feeds', '/feeds/']) {
      expect(viewerRequest(uri, 'gzip')).toBe('/feeds/index.html');
      expect(viewerRequest(uri)).toBe('/feeds/index.html');
    }
  });
});
