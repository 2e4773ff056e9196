import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The site settings file the CLI reads, passed to the functions as the JSON of an
 * environment variable. Only parsed here; the functions validate it when they start, with
 * the same code the CLI uses (infra never imports runtime code).
 */
export function readSiteConfig(file: string): Record<string, unknown> {
  const resolved = path.resolve(file);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(resolved, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the site settings ${resolved}: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${resolved} must be a JSON object of settings`);
  }
  return value as Record<string, unknown>;
}
