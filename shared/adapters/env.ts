import { resolveConfig, type SiteConfig } from '../core/config';
import { ENV } from '../publishing/layout';

/** A required environment variable; fails at start-up naming the variable, never with "". */
export function requireEnv(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`environment variable ${name} is not set; the deployment must set it (see infra/)`);
  }
  return value;
}

/** The site settings, passed by the CDK app as the JSON of feedgen.config.json. */
export function siteConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SiteConfig {
  const text = requireEnv(ENV.siteConfig, env);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`environment variable ${ENV.siteConfig} is not JSON: ${(error as Error).message}`);
  }
  return resolveConfig(raw, ENV.siteConfig);
}
