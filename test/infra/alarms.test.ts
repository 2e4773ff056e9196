import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import type { IConstruct } from 'constructs';
import { Alarms, type AlarmsProps } from '../../infra/constructs/alarms';
import { testStack } from './helpers';

/** `{ Ref: <logical id> }` of a construct's resource. */
function ref(construct: IConstruct): unknown {
  return { Ref: Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement) };
}

function synth(props: Partial<AlarmsProps> = {}): {
  template: Template;
  alarms: Alarms;
  publish: IConstruct;
} {
  const stack = testStack();
  const publish = new LambdaFunction(stack, 'Publish', {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: Code.fromInline('exports.handler = async () => {}'),
  });
  const alarms = new Alarms(stack, 'Alarms', {
    deadLetterQueue: new Queue(stack, 'DeadLetters'),
    functions: [publish],
    ...props,
  });
  return { template: Template.fromStack(stack), alarms, publish };
}

describe('Alarms', () => {
  it('alarms as soon as a message waits in the dead-letter queue', () => {
    // GIVEN / WHEN
    const { template, alarms } = synth();
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetters'), 'QueueName'] } },
      ],
      Period: 60,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [ref(alarms.topic)],
    });
  });

  it('alarms on each function’s failed invocations', () => {
    // GIVEN / WHEN
    const { template, alarms, publish } = synth();
    // THEN
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(publish) }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmDescription: 'Publish function invocations failed',
      AlarmActions: [ref(alarms.topic)],
    });
  });

  it('sends alarms to a topic encrypted with the AWS managed key and closed to plain HTTP', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
    template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: {
        'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':alias/aws/sns$')])],
      },
    });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('e-mails the address it is given', () => {
    // GIVEN / WHEN
    const { template } = synth({ email: 'toasoan@example.vn' });
    // THEN
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'toasoan@example.vn',
    });
  });

  it('has no e-mail subscription unless an address is given', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
