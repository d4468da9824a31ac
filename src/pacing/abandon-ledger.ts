/**
 * Abandon accounting. An abandoned call is a live answer that no agent took
 * within the connect deadline; the abandon rate is abandoned / live answers
 * over the campaign's regulatory window (24 h rolling for Ofcom, 30 days per
 * campaign for the FCC). The ledger also keeps the last hour, which the
 * predictive policy steers by so that a bad hour is paid back at once.
 *
 * Counts are kept per minute in a ring, so a 30-day window costs 43,200 small
 * buckets and a constant-time update.
 */
import { HOUR, MINUTE, type EpochMs } from '../domain/time.js';

export interface AbandonCounts {
  readonly liveAnswers: number;
  readonly abandoned: number;
  /** Calls machine detection hung up on; a share of them were people (UK counts those as abandoned). */
  readonly machineHangups: number;
}

export interface AbandonRates {
  /** Over the regulatory window. */
  readonly window: AbandonCounts;
  /** Over the last hour. */
  readonly lastHour: AbandonCounts;
  /** The current minute (VICIdial's "last minute" drop check reads it). */
  readonly lastMinute: AbandonCounts;
  /** Live answers over the last 15 minutes: how many the near future is likely to bring. */
  readonly liveAnswersLast15Min: number;
  /** Since the ledger was created: the day, for a shift. */
  readonly sinceStart: AbandonCounts;
}

class MinuteRing {
  private readonly live: Float64Array;
  private readonly abandoned: Float64Array;
  private readonly machine: Float64Array;
  private sums = { live: 0, abandoned: 0, machine: 0 };
  private headMinute = -1;

  constructor(private readonly minutes: number) {
    this.live = new Float64Array(minutes);
    this.abandoned = new Float64Array(minutes);
    this.machine = new Float64Array(minutes);
  }

  advance(minute: number): void {
    if (this.headMinute < 0) {
      this.headMinute = minute;
      return;
    }
    if (minute <= this.headMinute) return;
    const steps = Math.min(minute - this.headMinute, this.minutes);
    for (let s = 1; s <= steps; s++) {
      const i = (this.headMinute + s) % this.minutes;
      this.sums.live -= this.live[i]!;
      this.sums.abandoned -= this.abandoned[i]!;
      this.sums.machine -= this.machine[i]!;
      this.live[i] = 0;
      this.abandoned[i] = 0;
      this.machine[i] = 0;
    }
    this.headMinute = minute;
  }

  add(kind: 'live' | 'abandoned' | 'machine'): void {
    const i = this.headMinute % this.minutes;
    this[kind][i]! += 1;
    this.sums[kind] += 1;
  }

  counts(): AbandonCounts {
    return { liveAnswers: this.sums.live, abandoned: this.sums.abandoned, machineHangups: this.sums.machine };
  }
}

export class AbandonLedger {
  private readonly window: MinuteRing;
  private readonly hour = new MinuteRing(60);
  private readonly quarter = new MinuteRing(15);
  private readonly minute = new MinuteRing(1);
  private readonly total = { liveAnswers: 0, abandoned: 0, machineHangups: 0 };

  constructor(windowHours: number) {
    this.window = new MinuteRing(Math.round((windowHours * HOUR) / MINUTE));
  }

  recordLiveAnswer(at: EpochMs): void {
    this.record(at, 'live');
    this.total.liveAnswers++;
  }

  recordAbandon(at: EpochMs): void {
    this.record(at, 'abandoned');
    this.total.abandoned++;
  }

  recordMachineHangup(at: EpochMs): void {
    this.record(at, 'machine');
    this.total.machineHangups++;
  }

  rates(now: EpochMs): AbandonRates {
    this.advance(now);
    return {
      window: this.window.counts(),
      lastHour: this.hour.counts(),
      lastMinute: this.minute.counts(),
      liveAnswersLast15Min: this.quarter.counts().liveAnswers,
      sinceStart: this.totals(),
    };
  }

  /** Since the ledger was created (the shift, in the simulator). */
  totals(): AbandonCounts {
    return { ...this.total };
  }

  private record(at: EpochMs, kind: 'live' | 'abandoned' | 'machine'): void {
    this.advance(at);
    this.window.add(kind);
    this.hour.add(kind);
    this.quarter.add(kind);
    this.minute.add(kind);
  }

  private advance(at: EpochMs): void {
    const minute = Math.floor(at / MINUTE);
    this.window.advance(minute);
    this.hour.advance(minute);
    this.quarter.advance(minute);
    this.minute.advance(minute);
  }
}

/**
 * The abandon rate a regulator would compute from these counts. With
 * `falsePositiveRate` (UK Ofcom), that share of machine hang-ups were people
 * and count both as live answers and as abandoned.
 */
export function abandonRate(c: AbandonCounts, falsePositiveRate = 0): number {
  const hidden = c.machineHangups * falsePositiveRate;
  const live = c.liveAnswers + hidden;
  return live > 0 ? (c.abandoned + hidden) / live : 0;
}
