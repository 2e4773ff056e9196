import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SOURCE_BUCKET, startLocalStack } from '../local/stack';
import { TEST_CONFIG } from '../test/helpers/articles';
import { parseXml } from '../test/helpers/xml';

async function main() {
  const data = mkdtempSync(path.join(tmpdir(), 'scratch-'));
  const stack = await startLocalStack({
    config: { ...TEST_CONFIG, itemsPerFeed: 100 },
    dataDirectory: data,
    s3Port: 0,
    cdnPort: 0,
    accessKeyId: 'feedgen',
    secretAccessKey: 'feedgen',
    log: { info: () => {}, warn: () => {}, error: (m, d) => console.log('ERR', m, d) },
    batchWindowMs: 20,
    retryDelayMs: 50,
  });
  let stop = false;
  let ok = 0;
  const bad: string[] = [];
  let other = 0;
  const reader = (async () => {
    while (!stop) {
      for (const p of ['/feeds/rss.xml', '/feeds/atom.xml', '/feeds/thoi-su/rss.xml', '/feeds/feed.json']) {
        const r = await fetch(stack.cdn.url + p, { headers: { 'accept-encoding': 'identity' } });
        const t = await r.text();
        if (r.status !== 200) {
          other++;
          continue;
        }
        try {
          p.endsWith('.json') ? JSON.parse(t) : parseXml(t);
          ok++;
        } catch (e) {
          bad.push(`${p} len=${t.length} ${(e as Error).message.slice(0, 80)}`);
        }
      }
    }
  })();
  const t0 = Date.now();
  for (let i = 0; i < 80; i++) {
    await stack.client.send(
      new PutObjectCommand({
        Bucket: SOURCE_BUCKET,
        Key: `articles/bai-${i}.md`,
        Body: `---\ntitle: Bài ${i} ${'chữ '.repeat(50)}\ndate: 2025-06-${String((i % 28) + 1).padStart(2, '0')}\ncategory: Thời sự\n---\n${'Nội dung dài. '.repeat(200)}`,
      }),
    );
    if (i % 10 === 9) await stack.queue.idle();
  }
  await stack.queue.idle();
  stop = true;
  await reader;
  console.log({ ok, other, bad: bad.length, ms: Date.now() - t0 }, bad.slice(0, 5));
  await stack.stop();
  rmSync(data, { recursive: true, force: true });
}
main();
