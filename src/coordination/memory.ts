/** The in-process coordination for a single engine with no Redis (the embedded demo). */
import { EventEmitter } from 'node:events';
import type { AgentId, AttemptId, CampaignId } from '../domain/ids.js';
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
  type SupervisionNews,
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

export function memoryCoordination(clock: Clock): Coordination {
  return {
    ownership: new MemoryOwnership(clock),
    live: new MemoryLiveState(),
    health: () => ({ reachable: true }),
    close: async () => undefined,
  };
}
