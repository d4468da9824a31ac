/**
 * The whole of each broadcast call, for storage: the key flow decides the
 * call's result (heard, transferred, opted out...) often before the call
 * ends, and a caller put through to an agent by key 1 goes on talking to the
 * agent after it. So a call is stored once both are known, its result and
 * its end, with what the telephony port reported along the way: when the
 * customer answered, when key 1 asked for an agent, when and to whom the
 * call was put through, and how it ended (time and hangup cause).
 */
import type { AgentId, AttemptId } from '../domain/ids.js';
import type { HangupCause } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';
import type { TelephonyEvent } from '../telephony/port.js';
import type { BroadcastCall } from './broadcast-calls.js';
import type { BroadcastResult } from './outcome.js';

export interface BroadcastCallRecord {
  readonly call: BroadcastCall;
  readonly result: BroadcastResult;
  readonly answeredAt: EpochMs | undefined;
  /** Key 1: when the caller asked for an agent. */
  readonly agentAskedAt: EpochMs | undefined;
  readonly connectedAt: EpochMs | undefined;
  readonly agentId: AgentId | undefined;
  readonly endedAt: EpochMs;
  readonly cause: HangupCause;
}

interface Facts {
  call?: BroadcastCall;
  result?: BroadcastResult;
  answeredAt?: EpochMs;
  agentAskedAt?: EpochMs;
  connectedAt?: EpochMs;
  agentId?: AgentId;
  end?: { at: EpochMs; cause: HangupCause };
}

export class BroadcastCallRecords {
  private readonly facts = new Map<AttemptId, Facts>();

  /** `complete` is told each call once its result and its end are both known. */
  constructor(private readonly complete: (record: BroadcastCallRecord) => void) {}

  /** A telephony port listener. */
  readonly telephonyEvent = (e: TelephonyEvent): void => {
    if (!('attemptId' in e)) return;
    const facts = this.facts.get(e.attemptId);
    if (!facts) return;
    switch (e.type) {
      case 'call.answered':
        facts.answeredAt = e.answeredAt;
        return;
      case 'call.connected':
        facts.connectedAt = e.at;
        facts.agentId = e.agentId;
        return;
      case 'call.ended':
      case 'call.failed':
        facts.end = { at: e.at, cause: e.cause };
        return this.completed(e.attemptId);
    }
  };

  /** The call is dialed: its events are followed from now on. */
  dialed(attemptId: AttemptId): void {
    this.facts.set(attemptId, {});
  }

  agentAsked(attemptId: AttemptId, at: EpochMs): void {
    const facts = this.facts.get(attemptId);
    if (facts) facts.agentAskedAt ??= at;
  }

  decided(call: BroadcastCall, result: BroadcastResult): void {
    const facts = this.facts.get(call.attemptId);
    if (!facts) return;
    facts.call = call;
    facts.result = result;
    this.completed(call.attemptId);
  }

  private completed(attemptId: AttemptId): void {
    const facts = this.facts.get(attemptId)!;
    const { call, result, end } = facts;
    if (!call || !result || !end) return;
    this.facts.delete(attemptId);
    this.complete({
      call,
      result,
      answeredAt: facts.answeredAt,
      agentAskedAt: facts.agentAskedAt,
      connectedAt: facts.connectedAt,
      agentId: facts.agentId,
      endedAt: end.at,
      cause: end.cause,
    });
  }
}
