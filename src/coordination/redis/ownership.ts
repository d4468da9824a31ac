/**
 * Campaign ownership in Redis. Each step is one Lua script (beside this file),
 * so reading the owner and changing the lease happen atomically: two engines
 * can never both believe they took the lease.
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { CampaignId } from '../../domain/ids.js';
import type { CampaignOwnership, FencingToken } from '../coordination.js';

const script = (name: string) => readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');

interface LeaseCommands {
  outpaceAcquireLease(lease: string, fence: string, engineId: string, ttl: number): Promise<number | null>;
  outpaceRenewLease(lease: string, engineId: string, token: number, ttl: number): Promise<number>;
  outpaceReleaseLease(lease: string, engineId: string, token: number): Promise<number>;
}

export class RedisOwnership implements CampaignOwnership {
  private readonly commands: LeaseCommands;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('outpaceAcquireLease', { numberOfKeys: 2, lua: script('acquire-lease') });
    redis.defineCommand('outpaceRenewLease', { numberOfKeys: 1, lua: script('renew-lease') });
    redis.defineCommand('outpaceReleaseLease', { numberOfKeys: 1, lua: script('release-lease') });
    this.commands = redis as unknown as LeaseCommands;
  }

  private lease(campaignId: CampaignId) {
    return `${this.prefix}lease:${campaignId}`;
  }

  acquire(campaignId: CampaignId, engineId: string, ttl: number): Promise<FencingToken | null> {
    return this.commands.outpaceAcquireLease(this.lease(campaignId), `${this.prefix}fence:${campaignId}`, engineId, Math.ceil(ttl));
  }

  async renew(campaignId: CampaignId, engineId: string, token: FencingToken, ttl: number) {
    return (await this.commands.outpaceRenewLease(this.lease(campaignId), engineId, token, Math.ceil(ttl))) === 1;
  }

  async release(campaignId: CampaignId, engineId: string, token: FencingToken) {
    return (await this.commands.outpaceReleaseLease(this.lease(campaignId), engineId, token)) === 1;
  }

  async isCurrent(campaignId: CampaignId, token: FencingToken) {
    return (await this.redis.hget(this.lease(campaignId), 'token')) === String(token);
  }

  async owner(campaignId: CampaignId) {
    const [engineId, token] = await this.redis.hmget(this.lease(campaignId), 'owner', 'token');
    return engineId && token ? { engineId, token: Number(token) } : null;
  }
}
