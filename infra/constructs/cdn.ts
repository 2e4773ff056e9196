import path from 'node:path';
import { Duration, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { FEEDS_PREFIX } from '../../shared/publishing/layout';
import responseHeaders from '../response-headers.json';

/** The viewer-request function, one file that local/cdn.ts runs too. */
export const VIEWER_REQUEST_FILE = path.join(__dirname, '..', 'cdn', 'viewer-request.js');

export interface CdnProps {
  /** The bucket whose feeds/ CloudFront serves, reached through Origin Access Control. */
  readonly feeds: IBucket;
  /** Where CloudFront writes its standard logs, under cloudfront/. */
  readonly logBucket: IBucket;
  /**
   * The edge locations that serve readers.
   *
   * @default PriceClass.PRICE_CLASS_200
   */
  readonly priceClass?: PriceClass;
}

/**
 * CloudFront in front of the feeds bucket: HTTPS only, GET/HEAD/OPTIONS, a short cache that
 * honours the origin's Cache-Control, CORS and security headers (the values of
 * infra/response-headers.json, which the local CDN sends too), the gzip copy of the feed
 * types CloudFront does not compress, and 404 rather than 403 for a missing feed.
 */
export class Cdn extends Construct {
  public readonly cachePolicy: CachePolicy;
  public readonly responseHeadersPolicy: ResponseHeadersPolicy;
  /** infra/cdn/viewer-request.js: the gzip copy, and /feeds/index.html for / and /feeds/. */
  public readonly viewerRequest: EdgeFunction;
  public readonly distribution: Distribution;
  /** https://<distribution domain>/feeds/: what feedBaseUrl in feedgen.config.json should be. */
  public readonly feedBaseUrl: string;

  constructor(scope: Construct, id: string, props: CdnProps) {
    super(scope, id);

    this.cachePolicy = new CachePolicy(this, 'FeedsCachePolicy', {
      comment: 'Feeds: honour the origin Cache-Control (s-maxage=30); compressed variants cached apart',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(30),
      maxTtl: Duration.minutes(5),
      // CloudFront still compresses rss.xml and the HTML pages on the fly, in both encodings.
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      queryStringBehavior: CacheQueryStringBehavior.none(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
    });

    const { cors, security } = responseHeaders;
    this.responseHeadersPolicy = new ResponseHeadersPolicy(this, 'FeedsResponseHeaders', {
      comment: 'CORS for partner sites, and security headers',
      corsBehavior: {
        accessControlAllowOrigins: cors.allowOrigins,
        accessControlAllowMethods: cors.allowMethods,
        accessControlAllowHeaders: cors.allowHeaders,
        accessControlExposeHeaders: cors.exposeHeaders,
        accessControlAllowCredentials: false,
        accessControlMaxAge: Duration.seconds(cors.maxAgeSeconds),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(security.strictTransportSecurityMaxAgeSeconds),
          includeSubdomains: security.strictTransportSecurityIncludeSubdomains,
          override: true,
        },
        contentSecurityPolicy: { contentSecurityPolicy: security.contentSecurityPolicy, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [{ header: 'Vary', value: 'Accept-Encoding', override: false }],
      },
    });

    this.viewerRequest = new EdgeFunction(this, 'PickCompressedCopy', {
      comment: 'Serves the gzip copy of the feed types CloudFront does not compress',
      runtime: FunctionRuntime.JS_2_0,
      code: FunctionCode.fromFile({ filePath: VIEWER_REQUEST_FILE }),
    });

    this.distribution = new Distribution(this, 'Cdn', {
      comment: 'feedgen feeds',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(props.feeds),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachedMethods: CachedMethods.CACHE_GET_HEAD_OPTIONS,
        compress: true,
        cachePolicy: this.cachePolicy,
        responseHeadersPolicy: this.responseHeadersPolicy,
        functionAssociations: [{ function: this.viewerRequest, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket: props.logBucket,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The feeds are public news for readers anywhere; there is no country to restrict.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static, cached, read-only files behind a short TTL; a WAF web ACL costs more than the risk. Add one if the feeds are abused.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate until a custom domain is configured; viewers are HTTPS only.',
      },
    );

    // With ListBucket, S3 answers 404 for a missing feed instead of 403 (which hides whether
    // a key exists from callers who may not list).
    props.feeds.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudFrontListForNotFound',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:ListBucket'],
        resources: [props.feeds.bucketArn],
        conditions: { StringEquals: { 'AWS:SourceArn': this.distribution.distributionArn } },
      }),
    );

    this.feedBaseUrl = `https://${this.distribution.distributionDomainName}/${FEEDS_PREFIX}`;
  }
}
