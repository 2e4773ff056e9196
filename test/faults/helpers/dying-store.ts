import type { ObjectStore } from '../../../shared/publishing/ports';
import { interceptStore } from '../../helpers/intercept-store';

/**
 * Where a writer dies: at its `at`-th storage call (counted from 0 across every store that
 * shares the plan), either before the request is made or after it took effect with the
 * answer lost. Deterministic: the same plan kills at the same step every run.
 */
export interface KillPlan {
  readonly at: number;
  readonly afterEffect: boolean;
  calls: number;
  dead: boolean;
  /** The calls made, for messages: "PUT state/manifest.json". */
  readonly log: string[];
}

export class Killed extends Error {
  constructor(readonly step: string) {
    super(`writer killed at ${step}`);
    this.name = 'Killed';
  }
}

export function killPlan(at: number, afterEffect: boolean): KillPlan {
  return { at, afterEffect, calls: 0, dead: false, log: [] };
}

/** Counts calls only (a plan that never kills): how many steps a batch has. */
export function countingPlan(): KillPlan {
  return killPlan(Number.POSITIVE_INFINITY, false);
}

export function dyingStore(store: ObjectStore, plan: KillPlan): ObjectStore {
  const step = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
    // A dead process makes no more requests, whatever its other promises were doing.
    if (plan.dead) throw new Killed(`${label} (after death)`);
    const call = plan.calls++;
    plan.log.push(label);
    if (call !== plan.at) return run();
    plan.dead = true;
    if (plan.afterEffect) await run();
    throw new Killed(`${label} (call ${call}, ${plan.afterEffect ? 'after' : 'before'} it took effect)`);
  };
  return interceptStore(store, step);
}
