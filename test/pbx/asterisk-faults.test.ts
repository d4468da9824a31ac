/**
 * Asterisk's own faults on the real PBX (issue 15, item 4), against a real
 * `outpace run` process: the PBX restarted mid-campaign (every channel gone
 * at once; the softphones' registrations come back from its AstDB), and the
 * carrier stopped (the trunk's qualify goes unanswered) then started again.
 * The lab is restarted and stopped through lab.sh, by its own pid files.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import type { Db } from '../../src/storage/db.js';
import { AgentClient } from '../support/agent-client.js';
import { addLeads, makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { carrierNumber } from './carrier-scheme.js';
import { ari, clearPbx, EngineProcess, freshDatabase, labAgent, leftOnPbx, until } from './support.js';

const run = promisify(execFile);
const labSh = new URL('./lab.sh', import.meta.url).pathname;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const AGENTS = [1, 2, 3];

/** A campaign of people who talk `talkSec`, its agents at their desks (each wrap-up dispositioned at once), and its engine. */
async function campaignAtWork(name: string, engineId: string, talkSec: number, leads: number) {
  const database = await freshDatabase();
  const { db } = database;
  const campaign = await makeCampaign(db, { name, pacing: { mode: 'power', powerLinesPerAgent: 1, wrapUpTimeoutSec: 30 } });
  const phones = Array.from({ length: leads }, (_, i) => carrierNumber({ kind: 'person', ringSec: 2, talkSec }, 20 + i));
  await addLeads(db, campaign, phones.map((phone) => ({ phone, timeZone: zoneAtNoon() })));
  await changeCampaignState(db, campaign.id, 'start', 'test');
  const keys: string[] = [];
  for (const n of AGENTS) keys.push((await labAgent(db, n, campaign.id)).key);
  const engine = await EngineProcess.start({ campaigns: [campaign.id], databaseUrl: database.url, engineId });
  const desks: AgentClient[] = [];
  for (const [i, n] of AGENTS.entries()) {
    const desk = await AgentClient.open(engine.agentSocketUrl, keys[i]!);
    await desk.next('hello');
    desk.send({ type: 'login', endpoint: `PJSIP/agent${n}` });
    void (async () => {
      for (;;) {
        const m = await desk.next('wrap-up');
        desk.send({ type: 'disposition', attemptId: m['attemptId'], code: 'survey-completed' });
      }
    })().catch(() => undefined);
    desks.push(desk);
  }
  return { database, db, campaign, engine, desks };
}

const attemptsOf = async (db: Db, campaign: Campaign) =>
  (
    await db.query<{ id: string; originated_at: Date; connected: boolean; ended: boolean; outcome: string | null }>(
      `SELECT id, originated_at, connected_at IS NOT NULL AS connected, ended_at IS NOT NULL AS ended, outcome FROM attempts WHERE campaign_id = $1 ORDER BY originated_at`,
      [campaign.id],
    )
  ).rows;

/** The agents (agent1, ...) whose leg the engine holds up on the PBX now. */
async function agentsWithLegUp(engineId: string): Promise<string[]> {
  const channels = await ari<Array<{ id: string; state: string }>>('GET', '/channels');
  return AGENTS.map((n) => `agent${n}`).filter((agent) => channels.some((c) => c.id.startsWith(`${engineId}-a-${agent}-`) && c.state === 'Up'));
}

describe('Asterisk restarted mid-campaign on the real PBX', () => {
  const ENGINE = `pbx-restart-${Date.now().toString(36)}`;
  let work: Awaited<ReturnType<typeof campaignAtWork>>;
  let restartedAt = 0;
  let legsBackMs = 0;
  let dialingAgainMs = 0;
  let inFlightAtRestart: string[] = [];

  beforeAll(async () => {
    work = await campaignAtWork('Asterisk restarted', ENGINE, 40, 12);
    const { db, campaign, engine } = work;
    // Restart while customers talk to agents.
    await until('a customer put through to an agent', async () => (await attemptsOf(db, campaign)).some((a) => a.connected && !a.ended), 90_000);
    inFlightAtRestart = (await attemptsOf(db, campaign)).filter((a) => !a.ended).map((a) => a.id);
    await run('bash', [labSh, 'restart-pbx']);
    restartedAt = Date.now();
    legsBackMs = await until('every agent leg up again', async () => (await agentsWithLegUp(ENGINE)).length === AGENTS.length, 120_000);
    dialingAgainMs = await until('a new attempt after the restart', async () => (await attemptsOf(db, campaign)).some((a) => a.originated_at.getTime() > restartedAt), 120_000);
    // A SIGTERM drains: the calls dialed after the restart talk their 40 s to the end.
    await sleep(3000);
    await engine.stop('SIGTERM');
    console.log(`Asterisk restart on the real PBX: agents' legs up again ${(legsBackMs / 1000).toFixed(1)} s after the PBX answered ARI, dialing again after ${(dialingAgainMs / 1000).toFixed(1)} s more`);
  }, 8 * 60_000);

  afterAll(async () => {
    for (const d of work?.desks ?? []) d.close();
    if (work?.engine.child.exitCode === null && work.engine.child.signalCode === null) await work.engine.stop('SIGKILL');
    await clearPbx(ENGINE);
    await work?.database.drop();
  });

  it('closes every attempt the restart cut with a true outcome: talking customers as live, connected', async () => {
    const rows = await attemptsOf(work.db, work.campaign);
    const cut = rows.filter((r) => inFlightAtRestart.includes(r.id));
    expect(cut.length).toBeGreaterThan(0);
    expect(cut.filter((r) => !r.ended || r.outcome === null)).toEqual([]);
    expect(cut.filter((r) => r.connected).map((r) => r.outcome)).toEqual(cut.filter((r) => r.connected).map(() => 'live'));
    const { rows: stuck } = await work.db.query(`SELECT id FROM leads WHERE state IN ('claimed', 'dialing')`);
    expect(stuck).toEqual([]);
  });

  it("takes the agents out of ready, saying why, and makes them ready again once their softphones' legs are back up", async () => {
    const { rows } = await work.db.query<{ agent_id: string; to_state: string; reason: string | null }>(
      `SELECT agent_id, to_state, reason FROM agent_states WHERE at >= $1 ORDER BY id`,
      [new Date(restartedAt - 60_000)],
    );
    for (const n of AGENTS) {
      const states = rows.filter((r) => r.agent_id === `agent${n}`);
      const lost = states.findIndex((r) => r.to_state === 'logged-out' && /line to your softphone was lost/.test(r.reason ?? ''));
      expect(lost, `agent${n}: ${JSON.stringify(states)}`).toBeGreaterThanOrEqual(0);
      expect(states.slice(lost + 1).some((r) => r.to_state === 'ready'), `agent${n}`).toBe(true);
    }
    // Dialing resumed: calls were put through to agents after the restart.
    const after = (await attemptsOf(work.db, work.campaign)).filter((a) => a.originated_at.getTime() > restartedAt);
    expect(after.some((a) => a.connected)).toBe(true);
  });

  it('leaves nothing of the engine on the PBX', async () => {
    expect(await leftOnPbx(ENGINE)).toEqual({ channels: [], bridges: [] });
  });
});

