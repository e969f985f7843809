/**
 * Whether one endpoint of several takes requests: `live`, `out` (taken out after it failed, until its
 * back-off ends) or `trial` (its back-off ended: one request may go there, and its outcome puts the
 * endpoint back in or out again for twice as long). Pure: the clock is passed in.
 */
import type { LlmFailureKind } from '../llm.js';

/** When an endpoint is taken out, and for how long. */
export interface HealthPolicy {
  /** 5xx answers in a row (each after the client's retry) that take an endpoint out. @default 3 */
  serverErrorStreak?: number;
  /** Milliseconds out after the first failure; doubled each time it fails again before it answers. @default 1000 */
  backoffMs?: number;
  /** Most milliseconds out at once. @default 30000 */
  maxBackoffMs?: number;
}

/** One endpoint's health. */
export class EndpointHealth {
  /** Times this endpoint was taken out. */
  takenOut = 0;
  private state: 'live' | 'out' | 'trial' = 'live';
  private serverErrors = 0;
  /** Times taken out since it last answered: the back-off's exponent. */
  private outsInARow = 0;
  private outUntilMs = 0;
  private readonly streak: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(policy: HealthPolicy = {}) {
    this.streak = policy.serverErrorStreak ?? 3;
    this.backoffMs = policy.backoffMs ?? 1000;
    this.maxBackoffMs = policy.maxBackoffMs ?? 30_000;
  }

  /** Requests this endpoint may have in flight at `nowMs`: 0 while out, 1 on trial, else `concurrency`. */
  capacity(concurrency: number, nowMs: number): number {
    if (this.state === 'out' && nowMs >= this.outUntilMs) this.state = 'trial';
    return this.state === 'out' ? 0 : this.state === 'trial' ? 1 : concurrency;
  }

  /** True while taken out (its back-off has not ended at `nowMs`). */
  isOut(nowMs: number): boolean {
    return this.capacity(1, nowMs) === 0;
  }

  /** When a taken-out endpoint may be tried again (ms on the caller's clock). */
  get returnsAt(): number {
    return this.outUntilMs;
  }

  /** It answered: back in, the counts start over. */
  answered(): void {
    this.state = 'live';
    this.serverErrors = 0;
    this.outsInARow = 0;
  }

  /**
   * A request failed with `kind`; returns true when that took the endpoint out. Nothing came back
   * (`connection`: refused, reset, timed out) takes it out at once, as does any failure of the trial
   * request; 5xx answers take it out after {@link HealthPolicy.serverErrorStreak} in a row. A busy
   * (429) or unusable answer says the server is there: no change.
   */
  failed(kind: LlmFailureKind, nowMs: number): boolean {
    if (this.state === 'out') return false; // a request sent before it was taken out
    if (kind === 'busy' || kind === 'answer') return false;
    if (kind === 'server' && this.state === 'live' && ++this.serverErrors < this.streak) return false;
    this.takeOut(nowMs);
    return true;
  }

  private takeOut(nowMs: number): void {
    this.state = 'out';
    this.serverErrors = 0;
    this.takenOut++;
    this.outUntilMs = nowMs + Math.min(this.maxBackoffMs, this.backoffMs * 2 ** this.outsInARow);
    this.outsInARow++;
  }
}
