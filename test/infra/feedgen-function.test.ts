import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { FeedgenFunction } from '../../infra/feedgen-function';
import { inRepositoryRoot, testApp, testStack } from './helpers';

inRepositoryRoot();

const ENTRY = 'test/infra/fixtures/handler.ts';

describe('FeedgenFunction', () => {
  it('runs Node.js 24 on arm64 with 1024 MB, source maps and its own log group kept a month', () => {
    // GIVEN
    const stack = testStack();
    // WHEN
    new FeedgenFunction(stack, 'Fixture', {
      entry: ENTRY,
      description: 'A fixture',
      environment: { SOURCE_BUCKET: 'articles' },
    });
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 30,
      Handler: 'index.handler',
      Environment: { Variables: { SOURCE_BUCKET: 'articles', NODE_OPTIONS: '--enable-source-maps' } },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp('^FixtureLogs') } },
      ReservedConcurrentExecutions: Match.absent(),
    });
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Delete',
    });
  });

  it('takes the memory and timeout it is given', () => {
    // GIVEN
    const stack = testStack();
    // WHEN
    new FeedgenFunction(stack, 'Fixture', {
      entry: ENTRY,
      description: 'A fixture',
      environment: {},
      memorySize: 512,
      timeout: Duration.seconds(90),
    });
    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 512,
      Timeout: 90,
    });
  });

  it('is really bundled by the local esbuild into one minified file with a source map', () => {
    // GIVEN an app that bundles
    const app = testApp({ bundle: true });
    const stack = new Stack(app, 'Bundled');
    new FeedgenFunction(stack, 'Fixture', { entry: ENTRY, description: 'A fixture', environment: {} });
    // WHEN
    const assembly = app.synth();
    // THEN its asset is a single index.js (exporting the handler) with its map
    const [asset] = readdirSync(assembly.directory)
      .filter((name) => name.startsWith('asset.'))
      .map((name) => path.join(assembly.directory, name))
      .filter((dir) => existsSync(path.join(dir, 'index.js.map')));
    expect(asset).toBeDefined();
    expect(readdirSync(asset as string).sort()).toEqual(['index.js', 'index.js.map']);
    const code = readFileSync(path.join(asset as string, 'index.js'), 'utf8');
    // minified: long lines (newlines survive only inside template literals)
    expect(code.length / code.split('\n').length).toBeGreaterThan(1000);
    expect(code).toMatch(/handler/);
    expect(code).toContain('sourceMappingURL=index.js.map');
  }, 120_000);
});
