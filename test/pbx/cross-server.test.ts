/**
 * A call crossing servers (design (b), docs/scaling.md) between the lab's two
 * real Asterisks, linked as a site links them (lab.sh: outpace-link-pbx2 on
 * the first, outpace-link-pbx1 on the second, from asterisk-config/pjsip.conf's
 * link templates). `outpace run` drives both with OUTPACE_CROSS_SERVER_AFTER_MS
 * 0; the campaign's trunk is on pbx1 only, so every customer is dialed there,
 * and its only agent, the first of pbx2's (agent21 in the default lab), is on
 * pbx2. Checked on each Asterisk's own events: pbx1 calls pbx2 over the link
 * with the engine's application in the X-Outpace-App header, pbx2's
 * [outpace-from-pbx] hands the call to that application, which bridges it
 * with the agent's leg and answers it; pbx1 bridges the customer with its end
 * of the link. The customer's hangup ends
 * both ends of the link and leaves the agent on their leg; the attempt closes
 * live with its agent; nothing is left on either PBX. Then the agent's server
 * refuses the crossing (its [outpace-from-pbx] finds no engine serving the
 * application: Hangup(34)), and the customer is abandoned by the rules, the
 * reason in the engine's log. Last, the agent's leg ends during a crossed
 * call: both ends of the link go, then the customer's call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId } from '../../src/domain/ids.js';
import { placeAgent } from '../../src/telephony/servers/agent-servers.js';
import { carrierNumber } from './carrier-scheme.js';
import { ari, type AriEvent, AriObserver, asteriskCli, at, type AttemptRow, CampaignUnderTest, clearPbx, type EngineProcess, lab, leftOnPbx, until } from './support.js';

const RUN = Date.now().toString(36);
const AGENT = lab.pbx2?.agents[0] ?? 0;
const AGENT_ID = `agent${AGENT}`;
/** A lab channel of the link between the PBXs: outpace-link-pbx2 on pbx1, outpace-link-pbx1 on pbx2. */
const LINK_CHANNEL = /^PJSIP\/outpace-link-pbx[12]-/;

/** The lab's servers, each with its link, but the campaign's trunk on pbx1 only: every customer is answered there. */
function crossingServers(): string {
  const servers = JSON.parse(process.env['OUTPACE_LAB_SERVERS'] ?? '[]') as Array<{ name: string; link?: string }>;
  if (!servers.every((s) => s.link)) throw new Error('OUTPACE_LAB_SERVERS has no link for each server: the lab predates the link between its PBXs; lab.sh down, then up');
  return JSON.stringify(servers.map((s) => (s.name === 'pbx2' ? { ...s, trunks: [{ id: 'elsewhere', maxLines: 5, maxCallsPerSecond: 5 }] } : s)));
}

const bridgeOf = (e: AriEvent): string | undefined => (e['bridge'] as { id: string } | undefined)?.id;
const named = (events: readonly AriEvent[], pattern: RegExp): string[] => [...new Set(events.filter((e) => pattern.test(e.channel?.name ?? '')).map((e) => e.channel!.id))];
/** The channels of the PBX at `ariUrl` named like `pattern`, with their state. */
const channelsNamed = async (pattern: RegExp, ariUrl: string) =>
  ((await ari<Array<{ id: string; name: string; state: string }>>('GET', '/channels', ariUrl)) ?? []).filter((c) => pattern.test(c.name));

/** A campaign of one lead on pbx1's trunk, its one agent on pbx2, an engine over both allowed to cross at once. */
async function crossingScene(name: string, engineId: string, phone: string): Promise<{ scene: CampaignUnderTest; pbx2: AriObserver; engine: EngineProcess }> {
  const scene = await CampaignUnderTest.open({ name, pacing: { mode: 'progressive', wrapUpTimeoutSec: 30 }, leads: [{ phone }], agents: [AGENT] });
  await placeAgent(scene.db, AgentId(AGENT_ID), 'pbx2');
  const pbx2 = await AriObserver.open(undefined, lab.pbx2!.ariUrl);
  const engine = await scene.startEngine(engineId, { OUTPACE_SERVERS: crossingServers(), OUTPACE_CROSS_SERVER_AFTER_MS: '0' });
  return { scene, pbx2, engine };
}

