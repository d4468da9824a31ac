/**
 * Chores an engine process does beside dialing, at start and every hour: the
 * recordings' retention sweep, the QA draws of the days and weeks just ended.
 * One at a time (a chore still running when the hour comes is not started
 * twice), off the engine's path, and never fatal: a failure is logged and the
 * chore tried again at the next hour. Several processes may do the same chore:
 * each is idempotent.
 */
import type { Logger } from 'pino';
import { HOUR } from '../domain/time.js';

export interface Chore {
  readonly what: string;
  run(): Promise<void>;
}

export class HourlyChores {
  private readonly timer: ReturnType<typeof setInterval>;
  private running = false;

  constructor(private readonly chores: readonly Chore[], private readonly logger: Logger, everyMs = HOUR) {
    this.timer = setInterval(() => void this.runAll(), everyMs);
    this.timer.unref();
    void this.runAll();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async runAll(): Promise<void> {
    if (this.running) return;
    this.running = true;
    for (const chore of this.chores) {
      await chore.run().catch((err: unknown) => this.logger.error({ err }, `${chore.what} failed; tried again at the next hour`));
    }
    this.running = false;
  }
}
