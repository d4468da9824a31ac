/**
 * A predictive campaign over the lab's two PBXs (issue 19), started as a user
 * starts it: `outpace run` with OUTPACE_SERVERS naming both, two agents'
 * softphones on each. Checked on each Asterisk's own events: every customer
 * is dialed on one server and meets an agent of that server there. The
 * recordings of calls on both servers are fetched (from the server that
 * made each), have sound and are played by the API. The second PBX is
 * stopped mid-campaign (lab.sh stop-pbx2): its agents leave ready, the
 * campaign dials on the first, every attempt is closed; started again
 * (lab.sh start-pbx2), its agents come back with one leg each.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId } from '../../src/domain/ids.js';
import { listRecordings } from '../../src/recordings/catalogue.js';
import { placeAgent } from '../../src/telephony/servers/agent-servers.js';
import { carrierNumber } from './carrier-scheme.js';
import { ari, AriObserver, type AttemptRow, CampaignUnderTest, clearPbx, type EngineProcess, lab, leftOnPbx, until } from './support.js';
import { soundOf } from './sound.js';

const run = promisify(execFile);
const labSh = new URL('./lab.sh', import.meta.url).pathname;
type Attempt = AttemptRow & { readonly dialedAt: number };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ENGINE = `pbx-two-${Date.now().toString(36)}`;
const PBX1_AGENTS = [lab.agents - 1, lab.agents];
const PBX2_AGENTS = lab.pbx2?.agents ?? [];
const serverOf = (agentId: string | null) => (agentId && PBX2_AGENTS.includes(Number(agentId.slice(5))) ? 'pbx2' : 'pbx1');
/** People who talk 6 to 10 s: more than the run dials before the engine is stopped. */
const LEADS = Array.from({ length: 150 }, (_, i) => ({ phone: carrierNumber({ kind: 'person', ringSec: 2, talkSec: 6 + (i % 5) }, 60 + i) }));

if (!lab.pbx2) console.warn('two-PBX suite skipped: the lab runs one PBX (OUTPACE_LAB_PBXS=1); lab.sh up with the default 2 starts the second');

