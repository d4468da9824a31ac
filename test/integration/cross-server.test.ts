/**
 * A customer meets an agent on another server through the inter-PBX link
 * (OUTPACE_CROSS_SERVER_AFTER_MS), with two ARI test-server processes linked
 * to each other, PostgreSQL and Redis. The campaign's trunk is on pbx1 only
 * and its one agent on pbx2, so every answered customer is on pbx1 with the
 * only agent on the other server: with the setting, they are bridged across
 * (each server bridging its half) and either side's hangup ends both; with
 * it off, or with the link down, they wait and are abandoned at the connect
 * deadline, the reason in the log.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { AgentBoard } from '../../src/agents/agent-board.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { CampaignRunner } from '../../src/campaigns/dialing/campaign-runner.js';
import { redisCoordination } from '../../src/coordination/redis/redis-coordination.js';
import { AgentId, type AttemptId } from '../../src/domain/ids.js';
import { wallClockScheduler } from '../../src/engine/scheduler.js';
import { listRecordings } from '../../src/recordings/catalogue.js';
import { RecordingCatalogue } from '../../src/recordings/recording-catalogue.js';
import { recordingStoreFromEnv } from '../../src/recordings/recording-store.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { placeAgent } from '../../src/telephony/servers/agent-servers.js';
import { connectTelephony } from '../../src/telephony/servers/connect-servers.js';
import type { PbxServers } from '../../src/telephony/servers/pbx-servers.js';
import { loadServersConfig } from '../../src/telephony/servers/servers-config.js';
import { farEnd } from '../ari-server/call-script.js';
import { PbxProcess } from '../faults/fault-run.js';
import { type IsolatedDb, openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { addLeads, makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redis.js';
import { ScriptedDesk } from '../support/scripted-desk.js';

const pgUrl = await postgresUrl();
const redis = await redisUrl();
const SERVERS = ['pbx1', 'pbx2'] as const;
const AGENT = AgentId('agent1');

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface PbxState {
  readonly faults: { readonly twoCustomersInABridge: number };
  readonly recordings: string[];
  readonly bridged: string[][];
  readonly channels: string[];
}

interface AttemptRow {
  readonly id: AttemptId;
  readonly outcome: string | null;
  readonly abandoned: boolean;
  readonly agent_id: string | null;
  readonly ended_at: Date | null;
}

/** Two linked test servers, the campaign's trunk on pbx1, its one agent on pbx2, the engine driving both. */
async function site(crossAfterMs: string, talkMs: number, o: { linkDown?: boolean; trunkEndpoint?: string } = {}) {
  const db: IsolatedDb = await openIsolatedPostgres(pgUrl!, 4);
  await runMigrations(db);
  const prefix = uniquePrefix();
  const pbx = [await PbxProcess.start(), await PbxProcess.start()];
  const number = `+1555${String(3_000_000 + Math.floor(Math.random() * 900_000)).padStart(7, '0')}`;
  await pbx[0]!.ask({ type: 'script', scripts: [[number, farEnd.human({ ringMs: 200, talkMs })]] });
  await pbx[1]!.ask({ type: 'agents', resources: ['agent1'] });
  await pbx[0]!.ask({ type: 'link', links: [['link-pbx2', pbx[1]!.url]] });
  await pbx[1]!.ask({ type: 'link', links: [['link-pbx1', pbx[0]!.url]] });
  if (o.linkDown) await pbx[0]!.ask({ type: 'trunk', trunk: 'link-pbx2', reachable: false });
  const campaign = await makeCampaign(db, { pacing: { mode: 'progressive', wrapUpTimeoutSec: 1, ringTimeoutSec: 15, connectDeadlineSec: 2 } });
  await changeCampaignState(db, campaign.id, 'start', 'test');
  await addLeads(db, campaign, [{ phone: number, timeZone: zoneAtNoon() }]);
  await upsertAgent(db, { id: AGENT, name: 'agent1', redList: false });
  await placeAgent(db, AGENT, 'pbx2');
  const servers = loadServersConfig({
    OUTPACE_ENGINE_ID: `cross-${Math.random().toString(36).slice(2, 8)}`,
    OUTPACE_CROSS_SERVER_AFTER_MS: crossAfterMs,
    ...(o.trunkEndpoint ? { ARI_TRUNK_ENDPOINT: o.trunkEndpoint } : {}),
    OUTPACE_SERVERS: JSON.stringify(
      SERVERS.map((name, i) => ({
        name,
        ariUrl: pbx[i]!.url,
        username: 'outpace',
        password: 'outpace',
        link: 'PJSIP/{attempt}@link-{server}',
        // The campaign's trunk is on pbx1 only: every customer is answered there.
        trunks: [{ id: i === 0 ? 'carrier' : 'elsewhere', maxLines: 5, maxCallsPerSecond: 50 }],
      })),
    ),
  })!;
  const logs: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logs.push(line) });
  const coordination = redisCoordination(redis!, prefix, logger);
  const telephony = (await connectTelephony({ servers }, { logger, db, scheduler: wallClockScheduler, trunkLines: coordination.trunks })) as PbxServers;
  const recordingsDir = `/tmp/outpace-cross-recordings-${prefix}`;
  const catalogue = new RecordingCatalogue({ db, store: recordingStoreFromEnv({ OUTPACE_RECORDING_STORE: recordingsDir }, servers.servers), logger });
  telephony.subscribe(catalogue.telephonyEvent);
  const desk = new ScriptedDesk(wallClockScheduler, () => 'valid-sale', 50);
  telephony.subscribe(desk.telephonyEvent);
  const connected: AttemptId[] = [];
  telephony.subscribe((e) => void (e.type === 'call.connected' && connected.push(e.attemptId)));
  const runner = new CampaignRunner({
    db,
    coordination,
    campaignId: campaign.id,
    engineId: 'cross-test',
    port: telephony,
    desk,
    scheduler: wallClockScheduler,
    logger,
    trunk: { id: 'carrier', maxLines: 5, maxCallsPerSecond: 50 },
    tickMs: 200,
    board: new AgentBoard(),
    observer: { agentState: desk.agentState },
  });
  await runner.start();
  desk.login(AGENT, 'PJSIP/agent1');
  const attempt = async (): Promise<AttemptRow | undefined> =>
    (await db.query<AttemptRow>('SELECT id, outcome, abandoned, agent_id, ended_at FROM attempts WHERE campaign_id = $1', [campaign.id])).rows[0];
  const state = (i: number) => pbx[i]!.ask<PbxState>({ type: 'state' });
  return {
    db,
    pbx,
    logs,
    connected,
    attempt,
    state,
    async close() {
      await runner.drain();
      await telephony.shutdown();
      await catalogue.settled();
      for (const p of pbx) await p.stop();
      await dropPrefix(redis!, prefix);
      await db.close();
    },
  };
}

