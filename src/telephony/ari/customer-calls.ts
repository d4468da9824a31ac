/**
 * The adapter's memory of the customer calls it drives, found by attempt or
 * by Asterisk channel. A call leaves the table once its end is reported.
 */
import type { AgentId, AttemptId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { EndedBy, OriginateRequest } from '../port.js';

export type CallPhase =
  /** Originate sent or queued; nobody answered yet. */
  | 'dialing'
  /** Answered and in the machine-detection context. */
  | 'detecting'
  /** `call.answered` reported; waiting for an agent, an abandon or a message. */
  | 'answered'
  /** Still waiting, while the agent rung for this call (ring-per-call) has not answered. */
  | 'ringing-agent'
  /** Put through to an agent. */
  | 'connected';

export interface CustomerCall {
  readonly request: OriginateRequest;
  readonly channelId: string;
  phase: CallPhase;
  /** The last DIALSTATUS heard, for causes that do not say which outcome they are. */
  lastDialstatus: string | undefined;
  rang: boolean;
  answeredAt: EpochMs | undefined;
  /** Machine detection's verdict (AMDSTATUS, AMDCAUSE), once heard. */
  detection: { readonly status: string; readonly cause: string } | undefined;
  agentId: AgentId | undefined;
  /** Set when outpace asked for the end, so the end is reported with who brought it about. */
  endRequestedBy: EndedBy | undefined;
  /** Asterisk accepted the originate, or has sent events about the channel: it exists (or existed). */
  created: boolean;
  /** The engine hung up before Asterisk had the channel: hang it up as soon as it exists. */
  cancelled: boolean;
  /** Originated through the dialplan, which records it from the answer (call-recordings.ts). */
  recordedFromAnswer: boolean;
  /** Whether the call holds one of its trunk's counted lines (TrunkShares), once the count answered. */
  holdsLine: Promise<boolean>;
}

export class CustomerCalls {
  private readonly byAttempt = new Map<AttemptId, CustomerCall>();
  private readonly byChannel = new Map<string, CustomerCall>();
  add(request: OriginateRequest, channelId: string, holdsLine: Promise<boolean>): CustomerCall {
    const call: CustomerCall = {
      request,
      channelId,
      phase: 'dialing',
      lastDialstatus: undefined,
      rang: false,
      answeredAt: undefined,
      detection: undefined,
      agentId: undefined,
      endRequestedBy: undefined,
      created: false,
      cancelled: false,
      recordedFromAnswer: false,
      holdsLine,
    };
    this.byAttempt.set(request.attemptId, call);
    this.byChannel.set(channelId, call);
    return call;
  }

  get(attemptId: AttemptId): CustomerCall | undefined {
    return this.byAttempt.get(attemptId);
  }

  onChannel(channelId: string): CustomerCall | undefined {
    return this.byChannel.get(channelId);
  }

  /** Whether the call is still in the table, i.e. its end has not been reported. */
  isLive(call: CustomerCall): boolean {
    return this.byAttempt.get(call.request.attemptId) === call;
  }

  remove(call: CustomerCall): void {
    if (!this.isLive(call)) return;
    this.byAttempt.delete(call.request.attemptId);
    this.byChannel.delete(call.channelId);
  }

  all(): CustomerCall[] {
    return [...this.byAttempt.values()];
  }

  get size(): number {
    return this.byAttempt.size;
  }
}
