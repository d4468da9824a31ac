/**
 * /metrics: Prometheus' text format for supervisors' and managers' keys
 * (a scrape job sends one), nothing for an agent's key or none; per campaign,
 * and never a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, CampaignId } from '../../src/domain/ids.js';
import { OutpaceMetrics } from '../../src/metrics/metrics.js';
import type { Db } from '../../src/storage/db.js';
import { freshPglite } from '../support/databases.js';
import { pacingDecision } from '../support/pacing-decision.js';
import { MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const CAMPAIGN = CampaignId('3f0e8a4e-7d6c-4b1f-9a51-0c2d4e6f8a10');

const decision = pacingDecision(MONDAY_8AM_NEW_YORK, {
  dials: 2,
  proposed: 5,
  limitedBy: 'trunk-lines',
  dialLevel: 1.75,
  expectedFreeAgents: 2.4,
  expectedLiveAnswers: 2.1,
  counts: { ready: 2, reserved: 1, onCall: 3, wrapUp: 1, paused: 1, active: 7, ringing: 4, waiting: 0, connecting: 1, callsInFlight: 9 },
  abandonRate: 0.012,
});

describe('/metrics', () => {
  let db: Db;
  let api: Api;
  const metrics = new OutpaceMetrics();
  const keys: Record<string, string> = {};
  beforeAll(async () => {
    db = await freshPglite('migrated');
    const clock = { now: () => MONDAY_8AM_NEW_YORK };
    api = await buildApi({ db, coordination: memoryCoordination(clock), clock, metrics });
    await upsertAgent(db, { id: AgentId('desk'), name: 'Desk', redList: false });
    keys.supervisor = await createApiKey(db, { name: 'floor', role: 'supervisor' });
    keys.agent = await createApiKey(db, { name: 'desk', role: 'agent', agentId: AgentId('desk') });
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });
  const scrape = (key?: string) => api.inject({ method: 'GET', url: '/metrics', headers: key ? { authorization: `Bearer ${key}` } : {} });

  it("serves each campaign's pacing figures, the ARI and storage latencies and Node's own, in Prometheus' text format", async () => {
    const campaign = metrics.campaign(CAMPAIGN);
    campaign.decision(decision);
    campaign.dialed();
    campaign.ended({ outcome: 'live', abandoned: true });
    campaign.claimed(12);
    metrics.ariRequestTimed('bridge addChannel', 3, 42);
    metrics.ariReconnected();
    metrics.followAriQueue(() => 17);
    metrics.storageWriteTimed('outcome', 4);

    const answer = await scrape(keys.supervisor);
    expect(answer.statusCode).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = answer.body;
    const c = `campaign="${CAMPAIGN}"`;
    for (const line of [
      `outpace_calls_in_flight{${c}} 9`,
      `outpace_dial_level{${c}} 1.75`,
      `outpace_agents{${c},state="ready"} 2`,
      `outpace_agents{${c},state="busy"} 5`,
      `outpace_pacing_expected{${c},what="free-agents"} 2.4`,
      `outpace_pacing_decisions_total{${c},limited_by="trunk-lines"} 1`,
      `outpace_dials_total{${c}} 1`,
      `outpace_live_answers_total{${c}} 1`,
      `outpace_abandons_total{${c}} 1`,
      `outpace_lead_claims_total{${c}} 12`,
      `outpace_abandon_rate{${c}} 0.012`,
      'outpace_ari_request_seconds_bucket{le="0.05",request="bridge addChannel"} 1',
      'outpace_ari_requests_queued 17',
      'outpace_ari_event_socket_reconnects_total 1',
      'outpace_storage_write_seconds_count{write="outcome"} 1',
    ]) {
      expect(text).toContain(line);
    }
    expect(text).toMatch(/^outpace_nodejs_eventloop_lag_p99_seconds \d/m);
    // No key, no connection string, no phone number.
    expect(text).not.toContain(keys.supervisor!);
    expect(text).not.toMatch(/postgres:\/\/|redis:\/\/|\+1\d{10}/);
  });

  it('gets an agent nothing, and asks a stranger for a key', async () => {
    expect((await scrape(keys.agent)).statusCode).toBe(403);
    expect((await scrape()).statusCode).toBe(401);
  });
});
