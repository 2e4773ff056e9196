import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import responseHeaders from '../infra/response-headers.json';

export interface LocalCdnOptions {
  readonly client: S3Client;
  readonly bucket: string;
  readonly host?: string;
  readonly port: number;
  /** One line per request, for people; none by default. */
  readonly log?: (line: string) => void;
}

export interface LocalCdn {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

// CloudFront compresses objects from 1,000 bytes to 10 MB, of the types below (the part of its
// list a feeds bucket may hold). Atom, JSON Feed and OPML are not on it: for those the
// viewer-request function sends readers to the stored gzip copy instead.
const MIN_COMPRESS_BYTES = 1000;
const COMPRESSIBLE_TYPES = new Set([
  'application/json',
  'application/javascript',
  'application/rss+xml',
  'application/xhtml+xml',
  'application/xml',
  'image/svg+xml',
  'text/css',
  'text/csv',
  'text/html',
  'text/javascript',
  'text/plain',
  'text/xml',
]);

type ViewerRequest = (event: { request: { uri: string; headers: Record<string, { value: string }> } }) => {
  uri: string;
};

/**
 * The CloudFront viewer-request function, run from its one file (infra/cdn/viewer-request.js)
 * in a fresh V8 context, as CloudFront runs it. Found beside the sources (tsx, Jest) and from
 * dist/local/ (npm start).
 */
const viewerRequest: ViewerRequest = (() => {
  const relative = join('infra', 'cdn', 'viewer-request.js');
  const file = [resolve(__dirname, '..', relative), resolve(__dirname, '..', '..', relative)].find(
    (candidate) => existsSync(candidate),
  );
  if (!file) throw new Error(`local CDN: ${relative} not found from ${__dirname}`);
  const context = createContext({});
  runInContext(readFileSync(file, 'utf8'), context, { filename: file });
  return context.handler as ViewerRequest;
})();

/**
 * Serves the output bucket as the CloudFront distribution does: the object the viewer-request
 * function picks (infra/cdn/viewer-request.js, run as it is) with the stored Content-Type,
 * Content-Encoding, ETag and Last-Modified; 304 on If-None-Match and If-Modified-Since; gzip
 * and brotli on the fly for the types CloudFront compresses; the CORS and security headers
 * of the CDK response headers policy (infra/response-headers.json); 404 for a missing path;
 * only GET, HEAD and OPTIONS.
 */
export async function startLocalCdn(options: LocalCdnOptions): Promise<LocalCdn> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error) => {
      options.log?.(`CDN error for ${request.url}: ${(error as Error).message}`);
      if (!response.headersSent)
        send(response, 502, securityHeaders(), 'Bad gateway: the local S3 API did not answer\n');
      else response.destroy();
    });
  });
  const port = await listen(server, options.port, options.host ?? '127.0.0.1');
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function securityHeaders(): Record<string, string> {
  const security = responseHeaders.security;
  return {
    'X-Content-Type-Options': security.contentTypeOptions,
    'X-Frame-Options': security.frameOptions,
    'Referrer-Policy': security.referrerPolicy,
    'Strict-Transport-Security': `max-age=${security.strictTransportSecurityMaxAgeSeconds}${
      security.strictTransportSecurityIncludeSubdomains ? '; includeSubDomains' : ''
    }`,
    'Content-Security-Policy': security.contentSecurityPolicy,
  };
}

/** CloudFront's CORS policy answers requests that carry an Origin header. */
function corsHeaders(request: IncomingMessage): Record<string, string> {
  if (!request.headers.origin) return {};
  const cors = responseHeaders.cors;
  return {
    'Access-Control-Allow-Origin': cors.allowOrigins.join(','),
    'Access-Control-Expose-Headers': cors.exposeHeaders.join(','),
  };
}

function send(
  response: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body?: string | Buffer,
): void {
  response.writeHead(status, headers);
  response.end(body);
}

