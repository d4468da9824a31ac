/**
 * A simulated PBX for broadcast campaigns: the telephony port and the IVR
 * port over virtual time, with a population of customers who answer or not,
 * are machines, listen, hang up part-way, or press keys. Events and causes as
 * the ARI adapter reports them, so that BroadcastCalls runs unchanged.
 */
import type { AgentId, AttemptId } from '../domain/ids.js';
import type { FailedOutcome, HangupCause } from '../domain/outcomes.js';
import type { DurationMs } from '../domain/time.js';
import type { TimerHandle } from '../engine/scheduler.js';
import type { IvrEvent, IvrPort, PlayRequest } from '../telephony/ivr-port.js';
import type { EndedBy, MediaUri, OriginateRequest, TelephonyEvent, TelephonyPort } from '../telephony/port.js';
import type { SimulatedTime } from './event-queue.js';
import { Listeners } from './listeners.js';
import { Random } from './random.js';
import { CAUSES } from './simulated-telephony.js';

/** Who the broadcast reaches, as shares of dials, and how people behave. */
export interface BroadcastAudience {
  readonly human: number;
  readonly machine: number;
  readonly busy: number;
  readonly noAnswer: number;
  /** The rest fail (congestion). */
  readonly ringSec: readonly [number, number];
  /** How long one media item of a playback lasts. */
  readonly mediaSec: number;
  /** Of the people who answer: who hangs up part-way, and who presses 1, 2 or 9 during the message. */
  readonly hangsUpEarly: number;
  readonly presses: { readonly '1': number; readonly '2': number; readonly '9': number };
}

export const TYPICAL_AUDIENCE: BroadcastAudience = {
  human: 0.55,
  machine: 0.15,
  busy: 0.05,
  noAnswer: 0.2,
  ringSec: [3, 20],
  mediaSec: 2,
  hangsUpEarly: 0.2,
  presses: { '1': 0.05, '2': 0.03, '9': 0.02 },
};

interface SimIvrCall {
  readonly party: 'human' | 'machine';
  readonly rnd: Random;
  /** The key this person will press during the first play, if any. */
  key: string | undefined;
  /** This person hangs up after hearing this many playbacks. */
  leavesAfter: number;
  heard: number;
  playing: TimerHandle | undefined;
  next: TimerHandle | undefined;
  ended: boolean;
}

export class SimulatedIvr implements TelephonyPort, IvrPort {
  private readonly telephony = new Listeners<TelephonyEvent>();
  private readonly ivr = new Listeners<IvrEvent>();
  private readonly calls = new Map<AttemptId, SimIvrCall>();
  private dials = 0;

  constructor(
    private readonly time: SimulatedTime,
    private readonly audience: BroadcastAudience,
    private readonly seed: number,
  ) {}

  subscribe(listener: (event: TelephonyEvent) => void): () => void {
    return this.telephony.subscribe(listener);
  }

  subscribeIvr(listener: (event: IvrEvent) => void): () => void {
    return this.ivr.subscribe(listener);
  }

  originate(request: OriginateRequest): void {
    const { attemptId } = request;
    const rnd = Random.stream(this.seed, 'broadcast-dial', this.dials++);
    const a = this.audience;
    const draw = rnd.next();
    const ringMs = rnd.uniform(a.ringSec[0], a.ringSec[1]) * 1000;
    const fail = (outcome: FailedOutcome, cause: HangupCause, afterMs: DurationMs) =>
      this.time.after(afterMs, () => this.emit({ type: 'call.failed', attemptId, at: this.time.now(), outcome, cause }));
    if (draw >= a.human + a.machine) {
      const rest = draw - a.human - a.machine;
      if (rest < a.busy) fail('busy', CAUSES.busy, 1000);
      else if (rest < a.busy + a.noAnswer) fail('no-answer', CAUSES.noAnswer, request.ringTimeoutSec * 1000);
      else fail('congestion', CAUSES.congestion, 500);
      return;
    }
    const party = draw < a.human ? 'human' : 'machine';
    const keyDraw = rnd.next();
    const key = party === 'machine' ? undefined : keyDraw < a.presses['1'] ? '1' : keyDraw < a.presses['1'] + a.presses['2'] ? '2' : keyDraw < a.presses['1'] + a.presses['2'] + a.presses['9'] ? '9' : undefined;
    const leavesAfter = party === 'human' && rnd.next() < a.hangsUpEarly ? Math.floor(rnd.uniform(0, 4)) : Number.POSITIVE_INFINITY;
    const call: SimIvrCall = { party, rnd, key, leavesAfter, heard: 0, playing: undefined, next: undefined, ended: false };
    this.calls.set(attemptId, call);
    call.next = this.time.after(ringMs, () => {
      const at = this.time.now();
      // Machine detection listens ~2.5 s before deciding.
      const decidedAt = party === 'machine' ? at + 2500 : at;
      call.next = this.time.after(decidedAt - at, () =>
        this.emit({ type: 'call.answered', attemptId, at: this.time.now(), answeredAt: at, party }),
      );
    });
  }

  playOnCall(attemptId: AttemptId, request: PlayRequest): void {
    const call = this.calls.get(attemptId);
    if (!call || call.ended) return;
    const greetingMs = request.afterGreeting ? 4000 : 0;
    const lengthMs = greetingMs + request.media.length * this.audience.mediaSec * 1000;
    if (call.heard >= call.leavesAfter) {
      call.next = this.time.after(lengthMs / 2, () => this.end(attemptId, call, 'customer'));
      return;
    }
    if (call.key !== undefined && call.heard === 1) {
      const key = call.key;
      call.key = undefined;
      call.next = this.time.after(lengthMs / 2, () => this.ivrEmit({ type: 'ivr.key', attemptId, digit: key, at: this.time.now() }));
    }
    call.playing = this.time.after(lengthMs, () => {
      call.playing = undefined;
      call.heard++;
      this.ivrEmit({ type: 'ivr.played', attemptId, playId: request.playId, at: this.time.now() });
    });
  }

  stopPlaying(attemptId: AttemptId): void {
    const call = this.calls.get(attemptId);
    call?.playing?.cancel();
    if (call) call.playing = undefined;
  }

  connectToAgent(attemptId: AttemptId, agentId: AgentId): void {
    const call = this.calls.get(attemptId);
    if (!call || call.ended) return;
    this.emit({ type: 'call.connected', attemptId, agentId, at: this.time.now() });
    // The agent's conversation: the line stays in use until it ends.
    call.next = this.time.after(call.rnd.uniform(60, 240) * 1000, () => this.end(attemptId, call, 'customer'));
  }

  abandon(attemptId: AttemptId, _message: MediaUri): void {
    this.hangup(attemptId);
  }

  leaveMessage(attemptId: AttemptId, _message: readonly MediaUri[]): void {
    this.hangup(attemptId);
  }

  hangup(attemptId: AttemptId): void {
    const call = this.calls.get(attemptId);
    if (call) this.end(attemptId, call, 'system');
    else this.calls.delete(attemptId);
  }

  loginAgent(): void {}
  logoutAgent(): void {}

  private end(attemptId: AttemptId, call: SimIvrCall, endedBy: EndedBy): void {
    if (call.ended) return;
    call.ended = true;
    call.playing?.cancel();
    call.next?.cancel();
    this.calls.delete(attemptId);
    this.emit({ type: 'call.ended', attemptId, at: this.time.now(), endedBy, cause: CAUSES.normal });
  }

  private emit(event: TelephonyEvent): void {
    this.telephony.emit(event);
  }

  private ivrEmit(event: IvrEvent): void {
    this.ivr.emit(event);
  }
}
