/**
 * Request and token rate limits for LLM calls (`--rpm`, `--tpm`): a sliding 60-second window over
 * the requests started, granted first come, first served. The clock is injected so tests run
 * without real time passing.
 */
import { InternalError, TidepoolError } from '../errors.js';

/** Rate limits; an absent field is no limit. */
export interface RateLimits {
  /** Requests per minute: most requests started in any 60-second window. */
  rpm?: number;
  /** Tokens (prompt + completion) per minute, counted against the requests started in the window. */
  tpm?: number;
}

/** Time source and timer, injected so tests can drive time by hand. */
export interface Clock {
  /** Monotonic time in milliseconds. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with the signal's reason if `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `performance.now` and `setTimeout`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: async (ms, signal) => {
    signal?.throwIfAborted();
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    });
    signal?.throwIfAborted();
  },
};

/** A granted start; see {@link RateLimiter.acquire}. */
export interface Grant {
  /**
   * Replaces the estimate by the actual usage (may be 0 for a failed request), so the token window
   * counts what was really spent. Calling it again replaces the previous value.
   */
  settle(actualTokens: number): void;
}

/** The window the limits apply to: one minute. */
const WINDOW_MS = 60_000;

/** One request started inside the window; `tokens` is the estimate until settled. */
interface Start {
  time: number;
  tokens: number;
  inWindow: boolean;
}

/** How a wait ended: granted, left (its signal aborted) or failed (the clock threw). */
type Outcome = { grant: Grant } | { left: true } | { error: unknown };

interface Waiter {
  tokens: number;
  finish: (outcome: Outcome) => void;
}

const NO_OP_GRANT: Grant = { settle: () => undefined };

/**
 * Admits requests under {@link RateLimits}. A request may start when fewer than `rpm` requests
 * started in the last 60 s and the tokens counted for those plus its estimate fit in `tpm`. A
 * request estimated above `tpm` is counted as exactly `tpm`, so it starts once the window holds no
 * tokens instead of waiting forever. Waiters are served strictly in arrival order: a big request at
 * the head holds back later small ones rather than being starved by them.
 */
export class RateLimiter {
  readonly #rpm: number | undefined;
  readonly #tpm: number | undefined;
  readonly #clock: Clock;
  /** Starts in the window, oldest first. */
  readonly #starts: Start[] = [];
  #tokensInWindow = 0;
  readonly #queue: Waiter[] = [];
  #driving = false;
  /** Aborting it wakes the driver early (the head left, or a settle freed tokens). */
  #wake: AbortController | undefined;

  /**
   * @param limits `rpm` a positive integer, `tpm` a positive number; either may be absent.
   * @param clock time source. @default systemClock
   */
  constructor(limits: RateLimits, clock: Clock = systemClock) {
    const problems: string[] = [];
    if (limits.rpm !== undefined && !(Number.isInteger(limits.rpm) && limits.rpm > 0)) {
      problems.push(`--rpm must be a positive whole number of requests per minute, found ${String(limits.rpm)}`);
    }
    if (limits.tpm !== undefined && !(Number.isFinite(limits.tpm) && limits.tpm > 0)) {
      problems.push(`--tpm must be a positive number of tokens per minute, found ${String(limits.tpm)}`);
    }
    if (problems.length > 0) {
      throw new TidepoolError('E_USAGE', `Invalid rate limit: ${problems.join('; ')}. Fix the flag or leave it out for no limit.`, { limits });
    }
    this.#rpm = limits.rpm;
    this.#tpm = limits.tpm;
    this.#clock = clock;
  }

