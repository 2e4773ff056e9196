// A fault-injecting HTTP proxy in front of s3rver that also gives it, for clients in any
// process, the S3 semantics the fault tests rely on: atomic writes (a body is read whole
// before it is forwarded, so a client killed mid-upload stores nothing, where s3rver keeps
// the half it got); per-key serialisation of GET, HEAD, PUT and DELETE, a GET's body read
// whole inside it (s3rver streams a PUT into the file a concurrent GET reads); PutObject's
// If-Match / If-None-Match: * checked there and answered 412 as S3 does (s3rver ignores
// both; test/s3rver.test.ts); and S3's 1,024-byte key limit (400 KeyTooLongError).
//
// Requests are forwarded as they came (Host included, so SigV4 signatures verify); a policy
// injects faults per request: error answers (500, 503 SlowDown, 412), a connection dropped
// before or after the request is applied, an answer withheld (before or after) until the
// client times out.
import {
  createServer,
  Agent as HttpAgent,
  type IncomingMessage,
  request,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';

/** What the policy is told about a request. */
export interface GatewayRequest {
  readonly method: string;
  readonly bucket: string | undefined;
  /** The object key, decoded; undefined for bucket-level requests (ListObjectsV2). */
  readonly key: string | undefined;
  readonly conditional: boolean;
  /** The SDK's attempt number (header amz-sdk-request), 1 for a first try. */
  readonly attempt: number;
}

export type Fault =
  | { readonly kind: 'pass' }
  /** An error answer; the request is not applied. */
  | { readonly kind: 'error'; readonly status: number; readonly code: string }
  /** The connection is dropped; the request is not applied. */
  | { readonly kind: 'reset' }
  /** The request is applied, then the connection is dropped before the answer. */
  | { readonly kind: 'reset-after' }
  /** No answer until the client gives up; the request is not applied. */
  | { readonly kind: 'hang' }
  /** The request is applied, but its answer is withheld until the client gives up. */
  | { readonly kind: 'hang-after' };

export type FaultPolicy = (request: GatewayRequest) => Fault;

export const PASS: Fault = { kind: 'pass' };

export interface GatewayStats {
  requests: number;
  /** Requests the SDK sent as a retry (amz-sdk-request: attempt=2 or more). */
  sdkRetries: number;
  /** Uploads whose client went away before the whole body arrived: nothing was stored. */
  abandonedUploads: number;
  /** 412 answers to conditional writes whose condition really did not hold. */
  realConflicts: number;
  /** Faults injected, by kind (errors by status and code, e.g. "503 SlowDown"). */
  faults: Record<string, number>;
}

export interface Gateway {
  /** http://127.0.0.1:PORT: the endpoint clients use instead of s3rver's. */
  readonly url: string;
  readonly stats: GatewayStats;
  setPolicy(policy: FaultPolicy): void;
  /** Resolves when no request is in flight (every request received has been applied or dropped). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** s3rver's endpoint. */
  readonly upstream: string;
  /** Credentials s3rver accepts, for the gateway's own HEAD before a conditional write. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly policy?: FaultPolicy;
  /** Longest a withheld answer is held if the client never gives up. */
  readonly maxHangMs?: number;
  /** Called with every request received whole, before any fault. */
  readonly onRequest?: (request: GatewayRequest) => void;
}

const MAX_KEY_BYTES = 1024;

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>feedgen-fault-gateway</RequestId></Error>`;
}

const MESSAGES: Record<string, string> = {
  SlowDown: 'Please reduce your request rate.',
  InternalError: 'We encountered an internal error. Please try again.',
  ServiceUnavailable: 'Service is unable to handle request.',
  PreconditionFailed: 'At least one of the pre-conditions you specified did not hold',
  KeyTooLongError: 'Your key is too long',
};

type Target = { bucket: string | undefined; key: string | undefined };

function parseTarget(url: string): Target {
  const path = new URL(url, 'http://gateway.local').pathname;
  const slash = path.indexOf('/', 1);
  if (path.length <= 1) return { bucket: undefined, key: undefined };
  if (slash === -1) return { bucket: decodeURIComponent(path.slice(1)), key: undefined };
  const key = path.slice(slash + 1);
  return {
    bucket: decodeURIComponent(path.slice(1, slash)),
    key: key === '' ? undefined : decodeURIComponent(key),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let done = false;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.on('error', () => {
      if (!done) resolve(undefined);
    });
    req.on('close', () => {
      if (!done && !req.complete) resolve(undefined);
    });
  });
}

interface Upstream {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const upstream = new URL(options.upstream);
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 32 });
  const headClient = new S3Client({
    endpoint: options.upstream,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: options.credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });
  let policy: FaultPolicy = options.policy ?? (() => PASS);
  const maxHangMs = options.maxHangMs ?? 15_000;
  const stats: GatewayStats = {
    requests: 0,
    sdkRetries: 0,
    abandonedUploads: 0,
    realConflicts: 0,
    faults: {},
  };
  const locks = new Map<string, Promise<void>>();
  let inFlight = 0;
  let idleWaiters: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const hangTimers = new Set<NodeJS.Timeout>();

  const withLock = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const previous = locks.get(name) ?? Promise.resolve();
    let release = (): void => {};
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chained = previous.then(() => current);
    locks.set(name, chained);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (locks.get(name) === chained) locks.delete(name);
    }
  };

  const forward = (req: IncomingMessage, body: Buffer): Promise<Upstream> =>
    new Promise((resolve, reject) => {
      const headers = { ...req.headers, 'content-length': String(body.byteLength) };
      delete headers.connection;
      delete headers['transfer-encoding'];
      delete headers.expect;
      const to = { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers };
      const outgoing = request({ ...to, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 502,
            headers: response.headers as Record<string, string | string[]>,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const currentEtag = async (bucket: string, key: string): Promise<string | undefined> => {
    try {
      return (await headClient.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404)
        return undefined;
      throw error;
    }
  };

  const stripQuotes = (tag: string): string => tag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');

  /** Applies the request to s3rver as S3 would; returns the answer to give. */
  const apply = async (req: IncomingMessage, body: Buffer, target: Target): Promise<Upstream> => {
    const { bucket, key } = target;
    if (bucket === undefined || key === undefined) return forward(req, body);
    if (req.method === 'PUT' && Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES)
      return xmlAnswer(400, 'KeyTooLongError', req.method);
    return withLock(`${bucket}/${key}`, async () => {
      const ifMatch = req.headers['if-match'];
      const ifNoneMatch = req.headers['if-none-match'];
      if (req.method === 'PUT' && (ifMatch !== undefined || ifNoneMatch !== undefined)) {
        const etag = await currentEtag(bucket, key);
        const fails =
          (ifNoneMatch !== undefined && ifNoneMatch.trim() === '*' && etag !== undefined) ||
          (ifMatch !== undefined && (etag === undefined || stripQuotes(ifMatch) !== stripQuotes(etag)));
        if (fails) {
          stats.realConflicts++;
          return xmlAnswer(412, 'PreconditionFailed', req.method);
        }
      }
      return forward(req, body);
    });
  };

  const xmlAnswer = (status: number, code: string, method: string | undefined): Upstream => {
    const text = method === 'HEAD' ? '' : errorXml(code, MESSAGES[code] ?? code);
    return {
      status,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': 'feedgen-fault-gateway' },
      body: Buffer.from(text, 'utf8'),
    };
  };

  const send = (res: ServerResponse, answer: Upstream): void => {
    if (res.destroyed) return;
    const headers = { ...answer.headers };
    delete headers.connection;
    delete headers['transfer-encoding'];
    delete headers['keep-alive'];
    if (!('content-length' in headers) || headers['content-length'] === undefined)
      headers['content-length'] = String(answer.body.byteLength);
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  };

  /** Holds the request open until the client goes away (its timeout), or maxHangMs. */
  const hang = (req: IncomingMessage): Promise<void> =>
    new Promise((resolve) => {
      const socket = req.socket;
      const timer = setTimeout(() => {
        hangTimers.delete(timer);
        socket.destroy();
        resolve();
      }, maxHangMs);
      hangTimers.add(timer);
      socket.once('close', () => {
        clearTimeout(timer);
        hangTimers.delete(timer);
        resolve();
      });
    });

  const count = (name: string): void => {
    stats.faults[name] = (stats.faults[name] ?? 0) + 1;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    if (body === undefined) {
      if (req.method === 'PUT') stats.abandonedUploads++;
      return;
    }
    stats.requests++;
    const target = parseTarget(req.url ?? '/');
    const attempt = Number(/attempt=(\d+)/.exec(String(req.headers['amz-sdk-request'] ?? ''))?.[1] ?? 1);
    if (attempt > 1) stats.sdkRetries++;
    const conditional =
      req.method === 'PUT' &&
      (req.headers['if-match'] !== undefined || req.headers['if-none-match'] !== undefined);
    const described: GatewayRequest = { method: req.method ?? 'GET', ...target, conditional, attempt };
    options.onRequest?.(described);
    const fault = policy(described);
    switch (fault.kind) {
      case 'pass':
        send(res, await apply(req, body, target));
        return;
      case 'error':
        count(`${fault.status} ${fault.code}`);
        send(res, xmlAnswer(fault.status, fault.code, req.method));
        return;
      case 'reset':
        count('reset');
        req.socket.destroy();
        return;
      case 'reset-after':
        count('reset-after');
        await apply(req, body, target);
        req.socket.destroy();
        return;
      case 'hang':
        count('hang');
        await hang(req);
        return;
      case 'hang-after':
        count('hang-after');
        await apply(req, body, target);
        await hang(req);
        return;
    }
  };

  const server = createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch((error: unknown) => {
        // s3rver itself failed: answer as S3 would for an internal error.
        if (!res.headersSent && !res.destroyed) send(res, xmlAnswer(500, 'InternalError', req.method));
        else res.destroy();
        count(`gateway error: ${(error as Error).message}`);
      })
      .finally(() => {
        inFlight--;
        if (inFlight === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 5_000;
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

  return {
    url: `http://127.0.0.1:${port}`,
    stats,
    setPolicy(next) {
      policy = next;
    },
    idle() {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    async close() {
      for (const timer of hangTimers) clearTimeout(timer);
      hangTimers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
      headClient.destroy();
    },
  };
}

/** A client for the gateway (or any local S3 API), path-style, with the checksums s3rver reads. */
export function gatewayClient(
  endpoint: string,
  credentials: { accessKeyId: string; secretAccessKey: string },
  options: { requestTimeoutMs?: number; maxAttempts?: number } = {},
): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.requestTimeoutMs !== undefined
      ? {
          requestHandler: {
            requestTimeout: options.requestTimeoutMs,
            throwOnRequestTimeout: true,
            connectionTimeout: options.requestTimeoutMs,
          },
        }
      : {}),
  });
}