/** The agent's states, in order. */
async function agentStates(scene: CampaignUnderTest): Promise<string[]> {
  const { rows } = await scene.db.query<{ to_state: string }>('SELECT to_state FROM agent_states WHERE agent_id = $1 ORDER BY id', [AGENT_ID]);
  return rows.map((r) => r.to_state);
}
/** On the call, then in wrap-up, then ready again. */
const readyAfterTheCall = (states: readonly string[]) => states.includes('on-call') && states.indexOf('on-call') < states.indexOf('wrap-up') && states.indexOf('wrap-up') < states.lastIndexOf('ready');

if (!lab.pbx2) console.warn('crossing suite skipped: the lab runs one PBX (OUTPACE_LAB_PBXS=1); lab.sh up with the default 2 starts the second');

describe.skipIf(!lab.pbx2)('a customer on pbx1 put through to the only agent, on pbx2, across the link between the real PBXs', () => {
  const ENGINE = `pbx-cross-${RUN}`;
  let scene: CampaignUnderTest;
  let pbx2: AriObserver;
  let engine: EngineProcess;
  let call: AttemptRow | undefined;
  let states: string[] = [];
  /** The agent's leg on pbx2 once they were ready again after the call. */
  let legAfter: Array<{ id: string; state: string }> = [];
  /** Channels of the link on either PBX once the call was over. */
  let linksAfter: string[] = [];
  let exitCode: number | null = null;

  beforeAll(async () => {
    // A person who answers after 2 s and talks 6 s, then hangs up.
    ({ scene, pbx2, engine } = await crossingScene('crossing', ENGINE, carrierNumber({ kind: 'person', ringSec: 2, talkSec: 6 }, 70)));
    await scene.logIn(engine);
    await until('the call over', async () => (call = (await scene.attempts())[0])?.ended === true, 90_000);
    // (The disposition and the agent's states are stored apart: both are awaited.)
    await until(
      'the call dispositioned and the agent ready again after their wrap-up',
      async () => readyAfterTheCall((states = await agentStates(scene))) && (call = (await scene.attempts())[0])?.disposition != null,
      60_000,
    ).catch(() => undefined);
    legAfter = (await channelsNamed(new RegExp(`^PJSIP/${AGENT_ID}-`), lab.pbx2!.ariUrl)).map((c) => ({ id: c.id, state: c.state }));
    linksAfter = [...(await channelsNamed(LINK_CHANNEL, lab.ariUrl)), ...(await channelsNamed(LINK_CHANNEL, lab.pbx2!.ariUrl))].map((c) => c.name);
    exitCode = await engine.stop('SIGTERM');
  }, 4 * 60_000);

  afterAll(async () => {
    pbx2?.close();
    await clearPbx(ENGINE, lab.pbx2!.ariUrl).catch(() => undefined);
    await scene?.close([ENGINE]);
  });

  it('bridges the customer on pbx1 with its end of the link, and the other end with the agent on pbx2, in the engine\'s application there', () => {
    expect(call).toMatchObject({ connected: true, ended: true, outcome: 'live', abandoned: false, agent_id: AGENT_ID, disposition: 'survey-completed' });
    const customer = `${ENGINE}-c-${call!.id}`;
    // pbx1: the engine's link channel out (its id an agent leg's), in the customer's bridge.
    const out = named(scene.observer.events, /^PJSIP\/outpace-link-pbx2-/);
    expect(out, 'link channels out of pbx1').toHaveLength(1);
    expect(out[0]).toMatch(new RegExp(`^${ENGINE}-a-${AGENT_ID}-`));
    const bridgedOn1 = (id: string) => scene.observer.about(id).find((e) => e.type === 'ChannelEnteredBridge');
    expect(bridgeOf(bridgedOn1(customer)!)).toBeDefined();
    expect(bridgeOf(bridgedOn1(out[0]!)!)).toBe(bridgeOf(bridgedOn1(customer)!));
    // pbx2: the call in over the link, handed to the engine's application by [outpace-from-pbx] with the attempt, in the agent's bridge.
    const into = named(pbx2.events, /^PJSIP\/outpace-link-pbx1-/);
    expect(into, 'link channels into pbx2').toHaveLength(1);
    // (StasisStart goes to the application alone: the observer sees the dialplan's step, the header read into its data.)
    const start = pbx2.about(into[0]!).find((e) => e.type === 'ChannelDialplan' && e['dialplan_app'] === 'Stasis')!;
    expect([start.channel?.dialplan?.context, start['dialplan_app_data']]).toEqual(['outpace-from-pbx', `outpace-${ENGINE},crossing,${call!.id}`]);
    // Once: not again after the hangup, as the h extension Asterisk runs then (dialplan/outpace.conf).
    expect(pbx2.about(into[0]!).filter((e) => e.type === 'ChannelDialplan' && e['dialplan_app'] === 'Stasis')).toHaveLength(1);
    const agentLegBridged = pbx2.events.find((e) => e.type === 'ChannelEnteredBridge' && e.channel?.id.startsWith(`${ENGINE}-a-${AGENT_ID}-`));
    const linkBridged = pbx2.about(into[0]!).find((e) => e.type === 'ChannelEnteredBridge');
    expect(bridgeOf(linkBridged!)).toBe(bridgeOf(agentLegBridged!));
    // Answered on pbx2 once in the agent's bridge, which answered pbx1's end: then the customer was bridged there.
    const upOn2 = pbx2.about(into[0]!).find((e) => e.type === 'ChannelStateChange' && e.channel?.state === 'Up')!;
    const upOn1 = scene.observer.about(out[0]!).find((e) => e.type === 'ChannelStateChange' && e.channel?.state === 'Up')!;
    expect(at(linkBridged!)).toBeLessThanOrEqual(at(upOn2));
    expect(at(upOn2)).toBeLessThanOrEqual(at(upOn1));
    expect(at(upOn1)).toBeLessThanOrEqual(at(bridgedOn1(customer)!));
    const answered = scene.observer.about(customer).find((e) => e.type === 'ChannelStateChange' && e.channel?.state === 'Up')!;
    const created = scene.observer.about(out[0]!).find((e) => e.type === 'ChannelCreated')!;
    console.info(
      `crossing on the lab's two Asterisks: customer answered on pbx1 → link channel created ${at(created) - at(answered)} ms → in pbx2's Stasis ${at(start) - at(created)} ms → ` +
        `in the agent's bridge ${at(linkBridged!) - at(start)} ms → answered on pbx2 ${at(upOn2) - at(linkBridged!)} ms → answer heard on pbx1 ${at(upOn1) - at(upOn2)} ms → ` +
        `customer bridged ${at(bridgedOn1(customer)!) - at(upOn1)} ms; answer to bridge ${at(bridgedOn1(customer)!) - at(answered)} ms`,
    );
  });

  it("ends both ends of the link when the customer hangs up, and leaves the agent on their leg, ready again after the wrap-up", () => {
    const customer = scene.observer.about(`${ENGINE}-c-${call!.id}`).find((e) => e.type === 'ChannelDestroyed');
    // The carrier's person hung up (16), not an engine.
    expect(customer?.cause).toBe(16);
    for (const [server, observer] of [['pbx1', scene.observer], ['pbx2', pbx2]] as const) {
      const link = named(observer.events, LINK_CHANNEL)[0]!;
      const gone = observer.about(link).find((e) => e.type === 'ChannelDestroyed');
      expect(gone?.cause, `the link channel on ${server} ended normally`).toBe(16);
      expect(at(gone!), `the link channel on ${server} ended after the customer`).toBeGreaterThanOrEqual(at(customer!));
    }
    expect(linksAfter).toEqual([]);
    expect(engine.problems).toEqual([]);
    // The agent's nailed-up leg stayed up through the call and after it, the only one.
    expect(legAfter).toHaveLength(1);
    expect(legAfter[0]).toMatchObject({ state: 'Up' });
    expect(legAfter[0]!.id).toMatch(new RegExp(`^${ENGINE}-a-${AGENT_ID}-`));
    expect(readyAfterTheCall(states), states.join(' → ')).toBe(true);
  });

  it('leaves nothing on either PBX once the engine has stopped', async () => {
    expect(exitCode).toBe(0);
    for (const ariUrl of [lab.ariUrl, lab.pbx2!.ariUrl]) {
      expect(await leftOnPbx(ENGINE, ariUrl), ariUrl).toEqual({ channels: [], bridges: [] });
      expect((await channelsNamed(LINK_CHANNEL, ariUrl)).map((c) => c.name), ariUrl).toEqual([]);
    }
  });
});

