import { MANIFEST_KEY } from '../../../shared/publishing/layout';
import type { Random } from './random';
import { type Fault, type FaultPolicy, type GatewayRequest, PASS } from './s3-gateway';

export const FAKE_412: Fault = { kind: 'error', status: 412, code: 'PreconditionFailed' };
export const isManifestWrite = (request: GatewayRequest): boolean =>
  request.method === 'PUT' && request.key === MANIFEST_KEY;

/**
 * Seeded faults for every request but the editors' own uploads: bursts of 500 and 503
 * SlowDown, answers withheld until the client times out (the request applied or not),
 * dropped connections (applied or not), fake 412s on conditional writes; an outage (every
 * request 500) for a number of requests; and faults forced on the next request a test names.
 */
export class FaultPlan {
  #burst: { fault: Fault; left: number } | undefined;
  #outage = 0;
  readonly #forced: Array<{ when: (request: GatewayRequest) => boolean; fault: Fault }> = [];
  random = false;
  constructor(
    private readonly rng: Random,
    /** Requests the plan never faults: the editors' own uploads. */
    private readonly exempt: (request: GatewayRequest) => boolean,
  ) {}

  /** The next `requests` requests answer 500 (Infinity: until {@link endOutage}). */
  outage(requests: number): void {
    this.#outage = requests;
  }
  endOutage(): void {
    this.#outage = 0;
  }
  /** The first request `when` accepts gets `fault`. */
  force(fault: Fault, when: (request: GatewayRequest) => boolean = () => true): void {
    this.#forced.push({ when, fault });
  }

  readonly policy: FaultPolicy = (request) => {
    if (this.exempt(request)) return PASS;
    const forced = this.#forced.findIndex((entry) => entry.when(request));
    if (forced >= 0) return this.#forced.splice(forced, 1)[0]?.fault ?? PASS;
    if (this.#outage > 0) {
      this.#outage--;
      return { kind: 'error', status: 500, code: 'InternalError' };
    }
    if (!this.random) return PASS;
    if (this.#burst) {
      const { fault } = this.#burst;
      if (--this.#burst.left <= 0) this.#burst = undefined;
      return fault;
    }
    const r = this.rng.next();
    if (r < 0.012) return this.#startBurst({ kind: 'error', status: 500, code: 'InternalError' }, 2, 5);
    if (r < 0.024) return this.#startBurst({ kind: 'error', status: 503, code: 'SlowDown' }, 2, 6);
    if (r < 0.026) return { kind: 'hang' };
    if (r < 0.028) return { kind: 'hang-after' };
    if (r < 0.037) return { kind: 'reset' };
    if (r < 0.043) return { kind: 'reset-after' };
    if (request.conditional && r < 0.093) return { kind: 'error', status: 412, code: 'PreconditionFailed' };
    return PASS;
  };

  #startBurst(fault: Fault, min: number, max: number): Fault {
    this.#burst = { fault, left: this.rng.int(min, max) - 1 };
    return fault;
  }
}
