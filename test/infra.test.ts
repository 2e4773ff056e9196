import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FeedgenStack } from '../infra/feedgen-stack';

const ROOT = path.resolve(__dirname, '..');
const siteConfig = JSON.parse(readFileSync(path.join(ROOT, 'feedgen.config.json'), 'utf8')) as Record<
  string,
  unknown
>;

/** A fresh app and stack per test. Bundling is skipped unless asked for: it is tested once, for real. */
function synth(options: { bundle?: boolean; alarmEmail?: string } = {}): {
  stack: FeedgenStack;
  template: Template;
  app: App;
} {
  const app = new App({
    outdir: options.bundle ? undefined : undefined,
    context: options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new FeedgenStack(app, 'Feedgen', {
    siteConfig,
    ...(options.alarmEmail ? { alarmEmail: options.alarmEmail } : {}),
    env: { account: '123456789012', region: 'ap-southeast-1' },
  });
  return { stack, template: Template.fromStack(stack), app };
}

const cwd = process.cwd();
beforeAll(() => process.chdir(ROOT));
afterAll(() => process.chdir(cwd));

describe('storage', () => {
  it('blocks public access and requires TLS on every bucket', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(3);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      // S3-managed keys: encrypted at rest, and ETags stay the MD5 of the bytes, which the
      // publisher compares to skip unchanged files (docs/architecture.md, Known limits).
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    }
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          Action: 's3:*',
        }),
      );
    }
  });

  it('versions the articles bucket and logs access to both working buckets', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { LogFilePrefix: 'articles-bucket/' },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { LogFilePrefix: 'feeds-bucket/' },
    });
  });
});

describe('event path', () => {
  it('sends created and removed objects under articles/ only to the queue', () => {
    const { template } = synth();
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      NotificationConfiguration: {
        QueueConfigurations: Match.arrayWith([
          Match.objectLike({
            Events: ['s3:ObjectCreated:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'articles/' }] } },
          }),
          Match.objectLike({
            Events: ['s3:ObjectRemoved:*'],
            Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'articles/' }] } },
          }),
        ]),
      },
    });
  });

  it('has a dead-letter queue after five receives, and TLS-only, encrypted queues', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { maxReceiveCount: 5, deadLetterTargetArn: Match.anyValue() },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
    });
    const queuePolicies = Object.values(template.findResources('AWS::SQS::QueuePolicy'));
    expect(queuePolicies.length).toBe(2);
    for (const policy of queuePolicies) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    for (const queue of Object.values(template.findResources('AWS::SQS::Queue'))) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('feeds the publisher in batches and reports partial batch failures', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('runs the due-articles function every minute', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });
});

describe('functions', () => {
  it('run Node.js 24 on arm64 with an explicit log group and retention', () => {
    const { template } = synth();
    const functions = template.findResources('AWS::Lambda::Function', {
      Properties: { Environment: { Variables: { SOURCE_BUCKET: Match.anyValue() } } },
    });
    expect(Object.keys(functions)).toHaveLength(2);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 1024,
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: expect.anything() },
      });
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
      expect(JSON.parse(fn.Properties.Environment.Variables.FEEDGEN_CONFIG)).toEqual(siteConfig);
    }
    template.resourcePropertiesCountIs('AWS::Logs::LogGroup', { RetentionInDays: 30 }, 2);
  });

  it('may do only what the publisher does: no wildcard actions, no wildcard resources', () => {
    const { template } = synth();
    const policies = template.findResources('AWS::IAM::Policy');
    for (const [id, policy] of Object.entries(policies)) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>) {
        const actions = ([] as string[]).concat(statement.Action as string | string[]);
        for (const action of actions)
          expect({ id, action }).toEqual({ id, action: expect.not.stringContaining('*') });
        expect({ id, resource: statement.Resource }).not.toEqual({ id, resource: '*' });
      }
    }
    const publisherPolicy = Object.values(policies).find((policy) =>
      JSON.stringify(policy.Properties.PolicyDocument).includes('KeepState'),
    );
    expect(publisherPolicy?.Properties.PolicyDocument.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Sid: 'ReadArticles', Action: 's3:GetObject' }),
        expect.objectContaining({
          Sid: 'KeepState',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        }),
        expect.objectContaining({
          Sid: 'WriteFeeds',
          Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        }),
        expect.objectContaining({ Sid: 'List', Action: 's3:ListBucket' }),
      ]),
    );
    const readArticles = publisherPolicy?.Properties.PolicyDocument.Statement.find(
      (s: { Sid: string }) => s.Sid === 'ReadArticles',
    );
    expect(JSON.stringify(readArticles.Resource)).toContain('/articles/*');
  });

  it('are really bundled by the local esbuild into one minified file with a source map', () => {
    // GIVEN a synth that bundles
    const { app } = synth({ bundle: true });
    // WHEN
    const assembly = app.synth();
    // THEN each function's asset is a single index.js (exporting the handler) with its map
    const assets = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => path.join(assembly.directory, name))
      .filter((dir) => existsSync(path.join(dir, 'index.js.map')));
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      expect(readdirSync(asset).sort()).toEqual(['index.js', 'index.js.map']);
      const code = readFileSync(path.join(asset, 'index.js'), 'utf8');
      // minified: long lines (newlines survive only inside template literals)
      expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
      expect(code).toMatch(/handler/);
      expect(code).toContain('sourceMappingURL=index.js.map');
    }
  }, 120_000);
});

