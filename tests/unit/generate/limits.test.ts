import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter, systemClock, type Clock, type Grant } from '../../../src/generate/limits.js';

const MINUTE = 60_000;

/** Lets every pending promise callback run (setImmediate fires after the microtask queue drains). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A clock whose time moves only when the test advances it. */
class FakeClock implements Clock {
  #now = 0;
  readonly #sleepers = new Set<{ until: number; wake: () => void }>();

  now(): number {
    return this.#now;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    await new Promise<void>((resolve) => {
      const sleeper = { until: this.#now + ms, wake: (): void => undefined };
      sleeper.wake = () => {
        this.#sleepers.delete(sleeper);
        signal?.removeEventListener('abort', sleeper.wake);
        resolve();
      };
      this.#sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.wake, { once: true });
    });
    signal?.throwIfAborted();
  }

  /** Sleeps not yet woken. */
  get pendingSleeps(): number {
    return this.#sleepers.size;
  }

  /** Moves time to `time`, waking sleepers in order of their deadlines and letting each react. */
  async advanceTo(time: number): Promise<void> {
    await flush();
    for (;;) {
      const due = [...this.#sleepers].filter((s) => s.until <= time).sort((a, b) => a.until - b.until)[0];
      if (due === undefined) break;
      this.#now = Math.max(this.#now, due.until);
      due.wake();
      await flush();
    }
    this.#now = Math.max(this.#now, time);
    await flush();
  }
}

/** Starts `acquire` and records when (fake time) it was granted or rejected. */
function track(clock: FakeClock, promise: Promise<Grant>) {
  const state: { grantedAt?: number; grant?: Grant; error?: unknown } = {};
  promise.then(
    (grant) => {
      state.grantedAt = clock.now();
      state.grant = grant;
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return state;
}

/** The error `action` throws (fails the test when it throws nothing). */
function thrown(action: () => unknown): { code?: unknown; message: string } {
  try {
    action();
  } catch (error) {
    return error as { code?: unknown; message: string };
  }
  throw new Error('expected an error, none was thrown');
}

describe('RateLimiter: requests per minute', () => {
  it('rpm=3 lets 3 start at once and the 4th at t=60 s', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rpm: 3 }, clock);
    const requests = [1, 2, 3, 4].map(() => track(clock, limiter.acquire(10)));
    await clock.advanceTo(0);
    expect(requests.map((r) => r.grantedAt)).toEqual([0, 0, 0, undefined]);
    await clock.advanceTo(MINUTE - 1);
    expect(requests[3]!.grantedAt).toBeUndefined();
    await clock.advanceTo(MINUTE);
    expect(requests[3]!.grantedAt).toBe(MINUTE);
    expect(clock.pendingSleeps).toBe(0);
  });

  it('the window slides: each start frees its place exactly 60 s later', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rpm: 2 }, clock);
    const first = track(clock, limiter.acquire(0));
    await clock.advanceTo(10_000);
    const second = track(clock, limiter.acquire(0));
    const third = track(clock, limiter.acquire(0));
    const fourth = track(clock, limiter.acquire(0));
    await clock.advanceTo(200_000);
    expect([first, second, third, fourth].map((r) => r.grantedAt)).toEqual([0, 10_000, MINUTE, 70_000]);
  });
});

describe('RateLimiter: tokens per minute', () => {
  it('counts estimates until settled; settle() lowering frees room at once, raising uses more', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ tpm: 1000 }, clock);
    const a = track(clock, limiter.acquire(600));
    const b = track(clock, limiter.acquire(600));
    await clock.advanceTo(0);
    expect(a.grantedAt).toBe(0);
    expect(b.grantedAt).toBeUndefined(); // 600 + 600 > 1000

    a.grant!.settle(300); // 300 + 600 <= 1000: b starts without waiting for the window
    await clock.advanceTo(0);
    expect(b.grantedAt).toBe(0);

    await clock.advanceTo(10_000);
    b.grant!.settle(700); // window now holds 300 + 700 = 1000
    const c = track(clock, limiter.acquire(100));
    await clock.advanceTo(MINUTE - 1);
    expect(c.grantedAt).toBeUndefined();
    await clock.advanceTo(MINUTE); // a's 300 leave the window: 700 + 100 fits
    expect(c.grantedAt).toBe(MINUTE);
  });

  it('a request larger than tpm starts once the window holds no tokens (never deadlocks)', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ tpm: 1000 }, clock);
    const big = track(clock, limiter.acquire(5000));
    const small = track(clock, limiter.acquire(10));
    const bigAgain = track(clock, limiter.acquire(5000));
    await clock.advanceTo(300_000);
    expect([big.grantedAt, small.grantedAt, bigAgain.grantedAt]).toEqual([0, MINUTE, 2 * MINUTE]);
  });

  it('failed requests settled at 0 tokens leave room even for an oversized request', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ tpm: 1000 }, clock);
    const failed = await limiter.acquire(900);
    failed.settle(0);
    const big = track(clock, limiter.acquire(5000));
    await clock.advanceTo(0);
    expect(big.grantedAt).toBe(0);
  });

  it('rpm and tpm together: the later of the two frees the start', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rpm: 10, tpm: 1000 }, clock);
    const a = track(clock, limiter.acquire(500));
    await clock.advanceTo(30_000);
    const b = track(clock, limiter.acquire(500));
    const c = track(clock, limiter.acquire(500));
    await clock.advanceTo(200_000);
    expect([a.grantedAt, b.grantedAt, c.grantedAt]).toEqual([0, 30_000, MINUTE]);
  });
});

