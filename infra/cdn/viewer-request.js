// CloudFront viewer-request function (runtime cloudfront-js-2.0): plain JavaScript, one
// top-level `handler`, no modules. infra/constructs/cdn.ts deploys this file as it is, and
// local/cdn.ts runs the same file, so the local CDN picks the same object CloudFront does.
//
// CloudFront compresses rss.xml and the HTML pages itself, but its list of compressible types
// leaves out Atom, JSON Feed and OPML. For those three the publisher stores a gzip copy beside
// the file (atom.xml.gz, stored with Content-Encoding: gzip), and a reader who accepts gzip is
// sent to it. No brotli copy is stored: at the quality a publish can afford, brotli was only
// about 5% smaller than gzip level 1, and it cost two more PUTs per feed.

// biome-ignore lint/correctness/noUnusedVariables: CloudFront calls it.
function handler(event) {
  const request = event.request;
  const uri = request.uri;
  if (uri === '/' || uri === '/feeds' || uri === '/feeds/') {
    request.uri = '/feeds/index.html';
    return request;
  }
  if (!/\/(atom\.xml|feed\.json|index\.opml)$/.test(uri)) return request;
  const header = request.headers['accept-encoding'];
  if (header && acceptsGzip(header.value)) request.uri = `${uri}.gz`;
  return request;
}

// RFC 9110: gzip is acceptable if listed with a q-value above 0, or, when not listed at all,
// if "*" is; q=0 refuses. Names are case-insensitive; a missing q is 1.
function acceptsGzip(value) {
  // Plain for loops: the runtime has for and for-in, but not for-of.
  let gzip;
  let any;
  const parts = String(value).toLowerCase().split(',');
  for (let i = 0; i < parts.length; i++) {
    const params = parts[i].split(';');
    const name = params[0].trim();
    let q = 1;
    for (let j = 1; j < params.length; j++) {
      const param = params[j].trim();
      if (param.indexOf('q=') === 0) q = Number(param.slice(2));
    }
    if (name === 'gzip') gzip = q > 0;
    else if (name === '*') any = q > 0;
  }
  return gzip === undefined ? any === true : gzip;
}
