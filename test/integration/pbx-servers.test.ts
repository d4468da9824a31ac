/**
 * One campaign over two Asterisk servers (two ARI test-server processes),
 * with PostgreSQL and Redis: each customer meets an agent on the server the
 * call is on; a server killed takes its agents out of ready and its calls are
 * closed while the campaign dials on the other; started again, its agents
 * are back. Every call's recordings are fetched from the server that made
 * them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AgentBoard } from '../../src/agents/agent-board.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { CampaignRunner } from '../../src/campaigns/dialing/campaign-runner.js';
import { redisCoordination } from '../../src/coordination/redis/redis-coordination.js';
import { AgentId, type AttemptId } from '../../src/domain/ids.js';
import { wallClockScheduler } from '../../src/engine/scheduler.js';
import type { AgentState } from '../../src/pacing/snapshot.js';
import { listRecordings } from '../../src/recordings/catalogue.js';
import { RecordingCatalogue } from '../../src/recordings/recording-catalogue.js';
import { recordingStoreFromEnv } from '../../src/recordings/recording-store.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { placeAgent } from '../../src/telephony/servers/agent-servers.js';
import { connectTelephony } from '../../src/telephony/servers/connect-servers.js';
import type { PbxServers } from '../../src/telephony/servers/pbx-servers.js';
import { loadServersConfig } from '../../src/telephony/servers/servers-config.js';
import { type CallScript, farEnd } from '../ari-server/call-script.js';
import { PbxProcess } from '../faults/fault-run.js';
import { type IsolatedDb, openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { addLeads, makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redis.js';
import { ScriptedDesk } from '../support/scripted-desk.js';

const pgUrl = await postgresUrl();
const redis = await redisUrl();
const LEADS = 400;
const SERVERS = ['pbx1', 'pbx2'] as const;
/** Three agents a server: agent1..3 on pbx1, agent4..6 on pbx2. */
const AGENTS_PER_SERVER = 3;
const agentsOn = (i: number) => Array.from({ length: AGENTS_PER_SERVER }, (_, n) => `agent${i * AGENTS_PER_SERVER + n + 1}`);

