import { type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { PublishPipeline, type PublishPipelineProps } from '../../infra/constructs/publish-pipeline';
import {
  ARTICLES_PREFIX,
  CONTROL_MESSAGES,
  ENV,
  FEEDS_PREFIX,
  REPORTS_PREFIX,
  STATE_PREFIX,
} from '../../shared/publishing/layout';
import { inRepositoryRoot, siteConfig, testStack } from './helpers';

inRepositoryRoot();

interface Synth {
  template: Template;
  /** `{ "Fn::GetAtt": [<logical id>, "Arn"] }` of a construct's resource. */
  arn: (construct: IConstruct) => unknown;
  ref: (construct: IConstruct) => unknown;
  pipeline: PublishPipeline;
  articles: Bucket;
  feeds: Bucket;
}

function synth(props: Partial<PublishPipelineProps> = {}): Synth {
  const stack = testStack();
  const articles = new Bucket(stack, 'Articles');
  const feeds = new Bucket(stack, 'Feeds');
  const pipeline = new PublishPipeline(stack, 'PublishPipeline', { articles, feeds, siteConfig, ...props });
  const id = (construct: IConstruct): string =>
    Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
  return {
    template: Template.fromStack(stack),
    arn: (construct) => ({ 'Fn::GetAtt': [id(construct), 'Arn'] }),
    ref: (construct) => ({ Ref: id(construct) }),
    pipeline,
    articles,
    feeds,
  };
}

/** What `bucket.arnForObjects(pattern)` gives in the template. */
function objects(bucketArn: unknown, pattern: string): unknown {
  return { 'Fn::Join': ['', [bucketArn, `/${pattern}`]] };
}

describe('PublishPipeline', () => {
  describe('events queue', () => {
    it('receives the objects created and removed under articles/, and only those', () => {
      // GIVEN / WHEN
      const { template, arn, pipeline } = synth();
      // THEN
      const filter = { Key: { FilterRules: [{ Name: 'prefix', Value: ARTICLES_PREFIX }] } };
      template.hasResourceProperties('Custom::S3BucketNotifications', {
        NotificationConfiguration: {
          QueueConfigurations: [
            { Events: ['s3:ObjectCreated:*'], Filter: filter, QueueArn: arn(pipeline.events) },
            { Events: ['s3:ObjectRemoved:*'], Filter: filter, QueueArn: arn(pipeline.events) },
          ],
        },
      });
    });

    it('is encrypted (SSE-SQS, no KMS key to share with S3 and EventBridge) and refuses plain HTTP, as is its dead-letter queue', () => {
      // GIVEN / WHEN
      const { template, ref, pipeline } = synth();
      // THEN
      for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
        expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
        expect(queue.Properties.KmsMasterKeyId).toBeUndefined();
      }
      for (const queue of [pipeline.events, pipeline.deadLetters]) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [ref(queue)],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            ]),
          },
        });
      }
      template.resourceCountIs('AWS::KMS::Key', 0);
    });

    it('moves a message to the dead-letter queue after five receives and keeps it 14 days', () => {
      // GIVEN / WHEN
      const { template, arn, pipeline } = synth();
      // THEN
      template.hasResourceProperties('AWS::SQS::Queue', {
        RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: arn(pipeline.deadLetters) },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        MessageRetentionPeriod: Duration.days(14).toSeconds(),
        RedrivePolicy: Match.absent(),
      });
    });

    it('hides a delivered batch for six function timeouts plus the batching window', () => {
      // GIVEN / WHEN
      const { template } = synth();
      const { template: slower } = synth({
        timeout: Duration.seconds(90),
        batchingWindow: Duration.seconds(5),
      });
      // THEN
      template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 60 });
      template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 60 + 1 });
      slower.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 90 + 5 });
    });

    it('lets S3 send only for the articles bucket, and EventBridge only for the minute rule', () => {
      // GIVEN / WHEN
      const { template, arn, pipeline, articles } = synth();
      // THEN
      const send = Match.arrayWith(['sqs:SendMessage']);
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: send,
              Condition: { ArnLike: { 'aws:SourceArn': arn(articles) } },
            }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: send,
              Condition: { ArnEquals: { 'aws:SourceArn': arn(pipeline.everyMinute) } },
            }),
          ]),
        },
      });
    });
  });

  describe('the one writer', () => {
    it('takes up to 1,000 messages within a 1 s window, at most two calls at a time, and reports failures per message', () => {
      // GIVEN / WHEN
      const { template, arn, ref, pipeline } = synth();
      // THEN
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: arn(pipeline.events),
        FunctionName: ref(pipeline.publish),
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 1,
        ScalingConfig: { MaximumConcurrency: 2 },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    });

    it('has no reserved concurrency, which would throttle deliveries into the dead-letter queue', () => {
      // GIVEN / WHEN
      const { template } = synth();
      // THEN
      template.resourcePropertiesCountIs(
        'AWS::Lambda::Function',
        { ReservedConcurrentExecutions: Match.anyValue() },
        0,
      );
    });

    it('tells the publisher the buckets and the site settings by the shared env names', () => {
      // GIVEN / WHEN
      const { template, ref, articles, feeds } = synth();
      // THEN
      const functions = template.findResources('AWS::Lambda::Function', {
        Properties: { Environment: { Variables: { [ENV.sourceBucket]: Match.anyValue() } } },
      });
      const [publish] = Object.values(functions);
      expect(publish?.Properties.Environment.Variables).toMatchObject({
        [ENV.sourceBucket]: ref(articles),
        [ENV.outputBucket]: ref(feeds),
      });
      expect(JSON.parse(publish?.Properties.Environment.Variables[ENV.siteConfig])).toEqual(siteConfig);
      expect(publish?.Properties.Handler).toBe('index.handler');
    });
  });

  describe('the minute tick', () => {
    it('is the tick control message, sent to the events queue every minute', () => {
      // GIVEN / WHEN
      const { template, arn, pipeline } = synth();
      // THEN
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        State: 'ENABLED',
        Targets: [
          Match.objectLike({
            Arn: arn(pipeline.events),
            // The body exactly: a JSON string here would reach the queue JSON-encoded twice.
            Input: CONTROL_MESSAGES.tick,
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
          }),
        ],
      });
    });

    it('has no function of its own: nothing invokes a function but the queue', () => {
      // GIVEN / WHEN
      const { template, arn, pipeline } = synth();
      // THEN
      template.resourceCountIs('AWS::Lambda::Permission', 0);
      for (const rule of Object.values(template.findResources('AWS::Events::Rule'))) {
        for (const target of rule.Properties.Targets) expect(target.Arn).toEqual(arn(pipeline.events));
      }
    });
  });

  describe('permissions', () => {
    it('reads articles/, keeps state/ and reports/, writes feeds/, and lists only those prefixes', () => {
      // GIVEN / WHEN
      const { template, arn, articles, feeds } = synth();
      // THEN
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Sid: 'ReadArticles',
              Effect: 'Allow',
              Action: 's3:GetObject',
              Resource: objects(arn(articles), `${ARTICLES_PREFIX}*`),
            },
            {
              Sid: 'KeepState',
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
              Resource: [
                objects(arn(articles), `${STATE_PREFIX}*`),
                objects(arn(articles), `${REPORTS_PREFIX}*`),
              ],
            },
            {
              Sid: 'ListArticlesBucket',
              Effect: 'Allow',
              Action: 's3:ListBucket',
              Resource: arn(articles),
              Condition: {
                StringLike: {
                  's3:prefix': [`${ARTICLES_PREFIX}*`, `${STATE_PREFIX}*`, `${REPORTS_PREFIX}*`],
                },
              },
            },
            {
              Sid: 'WriteFeeds',
              Effect: 'Allow',
              Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
              Resource: objects(arn(feeds), `${FEEDS_PREFIX}*`),
            },
            {
              Sid: 'ListFeedsBucket',
              Effect: 'Allow',
              Action: 's3:ListBucket',
              Resource: arn(feeds),
              Condition: { StringLike: { 's3:prefix': [`${FEEDS_PREFIX}*`] } },
            },
          ]),
        },
      });
    });

    it('grants nothing on a whole bucket of objects, and no wildcard action', () => {
      // GIVEN / WHEN
      const { template, ref, pipeline } = synth();
      // THEN
      const [policy] = Object.values(
        template.findResources('AWS::IAM::Policy', {
          Properties: { Roles: [ref(pipeline.publish.role as IConstruct)] },
        }),
      );
      const statements = policy?.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>;
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        for (const action of [statement.Action].flat()) expect(action).not.toContain('*');
        expect(statement.Resource).not.toBe('*');
        expect(JSON.stringify(statement.Resource)).not.toContain('"/*"');
      }
    });
  });
});
