import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';

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