describe('RateLimiter: fairness and aborts', () => {
  it('grants in arrival order: a waiting big request is not overtaken by a later small one', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ tpm: 1000 }, clock);
    const order: string[] = [];
    const grantedAt = (name: string, tokens: number) =>
      limiter.acquire(tokens).then(() => {
        order.push(`${name}@${clock.now()}`);
      });
    void grantedAt('first', 800);
    void grantedAt('big', 800);
    void grantedAt('small', 100); // would fit now (800 + 100), but waits behind big
    await clock.advanceTo(MINUTE - 1);
    expect(order).toEqual(['first@0']);
    await clock.advanceTo(MINUTE);
    expect(order).toEqual(['first@0', `big@${MINUTE}`, `small@${MINUTE}`]);
  });

  it('abort while waiting rejects with the signal reason and frees its place', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rpm: 1 }, clock);
    const first = track(clock, limiter.acquire(1));
    const head = new AbortController();
    const middle = new AbortController();
    const aborted = track(clock, limiter.acquire(1, head.signal));
    const alsoAborted = track(clock, limiter.acquire(1, middle.signal));
    const last = track(clock, limiter.acquire(1));
    await clock.advanceTo(1000);
    const reason = new Error('stopped by the test');
    middle.abort(reason); // not at the head: just leaves the queue
    head.abort(); // at the head: the limiter stops waiting for it
    await clock.advanceTo(1000);
    expect(alsoAborted.error).toBe(reason);
    expect((aborted.error as Error).name).toBe('AbortError');
    expect(first.grantedAt).toBe(0);
    await clock.advanceTo(3 * MINUTE);
    expect(last.grantedAt).toBe(MINUTE); // next in line once the aborted ones left
    expect(aborted.grantedAt).toBeUndefined();
    expect(clock.pendingSleeps).toBe(0);
  });

  it('an already-aborted signal rejects at once and takes no place', async () => {
    const clock = new FakeClock();
    const limiter = new RateLimiter({ rpm: 1 }, clock);
    const reason = new Error('already gone');
    await expect(limiter.acquire(1, AbortSignal.abort(reason))).rejects.toBe(reason);
    const next = track(clock, limiter.acquire(1));
    await clock.advanceTo(0);
    expect(next.grantedAt).toBe(0);
  });
});

describe('RateLimiter: no limits and validation', () => {
  it('with no limits resolves at once without touching the clock', async () => {
    const untouchable: Clock = {
      now: () => {
        throw new Error('now() called');
      },
      sleep: () => Promise.reject(new Error('sleep() called')),
    };
    const limiter = new RateLimiter({}, untouchable);
    const grants = await Promise.all(Array.from({ length: 1000 }, () => limiter.acquire(1_000_000)));
    expect(grants).toHaveLength(1000);
    grants[0]!.settle(5); // harmless
  });

  it('rejects bad limits with E_USAGE naming every bad flag', () => {
    const error = thrown(() => new RateLimiter({ rpm: 0, tpm: -5 }));
    expect(error.code).toBe('E_USAGE');
    expect(error.message).toMatch(/--rpm .* found 0; --tpm .* found -5/);
    expect(thrown(() => new RateLimiter({ rpm: 1.5 })).code).toBe('E_USAGE');
    expect(thrown(() => new RateLimiter({ tpm: Number.NaN })).code).toBe('E_USAGE');
  });

  it('a negative estimate or settle is a bug (E_INTERNAL)', async () => {
    const limiter = new RateLimiter({ rpm: 5 }, new FakeClock());
    await expect(limiter.acquire(-1)).rejects.toMatchObject({ code: 'E_INTERNAL' });
    const grant = await limiter.acquire(1);
    expect(thrown(() => {
      grant.settle(Number.NaN);
    }).code).toBe('E_INTERNAL');
  });

  it('a clock that throws fails the waiters instead of leaving them hanging', async () => {
    const broken: Clock = { now: () => 0, sleep: () => Promise.reject(new Error('clock broke')) };
    const limiter = new RateLimiter({ rpm: 1 }, broken);
    await limiter.acquire(1);
    await expect(limiter.acquire(1)).rejects.toThrow('clock broke');
  });
});

