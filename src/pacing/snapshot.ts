/**
 * What the pacing core is shown on each tick: the agents and their states,
 * the calls in flight, and the capacity left on the trunk and in the hopper.
 * The engine builds it from its hot state; the core never reaches further.
 */
import type { AgentId, AttemptId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';

export const AGENT_STATES = ['logged-out', 'ready', 'reserved', 'on-call', 'wrap-up', 'paused'] as const;
/** reserved: a call is being put through to the agent. */
export type AgentState = (typeof AGENT_STATES)[number];

export interface AgentView {
  readonly id: AgentId;
  readonly state: AgentState;
  readonly stateSince: EpochMs;
  /** When the agent's current call was connected (on-call and wrap-up). */
  readonly callStartedAt?: EpochMs;
  /** The agent asked for a pause that starts when the current call and wrap-up end: not about to be free. */
  readonly pausePending: boolean;
}

/**
 * ringing: originated, no outcome yet. waiting: a person answered and needs an
 * agent. connecting: being put through to a reserved agent. connected: talking.
 * closing: being hung up, playing the abandon message or a machine message.
 */
export type CallPhase = 'ringing' | 'waiting' | 'connecting' | 'connected' | 'closing';

export interface CallView {
  readonly attemptId: AttemptId;
  readonly phase: CallPhase;
  readonly originatedAt: EpochMs;
  /** When the answered person became ready for an agent; the connect deadline counts from here. */
  readonly readyAt?: EpochMs;
}

export interface PacingSnapshot {
  readonly now: EpochMs;
  /** Logged-in agents of the campaign. */
  readonly agents: readonly AgentView[];
  /** Calls of the campaign not yet ended. */
  readonly calls: readonly CallView[];
  readonly capacity: {
    /** The trunk can carry calls: false while the PBX finds its carrier unreachable (its lines are then not counted). */
    readonly trunkUp: boolean;
    /** Lines the trunk has free now. */
    readonly trunkLinesFree: number;
    /** Calls the trunk's calls-per-second limit allows now. */
    readonly trunkCallsAllowedNow: number;
    /** Leads ready to dial in the hopper. */
    readonly leadsAvailable: number;
  };
}

export interface SnapshotCounts {
  readonly ready: number;
  readonly reserved: number;
  readonly onCall: number;
  readonly wrapUp: number;
  readonly paused: number;
  /** Logged in and not paused: the agents pacing works for. */
  readonly active: number;
  readonly ringing: number;
  readonly waiting: number;
  readonly connecting: number;
  /** Every call not yet ended, connected ones included: lines in use. */
  readonly callsInFlight: number;
}

export function countSnapshot(s: PacingSnapshot): SnapshotCounts {
  let ready = 0, reserved = 0, onCall = 0, wrapUp = 0, paused = 0;
  for (const a of s.agents) {
    if (a.state === 'ready') ready++;
    else if (a.state === 'reserved') reserved++;
    else if (a.state === 'on-call') onCall++;
    else if (a.state === 'wrap-up') wrapUp++;
    else if (a.state === 'paused') paused++;
  }
  let ringing = 0, waiting = 0, connecting = 0;
  for (const c of s.calls) {
    if (c.phase === 'ringing') ringing++;
    else if (c.phase === 'waiting') waiting++;
    else if (c.phase === 'connecting') connecting++;
  }
  return {
    ready, reserved, onCall, wrapUp, paused,
    active: ready + reserved + onCall + wrapUp,
    ringing, waiting, connecting,
    callsInFlight: s.calls.length,
  };
}
