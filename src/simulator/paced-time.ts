/**
 * Simulated time that keeps pace with the wall clock at a chosen speed, for a
 * simulation that also does real I/O (storage, the API): the simulated
 * population, agents and telephony, the engine, the stored timestamps and the
 * API all read one clock, so an attempt stored at 10:42 simulated is counted
 * by the stats endpoint at 10:42 simulated.
 *
 * The virtual clock moves on each beat by the real time since the last beat
 * times the speed. When the process falls behind (a long storage write, a
 * garbage collection), a beat's step is capped: simulated time slows down
 * rather than jumping ahead of the work it should have seen.
 */
import type { SimulatedTime } from './event-queue.js';

const BEAT_MS = 10;
/** The most real time one beat accounts for. */
const MAX_BEAT_MS = 50;

/** Starts the beats at `speed` simulated seconds per real second; returns what stops them. */
export function paceWithWallClock(time: SimulatedTime, speed: number): () => void {
  let last = performance.now();
  const beat = setInterval(() => {
    const now = performance.now();
    const realMs = Math.min(MAX_BEAT_MS, now - last);
    last = now;
    time.runUntil(time.now() + realMs * speed);
  }, BEAT_MS);
  return () => clearInterval(beat);
}
