import { Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PublishPipeline } from '../../infra/constructs/publish-pipeline';
import type { Storage } from '../../infra/constructs/storage';
import { feedgenStack, inRepositoryRoot } from './helpers';

inRepositoryRoot();

describe('FeedgenStack', () => {
  describe('cdk-nag', () => {
    it('finds nothing the AwsSolutions pack objects to that is not fixed or acknowledged with a reason', () => {
      // GIVEN
      const { stack } = feedgenStack({ alarmEmail: 'toasoan@example.vn' });
      // WHEN
      const report = new AwsSolutionsChecks().validateScope(Stack.of(stack));
      // THEN
      expect(
        report.violations.map(
          (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
        ),
      ).toEqual([]);
    });

    it('would catch a public bucket (the check is live)', () => {
      // GIVEN
      const { stack } = feedgenStack();
      // WHEN
      new Bucket(stack, 'Careless', {});
      const report = new AwsSolutionsChecks().validateScope(stack);
      // THEN
      expect(report.violations.map((v) => v.ruleName)).toEqual(
        expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
      );
    });

    it('acknowledges wildcards finding by finding: one more on the publisher is still a finding', () => {
      // GIVEN
      const { stack } = feedgenStack();
      const pipeline = stack.node.findChild('PublishPipeline') as PublishPipeline;
      const storage = stack.node.findChild('Storage') as Storage;
      // WHEN the publisher may read every object of the articles bucket
      pipeline.publish.addToRolePolicy(
        new PolicyStatement({ actions: ['s3:GetObject'], resources: [storage.articles.arnForObjects('*')] }),
      );
      const report = new AwsSolutionsChecks().validateScope(stack);
      // THEN
      expect(report.violations.map((v) => v.ruleName)).toEqual([
        'AwsSolutions-IAM5[Resource::<Articles47CFF050.Arn>/*]',
      ]);
    });
  });

  it('outputs the feed base URL, the bucket and queue URLs, and the editors group and policy', () => {
    // GIVEN / WHEN
    const { template } = feedgenStack();
    // THEN
    template.hasOutput('FeedBaseUrl', {
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['Cdn9963B1AD', 'DomainName'] }, '/feeds/']] },
    });
    template.hasOutput('ArticlesBucketName', { Value: { Ref: 'Articles47CFF050' } });
    template.hasOutput('FeedsBucketName', { Value: { Ref: 'Feeds6FC8B95A' } });
    template.hasOutput('EventsQueueUrl', { Value: { Ref: 'EventsD32975C2' } });
    template.hasOutput('EventsDeadLetterQueueUrl', { Value: { Ref: 'EventsDeadLetters49D856A5' } });
    template.hasOutput('EditorsGroupName', { Value: { Ref: 'EditorsA8A03E0C' } });
    template.hasOutput('EditorsPolicyArn', { Value: { Ref: 'EditorsPolicy5B1D071B' } });
  });

  it('keeps the logical ids resources had before the split into constructs: no bucket, queue, distribution or group is replaced', () => {
    // GIVEN / WHEN
    const { template } = feedgenStack();
    // THEN (ids of the deployed stack as one constructor)
    for (const [id, type] of [
      ['AccessLogs8B620ECA', 'AWS::S3::Bucket'],
      ['AccessLogsPolicyABDC4D2D', 'AWS::S3::BucketPolicy'],
      ['Articles47CFF050', 'AWS::S3::Bucket'],
      ['ArticlesPolicy1EB3C4BC', 'AWS::S3::BucketPolicy'],
      ['ArticlesNotifications5427A886', 'Custom::S3BucketNotifications'],
      ['Feeds6FC8B95A', 'AWS::S3::Bucket'],
      ['FeedsPolicy211EB394', 'AWS::S3::BucketPolicy'],
      ['EventsDeadLetters49D856A5', 'AWS::SQS::Queue'],
      ['EventsDeadLettersPolicy325B107A', 'AWS::SQS::QueuePolicy'],
      ['EventsD32975C2', 'AWS::SQS::Queue'],
      ['EventsPolicyE4A9312A', 'AWS::SQS::QueuePolicy'],
      ['PublishLogs513028D8', 'AWS::Logs::LogGroup'],
      ['PublishServiceRole221CF839', 'AWS::IAM::Role'],
      ['Publish2E9BDF73', 'AWS::Lambda::Function'],
      ['EveryMinute2BBCEA8F', 'AWS::Events::Rule'],
      ['Cdn9963B1AD', 'AWS::CloudFront::Distribution'],
      ['EditorsPolicy5B1D071B', 'AWS::IAM::ManagedPolicy'],
      ['EditorsA8A03E0C', 'AWS::IAM::Group'],
      ['Alarms04B5A0BF', 'AWS::SNS::Topic'],
      ['AlarmsPolicy5C860CFE', 'AWS::SNS::TopicPolicy'],
      ['DeadLettersAlarm3F8DE0AC', 'AWS::CloudWatch::Alarm'],
      ['PublishErrorsAlarm785CAD5E', 'AWS::CloudWatch::Alarm'],
    ]) {
      expect({ id, type: template.toJSON().Resources[id as string]?.Type }).toEqual({ id, type });
    }
  });

  it('publishes through one function, fed by the queue alone; the tick has no function of its own', () => {
    // GIVEN / WHEN
    const { template } = feedgenStack();
    // THEN
    template.resourceCountIs('AWS::Lambda::Permission', 0);
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': ['EventsD32975C2', 'Arn'] } })],
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': ['EventsD32975C2', 'Arn'] },
      FunctionName: { Ref: 'Publish2E9BDF73' },
    });
    template.resourcePropertiesCountIs(
      'AWS::Lambda::Function',
      { ReservedConcurrentExecutions: Match.anyValue() },
      0,
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'Publish2E9BDF73' } }],
    });
  });

  it('grants no wildcard action and no wildcard resource in any policy', () => {
    // GIVEN / WHEN
    const { template } = feedgenStack();
    // THEN
    for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
      for (const [id, policy] of Object.entries(template.findResources(type))) {
        for (const statement of policy.Properties.PolicyDocument.Statement as Array<
          Record<string, unknown>
        >) {
          for (const action of [statement.Action].flat())
            expect({ id, action }).toEqual({ id, action: expect.not.stringContaining('*') });
          expect({ id, resource: statement.Resource }).not.toEqual({ id, resource: '*' });
        }
      }
    }
  });
});
