/**
 * The engine's attempts in storage: the row written before the originate
 * (the engine's AttemptJournal), then how the call ended, the agent's
 * disposition and the recordings, each moving the lead on through the
 * storage functions of attempts.ts.
 *
 * The engine reports without waiting, so the writes about one attempt are
 * chained in order: the outcome after the row exists, the disposition after
 * the outcome (both move the lead, and the disposition has the last word).
 * An attempt whose row could not be written has nothing more stored: the
 * engine already ended it as failed, and its lead's claim lapses back to the
 * pool.
 *
 * While storage is unreachable (storage-outage.ts) a write is not dropped: it
 * joins a queue, written when storage is back, in the order the writes
 * failed, exactly once (a write whose connection dropped may have been stored
 * already: the outcome and the disposition are looked for before they are
 * written again; the others are the same whether written once or twice).
 */
import { randomUUID } from 'node:crypto';
import type { AgentDeskEvent } from '../../agents/desk.js';
import { AttemptId, TrunkId, type AgentId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { AttemptRecord } from '../../engine/attempt-record.js';
import { WRAP_UP_TIMEOUT_DISPOSITION, type AttemptJournal } from '../../engine/campaign-engine.js';
import type { Db } from '../../storage/db.js';
import type { TelephonyEvent } from '../../telephony/port.js';
import type { Lead } from '../lead-source.js';
import { actorOf } from '../../agents/call-work.js';
import {
  addAttemptStep,
  addHoldTime,
  addRecording,
  addRecordingFailure,
  attemptDispositioned,
  attemptEnded,
  finishAttempt,
  markAnswered,
  markConnected,
  setDisposition,
  startAttempt,
} from '../attempts.js';
import { OwnershipLostError, type CampaignFence } from './campaign-fence.js';
import type { StorageOutage } from './storage-outage.js';

export interface StoredAttemptsOptions {
  readonly db: Db;
  readonly engineId: string;
  readonly trunkId?: string | null;
  /** A write after the row failed (the attempt stays open in storage, to be found at restart). */
  readonly onError?: (attemptId: AttemptId, what: string, error: unknown) => void;
  /** The engine's hold on its campaign, checked with every attempt row (campaign-fence.ts). */
  readonly fence?: CampaignFence;
  /** Another engine has taken the campaign: this one must stop dialing. */
  readonly onOwnershipLost?: (error: OwnershipLostError) => void;
  /** Told how long each write took, by what it wrote (the metrics' storage write latency). */
  readonly timed?: (write: string, ms: number) => void;
  /** Told of writes that fail for want of the server; they are then queued until it is back. */
  readonly outage?: StorageOutage;
}

/** Whether a write that may have been stored before its connection dropped was: then it is not written again. */
type AlreadyStored = () => Promise<boolean>;

type Disposition = Extract<AgentDeskEvent, { type: 'agent.wrap-up-done' }>;

export class StoredAttempts implements AttemptJournal {
  /** Per attempt, the last write queued; true once its row exists. */
  private readonly chains = new Map<AttemptId, Promise<boolean>>();
  /** Attempts whose row was refused, until the engine reports their end (never dialed: nothing else follows). */
  private readonly unwritten = new Set<AttemptId>();
  /**
   * Calls that ended with an agent and await the agent's disposition. A
   * disposition for any other attempt (sent while the call is still on, or
   * twice) is refused: stored before the outcome, it would lose to it.
   */
  private readonly awaitingDisposition = new Set<AttemptId>();
  /**
   * This campaign's attempts not yet closed. The desk may be shared by the
   * campaigns of one process (blended agents): another campaign's
   * dispositions are not this one's to store, nor to complain of.
   */
  private readonly ours = new Set<AttemptId>();
  /** The writes waiting for storage to come back, one after the other in the order they failed. */
  private replays: Promise<void> = Promise.resolve();
  /** Calls whose customer is on hold now, since when. */
  private readonly heldSince = new Map<AttemptId, EpochMs>();
  /**
   * Calls transferred to a number outside: the agent's disposition comes
   * while the customer still talks, and is kept until the outcome is stored
   * (the disposition has the last word on the lead).
   */
  private readonly handedOff = new Map<AttemptId, Disposition | undefined>();

  constructor(private readonly o: StoredAttemptsOptions) {}

  /** Attempt ids the rows take as their key (give it to the engine as newAttemptId). */
  readonly newAttemptId = (): AttemptId => AttemptId(randomUUID());

  opened(attemptId: AttemptId, lead: Lead, at: EpochMs): Promise<void> {
    this.ours.add(attemptId);
    const startedAt = performance.now();
    const written = startAttempt(this.o.db, {
      attemptId,
      leadId: lead.id,
      engineId: this.o.engineId,
      now: at,
      trunkId: this.o.trunkId ? TrunkId(this.o.trunkId) : null,
      ...(this.o.fence ? { fence: this.o.fence } : {}),
    }).then(() => this.o.timed?.('attempt row', performance.now() - startedAt));
    // The engine hears the failure and ends the attempt; here we only remember there is no row.
    this.track(
      attemptId,
      written.then(
        () => true,
        (error: unknown) => {
          this.unwritten.add(attemptId);
          if (error instanceof OwnershipLostError) this.o.onOwnershipLost?.(error);
          // No row, no dial: the engine ends this attempt as failed; the outage pauses the next ones.
          this.o.outage?.failed(error);
          return false;
        },
      ),
    );
    return written;
  }

  /** The engine observer's attemptEnded. */
  ended(record: AttemptRecord): void {
    this.holdEnded(record.attemptId, record.endedAt);
    if (!record.agentId) this.ours.delete(record.attemptId);
    if (record.agentId) this.awaitDisposition(record.attemptId);
    this.finishWith(record.attemptId, () =>
      finishAttempt(this.o.db, record.attemptId, {
        endedAt: record.endedAt,
        outcome: record.outcome,
        abandoned: record.abandoned,
        hangupCause: record.cause,
        answeredAt: record.answeredAt,
        connectedAt: record.connectedAt,
        agentId: record.agentId,
        engineId: this.o.engineId,
      }),
    );
    const early = this.handedOff.get(record.attemptId);
    this.handedOff.delete(record.attemptId);
    if (early) this.disposed(early);
  }

  /** Writes how the attempt ended with the caller's own write (a broadcast keeps what the customer heard), once its row exists. */
  finishWith(attemptId: AttemptId, write: () => Promise<unknown>): void {
    if (this.unwritten.delete(attemptId)) {
      this.awaitingDisposition.delete(attemptId);
      this.ours.delete(attemptId);
      return;
    }
    this.thenWrite(attemptId, 'outcome', write, () => attemptEnded(this.o.db, attemptId));
  }

  /** An agent spoke on this call (the engine's own, or one it lent an agent to): their disposition is expected. */
  awaitDisposition(attemptId: AttemptId): void {
    this.ours.add(attemptId);
    this.awaitingDisposition.add(attemptId);
  }

  /** An agent desk listener: the wrap-up's disposition closes the attempt and moves the lead on. */
  readonly deskEvent = (e: AgentDeskEvent): void => {
    if (e.type === 'agent.wrap-up-done') this.disposed(e);
  };

  /** The engine observer's wrapUpLapsed: the attempt takes the system's disposition, given by the system. */
  readonly wrapUpLapsed = (agentId: AgentId, attemptId: AttemptId, at: EpochMs): void => {
    this.disposed({ type: 'agent.wrap-up-done', agentId, attemptId, disposition: WRAP_UP_TIMEOUT_DISPOSITION, at }, 'system');
  };

  /**
   * A telephony port listener: recordings, and those that could not be made,
   * are added to their attempt's row; the answer and the agent a call is put
   * through to are stored as they happen, so that an engine taking over after
   * this one was lost knows how far the call had come.
   */
  readonly telephonyEvent = (e: TelephonyEvent): void => {
    if (e.type === 'recording.finished') this.thenWrite(e.attemptId, 'recording', () => addRecording(this.o.db, e.attemptId, e.recording.name));
    if (e.type === 'recording.failed') this.thenWrite(e.attemptId, 'recording failure', () => addRecordingFailure(this.o.db, e.attemptId, e.recording));
    if (e.type === 'call.answered' && this.ours.has(e.attemptId)) {
      this.thenWrite(e.attemptId, 'answer', () => markAnswered(this.o.db, e.attemptId, e.answeredAt));
    }
    if (e.type === 'call.connected' && this.ours.has(e.attemptId)) {
      this.thenWrite(e.attemptId, 'connection', () => markConnected(this.o.db, e.attemptId, e.agentId, e.at));
    }
    if (e.type === 'call.control' && this.ours.has(e.attemptId)) this.controlled(e);
  };

  /** A call control: stored as a step of the attempt, with the time on hold it began or ended. */
  private controlled(e: Extract<TelephonyEvent, { type: 'call.control' }>): void {
    const { attemptId, control, at, failed } = e;
    const target = e.target ? ('number' in e.target ? e.target.number : actorOf(e.target.agentId)) : control.kind === 'dtmf' ? control.digits : undefined;
    this.thenWrite(attemptId, 'call step', () => addAttemptStep(this.o.db, attemptId, { at, actor: actorOf(e.agentId), step: control.kind, target, failed }));
    const holds = control.kind === 'hold' || control.kind === 'consult';
    if (!failed && holds) this.heldSince.set(attemptId, at);
    else if (control.kind !== 'mute' && control.kind !== 'unmute' && control.kind !== 'dtmf' && !(failed && !holds)) this.holdEnded(attemptId, at);
    if (!failed && (control.kind === 'transfer' || control.kind === 'complete') && e.target && 'number' in e.target) {
      this.awaitDisposition(attemptId);
      this.handedOff.set(attemptId, undefined);
    }
  }

  private holdEnded(attemptId: AttemptId, at: EpochMs): void {
    const since = this.heldSince.get(attemptId);
    if (since === undefined) return;
    this.heldSince.delete(attemptId);
    this.thenWrite(attemptId, 'hold time', () => addHoldTime(this.o.db, attemptId, (at - since) / 1000));
  }

  /** Resolves once every write queued so far is done: for shutdown and tests. */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.all(this.chains.values());
  }

  private disposed(e: Disposition, actor = `agent:${e.agentId}`): void {
    if (!this.ours.has(e.attemptId)) return;
    if (this.handedOff.has(e.attemptId)) {
      this.handedOff.set(e.attemptId, e);
      return;
    }
    if (!this.awaitingDisposition.delete(e.attemptId)) {
      this.o.onError?.(e.attemptId, 'disposition', new Error(`no call of ${e.agentId} ended as attempt ${e.attemptId} awaits a disposition`));
      return;
    }
    this.ours.delete(e.attemptId);
    const disposition = { code: e.disposition, callbackAt: e.callback?.at, callbackAgentId: e.callback?.agentId, note: e.note };
    this.thenWrite(
      e.attemptId,
      'disposition',
      () => setDisposition(this.o.db, e.attemptId, disposition, actor, e.at),
      () => attemptDispositioned(this.o.db, e.attemptId),
    );
  }

  /** A write about the attempt, in order after those queued before it (a broadcast's handover after its outcome). */
  thenWrite(attemptId: AttemptId, what: string, write: () => Promise<unknown>, alreadyStored?: AlreadyStored): void {
    const previous = this.chains.get(attemptId) ?? Promise.resolve(true);
    this.track(
      attemptId,
      previous.then(async (stored) => {
        if (!stored) return false;
        await this.persist(attemptId, what, write, alreadyStored);
        return true;
      }),
    );
  }

  /** Resolves once every write queued while storage was down is written. */
  replayed(): Promise<void> {
    return this.replays;
  }

  private async persist(attemptId: AttemptId, what: string, write: () => Promise<unknown>, alreadyStored?: AlreadyStored): Promise<void> {
    try {
      const startedAt = performance.now();
      await write();
      this.o.timed?.(what, performance.now() - startedAt);
      return;
    } catch (error) {
      if (!this.o.outage?.failed(error)) return this.o.onError?.(attemptId, what, error);
    }
    const replay = this.replays.then(() => this.replay(this.o.outage!, attemptId, what, write, alreadyStored));
    this.replays = replay;
    await replay;
  }

  /** Writes once storage is back; a write the outage interrupted again waits again. Never rejects. */
  private async replay(outage: StorageOutage, attemptId: AttemptId, what: string, write: () => Promise<unknown>, alreadyStored?: AlreadyStored) {
    for (;;) {
      await outage.whenBack();
      try {
        if (!(await alreadyStored?.())) await write();
        return;
      } catch (error) {
        if (outage.failed(error)) continue;
        return this.o.onError?.(attemptId, what, error);
      }
    }
  }

  private track(attemptId: AttemptId, step: Promise<boolean>): void {
    this.chains.set(attemptId, step);
    void step.then(() => {
      if (this.chains.get(attemptId) === step) this.chains.delete(attemptId);
    });
  }
}
