import { type CfnElement, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import { Alarms } from './constructs/alarms';
import { Cdn } from './constructs/cdn';
import { Editors } from './constructs/editors';
import { PublishPipeline } from './constructs/publish-pipeline';
import { Storage } from './constructs/storage';

export interface FeedgenStackProps extends StackProps {
  /** The site settings (feedgen.config.json), handed to the publish function. */
  readonly siteConfig: Record<string, unknown>;
  /**
   * Where alarms are e-mailed.
   *
   * @default - no e-mail subscription
   */
  readonly alarmEmail?: string;
}

/** The constructs the stack is made of, one per concern. */
const CONCERNS = [Storage, PublishPipeline, Cdn, Editors, Alarms];

/** feedgen on AWS: buckets, the publish pipeline, CloudFront, editors' access and alarms. */
export class FeedgenStack extends Stack {
  constructor(scope: Construct, id: string, props: FeedgenStackProps) {
    super(scope, id, props);

    const storage = new Storage(this, 'Storage');
    const pipeline = new PublishPipeline(this, 'PublishPipeline', {
      articles: storage.articles,
      feeds: storage.feeds,
      siteConfig: props.siteConfig,
    });
    const cdn = new Cdn(this, 'Cdn', { feeds: storage.feeds, logBucket: storage.accessLogs });
    const editors = new Editors(this, 'Editors', { articles: storage.articles });
    new Alarms(this, 'Alarms', {
      deadLetterQueue: pipeline.deadLetters,
      functions: [pipeline.publish],
      ...(props.alarmEmail ? { email: props.alarmEmail } : {}),
    });

    new CfnOutput(this, 'FeedBaseUrl', {
      description: 'Set feedBaseUrl in feedgen.config.json to this (or your custom domain) and deploy again',
      value: cdn.feedBaseUrl,
    });
    new CfnOutput(this, 'ArticlesBucketName', {
      description: 'Upload articles under articles/ here',
      value: storage.articles.bucketName,
    });
    new CfnOutput(this, 'FeedsBucketName', {
      description: 'The feeds CloudFront serves',
      value: storage.feeds.bucketName,
    });
    new CfnOutput(this, 'EventsQueueUrl', {
      description: 'The publisher reads S3 events, the minute tick and control messages from here',
      value: pipeline.events.queueUrl,
    });
    new CfnOutput(this, 'EventsDeadLetterQueueUrl', { value: pipeline.deadLetters.queueUrl });
    new CfnOutput(this, 'EditorsGroupName', {
      description: 'Add editors\u2019 IAM users to this group',
      value: editors.group.groupName,
    });
    new CfnOutput(this, 'EditorsPolicyArn', { value: editors.policy.managedPolicyArn });
  }

  /**
   * CloudFormation knows a resource by its logical id, which CDK derives from the construct
   * path. The concern constructs are left out of that path, so every resource keeps the id it
   * had before the stack was split into them, and updating a deployed stack replaces nothing.
   * (New ids would leave the retained buckets behind for new empty ones, move the
   * distribution to a new domain, empty the editors' group, and, as the old bucket and queue
   * policies are deleted after the new ones are written, strip those policies.) The cost: two
   * concerns may not both hold a construct of the same id; the synth fails if they do.
   */
  protected override allocateLogicalId(element: CfnElement): string {
    const isConcern = (scope: IConstruct): boolean => CONCERNS.some((type) => scope instanceof type);
    const scopes = element.node.scopes.filter((scope) => !isConcern(scope));
    return super.allocateLogicalId({ node: { scopes }, stack: this } as unknown as CfnElement);
  }
}