describe.skipIf(!lab.pbx2)('a predictive campaign over two real PBXs, the second stopped and started again', () => {
  let scene: CampaignUnderTest;
  let engine: EngineProcess;
  /** pbx2's events: one observer before its stop, one after its start. */
  const pbx2Observers: AriObserver[] = [];
  let stoppedAt = 0;
  let startedAt = 0;
  let leftReadyMs = 0;
  let backMs = 0;
  /** The most legs on pbx2 at once for each of its agents, after its start. */
  const mostLegs = new Map<string, number>();
  let exitCode: number | null = null;
  let rows: Attempt[] = [];
  /** A call on each server whose recordings were catalogued before pbx2 stopped. */
  const recordedCall = new Map<'pbx1' | 'pbx2', string | undefined>();

  /** The campaign's attempts, with when each was dialed. */
  async function attempts(): Promise<Attempt[]> {
    const { rows: times } = await scene.db.query<{ id: string; at: Date }>('SELECT id, originated_at AS at FROM attempts WHERE campaign_id = $1', [scene.campaign.id]);
    const dialedAt = new Map(times.map((t) => [t.id, t.at.getTime()]));
    return (await scene.attempts()).map((a) => ({ ...a, dialedAt: dialedAt.get(a.id)! }));
  }
  const connectedOn = async (server: 'pbx1' | 'pbx2', after = 0) =>
    (await attempts()).filter((a) => a.connected && serverOf(a.agent_id) === server && a.dialedAt > after);
  /** The states the agents of pbx2 went to since `from`, with why. */
  const pbx2States = async (from: number) =>
    (
      await scene.db.query<{ agent_id: string; to_state: string; reason: string | null; at: Date }>(
        'SELECT agent_id, to_state, reason, at FROM agent_states WHERE at >= $1 AND agent_id = ANY($2) ORDER BY id',
        [new Date(from), PBX2_AGENTS.map((n) => `agent${n}`)],
      )
    ).rows;
  /** Every agent of pbx2 out of ready: waiting for their line, or wrapping up the call the stop cut. */
  const leftReady = (states: Awaited<ReturnType<typeof pbx2States>>) =>
    PBX2_AGENTS.every((n) => states.some((s) => s.agent_id === `agent${n}` && (s.to_state === 'logged-out' || s.to_state === 'wrap-up')));
  async function countLegs(): Promise<void> {
    const channels = (await ari<Array<{ id: string }>>('GET', '/channels', lab.pbx2!.ariUrl)) ?? [];
    for (const n of PBX2_AGENTS) {
      const legs = channels.filter((c) => c.id.startsWith(`${ENGINE}-a-agent${n}-`)).length;
      mostLegs.set(`agent${n}`, Math.max(mostLegs.get(`agent${n}`) ?? 0, legs));
    }
  }

  beforeAll(async () => {
    scene = await CampaignUnderTest.open({
      name: 'two PBXs',
      pacing: { mode: 'predictive', connectDeadlineSec: 2, wrapUpTimeoutSec: 30 },
      leads: LEADS,
      agents: [...PBX1_AGENTS, ...PBX2_AGENTS],
    });
    for (const n of PBX1_AGENTS) await placeAgent(scene.db, AgentId(`agent${n}`), 'pbx1');
    for (const n of PBX2_AGENTS) await placeAgent(scene.db, AgentId(`agent${n}`), 'pbx2');
    pbx2Observers.push(await AriObserver.open(undefined, lab.pbx2!.ariUrl));
    engine = await scene.startEngine(ENGINE, {
      OUTPACE_SERVERS: process.env['OUTPACE_LAB_SERVERS']!,
      // Design (a) alone: each customer meets an agent of their own server (crossing the lab's link: cross-server.test.ts).
      OUTPACE_CROSS_SERVER_AFTER_MS: 'off',
      OUTPACE_RECORDING_STORE: join(lab.dir, 'engines', `${ENGINE}-recordings`),
    });
    await scene.logIn(engine);

    // A call on each server done and its recordings fetched, and one talking on pbx2 when it stops.
    const recorded = async (server: 'pbx1' | 'pbx2') => {
      for (const a of (await connectedOn(server)).filter((c) => c.ended)) {
        const legs = await listRecordings(scene.db, { attemptId: a.id });
        if (legs.length === 3 && legs.every((r) => r.status === 'available')) return a.id;
      }
      return undefined;
    };
    await until('recorded calls on both servers', async () => {
      for (const server of ['pbx1', 'pbx2'] as const) recordedCall.set(server, recordedCall.get(server) ?? (await recorded(server)));
      return recordedCall.size === 2 && [...recordedCall.values()].every(Boolean);
    }, 180_000);
    await until('a customer talking on pbx2', async () => (await connectedOn('pbx2')).some((a) => !a.ended), 60_000);
    await run('bash', [labSh, 'stop-pbx2']);
    stoppedAt = Date.now();
    leftReadyMs = await until("pbx2's agents out of ready", async () => leftReady(await pbx2States(stoppedAt)), 30_000).catch(async (err: Error) => {
      throw new Error(`${err.message}; their states since: ${JSON.stringify(await pbx2States(stoppedAt))}`);
    });
    await until('calls connected on pbx1 after the stop', async () => (await connectedOn('pbx1', stoppedAt + leftReadyMs)).length >= 2, 90_000);

    await run('bash', [labSh, 'start-pbx2']);
    startedAt = Date.now();
    pbx2Observers.push(await AriObserver.open(undefined, lab.pbx2!.ariUrl));
    backMs = await until(
      "pbx2's agents ready again",
      async () => {
        await countLegs();
        const states = await pbx2States(startedAt);
        return PBX2_AGENTS.every((n) => states.some((s) => s.agent_id === `agent${n}` && s.to_state === 'ready'));
      },
      90_000,
    );
    await until('a call connected on pbx2 after its start', async () => {
      await countLegs();
      return (await connectedOn('pbx2', startedAt)).length > 0;
    }, 90_000);
    // A second leg rung for an agent would show within the returning legs' first waits (1 s, 2 s, 4 s).
    const lookUntil = Date.now() + 8000;
    while (Date.now() < lookUntil) {
      await countLegs();
      await sleep(250);
    }
    // A SIGTERM drains: the calls in progress end, then the agents are logged out.
    exitCode = await engine.stop('SIGTERM');
    await sleep(2000);
    rows = await attempts();
    const calls = (server: string) => rows.filter((a) => a.connected && serverOf(a.agent_id) === server).length;
    console.info(
      `two PBXs: ${rows.length} attempts, connected ${calls('pbx1')} on pbx1 and ${calls('pbx2')} on pbx2; pbx2 stopped: its agents out of ready ${(leftReadyMs / 1000).toFixed(1)} s after; ` +
        `started again: its agents ready ${(backMs / 1000).toFixed(1)} s after; most legs at once per pbx2 agent ${JSON.stringify(Object.fromEntries(mostLegs))}`,
    );
  }, 8 * 60_000);

  afterAll(async () => {
    await run('bash', [labSh, 'start-pbx2']).catch(() => undefined);
    for (const o of pbx2Observers) o.close();
    await clearPbx(ENGINE, lab.pbx2!.ariUrl).catch(() => undefined);
    await scene?.close([ENGINE]);
  });

  it('dials each customer on one server and puts them through to an agent of that server, there', () => {
    const seenOn = (observers: readonly AriObserver[], id: string) => observers.some((o) => o.about(`${ENGINE}-c-${id}`).length > 0);
    const bridgedOn = (observers: readonly AriObserver[], id: string) =>
      observers.some((o) => o.about(`${ENGINE}-c-${id}`).some((e) => e.type === 'ChannelEnteredBridge'));
    const problems: string[] = [];
    for (const a of rows) {
      const on1 = seenOn([scene.observer], a.id);
      const on2 = seenOn(pbx2Observers, a.id);
      if (on1 && on2) problems.push(`${a.phone}: dialed on both servers`);
      if (!a.connected) continue;
      const server = serverOf(a.agent_id);
      if (!bridgedOn(server === 'pbx1' ? [scene.observer] : pbx2Observers, a.id)) problems.push(`${a.phone}: connected to ${a.agent_id} (${server}) but not bridged on ${server}`);
    }
    expect(problems).toEqual([]);
    expect(rows.filter((a) => a.connected && serverOf(a.agent_id) === 'pbx2').length).toBeGreaterThan(1);
  });

  it('fetches the recordings of calls on both servers, each with sound, and plays them through the API', async () => {
    const clock = { now: () => Date.now() };
    const api = await buildApi({ db: scene.db, coordination: memoryCoordination(clock), clock });
    const key = await createApiKey(scene.db, { name: 'pbx inspector', role: 'qa' });
    try {
      for (const [server, folder] of [['pbx1', lab.recordings], ['pbx2', lab.pbx2!.recordings]] as const) {
        const recordings = await listRecordings(scene.db, { attemptId: recordedCall.get(server)! });
        expect(recordings.map((r) => [r.leg, r.status]).sort(), server).toEqual([['agent', 'available'], ['customer', 'available'], ['mixed', 'available']]);
        for (const r of recordings) {
          const file = join(folder, `${r.name}.wav`);
          expect((await soundOf(file)).rms, `${server} ${r.name}`).toBeGreaterThan(0.01);
          const part = await api.inject({ url: `/api/v1/recordings/${r.id}/audio`, headers: { authorization: `Bearer ${key}`, range: 'bytes=0-4095' } });
          expect(part.statusCode, `${server} ${r.name}`).toBe(206);
          expect(part.rawPayload).toEqual(readFileSync(file).subarray(0, 4096));
        }
      }
    } finally {
      await api.close();
    }
  });

  it("takes pbx2's agents out of ready when it stops, saying why, dials on pbx1 meanwhile, and closes every attempt", async () => {
    const states = (await pbx2States(stoppedAt)).filter((s) => s.at.getTime() < startedAt);
    expect(leftReady(states)).toBe(true);
    // Waiting for their line, they are told why.
    const waiting = states.filter((s) => s.to_state === 'logged-out');
    expect(waiting.filter((s) => !/line to your softphone was lost|out of reach/.test(s.reason ?? '')), JSON.stringify(states)).toEqual([]);
    const meanwhile = rows.filter((a) => a.connected && a.dialedAt > stoppedAt + leftReadyMs && a.dialedAt < startedAt);
    expect(meanwhile.length).toBeGreaterThan(1);
    expect(meanwhile.map((a) => serverOf(a.agent_id))).toEqual(meanwhile.map(() => 'pbx1'));
    expect(exitCode).toBe(0);
    expect(rows.filter((a) => !a.ended || a.outcome === null).map((a) => a.phone)).toEqual([]);
    const { rows: held } = await scene.db.query(`SELECT id FROM leads WHERE state IN ('claimed', 'dialing')`);
    expect(held).toEqual([]);
  });

  it('brings its agents back when it starts again, one leg each, and connects calls there', () => {
    expect(Object.fromEntries(mostLegs)).toEqual(Object.fromEntries(PBX2_AGENTS.map((n) => [`agent${n}`, 1])));
    expect(rows.some((a) => a.connected && serverOf(a.agent_id) === 'pbx2' && a.dialedAt > startedAt)).toBe(true);
  });

  it('leaves nothing of the engine on either PBX', async () => {
    expect(await leftOnPbx(ENGINE)).toEqual({ channels: [], bridges: [] });
    expect(await leftOnPbx(ENGINE, lab.pbx2!.ariUrl)).toEqual({ channels: [], bridges: [] });
  });
});
