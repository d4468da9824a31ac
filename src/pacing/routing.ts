/**
 * Who takes which answered call: the longest-idle ready agent takes the
 * longest-waiting person, and a person no agent took within the connect
 * deadline is abandoned (the engine plays the campaign's abandon message).
 * Where not every agent can take every call (agents on several PBXs, each
 * call on one), `canMeet` says which can, given how long the person has
 * waited (a port may let a call cross to another PBX only after a while):
 * the longest-waiting person takes the longest-idle agent they can meet.
 */
import type { AgentId, AttemptId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';

export interface WaitingCall {
  readonly attemptId: AttemptId;
  /** When the person became ready for an agent; the deadline counts from here. */
  readonly readyAt: EpochMs;
}

export interface ReadyAgent {
  readonly id: AgentId;
  /** When the agent last became ready: the longest idle goes first. */
  readonly readySince: EpochMs;
}

export interface RoutingDecision {
  readonly connect: readonly { readonly attemptId: AttemptId; readonly agentId: AgentId }[];
  readonly abandon: readonly AttemptId[];
}

export function route(
  waiting: readonly WaitingCall[],
  ready: readonly ReadyAgent[],
  now: EpochMs,
  connectDeadlineMs: number,
  canMeet?: (attemptId: AttemptId, agentId: AgentId, waitedMs: number) => boolean,
): RoutingDecision {
  const abandon: AttemptId[] = [];
  const live: WaitingCall[] = [];
  for (const c of waiting) {
    if (now - c.readyAt >= connectDeadlineMs) abandon.push(c.attemptId);
    else live.push(c);
  }
  if (live.length === 0 || ready.length === 0) return { connect: [], abandon };
  const calls = [...live].sort((a, b) => a.readyAt - b.readyAt);
  const agents = [...ready].sort((a, b) => a.readySince - b.readySince);
  if (!canMeet) {
    // Every agent can take every call (one PBX): pair them in order, as the tick must stay linear in the floor's size.
    const n = Math.min(calls.length, agents.length);
    return { connect: calls.slice(0, n).map((call, i) => ({ attemptId: call.attemptId, agentId: agents[i]!.id })), abandon };
  }
  const connect = [];
  const free: (ReadyAgent | undefined)[] = agents;
  for (const call of calls) {
    const waitedMs = now - call.readyAt;
    const i = free.findIndex((a) => a !== undefined && canMeet(call.attemptId, a.id, waitedMs));
    if (i < 0) continue;
    connect.push({ attemptId: call.attemptId, agentId: free[i]!.id });
    free[i] = undefined;
  }
  return { connect, abandon };
}
