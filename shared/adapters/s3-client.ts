import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

/**
 * Every S3 client feedgen builds, in one place: the Lambda's, and the ones the CLI, the
 * local stack and the bench point at a local S3 API.
 */

/**
 * Time limits for one S3 request from a Lambda function. The SDK sets none, so a connection
 * that hangs would hold the invocation until Lambda's timeout (60 s), and the whole batch
 * would wait for SQS to deliver it again. With them, the request fails after a few seconds
 * and S3Store retries it. Feed files are at most a few hundred kilobytes: 10 s is ample.
 */
export const LAMBDA_S3_TIMEOUTS = { connectionTimeout: 3_000, requestTimeout: 10_000 } as const;

/** The S3 client a handler builds once per Lambda environment (tests pass an endpoint and shorter limits). */
export function lambdaS3Client(
  config: Omit<S3ClientConfig, 'requestHandler'> = {},
  timeouts: { connectionTimeout: number; requestTimeout: number } = LAMBDA_S3_TIMEOUTS,
): S3Client {
  // Without throwOnRequestTimeout the handler only logs a warning when requestTimeout passes.
  return new S3Client({ ...config, requestHandler: { ...timeouts, throwOnRequestTimeout: true } });
}

export interface S3Choice {
  /** A local S3 API (s3rver, npm start's); absent: AWS, with the usual credential chain. */
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/** A client for AWS, or for a local S3 API at `endpoint` (path-style, us-east-1 unless told). */
export function s3Client(choice: S3Choice = {}): S3Client {
  return new S3Client({
    ...(choice.credentials ? { credentials: { ...choice.credentials } } : {}),
    ...(choice.region ? { region: choice.region } : {}),
    ...(choice.endpoint
      ? {
          endpoint: choice.endpoint,
          forcePathStyle: true,
          region: choice.region ?? 'us-east-1',
          // Local S3 APIs mishandle the checksummed uploads newer SDKs send by default.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
}
