import { describe, expect, it } from 'vitest';
import { OutageWatch } from '../../../src/generate/outage.js';

describe('OutageWatch', () => {
  it('declares an outage only once enough requests in a row failed to reach the server and nothing came back for long enough', () => {
    const watch = new OutageWatch({ failures: 3, seconds: 10 }, 0);
    expect(watch.failed('connection', 'refused', 1000)).toBeUndefined();
    expect(watch.failed('connection', 'refused', 2000)).toBeUndefined();
    // Three in a row, but only 3 s without an answer.
    expect(watch.failed('server', 'server error 502', 3000)).toBeUndefined();
    expect(watch.failed('connection', 'reset', 10_500)).toEqual({ failures: 4, seconds: 10.5, last: 'reset' });
  });

  it('an answer (even an unusable or busy one) resets both the count and the clock', () => {
    const watch = new OutageWatch({ failures: 2, seconds: 5 }, 0);
    watch.failed('connection', 'refused', 1000);
    watch.answered(4000);
    expect(watch.failed('connection', 'refused', 8000)).toBeUndefined();
    expect(watch.failed('connection', 'refused', 8500)).toBeUndefined();
    expect(watch.failed('connection', 'refused', 9000)).toMatchObject({ failures: 3, seconds: 5 });
    for (const kind of ['answer', 'busy'] as const) {
      const other = new OutageWatch({ failures: 1, seconds: 1 }, 0);
      other.failed('connection', 'refused', 500);
      expect(other.failed(kind, 'too large', 5000)).toBeUndefined();
      expect(other.failed('connection', 'refused', 5500)).toBeUndefined();
      expect(other.failed('connection', 'refused', 6000)).toMatchObject({ failures: 2 });
    }
  });

  it('counts from its start when the server never answered', () => {
    const watch = new OutageWatch({ seconds: 60 }, 100_000);
    for (let i = 1; i < 8; i++) expect(watch.failed('connection', 'refused', 100_000 + i * 20_000)).toBeUndefined();
    expect(watch.failed('connection', 'refused', 260_000)).toMatchObject({ failures: 8, seconds: 160 });
  });
});
