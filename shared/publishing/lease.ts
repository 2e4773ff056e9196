import { randomBytes } from 'node:crypto';
import type { Manifest, StateStore } from './state';

/**
 * One active writer at a time. SQS's maxConcurrency cannot go below 2, and two writers
 * fenced by the manifest's If-Match alone keep undoing each other's work under sustained
 * load (each commit makes the other's attempt fail; measured: batches gave up after six
 * attempts at 100 uploads/s). So a writer that lost once (412 on its commit), and a
 * rebuild, take the lease before trying again — one conditional PUT of the manifest naming
 * the writer — and a writer that finds the lease taken waits for the holder's commit
 * instead of racing it. The commit clears the lease. A lone writer never pays for it.
 *
 * The lease holds no clock time: a waiter gives up on a holder when the manifest has not
 * changed for the lease's duration of its own waiting, so clock skew between Lambdas does
 * not matter. If-Match on the manifest stays the fence: a holder that was given up on
 * cannot commit over the writer that took over.
 */
export interface Lease {
  readonly holder: string;
  /** How long a waiter waits on an unchanged manifest before taking over. */
  readonly ms: number;
  /** When it was taken (the holder's clock): past `at + ms` any writer may take over. */
  readonly at: number;
}

export const LEASE_MS = 15_000;
/** A rebuild reads the whole bucket: waiters give up on it only after this long. */
export const REBUILD_LEASE_MS = 15 * 60_000;
export const LEASE_POLL_MS = 250;

/** The writer could not get its turn in time: the batch goes back to the queue. */
export class LeaseBusy extends Error {
  constructor(holder: string, waitedMs: number) {
    super(
      `another writer (${holder}) held the site for ${Math.round(waitedMs)} ms; the batch goes back to the queue`,
    );
    this.name = 'LeaseBusy';
  }
}

export function newHolder(): string {
  return randomBytes(6).toString('hex');
}

/**
 * The newest manifest once no other writer holds the lease (or its holder is given up on),
 * waiting at most `maxWaitMs` of polls.
 */
export async function awaitTurn(
  state: StateStore,
  holder: string,
  sleep: (ms: number) => Promise<void>,
  maxWaitMs: number,
  clock: () => number,
): Promise<{ etag: string | undefined; value: Manifest }> {
  let current = await state.manifest();
  let unchangedMs = 0;
  // Waited on this holder: turns passing from holder to holder are progress, and a waiter
  // (one, at the deployed concurrency of two) gets its turn among them; one holder keeping
  // the site (a rebuild) is what sends the batch back to the queue.
  let heldMs = 0;
  const started = performance.now();
  for (;;) {
    const lease = current.value.lease;
    // Given up on: unchanged for the lease's whole time while we watched; or, for a lease
    // longer than we may wait (a rebuild's), past its time by the clocks, so a rebuild that
    // died does not stop the site for good. A batch's lease is only ever judged by watching:
    // a slow holder is not taken over by a clock that runs ahead.
    const expired = lease !== undefined && lease.ms > maxWaitMs && clock() >= lease.at + lease.ms;
    if (!lease || lease.holder === holder || unchangedMs >= lease.ms || expired) return current;
    // And never past the function's own time: real milliseconds, not polls.
    const realMs = performance.now() - started;
    if (heldMs >= maxWaitMs || realMs >= maxWaitMs)
      throw new LeaseBusy(lease.holder, Math.max(heldMs, realMs));
    await sleep(LEASE_POLL_MS);
    const next = await state.manifest();
    unchangedMs = next.etag === current.etag ? unchangedMs + LEASE_POLL_MS : 0;
    heldMs = next.value.lease?.holder === lease.holder ? heldMs + LEASE_POLL_MS : 0;
    current = next;
  }
}

/** Takes the lease on the manifest read (If-Match): returns the ETag the commit must match. */
export async function takeLease(
  state: StateStore,
  manifest: Manifest,
  etag: string | undefined,
  lease: Lease,
): Promise<string> {
  return state.commit({ ...manifest, lease }, etag);
}

/** Gives the turn back without committing; if the manifest moved on, there is nothing to give. */
export async function releaseLease(state: StateStore, manifest: Manifest, etag: string): Promise<void> {
  const { lease: _released, ...rest } = manifest;
  await state.commit(rest, etag).catch(() => {});
}
