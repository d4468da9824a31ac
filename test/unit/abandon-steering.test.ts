import { describe, expect, it } from 'vitest';
import type { AbandonCounts, AbandonRates } from '../../src/pacing/abandon-ledger.js';
import { AbandonSteering } from '../../src/pacing/abandon-steering.js';
import { parsePacingSettings } from '../../src/pacing/settings.js';

const settings = parsePacingSettings({ mode: 'predictive', abandonTarget: 0.03 });

describe('steering by the abandons counted', () => {
  const rates = (since: AbandonCounts, lastHourLive: number): AbandonRates => ({
    window: since,
    lastHour: { liveAnswers: lastHourLive, abandoned: 0, machineHangups: 0 },
    lastMinute: { liveAnswers: 0, abandoned: 0, machineHangups: 0 },
    liveAnswersLast15Min: 0,
    sinceStart: since,
  });

  /** The ratio after `abandons` abandons among `live` live answers, counted one minute at a time, with `lastHourLive` an hour. */
  function after(live: number, abandons: number, lastHourLive: number, start: AbandonCounts = { liveAnswers: 0, abandoned: 0, machineHangups: 0 }): number {
    const steering = new AbandonSteering();
    let ratio = steering.ratio(settings, rates(start, lastHourLive));
    for (let minute = 1; minute <= 10; minute++) {
      const since = { liveAnswers: start.liveAnswers + (live * minute) / 10, abandoned: start.abandoned + (abandons * minute) / 10, machineHangups: 0 };
      ratio = steering.ratio(settings, rates(since, lastHourLive), true);
    }
    return ratio;
  }

  it("tightens faster on a young campaign's first abandons than on the same abandons late in a long shift", () => {
    // A 100-agent floor: 2,500 live answers an hour. 450 live answers with 15 abandons (3.3%, over the target).
    const young = after(450, 15, 2500);
    const late = after(450, 15, 2500, { liveAnswers: 20_000, abandoned: 510, machineHangups: 0 });
    expect(young).toBeLessThan(late);
    expect(young / late).toBeLessThan(0.8);
  });
});