describe('the trunk down on the real PBX: the carrier stopped, then started again', () => {
  const ENGINE = `pbx-trunk-${Date.now().toString(36)}`;
  let work: Awaited<ReturnType<typeof campaignAtWork>>;
  let startedAt = 0;
  let downSeenMs = 0;
  let upSeenMs = 0;
  let dialingAgainMs = 0;
  let dialedWhileDown = 0;
  let whyWhileDown: unknown;
  const health = async () => (await fetch(`${work.engine.apiUrl}/api/v1/health`)).json() as Promise<{ status: string; degraded?: Array<{ part: string; problem: string }> }>;

  beforeAll(async () => {
    work = await campaignAtWork('trunk down', ENGINE, 3, 40);
    const { db, campaign, engine } = work;
    await until('a first call', async () => (await attemptsOf(db, campaign)).length > 0, 60_000);
    await run('bash', [labSh, 'stop-carrier']);
    // PJSIP qualifies the trunk every 30 s (asterisk-config/pjsip.conf) and waits 3 s for the answer: known down within 33 s, with room for a loaded machine.
    downSeenMs = await until('health naming the trunk', async () => (await health()).degraded?.some((d) => d.part === 'trunk carrier') ?? false, 45_000);
    whyWhileDown = await health();
    const downAt = Date.now();
    await sleep(8000);
    dialedWhileDown = (await attemptsOf(db, campaign)).filter((a) => a.originated_at.getTime() > downAt).length;
    await run('bash', [labSh, 'start-carrier']);
    startedAt = Date.now();
    upSeenMs = await until('health ok again', async () => (await health()).status === 'ok', 90_000);
    dialingAgainMs = upSeenMs + (await until('a new attempt once the trunk is back', async () => (await attemptsOf(db, campaign)).some((a) => a.originated_at.getTime() > startedAt), 60_000));
    await sleep(3000);
    await engine.stop('SIGTERM');
    console.log(
      `trunk down on the real PBX: seen down ${(downSeenMs / 1000).toFixed(1)} s after the carrier stopped, up ${(upSeenMs / 1000).toFixed(1)} s after it started, dialing again ${(dialingAgainMs / 1000).toFixed(1)} s after it started`,
    );
  }, 8 * 60_000);

  afterAll(async () => {
    await run('bash', [labSh, 'start-carrier']).catch(() => undefined);
    for (const d of work?.desks ?? []) d.close();
    if (work?.engine.child.exitCode === null && work.engine.child.signalCode === null) await work.engine.stop('SIGKILL');
    await clearPbx(ENGINE);
    await work?.database.drop();
  });

  it('is known down (within the qualify time: 30 s and its 3 s timeout; measured in the log above), named in health, and not dialed meanwhile', () => {
    expect(whyWhileDown).toEqual({
      status: 'degraded',
      database: 'postgres',
      degraded: [{ part: 'trunk carrier', problem: 'its endpoint PJSIP/carrier is offline: the carrier does not answer qualify' }],
    });
    expect(dialedWhileDown).toBe(0);
  });

  it('says so once in the log, and once when it is back', () => {
    const lines = work.engine.allLines.filter((l) => /trunk carrier (down|up again)/.test(l));
    expect(lines.map((l) => (/trunk carrier down/.test(l) ? 'down' : 'up'))).toEqual(['down', 'up']);
  });

  it('closes every attempt; dialing resumed once the trunk was back', async () => {
    const rows = await attemptsOf(work.db, work.campaign);
    expect(rows.filter((r) => !r.ended || r.outcome === null)).toEqual([]);
    expect(rows.some((r) => r.originated_at.getTime() > startedAt)).toBe(true);
  });
});
