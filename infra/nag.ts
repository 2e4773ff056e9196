import { type CfnResource, Stack } from 'aws-cdk-lib';
import type { IBucket } from 'aws-cdk-lib/aws-s3';

/**
 * cdk-nag's id for one finding of rule AwsSolutions-IAM5: a policy that names the objects
 * under `prefix` of `bucket` (`<bucket>.Arn/prefix*`). Acknowledging findings one by one, rather
 * than the rule, keeps any other wildcard a policy gains later a finding.
 */
export function prefixWildcardFinding(bucket: IBucket, prefix: string): string {
  const resource = bucket.node.defaultChild as CfnResource;
  return `AwsSolutions-IAM5[Resource::<${Stack.of(bucket).getLogicalId(resource)}.Arn>/${prefix}*]`;
}
