/**
 * What every TrunkLines must do, in memory (one process) as in Redis (each
 * engine its own client): the tests of both run these cases.
 */
import { expect, it } from 'vitest';
import type { SharedTrunkId, TrunkLimits, TrunkLines } from '../../src/coordination/coordination.js';

export interface TrunkLinesWorld {
  /** Engine a's and engine b's clients of one count. */
  readonly a: TrunkLines;
  readonly b: TrunkLines;
  /** Lets `ms` pass on the count's clock. */
  wait(ms: number): Promise<void>;
}

const HOLD_MS = 400;
const LINES: TrunkLimits = { maxLines: 3, startsPerWindow: 1000, windowMs: 1000 };
let trunks = 0;
/** Each case its own trunk, so that cases sharing a count do not see each other. */
const aTrunk = (): SharedTrunkId => ({ server: 'pbx1', trunk: `carrier-${++trunks}` });

export function trunkLinesContract(world: () => Promise<TrunkLinesWorld>): void {
  it('never lets two engines hold more lines than the trunk has, and refuses only a full trunk', async () => {
    const { a, b } = await world();
    const trunk = aTrunk();
    const held = { a: 0, b: 0 };
    let peak = 0;
    let refused = 0;
    // A fixed, varied sequence: each engine seizes or releases in turn.
    for (let step = 0; step < 120; step++) {
      const engine = step % 2 === 0 ? 'a' : 'b';
      const lines = engine === 'a' ? a : b;
      if ((step * 7) % 5 < 3 || held[engine] === 0) {
        const before = held.a + held.b;
        const { seized, others } = await lines.seize(trunk, engine, LINES, HOLD_MS);
        expect(others.lines).toBe(engine === 'a' ? held.b : held.a);
        if (seized === 'seized') held[engine]++;
        else {
          refused++;
          expect(seized).toBe('lines-full');
          expect(before).toBe(LINES.maxLines);
        }
      } else {
        await lines.release(trunk, engine);
        held[engine]--;
      }
      peak = Math.max(peak, held.a + held.b);
    }
    expect(peak).toBe(LINES.maxLines);
    expect(refused).toBeGreaterThan(0);
  });

  it("gives a lost engine's lines back once its hold lapses, and keeps a live engine's while it renews", async () => {
    const { a, b, wait } = await world();
    const trunk = aTrunk();
    for (let n = 0; n < 2; n++) expect((await a.seize(trunk, 'lost', LINES, HOLD_MS)).seized).toBe('seized');
    expect((await b.seize(trunk, 'alive', LINES, HOLD_MS)).seized).toBe('seized');
    expect((await b.seize(trunk, 'alive', LINES, HOLD_MS)).seized).toBe('lines-full');
    // 'alive' renews its hold; 'lost' does not.
    await wait(HOLD_MS / 2);
    expect(await b.hold(trunk, 'alive', 1, LINES, HOLD_MS)).toEqual({ lines: 2, starts: 2 });
    await wait(HOLD_MS / 2 + 50);
    expect(await b.hold(trunk, 'alive', 1, LINES, HOLD_MS)).toMatchObject({ lines: 0 });
    expect((await b.seize(trunk, 'alive', LINES, HOLD_MS)).seized).toBe('seized');
    expect((await b.seize(trunk, 'alive', LINES, HOLD_MS)).seized).toBe('seized');
    expect((await a.seize(trunk, 'other', LINES, HOLD_MS)).seized).toBe('lines-full');
    // The lost engine's late release takes nothing from the others.
    await a.release(trunk, 'lost');
    expect((await a.seize(trunk, 'other', LINES, HOLD_MS)).others.lines).toBe(3);
  });

  it("takes an engine's own count as the truth at each renewal: a release lost on the way is made good", async () => {
    const { a, b } = await world();
    const trunk = aTrunk();
    for (let n = 0; n < 3; n++) await a.seize(trunk, 'a', LINES, HOLD_MS);
    expect((await b.seize(trunk, 'b', LINES, HOLD_MS)).seized).toBe('lines-full');
    // Two of a's calls ended while its releases could not be sent.
    await a.hold(trunk, 'a', 1, LINES, HOLD_MS);
    expect(await b.seize(trunk, 'b', LINES, HOLD_MS)).toMatchObject({ seized: 'seized', others: { lines: 1 } });
  });

  it('lets every engine together start no more calls within the window than the trunk allows', async () => {
    const { a, b, wait } = await world();
    const trunk = aTrunk();
    const perSecond: TrunkLimits = { maxLines: 100, startsPerWindow: 3, windowMs: 300 };
    expect((await a.seize(trunk, 'a', perSecond, HOLD_MS)).seized).toBe('seized');
    expect((await b.seize(trunk, 'b', perSecond, HOLD_MS)).seized).toBe('seized');
    expect(await a.seize(trunk, 'a', perSecond, HOLD_MS)).toMatchObject({ seized: 'seized', others: { starts: 1 } });
    expect((await b.seize(trunk, 'b', perSecond, HOLD_MS)).seized).toBe('starts-full');
    await wait(perSecond.windowMs + 20);
    expect(await b.seize(trunk, 'b', perSecond, HOLD_MS)).toMatchObject({ seized: 'seized', others: { lines: 2, starts: 0 } });
  });
}
