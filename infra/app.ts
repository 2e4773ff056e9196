#!/usr/bin/env node
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FeedgenStack } from './feedgen-stack';
import { readSiteConfig } from './site-config';

const app = new App();
const configFile = (app.node.tryGetContext('config') as string | undefined) ?? 'feedgen.config.json';
const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;

new FeedgenStack(app, 'Feedgen', {
  description: 'feedgen: RSS, Atom and JSON Feed published on upload',
  siteConfig: readSiteConfig(configFile),
  ...(alarmEmail ? { alarmEmail } : {}),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

// The AWS Solutions checks run on every synth; a finding fails it unless fixed or acknowledged.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
