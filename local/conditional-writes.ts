import { HeadObjectCommand, type S3Client, S3ServiceException } from '@aws-sdk/client-s3';

/**
 * Makes a local S3 API behave as S3 does, for the publishers of one process, where it does
 * not: s3rver ignores If-Match / If-None-Match on PutObject, and a read that overlaps a
 * write of the same key can return half the object. Every request on a key is serialised
 * behind a per-key lock, and a conditional write first compares the object's current ETag,
 * answering 412 PreconditionFailed as S3 would. Never used against real S3.
 */
export function enforceConditionalWrites(client: S3Client): S3Client {
  const locks = new Map<string, Promise<void>>();
  const withLock = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
    const previous = locks.get(key) ?? Promise.resolve();
    let release = (): void => {};
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const chained = previous.then(() => current);
    locks.set(key, chained);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (locks.get(key) === chained) locks.delete(key);
    }
  };
  const internal = new WeakSet<object>();
  const serialised = new Set([
    'PutObjectCommand',
    'DeleteObjectCommand',
    'GetObjectCommand',
    'HeadObjectCommand',
  ]);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? '';
      if (!serialised.has(command) || internal.has(args.input as object)) return next(args);
      const input = args.input as { Bucket?: string; Key?: string; IfMatch?: string; IfNoneMatch?: string };
      return withLock(`${input.Bucket}/${input.Key}`, async () => {
        if (
          command === 'PutObjectCommand' &&
          (input.IfMatch !== undefined || input.IfNoneMatch !== undefined)
        ) {
          let etag: string | undefined;
          try {
            const headInput = { Bucket: input.Bucket, Key: input.Key };
            internal.add(headInput);
            etag = (await client.send(new HeadObjectCommand(headInput))).ETag;
          } catch (error) {
            if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404)
              throw error;
          }
          const fails =
            (input.IfNoneMatch === '*' && etag !== undefined) ||
            (input.IfMatch !== undefined && input.IfMatch !== etag);
          if (fails) {
            throw new S3ServiceException({
              name: 'PreconditionFailed',
              $fault: 'client',
              $metadata: { httpStatusCode: 412 },
              message: 'At least one of the pre-conditions you specified did not hold',
            });
          }
        }
        const result = await next(args);
        // A GetObject body is read after this returns: read it inside the lock.
        const output = (
          result as { output?: { Body?: { transformToByteArray?: () => Promise<Uint8Array> } } }
        ).output;
        if (command === 'GetObjectCommand' && output?.Body?.transformToByteArray) {
          const bytes = await output.Body.transformToByteArray();
          output.Body.transformToByteArray = async () => bytes;
          (output.Body as { transformToString?: (encoding?: string) => Promise<string> }).transformToString =
            async (encoding = 'utf8') => Buffer.from(bytes).toString(encoding as BufferEncoding);
        }
        return result;
      });
    },
    { step: 'initialize', name: 'feedgenLocalConditionalWrites' },
  );
  return client;
}