describe.skipIf(!pgUrl || !redis)('a customer meeting an agent on another server', () => {
  let open: Awaited<ReturnType<typeof site>> | undefined;
  afterEach(async () => {
    await open?.close();
    open = undefined;
  });

  it('bridges the customer across the link, each server its half, and ends both halves when the customer hangs up', async () => {
    const s = (open = await site('0', 1500));
    await until('the customer put through', () => s.connected.length === 1);
    const [pbx1, pbx2] = [await s.state(0), await s.state(1)];
    // On pbx1 the customer with the link channel out; on pbx2 the agent's leg with the link channel in.
    expect(pbx1.bridged.some((b) => b.length === 2 && b.some((n) => n.startsWith('PJSIP/carrier-')) && b.some((n) => n.startsWith('PJSIP/link-pbx2-')))).toBe(true);
    expect(pbx2.bridged.some((b) => b.length === 2 && b.some((n) => n.startsWith('PJSIP/agent1-')) && b.some((n) => n.startsWith('PJSIP/link-pbx1-')))).toBe(true);
    // The link channel is no second customer in the customer's bridge.
    expect(pbx1.faults.twoCustomersInABridge).toBe(0);
    await until('the attempt closed', async () => (await s.attempt())?.ended_at != null);
    expect(await s.attempt()).toMatchObject({ outcome: 'live', abandoned: false, agent_id: 'agent1' });
    // Both halves gone: no link channel left on either server; the agent's leg stays up on pbx2.
    await until('the link channels gone', async () => !(await s.state(0)).channels.length && (await s.state(1)).channels.length === 1);
    // Recorded from the answer on pbx1 (MixMonitor on the customer's channel hears the agent through the link): one file per leg, there.
    const { id } = (await s.attempt())!;
    await until('the recordings stored', async () => (await listRecordings(s.db, { attemptId: id })).length === 3);
    const stored = await s.db.query<{ pbx_server: string }>('SELECT pbx_server FROM recordings WHERE attempt_id = $1', [id]);
    expect(stored.rows.map((r) => r.pbx_server)).toEqual(['pbx1', 'pbx1', 'pbx1']);
    expect((await s.state(1)).recordings.filter((r) => r.startsWith(id))).toEqual([]);
  }, 60_000);

  it("records the agent's leg on the agent's server when the customer's does not record from the answer", async () => {
    // A trunk endpoint the adapter cannot follow (no {trunk}): customers dialed straight into the application, recorded by ARI.
    const s = (open = await site('0', 1500, { trunkEndpoint: 'PJSIP/{number}@carrier' }));
    await until('the attempt closed', async () => (await s.attempt())?.ended_at != null);
    expect(await s.attempt()).toMatchObject({ outcome: 'live', abandoned: false, agent_id: 'agent1' });
    const { id } = (await s.attempt())!;
    await until('the recordings stored', async () => (await listRecordings(s.db, { attemptId: id })).length === 3, 40_000);
    const stored = await s.db.query<{ leg: string; pbx_server: string }>('SELECT leg, pbx_server FROM recordings WHERE attempt_id = $1 ORDER BY leg', [id]);
    expect(stored.rows.map((r) => `${r.leg} ${r.pbx_server}`)).toEqual(['agent pbx2', 'customer pbx1', 'mixed pbx1']);
    expect((await listRecordings(s.db, { attemptId: id })).map((r) => r.status)).toEqual(['available', 'available', 'available']);
  }, 60_000);

  it("ends the customer's half when the agent's server ends its half", async () => {
    const s = (open = await site('0', 600_000));
    await until('the customer put through', () => s.connected.length === 1);
    await s.pbx[1]!.ask({ type: 'hangup', endpoint: 'PJSIP/link-pbx1' });
    await until('the attempt closed', async () => (await s.attempt())?.ended_at != null);
    expect(await s.attempt()).toMatchObject({ outcome: 'live', abandoned: false, agent_id: 'agent1' });
    await until("the customer's channel gone on pbx1", async () => (await s.state(0)).channels.length === 0);
  }, 60_000);

  it('with the setting off, keeps the customer waiting for an agent on their server and abandons them at the deadline', async () => {
    const s = (open = await site('off', 600_000));
    await until('the attempt closed', async () => (await s.attempt())?.ended_at != null);
    expect(await s.attempt()).toMatchObject({ outcome: 'live', abandoned: true, agent_id: null });
    expect(s.connected).toEqual([]);
  }, 60_000);

  it('with the link down, abandons the customer by the rules and logs why the crossing failed', async () => {
    const s = (open = await site('0', 600_000, { linkDown: true }));
    await until('the attempt closed', async () => (await s.attempt())?.ended_at != null);
    expect(await s.attempt()).toMatchObject({ outcome: 'live', abandoned: true });
    expect(s.connected).toEqual([]);
    expect(s.logs.some((l) => /crossing failed, the customer waits for an agent on pbx1: .*Allocation failed/.test(l))).toBe(true);
    // The agent, held for the crossing, is free again: their leg is still up on pbx2 with nothing bridged to it.
    expect((await s.state(1)).bridged.flat().filter((n) => n.startsWith('PJSIP/link-'))).toEqual([]);
  }, 60_000);
});
