import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { TrunkLines } from '../../src/coordination/coordination.js';
import { MemoryTrunkLines } from '../../src/coordination/memory.js';
import { SharedTrunk } from '../../src/coordination/shared-trunk.js';
import { SimulatedTime } from '../../src/simulator/event-queue.js';
import { trunkLinesContract } from '../support/trunk-lines-contract.js';

describe('trunk lines counted over every engine, in one process', () => {
  trunkLinesContract(async () => {
    const time = new SimulatedTime(0);
    const lines = new MemoryTrunkLines(time);
    return { a: lines, b: lines, wait: async (ms) => time.runUntil(time.now() + ms) };
  });
});

/** A count that can be taken away, as Redis out of reach. */
class Unreliable implements TrunkLines {
  away = false;
  constructor(private readonly inner: TrunkLines) {}
  private check() {
    if (this.away) throw new Error('Redis at 127.0.0.1:6379 unreachable');
  }
  async seize(...args: Parameters<TrunkLines['seize']>) {
    this.check();
    return this.inner.seize(...args);
  }
  async release(...args: Parameters<TrunkLines['release']>) {
    this.check();
    return this.inner.release(...args);
  }
  async hold(...args: Parameters<TrunkLines['hold']>) {
    this.check();
    return this.inner.hold(...args);
  }
}

function twoEngines() {
  const time = new SimulatedTime(0);
  const lines = new Unreliable(new MemoryTrunkLines(time));
  const settings = { id: 'carrier', maxLines: 4, maxCallsPerSecond: 10 };
  const logger = pino({ level: 'silent' });
  const engine = (engineId: string) => new SharedTrunk({ lines, server: 'pbx1', settings, engineId, scheduler: time, logger, holdMs: 3000 });
  const a = engine('a');
  const b = engine('b');
  a.keep();
  b.keep();
  const settle = () => new Promise((r) => setImmediate(r));
  /** Moves the clock on, letting each renewal's answer arrive. */
  const pass = async (ms: number) => {
    for (let t = 0; t < ms; t += 100) {
      time.runUntil(time.now() + 100);
      await settle();
    }
  };
  return { time, lines, a, b, settle, pass };
}

describe("an engine's share of a trunk", () => {
  it("shows the pacing the lines the other engines hold, from the last seize or renewal", async () => {
    const w = twoEngines();
    expect(await w.a.seize(w.time.now())).toBeUndefined();
    expect(await w.a.seize(w.time.now())).toBeUndefined();
    expect(w.a.linesFree()).toBe(2);
    await w.pass(1000);
    expect(w.b.linesFree()).toBe(2);
    expect(await w.a.seize(w.time.now())).toBeUndefined();
    expect(await w.b.seize(w.time.now())).toBeUndefined();
    // b heard a's third line and its start within the second at its seize.
    expect(w.b.linesFree()).toBe(0);
    expect(w.b.callsAllowedNow(w.time.now())).toBe(8);
    expect(await w.b.seize(w.time.now())).toEqual({ why: 'trunk carrier on Asterisk server pbx1 already carries its limit of 4 calls over every engine', full: true });
    w.a.release();
    await w.pass(1000);
    expect(w.b.linesFree()).toBe(1);
    expect(w.a.linesFree()).toBe(1);
  });

  it('places no call while the lines cannot be counted, and counts again, as they are, once the count is back', async () => {
    const w = twoEngines();
    expect(await w.a.seize(w.time.now())).toBeUndefined();
    expect(await w.a.seize(w.time.now())).toBeUndefined();
    w.lines.away = true;
    await w.pass(1000);
    expect(w.a.linesFree()).toBe(0);
    expect(w.a.callsAllowedNow(w.time.now())).toBe(0);
    // Not full: uncountable on every server alike (one Redis), so no other server is tried.
    expect(await w.b.seize(w.time.now())).toMatchObject({ why: expect.stringMatching(/^the lines of trunk carrier on Asterisk server pbx1 cannot be counted \(Redis at 127.0.0.1:6379 unreachable\)/), full: false });
    // One of a's calls ends meanwhile: its release is lost.
    w.a.release();
    w.lines.away = false;
    await w.pass(1000);
    // a's renewal set its count to the one call left: b sees 3 lines free.
    expect(w.b.linesFree()).toBe(3);
    expect(w.a.linesFree()).toBe(3);
  });
});
