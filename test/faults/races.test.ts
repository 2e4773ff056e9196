// Requirement: writers running at once lose nothing. 500 uploads across 5 categories from 16
// concurrent clients, overwrites that move articles between categories and dates, deletes,
// duplicate events and late (redelivered, out-of-order) events, published by several
// Committers at once (2, as deployed, and 6) taking batches off one queue, fenced only by
// conditional writes of the manifest (the commit's If-Match, and the lease a writer that lost
// a race takes): the committed state equals what a fresh rebuild makes of the same articles,
// and after an empty final batch so do the feeds and reports/, and they equal a from-scratch build.
//
// Deterministic: every storage call of every writer and editor waits for its turn, and the
// turns are given in an order drawn from the seed (FAULT_SEED), so a run does not depend on
// the machine's speed or load, and a failure replays from its seed. Time is the scheduler's
// too: a minute every 100 turns, so superseded state is collected while slower writers still
// read it, and the minute's tick goes on the queue with the events.
import { MemoryStore } from '../../shared/adapters/memory-store';
import { type BatchResult, type ChangedKey, Committer } from '../../shared/publishing/committer';
import { MANIFEST_KEY } from '../../shared/publishing/layout';
import type { ObjectInfo, ObjectStore, PutOptions } from '../../shared/publishing/ports';
import { TEST_CONFIG } from '../helpers/articles';
import { type Random, seededRandom, seedFor } from './helpers/random';
import {
  normalisedState,
  readAll,
  rebuildReference,
  siteProblems,
  stateDifferences,
  stateObjects,
} from './helpers/site-check';
import { type ArticleSpec, articleText, CATEGORIES, Newsroom } from './helpers/workload';

const NOW = Date.parse('2026-01-01T00:00:00Z');
// Windows much smaller than the categories, so moves and deletes refill them from the tails.
const CONFIG = { ...TEST_CONFIG, itemsPerFeed: 15 };
const SEED = seedFor(3003);
const UPLOADS = 500;
const CLIENTS = 16;
const TURNS_PER_MINUTE = 100;
// A run that goes on longer than this is stuck (a livelock): every waiting call then fails.
const MAX_TURNS = 2_000_000;
// Deliveries of a message before it goes to the dead letters, as the queue's maxReceiveCount.
const MAX_RECEIVES = 20;

/**
 * Gives storage calls their turns, one at a time, in an order drawn from the seed: when every
 * actor is waiting (all promise work done), one waiting call goes on. Half the turns go to a
 * call picked at random; the others to the actor with the highest priority, and priorities
 * are drawn again every 150 turns, so an actor is sometimes held back for hundreds of turns
 * (a writer frozen between its commit and its files, or while holding the lease).
 */
class Turns {
  readonly #waiting: Array<{ actor: number; resolve: () => void }> = [];
  readonly #priority = new Map<number, number>();
  #armed = false;
  taken = 0;
  constructor(private readonly random: Random) {}

  next(actor: number): Promise<void> {
    if (this.taken >= MAX_TURNS) return Promise.reject(new Error(`no end after ${MAX_TURNS} turns`));
    return new Promise((resolve) => {
      this.#waiting.push({ actor, resolve });
      this.#arm();
    });
  }

