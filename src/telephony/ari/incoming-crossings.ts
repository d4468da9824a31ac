/**
 * The agent's half of a call that crosses servers (docs/scaling.md): the
 * customer's server calls this one over the inter-PBX link, the call enters
 * the application through dialplan/outpace.conf's [outpace-from-pbx] with
 * `crossing,<attempt>`, and joins the agent's bridge here, then is answered
 * (which answers the customer's side). Asked for by the port over several
 * servers before the customer's server dials, so that the agent is held for
 * it; a crossing nobody expects is hung up. Either side's end ends the other:
 * the link channel's end frees the agent here, the agent's leg going hangs
 * the link channel up, which ends the customer's call on their server.
 *
 * The agent's leg is recorded here when the customer's server does not
 * record it itself (it does, from the answer, through the dialplan's
 * MixMonitor on the customer's channel, which hears the agent).
 */
import type { Logger } from 'pino';
import type { AgentId, AttemptId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { AgentLeg, AgentLegs } from './agent-legs.js';
import type { AriRest } from './ari-connection.js';
import { describeError, isGoneError } from './ari-errors.js';
import type { CallRecordings, RecordedCall } from './call-recordings.js';
import type { RestGate } from './rest-gate.js';

/** The Stasis arguments [outpace-from-pbx] gives a crossing: `crossing,<attempt>`. */
export const CROSSING_ARGS = 'crossing';

interface Crossing {
  readonly attemptId: AttemptId;
  readonly leg: AgentLeg;
  /** Records the agent's leg here; a crossing recorded on the customer's server records nothing here. */
  readonly recorded: RecordedCall | undefined;
  /** The link channel, once it entered the application. */
  channelId: string | undefined;
}

export interface IncomingCrossingsOptions {
  readonly gate: RestGate;
  readonly rest: () => AriRest;
  readonly agents: AgentLegs;
  readonly recordings: CallRecordings;
  readonly now: () => EpochMs;
  readonly hangupChannel: (channelId: string) => void;
  readonly logger: Logger;
}

export class IncomingCrossings {
  private readonly byAttempt = new Map<AttemptId, Crossing>();
  private readonly byChannel = new Map<string, Crossing>();

  constructor(private readonly o: IncomingCrossingsOptions) {}

  /** Holds the agent's free leg for the crossing of `attemptId`; the refusal says why when it cannot. */
  expect(attemptId: AttemptId, agentId: AgentId, recordAgentLeg: boolean): string | undefined {
    const leg = this.o.agents.get(agentId);
    if (!leg?.up || leg.perCall || leg.attemptId) return `agent ${agentId} has no free leg up on this server`;
    leg.attemptId = attemptId;
    const recorded = recordAgentLeg ? { request: { attemptId, recording: 'agent-legs' as const }, channelId: `${leg.channelId}-x-${attemptId}`, recordedFromAnswer: false } : undefined;
    this.byAttempt.set(attemptId, { attemptId, leg, recorded, channelId: undefined });
    return undefined;
  }

  /** StasisStart of a link channel: joins the agent's bridge, then is answered. Returns whether it was a crossing. */
  entered(channelId: string, args: readonly string[]): boolean {
    if (args[0] !== CROSSING_ARGS) return false;
    const crossing = this.byAttempt.get(args[1] as AttemptId);
    if (!crossing || crossing.channelId !== undefined) {
      this.o.logger.warn({ channelId, attempt: args[1] }, 'a crossing from another server that no call expects here: hung up');
      this.o.hangupChannel(channelId);
      return true;
    }
    crossing.channelId = channelId;
    this.byChannel.set(channelId, crossing);
    const { attemptId, leg } = crossing;
    this.o.gate
      // Urgent: the customer is waiting in silence on their server (see RestGate.run).
      .run('bridge addChannel', () => this.o.rest().addToBridge(leg.bridgeId, [channelId]), { urgent: true })
      .then(() => this.o.gate.run('answer', () => this.o.rest().answer(channelId), { urgent: true }))
      .then(() => (crossing.recorded ? this.o.recordings.start(crossing.recorded, leg, this.o.now()) : undefined))
      .catch((err: unknown) => {
        if (isGoneError(err) || !this.byChannel.has(channelId)) return;
        this.o.logger.error({ attemptId, agentId: leg.agentId, err: describeError(err) }, 'the crossing could not join the agent\'s bridge; hanging it up');
        this.o.hangupChannel(channelId);
      });
    return true;
  }

  /** ChannelDestroyed: a link channel's end frees its agent. Returns whether it was a crossing's. */
  channelGone(channelId: string): boolean {
    const crossing = this.byChannel.get(channelId);
    if (!crossing) return false;
    this.forget(crossing);
    return true;
  }

  /** The customer's side is over (ended, or the crossing given up): the link channel here goes, and the agent is free. */
  end(attemptId: AttemptId): void {
    const crossing = this.byAttempt.get(attemptId);
    if (!crossing) return;
    if (crossing.channelId) this.o.hangupChannel(crossing.channelId);
    this.forget(crossing);
  }

  /** The agent's leg went: their crossing's link channel goes with it, which ends the customer's call on their server. */
  agentGone(leg: AgentLeg): void {
    for (const crossing of this.byAttempt.values()) if (crossing.leg === leg) this.end(crossing.attemptId);
  }

  private forget(crossing: Crossing): void {
    this.byAttempt.delete(crossing.attemptId);
    if (crossing.channelId) this.byChannel.delete(crossing.channelId);
    if (crossing.leg.attemptId === crossing.attemptId) crossing.leg.attemptId = undefined;
    if (crossing.recorded) void this.o.recordings.stop(crossing.recorded);
  }
}
