/** The in-process coordination for a single engine with no Redis (the embedded demo). */
import { EventEmitter } from 'node:events';
import type { AgentId, AttemptId, CampaignId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { Clock } from '../engine/scheduler.js';
import {
  counterDay,
  zeroCounters,
  type AgentLiveState,
  type CallInFlight,
  type CampaignNews,
  type CampaignOwnership,
  type CampaignPacing,
  type Coordination,
  type Counters,
  type LiveCounter,
  type LiveEvent,
  type LiveState,
  type OthersOnTrunk,
  type SeizeOutcome,
  type SharedTrunkId,
  type SupervisionNews,
  type TrunkLimits,
  type TrunkLines,
  type SupervisorCommand,
} from './coordination.js';

interface Lease {
  engineId: string;
  token: number;
  expiresAt: number;
}

export class MemoryOwnership implements CampaignOwnership {
  private readonly leases = new Map<string, Lease>();
  private readonly fences = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  private live(campaignId: CampaignId): Lease | undefined {
    const lease = this.leases.get(campaignId);
    return lease && lease.expiresAt > this.clock.now() ? lease : undefined;
  }

  async acquire(campaignId: CampaignId, engineId: string, ttl: number) {
    const lease = this.live(campaignId);
    if (lease && lease.engineId !== engineId) return null;
    const token = lease?.token ?? (this.fences.get(campaignId) ?? 0) + 1;
    this.fences.set(campaignId, token);
    this.leases.set(campaignId, { engineId, token, expiresAt: this.clock.now() + ttl });
    return token;
  }

  async renew(campaignId: CampaignId, engineId: string, token: number, ttl: number) {
    const lease = this.live(campaignId);
    if (!lease || lease.engineId !== engineId || lease.token !== token) return false;
    lease.expiresAt = this.clock.now() + ttl;
    return true;
  }

  async release(campaignId: CampaignId, engineId: string, token: number) {
    const lease = this.live(campaignId);
    if (!lease || lease.engineId !== engineId || lease.token !== token) return false;
    this.leases.delete(campaignId);
    return true;
  }

  async isCurrent(campaignId: CampaignId, token: number) {
    return this.live(campaignId)?.token === token;
  }

  async owner(campaignId: CampaignId) {
    const lease = this.live(campaignId);
    return lease ? { engineId: lease.engineId, token: lease.token } : null;
  }
}

export class MemoryLiveState implements LiveState {
  private readonly agents = new Map<string, AgentLiveState>();
  private readonly calls = new Map<string, Map<string, CallInFlight>>();
  private readonly tallies = new Map<string, Counters>();
  private readonly pacings = new Map<string, CampaignPacing>();
  private readonly events = new EventEmitter();

  async setAgentState(agentId: AgentId, agent: AgentLiveState) {
    this.agents.set(agentId, agent);
    this.emit({ type: 'agent-state', agentId, agent });
  }

  async agentStates() {
    return Object.fromEntries(this.agents);
  }

  async trackCall(call: CallInFlight) {
    const campaign = this.calls.get(call.campaignId) ?? new Map<string, CallInFlight>();
    campaign.set(call.attemptId, call);
    this.calls.set(call.campaignId, campaign);
    this.emit({ type: 'call', call });
  }

  async callEnded(campaignId: CampaignId, attemptId: AttemptId) {
    this.calls.get(campaignId)?.delete(attemptId);
    this.emit({ type: 'call-ended', campaignId, attemptId });
  }

  async callsInFlight(campaignId: CampaignId) {
    return [...(this.calls.get(campaignId)?.values() ?? [])];
  }

  async count(campaignId: CampaignId, counter: LiveCounter, at: number, by = 1) {
    const key = `${campaignId}:${counterDay(at)}`;
    const tally = this.tallies.get(key) ?? zeroCounters();
    tally[counter] += by;
    this.tallies.set(key, tally);
    this.emit({ type: 'counter', campaignId, counter, value: tally[counter] });
    return tally[counter];
  }

  async counters(campaignId: CampaignId, at: number) {
    return { ...(this.tallies.get(`${campaignId}:${counterDay(at)}`) ?? zeroCounters()) };
  }

  async setPacing(campaignId: CampaignId, pacing: CampaignPacing) {
    this.pacings.set(campaignId, pacing);
    this.emit({ type: 'pacing', campaignId, pacing });
  }

  async pacing(campaignId: CampaignId) {
    return this.pacings.get(campaignId) ?? null;
  }

  async supervisionNews(supervision: SupervisionNews) {
    this.emit({ type: 'supervision', supervision });
  }

  async campaignNews(campaign: CampaignNews) {
    this.emit({ type: 'campaign', campaign });
  }

  async subscribe(listener: (event: LiveEvent) => void) {
    return this.listen('event', listener);
  }

  async sendCommand(command: SupervisorCommand) {
    this.events.emit('command', command);
  }

  async onCommand(listener: (command: SupervisorCommand) => void) {
    return this.listen('command', listener);
  }

  private listen<T>(name: string, listener: (payload: T) => void) {
    this.events.on(name, listener);
    return async () => {
      this.events.off(name, listener);
    };
  }

  private emit(event: LiveEvent) {
    this.events.emit('event', event);
  }
}

interface TrunkUse {
  readonly holders: Map<string, { lines: number; expiresAt: EpochMs }>;
  /** Call starts, oldest first. */
  starts: { readonly engineId: string; readonly at: EpochMs }[];
}

/** The same accounting as the Redis one (redis/trunk-lines.ts), for the engines of one process. */
export class MemoryTrunkLines implements TrunkLines {
  private readonly trunks = new Map<string, TrunkUse>();
  constructor(private readonly clock: Clock) {}

  /** The trunk's use now: holders whose hold lapsed are gone, and starts older than the window. */
  private use(trunk: SharedTrunkId, windowMs: number): TrunkUse {
    const key = `${trunk.server}:${trunk.trunk}`;
    const use = this.trunks.get(key) ?? { holders: new Map(), starts: [] };
    this.trunks.set(key, use);
    const now = this.clock.now();
    for (const [engineId, holder] of use.holders) if (holder.expiresAt <= now) use.holders.delete(engineId);
    use.starts = use.starts.filter((s) => s.at > now - windowMs);
    return use;
  }

  private others(use: TrunkUse, engineId: string): OthersOnTrunk {
    let lines = 0;
    for (const [id, holder] of use.holders) if (id !== engineId) lines += holder.lines;
    return { lines, starts: use.starts.filter((s) => s.engineId !== engineId).length };
  }

  async seize(trunk: SharedTrunkId, engineId: string, limits: TrunkLimits, holdMs: number) {
    const use = this.use(trunk, limits.windowMs);
    const others = this.others(use, engineId);
    const mine = use.holders.get(engineId)?.lines ?? 0;
    const seized: SeizeOutcome = others.lines + mine >= limits.maxLines ? 'lines-full' : use.starts.length >= limits.startsPerWindow ? 'starts-full' : 'seized';
    if (seized === 'seized') {
      const now = this.clock.now();
      use.holders.set(engineId, { lines: mine + 1, expiresAt: now + holdMs });
      use.starts.push({ engineId, at: now });
    }
    return { seized, others };
  }

  async release(trunk: SharedTrunkId, engineId: string) {
    const holder = this.trunks.get(`${trunk.server}:${trunk.trunk}`)?.holders.get(engineId);
    if (holder) holder.lines = Math.max(0, holder.lines - 1);
  }

  async hold(trunk: SharedTrunkId, engineId: string, lines: number, limits: TrunkLimits, holdMs: number) {
    const use = this.use(trunk, limits.windowMs);
    use.holders.set(engineId, { lines, expiresAt: this.clock.now() + holdMs });
    return this.others(use, engineId);
  }
}

export function memoryCoordination(clock: Clock): Coordination {
  return {
    ownership: new MemoryOwnership(clock),
    live: new MemoryLiveState(),
    trunks: new MemoryTrunkLines(clock),
    health: () => ({ reachable: true }),
    close: async () => undefined,
  };
}
