/**
 * What a running campaign shows the wallboard: each agent's state, each call
 * in flight and its phase, today's counters and the pacer's last decision, written to the shared live
 * state (Redis, or memory for a single process) as the engine reports them.
 * Off the hot path: the writes queue up and a write that fails is
 * logged, never in the engine's way; the live state is a view, storage keeps
 * the facts.
 */
import type { Logger } from 'pino';
import PQueue from 'p-queue';
import type { CallInFlight, CampaignPacing, LiveCounter, LiveState } from '../../coordination/coordination.js';
import type { AgentId, AttemptId, CampaignId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { AttemptRecord } from '../../engine/attempt-record.js';
import type { BroadcastDecision } from '../../pacing/broadcast-pacing.js';
import type { PacingDecision } from '../../pacing/pacer.js';
import type { AgentState } from '../../pacing/snapshot.js';
import type { TelephonyEvent } from '../../telephony/port.js';

const PACING_EVERY_MS = 1000;

export interface LivePublisherOptions {
  readonly live: LiveState;
  readonly campaignId: CampaignId;
  readonly logger: Logger;
}

export class LivePublisher {
  /**
   * One write at a time, in the order the engine reported: a call's phases and
   * its end must not overtake each other (an end written before its last phase
   * would leave a ghost call on the wallboard). A few hundred writes a second
   * at the largest campaigns is far within one Redis connection's reach.
   */
  private readonly queue = new PQueue({ concurrency: 1 });
  /** The campaign's calls in flight: the port's events about other campaigns' calls are not this campaign's. */
  private readonly calls = new Map<AttemptId, CallInFlight>();
  /** Ends heard before takeOver() (adopted calls that ended while the takeover was under way), done once it has read the wallboard. */
  private readonly endedBeforeTakeOver = new Map<AttemptId, () => void>();
  private tookOver = false;
  /** Calls whose end the live state did not take (Redis out of reach): written again once it answers, or none stays up there for good. */
  private readonly endsToWrite = new Set<AttemptId>();
  private lastPacingAt = -Infinity;
  /** The limit that held the last decision at no dials. */
  private lastLimit: string | null = null;

  constructor(private readonly o: LivePublisherOptions) {}

  /** The engine observer's agentState. */
  readonly agentState = (agentId: AgentId, _from: AgentState, to: AgentState, at: EpochMs): void => {
    this.write(() => this.o.live.setAgentState(agentId, { state: to, since: at, campaignId: this.o.campaignId }));
  };

  /**
   * The engine observer's decision: the supervisor's view of the pacer, at
   * most once a second of the engine's clock (an agent coming free makes
   * extra decisions; the view needs no more), and at once when it stops dialing
   * for a reason it did not have before.
   */
  readonly decision = (d: PacingDecision): void => {
    const known = (x: number) => (Number.isFinite(x) ? x : null);
    this.pacing({
      at: d.at,
      policy: d.policy,
      dials: d.dials,
      proposed: d.proposed,
      limitedBy: d.limitedBy,
      dialLevel: d.dialLevel,
      expectedFreeAgents: known(d.expectedFreeAgents),
      expectedLiveAnswers: known(d.expectedLiveAnswers),
      expectedAbandons: known(d.expectedAbandons),
      abandonRate: d.abandonRate,
      abandonRateLastHour: d.abandonRateLastHour,
      detectionFalsePositives: d.detectionFalsePositives,
      leadsAvailable: d.leadsAvailable,
      activeAgents: d.counts.active,
    });
  };

  /** A broadcast's decision, in the same view: calls launched, what bound them, the leads left; no agents, no abandons of its own. */
  readonly broadcastDecision = (d: BroadcastDecision, at: EpochMs, leadsLeft: number): void => {
    const bound = d.bound === 'leads' ? null : d.bound;
    this.pacing({
      at,
      policy: 'broadcast',
      dials: d.launch,
      proposed: d.launch,
      limitedBy: bound,
      dialLevel: 0,
      expectedFreeAgents: null,
      expectedLiveAnswers: null,
      expectedAbandons: null,
      abandonRate: 0,
      abandonRateLastHour: 0,
      detectionFalsePositives: null,
      leadsAvailable: leadsLeft,
      activeAgents: 0,
    });
  };

  private pacing(pacing: CampaignPacing): void {
    const cutChanged = pacing.dials === 0 && pacing.limitedBy !== this.lastLimit;
    this.lastLimit = pacing.dials === 0 ? pacing.limitedBy : null;
    if (pacing.at - this.lastPacingAt < PACING_EVERY_MS && !cutChanged) return;
    this.lastPacingAt = pacing.at;
    this.write(() => this.o.live.setPacing(this.o.campaignId, pacing));
  }

  /** The engine observer's attemptOpened: the attempt is written and about to be dialed (one storage refused is never dialed, nor shown). */
  readonly attemptOpened = (attemptId: AttemptId, at: EpochMs): void => {
    const call: CallInFlight = { attemptId, campaignId: this.o.campaignId, phase: 'dialing', since: at, agentId: null };
    this.calls.set(attemptId, call);
    this.write(() => this.o.live.trackCall(call));
    this.count('dials', at);
  };

  /** A telephony port listener: the phases of this campaign's calls. */
  readonly telephonyEvent = (e: TelephonyEvent): void => {
    switch (e.type) {
      case 'call.ringing':
        return this.phase(e.attemptId, 'ringing', e.at, null);
      case 'call.answered':
        return this.phase(e.attemptId, 'answered', e.at, null);
      case 'call.connected':
        return this.phase(e.attemptId, 'connected', e.at, e.agentId);
      default:
        return;
    }
  };

  /** The engine observer's attemptEnded: the call leaves the wallboard and today's counters move. */
  readonly attemptEnded = (record: AttemptRecord): void => {
    const counted: LiveCounter[] = [];
    if (record.answeredAt !== undefined) counted.push('answers');
    if (record.outcome === 'live') counted.push('live-answers');
    if (record.connectedAt !== undefined) counted.push('connects');
    if (record.abandoned) counted.push('abandons');
    if (record.outcome === 'machine') counted.push('machines');
    this.callOver(record.attemptId, record.endedAt, counted.map((c) => [c, 1]));
  };

  /**
   * A call of this campaign is over: it leaves the wallboard and the counters
   * given move by their amounts (a broadcast counts its keys and handovers).
   */
  callOver(attemptId: AttemptId, at: EpochMs, counted: readonly (readonly [LiveCounter, number])[]): void {
    const over = () => {
      this.writeEnd(attemptId);
      for (const [counter, by] of counted) if (by > 0) this.count(counter, at, by);
    };
    if (this.calls.delete(attemptId)) over();
    // An adopted call can end while the takeover is still under way, before takeOver() follows it.
    else if (!this.tookOver) this.endedBeforeTakeOver.set(attemptId, over);
  }

  /**
   * After a takeover: the calls a lost engine left on the wallboard leave it,
   * but those adopted, which this publisher follows from now on (their dials
   * were counted when they were made).
   */
  async takeOver(adopted: ReadonlySet<AttemptId>): Promise<void> {
    const shown = await this.o.live.callsInFlight(this.o.campaignId).catch((err: unknown) => {
      this.o.logger.warn({ campaignId: this.o.campaignId, err }, "the lost engine's calls could not be read from the live state");
      return [];
    });
    this.tookOver = true;
    for (const call of shown) {
      const ended = this.endedBeforeTakeOver.get(call.attemptId);
      if (adopted.has(call.attemptId) && !ended) this.calls.set(call.attemptId, call);
      else if (ended) ended();
      else this.writeEnd(call.attemptId);
    }
    this.endedBeforeTakeOver.clear();
  }

  /** Resolves when every write queued so far is done, ends not yet taken tried once more (shutdown, tests). */
  async settled(): Promise<void> {
    await this.queue.onIdle();
    this.writeEndsAgain();
    await this.queue.onIdle();
  }

  private phase(attemptId: AttemptId, phase: CallInFlight['phase'], at: EpochMs, agentId: AgentId | null): void {
    const call = this.calls.get(attemptId);
    if (!call) return;
    const moved: CallInFlight = { ...call, phase, since: at, agentId };
    this.calls.set(attemptId, moved);
    this.write(() => this.o.live.trackCall(moved));
  }

  private count(counter: LiveCounter, at: EpochMs, by = 1): void {
    this.write(() => this.o.live.count(this.o.campaignId, counter, at, by));
  }

  private writeEnd(attemptId: AttemptId): void {
    this.write(() =>
      this.o.live.callEnded(this.o.campaignId, attemptId).then(
        () => this.endsToWrite.delete(attemptId),
        (err: unknown) => {
          this.endsToWrite.add(attemptId);
          throw err;
        },
      ),
    );
  }

  /** The live state answers again: the ends it missed are written now. */
  private writeEndsAgain(): void {
    const ends = [...this.endsToWrite];
    this.endsToWrite.clear();
    for (const attemptId of ends) this.writeEnd(attemptId);
  }

  private write(change: () => Promise<unknown>): void {
    void this.queue.add(change).then(
      () => {
        if (this.endsToWrite.size > 0) this.writeEndsAgain();
      },
      (err: unknown) => this.o.logger.warn({ campaignId: this.o.campaignId, err }, 'the live state was not updated'),
    );
  }
}
