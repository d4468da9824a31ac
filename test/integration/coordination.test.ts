import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordination, LiveEvent, SupervisorCommand } from '../../src/coordination/coordination.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { redisCoordination } from '../../src/coordination/redis/redis-coordination.js';
import { AgentId, AttemptId, CampaignId } from '../../src/domain/ids.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redis.js';

interface Harness {
  readonly kind: string;
  open(): Coordination;
  /** Lets a lease of `ttl` ms run out: the fake clock moves, or the real Redis expires it. */
  lapse(ttl: number): Promise<void>;
  dispose(): Promise<void>;
}

const url = await redisUrl();
let fakeNow = 1_000_000;
const harnesses: Harness[] = [
  {
    kind: 'memory',
    open: () => memoryCoordination({ now: () => fakeNow }),
    lapse: async (ttl) => {
      fakeNow += ttl;
    },
    dispose: async () => undefined,
  },
];
if (url) {
  const prefix = uniquePrefix();
  harnesses.push({
    kind: 'redis',
    open: () => redisCoordination(url, prefix),
    lapse: (ttl) => new Promise((resolve) => setTimeout(resolve, ttl + 20)),
    dispose: () => dropPrefix(url, prefix),
  });
}

const TTL = 150;
let campaigns = 0;
const freshCampaign = () => CampaignId(`campaign-${++campaigns}-${Date.now()}`);

describe.each(harnesses)('coordination through $kind', (harness) => {
  let coordination: Coordination;
  beforeAll(() => {
    coordination = harness.open();
  });
  afterAll(async () => {
    await coordination.close();
    await harness.dispose();
  });

  describe('campaign ownership', () => {
    it('lets one engine own a campaign and keeps the other out while the lease runs', async () => {
      const campaign = freshCampaign();
      const token = await coordination.ownership.acquire(campaign, 'engine-a', 60_000);
      expect(token).toBeTypeOf('number');
      expect(await coordination.ownership.acquire(campaign, 'engine-b', 60_000)).toBeNull();
      expect(await coordination.ownership.acquire(campaign, 'engine-a', 60_000)).toBe(token);
      expect(await coordination.ownership.owner(campaign)).toEqual({ engineId: 'engine-a', token });
    });

    it('hands the campaign to another engine when the lease lapses, with a higher fencing token', async () => {
      const campaign = freshCampaign();
      const first = (await coordination.ownership.acquire(campaign, 'engine-a', TTL))!;
      await harness.lapse(TTL);
      const second = await coordination.ownership.acquire(campaign, 'engine-b', 60_000);
      expect(second).toBeGreaterThan(first);
      // The stalled engine's token is stale: it must not act, and cannot renew or release.
      expect(await coordination.ownership.isCurrent(campaign, first)).toBe(false);
      expect(await coordination.ownership.isCurrent(campaign, second!)).toBe(true);
      expect(await coordination.ownership.renew(campaign, 'engine-a', first, 60_000)).toBe(false);
      expect(await coordination.ownership.release(campaign, 'engine-a', first)).toBe(false);
      expect((await coordination.ownership.owner(campaign))?.engineId).toBe('engine-b');
    });

    it('keeps a renewed lease and frees a released one at once', async () => {
      const campaign = freshCampaign();
      const token = (await coordination.ownership.acquire(campaign, 'engine-a', 60_000))!;
      expect(await coordination.ownership.renew(campaign, 'engine-a', token, 60_000)).toBe(true);
      expect(await coordination.ownership.release(campaign, 'engine-a', token)).toBe(true);
      const next = await coordination.ownership.acquire(campaign, 'engine-b', 60_000);
      expect(next).toBe(token + 1);
    });
  });

  describe('live state', () => {
    it('keeps agent states, calls in flight and counters, and publishes each change', async () => {
      const campaign = freshCampaign();
      const events: LiveEvent[] = [];
      const unsubscribe = await coordination.live.subscribe((event) => events.push(event));
      const agent = { state: 'ready' as const, since: 5, campaignId: campaign };
      await coordination.live.setAgentState(AgentId('alice'), agent);
      const call = { attemptId: AttemptId('a1'), campaignId: campaign, phase: 'dialing' as const, since: 6, agentId: null };
      await coordination.live.trackCall(call);
      await coordination.live.count(campaign, 'dials', Date.UTC(2026, 10, 23, 12));
      expect(await coordination.live.count(campaign, 'dials', Date.UTC(2026, 10, 23, 13))).toBe(2);
      expect((await coordination.live.agentStates()).alice).toEqual(agent);
      expect(await coordination.live.callsInFlight(campaign)).toEqual([call]);
      expect((await coordination.live.counters(campaign, Date.UTC(2026, 10, 23, 20))).dials).toBe(2);
      expect((await coordination.live.counters(campaign, Date.UTC(2026, 10, 24, 1))).dials).toBe(0);
      await coordination.live.callEnded(campaign, call.attemptId);
      expect(await coordination.live.callsInFlight(campaign)).toEqual([]);
      await expect.poll(() => events.length).toBe(5);
      expect(events.map((e) => e.type)).toEqual(['agent-state', 'call', 'counter', 'counter', 'call-ended']);
      await unsubscribe();
    });

    it("keeps each campaign's last pacing decision, and carries supervisors' commands apart from the wallboard's events", async () => {
      const campaign = freshCampaign();
      const events: LiveEvent[] = [];
      const commands: SupervisorCommand[] = [];
      const unsubscribe = await coordination.live.subscribe((event) => events.push(event));
      const unfollow = await coordination.live.onCommand((command) => commands.push(command));
      expect(await coordination.live.pacing(campaign)).toBeNull();
      const pacing = {
        at: 7, policy: 'predictive', dials: 0, proposed: 2, limitedBy: 'trunk-lines', dialLevel: 1.2, expectedFreeAgents: 1.5, expectedLiveAnswers: null,
        expectedAbandons: null, abandonRate: 0.01, abandonRateLastHour: 0.02, detectionFalsePositives: 0.4, leadsAvailable: 9, activeAgents: 4,
      };
      await coordination.live.setPacing(campaign, pacing);
      expect(await coordination.live.pacing(campaign)).toEqual(pacing);
      const command: SupervisorCommand = { type: 'pause-agent', agentId: AgentId('alice'), reason: 'coaching', by: 'sue' };
      await coordination.live.sendCommand(command);
      await expect.poll(() => commands).toEqual([command]);
      await expect.poll(() => events).toEqual([{ type: 'pacing', campaignId: campaign, pacing }]);
      await unsubscribe();
      await unfollow();
    });

    it("tells a campaign's new state, mode and abandon target to every subscriber, as it happens", async () => {
      const campaign = freshCampaign();
      const first: LiveEvent[] = [];
      const second: LiveEvent[] = [];
      const unsubscribe = await Promise.all([coordination.live.subscribe((e) => first.push(e)), coordination.live.subscribe((e) => second.push(e))]);
      const paused = { campaignId: campaign, state: 'paused' as const, mode: 'predictive' as const, abandonTarget: 0.03, by: 'sue', at: 8 };
      const retargeted = { ...paused, state: 'running' as const, mode: 'power' as const, abandonTarget: 0.02, by: 'api', at: 9 };
      await coordination.live.campaignNews(paused);
      await coordination.live.campaignNews(retargeted);
      const expected = [{ type: 'campaign', campaign: paused }, { type: 'campaign', campaign: retargeted }];
      await expect.poll(() => first).toEqual(expected);
      await expect.poll(() => second).toEqual(expected);
      await Promise.all(unsubscribe.map((u) => u()));
    });
  });
});
