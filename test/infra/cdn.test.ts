import { readFileSync } from 'node:fs';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { Cdn, VIEWER_REQUEST_FILE } from '../../infra/constructs/cdn';
import { testStack } from './helpers';

function synth(): { template: Template; cdn: Cdn; ref: (construct: IConstruct) => unknown } {
  const stack = testStack();
  const cdn = new Cdn(stack, 'Cdn', {
    feeds: new Bucket(stack, 'Feeds'),
    logBucket: new Bucket(stack, 'Logs'),
  });
  return {
    template: Template.fromStack(stack),
    cdn,
    ref: (construct) => ({
      Ref: Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement),
    }),
  };
}

describe('Cdn', () => {
  it('reaches the feeds bucket through Origin Access Control, never an origin access identity', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
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

  it('serves HTTPS only, compressed, logged, with a short cache for feeds', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          ViewerProtocolPolicy: 'https-only',
          Compress: true,
          AllowedMethods: ['GET', 'HEAD', 'OPTIONS'],
        }),
        HttpVersion: 'http2and3',
        PriceClass: 'PriceClass_200',
        Logging: Match.objectLike({ Prefix: 'cloudfront/' }),
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::CachePolicy', {
      CachePolicyConfig: Match.objectLike({
        DefaultTTL: 30,
        MaxTTL: 300,
        ParametersInCacheKeyAndForwardedToOrigin: Match.objectLike({
          // CloudFront still compresses rss.xml and the HTML pages in both encodings.
          EnableAcceptEncodingGzip: true,
          EnableAcceptEncodingBrotli: true,
        }),
      }),
    });
  });

  it('answers partner sites with CORS for GET and HEAD, and sends security headers', () => {
    // GIVEN / WHEN
    const { template } = synth();
    // THEN
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
        CustomHeadersConfig: { Items: [{ Header: 'Vary', Value: 'Accept-Encoding', Override: false }] },
      }),
    });
  });

  it('lets only this distribution list the feeds bucket, so a missing feed is a 404 and not a 403', () => {
    // GIVEN / WHEN
    const { template, ref, cdn } = synth();
    // THEN
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'CloudFrontListForNotFound',
            Action: 's3:ListBucket',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Condition: {
              StringEquals: {
                'AWS:SourceArn': {
                  'Fn::Join': ['', Match.arrayWith([ref(cdn.distribution)])],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('runs infra/cdn/viewer-request.js, as it is, on every viewer request', () => {
    // GIVEN / WHEN
    const { template, cdn } = synth();
    // THEN
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: readFileSync(VIEWER_REQUEST_FILE, 'utf8'),
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultCacheBehavior: Match.objectLike({
          FunctionAssociations: [
            {
              EventType: 'viewer-request',
              FunctionARN: {
                'Fn::GetAtt': [
                  Stack.of(cdn).getLogicalId(cdn.viewerRequest.node.defaultChild as CfnElement),
                  'FunctionARN',
                ],
              },
            },
          ],
        }),
      }),
    });
  });

  it('gives the feed base URL under the distribution domain', () => {
    // GIVEN / WHEN
    const { cdn } = synth();
    // THEN
    expect(Stack.of(cdn).resolve(cdn.feedBaseUrl)).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.any(String), 'DomainName'] }, '/feeds/']],
    });
  });
});
