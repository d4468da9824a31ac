/**
 * Takeover over the lab's two PBXs (issue 19): two engines serve one
 * campaign, both with OUTPACE_SERVERS naming both PBXs, each its own ARI
 * application on each; two agents' softphones on each PBX. The engine
 * running the campaign is killed with SIGKILL while a customer talks to an
 * agent on each server and the other agent of each waits, idle; the other
 * engine, standing by, takes the campaign over once the lease lapses, serves
 * the lost engine's application on both servers and adopts both calls: the
 * customers stay with their agents until they hang up (checked on each
 * Asterisk's own events), the agents log in to it and disposition those
 * calls, the idle agents' legs the lost engine left are replaced by its own,
 * and it closes every attempt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId } from '../../src/domain/ids.js';
import { placeAgent } from '../../src/telephony/servers/agent-servers.js';
import { carrierNumber } from './carrier-scheme.js';
import { AriObserver, CampaignUnderTest, clearPbx, type EngineProcess, lab, leftOnPbx, until } from './support.js';

const RUN = Date.now().toString(36);
const LOST = `pbx-lost2-${RUN}`;
const TAKER = `pbx-taker2-${RUN}`;
const LEASE_TTL_MS = 5000;
const SERVERS = ['pbx1', 'pbx2'] as const;
type Server = (typeof SERVERS)[number];
/**
 * On each PBX, an agent who takes a call, logged in first: the server choice dials each customer where an agent is
 * free, so one call goes to each; and one logged in once both talk, idle at the kill (there is no third lead).
 */
const TALKING: Record<Server, number> = { pbx1: lab.agents, pbx2: lab.pbx2?.agents[0] ?? 0 };
const IDLE: Record<Server, number> = { pbx1: lab.agents - 1, pbx2: lab.pbx2?.agents[1] ?? 0 };
/**
 * Two people who talk 30 s: with their agents when the engine is killed, still talking when their agents are back on
 * the other engine (from the answer: the second call's answer, the idle agents' legs, the lease, the takeover and the
 * logins took up to 16 s on the shared machine).
 */
const TALKERS = [0, 1].map((i) => carrierNumber({ kind: 'person', ringSec: 2, talkSec: 30 }, 30 + i));

if (!lab.pbx2) console.warn('two-PBX takeover suite skipped: the lab runs one PBX (OUTPACE_LAB_PBXS=1); lab.sh up with the default 2 starts the second');

