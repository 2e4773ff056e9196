import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, type NodejsFunctionProps, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface FeedgenFunctionProps {
  /** Handler file, relative to the repository root (e.g. functions/publish.ts); it exports `handler`. */
  readonly entry: string;
  readonly description: string;
  /** Environment variables; NODE_OPTIONS is added. */
  readonly environment: Record<string, string>;
  /**
   * See README "Deploy" for the measurement behind the default.
   *
   * @default 1024
   */
  readonly memorySize?: number;
  /** @default Duration.seconds(30) */
  readonly timeout?: Duration;
}

/**
 * Every function default in one place: Node.js 24 (the newest Lambda runtime) on arm64, bundled by the local esbuild
 * (no Docker) into one minified file with source maps, and an explicit log group with a
 * retention, removed with the stack.
 */
export class FeedgenFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: FeedgenFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const settings: NodejsFunctionProps = {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout ?? Duration.seconds(30),
      logGroup,
      environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
      bundling: {
        minify: true,
        sourceMap: true,
        target: 'node24',
        format: OutputFormat.CJS,
        // Prefer packages' ES module builds: smaller bundles, and js-yaml's is faster.
        mainFields: ['module', 'main'],
        // The Lambda runtime ships the AWS SDK v3, but bundling our pinned version keeps
        // behaviour identical to the tests and cold starts are dominated by our own code.
        externalModules: [],
        forceDockerBundling: false,
      },
    };
    super(scope, id, settings);
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: 'AWSLambdaBasicExecutionRole only lets the function write its own logs.',
    });
  }
}
