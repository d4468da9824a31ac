/**
 * Time as the engine sees it. The live engine runs on the wall clock; the
 * simulator runs the same engine on virtual time. Nothing in the engine or the
 * pacing core reads Date.now() or calls setTimeout directly.
 */
import type { DurationMs, EpochMs } from '../domain/time.js';

export interface Clock {
  now(): EpochMs;
}

export interface TimerHandle {
  cancel(): void;
}

export interface Scheduler extends Clock {
  /** Run `task` once `delay` from now. */
  after(delay: DurationMs, task: () => void): TimerHandle;
}

export const wallClockScheduler: Scheduler = {
  now: () => Date.now(),
  after(delay, task) {
    const timer = setTimeout(task, Math.max(0, delay));
    return { cancel: () => clearTimeout(timer) };
  },
};
