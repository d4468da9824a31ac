/**
 * The KPIs of one simulated shift, collected from the engine's observer
 * hooks, with the brief's definitions: occupancy = (talk + wrap-up) /
 * logged-in time not paused; abandon rate = abandoned / live answers; idle
 * time between calls; connects per agent hour; the abandon rate over the
 * first half hour, the worst rolling hour and quarter hour, and the highest
 * the campaign's rate since its start stood at any minute (what a campaign
 * that over-dials at start carries for the rest of its window).
 */
import type { AgentId } from '../domain/ids.js';
import { abandonRate } from '../pacing/abandon-ledger.js';
import { HOUR, MINUTE, type EpochMs } from '../domain/time.js';
import type { AttemptRecord } from '../engine/attempt-record.js';
import type { EngineObserver } from '../engine/campaign-engine.js';
import type { PacingDecision } from '../pacing/pacer.js';
import type { AgentState } from '../pacing/snapshot.js';

export interface ShiftResult {
  readonly attempts: number;
  readonly liveAnswers: number;
  readonly abandoned: number;
  readonly connects: number;
  readonly liveAnswerRate: number;
  readonly abandonRate: number;
  /** Calls machine detection decided were machines and no agent took: a share of them were people. */
  readonly machineHangups: number;
  /**
   * The share of machine verdicts the campaign's profile counts as abandoned people (UK: the estimated
   * detection false-positive rate; 0 where the profile does not count them).
   */
  readonly countedFalsePositiveRate: number;
  /** The abandon rate as the regulator counts it: counted abandons plus the estimated false positives. */
  readonly regulatoryAbandonRate: number;
  readonly worstHourAbandonRate: number;
  readonly worst15MinAbandonRate: number;
  readonly firstHalfHourAbandonRate: number;
  /** The highest the abandon rate since the shift's start stood at the end of any minute. */
  readonly peakRunningAbandonRate: number;
  readonly occupancy: number;
  readonly connectsPerAgentHour: number;
  readonly meanIdleSec: number;
  readonly p95IdleSec: number;
  /** Seconds from a person ready for an agent to connected (p50, p99). */
  readonly connectWaitP50Sec: number;
  readonly connectWaitP99Sec: number;
  /** Mean dial level of each minute's decisions: [minutes into the shift, dial level]. */
  readonly dialLevelByMinute: readonly (readonly [number, number])[];
}

