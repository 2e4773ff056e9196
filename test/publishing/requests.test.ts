import { CATEGORIES, generateArticles } from '../../bench/generate';
import { TEST_CONFIG } from '../helpers/articles';
import { md, type Site, site, uploadExamples } from './fixtures';

// S3 requests (source and output buckets together, the editor's own upload PUT included)
// that publishing costs, counted on the in-memory store. SHOW_COUNTS=1 prints them by verb.
// Each batch is applied by a fresh committer: a cold Lambda, nothing cached.

/** After the newest article of the generated corpus (1 November 2026). */
const NOW = Date.UTC(2026, 11, 1);

function byVerb(calls: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const verb = call.slice(0, call.indexOf(' '));
    counts[verb] = (counts[verb] ?? 0) + 1;
  }
  return counts;
}

function show(what: string, calls: readonly string[], uploads = 1): void {
  if (process.env.SHOW_COUNTS === '1')
    console.log(`${what}: ${calls.length} requests (${calls.length / uploads} per upload)`, byVerb(calls));
}

/** Uploads `count` new articles round-robin into the first `categories` categories and applies them as one batch. */
async function publishBatch(s: Site, count: number, categories: number, tag: string): Promise<string[]> {
  s.clearCalls();
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const key = `articles/${tag}-${i}.md`;
    const category = CATEGORIES[i % categories] ?? 'Thời sự';
    await s.put(
      key,
      md({
        title: `Mới ${tag} ${i}`,
        date: `2026-11-15T08:${String(i % 60).padStart(2, '0')}+07:00`,
        category,
      }),
    );
    keys.push(key);
  }
  const result = await s.fresh().apply({ changes: keys.map((key) => ({ key, size: 100 })) });
  expect(result.outcomes.map((outcome) => outcome.status)).toEqual(keys.map(() => 'published'));
  return [...s.source.calls, ...s.output.calls];
}

/** A site holding `size` generated articles, published by one rebuild batch. */
async function archive(size: number): Promise<Site> {
  const s = site(TEST_CONFIG, NOW);
  for (const article of generateArticles(size)) await s.put(`articles/${article.name}`, article.text);
  const result = await s.fresh().apply({ changes: [], rebuild: true });
  expect(result.outcomes).toHaveLength(size);
  return s;
}

describe('requests per upload', () => {
  it('publishes a lone upload into one category in at most 25 requests, its own upload included', async () => {
    // GIVEN the examples published
    const s = site(TEST_CONFIG, NOW);
    await uploadExamples(s);
    // WHEN one article is uploaded into an existing category and its event applied
    const calls = await publishBatch(s, 1, 1, 'mot');
    // THEN
    show('a lone upload', calls);
    expect(calls.length).toBeLessThanOrEqual(25);
    s.expectSameAsBuild();
  });

  // The 10,000-article archive takes a few seconds to seed and rebuild.
  it('costs the same for an archive of 1,000 articles as for one of 10,000, at most 25', async () => {
    const counts: Record<number, readonly string[]> = {};
    for (const size of [1_000, 10_000]) {
      // GIVEN an archive published by one rebuild batch
      const s = await archive(size);
      // WHEN one article is uploaded into one category
      const calls = await publishBatch(s, 1, 1, 'mot');
      show(`a lone upload into an archive of ${size}`, calls);
      counts[size] = calls;
      expect(calls.length).toBeLessThanOrEqual(25);
    }
    // THEN the requests are the same, verb by verb
    expect(byVerb(counts[10_000] ?? [])).toEqual(byVerb(counts[1_000] ?? []));
  }, 120_000);

  it('costs at most 5 requests per upload for a batch of 100 uploads into 5 categories', async () => {
    const s = await archive(1_000);
    const calls = await publishBatch(s, 100, 5, 'lo');
    show('a batch of 100 uploads into 5 categories', calls, 100);
    expect(calls.length / 100).toBeLessThanOrEqual(5);
    s.expectSameAsBuild();
  }, 60_000);

  it('costs fewer requests per upload as the batch grows: 1, 10, 100', async () => {
    const s = await archive(1_000);
    const perUpload: number[] = [];
    for (const size of [1, 10, 100]) {
      const calls = await publishBatch(s, size, 5, `lo-${size}`);
      show(`a batch of ${size}`, calls, size);
      perUpload.push(calls.length / size);
    }
    expect(perUpload[1]).toBeLessThan(perUpload[0] ?? 0);
    expect(perUpload[2]).toBeLessThan(perUpload[1] ?? 0);
    s.expectSameAsBuild();
  }, 60_000);
});
