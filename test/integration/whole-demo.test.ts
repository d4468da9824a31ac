/**
 * `outpace demo`'s whole flow on the embedded database: a few simulated
 * minutes of the demo campaign, then what a supervisor would check: every
 * attempt the engine made is stored and complete, every live answer was put
 * through or abandoned, leads moved on, and the API answers with the demo's key.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/bench/bench-command.js';
import { HUMAN_AGENT } from '../../src/demo/demo-campaign.js';
import { startWholeDemo, type WholeDemo } from '../../src/demo/whole-demo.js';
import type { AttemptRecord } from '../../src/engine/attempt-record.js';

const scenario = loadScenario(fileURLToPath(new URL('../../bench/scenarios/realistic/S1.json', import.meta.url)));

describe('the whole demo on PGlite', () => {
  let demo: WholeDemo;
  const records: AttemptRecord[] = [];
  const errors: string[] = [];
  /** What the agent socket sent the person working as agent "you" beside the simulated agents. */
  const heardByYou: { type: string; lead?: { fields: Record<string, string> } }[] = [];

  beforeAll(async () => {
    demo = await startWholeDemo({
      scenario,
      mode: 'predictive',
      hours: 0.2,
      speed: 120,
      seed: 7,
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'warn' }, { write: (line: string) => void errors.push(line) }),
      observer: { attemptEnded: (r) => records.push(r) },
    });
    const you = new WebSocket(`${demo.url.replace('http', 'ws')}/api/v1/agent`, { headers: { authorization: `Bearer ${demo.agentKey}` } });
    you.on('message', (data) => heardByYou.push(JSON.parse(String(data))));
    await new Promise((resolve) => you.once('open', resolve));
    you.send(JSON.stringify({ type: 'login', endpoint: 'PJSIP/you' }));
    await demo.shiftOver;
    you.close();
  }, 120_000);

  it('lets a person work beside the simulated agents with the demo agent key', () => {
    expect(heardByYou[0]).toEqual({ type: 'hello', agentId: HUMAN_AGENT });
    const pop = heardByYou.find((m) => m.type === 'screen-pop');
    expect(pop?.lead?.fields).toMatchObject({ first_name: expect.any(String), last_name: expect.any(String) });
  });
  afterAll(async () => demo?.close());

  it('answers the stats endpoint with the demo supervisor key, on the demo clock', async () => {
    const response = await fetch(`${demo.url}/api/v1/campaigns/${demo.campaign.id}/stats`, {
      headers: { authorization: `Bearer ${demo.supervisorKey}` },
    });
    expect(response.status).toBe(200);
    const { regulatoryWindow, agents } = (await response.json()) as {
      regulatoryWindow: { dials: number; to: string };
      agents: { agents: number; occupancy: number | null };
    };
    expect(regulatoryWindow.dials).toBeGreaterThan(0);
    // The demo stores its agents' state history as `outpace run` does: its stats count them.
    expect(agents.agents).toBeGreaterThanOrEqual(scenario.agents);
    expect(agents.occupancy).toBeGreaterThan(0);
    expect(Date.parse(regulatoryWindow.to)).toBeGreaterThanOrEqual(demo.end);
  });

  it('stores every attempt the engine made, complete, and moves the leads on', async () => {
    await demo.drain();
    expect(errors).toEqual([]);
    const { rows } = await demo.db.query<{ ended: number; all: number; live_unresolved: number; dispositioned: number; connected: number }>(
      `SELECT count(*) FILTER (WHERE ended_at IS NOT NULL AND outcome IS NOT NULL AND hangup_cause_code IS NOT NULL)::int AS ended,
              count(*)::int AS all,
              count(*) FILTER (WHERE outcome = 'live' AND connected_at IS NULL AND NOT abandoned)::int AS live_unresolved,
              count(*) FILTER (WHERE disposition IS NOT NULL)::int AS dispositioned,
              count(*) FILTER (WHERE connected_at IS NOT NULL)::int AS connected
         FROM attempts WHERE campaign_id = $1`,
      [demo.campaign.id],
    );
    const stored = rows[0]!;
    // At 120× a claim's 20 s lease is 170 ms of real time: on a loaded machine a claim may lapse before its
    // attempt is written, and storage rightly refuses it. Such a lead is never dialed, so it has no row.
    const dialed = records.filter((r) => !r.cause.text.startsWith('attempt not written'));
    expect(dialed.length).toBeGreaterThan(50);
    expect(records.length - dialed.length).toBeLessThan(records.length / 20);
    expect(stored.all).toBe(dialed.length);
    expect(stored.ended).toBe(dialed.length);
    expect(stored.live_unresolved).toBe(0);
    for (const r of records.filter((a) => a.outcome === 'live')) expect(r.connectedAt !== undefined || r.abandoned, r.attemptId).toBe(true);
    // The drain waits for wrap-ups too: every call put through is dispositioned, by its agent or, for "you",
    // who dispositioned nothing, by the wrap-up timeout.
    expect(stored.connected).toBeGreaterThan(0);
    expect(stored.dispositioned).toBe(stored.connected);

    // Agents used the campaign's codes: sales, refusals, appointments (callbacks), opt-outs and more.
    const codes = await demo.db.query<{ disposition: string }>(
      'SELECT DISTINCT disposition FROM attempts WHERE campaign_id = $1 AND disposition IS NOT NULL',
      [demo.campaign.id],
    );
    expect(codes.rows.length).toBeGreaterThanOrEqual(4);

    const progress = await demo.stored();
    expect(progress.callbacksScheduled).toBeGreaterThan(0);
    expect(progress.attempts).toBe(dialed.length);
    expect(progress.leadsByState['done']).toBeGreaterThan(0);
    expect(progress.leadsByState['claimed'] ?? 0).toBe(0);
    expect(progress.leadsByState['dialing'] ?? 0).toBe(0);
    expect((progress.leadsByState['ready'] ?? 0) + (progress.leadsByState['done'] ?? 0)).toBeGreaterThan(0);
  }, 120_000);
});
