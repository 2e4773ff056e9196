import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { STATE_PREFIX } from '../../shared/publishing/layout';

export interface StorageProps {
  /**
   * How long S3 and CloudFront access logs are kept.
   *
   * @default Duration.days(90)
   */
  readonly accessLogsRetention?: Duration;
  /**
   * How long a superseded version of a state object is kept. The manifest under state/ is
   * rewritten on every commit, and the bucket is versioned for the editors' sake: without
   * expiry every commit would leave a version behind for good.
   *
   * @default Duration.days(1)
   */
  readonly stateVersionsRetention?: Duration;
}

/**
 * The three buckets: the editors' articles (with the publisher's state and reports), the
 * feeds CloudFront serves, and the access logs of both. All are encrypted with S3-managed
 * keys, block public access, require TLS and are kept when the stack is deleted.
 *
 * S3-managed keys keep each object's ETag the MD5 of its bytes, which the publisher compares
 * to skip unchanged files (docs/architecture.md, Known limits).
 */
export class Storage extends Construct {
  /** Receives the S3 access logs of the other two buckets and CloudFront's standard logs. */
  public readonly accessLogs: Bucket;
  /** articles/ (editors' uploads), reports/ (why an article was rejected), state/ (the publisher's). */
  public readonly articles: Bucket;
  /** feeds/: what CloudFront serves. */
  public readonly feeds: Bucket;

  constructor(scope: Construct, id: string, props: StorageProps = {}) {
    super(scope, id);

    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: props.accessLogsRetention ?? Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the bucket that receives the access logs; logging it into itself would loop.',
    });

    this.articles = new Bucket(this, 'Articles', {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'articles-bucket/',
      lifecycleRules: [
        {
          // The publisher deletes the state objects a commit supersedes; versioning would
          // otherwise keep them (and every old manifest) as noncurrent versions forever.
          id: 'ExpireSupersededState',
          prefix: STATE_PREFIX,
          noncurrentVersionExpiration: props.stateVersionsRetention ?? Duration.days(1),
          expiredObjectDeleteMarker: true,
        },
        {
          // An upload that never completes (a dropped `aws s3 cp` of a large file) is billed
          // until aborted.
          id: 'AbortIncompleteUploads',
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // Editors' work: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.feeds = new Bucket(this, 'Feeds', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'feeds-bucket/',
      // Rebuilt from the articles by `feedgen rebuild`, but kept so a stack update never loses it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