describe('CDN', () => {
  it('reaches the feeds bucket through Origin Access Control, never an origin access identity', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::CloudFront::CloudFrontOriginAccessIdentity', 0);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [
          Match.objectLike({
            OriginAccessControlId: Match.anyValue(),
            S3OriginConfig: { OriginAccessIdentity: '' },
          }),
        ],
      }),
    });
  });

  it('serves HTTPS only, compressed, with a short cache for feeds', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          Compress: true,
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
          FunctionAssociations: [Match.objectLike({ EventType: 'viewer-request' })],
        }),
        HttpVersion: 'http2and3',
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 30,
        MaxTTL: 300,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        }),
      }),
    });
  });

  it('answers partner sites with CORS for GET and HEAD, and sends security headers', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        CorsConfig: Match.objectLike({
          AccessControlAllowOrigins: { Items: ['*'] },
          AccessControlAllowMethods: { Items: ['GET', 'HEAD'] },
          AccessControlAllowCredentials: false,
          OriginOverride: true,
        }),
        SecurityHeadersConfig: Match.objectLike({
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          StrictTransportSecurity: Match.objectLike({
            AccessControlMaxAgeSec: 63072000,
            IncludeSubdomains: true,
          }),
          ContentSecurityPolicy: Match.objectLike({
            ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'none'"),
          }),
          ReferrerPolicy: Match.objectLike({ ReferrerPolicy: 'strict-origin-when-cross-origin' }),
        }),
      }),
    });
  });

  it('lets CloudFront list the feeds bucket, so a missing feed is a 404 and not a 403', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudFrontListForNotFound',
            Action: 's3:ListBucket',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: { StringEquals: { 'AWS:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
  });

  it('picks the gzip or brotli copy of the feed types CloudFront will not compress', () => {
    const { template } = synth();
    const [fn] = Object.values(template.findResources('AWS::CloudFront::Function'));
    const code = fn?.Properties.FunctionCode as string;
    const handler = new Function(`${code}; return handler;`)() as (event: unknown) => { uri: string };
    const request = (uri: string, acceptEncoding?: string) =>
      handler({
        request: {
          uri,
          headers: acceptEncoding === undefined ? {} : { 'accept-encoding': { value: acceptEncoding } },
        },
      }).uri;
    expect(request('/feeds/atom.xml', 'gzip, deflate, br')).toBe('/feeds/atom.xml.br');
    expect(request('/feeds/xay-dung-dang/feed.json', 'gzip')).toBe('/feeds/xay-dung-dang/feed.json.gz');
    expect(request('/feeds/index.opml', 'br;q=0, gzip')).toBe('/feeds/index.opml.gz');
    expect(request('/feeds/atom.xml', 'identity')).toBe('/feeds/atom.xml');
    expect(request('/feeds/atom.xml')).toBe('/feeds/atom.xml');
    expect(request('/feeds/rss.xml', 'br')).toBe('/feeds/rss.xml');
    expect(request('/', 'br')).toBe('/feeds/index.html');
  });
});

describe('operations', () => {
  it('alarms on dead letters and on function errors, to an encrypted topic', () => {
    const { template } = synth({ alarmEmail: 'toasoan@example.vn' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'Errors', Namespace: 'AWS/Lambda' },
      2,
    );
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'toasoan@example.vn',
    });
  });

  it('has no e-mail subscription unless an address is given', () => {
    const { template } = synth();
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  it('outputs the feed base URL and the bucket names', () => {
    const { template } = synth();
    for (const name of [
      'FeedBaseUrl',
      'ArticlesBucketName',
      'FeedsBucketName',
      'EditorsGroupName',
      'EditorsPolicyArn',
    ]) {
      template.hasOutput(name, Match.anyValue());
    }
  });
});

describe('editors', () => {
  it('may put, delete and read articles, and read rejection reports; nothing else', () => {
    const { template } = synth();
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const statements = policy?.Properties.PolicyDocument.Statement as Array<{
      Sid: string;
      Action: string | string[];
    }>;
    expect(statements.map((s) => [s.Sid, s.Action])).toEqual([
      ['WriteArticles', ['s3:PutObject', 's3:DeleteObject', 's3:GetObject']],
      ['ReadRejectionReports', 's3:GetObject'],
      ['ListArticlesAndReports', 's3:ListBucket'],
    ]);
    expect(JSON.stringify(statements[0])).toContain('/articles/*');
    expect(JSON.stringify(statements[1])).toContain('/reports/*');
    template.hasResourceProperties('AWS::IAM::Group', { ManagedPolicyArns: [Match.anyValue()] });
  });
});

describe('cdk-nag', () => {
  it('finds nothing the AwsSolutions pack objects to that is not fixed or acknowledged with a reason', () => {
    const { stack } = synth();
    const report = new AwsSolutionsChecks().validateScope(Stack.of(stack));
    expect(
      report.violations.map(
        (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      ),
    ).toEqual([]);
  });

  it('would catch a public bucket (the check is live)', () => {
    const { stack } = synth();
    const { Bucket } = require('aws-cdk-lib/aws-s3') as typeof import('aws-cdk-lib/aws-s3');
    new Bucket(stack, 'Careless', {});
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
  });
});
