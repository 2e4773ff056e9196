import { compareNewestFirst } from '../core/rules';
import type { FeedIndex, Member, WindowItem } from './state';

/**
 * Which members a feed shows, decided on its index alone: pure, no I/O. A feed shows its
 * newest `size` members, newest first, equal times ordered by id, then key: the order
 * `feedgen build` uses (shared/site.ts compareNewestFirst).
 */

/** Members kept beyond the window, to refill it without a scan. */
export const TAIL_FACTOR = 4;

/** The build's order (one rule, one home): a member's key is its article's source. */
export function compareMembers(a: Member, b: Member): number {
  return compareNewestFirst({ ...a, source: a.key }, { ...b, source: b.key });
}

/** A member on its way into the window: rendered already, or to be rendered. */
export type Slot = Member & { readonly item?: WindowItem };

export interface IndexChange {
  /** Keys that leave the feed, or change (they come back in `additions`). */
  readonly removals: ReadonlySet<string>;
  /** Members that join the feed, or join again after a change. */
  readonly additions: readonly Slot[];
  /** Members in all, after the change. */
  readonly count: number;
}

export interface Placed {
  /** Newest first; items without `item` must be rendered before the index is written. */
  readonly window: readonly Slot[];
  readonly tail: readonly Member[];
  readonly complete: boolean;
  readonly count: number;
  /** The window cannot be filled from the index: the directory must be scanned for members. */
  readonly needsScan: boolean;
}

/** Applies removals and additions to an index and cuts it into window and tail again. */
export function placeMembers(index: FeedIndex, change: IndexChange, size: number): Placed {
  const horizon = index.tail.at(-1) ?? index.window.at(-1);
  const known: Slot[] = [
    ...index.window.map((item) => ({ key: item.key, published: item.published, id: item.id, item })),
    ...index.tail,
  ].filter((member) => !change.removals.has(member.key));
  for (const member of change.additions) {
    // Below the horizon of an incomplete index the members are not known in order: such a
    // member is left to a scan, like the others there.
    if (index.complete || (horizon !== undefined && compareMembers(member, horizon) < 0)) known.push(member);
  }
  return cut(known, index.complete, change.count, size);
}

/** Places every member of a feed, as a directory scan found them. */
export function placeAll(members: readonly Slot[], size: number): Placed {
  return cut([...members], true, members.length, size);
}

function cut(known: Slot[], complete: boolean, count: number, size: number): Placed {
  known.sort(compareMembers);
  const keep = size * (TAIL_FACTOR + 1);
  const trimmed = known.length > keep;
  const kept = trimmed ? known.slice(0, keep) : known;
  const window = kept.slice(0, size);
  const tail = kept.slice(size).map(({ key, published, id }) => ({ key, published, id }));
  const stillComplete = complete && !trimmed;
  return {
    window,
    tail,
    complete: stillComplete,
    count,
    needsScan: !stillComplete && window.length < Math.min(size, count),
  };
}