const scripts: Array<[string, CallScript]> = Array.from({ length: LEADS }, (_, i) => [
  `+1555${String(2_000_000 + i).padStart(7, '0')}`,
  i % 4 === 3 ? farEnd.busy() : farEnd.human({ ringMs: 200, talkMs: 800 }),
]);

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(!pgUrl || !redis)('a campaign over two Asterisk servers', () => {
  let db: IsolatedDb;
  const pbx: PbxProcess[] = [];
  const prefix = uniquePrefix();
  let campaign: Campaign;
  let telephony: PbxServers;
  let runner: CampaignRunner;
  let catalogue: RecordingCatalogue;
  let recordingsDir: string;
  const states = new Map<AgentId, { to: AgentState; reason?: string | undefined }>();
  /** Who each customer met: the call's server is the agent's. */
  const connected: { attemptId: AttemptId; agentId: AgentId; at: number }[] = [];
  const serverOfAgent = (agentId: AgentId) => SERVERS[Math.floor((Number(agentId.slice(5)) - 1) / AGENTS_PER_SERVER)]!;

  async function startPbx(i: number, port = 0): Promise<PbxProcess> {
    const p = await PbxProcess.start(port);
    await p.ask({ type: 'script', scripts });
    await p.ask({ type: 'agents', resources: agentsOn(i) });
    return p;
  }

  beforeAll(async () => {
    db = await openIsolatedPostgres(pgUrl!, 4);
    await runMigrations(db);
    for (const i of [0, 1]) pbx.push(await startPbx(i));
    campaign = await makeCampaign(db, { pacing: { mode: 'progressive', wrapUpTimeoutSec: 1, ringTimeoutSec: 15 } });
    await changeCampaignState(db, campaign.id, 'start', 'test');
    await addLeads(db, campaign, scripts.map(([phone]) => ({ phone, timeZone: zoneAtNoon() })));
    for (const i of [0, 1]) {
      for (const id of agentsOn(i)) {
        await upsertAgent(db, { id: AgentId(id), name: id, redList: false });
        await placeAgent(db, AgentId(id), SERVERS[i]!);
      }
    }
    const servers = loadServersConfig({
      OUTPACE_ENGINE_ID: 'servers-test',
      OUTPACE_SERVER_DOWN_AFTER_MS: '1000',
      OUTPACE_SERVERS: JSON.stringify(
        SERVERS.map((name, i) => ({ name, ariUrl: pbx[i]!.url, username: 'outpace', password: 'outpace', trunks: [{ id: 'carrier', maxLines: 10, maxCallsPerSecond: 50 }] })),
      ),
    })!;
    const logger = pino({ level: 'silent' });
    const coordination = redisCoordination(redis!, prefix, logger);
    telephony = (await connectTelephony({ servers }, { logger, db, scheduler: wallClockScheduler, trunkLines: coordination.trunks })) as PbxServers;
    recordingsDir = await mkdtemp(join(tmpdir(), 'outpace-servers-recordings-'));
    catalogue = new RecordingCatalogue({ db, store: recordingStoreFromEnv({ OUTPACE_RECORDING_STORE: recordingsDir }, servers.servers), logger });
    telephony.subscribe(catalogue.telephonyEvent);
    const board = new AgentBoard();
    board.subscribe((c) => states.set(c.agentId, { to: c.to, reason: c.reason }));
    const desk = new ScriptedDesk(wallClockScheduler, () => 'valid-sale', 50);
    telephony.subscribe(desk.telephonyEvent);
    telephony.subscribe((e) => {
      if (e.type === 'call.connected') connected.push({ attemptId: e.attemptId, agentId: e.agentId, at: Date.now() });
    });
    runner = new CampaignRunner({
      db,
      coordination,
      campaignId: campaign.id,
      engineId: 'servers-test',
      port: telephony,
      desk,
      scheduler: wallClockScheduler,
      logger,
      trunk: { id: 'carrier', maxLines: 100, maxCallsPerSecond: 100 },
      tickMs: 200,
      board,
      observer: { agentState: desk.agentState },
    });
    await runner.start();
    for (let n = 1; n <= 2 * AGENTS_PER_SERVER; n++) desk.login(AgentId(`agent${n}`), `PJSIP/agent${n}`);
  }, 60_000);

  afterAll(async () => {
    await runner?.drain();
    await telephony?.shutdown();
    await catalogue?.settled();
    for (const p of pbx) await p.stop();
    if (recordingsDir) await rm(recordingsDir, { recursive: true, force: true });
    if (redis) await dropPrefix(redis, prefix);
    await db?.close();
  });

  it('puts each customer through to an agent on the server the call is on', async () => {
    await until('calls connected on both servers', () => new Set(connected.map((c) => serverOfAgent(c.agentId))).size === 2);
    expect(telephony.status().map((s) => s.up)).toEqual([true, true]);
  });

  it('fetches each recording from the server that made it', async () => {
    const firstOn = (server: string) => connected.find((c) => serverOfAgent(c.agentId) === server)!.attemptId;
    for (const server of SERVERS) {
      const attemptId = firstOn(server);
      // Each leg of the call (mixed, customer, agent), once the customer has hung up.
      await until(`the recordings of a call on ${server}`, async () => (await listRecordings(db, { attemptId })).length === 3);
      const rows = await listRecordings(db, { attemptId });
      expect(rows.map((r) => [r.status, r.problem]), server).toEqual(rows.map(() => ['available', null]));
      const stored = await db.query<{ pbx_server: string | null }>('SELECT pbx_server FROM recordings WHERE attempt_id = $1', [attemptId]);
      expect(stored.rows.map((r) => r.pbx_server)).toEqual([server, server, server]);
    }
  });

  it('takes a server out of reach out of ready and dials on the other; back, its agents return', async () => {
    // Its event socket dropped and refused for 5 s: longer than OUTPACE_SERVER_DOWN_AFTER_MS (1 s).
    await pbx[0]!.ask({ type: 'cut', ms: 5000 });
    const downAt = Date.now();
    await until('pbx1 declared down', () => telephony.status()[0]!.up === false);
    // Its agents are out of ready, still logged in; the calls it carried are closed.
    // Those on a call wrap it up; the others wait, logged in, for their line.
    for (const id of agentsOn(0)) {
      const state = states.get(AgentId(id))!;
      if (state.to !== 'wrap-up') expect(state, id).toMatchObject({ to: 'logged-out', reason: expect.stringMatching(/line to your softphone was lost \(.*out of reach/) });
    }
    expect(telephony.status()[0]!.calls).toBe(0);
    const before = connected.length;
    await until('calls connected after the loss', () => connected.length >= before + 5);
    const afterDown = connected.filter((c) => c.at > downAt + 100);
    expect(afterDown.every((c) => serverOfAgent(c.agentId) === 'pbx2')).toBe(true);

    await until('pbx1 back up', () => telephony.status()[0]!.up, 15_000);
    await until('pbx1 agents ready or working again', () => agentsOn(0).every((id) => states.get(AgentId(id))?.to !== 'paused'));
    const backAt = Date.now();
    await until('a call connected on pbx1 again', () => connected.some((c) => c.at > backAt && serverOfAgent(c.agentId) === 'pbx1'));
  }, 90_000);

  it('brings the agents of a server that restarted (every leg gone) back to work', async () => {
    const restarted = await pbx[1]!.restart();
    await restarted.ask({ type: 'script', scripts });
    await restarted.ask({ type: 'agents', resources: agentsOn(1) });
    pbx[1] = restarted;
    const backAt = Date.now();
    await until('a call connected on pbx2 after its restart', () => connected.some((c) => c.at > backAt && serverOfAgent(c.agentId) === 'pbx2'), 60_000);
    for (const id of agentsOn(1)) expect(states.get(AgentId(id))?.to).not.toBe('logged-out');
  }, 90_000);

  it('leaves no attempt open once drained', async () => {
    await runner.drain();
    const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM attempts WHERE campaign_id = $1 AND ended_at IS NULL', [campaign.id]);
    expect(Number(rows[0]!.n)).toBe(0);
  }, 60_000);
});