describe.skipIf(!lab.pbx2)("another engine takes a killed engine's campaign and live calls over, on two real PBXs", () => {
  let scene: CampaignUnderTest;
  let taker: EngineProcess;
  let pbx2: AriObserver;
  const observers = (): Record<Server, AriObserver> => ({ pbx1: scene.observer, pbx2 });
  let killedAt = 0;
  let takenOverAfterMs: number | undefined;

  /** The lost engine's customers that entered a bridge on the server, as its Asterisk reports it. */
  const bridgedOn = (server: Server) =>
    observers()[server].events.some((e) => e.type === 'ChannelEnteredBridge' && new RegExp(`^${LOST}-c-[0-9a-f-]{36}$`).test(e.channel?.id ?? ''));
  /** Agents who went ready since `from`. */
  const readySince = async (from: number) =>
    (await scene.db.query<{ agent_id: string }>(`SELECT DISTINCT agent_id FROM agent_states WHERE to_state = 'ready' AND at >= $1 ORDER BY agent_id`, [new Date(from)])).rows.map(
      (r) => r.agent_id,
    );
  const idleAgents = SERVERS.map((s) => `agent${IDLE[s]}`).sort();

  beforeAll(async () => {
    scene = await CampaignUnderTest.open({
      name: 'taken over on two PBXs',
      pacing: { mode: 'power', powerLinesPerAgent: 1, wrapUpTimeoutSec: 30 },
      leads: TALKERS.map((phone) => ({ phone })),
      agents: SERVERS.flatMap((s) => [TALKING[s], IDLE[s]]),
    });
    for (const s of SERVERS) for (const n of [TALKING[s], IDLE[s]]) await placeAgent(scene.db, AgentId(`agent${n}`), s);
    pbx2 = await AriObserver.open(undefined, lab.pbx2!.ariUrl);
    // No call crosses the lab's link: a crossed call is not adopted as such (docs/scaling.md, "Not done yet").
    const env = { OUTPACE_LEASE_TTL_MS: String(LEASE_TTL_MS), OUTPACE_SERVERS: process.env['OUTPACE_LAB_SERVERS']!, OUTPACE_CROSS_SERVER_AFTER_MS: 'off' };
    const lost = await scene.startEngine(LOST, env);
    // Standing by before any call is dialed: its start (seconds on a loaded machine) is not taken from the talk.
    taker = await scene.startEngine(TAKER, env);
    await scene.logIn(lost, SERVERS.map((s) => TALKING[s]));
    await until('a customer talking to an agent on each PBX', async () => SERVERS.every(bridgedOn), 60_000);
    const idleFrom = Date.now();
    await scene.logIn(lost, SERVERS.map((s) => IDLE[s]));
    await until('the idle agents ready on the engine to be killed', async () => (await readySince(idleFrom)).join() === idleAgents.join(), 30_000);
    killedAt = Date.now();
    await lost.stop('SIGKILL');
    scene.dropDesks();
    // Refused while the other engine is still taking the campaign over, the agents log in again.
    await scene.logIn(taker);
    takenOverAfterMs = Date.now() - killedAt;
    await until('every call over and dispositioned', async () => (await scene.attempts()).every((r) => r.ended && (!r.connected || r.disposition)), 60_000).catch(() => undefined);
    await taker.stop('SIGTERM');
  }, 3 * 60_000);

  afterAll(async () => {
    pbx2?.close();
    for (const engine of [LOST, TAKER]) await clearPbx(engine, lab.pbx2!.ariUrl).catch(() => undefined);
    await scene?.close([LOST, TAKER]);
  });

  it("takes the campaign over within the lease and a few seconds, serving the lost engine's application on both servers", () => {
    expect(takenOverAfterMs).toBeDefined();
    const takenAt = taker.allLines.map((l) => /"time":(\d+).*"msg":"campaign taken over/.exec(l)?.[1]).find(Boolean);
    console.log(
      `takeover over two real PBXs: campaign taken over (calls adopted on both) ${Number(takenAt) - killedAt} ms after the kill, ` +
        `agents logged in to the other engine ${takenOverAfterMs} ms after it (lease ${LEASE_TTL_MS} ms)`,
    );
    const taken = taker.problems.filter((l) => /lost engine's ARI application taken over/.test(l));
    expect(SERVERS.filter((s) => taken.some((l) => l.includes(`"server":"${s}"`)))).toEqual([...SERVERS]);
  });

  it('keeps the customer talking on each server connected until they hang up, and the adopter closes their attempts', async () => {
    const rows = await scene.attempts();
    for (const server of SERVERS) {
      const talk = rows.find((r) => r.agent_id === `agent${TALKING[server]}`);
      expect(talk, server).toMatchObject({ connected: true, ended: true, outcome: 'live', abandoned: false, engine_id: TAKER });
      // The carrier's person hung up after their 30 s: the channel lived past the kill on its own server, and no engine hung it up.
      const destroyed = observers()[server].about(`${LOST}-c-${talk!.id}`).find((e) => e.type === 'ChannelDestroyed');
      expect(destroyed?.cause, server).toBe(16);
    }
    expect(rows.map((r) => [r.ended, r.engine_id])).toEqual(TALKERS.map(() => [true, TAKER]));
  });

  it('has the agents on both servers disposition the adopted calls on the engine that took them over', async () => {
    const rows = await scene.attempts();
    expect(SERVERS.map((s) => rows.find((r) => r.agent_id === `agent${TALKING[s]}`)?.disposition)).toEqual(SERVERS.map(() => 'survey-completed'));
  });

  it("brings the idle agents of both servers back to ready on the engine that took over, on a leg of its own", async () => {
    expect(await readySince(killedAt)).toEqual(expect.arrayContaining(idleAgents));
    for (const s of SERVERS) {
      // Its softphone answered the taker's leg on its own server.
      const answered = observers()[s].events.some((e) => e.channel?.id.startsWith(`${TAKER}-a-agent${IDLE[s]}-`) && e.channel.state === 'Up');
      expect(answered, s).toBe(true);
    }
  });

  it('leaves nothing of either engine on either PBX, and no lead held', async () => {
    const { rows } = await scene.db.query<{ phone: string }>(`SELECT phone FROM leads WHERE state IN ('claimed', 'dialing')`);
    expect(rows).toEqual([]);
    for (const ariUrl of [lab.ariUrl, lab.pbx2!.ariUrl]) {
      for (const engine of [LOST, TAKER]) expect(await leftOnPbx(engine, ariUrl), `${engine} on ${ariUrl}`).toEqual({ channels: [], bridges: [] });
    }
  });
});
