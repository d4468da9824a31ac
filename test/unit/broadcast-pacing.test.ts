import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, SECOND } from '../../src/domain/time.js';
import { BroadcastPacer, type BroadcastSnapshot, projectFinish } from '../../src/pacing/broadcast-pacing.js';

const t0 = Date.UTC(2026, 10, 23, 9, 0);
const base: BroadcastSnapshot = {
  now: t0,
  leadsLeft: 10_000,
  linesInUse: 0,
  maxLines: 300,
  maxCallsPerSecond: 20,
  callsAllowedNow: 20,
  windowClosesAt: t0 + 12 * HOUR,
  meanLineHoldMs: 30 * SECOND,
};

describe('broadcast pacing', () => {
  it('without a target, dials as fast as lines and calls per second allow', () => {
    const pacer = new BroadcastPacer();
    expect(pacer.decide(base)).toMatchObject({ launch: 20, bound: 'calls-per-second' });
    expect(pacer.decide({ ...base, linesInUse: 295 })).toMatchObject({ launch: 5, bound: 'lines' });
    expect(pacer.decide({ ...base, leadsLeft: 3 })).toMatchObject({ launch: 3, bound: 'leads' });
    expect(pacer.decide({ ...base, linesInUse: 300 })).toMatchObject({ launch: 0, bound: 'lines' });
  });

  it('dials nothing while the calling window is closed or no lead is left', () => {
    const pacer = new BroadcastPacer();
    expect(pacer.decide({ ...base, windowClosesAt: null })).toMatchObject({ launch: 0, bound: 'window-closed' });
    expect(pacer.decide({ ...base, leadsLeft: 0 })).toMatchObject({ launch: 0, bound: 'no-leads' });
  });

  it('spreads the list over the time to the target, and ends before it', () => {
    const pacer = new BroadcastPacer();
    const target = t0 + HOUR;
    let left = 3600;
    let now = t0;
    let lastLaunchAt = t0;
    let most = 0;
    while (left > 0 && now < target) {
      const d = pacer.decide({ ...base, now, leadsLeft: left, targetEndAt: target, linesInUse: 30 });
      expect(d.finish.onTime).toBe(true);
      left -= d.launch;
      most = Math.max(most, d.launch);
      if (d.launch > 0) lastLaunchAt = now;
      now += SECOND;
    }
    expect(left).toBe(0);
    expect(most).toBeLessThanOrEqual(2);
    // Spread, not front-loaded: the last call starts in the last minutes, leaving one holding time.
    expect(lastLaunchAt).toBeGreaterThan(target - 2 * MINUTE);
    expect(lastLaunchAt).toBeLessThanOrEqual(target - base.meanLineHoldMs);
  });

  it('does not make up a pause in one burst', () => {
    const pacer = new BroadcastPacer();
    const target = t0 + HOUR;
    pacer.decide({ ...base, leadsLeft: 3600, targetEndAt: target });
    const after = pacer.decide({ ...base, now: t0 + 10 * MINUTE, leadsLeft: 3600, targetEndAt: target });
    expect(after.launch).toBeLessThanOrEqual(2);
  });

  it('says at the start when the target cannot be met, and then dials at full speed', () => {
    // 100,000 leads on 300 lines holding 30 s each: 10 calls/s, about 2 h 47 min.
    const s = { ...base, leadsLeft: 100_000, targetEndAt: t0 + HOUR };
    const finish = projectFinish(s);
    expect(finish.onTime).toBe(false);
    expect(finish.projectedEndAt).toBeGreaterThan(t0 + 2 * HOUR + 45 * MINUTE);
    expect(finish.warning).toMatch(/100000 leads at full speed \(10\.0 calls\/s: 300 lines, 20 calls\/s\) end at 2026-11-23 11:4\d UTC, but the target is 2026-11-23 10:00 UTC/);
    expect(new BroadcastPacer().decide(s)).toMatchObject({ launch: 20, bound: 'calls-per-second' });
  });

  it('names the calling window when it closes before the target', () => {
    const finish = projectFinish({ ...base, leadsLeft: 100_000, targetEndAt: t0 + 5 * HOUR, windowClosesAt: t0 + 2 * HOUR });
    expect(finish).toMatchObject({ onTime: false, deadline: t0 + 2 * HOUR });
    expect(finish.warning).toMatch(/calling window closes at 2026-11-23 11:00 UTC, before the target 2026-11-23 14:00 UTC/);
  });
});
