import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Editors } from '../../infra/constructs/editors';
import { ARTICLES_PREFIX, REPORTS_PREFIX } from '../../shared/publishing/layout';
import { testStack } from './helpers';

function synth(): { template: Template; editors: Editors; articlesArn: unknown } {
  const stack = testStack();
  const articles = new Bucket(stack, 'Articles');
  const editors = new Editors(stack, 'Editors', { articles });
  const id = Stack.of(articles).getLogicalId(articles.node.defaultChild as CfnElement);
  return { template: Template.fromStack(stack), editors, articlesArn: { 'Fn::GetAtt': [id, 'Arn'] } };
}

describe('Editors', () => {
  it('may put, delete and read articles, read rejection reports and list both; nothing else', () => {
    // GIVEN / WHEN
    const { template, articlesArn } = synth();
    // THEN
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'WriteArticles',
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:DeleteObject', 's3:GetObject'],
            Resource: { 'Fn::Join': ['', [articlesArn, `/${ARTICLES_PREFIX}*`]] },
          },
          {
            Sid: 'ReadRejectionReports',
            Effect: 'Allow',
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [articlesArn, `/${REPORTS_PREFIX}*`]] },
          },
          {
            Sid: 'ListArticlesAndReports',
            Effect: 'Allow',
            Action: 's3:ListBucket',
            Resource: articlesArn,
            Condition: {
              StringLike: { 's3:prefix': Match.arrayWith([`${ARTICLES_PREFIX}*`, `${REPORTS_PREFIX}*`]) },
            },
          },
        ],
        Version: '2012-10-17',
      },
    });
  });

  it('gives the policy to the editors group', () => {
    // GIVEN / WHEN
    const { template, editors } = synth();
    // THEN
    template.hasResourceProperties('AWS::IAM::Group', {
      ManagedPolicyArns: [
        { Ref: Stack.of(editors).getLogicalId(editors.policy.node.defaultChild as CfnElement) },
      ],
    });
  });

  it('cannot touch state/ or the feeds', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const text = JSON.stringify(policy?.Properties.PolicyDocument);
    expect(text).not.toContain('state/');
    expect(text).not.toContain('feeds/');
  });
});
