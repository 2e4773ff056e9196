import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Storage, type StorageProps } from '../../infra/constructs/storage';
import { STATE_PREFIX } from '../../shared/publishing/layout';
import { testStack } from './helpers';

function synth(props?: StorageProps): Template {
  const stack = testStack();
  new Storage(stack, 'Storage', props);
  return Template.fromStack(stack);
}

describe('Storage', () => {
  it('blocks public access, encrypts with S3-managed keys and requires TLS on every bucket', () => {
    // GIVEN / WHEN
    const template = synth();
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
      // publisher compares to skip unchanged files.
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
    }
    for (const id of Object.keys(buckets)) {
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 's3:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('versions the articles bucket and logs access to both working buckets', () => {
    // GIVEN / WHEN
    const template = synth();
    // THEN
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { LogFilePrefix: 'articles-bucket/' },
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { LogFilePrefix: 'feeds-bucket/' },
    });
  });

  it('keeps every bucket when the stack is deleted', () => {
    // GIVEN / WHEN
    const template = synth();
    // THEN
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    }
  });

  it('expires superseded versions of state/ objects after a day and removes expired delete markers', () => {
    // GIVEN / WHEN
    const template = synth();
    // THEN
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          {
            Id: 'ExpireSupersededState',
            Prefix: STATE_PREFIX,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            ExpiredObjectDeleteMarker: true,
            Status: 'Enabled',
          },
        ]),
      },
    });
  });

  it('aborts incomplete multipart uploads after 7 days, anywhere in the articles bucket', () => {
    // GIVEN / WHEN
    const template = synth();
    // THEN
    template.hasResourceProperties('AWS::S3::Bucket', {
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
            Prefix: Match.absent(),
            Status: 'Enabled',
          }),
        ]),
      },
    });
  });

  it('never expires a current article, report or state object', () => {
    // GIVEN / WHEN
    const template = synth();
    // THEN
    const [articles] = Object.values(
      template.findResources('AWS::S3::Bucket', {
        Properties: { VersioningConfiguration: { Status: 'Enabled' } },
      }),
    );
    const rules = articles?.Properties.LifecycleConfiguration.Rules as Array<Record<string, unknown>>;
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      expect(rule).not.toHaveProperty('ExpirationInDays');
      expect(rule).not.toHaveProperty('ExpirationDate');
    }
  });

  it('keeps access logs 90 days, or as long as asked', () => {
    // GIVEN / WHEN
    const template = synth();
    const longer = synth({ accessLogsRetention: Duration.days(400) });
    // THEN
    template.hasResourceProperties('AWS::S3::Bucket', {
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90 })] },
    });
    longer.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 400 })] },
    });
  });
});
