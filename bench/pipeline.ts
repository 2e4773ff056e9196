import { rmSync } from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SOURCE_BUCKET, startLocalStack } from '../local/stack';
import { parseArticle } from '../shared/core/article/article';
import { buildSite } from '../shared/core/site';
import type { Logger } from '../shared/publishing/ports';
import { type GeneratedArticle, generateArticles } from './generate';
import { client, config, median, NOW, percentile, quiet, round, say, WORK } from './util';

/** npm start's stack on free ports, with a fresh data folder. */
async function stack(name: string, log: Logger = quiet) {
  const data = path.join(WORK, name);
  rmSync(data, { recursive: true, force: true });
  return startLocalStack({
    config,
    dataDirectory: data,
    s3Port: 0,
    cdnPort: 0,
    accessKeyId: 'feedgen',
    secretAccessKey: 'feedgen',
    log,
    retryDelayMs: 200,
  });
}

/** A lone upload → the feed served by the local CDN with it, batching window included. */
export async function loneUpload() {
  const local = await stack('s3-e2e');
  try {
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const title = `Tin nóng số ${i}`;
      const started = performance.now();
      await local.client.send(
        new PutObjectCommand({
          Bucket: SOURCE_BUCKET,
          Key: `articles/nong-${i}.md`,
          Body: `---\ntitle: ${title}\ndate: 2026-11-${String(1 + (i % 27)).padStart(2, '0')}T08:${String(i).padStart(2, '0')}+07:00\ncategory: Thời sự\n---\nNội dung ${i}.`,
        }),
      );
      for (;;) {
        const response = await fetch(`${local.cdn.url}/feeds/thoi-su/rss.xml`);
        if (response.ok && (await response.text()).includes(`<title>${title}</title>`)) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      latencies.push(performance.now() - started);
      await local.queue.idle();
    }
    return {
      uploads: latencies.length,
      medianMs: Math.round(median(latencies)),
      p95Ms: Math.round(percentile(latencies, 95)),
    };
  } finally {
    await local.stop();
  }
}

/** Every file a from-scratch build makes of these articles, compared with what the CDN serves. */
async function differing(
  cdnUrl: string,
  articles: readonly GeneratedArticle[],
): Promise<{ compared: number; differing: number }> {
  const parsed = articles.map((article) => {
    const result = parseArticle(`articles/${article.name}`, Buffer.from(article.text), config);
    if (!result.ok) throw new Error(`generated article ${article.name} was rejected`);
    return result.article;
  });
  const expected = buildSite(parsed, config, NOW).files;
  let count = 0;
  for (const file of expected) {
    const served = await (
      await fetch(`${cdnUrl}/${file.path}`, { headers: { 'Accept-Encoding': 'identity' } })
    ).text();
    if (served !== file.body) count++;
  }
  return { compared: expected.length, differing: count };
}

/**
 * Uploads at `perSecond` (or as fast as 16 clients go, when undefined) through the local
 * stack; the time from the last upload until the feeds are final, the backlog of the
 * queue over time, and a comparison with a from-scratch build.
 */
async function load(name: string, count: number, perSecond: number | undefined) {
  let batches = 0;
  const local = await stack(name, {
    info: (message) => {
      if (message === 'batch done') batches++;
    },
    warn: () => {},
    error: (message, details) => say(`${name}: ${message} ${JSON.stringify(details)}`),
  });
  const uploader = client(local.s3Endpoint);
  const backlog: number[] = [];
  const sampler = setInterval(() => backlog.push(local.queue.backlog), 1000);
  try {
    const texts = [...generateArticles(count, 7)];
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (;;) {
          const index = next++;
          const article = texts[index];
          if (!article) return;
          if (perSecond) {
            const due = started + (index * 1000) / perSecond;
            const wait = due - performance.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
          await uploader.send(
            new PutObjectCommand({
              Bucket: SOURCE_BUCKET,
              Key: `articles/${article.name}`,
              Body: article.text,
            }),
          );
        }
      }),
    );
    const lastUpload = performance.now();
    await local.queue.idle();
    const final = performance.now();
    const compared = await differing(local.cdn.url, texts);
    return {
      uploads: count,
      uploadSeconds: round((lastUpload - started) / 1000),
      achievedPerSecond: round(count / ((lastUpload - started) / 1000)),
      secondsFromLastUploadToFinal: round((final - lastUpload) / 1000, 2),
      batches,
      maxBacklog: Math.max(0, ...backlog),
      backlogEvery10s: backlog.filter((_, index) => index % 10 === 9),
      filesCompared: compared.compared,
      filesDifferingFromScratchBuild: compared.differing,
    };
  } finally {
    clearInterval(sampler);
    uploader.destroy();
    await local.stop();
  }
}

/** 1,000 uploads from 16 clients at once. */
export const burst = () => load('s3-burst', 1000, undefined);
/** 100 uploads a second for 60 s. */
export const sustained = () => load('s3-sustained', 6000, 100);
