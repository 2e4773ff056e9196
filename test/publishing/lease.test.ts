import { MemoryStore } from '../../shared/adapters/memory-store';
import { Committer, type CommitterOptions } from '../../shared/publishing/committer';
import { MANIFEST_KEY } from '../../shared/publishing/layout';
import { LEASE_MS, LEASE_POLL_MS } from '../../shared/publishing/lease';
import { type ObjectStore, PreconditionFailed } from '../../shared/publishing/ports';
import type { Manifest } from '../../shared/publishing/state';
import { markdownFile, TEST_CONFIG } from '../helpers/articles';
import { interceptStore } from '../helpers/intercept-store';
import { buildOf, differences } from '../helpers/site-compare';

const NOW = Date.UTC(2025, 6, 1, 12);
const silent = { info: () => {}, warn: () => {}, error: () => {} };

/** A writer of the test site, with these options. */
function writer(
  source: ObjectStore,
  output: ObjectStore,
  options: Partial<CommitterOptions> = {},
): Committer {
  return new Committer({ source, output, config: TEST_CONFIG, clock: () => NOW, log: silent, ...options });
}

/** A store that stops before the manifest commit (the second manifest PUT) until released. */
function pausedAtCommit(store: MemoryStore): {
  store: ObjectStore;
  reached: Promise<void>;
  release: () => void;
} {
  let puts = 0;
  let release = (): void => {};
  let reached = (): void => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const reachedPromise = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const wrapped = interceptStore(store, async (label, call) => {
    if (label === `PUT ${MANIFEST_KEY}` && ++puts === 2) {
      reached();
      await gate;
    }
    return call();
  });
  return { store: wrapped, reached: reachedPromise, release };
}

async function upload(source: MemoryStore, slug: string): Promise<void> {
  await source.put(
    `articles/${slug}.md`,
    markdownFile({ title: slug, date: '2025-06-30T08:00:00+07:00', category: 'Thời sự', slug }),
    { contentType: 'text/markdown' },
  );
}