const BUSY: ReadonlySet<AgentState> = new Set(['reserved', 'on-call', 'wrap-up']);
const WORKING: ReadonlySet<AgentState> = new Set(['ready', 'reserved', 'on-call', 'wrap-up']);

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export class ShiftMetrics implements EngineObserver {
  private attempts = 0;
  private connects = 0;
  private machineHangups = 0;
  private readonly liveAnswerTimes: EpochMs[] = [];
  private readonly abandonTimes: EpochMs[] = [];
  private readonly connectWaits: number[] = [];
  private readonly idleGaps: number[] = [];
  private busyMs = 0;
  private workingMs = 0;
  private loggedInMs = 0;
  private readonly agentSince = new Map<AgentId, { state: AgentState; since: EpochMs }>();
  private readonly dialLevels: [number, number][] = [];
  private minute = { index: -1, sum: 0, count: 0 };

  /** @param countedFalsePositiveRate see ShiftResult */
  constructor(
    private readonly shiftStart: EpochMs,
    private readonly shiftEnd: EpochMs,
    private readonly countedFalsePositiveRate = 0,
  ) {}

  decision(d: PacingDecision): void {
    const index = Math.floor((d.at - this.shiftStart) / MINUTE);
    if (index !== this.minute.index) {
      this.closeMinute();
      this.minute = { index, sum: 0, count: 0 };
    }
    this.minute.sum += d.dialLevel;
    this.minute.count++;
  }

  private closeMinute(): void {
    if (this.minute.count > 0) this.dialLevels.push([this.minute.index, this.minute.sum / this.minute.count]);
  }

  agentState(agentId: AgentId, from: AgentState, to: AgentState, at: EpochMs): void {
    const prev = this.agentSince.get(agentId);
    if (prev) this.account(prev.state, prev.since, at);
    if (from === 'ready' && to === 'reserved' && prev) this.idleGaps.push((at - prev.since) / 1000);
    this.agentSince.set(agentId, { state: to, since: at });
  }

  attemptEnded(a: AttemptRecord): void {
    this.attempts++;
    if (a.outcome === 'machine') this.machineHangups++;
    if (a.readyAt === undefined) return;
    this.liveAnswerTimes.push(a.readyAt);
    if (a.abandoned) this.abandonTimes.push(a.readyAt);
    if (a.connectedAt !== undefined) {
      this.connects++;
      this.connectWaits.push((a.connectedAt - a.readyAt) / 1000);
    }
  }

  /** Close the books at the end of the shift. */
  result(): ShiftResult {
    this.closeMinute();
    this.minute = { index: -1, sum: 0, count: 0 };
    for (const s of this.agentSince.values()) this.account(s.state, s.since, this.shiftEnd);
    this.agentSince.clear();
    const live = this.liveAnswerTimes.length;
    const idle = [...this.idleGaps].sort((a, b) => a - b);
    const waits = [...this.connectWaits].sort((a, b) => a - b);
    const liveTimes = [...this.liveAnswerTimes].sort((a, b) => a - b);
    const abandonTimes = [...this.abandonTimes].sort((a, b) => a - b);
    const fp = this.countedFalsePositiveRate;
    return {
      attempts: this.attempts,
      liveAnswers: live,
      abandoned: this.abandonTimes.length,
      connects: this.connects,
      liveAnswerRate: this.attempts > 0 ? live / this.attempts : 0,
      abandonRate: live > 0 ? this.abandonTimes.length / live : 0,
      machineHangups: this.machineHangups,
      countedFalsePositiveRate: fp,
      regulatoryAbandonRate: abandonRate({ liveAnswers: live, abandoned: this.abandonTimes.length, machineHangups: this.machineHangups }, fp),
      worstHourAbandonRate: this.worstWindow(liveTimes, abandonTimes, HOUR),
      worst15MinAbandonRate: this.worstWindow(liveTimes, abandonTimes, 15 * MINUTE),
      firstHalfHourAbandonRate: rateIn(liveTimes, abandonTimes, this.shiftStart, this.shiftStart + 30 * MINUTE),
      peakRunningAbandonRate: this.peakRunning(liveTimes, abandonTimes),
      occupancy: this.workingMs > 0 ? this.busyMs / this.workingMs : 0,
      connectsPerAgentHour: this.loggedInMs > 0 ? this.connects / (this.loggedInMs / HOUR) : 0,
      meanIdleSec: idle.length > 0 ? idle.reduce((t, x) => t + x, 0) / idle.length : 0,
      p95IdleSec: quantile(idle, 0.95),
      connectWaitP50Sec: quantile(waits, 0.5),
      connectWaitP99Sec: quantile(waits, 0.99),
      dialLevelByMinute: this.dialLevels,
    };
  }

  private account(state: AgentState, since: EpochMs, until: EpochMs): void {
    const ms = Math.max(0, Math.min(until, this.shiftEnd) - since);
    if (state !== 'logged-out') this.loggedInMs += ms;
    if (WORKING.has(state)) this.workingMs += ms;
    if (BUSY.has(state)) this.busyMs += ms;
  }

  /** The worst abandon rate over any window of `length` within the shift, sliding by the minute. */
  private worstWindow(live: readonly number[], abandoned: readonly number[], length: number): number {
    let worst = 0;
    for (let start = this.shiftStart; start + length <= this.shiftEnd; start += MINUTE) {
      worst = Math.max(worst, rateIn(live, abandoned, start, start + length));
    }
    return worst;
  }

  private peakRunning(live: readonly number[], abandoned: readonly number[]): number {
    let peak = 0;
    for (let end = this.shiftStart + MINUTE; end <= this.shiftEnd; end += MINUTE) {
      peak = Math.max(peak, rateIn(live, abandoned, this.shiftStart, end));
    }
    return peak;
  }
}

/** Abandoned / live answers among those ready for an agent in [from, to) (both lists sorted); 0 without live answers. */
function rateIn(live: readonly number[], abandoned: readonly number[], from: number, to: number): number {
  const l = countIn(live, from, to);
  return l > 0 ? countIn(abandoned, from, to) / l : 0;
}

function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function countIn(sorted: readonly number[], from: number, to: number): number {
  return lowerBound(sorted, to) - lowerBound(sorted, from);
}
