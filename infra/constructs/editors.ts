import { Validations } from 'aws-cdk-lib';
import { Group, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ARTICLES_PREFIX, REPORTS_PREFIX } from '../../shared/publishing/layout';
import { prefixWildcardFinding } from '../nag';

export interface EditorsProps {
  /** The bucket editors upload articles to (articles/) and read rejection reports from (reports/). */
  readonly articles: IBucket;
}

/**
 * An IAM group for the newsroom's editors and the one managed policy it has: put, delete and
 * read articles, read why an article was rejected, and list both prefixes; nothing else.
 */
export class Editors extends Construct {
  /** Attached to the group; may also be attached to users or roles directly. */
  public readonly policy: ManagedPolicy;
  /** Add editors' IAM users to this group. */
  public readonly group: Group;

  constructor(scope: Construct, id: string, props: EditorsProps) {
    super(scope, id);
    const { articles } = props;

    this.policy = new ManagedPolicy(this, 'EditorsPolicy', {
      description: 'Upload and delete articles, and read why an article was rejected; nothing else',
      statements: [
        new PolicyStatement({
          sid: 'WriteArticles',
          actions: ['s3:PutObject', 's3:DeleteObject', 's3:GetObject'],
          resources: [articles.arnForObjects(`${ARTICLES_PREFIX}*`)],
        }),
        new PolicyStatement({
          sid: 'ReadRejectionReports',
          actions: ['s3:GetObject'],
          resources: [articles.arnForObjects(`${REPORTS_PREFIX}*`)],
        }),
        new PolicyStatement({
          sid: 'ListArticlesAndReports',
          actions: ['s3:ListBucket'],
          resources: [articles.bucketArn],
          conditions: {
            StringLike: {
              's3:prefix': [`${ARTICLES_PREFIX}*`, `${REPORTS_PREFIX}*`, ARTICLES_PREFIX, REPORTS_PREFIX],
            },
          },
        }),
      ],
    });
    for (const prefix of [ARTICLES_PREFIX, REPORTS_PREFIX]) {
      Validations.of(this.policy).acknowledge({
        id: prefixWildcardFinding(articles, prefix),
        reason: `The wildcard is the ${prefix} prefix of the articles bucket: editors work on any article and its report.`,
      });
    }

    this.group = new Group(this, 'Editors', { managedPolicies: [this.policy] });
  }
}