  /**
   * Resolves when a request estimated at `tokens` (prompt + completion) may start, and records the
   * start with that estimate; settle the returned {@link Grant} with the actual usage when the
   * response arrives. Rejects with the signal's reason if `signal` aborts while waiting, giving up
   * its place. With no limits it resolves at once and sets no timers.
   */
  async acquire(tokens: number, signal?: AbortSignal): Promise<Grant> {
    if (!(Number.isFinite(tokens) && tokens >= 0)) {
      throw new InternalError(`RateLimiter.acquire: token estimate must be a non-negative number, got ${String(tokens)}`);
    }
    signal?.throwIfAborted();
    if (this.#rpm === undefined && this.#tpm === undefined) return NO_OP_GRANT;

    let finish: (outcome: Outcome) => void = () => undefined;
    const outcome = new Promise<Outcome>((resolve) => {
      finish = resolve;
    });
    const waiter: Waiter = { tokens, finish };
    const onAbort = (): void => {
      this.#leave(waiter);
      finish({ left: true });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#queue.push(waiter);
    this.#drive();
    const result = await outcome;
    signal?.removeEventListener('abort', onAbort);
    if ('grant' in result) return result.grant;
    if ('error' in result) throw result.error;
    throw signal?.reason;
  }

  /** Removes an aborted waiter; wakes the driver when it was the one being waited for. */
  #leave(waiter: Waiter): void {
    const index = this.#queue.indexOf(waiter);
    if (index < 0) return;
    this.#queue.splice(index, 1);
    if (index === 0) this.#wake?.abort();
  }

  #drive(): void {
    if (this.#driving) return;
    this.#driving = true;
    void this.#serve();
  }

  /** Grants the head of the queue whenever it fits, sleeping until the window makes room. */
  async #serve(): Promise<void> {
    try {
      for (;;) {
        const head = this.#queue[0];
        if (head === undefined) return;
        const now = this.#clock.now();
        this.#expire(now);
        const wait = this.#waitFor(head.tokens, now);
        if (wait <= 0) {
          this.#queue.shift();
          head.finish({ grant: this.#record(now, head.tokens) });
          continue;
        }
        const wake = new AbortController();
        this.#wake = wake;
        try {
          await this.#clock.sleep(wait, wake.signal);
        } catch (error) {
          if (!wake.signal.aborted) throw error;
        } finally {
          this.#wake = undefined;
        }
      }
    } catch (error) {
      // Only a broken injected clock gets here: fail every waiter rather than leave them hanging.
      for (const waiter of this.#queue.splice(0)) waiter.finish({ error });
    } finally {
      // Cleared in the same tick the queue is seen empty, so a new acquire always restarts serving.
      this.#driving = false;
    }
  }

  /** Drops starts older than the window. */
  #expire(now: number): void {
    while (this.#starts.length > 0 && this.#starts[0]!.time + WINDOW_MS <= now) {
      const start = this.#starts.shift()!;
      start.inWindow = false;
      this.#tokensInWindow -= start.tokens;
    }
    if (this.#starts.length === 0) this.#tokensInWindow = 0; // no float drift once empty
  }

  /** Milliseconds until a request of `tokens` fits (0 or less: it fits now). */
  #waitFor(tokens: number, now: number): number {
    let until = now;
    const starts = this.#starts;
    if (this.#rpm !== undefined && starts.length >= this.#rpm) {
      // Once this start leaves the window, fewer than rpm remain.
      until = Math.max(until, starts[starts.length - this.#rpm]!.time + WINDOW_MS);
    }
    if (this.#tpm !== undefined) {
      const needed = Math.min(tokens, this.#tpm);
      let used = this.#tokensInWindow;
      for (let i = 0; i < starts.length && used + needed > this.#tpm; i++) {
        used -= starts[i]!.tokens;
        until = Math.max(until, starts[i]!.time + WINDOW_MS);
      }
    }
    return until - now;
  }

  #record(now: number, tokens: number): Grant {
    const start: Start = { time: now, tokens, inWindow: true };
    this.#starts.push(start);
    this.#tokensInWindow += tokens;
    return {
      settle: (actualTokens: number): void => {
        if (!(Number.isFinite(actualTokens) && actualTokens >= 0)) {
          throw new InternalError(`Grant.settle: actual tokens must be a non-negative number, got ${String(actualTokens)}`);
        }
        const change = actualTokens - start.tokens;
        start.tokens = actualTokens;
        if (!start.inWindow) return;
        this.#tokensInWindow += change;
        if (change < 0) this.#wake?.abort();
      },
    };
  }
}
