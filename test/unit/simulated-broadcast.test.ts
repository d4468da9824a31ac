import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/domain/time.js';
import { peakPerSecond, runBroadcast } from '../../src/simulator/run-broadcast.js';

describe('a simulated broadcast', () => {
  it('dials every lead, never above the trunk lines nor its calls per second, and gives each an outcome', () => {
    const r = runBroadcast({ leads: 2000, maxLines: 30, maxCallsPerSecond: 5 });
    expect(r.dials).toBe(2000);
    expect(r.peakLines).toBeLessThanOrEqual(30);
    expect(r.peakCallsPerSecond).toBeLessThanOrEqual(5);
    expect(Object.values(r.outcomes).reduce((a, b) => a + b, 0)).toBe(2000);
    expect(r.outcomes).toMatchObject({ heard: expect.any(Number), 'partly-heard': expect.any(Number), 'machine-message-left': expect.any(Number), transferred: expect.any(Number), 'opted-out': r.optOuts });
    expect(r.callbacksScheduled).toBeGreaterThan(0);
  });

  it('spreads the list over a target end time it can meet, on fewer lines', () => {
    const asFast = runBroadcast({ leads: 2000, maxLines: 30, maxCallsPerSecond: 5 });
    const spread = runBroadcast({ leads: 2000, maxLines: 30, maxCallsPerSecond: 5, targetAfterMs: 2 * HOUR });
    expect(spread.projection.onTime).toBe(true);
    expect(spread.lastDialMs).toBeLessThan(2 * HOUR);
    // Calls still in progress at the target are agents' conversations after key 1.
    expect(spread.simulatedMs).toBeLessThan(2 * HOUR + 5 * MINUTE);
    expect(spread.simulatedMs).toBeGreaterThan(asFast.simulatedMs);
    expect(spread.peakLines).toBeLessThan(asFast.peakLines);
  });

  it('hangs up on machines when the campaign says so, rather than leaving the message', () => {
    const r = runBroadcast({ leads: 500, maxLines: 30, maxCallsPerSecond: 5, machinePolicy: 'hangup' });
    expect(r.outcomes['machine-hung-up']).toBeGreaterThan(0);
    expect(r.outcomes['machine-message-left']).toBeUndefined();
  });

  it('counts calls per second over any one-second window', () => {
    expect(peakPerSecond([0, 100, 999, 1000, 1500, 1999, 2000])).toBe(3);
  });
});
