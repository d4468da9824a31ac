import { describe, expect, it } from 'vitest';
import { TrunkLimiter } from '../../src/engine/trunk-limiter.js';
import { peakPerSecond } from '../../src/simulator/run-broadcast.js';

/** Starts every call the limiter allows, asking every `everyMs` for `forMs`; returns the start times. */
function startAll(limiter: TrunkLimiter, everyMs: number, forMs: number): number[] {
  const starts: number[] = [];
  for (let now = 0; now < forMs; now += everyMs) {
    for (let n = limiter.callsAllowedNow(now); n > 0; n--) {
      limiter.seize(now);
      limiter.release();
      starts.push(now);
    }
  }
  return starts;
}

describe('the trunk limiter', () => {
  it('never lets more calls start within any one second than the trunk allows, however often it is asked', () => {
    for (const everyMs of [1, 50, 200, 333, 1000]) {
      const starts = startAll(new TrunkLimiter({ id: 't', maxLines: 1000, maxCallsPerSecond: 20 }), everyMs, 60_000);
      expect(peakPerSecond(starts)).toBe(20);
    }
  });

  it("lets the trunk's full rate through when asked often", () => {
    const starts = startAll(new TrunkLimiter({ id: 't', maxLines: 1000, maxCallsPerSecond: 20 }), 10, 60_000);
    expect(starts).toHaveLength(20 * 60);
  });

  it('spaces calls below one a second, and rounds a fractional rate down', () => {
    expect(startAll(new TrunkLimiter({ id: 't', maxLines: 10, maxCallsPerSecond: 0.5 }), 100, 10_000)).toEqual([0, 2000, 4000, 6000, 8000]);
    expect(peakPerSecond(startAll(new TrunkLimiter({ id: 't', maxLines: 10, maxCallsPerSecond: 2.5 }), 10, 10_000))).toBe(2);
  });

  it('counts lines in use', () => {
    const limiter = new TrunkLimiter({ id: 't', maxLines: 2, maxCallsPerSecond: 10 });
    limiter.seize(0);
    limiter.seize(0);
    expect(limiter.linesFree()).toBe(0);
    limiter.release();
    expect(limiter.linesFree()).toBe(1);
  });
});
