/**
 * Live state in Redis, read by every engine and the API: agents in one hash,
 * calls in flight in a hash per campaign, counters in a hash per campaign and
 * UTC day (kept 31 days), each campaign's last pacing decision in one hash.
 * Every change is published on one channel for the wallboard; supervisors'
 * commands to the engines on another.
 */
import type { Redis } from 'ioredis';
import type { AgentId, AttemptId, CampaignId } from '../../domain/ids.js';
import {
  counterDay,
  zeroCounters,
  type AgentLiveState,
  type CallInFlight,
  type CampaignNews,
  type CampaignPacing,
  type Counters,
  type LiveCounter,
  type LiveEvent,
  type LiveState,
  type SupervisionNews,
  type SupervisorCommand,
} from '../coordination.js';

const COUNTER_DAYS_KEPT = 31 * 24 * 3600;

export class RedisLiveState implements LiveState {
  constructor(
    private readonly redis: Redis,
    /** Subscriptions need a connection of their own: a subscribed one can send nothing else. */
    private readonly openSubscriber: () => Redis,
    private readonly prefix: string,
  ) {}

  private get channel() {
    return `${this.prefix}events`;
  }

  private async publish(event: LiveEvent) {
    await this.redis.publish(this.channel, JSON.stringify(event));
  }

  async setAgentState(agentId: AgentId, agent: AgentLiveState) {
    await this.redis.hset(`${this.prefix}agents`, agentId, JSON.stringify(agent));
    await this.publish({ type: 'agent-state', agentId, agent });
  }

  async agentStates() {
    const all = await this.redis.hgetall(`${this.prefix}agents`);
    return Object.fromEntries(Object.entries(all).map(([id, json]) => [id, JSON.parse(json) as AgentLiveState]));
  }

  async trackCall(call: CallInFlight) {
    await this.redis.hset(`${this.prefix}calls:${call.campaignId}`, call.attemptId, JSON.stringify(call));
    await this.publish({ type: 'call', call });
  }

  async callEnded(campaignId: CampaignId, attemptId: AttemptId) {
    await this.redis.hdel(`${this.prefix}calls:${campaignId}`, attemptId);
    await this.publish({ type: 'call-ended', campaignId, attemptId });
  }

  async callsInFlight(campaignId: CampaignId) {
    const all = await this.redis.hvals(`${this.prefix}calls:${campaignId}`);
    return all.map((json) => JSON.parse(json) as CallInFlight);
  }

  async count(campaignId: CampaignId, counter: LiveCounter, at: number, by = 1) {
    const key = `${this.prefix}counters:${campaignId}:${counterDay(at)}`;
    const [[, value]] = (await this.redis.multi().hincrby(key, counter, by).expire(key, COUNTER_DAYS_KEPT).exec()) as [[null, number]];
    await this.publish({ type: 'counter', campaignId, counter, value });
    return value;
  }

  async counters(campaignId: CampaignId, at: number): Promise<Counters> {
    const stored = await this.redis.hgetall(`${this.prefix}counters:${campaignId}:${counterDay(at)}`);
    const counters = zeroCounters();
    for (const [name, value] of Object.entries(stored)) if (name in counters) counters[name as LiveCounter] = Number(value);
    return counters;
  }

  async setPacing(campaignId: CampaignId, pacing: CampaignPacing) {
    await this.redis.hset(`${this.prefix}pacing`, campaignId, JSON.stringify(pacing));
    await this.publish({ type: 'pacing', campaignId, pacing });
  }

  async pacing(campaignId: CampaignId) {
    const json = await this.redis.hget(`${this.prefix}pacing`, campaignId);
    return json === null ? null : (JSON.parse(json) as CampaignPacing);
  }

  async supervisionNews(supervision: SupervisionNews) {
    await this.publish({ type: 'supervision', supervision });
  }

  async campaignNews(campaign: CampaignNews) {
    await this.publish({ type: 'campaign', campaign });
  }

  async subscribe(listener: (event: LiveEvent) => void) {
    return this.listen(this.channel, listener);
  }

  async sendCommand(command: SupervisorCommand) {
    await this.redis.publish(`${this.prefix}commands`, JSON.stringify(command));
  }

  async onCommand(listener: (command: SupervisorCommand) => void) {
    return this.listen(`${this.prefix}commands`, listener);
  }

  private async listen<T>(channel: string, listener: (message: T) => void) {
    const subscriber = this.openSubscriber();
    subscriber.on('message', (_channel: string, message: string) => listener(JSON.parse(message) as T));
    await subscriber.subscribe(channel);
    return async () => {
      await subscriber.quit();
    };
  }
}
