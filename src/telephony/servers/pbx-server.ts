/**
 * One Asterisk server as the port over several sees it: its adapter (once
 * connected), whether it can be reached, its trunks' limits, the agents whose
 * softphones are on it and the calls it carries.
 */
import type { AgentId, AttemptId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { TimerHandle } from '../../engine/scheduler.js';
import type { IvrPort } from '../ivr-port.js';
import type { LeftCall, OriginateRequest, TelephonyPort, TrunkCapacity } from '../port.js';
import type { PbxServerConfig } from './servers-config.js';
import type { ServerLoad } from './server-choice.js';

/** What the port over several servers asks of each server's adapter (AriTelephony). */
export interface ServerPort extends TelephonyPort, IvrPort {
  adoptCalls(calls: readonly OriginateRequest[]): Promise<ReadonlyMap<AttemptId, LeftCall>>;
  removeLeftLegs(lostEngine?: string): Promise<number>;
  /** Says when the trunk goes down and comes back (trunk.down, trunk.up). */
  followTrunk(trunk: string): void;
  /** The trunk's lines and starts free on this server, over every engine; undefined where the server does not carry it. */
  trunkCapacity(trunk: string, now: EpochMs): TrunkCapacity | undefined;
  shutdown(): Promise<void>;
  close(): void;
  readonly restRequestsPending: number;
  /** The customer's half of a call crossing to an agent on another server (AriTelephony.crossTo). */
  crossTo(attemptId: AttemptId, agentId: AgentId, endpoint: string, variables: Readonly<Record<string, string>>): { recordAgentLegThere: boolean } | string;
  giveUpCrossing(attemptId: AttemptId, why: string): void;
  /** The agent's half (AriTelephony.expectCrossing). */
  expectCrossing(attemptId: AttemptId, agentId: AgentId, recordAgentLeg: boolean): string | undefined;
  endCrossing(attemptId: AttemptId): void;
}

/** A call on the server: its trunk, and how far it got. */
export interface ServerCall {
  readonly trunk: string;
  answered: boolean;
  agentId?: AgentId;
  /** Put through to an agent on another server (a crossing): that server counts the agent as talking. */
  crossed?: true;
}

/**
 * An agent of the server taken out of ready while it was out of reach:
 * `away` until it is back; `asked` once their leg was asked for again (its
 * leg-up or leg-down, whichever comes, settles it).
 */
export type LostAgent = 'away' | 'asked';

export class PbxServer {
  port: ServerPort | undefined;
  /** The event socket is up: calls may be placed here. */
  reachable = false;
  /** Not declared down: its agents count as reachable by the engine. */
  up = false;
  downTimer: TimerHandle | undefined;
  /** Agents logged in here, with their softphone's endpoint. */
  readonly endpoints = new Map<AgentId, string>();
  readonly legsUp = new Set<AgentId>();
  readonly lost = new Map<AgentId, LostAgent>();
  readonly calls = new Map<AttemptId, ServerCall>();
  /** Calls reported ended to the engine when the server went down: what the adapter says of them later is not news. */
  readonly writtenOff = new Set<AttemptId>();
  /** Agents of this server talking to customers on other servers (crossings). */
  agentsLent = 0;

  constructor(readonly config: PbxServerConfig) {}

  get name(): string {
    return this.config.name;
  }

  carries(trunk: string): boolean {
    return this.config.trunks.some((t) => t.id === trunk);
  }

  /** What the trunk can carry here now, over every engine; nothing while the server is out of reach. */
  capacity(trunk: string, now: EpochMs): TrunkCapacity {
    const capacity = this.reachable ? this.port?.trunkCapacity(trunk, now) : undefined;
    return { linesFree: capacity?.linesFree ?? 0, callsAllowedNow: capacity?.callsAllowedNow ?? 0 };
  }

  load(trunk: string, now: EpochMs): ServerLoad {
    let agentsTalking = this.agentsLent;
    let callsWaiting = 0;
    let callsRinging = 0;
    for (const call of this.calls.values()) {
      if (call.crossed) continue;
      if (call.agentId) agentsTalking++;
      else if (call.answered) callsWaiting++;
      else callsRinging++;
    }
    return {
      name: this.name,
      ...this.capacity(trunk, now),
      agentsUp: this.up ? this.legsUp.size : 0,
      agentsTalking,
      callsWaiting,
      callsRinging,
    };
  }

  /** A call placed here (its adapter counts its trunk line). */
  placed(attemptId: AttemptId, trunk: string, answered = false): void {
    this.calls.set(attemptId, { trunk, answered });
  }

  ended(attemptId: AttemptId): void {
    this.calls.delete(attemptId);
  }
}
