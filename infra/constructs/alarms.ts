import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface AlarmsProps {
  /** The dead-letter queue of the events queue: any message in it raises an alarm. */
  readonly deadLetterQueue: IQueue;
  /**
   * Functions whose failed invocations raise an alarm, one alarm each, named after the
   * function's construct id (`<id>ErrorsAlarm`).
   *
   * @default - none
   */
  readonly functions?: readonly IFunction[];
  /**
   * Where alarms are e-mailed (the address must confirm the subscription).
   *
   * @default - no subscription; the topic can be subscribed to by hand
   */
  readonly email?: string;
}

/** CloudWatch alarms on dead letters and function errors, sent to an encrypted SNS topic. */
export class Alarms extends Construct {
  /** Encrypted with the AWS managed key for SNS; TLS only. */
  public readonly topic: Topic;
  public readonly deadLettersAlarm: Alarm;
  /** One per function of `props.functions`, in that order. */
  public readonly functionErrorAlarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);

    this.topic = new Topic(this, 'Alarms', {
      displayName: 'feedgen alarms',
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));

    this.deadLettersAlarm = this.alarm('DeadLettersAlarm', {
      description: 'Events that could not be published after 5 tries are waiting in the dead-letter queue',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    });
    this.functionErrorAlarms = (props.functions ?? []).map((fn) =>
      this.alarm(`${fn.node.id}ErrorsAlarm`, {
        description: `${fn.node.id} function invocations failed`,
        metric: fn.metricErrors({ period: Duration.minutes(5) }),
      }),
    );
  }

  /** Alarms on any datapoint above zero; no data is fine. */
  private alarm(id: string, options: { description: string; metric: IMetric }): Alarm {
    const alarm = new Alarm(this, id, {
      alarmDescription: options.description,
      metric: options.metric,
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    return alarm;
  }
}
