import crypto from 'node:crypto';

/**
 * What s3rver, the local S3 API, needs to run on current Node.js and to speak for feedgen.
 */

/** Lets s3rver accept requests signed with these credentials (it knows only S3RVER/S3RVER). */
export function addS3rverCredentials(accessKeyId: string, secretAccessKey: string): void {
  // biome-ignore lint/suspicious/noExplicitAny: s3rver ships no types for its account registry
  const { DUMMY_ACCOUNT } = require('s3rver/lib/models/account') as any;
  DUMMY_ACCOUNT.createKeyPair(accessKeyId, secretAccessKey);
}

// s3rver makes ListObjectsV2 continuation tokens with crypto.createCipheriv('des', ...)
// (node_modules/s3rver/lib/controllers/bucket.js:13-38). Single DES lives in OpenSSL 3's
// legacy provider, which Node 17+ does not load, so every truncated ListObjectsV2 answers
// 500 InternalError ("error:0308010C:digital envelope routines::unsupported"). While a
// server runs we let 'des' (DES-CBC, 8-byte key) fall back to DES-EDE3-CBC with the key
// repeated three times, which is the same cipher (EDE with K1=K2=K3 is single DES) and is
// in the default provider. Only calls that would otherwise throw are affected.
type CipherFactory = (algorithm: string, key: Buffer, iv: Buffer | null, ...rest: unknown[]) => unknown;
interface MutableCrypto {
  createCipheriv: CipherFactory;
  createDecipheriv: CipherFactory;
}
interface DesFallbackState {
  users: number;
  original?: MutableCrypto;
}
const DES_STATE_KEY = Symbol.for('feedgen.s3rver.desFallback');

function desFallbackState(): DesFallbackState {
  const holder = globalThis as unknown as Record<symbol, DesFallbackState | undefined>;
  let state = holder[DES_STATE_KEY];
  if (!state) {
    state = { users: 0 };
    holder[DES_STATE_KEY] = state;
  }
  return state;
}

function withDesFallback(original: CipherFactory): CipherFactory {
  return (algorithm, key, iv, ...rest) => {
    try {
      return original.call(crypto, algorithm, key, iv, ...rest);
    } catch (err) {
      if (/^des(-cbc)?$/i.test(algorithm) && Buffer.isBuffer(key) && key.length === 8) {
        return original.call(crypto, 'des-ede3-cbc', Buffer.concat([key, key, key]), iv, ...rest);
      }
      throw err;
    }
  };
}

/** Installs the DES fallback (shared by all running servers); returns its release. */
export function retainDesFallback(): () => void {
  const state = desFallbackState();
  const target = crypto as unknown as MutableCrypto;
  if (state.users === 0) {
    state.original = { createCipheriv: target.createCipheriv, createDecipheriv: target.createDecipheriv };
    target.createCipheriv = withDesFallback(state.original.createCipheriv);
    target.createDecipheriv = withDesFallback(state.original.createDecipheriv);
  }
  state.users += 1;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    state.users -= 1;
    if (state.users === 0 && state.original) {
      target.createCipheriv = state.original.createCipheriv;
      target.createDecipheriv = state.original.createDecipheriv;
      state.original = undefined;
    }
  };
}
