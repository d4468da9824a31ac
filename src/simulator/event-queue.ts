/**
 * Virtual time for the simulator: a binary heap of timed tasks, and a
 * Scheduler over it so that the real engine runs unchanged on simulated time.
 * Tasks at the same instant run in the order they were scheduled.
 */
import type { DurationMs, EpochMs } from '../domain/time.js';
import type { Scheduler, TimerHandle } from '../engine/scheduler.js';

interface Task {
  at: EpochMs;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

export class SimulatedTime implements Scheduler {
  private readonly heap: Task[] = [];
  private seq = 0;
  private current: EpochMs;
  executed = 0;

  constructor(start: EpochMs) {
    this.current = start;
  }

  now(): EpochMs {
    return this.current;
  }

  after(delay: DurationMs, run: () => void): TimerHandle {
    const task: Task = { at: this.current + Math.max(0, delay), seq: this.seq++, run, cancelled: false };
    this.push(task);
    return { cancel: () => { task.cancelled = true; } };
  }

  /** Run every task due up to `end`, then leave the clock at `end`. */
  runUntil(end: EpochMs): void {
    while (this.heap.length > 0 && this.heap[0]!.at <= end) {
      const task = this.pop();
      if (task.cancelled) continue;
      this.current = task.at;
      this.executed++;
      task.run();
    }
    this.current = end;
  }

  private before(a: Task, b: Task): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(task: Task): void {
    const h = this.heap;
    h.push(task);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private pop(): Task {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < h.length && this.before(h[l]!, h[m]!)) m = l;
        if (r < h.length && this.before(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }
}
