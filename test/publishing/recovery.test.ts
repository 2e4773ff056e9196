// Regressions the fault suite found (a review of the committer with lost answers, slow writers
// and failing rebuilds), each as the smallest test: an answer lost on the commit, an older
// writer's late files, a lease left behind by a failed rebuild.
import { MemoryStore } from '../../shared/adapters/memory-store';
import { Committer } from '../../shared/publishing/committer';
import { MANIFEST_KEY } from '../../shared/publishing/layout';
import { PreconditionFailed, type PutOptions } from '../../shared/publishing/ports';
import { markdownFile, TEST_CONFIG } from '../helpers/articles';
import { buildOf, differences } from '../helpers/site-compare';

/** S3 applies the next manifest write, but its answer is lost: the SDK's retry gets 412. */
class LostAnswerStore extends MemoryStore {
  lose = false;
  override async put(key: string, body: string | Uint8Array, options: PutOptions) {
    const result = await super.put(key, body, options);
    if (key === MANIFEST_KEY && this.lose) {
      this.lose = false;
      throw new PreconditionFailed(key);
    }
    return result;
  }
}

it('writes the report of an article a batch rejects, even when the answer to its manifest write was lost', async () => {
  const source = new LostAnswerStore();
  const output = new MemoryStore();
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  const committer = new Committer({
    source,
    output,
    config: TEST_CONFIG,
    clock: () => Date.UTC(2026, 0, 1),
    log,
    sleep: async () => {},
  });
  await source.put('articles/a.md', markdownFile({ title: 'A', date: '2025-06-01', category: 'X' }), {
    contentType: 'text/markdown',
  });
  await committer.apply({ changes: [{ key: 'articles/a.md' }] });
  await source.put(
    'articles/hong.md',
    Buffer.from('---\ntitle: Hỏng\ndate: 31/02/2025\ncategory: X\n---\n'),
    { contentType: 'text/markdown' },
  );
  source.lose = true;
  const result = await committer.apply({ changes: [{ key: 'articles/hong.md' }] });
  const manifest = JSON.parse(source.text(MANIFEST_KEY) ?? '{}');
  // The manifest says the article has a report, and apply() succeeded...
  expect(Object.keys(manifest.reports)).toEqual(['articles/hong.md']);
  expect(result.attempts).toBe(2);
  // ...and the report is written by the attempt that found its own commit
  expect(source.objects.has('reports/hong.md.json')).toBe(true);
});

it('a writer slowed between its commit and its files does not put older feeds over a newer writer’s', async () => {
  const source = new MemoryStore();
  const output = new MemoryStore();
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  const now = Date.UTC(2026, 0, 1);
  let release: () => void = () => {};
  const paused = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reachedList: () => void = () => {};
  const atList = new Promise<void>((resolve) => {
    reachedList = resolve;
  });
  // Writer A's output store: its first LIST (the reconcile after its commit) waits for the release.
  const slowOutput = Object.create(output) as MemoryStore;
  let listed = false;
  slowOutput.list = async function* (prefix: string) {
    if (!listed) {
      listed = true;
      reachedList();
      await paused;
    }
    yield* output.list(prefix);
  };
  const writer = (out: MemoryStore) =>
    new Committer({ source, output: out, config: TEST_CONFIG, clock: () => now, log, sleep: async () => {} });
  const upload = (slug: string, date: string) =>
    source.put(`articles/${slug}.md`, markdownFile({ title: slug, date, category: 'X' }), {
      contentType: 'text/markdown',
    });
  await upload('a', '2025-06-01');
  const a = writer(slowOutput).apply({ changes: [{ key: 'articles/a.md' }] });
  await atList;
  await upload('b', '2025-06-02');
  await writer(output).apply({ changes: [{ key: 'articles/b.md' }] });
  release();
  await a;
  expect(differences(buildOf(source, TEST_CONFIG, now), output)).toEqual([]);
});

it('a rebuild that fails after taking the lease does not stop every writer after it', async () => {
  const source = new MemoryStore();
  const output = new MemoryStore();
  const log = { info: () => {}, warn: () => {}, error: () => {} };
  const now = Date.UTC(2026, 0, 1);
  const writer = (store: MemoryStore) =>
    new Committer({
      source: store,
      output,
      config: TEST_CONFIG,
      clock: () => now,
      log,
      sleep: async () => {},
    });
  const upload = (slug: string) =>
    source.put(`articles/${slug}.md`, markdownFile({ title: slug, date: '2025-06-01', category: 'X' }), {
      contentType: 'text/markdown',
    });
  await upload('a');
  await writer(source).apply({ changes: [{ key: 'articles/a.md' }] });
  // `feedgen rebuild` takes the lease, then S3 fails under it (its retries run out): it exits 1
  const failing = Object.create(source) as MemoryStore;
  failing.get = async (key, options) => {
    if (key.startsWith('articles/')) throw new Error('S3 failed 5 times');
    return source.get(key, options);
  };
  await expect(writer(failing).apply({ changes: [], rebuild: true })).rejects.toThrow('S3 failed');
  // it gave its turn back as it failed
  expect(JSON.parse(source.text(MANIFEST_KEY) ?? '{}').lease).toBeUndefined();
  // the next upload's batch (a new Lambda instance) must still be published
  await upload('b');
  const result = await writer(source).apply({ changes: [{ key: 'articles/b.md' }] });
  expect(result.outcomes.map((outcome) => outcome.status)).toEqual(['published']);
});
