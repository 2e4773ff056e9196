import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  ARTICLES_PREFIX,
  CONTROL_MESSAGES,
  ENV,
  FEEDS_PREFIX,
  REPORTS_PREFIX,
  STATE_PREFIX,
} from '../../shared/publishing/layout';
import { FeedgenFunction } from '../feedgen-function';
import { prefixWildcardFinding } from '../nag';

export interface PublishPipelineProps {
  /**
   * The editors' bucket. Objects created or removed under articles/ are queued for the
   * publisher, which reads articles/ and keeps its state/ and reports/ there.
   */
  readonly articles: IBucket;
  /** The bucket the publisher writes feeds/ into. */
  readonly feeds: IBucket;
  /** The site settings (feedgen.config.json), handed to the function as JSON. */
  readonly siteConfig: Record<string, unknown>;
  /**
   * The publish function's timeout. The queue's visibility timeout follows from it.
   *
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * How long Lambda gathers messages before it calls the publisher, unless 1,000 arrive first.
   *
   * @default Duration.seconds(1)
   */
  readonly batchingWindow?: Duration;
}

/**
 * S3 events → SQS (→ dead-letter queue) → one writer. Every change under articles/, and a
 * tick every minute for articles held back until a date, go through one standard queue to
 * the publish function, which commits a whole batch at once.
 *
 * One writer per site: the event source runs at most two publishers at a time (2 is the lowest
 * maximum concurrency an SQS event source accepts). Reserved concurrency 1 is not used on purpose: Lambda would keep polling and
 * throttle its own deliveries, each throttled delivery counts as a receive, and messages
 * would reach the dead-letter queue without ever being tried. Two publishers that overlap
 * are fenced in code, by a conditional write of the manifest under state/.
 */
export class PublishPipeline extends Construct {
  /** Messages received five times without success, kept 14 days. */
  public readonly deadLetters: Queue;
  /** S3 events for articles/ and the minute's tick. */
  public readonly events: Queue;
  /** functions/publish.ts: commits one batch of events per call. */
  public readonly publish: FeedgenFunction;
  /** Sends the tick message to the events queue every minute. */
  public readonly everyMinute: Rule;

  constructor(scope: Construct, id: string, props: PublishPipelineProps) {
    super(scope, id);
    const timeout = props.timeout ?? Duration.seconds(60);
    const batchingWindow = props.batchingWindow ?? Duration.seconds(1);

    this.deadLetters = new Queue(this, 'EventsDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the events queue.',
    });
    this.events = new Queue(this, 'Events', {
      // SSE-SQS rather than a KMS key: S3 and EventBridge can both send to it without a key policy.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Lambda's advice for SQS event sources: six times the function timeout, plus the
      // batching window, so a batch still being worked on is not delivered again.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6 + batchingWindow.toSeconds()),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: 5 },
    });
    for (const type of [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED]) {
      props.articles.addEventNotification(type, new SqsDestination(this.events), {
        prefix: ARTICLES_PREFIX,
      });
    }
    this.acknowledgeNotificationsHandler();

    this.publish = new FeedgenFunction(this, 'Publish', {
      entry: 'functions/publish.ts',
      description: 'Publishes each batch of article events and ticks in one commit',
      environment: {
        [ENV.sourceBucket]: props.articles.bucketName,
        [ENV.outputBucket]: props.feeds.bucketName,
        [ENV.siteConfig]: JSON.stringify(props.siteConfig),
      },
      timeout,
    });
    this.publish.addEventSource(
      new SqsEventSource(this.events, {
        // A large batch becomes one commit: 1,000 uploads cost one manifest write, not 1,000.
        batchSize: 1000,
        maxBatchingWindow: batchingWindow,
        maxConcurrency: 2,
        reportBatchItemFailures: true,
      }),
    );
    this.grantPublisher(props.articles, props.feeds);

    // The tick goes through the same queue, so the one writer also publishes what comes due.
    this.everyMinute = new Rule(this, 'EveryMinute', {
      description: 'Asks the publisher to publish scheduled articles that have come due',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [
        new SqsQueue(this.events, {
          // The JSON text of the message itself: EventBridge sends a constant JSON input as the
          // message body. (RuleTargetInput.fromText would JSON-encode it once more, as a string.)
          message: RuleTargetInput.fromObject(JSON.parse(CONTROL_MESSAGES.tick)),
          // A tick that could not be sent within a minute is replaced by the next one.
          retryAttempts: 2,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });
  }

  /**
   * Exactly what the publisher touches: reads articles/, reads and writes state/ and
   * reports/, writes feeds/, and lists only those prefixes. ListBucket is also what makes S3
   * answer 404 rather than 403 for a missing key; S3 checks it with the key as s3:prefix, so
   * the prefix conditions keep that answer for keys under these prefixes.
   */
  private grantPublisher(articles: IBucket, feeds: IBucket): void {
    const statements = [
      new PolicyStatement({
        sid: 'ReadArticles',
        actions: ['s3:GetObject'],
        resources: [articles.arnForObjects(`${ARTICLES_PREFIX}*`)],
      }),
      new PolicyStatement({
        sid: 'KeepState',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [articles.arnForObjects(`${STATE_PREFIX}*`), articles.arnForObjects(`${REPORTS_PREFIX}*`)],
      }),
      new PolicyStatement({
        sid: 'ListArticlesBucket',
        actions: ['s3:ListBucket'],
        resources: [articles.bucketArn],
        // articles/: a rebuild message lists every article.
        conditions: {
          StringLike: {
            's3:prefix': [ARTICLES_PREFIX, STATE_PREFIX, REPORTS_PREFIX].map((prefix) => `${prefix}*`),
          },
        },
      }),
      new PolicyStatement({
        sid: 'WriteFeeds',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [feeds.arnForObjects(`${FEEDS_PREFIX}*`)],
      }),
      new PolicyStatement({
        sid: 'ListFeedsBucket',
        actions: ['s3:ListBucket'],
        resources: [feeds.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${FEEDS_PREFIX}*`] } },
      }),
    ];
    for (const statement of statements) this.publish.addToRolePolicy(statement);
    for (const [bucket, prefix] of [
      [articles, ARTICLES_PREFIX],
      [articles, STATE_PREFIX],
      [articles, REPORTS_PREFIX],
      [feeds, FEEDS_PREFIX],
    ] as const) {
      Validations.of(this.publish).acknowledge({
        id: prefixWildcardFinding(bucket, prefix),
        reason: `The wildcard is the ${prefix} prefix the publisher works on (any article's objects); actions are listed one by one.`,
      });
    }
  }

  /**
   * The bucket notifications are configured by a function CDK adds once per stack, beside
   * this construct rather than in it.
   */
  private acknowledgeNotificationsHandler(): void {
    const handler = Stack.of(this).node.children.find((child) =>
      child.node.id.startsWith('BucketNotificationsHandler'),
    );
    if (!handler) return;
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's bucket-notifications helper only has AWSLambdaBasicExecutionRole, which lets it write its own logs.",
    });
  }
}