describe('systemClock', () => {
  it('sleeps, and rejects with the reason when aborted', async () => {
    const started = systemClock.now();
    await systemClock.sleep(5);
    expect(systemClock.now() - started).toBeGreaterThanOrEqual(4);

    const controller = new AbortController();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    const reason = new Error('cancelled');
    controller.abort(reason);
    await expect(sleeping).rejects.toBe(reason);
    await expect(systemClock.sleep(1, AbortSignal.abort(reason))).rejects.toBe(reason);
  });
});

interface SimRequest {
  gap: number;
  tokens: number;
  actual: number;
  abortAfter: number | undefined;
}

/** Replays arrivals (and aborts) on a fake clock; returns each request's grant time or rejection. */
async function simulate(limiter: RateLimiter, clock: FakeClock, requests: readonly SimRequest[], settle: boolean) {
  const outcomes = requests.map(() => ({ arrival: 0, grantedAt: undefined as number | undefined, grantSeq: -1, rejected: false, abortAt: undefined as number | undefined }));
  const events: { time: number; seq: number; run: () => void }[] = [];
  let grantSeq = 0;
  let time = 0;
  requests.forEach((request, index) => {
    time += request.gap;
    const outcome = outcomes[index]!;
    outcome.arrival = time;
    const controller = new AbortController();
    events.push({
      time,
      seq: events.length,
      run: () => {
        limiter.acquire(request.tokens, controller.signal).then(
          (grant) => {
            outcome.grantedAt = clock.now();
            outcome.grantSeq = grantSeq++;
            if (settle) grant.settle(request.actual);
          },
          () => {
            outcome.rejected = true;
          },
        );
      },
    });
    if (request.abortAfter !== undefined) {
      outcome.abortAt = time + request.abortAfter;
      events.push({ time: outcome.abortAt, seq: events.length, run: () => { controller.abort(); } });
    }
  });
  events.sort((a, b) => a.time - b.time || a.seq - b.seq);
  for (const event of events) {
    await clock.advanceTo(event.time);
    event.run();
  }
  await clock.advanceTo(time + (requests.length + 2) * MINUTE);
  return outcomes;
}

const simRequest = (withAborts: boolean) =>
  fc.record({
    gap: fc.integer({ min: 0, max: 40_000 }),
    tokens: fc.integer({ min: 0, max: 3000 }),
    actual: fc.integer({ min: 0, max: 3000 }),
    abortAfter: withAborts ? fc.option(fc.integer({ min: 0, max: 150_000 }), { nil: undefined }) : fc.constant(undefined),
  });

describe('RateLimiter properties', () => {
  it('in any 60-s window at most rpm requests start; starts are FIFO; every request ends', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.option(fc.integer({ min: 100, max: 4000 }), { nil: undefined }),
        fc.array(simRequest(true), { minLength: 1, maxLength: 20 }),
        async (rpm, tpm, requests) => {
          const clock = new FakeClock();
          const limiter = new RateLimiter(tpm === undefined ? { rpm } : { rpm, tpm }, clock);
          const outcomes = await simulate(limiter, clock, requests, true);
          const granted = outcomes.filter((o) => o.grantedAt !== undefined);
          for (const outcome of outcomes) {
            expect(outcome.rejected).toBe(outcome.grantedAt === undefined); // each ended one way
            if (outcome.rejected) expect(outcome.abortAt).toBeDefined();
          }
          for (const start of granted) {
            const inWindow = granted.filter((o) => o.grantedAt! >= start.grantedAt! && o.grantedAt! < start.grantedAt! + MINUTE);
            expect(inWindow.length).toBeLessThanOrEqual(rpm);
            expect(start.grantedAt!).toBeGreaterThanOrEqual(start.arrival);
          }
          granted.forEach((outcome, i) => {
            if (i > 0) {
              expect(outcome.grantSeq).toBeGreaterThan(granted[i - 1]!.grantSeq);
              expect(outcome.grantedAt!).toBeGreaterThanOrEqual(granted[i - 1]!.grantedAt!);
            }
          });
          expect(clock.pendingSleeps).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('with estimates only, tokens started in any 60-s window fit in tpm (an oversized one alone)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 100, max: 4000 }), fc.array(simRequest(false), { minLength: 1, maxLength: 20 }), async (tpm, requests) => {
        const clock = new FakeClock();
        const limiter = new RateLimiter({ tpm }, clock);
        const outcomes = await simulate(limiter, clock, requests, false);
        const starts = outcomes.map((o, i) => ({ ...o, tokens: requests[i]!.tokens }));
        for (const start of starts) {
          expect(start.grantedAt).toBeDefined();
          const before = starts.filter((o) => o.grantSeq < start.grantSeq && o.grantedAt! > start.grantedAt! - MINUTE);
          const used = before.reduce((sum, o) => sum + o.tokens, 0);
          expect(used + Math.min(start.tokens, tpm)).toBeLessThanOrEqual(tpm);
        }
      }),
      { numRuns: 150 },
    );
  });
});
