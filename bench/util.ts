import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../shared/adapters/s3-client';
import { resolveConfig, type SiteConfig } from '../shared/core/config';
import type { Logger } from '../shared/publishing/ports';
import { generateArticles } from './generate';

export const ROOT = path.resolve(__dirname, '..');
export const WORK = process.env.BENCH_DIR ?? '/tmp/feedgen-bench';
export const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };
export const config: SiteConfig = resolveConfig(
  JSON.parse(readFileSync(path.join(ROOT, 'feedgen.config.json'), 'utf8')),
  'feedgen.config.json',
);
export const NOW = Date.parse('2026-11-28T00:00:00Z');

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};
export const percentile = (values: readonly number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
export const round = (value: number, digits = 1): number => Number(value.toFixed(digits));
export const say = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Writes the corpus once; later runs reuse it (it is deterministic). */
export function corpus(count: number): string {
  const folder = path.join(WORK, `corpus-${count}`);
  const marker = path.join(folder, '.complete');
  if (existsSync(marker)) return folder;
  rmSync(folder, { recursive: true, force: true });
  mkdirSync(folder, { recursive: true });
  for (const article of generateArticles(count)) writeFileSync(path.join(folder, article.name), article.text);
  writeFileSync(marker, '');
  return folder;
}

/** The local S3 API in a process of its own, so the measured CPU time is the publisher's alone. */
export async function startS3Process(
  directory: string,
): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const child = spawn(
    process.execPath,
    ['--require', 'tsx/cjs', path.join(ROOT, 'bench', 's3-server.ts'), directory],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
    child.once('exit', (code) => reject(new Error(`s3 server exited with ${code}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export function client(endpoint: string): S3Client {
  return s3Client({ endpoint, credentials: { accessKeyId: 'feedgen', secretAccessKey: 'feedgen' } });
}

/** Counts the requests a client sends, by command (GetObject, PutObject, …). */
export function countRequests(s3: S3Client): Map<string, number> {
  const counts = new Map<string, number>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const command = String(context.commandName ?? 'unknown').replace(/Command$/, '');
      counts.set(command, (counts.get(command) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'benchCountRequests' },
  );
  return counts;
}

export function total(counts: ReadonlyMap<string, number>): number {
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}
