import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createContext, runInContext } from 'node:vm';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FeedgenStack } from '../../infra/feedgen-stack';

export const ROOT = path.resolve(__dirname, '..', '..');

export const siteConfig = JSON.parse(readFileSync(path.join(ROOT, 'feedgen.config.json'), 'utf8')) as Record<
  string,
  unknown
>;

/**
 * NodejsFunction resolves its entry and finds the lock file from the working directory, as
 * `cdk synth` runs: the repository root.
 */
export function inRepositoryRoot(): void {
  const cwd = process.cwd();
  beforeAll(() => process.chdir(ROOT));
  afterAll(() => process.chdir(cwd));
}

/**
 * An app whose stacks skip bundling, unless asked: bundling is tested once, for real
 * (feedgen-function.test.ts), and `cdk synth` bundles the publisher.
 */
export function testApp(options: { bundle?: boolean } = {}): App {
  return new App(options.bundle ? {} : { context: { 'aws:cdk:bundling-stacks': [] } });
}

/** An empty stack to put one construct in. */
export function testStack(): Stack {
  return new Stack(testApp(), 'Test', { env: { account: '123456789012', region: 'ap-southeast-1' } });
}

/** The whole stack, as infra/app.ts makes it. */
export function feedgenStack(options: { alarmEmail?: string } = {}): {
  stack: FeedgenStack;
  template: Template;
} {
  const stack = new FeedgenStack(testApp(), 'Feedgen', {
    siteConfig,
    ...(options.alarmEmail ? { alarmEmail: options.alarmEmail } : {}),
    env: { account: '123456789012', region: 'ap-southeast-1' },
  });
  return { stack, template: Template.fromStack(stack) };
}

/** The one logical id of the resource of `type` in `template` whose properties match. */
export function logicalIdOf(template: Template, type: string, props: Record<string, unknown> = {}): string {
  const ids = Object.keys(template.findResources(type, { Properties: props }));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
}

export interface ViewerRequestEvent {
  request: { uri: string; headers: Record<string, { value: string }> };
}

/** The CloudFront function's `handler`, from its file, in a fresh V8 context. */
export function loadViewerRequest(file: string): (event: ViewerRequestEvent) => { uri: string } {
  const context = createContext({});
  runInContext(readFileSync(file, 'utf8'), context, { filename: file });
  return context.handler;
}
