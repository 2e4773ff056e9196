import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import {
  Effect,
  Group,
  type IGrantable,
  ManagedPolicy,
  PolicyStatement,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import { Alias } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  EventType,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { FeedgenFunction } from './feedgen-function';
import responseHeaders from './response-headers.json';

export interface FeedgenStackProps extends StackProps {
  /** The site settings (feedgen.config.json), handed to the functions. */
  readonly siteConfig: Record<string, unknown>;
  /** Where alarms are e-mailed; none if absent. */
  readonly alarmEmail?: string;
}

const PUBLISH_TIMEOUT = Duration.seconds(60);

/**
 * Feed types CloudFront does not compress (its list leaves them out): the publisher stores
 * gzip and brotli copies beside them, and a viewer-request function picks the copy the
 * reader accepts.
 */
const PRECOMPRESSED_FUNCTION = `
function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/' || uri === '/feeds' || uri === '/feeds/') {
    request.uri = '/feeds/index.html';
    return request;
  }
  if (!/\\/(atom\\.xml|feed\\.json|index\\.opml)$/.test(uri)) return request;
  var header = request.headers['accept-encoding'];
  var accepted = header ? header.value.toLowerCase() : '';
  if (/(^|[\\s,])br($|[\\s,;])/.test(accepted) && !/br;\\s*q=0(\\.0*)?($|[\\s,])/.test(accepted)) {
    request.uri = uri + '.br';
  } else if (/(^|[\\s,])gzip($|[\\s,;])/.test(accepted) && !/gzip;\\s*q=0(\\.0*)?($|[\\s,])/.test(accepted)) {
    request.uri = uri + '.gz';
  }
  return request;
}
`;

export class FeedgenStack extends Stack {
  constructor(scope: Construct, id: string, props: FeedgenStackProps) {
    super(scope, id, props);

    // ---- Storage -------------------------------------------------------------------------
    const accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the bucket that receives the access logs; logging it into itself would loop.',
    });

    const articles = new Bucket(this, 'Articles', {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'articles-bucket/',
      // Editors' work: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const feeds = new Bucket(this, 'Feeds', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'feeds-bucket/',
      // Rebuilt from the articles by `feedgen rebuild`, but kept so a stack update never loses it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // ---- Events: S3 -> SQS (-> DLQ) -> Lambda ----------------------------------------------
    const deadLetters = new Queue(this, 'EventsDeadLetters', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the events queue.',
    });
    const events = new Queue(this, 'Events', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function timeout, as Lambda recommends for SQS event sources.
      visibilityTimeout: Duration.seconds(PUBLISH_TIMEOUT.toSeconds() * 6),
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: 5 },
    });
    for (const type of [EventType.OBJECT_CREATED, EventType.OBJECT_REMOVED]) {
      articles.addEventNotification(type, new SqsDestination(events), { prefix: 'articles/' });
    }

    // ---- Functions -----------------------------------------------------------------------
    const environment = {
      SOURCE_BUCKET: articles.bucketName,
      OUTPUT_BUCKET: feeds.bucketName,
      FEEDGEN_CONFIG: JSON.stringify(props.siteConfig),
    };
    const publish = new FeedgenFunction(this, 'Publish', {
      entry: 'functions/publish.ts',
      description: 'Rebuilds the feeds of the articles named by S3 events',
      environment,
      timeout: PUBLISH_TIMEOUT,
    });
    publish.addEventSource(
      new SqsEventSource(events, {
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        reportBatchItemFailures: true,
        maxConcurrency: 10,
      }),
    );
    const publishDue = new FeedgenFunction(this, 'PublishDue', {
      entry: 'functions/schedule.ts',
      description: 'Publishes the articles held back for a date that has come',
      environment,
      timeout: PUBLISH_TIMEOUT,
    });
    new Rule(this, 'EveryMinute', {
      description: 'Publish scheduled articles that have come due',
      schedule: Schedule.rate(Duration.minutes(1)),
      targets: [new LambdaFunction(publishDue, { retryAttempts: 2 })],
    });
    for (const fn of [publish, publishDue]) this.grantPublisher(fn, articles, feeds);

    // ---- Editors -------------------------------------------------------------------------
    const editorsPolicy = new ManagedPolicy(this, 'EditorsPolicy', {
      description: 'Upload and delete articles, and read why an article was rejected; nothing else',
      statements: [
        new PolicyStatement({
          sid: 'WriteArticles',
          actions: ['s3:PutObject', 's3:DeleteObject', 's3:GetObject'],
          resources: [articles.arnForObjects('articles/*')],
        }),
        new PolicyStatement({
          sid: 'ReadRejectionReports',
          actions: ['s3:GetObject'],
          resources: [articles.arnForObjects('reports/*')],
        }),
        new PolicyStatement({
          sid: 'ListArticlesAndReports',
          actions: ['s3:ListBucket'],
          resources: [articles.bucketArn],
          conditions: { StringLike: { 's3:prefix': ['articles/*', 'reports/*', 'articles/', 'reports/'] } },
        }),
      ],
    });
    const editors = new Group(this, 'Editors', { managedPolicies: [editorsPolicy] });
    for (const prefix of ['articles/', 'reports/']) {
      Validations.of(editorsPolicy).acknowledge({
        id: this.wildcardFinding(articles, prefix),
        reason: `The wildcard is the ${prefix} prefix of the articles bucket: editors work on any article and its report.`,
      });
    }

    // ---- CDN -----------------------------------------------------------------------------
    const cachePolicy = new CachePolicy(this, 'FeedsCachePolicy', {
      comment: 'Feeds: honour the origin Cache-Control (s-maxage=30); compressed variants cached apart',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(30),
      maxTtl: Duration.minutes(5),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
    });
    const headersPolicy = new ResponseHeadersPolicy(this, 'FeedsResponseHeaders', {
      comment: 'CORS for partner sites, and security headers',
      // The same values the local CDN sends (local/cdn.ts): one file for both.
      corsBehavior: {
        accessControlAllowOrigins: responseHeaders.cors.allowOrigins,
        accessControlAllowMethods: responseHeaders.cors.allowMethods,
        accessControlAllowHeaders: responseHeaders.cors.allowHeaders,
        accessControlExposeHeaders: responseHeaders.cors.exposeHeaders,
        accessControlAllowCredentials: false,
        accessControlMaxAge: Duration.seconds(responseHeaders.cors.maxAgeSeconds),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(
            responseHeaders.security.strictTransportSecurityMaxAgeSeconds,
          ),
          includeSubdomains: responseHeaders.security.strictTransportSecurityIncludeSubdomains,
          override: true,
        },
        contentSecurityPolicy: {
          contentSecurityPolicy: responseHeaders.security.contentSecurityPolicy,
          override: true,
        },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Vary', value: 'Accept-Encoding', override: false }],
      },
    });
    const precompressed = new EdgeFunction(this, 'PickCompressedCopy', {
      comment: 'Serves the gzip or brotli copy of feeds CloudFront does not compress',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromInline(PRECOMPRESSED_FUNCTION),
    });
    const distribution = new Distribution(this, 'Cdn', {
      comment: 'feedgen feeds',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(feeds),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: CachedMethods.CACHE_GET_HEAD_OPTIONS,
        compress: true,
        cachePolicy,
        responseHeadersPolicy: headersPolicy,
        functionAssociations: [{ function: precompressed, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket: accessLogs,
      logFilePrefix: 'cloudfront/',
    });
    // With ListBucket, S3 answers 404 for a missing feed instead of 403 (which hides whether
    // a key exists from callers who may not list).
    feeds.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudFrontListForNotFound',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:ListBucket'],
        resources: [feeds.bucketArn],
        conditions: {
          StringEquals: {
            'AWS:SourceArn': this.formatArn({
              service: 'cloudfront',
              region: '',
              resource: 'distribution',
              resourceName: distribution.distributionId,
            }),
          },
        },
      }),
    );
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'The feeds are public news for readers anywhere; there is no country to restrict.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'Static, cached, read-only files behind a short TTL; a WAF web ACL costs more than the risk. Add one if the feeds are abused.',
    });
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The distribution uses the default *.cloudfront.net certificate until a custom domain is configured; viewers are HTTPS only.',
    });

    // ---- Alarms --------------------------------------------------------------------------
    const alarms = new Topic(this, 'Alarms', {
      displayName: 'feedgen alarms',
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (props.alarmEmail) alarms.addSubscription(new EmailSubscription(props.alarmEmail));
    const alarmOn = (alarm: Alarm): void => {
      alarm.addAlarmAction(new SnsAction(alarms));
    };
    alarmOn(
      new Alarm(this, 'DeadLettersAlarm', {
        alarmDescription:
          'Events that could not be published after 5 tries are waiting in the dead-letter queue',
        metric: deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
    for (const [name, fn] of [
      ['PublishErrorsAlarm', publish],
      ['PublishDueErrorsAlarm', publishDue],
    ] as const) {
      alarmOn(
        new Alarm(this, name, {
          alarmDescription: `${fn.node.id} function invocations failed`,
          metric: fn.metricErrors({ period: Duration.minutes(5) }),
          threshold: 0,
          comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    }

    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'AWSLambdaBasicExecutionRole (our two functions and the CDK bucket-notifications helper) only lets a function write its own logs.',
    });

    // ---- Outputs -------------------------------------------------------------------------
    new CfnOutput(this, 'FeedBaseUrl', {
      description: 'Set feedBaseUrl in feedgen.config.json to this (or your custom domain) and deploy again',
      value: `https://${distribution.distributionDomainName}/feeds/`,
    });
    new CfnOutput(this, 'ArticlesBucketName', {
      description: 'Upload articles under articles/ here',
      value: articles.bucketName,
    });
    new CfnOutput(this, 'FeedsBucketName', {
      description: 'The feeds CloudFront serves',
      value: feeds.bucketName,
    });
    new CfnOutput(this, 'EventsDeadLetterQueueUrl', { value: deadLetters.queueUrl });
    new CfnOutput(this, 'EditorsGroupName', {
      description: 'Add editors\u2019 IAM users to this group',
      value: editors.groupName,
    });
    new CfnOutput(this, 'EditorsPolicyArn', { value: editorsPolicy.managedPolicyArn });
  }

  /** Exactly what the publisher touches: reads articles/, reads and writes state/ and reports/, writes feeds/. */
  private grantPublisher(fn: FeedgenFunction, articles: Bucket, feeds: Bucket): void {
    const statements = [
      new PolicyStatement({
        sid: 'ReadArticles',
        actions: ['s3:GetObject'],
        resources: [articles.arnForObjects('articles/*')],
      }),
      new PolicyStatement({
        sid: 'KeepState',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [articles.arnForObjects('state/*'), articles.arnForObjects('reports/*')],
      }),
      new PolicyStatement({
        sid: 'WriteFeeds',
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [feeds.arnForObjects('feeds/*')],
      }),
      // ListBucket makes S3 answer 404, not 403, for a missing key, and lists month partitions.
      new PolicyStatement({
        sid: 'List',
        actions: ['s3:ListBucket'],
        resources: [articles.bucketArn, feeds.bucketArn],
      }),
    ];
    for (const statement of statements) (fn as IGrantable).grantPrincipal.addToPrincipalPolicy(statement);
    for (const [bucket, prefix] of [
      [articles, 'articles/'],
      [articles, 'state/'],
      [articles, 'reports/'],
      [feeds, 'feeds/'],
    ] as const) {
      Validations.of(fn).acknowledge({
        id: this.wildcardFinding(bucket, prefix),
        reason: `The wildcard is the ${prefix} prefix the publisher works on (any article's objects); actions are listed one by one.`,
      });
    }
  }

  /** cdk-nag's id for the finding "objects under `prefix` of `bucket`" of rule IAM5. */
  private wildcardFinding(bucket: Bucket, prefix: string): string {
    const logicalId = this.getLogicalId(bucket.node.defaultChild as CfnBucket);
    return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/${prefix}*]`;
  }
}
