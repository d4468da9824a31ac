/**
 * Takeover on the real PBX (issue 19): two engines serve one campaign, each
 * on its own ARI application; the one running it is killed with SIGKILL
 * while its customers talk to agents; the other, standing by, takes the
 * campaign over once the lease lapses, serves the lost engine's application
 * (Asterisk gives it to the newest WebSocket) and adopts the calls: the
 * customers stay with their agents until they hang up, the agents log in to
 * it and disposition those calls, and every attempt is closed by it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carrierNumber } from './carrier-scheme.js';
import { CampaignUnderTest, type EngineProcess, leftOnPbx } from './support.js';

const RUN = Date.now().toString(36);
const LOST = `pbx-lost-${RUN}`;
const TAKER = `pbx-taker-${RUN}`;
const LEASE_TTL_MS = 5000;

/** Two people who talk 40 s: both with agents when the engine is killed, still talking when the other takes over. */
const TALKERS = [0, 1].map((i) => carrierNumber({ kind: 'person', ringSec: 2, talkSec: 40 }, 20 + i));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("another engine takes a killed engine's campaign and live calls over, on the real PBX", () => {
  let scene: CampaignUnderTest;
  let taker: EngineProcess;
  let takenOverAfterMs: number | undefined;

  beforeAll(async () => {
    scene = await CampaignUnderTest.open({
      name: 'taken over',
      pacing: { mode: 'power', powerLinesPerAgent: 1, wrapUpTimeoutSec: 30 },
      leads: TALKERS.map((phone) => ({ phone })),
      agents: [14, 15],
    });
    const env = { OUTPACE_LEASE_TTL_MS: String(LEASE_TTL_MS) };
    const lost = await scene.startEngine(LOST, env);
    await scene.logIn(lost);
    taker = await scene.startEngine(TAKER, env);
    const giveUpAt = Date.now() + 60_000;
    while (Date.now() < giveUpAt && scene.customersOf(LOST).bridged.size < TALKERS.length) await sleep(100);
    const killedAt = Date.now();
    await lost.stop('SIGKILL');
    scene.dropDesks();
    // Refused while the other engine is still taking the campaign over, the agents log in again.
    await scene.logIn(taker);
    takenOverAfterMs = Date.now() - killedAt;
    const doneBy = Date.now() + 90_000;
    while (Date.now() < doneBy && (await scene.attempts()).some((r) => !r.ended || (r.connected && !r.disposition))) await sleep(1000);
    await taker.stop('SIGTERM');
  }, 4 * 60_000);

  afterAll(async () => {
    await scene?.close([LOST, TAKER]);
  });

  it("takes the campaign over within the lease and a few seconds, serving the lost engine's application", () => {
    expect(takenOverAfterMs).toBeDefined();
    console.log(`takeover on the real PBX: agents logged in to the other engine ${takenOverAfterMs} ms after the kill (lease ${LEASE_TTL_MS} ms)`);
    expect(taker.problems.join('\n')).toMatch(/lost engine's ARI application taken over/);
  });

  it('keeps the customers who were talking to agents connected until they hang up, and the adopter closes their attempts', async () => {
    const rows = await scene.attempts();
    for (const phone of TALKERS) {
      const talk = rows.find((r) => r.phone === phone);
      expect(talk, phone).toMatchObject({ connected: true, ended: true, outcome: 'live', abandoned: false, engine_id: TAKER });
      // The carrier's person hung up after their 40 s: the channel lived past the kill, and was never hung up by an engine.
      const destroyed = scene.observer.about(`${LOST}-c-${talk!.id}`).find((e) => e.type === 'ChannelDestroyed');
      expect(destroyed?.cause, phone).toBe(16);
    }
  });

  it('has the agents disposition the adopted calls on the engine that took them over', async () => {
    expect((await scene.attempts()).filter((r) => r.connected).map((r) => r.disposition)).toEqual(TALKERS.map(() => 'survey-completed'));
  });

  it('leaves nothing of either engine on the PBX, and no lead held', async () => {
    const { rows } = await scene.db.query<{ phone: string }>(`SELECT phone FROM leads WHERE state IN ('claimed', 'dialing')`);
    expect(rows).toEqual([]);
    expect(await leftOnPbx(LOST)).toEqual({ channels: [], bridges: [] });
    expect(await leftOnPbx(TAKER)).toEqual({ channels: [], bridges: [] });
  });
});