describe('the lease: one active writer at a time', () => {
  it('a second writer waits for the holder to commit, then applies its batch on top, without losing a race', async () => {
    // GIVEN writer A, a rebuild, holding the lease and stopped just before its commit
    const source = new MemoryStore();
    const output = new MemoryStore();
    await upload(source, 'a');
    const paused = pausedAtCommit(source);
    const sleeps: number[] = [];
    const a = writer(paused.store, output);
    const b = writer(source, output, {
      sleep: async (ms) => {
        sleeps.push(ms);
        // A commits while B waits.
        if (sleeps.length === 3) paused.release();
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    const first = a.apply({ changes: [], rebuild: true });
    await paused.reached;
    // WHEN an editor uploads, and writer B gets its event meanwhile
    await upload(source, 'b');
    const second = await b.apply({ changes: [{ key: 'articles/b.md' }] });
    // THEN B waited for A (polls of the manifest), and neither had to start over
    expect(sleeps.length).toBeGreaterThanOrEqual(3);
    expect(second.attempts).toBe(1);
    expect((await first).attempts).toBe(1);
    expect(second.generation).toBe(2);
    expect(second.outcomes).toEqual([
      { key: 'articles/b.md', status: 'published', feeds: ['_site', 'thoi-su'] },
    ]);
    expect(differences(buildOf(source, TEST_CONFIG, NOW), output)).toEqual([]);
  });

  it('a holder that died is given up on once the manifest stayed unchanged for the lease time', async () => {
    // GIVEN a writer that lost a race (412 on its commit), took the lease, and died before
    // committing again
    const source = new MemoryStore();
    const output = new MemoryStore();
    await upload(source, 'a');
    let manifestPuts = 0;
    const dying = interceptStore(source, async (label, call) => {
      if (label !== `PUT ${MANIFEST_KEY}`) return call();
      manifestPuts++;
      if (manifestPuts === 1) throw new PreconditionFailed(MANIFEST_KEY);
      if (manifestPuts === 2) return call();
      throw new Error('killed after taking the lease');
    });
    await expect(
      writer(dying, output, { sleep: async () => {} }).apply({
        changes: [{ key: 'articles/a.md' }],
      }),
    ).rejects.toThrow('killed');
    expect((JSON.parse(source.text(MANIFEST_KEY) ?? '{}') as Manifest).lease).toBeDefined();
    // WHEN the batch is delivered again
    let waited = 0;
    const result = await writer(source, output, {
      sleep: async (ms) => {
        waited += ms;
      },
    }).apply({ changes: [{ key: 'articles/a.md' }] });
    // THEN it waited out the lease, took over and published
    expect(waited).toBeGreaterThanOrEqual(LEASE_MS);
    expect(waited).toBeLessThan(LEASE_MS + 2 * LEASE_POLL_MS);
    expect(result.committed).toBe(true);
    expect((JSON.parse(source.text(MANIFEST_KEY) ?? '{}') as Manifest).lease).toBeUndefined();
    expect(differences(buildOf(source, TEST_CONFIG, NOW), output)).toEqual([]);
  });

  it('a writer that cannot get its turn in time gives the batch back to the queue', async () => {
    // GIVEN a lease whose holder keeps the manifest changing (a long rebuild renewing it)
    const source = new MemoryStore();
    const output = new MemoryStore();
    await upload(source, 'a');
    await writer(source, output).apply({
      changes: [{ key: 'articles/a.md' }],
    });
    const manifest = JSON.parse(source.text(MANIFEST_KEY) ?? '{}') as Manifest;
    let renewals = 0;
    const renew = () =>
      source.put(
        MANIFEST_KEY,
        // one holder renewing its lease: the manifest changes, the holder does not
        JSON.stringify({ ...manifest, lease: { holder: 'rebuild', ms: LEASE_MS, at: NOW + renewals++ } }),
        {
          contentType: 'application/json',
        },
      );
    await renew();
    // WHEN another batch comes, with at most 2 s to wait
    const waiting = writer(source, output, {
      maxLeaseWaitMs: 2_000,
      sleep: async () => {
        await renew();
      },
    });
    await upload(source, 'b');
    // THEN it fails (SQS delivers the batch again later), having written nothing
    await expect(waiting.apply({ changes: [{ key: 'articles/b.md' }] })).rejects.toThrow(/held the site/);
    expect(output.text('feeds/rss.xml')).not.toContain('<title>b</title>');
  });

  it('a writer that lost a race takes the lease before its reads: the other writer waits for it instead of beating it again', async () => {
    // GIVEN writers A and B on one site; B's first commit loses to A's
    const source = new MemoryStore();
    const output = new MemoryStore();
    for (const slug of ['a1', 'a2', 'b']) await upload(source, slug);
    let aSleeps = 0;
    const a = writer(source, output, {
      sleep: async () => {
        aSleeps++;
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    let manifestPuts = 0;
    let bArticleReads = 0;
    let secondA: Promise<unknown> | undefined;
    const bStore = interceptStore(source, async (label, call) => {
      // WHEN, during B's second attempt, A gets another batch
      if (label === 'GET articles/b.md' && ++bArticleReads === 2)
        secondA = a.apply({ changes: [{ key: 'articles/a2.md' }] });
      if (label === `PUT ${MANIFEST_KEY}` && ++manifestPuts === 1)
        await a.apply({ changes: [{ key: 'articles/a1.md' }] });
      return call();
    });
    const b = writer(bStore, output, { sleep: async () => {} });
    const result = await b.apply({ changes: [{ key: 'articles/b.md' }] });
    await secondA;
    // THEN B needed one attempt more, not six; A waited for B's lease; nothing was lost
    expect(result.attempts).toBe(2);
    expect(aSleeps).toBeGreaterThan(0);
    expect((JSON.parse(source.text(MANIFEST_KEY) ?? '{}') as Manifest).lease).toBeUndefined();
    expect(differences(buildOf(source, TEST_CONFIG, NOW), output)).toEqual([]);
  });
});
