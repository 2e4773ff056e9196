import { GARBAGE_GRACE_MS } from '../../shared/publishing/committer';
import { OBJECTS_PREFIX } from '../../shared/publishing/layout';
import { NOW, site, uploadExamples } from './fixtures';

// A rebuild supersedes every object of the state it replaces, feed indexes included: the
// first tick past the grace period deletes them all.
it('a tick past the grace period after a rebuild leaves only the state objects the manifest references', async () => {
  // GIVEN a published site, rebuilt
  const s = site();
  await uploadExamples(s);
  await s.fresh().apply({ changes: [], rebuild: true });
  // WHEN ticks come after the grace period
  s.setNow(NOW + GARBAGE_GRACE_MS + 1);
  await s.apply({ changes: [], tick: true });
  await s.apply({ changes: [], tick: true });
  // THEN every state object left is one the manifest points to
  const manifest = s.manifest();
  const referenced = new Set([
    ...manifest.shards.filter((pointer) => pointer !== null),
    ...Object.values(manifest.feeds).map((entry) => entry.index),
    ...manifest.garbage.map((entry) => entry.key),
  ]);
  const stored = [...s.source.objects.keys()].filter((key) => key.startsWith(OBJECTS_PREFIX));
  expect(stored.filter((key) => !referenced.has(key))).toEqual([]);
});
