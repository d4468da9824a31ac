/**
 * One trunk of one Asterisk server as this engine uses it, when several
 * engines dial on it: its limits hold for all of them together (TrunkLines,
 * in Redis). The engine's own lines and starts are counted here at once and
 * exactly; the other engines' as last heard, at each seize and at each
 * renewal of this engine's hold (every third of `holdMs`). What the pacing
 * sees (linesFree, callsAllowedNow) is the limits less both; a line is only
 * used once `seize` got it from the shared count, atomically, so a race
 * between engines refuses a call rather than going over the carrier's limit.
 *
 * When the shared count cannot be reached, nothing is dialed on the trunk:
 * it has no line free until the count answers again (the calls in progress
 * go on, and the next renewal sets this engine's lines as they are then).
 */
import type { Logger } from 'pino';
import type { DurationMs, EpochMs } from '../domain/time.js';
import type { Scheduler, TimerHandle } from '../engine/scheduler.js';
import { startWindow, TrunkLimiter } from '../engine/trunk-limiter.js';
import type { TrunkSettings } from '../pacing/settings.js';
import type { OthersOnTrunk, SharedTrunkId, TrunkLimits, TrunkLines } from './coordination.js';

/** How long an engine's lines stay counted unrenewed: a lost engine's lines are free again within it. */
export const DEFAULT_TRUNK_HOLD_MS: DurationMs = 6000;

/** How long a call waits for its line to be counted before it is refused as uncountable. */
const SEIZE_PATIENCE_MS: DurationMs = 1000;

/** Why a call got no line: the trunk carries its limit over every engine (`full`: another server's may have one), or its lines cannot be counted. */
export interface TrunkRefusal {
  readonly why: string;
  readonly full: boolean;
}

export interface SharedTrunkOptions {
  readonly lines: TrunkLines;
  readonly server: string;
  readonly settings: TrunkSettings;
  readonly engineId: string;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly holdMs?: DurationMs;
}

export class SharedTrunk {
  readonly id: SharedTrunkId;
  private readonly limits: TrunkLimits;
  private readonly holdMs: DurationMs;
  private readonly own: TrunkLimiter;
  private others: OthersOnTrunk = { lines: 0, starts: 0 };
  /** Why the shared count cannot be read now; undefined while it can. */
  private uncounted: string | undefined;
  private renewal: TimerHandle | undefined;

  constructor(private readonly o: SharedTrunkOptions) {
    this.id = { server: o.server, trunk: o.settings.id };
    this.limits = { maxLines: o.settings.maxLines, ...startWindow(o.settings.maxCallsPerSecond) };
    this.holdMs = o.holdMs ?? DEFAULT_TRUNK_HOLD_MS;
    this.own = new TrunkLimiter(o.settings);
  }

  linesFree(): number {
    return this.uncounted === undefined ? Math.max(0, this.own.linesFree() - this.others.lines) : 0;
  }

  callsAllowedNow(now: EpochMs): number {
    return this.uncounted === undefined ? Math.max(0, this.own.callsAllowedNow(now) - this.others.starts) : 0;
  }

  /**
   * Takes a line for a call about to be placed: undefined once the shared
   * count gave it, else why not. Counted here before the answer, so that a
   * renewal sent meanwhile already carries it.
   */
  async seize(now: EpochMs): Promise<TrunkRefusal | undefined> {
    // A refused call's start stays in the own window: the trunk looks busier for a second, never less busy than it is.
    this.own.seize(now);
    try {
      const { seized, others } = await this.answerWithin(this.o.lines.seize(this.id, this.o.engineId, this.limits, this.holdMs));
      this.counted(others);
      if (seized === 'seized') return undefined;
      this.own.release();
      const limit = seized === 'lines-full' ? `its limit of ${this.limits.maxLines} calls` : `its limit of ${this.o.settings.maxCallsPerSecond} call starts a second`;
      return { why: `trunk ${this.id.trunk} on Asterisk server ${this.id.server} already carries ${limit} over every engine`, full: true };
    } catch (err) {
      this.own.release();
      this.lost(err);
      return { why: `the lines of trunk ${this.id.trunk} on Asterisk server ${this.id.server} cannot be counted (${this.uncounted}): no call is placed on it until they can`, full: false };
    }
  }

  /**
   * A count that does not answer (Redis cut off: its client queues the
   * request) is as good as away for a call waiting to be placed. Should the
   * seize be carried out later, the line counts as this engine's until the
   * next renewal sets its count right.
   */
  private answerWithin<T>(answer: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.o.scheduler.after(SEIZE_PATIENCE_MS, () => reject(new Error(`no answer within ${SEIZE_PATIENCE_MS} ms`)));
      answer.then(
        (value) => {
          timer.cancel();
          resolve(value);
        },
        (err: unknown) => {
          timer.cancel();
          reject(err);
        },
      );
    });
  }

  /** A lost engine's call adopted here: its line is this engine's from now on (counted at once by a renewal). */
  adopted(now: EpochMs): void {
    this.own.seize(now);
    this.renew();
  }

  release(): void {
    this.own.release();
    // Not given back now, it is at the next renewal, which sets this engine's count.
    this.o.lines.release(this.id, this.o.engineId).catch((err: unknown) => this.lost(err));
  }

  /** Renews this engine's hold on its lines, and hears the others', until stop(). */
  keep(): void {
    if (this.renewal) return;
    const next = () => {
      this.renewal = this.o.scheduler.after(this.holdMs / 3, () => {
        this.renew();
        next();
      });
    };
    this.renew();
    next();
  }

  stop(): void {
    this.renewal?.cancel();
    this.renewal = undefined;
  }

  private renew(): void {
    this.o.lines.hold(this.id, this.o.engineId, this.own.lines, this.limits, this.holdMs).then(
      (others) => this.counted(others),
      (err: unknown) => this.lost(err),
    );
  }

  private counted(others: OthersOnTrunk): void {
    this.others = others;
    if (this.uncounted === undefined) return;
    this.uncounted = undefined;
    this.o.logger.info({ trunk: this.id }, 'trunk lines counted again over every engine: dialing on it resumes');
  }

  private lost(err: unknown): void {
    if (this.uncounted !== undefined) return;
    this.uncounted = err instanceof Error ? err.message : String(err);
    this.o.logger.error({ trunk: this.id, err: this.uncounted }, 'trunk lines cannot be counted over every engine: no call is placed on this trunk until they can');
  }
}
