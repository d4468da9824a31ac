import { describe, expect, it } from 'vitest';
import { AbandonLedger, abandonRate } from '../../src/pacing/abandon-ledger.js';
import { HOUR, MINUTE } from '../../src/domain/time.js';

describe('AbandonLedger', () => {
  const t0 = Date.UTC(2026, 0, 13, 9);

  it('counts abandons over live answers in the regulatory window and lets old ones expire', () => {
    const ledger = new AbandonLedger(24);
    for (let i = 0; i < 100; i++) {
      ledger.recordLiveAnswer(t0 + i * MINUTE);
      if (i === 10 || i === 20) ledger.recordAbandon(t0 + i * MINUTE);
    }
    const now = t0 + 100 * MINUTE;
    expect(abandonRate(ledger.rates(now).window)).toBeCloseTo(0.02);
    expect(ledger.rates(now).lastHour.abandoned).toBe(0);
    expect(ledger.rates(now).lastHour.liveAnswers).toBe(59);
    expect(ledger.rates(t0 + 25 * HOUR).window.liveAnswers).toBe(39); // minutes 61..99 are still within 24 h
    expect(ledger.rates(t0 + 26 * HOUR).window.liveAnswers).toBe(0);
    expect(ledger.totals().abandoned).toBe(2);
  });

  it('counts an estimate of machine-detection false positives as abandoned (Ofcom)', () => {
    const ledger = new AbandonLedger(24);
    for (let i = 0; i < 97; i++) ledger.recordLiveAnswer(t0);
    for (let i = 0; i < 3; i++) ledger.recordAbandon(t0);
    for (let i = 0; i < 100; i++) ledger.recordMachineHangup(t0);
    const counts = ledger.rates(t0).window;
    expect(abandonRate(counts)).toBeCloseTo(3 / 97);
    // 5% of 100 machine hang-ups were people: 5 more live answers, 5 more abandons.
    expect(abandonRate(counts, 0.05)).toBeCloseTo(8 / 102);
  });
});
