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
  const heardByYou: { type: string; state?: string; at?: string; deadline?: string | null; of?: string; attemptId?: string; lead?: { fields: Record<string, string> } }[] = [];
  let you: WebSocket;
  const speed = 120;

  beforeAll(async () => {
    demo = await startWholeDemo({
      scenario,
      mode: 'predictive',
      hours: 0.2,
      speed,
      seed: 7,
      port: 0,
      host: '127.0.0.1',
      logger: pino({ level: 'warn' }, { write: (line: string) => void errors.push(line) }),
      observer: { attemptEnded: (r) => records.push(r) },
    });
    you = new WebSocket(`${demo.url.replace('http', 'ws')}/api/v1/agent`, { headers: { authorization: `Bearer ${demo.agentKey}` } });
    const say = (m: Record<string, unknown>) => you.send(JSON.stringify(m));
    you.on('message', (data) => {
      const m = JSON.parse(String(data)) as (typeof heardByYou)[number];
      heardByYou.push(m);
      // The person dials one number by hand once ready.
      if (m.type === 'state' && m.state === 'ready' && !heardByYou.some((h) => h.of === 'manual.dial' || h.type === 'error')) {
        say({ type: 'manual.dial', phone: '+12125559999', campaignId: demo.campaign.id });
      }
      // Customers put through to a person talk in real seconds: the person hangs up at once, and dispositions.
      if (m.type === 'screen-pop') say({ type: 'call.control', attemptId: m.attemptId, control: { kind: 'hangup' } });
      if (m.type === 'wrap-up') say({ type: 'disposition', attemptId: m.attemptId, code: 'refused' });
    });
    await new Promise((resolve) => you.once('open', resolve));
    say({ type: 'login', endpoint: 'PJSIP/you' });
    await demo.shiftOver;
    say({ type: 'logout' });
  }, 120_000);

  it('lets a person work beside the simulated agents with the demo agent key, as in outpace run', () => {
    expect(heardByYou[0]).toMatchObject({ type: 'hello', agentId: HUMAN_AGENT, rate: speed });
    const pop = heardByYou.find((m) => m.type === 'screen-pop');
    expect(pop?.lead?.fields).toMatchObject({ first_name: expect.any(String), last_name: expect.any(String) });
    // The desk tells the person their state, as it does under outpace run: ready, then on a call.
    const states = heardByYou.filter((m) => m.type === 'state').map((m) => m.state);
    expect(states).toContain('ready');
    expect(states).toContain('on-call');
    // The hand dial is accepted, not refused as "not logged in here".
    expect(heardByYou.filter((m) => m.type === 'error')).toEqual([]);
    expect(heardByYou.some((m) => m.type === 'ack' && m.of === 'manual.dial')).toBe(true);
  });

  it("gives the person the campaign's wrap-up time in real seconds: the timeout scales with the demo's speed", () => {
    const wrapUp = heardByYou.find((m) => m.type === 'wrap-up');
    const wrapUpState = heardByYou.find((m) => m.type === 'state' && m.state === 'wrap-up');
    expect(wrapUp?.deadline).toBeTruthy();
    const simulatedSeconds = (Date.parse(wrapUp!.deadline!) - Date.parse(wrapUpState!.at!)) / 1000;
    expect(simulatedSeconds).toBe(60 * speed);
  });
  afterAll(async () => {
    you?.close();
    await demo?.close();
  });

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
    // The drain waits for wrap-ups too: every call put through is dispositioned by its agent.
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