describe.skipIf(!lab.pbx2)('a crossing the agent\'s PBX refuses, with no engine serving the application there', () => {
  const ENGINE = `pbx-refused-${RUN}`;
  let scene: CampaignUnderTest;
  let pbx2: AriObserver;
  let engine: EngineProcess;
  let call: AttemptRow | undefined;
  let legAfter: Array<{ id: string; state: string }> = [];

  beforeAll(async () => {
    // pbx2's [outpace-from-pbx] hands the call to an application no engine serves (as when the header names a lost engine's):
    // Stasis() fails and the shipped dialplan's next step refuses the call, Hangup(34).
    await asteriskCli('pbx2', 'dialplan add extension _[0-9a-f].,1,Stasis,outpace-served-by-nobody,crossing,${EXTEN} into outpace-from-pbx replace');
    // A person who would talk 20 s: the engine ends the call after the abandon message.
    ({ scene, pbx2, engine } = await crossingScene('crossing refused', ENGINE, carrierNumber({ kind: 'person', ringSec: 2, talkSec: 20 }, 71)));
    await scene.logIn(engine);
    await until('the call over', async () => (call = (await scene.attempts())[0])?.ended === true, 90_000);
    legAfter = (await channelsNamed(new RegExp(`^PJSIP/${AGENT_ID}-`), lab.pbx2!.ariUrl)).map((c) => ({ id: c.id, state: c.state }));
    await engine.stop('SIGTERM');
  }, 4 * 60_000);

  afterAll(async () => {
    // The shipped dialplan again (the lab's copy of dialplan/outpace.conf).
    await asteriskCli('pbx2', 'dialplan reload').catch(() => undefined);
    pbx2?.close();
    await clearPbx(ENGINE, lab.pbx2!.ariUrl).catch(() => undefined);
    await scene?.close([ENGINE]);
  });

  it('is refused by pbx2 with cause 34, which pbx1 hears as the end of its link channel', () => {
    const into = named(pbx2.events, /^PJSIP\/outpace-link-pbx1-/);
    expect(into, 'link channels into pbx2').toHaveLength(1);
    const steps = pbx2.about(into[0]!).filter((e) => e.type === 'ChannelDialplan').map((e) => `${e['dialplan_app']}(${e['dialplan_app_data']})`);
    expect(steps).toEqual([`Stasis(outpace-served-by-nobody,crossing,${call!.id})`, 'Hangup(34)']);
    expect(pbx2.about(into[0]!).find((e) => e.type === 'ChannelDestroyed')?.cause).toBe(34);
    const out = named(scene.observer.events, /^PJSIP\/outpace-link-pbx2-/);
    expect(out, 'link channels out of pbx1').toHaveLength(1);
    const outGone = scene.observer.about(out[0]!).find((e) => e.type === 'ChannelDestroyed');
    console.info(`crossing refused: pbx1's link channel ended with cause ${outGone?.cause} (${String(outGone?.['cause_txt'])})`);
    expect(outGone?.cause).toBe(34);
    expect(scene.observer.about(out[0]!).some((e) => e.type === 'ChannelEnteredBridge')).toBe(false);
  });

  it('abandons the customer by the rules, says why in the log, and keeps the agent ready on their leg', () => {
    expect(call).toMatchObject({ connected: false, ended: true, outcome: 'live', abandoned: true, agent_id: null });
    const why = engine.allLines.find((l) => l.includes('crossing failed, the customer waits for an agent on pbx1'));
    expect(why, engine.log).toMatch(/the link to the agent's server ended the crossing unanswered \(34 /);
    // The abandon message was played to the customer on pbx1.
    expect(scene.observer.about(`${ENGINE}-c-${call!.id}`).some((e) => e.type === 'PlaybackStarted' && /abandon/.test(e.playback?.media_uri ?? ''))).toBe(true);
    expect(legAfter).toHaveLength(1);
    expect(legAfter[0]).toMatchObject({ state: 'Up' });
  });

  it('leaves nothing on either PBX', async () => {
    for (const ariUrl of [lab.ariUrl, lab.pbx2!.ariUrl]) {
      expect(await leftOnPbx(ENGINE, ariUrl), ariUrl).toEqual({ channels: [], bridges: [] });
      expect((await channelsNamed(LINK_CHANNEL, ariUrl)).map((c) => c.name), ariUrl).toEqual([]);
    }
  });
});

describe.skipIf(!lab.pbx2)("the agent's side of a crossed call ending first", () => {
  const ENGINE = `pbx-agent-ends-${RUN}`;
  const TALK_SEC = 40;
  let scene: CampaignUnderTest;
  let pbx2: AriObserver;
  let engine: EngineProcess;
  let call: AttemptRow | undefined;

  beforeAll(async () => {
    // A person who would talk 40 s; the agent's leg on pbx2 ends once they are put through (as a softphone hanging up).
    ({ scene, pbx2, engine } = await crossingScene('crossing ended by the agent', ENGINE, carrierNumber({ kind: 'person', ringSec: 2, talkSec: TALK_SEC }, 72)));
    await scene.logIn(engine);
    await until('the customer put through', async () => (call = (await scene.attempts())[0])?.connected === true, 90_000);
    const [leg] = await channelsNamed(new RegExp(`^PJSIP/${AGENT_ID}-`), lab.pbx2!.ariUrl);
    await ari('DELETE', `/channels/${leg!.id}`, lab.pbx2!.ariUrl);
    await until('the call over', async () => (call = (await scene.attempts())[0])?.ended === true, 30_000);
    await engine.stop('SIGTERM');
  }, 4 * 60_000);

  afterAll(async () => {
    pbx2?.close();
    await clearPbx(ENGINE, lab.pbx2!.ariUrl).catch(() => undefined);
    await scene?.close([ENGINE]);
  });

  it("ends both ends of the link and the customer's call on pbx1, long before the person would have hung up", () => {
    expect(call).toMatchObject({ connected: true, ended: true, outcome: 'live', abandoned: false, agent_id: AGENT_ID });
    const into = named(pbx2.events, /^PJSIP\/outpace-link-pbx1-/)[0]!;
    const out = named(scene.observer.events, /^PJSIP\/outpace-link-pbx2-/)[0]!;
    const customer = scene.observer.about(`${ENGINE}-c-${call!.id}`);
    const gone = (events: readonly AriEvent[]) => events.find((e) => e.type === 'ChannelDestroyed');
    const answered = customer.find((e) => e.type === 'ChannelStateChange' && e.channel?.state === 'Up')!;
    // (The order of the three ends is a race, within a millisecond or two: pbx2's BYE, its own ChannelDestroyed, the engine's hangups.)
    expect(gone(pbx2.about(into))?.cause).toBe(16);
    expect(gone(scene.observer.about(out))?.cause).toBe(16);
    expect(at(gone(customer)!) - at(answered)).toBeLessThan(TALK_SEC * 1000);
  });

  it('leaves nothing on either PBX', async () => {
    for (const ariUrl of [lab.ariUrl, lab.pbx2!.ariUrl]) {
      expect(await leftOnPbx(ENGINE, ariUrl), ariUrl).toEqual({ channels: [], bridges: [] });
      expect((await channelsNamed(LINK_CHANNEL, ariUrl)).map((c) => c.name), ariUrl).toEqual([]);
    }
  });
});