  #arm(): void {
    if (this.#armed) return;
    this.#armed = true;
    setImmediate(() => {
      this.#armed = false;
      if (this.taken % 150 === 0) this.#priority.clear();
      const rank = (actor: number): number => {
        if (!this.#priority.has(actor)) this.#priority.set(actor, this.random.next());
        return this.#priority.get(actor) as number;
      };
      let index = this.random.int(0, this.#waiting.length - 1);
      if (this.random.chance(0.5)) {
        for (const [i, entry] of this.#waiting.entries())
          if (rank(entry.actor) > rank((this.#waiting[index] as { actor: number }).actor)) index = i;
      }
      const [chosen] = this.#waiting.splice(index, 1);
      this.taken++;
      chosen?.resolve();
      if (this.#waiting.length > 0) this.#arm();
    });
  }
}

/** One actor's view of a store: each call waits for its turn; a listing is read a page of 50 keys per turn, as S3 pages it. */
class TurnStore implements ObjectStore {
  constructor(
    private readonly inner: MemoryStore,
    private readonly turns: Turns,
    private readonly actor: number,
  ) {}
  async get(key: string, options?: { ifNoneMatch?: string }) {
    await this.turns.next(this.actor);
    return this.inner.get(key, options);
  }
  async head(key: string) {
    await this.turns.next(this.actor);
    return this.inner.head(key);
  }
  async put(key: string, body: string | Uint8Array, options: PutOptions) {
    await this.turns.next(this.actor);
    return this.inner.put(key, body, options);
  }
  async delete(key: string) {
    await this.turns.next(this.actor);
    return this.inner.delete(key);
  }
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let after = '';
    for (;;) {
      await this.turns.next(this.actor);
      const keys = [...this.inner.objects.keys()]
        .filter((key) => key.startsWith(prefix) && key > after)
        .sort()
        .slice(0, 50);
      for (const key of keys) {
        const entry = this.inner.objects.get(key);
        if (entry) yield { key, etag: entry.etag, size: entry.body.byteLength };
      }
      if (keys.length < 50) return;
      after = keys.at(-1) as string;
    }
  }
}

type Operation = { kind: 'put'; spec: ArticleSpec } | { kind: 'delete'; key: string };

/** 500 uploads (new articles, and overwrites that may change categories and dates) and ~60 deletes, interleaved. */
function workload(random: Random): Operation[] {
  const newsroom = new Newsroom(random, 'articles/', CATEGORIES, 0.03);
  const operations: Operation[] = [];
  let uploads = 0;
  while (uploads < UPLOADS) {
    const roll = random.next();
    if (roll < 0.12 && newsroom.live.size > 20) {
      const key = newsroom.remove();
      if (key) operations.push({ kind: 'delete', key });
      continue;
    }
    const spec =
      roll < 0.3 && newsroom.live.size > 20 ? newsroom.overwrite({ redate: true }) : newsroom.create();
    if (spec) {
      operations.push({ kind: 'put', spec });
      uploads++;
    }
  }
  return operations;
}

/** One queue of events and ticks, as SQS holds them: a writer takes a batch, and puts it back if it fails. */
interface Message {
  readonly change?: ChangedKey;
  readonly tick?: true;
  receives?: number;
}

describe('writers running at once', () => {
  it.each([2, 6])(
    `%i Committers publish ${UPLOADS} uploads from ${CLIENTS} clients, with deletes and duplicate and late events, exactly as a rebuild would`,
    async (writers) => {
      const random = seededRandom(SEED + writers);
      const turns = new Turns(seededRandom(SEED + writers + 1));
      const clock = () => NOW + Math.floor(turns.taken / TURNS_PER_MINUTE) * 60_000;
      const source = new MemoryStore();
      const output = new MemoryStore();
      const quiet = { info: () => {}, warn: () => {}, error: () => {} };
      // Actors 0 to 15 are the editors, 16 on the writers.
      const committer = (actor: number) =>
        new Committer({
          source: new TurnStore(source, turns, actor),
          output: new TurnStore(output, turns, actor),
          config: CONFIG,
          clock,
          log: quiet,
          sleep: () => turns.next(actor),
        });

      const queue: Message[] = [];
      const late: Array<{ message: Message; after: number }> = [];
      let sent = 0;
      let duplicates = 0;
      const send = (message: Message): void => {
        queue.push(message);
        if (++sent % 40 === 0) queue.push({ tick: true });
        for (const held of late.filter((entry) => entry.after <= sent)) {
          late.splice(late.indexOf(held), 1);
          queue.push(held.message);
        }
      };
      // S3 delivers some events twice at once, and some again later, after newer ones
      const event = (change: ChangedKey): void => {
        send({ change });
        if (random.chance(0.1)) {
          duplicates++;
          send({ change });
        }
        if (random.chance(0.05)) {
          duplicates++;
          late.push({ message: { change }, after: sent + random.int(5, 80) });
        }
      };

      // GIVEN 16 editors uploading, overwriting and deleting at once
      const operations = workload(random);
      let next = 0;
      let editing = CLIENTS;
      const editor = async (actor: number): Promise<void> => {
        const store = new TurnStore(source, turns, actor);
        for (;;) {
          // An editor takes a while between uploads, so the writers keep up with them
          for (let pause = random.int(0, 60); pause > 0; pause--) await turns.next(actor);
          const operation = operations[next++];
          if (!operation) break;
          if (operation.kind === 'put') {
            const text = articleText(operation.spec);
            await store.put(operation.spec.key, text, { contentType: 'text/markdown; charset=utf-8' });
            event({ key: operation.spec.key, size: Buffer.byteLength(text) });
          } else {
            await store.delete(operation.key);
            event({ key: operation.key });
          }
        }
        if (--editing === 0) for (const held of late.splice(0)) queue.push(held.message);
      };

      // WHEN several writers (Lambda instances) take batches of 1 to 12 messages off the queue
      const results: BatchResult[] = [];
      const deadLetters: string[] = [];
      let failed = 0;
      let busy = 0;
      let busiest = 0;
      const writer = async (actor: number): Promise<void> => {
        let instance = committer(actor);
        while (editing > 0 || queue.length > 0 || busy > 0) {
          if (queue.length === 0) {
            await turns.next(actor);
            continue;
          }
          const batch = queue.splice(0, random.int(1, 12));
          busy++;
          busiest = Math.max(busiest, busy);
          try {
            results.push(
              await instance.apply({
                changes: batch.flatMap((message) => (message.change ? [message.change] : [])),
                tick: batch.some((message) => message.tick),
              }),
            );
          } catch (error) {
            // The batch goes back to the queue, and SQS hands it to a new instance.
            failed++;
            for (const message of batch) {
              message.receives = (message.receives ?? 0) + 1;
              if (message.receives < MAX_RECEIVES) queue.push(message);
              else deadLetters.push(`${JSON.stringify(message)}: ${(error as Error).message}`);
            }
            instance = committer(actor);
          } finally {
            busy--;
          }
        }
      };
      await Promise.all([
        ...Array.from({ length: CLIENTS }, (_, actor) => editor(actor)),
        ...Array.from({ length: writers }, (_, actor) => writer(CLIENTS + actor)),
      ]);

      // THEN no message was given up on; the writers did overlap and race for the manifest, and
      // the events came twice and late
      expect(deadLetters).toEqual([]);
      expect(busiest).toBe(writers);
      expect(results.filter((result) => result.attempts > 1).length + failed).toBeGreaterThan(0);
      expect(duplicates).toBeGreaterThan(60);
      const articles = await readAll(source, 'articles/');
      expect(articles.size).toBeGreaterThan(300);
      // AND the committed state is already the one a rebuild makes of the same articles
      const reference = await rebuildReference(source, CONFIG, clock());
      const state = stateDifferences(
        normalisedState(await stateObjects(source)),
        normalisedState(await stateObjects(reference.state)),
      ).filter((problem) => !problem.startsWith('reports '));
      expect(state).toEqual([]);
      expect(JSON.parse(source.text(MANIFEST_KEY) ?? '{}').generation).toBeGreaterThan(10);
      // AND after an empty final batch, the feeds equal a from-scratch build and everything a rebuild's
      await committer(CLIENTS).apply({ changes: [], tick: true });
      expect(await siteProblems(source, output, CONFIG, clock())).toEqual([]);
    },
    120_000,
  );
});
