// s3rver 3.x ships no types (there is a separate @types/s3rver); this covers what
// local/ and test/helpers/s3rver.ts use. The class extends Koa, hence EventEmitter.
declare module 's3rver' {
  import type { EventEmitter } from 'node:events';
  import type { AddressInfo } from 'node:net';

  namespace S3rver {
    interface BucketConfig {
      name: string;
      /** Raw CORSConfiguration / WebsiteConfiguration XML. */
      configs?: Array<string | Buffer>;
    }
    interface Options {
      address?: string;
      port?: number;
      silent?: boolean;
      directory?: string;
      serviceEndpoint?: string;
      resetOnClose?: boolean;
      allowMismatchedSignatures?: boolean;
      vhostBuckets?: boolean;
      configureBuckets?: BucketConfig[];
    }
    /** What s3rver emits as 'event' (lib/models/event.js): always exactly one record. */
    interface EventEnvelope {
      Records: unknown[];
    }
  }

  class S3rver extends EventEmitter {
    constructor(options?: S3rver.Options);
    /** Resolves with the bound address (httpServer.address()). */
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    reset(): void;
  }

  export = S3rver;
}
