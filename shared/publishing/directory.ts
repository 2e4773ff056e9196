import { compare } from '../core/rules';
import { type DirEntry, emptyShard, SHARD_COUNT, type Shard, type StateStore, shardOf } from './state';

interface WorkingShard {
  keys: Record<string, DirEntry>;
  ids: Record<string, readonly string[]>;
}

/**
 * The directory as one batch sees it: shards are read on first use and copied before they
 * change, so the immutable objects (and the cache holding them) are never touched.
 */
export class Directory {
  readonly #state: StateStore;
  readonly #pointers: readonly (string | null)[];
  readonly #shards = new Map<number, WorkingShard>();
  readonly #dirty = new Set<number>();

  /** `fresh`: start from an empty directory (a rebuild), whatever the manifest points to. */
  constructor(state: StateStore, pointers: readonly (string | null)[], fresh = false) {
    this.#state = state;
    this.#pointers = fresh ? Array.from({ length: SHARD_COUNT }, () => null) : pointers;
  }

  /** Reads the shards that hold these keys or ids. */
  async load(names: Iterable<string>): Promise<void> {
    const wanted = new Set<number>();
    for (const name of names) wanted.add(shardOf(name));
    await this.#loadShards(wanted);
  }

  async loadAll(): Promise<void> {
    await this.#loadShards(new Set(Array.from({ length: SHARD_COUNT }, (_, index) => index)));
  }

  async #loadShards(indexes: Set<number>): Promise<void> {
    const missing = [...indexes].filter((index) => !this.#shards.has(index));
    const loaded = await Promise.all(
      missing.map(async (index) => {
        const pointer = this.#pointers[index];
        return pointer ? await this.#state.object<Shard>(pointer) : emptyShard();
      }),
    );
    missing.forEach((index, position) => {
      const shard = loaded[position] ?? emptyShard();
      this.#shards.set(index, {
        keys: shard.keys as Record<string, DirEntry>,
        ids: shard.ids as WorkingShard['ids'],
      });
    });
  }

  #shard(name: string, forWrite: boolean): WorkingShard {
    const index = shardOf(name);
    const shard = this.#shards.get(index);
    if (!shard) throw new Error(`directory shard ${index} (for ${name}) was not loaded`);
    if (!forWrite || this.#dirty.has(index)) return shard;
    const copy = { keys: { ...shard.keys }, ids: { ...shard.ids } };
    this.#shards.set(index, copy);
    this.#dirty.add(index);
    return copy;
  }

  entry(key: string): DirEntry | undefined {
    return this.#shard(key, false).keys[key];
  }

  setEntry(key: string, entry: DirEntry | undefined): void {
    const shard = this.#shard(key, true);
    if (entry) shard.keys[key] = entry;
    else delete shard.keys[key];
  }

  /** The article that owns the id: the first candidate by path. */
  owner(id: string): string | undefined {
    return this.#shard(id, false).ids[id]?.[0];
  }

  /** Every candidate for the id, in path order. */
  claimants(id: string): readonly string[] {
    return this.#shard(id, false).ids[id] ?? [];
  }

  addClaim(id: string, key: string): void {
    const shard = this.#shard(id, true);
    const claimants = shard.ids[id] ?? [];
    if (claimants.includes(key)) return;
    // Path order, as `feedgen build` settles ids: the first candidate owns the id.
    shard.ids[id] = [...claimants, key].sort(compare);
  }

  removeClaim(id: string, key: string): void {
    const shard = this.#shard(id, true);
    const claimants = (shard.ids[id] ?? []).filter((claimant) => claimant !== key);
    if (claimants.length > 0) shard.ids[id] = claimants;
    else delete shard.ids[id];
  }

  /** Every entry of the loaded shards (all of them after {@link loadAll}). */
  *entries(): Iterable<[string, DirEntry]> {
    for (const shard of this.#shards.values()) yield* Object.entries(shard.keys);
  }

  /** Writes the changed shards; returns the new pointers and the objects they replace. */
  async write(attempt: string): Promise<{ pointers: (string | null)[]; replaced: string[] }> {
    const pointers = [...this.#pointers];
    const replaced: string[] = [];
    await Promise.all(
      [...this.#dirty].map(async (index) => {
        const shard = this.#shards.get(index);
        const old = pointers[index];
        if (old) replaced.push(old);
        const empty = !shard || (Object.keys(shard.keys).length === 0 && Object.keys(shard.ids).length === 0);
        pointers[index] = empty
          ? null
          : await this.#state.write('shards', String(index), attempt, shard ?? emptyShard());
      }),
    );
    return { pointers, replaced };
  }

  get changed(): boolean {
    return this.#dirty.size > 0;
  }
}