async function handle(
  options: LocalCdnOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const headers = { ...securityHeaders(), ...corsHeaders(request) };
  const method = request.method ?? 'GET';
  const finish = (status: number): void =>
    options.log?.(`${method} ${request.url} ${status} ${Math.round(performance.now() - started)} ms`);

  if (method === 'OPTIONS') {
    const cors = responseHeaders.cors;
    send(response, 204, {
      ...headers,
      ...(request.headers.origin
        ? {
            'Access-Control-Allow-Methods': cors.allowMethods.join(','),
            'Access-Control-Allow-Headers': cors.allowHeaders.join(','),
            'Access-Control-Max-Age': String(cors.maxAgeSeconds),
          }
        : {}),
    });
    return finish(204);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    send(
      response,
      403,
      { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
      'This distribution only allows GET, HEAD and OPTIONS\n',
    );
    return finish(403);
  }

  const url = new URL(request.url ?? '/', 'http://cdn.local');
  const acceptEncoding = request.headers['accept-encoding'];
  const uri = viewerRequest({
    request: {
      uri: url.pathname,
      headers: acceptEncoding === undefined ? {} : { 'accept-encoding': { value: acceptEncoding } },
    },
  }).uri;
  let path: string;
  try {
    path = decodeURIComponent(uri);
  } catch {
    path = uri;
  }
  const key = path.slice(1);

  let object: {
    body: Buffer;
    contentType: string;
    contentEncoding: string | undefined;
    etag: string;
    lastModified: Date | undefined;
    cacheControl?: string;
  };
  try {
    const result = await options.client.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
    object = {
      body: Buffer.from((await result.Body?.transformToByteArray()) ?? new Uint8Array()),
      contentType: result.ContentType ?? 'application/octet-stream',
      // The publisher stores its gzip copies with Content-Encoding: gzip, which S3 returns.
      contentEncoding: result.ContentEncoding ?? (key.endsWith('.gz') ? 'gzip' : undefined),
      etag: result.ETag ?? '',
      lastModified: result.LastModified,
      ...(result.CacheControl ? { cacheControl: result.CacheControl } : {}),
    };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (error as Error).name === 'NoSuchKey') {
      send(
        response,
        404,
        { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
        method === 'HEAD' ? undefined : `Not found: ${path}\n`,
      );
      return finish(404);
    }
    throw error;
  }

  const compressible =
    object.contentEncoding === undefined &&
    COMPRESSIBLE_TYPES.has(object.contentType.split(';')[0]?.trim().toLowerCase() ?? '') &&
    object.body.byteLength >= MIN_COMPRESS_BYTES;
  const encoding = compressible ? chooseEncoding(acceptEncoding) : undefined;
  const compress = encoding !== undefined;
  // CloudFront weakens the ETag of a body it compresses.
  const etag = compress ? `W/${object.etag}` : object.etag;
  const lastModified = object.lastModified?.toUTCString();
  const common: Record<string, string> = {
    ...headers,
    'Content-Type': object.contentType,
    ETag: etag,
    Vary: 'Accept-Encoding',
    ...(lastModified ? { 'Last-Modified': lastModified } : {}),
    ...(object.cacheControl ? { 'Cache-Control': object.cacheControl } : {}),
    ...(object.contentEncoding ? { 'Content-Encoding': object.contentEncoding } : {}),
  };
  if (notModified(request, object.etag, object.lastModified)) {
    send(response, 304, common);
    return finish(304);
  }
  let body = object.body;
  if (compress) {
    body =
      encoding === 'br'
        ? brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } })
        : gzipSync(body, { level: 6 });
    common['Content-Encoding'] = encoding;
  }
  common['Content-Length'] = String(body.byteLength);
  response.writeHead(200, common);
  response.end(method === 'HEAD' ? undefined : body);
  return finish(200);
}

/**
 * The encoding CloudFront compresses a response with on the fly: brotli when offered, else
 * gzip; q=0 refuses an encoding.
 */
export function chooseEncoding(header: string | string[] | undefined): 'br' | 'gzip' | undefined {
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  const offered = new Map<string, number>();
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find((value) => value !== undefined);
    offered.set(name, q === undefined ? 1 : Number(q));
  }
  const accepts = (name: string): boolean => (offered.get(name) ?? offered.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return undefined;
}

function notModified(request: IncomingMessage, etag: string, lastModified: Date | undefined): boolean {
  const ifNoneMatch = request.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    // Weak comparison, as for GET: W/"x" matches "x".
    const strip = (tag: string): string => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || strip(tag) === strip(etag));
  }
  const ifModifiedSince = request.headers['if-modified-since'];
  if (ifModifiedSince !== undefined && lastModified) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}
