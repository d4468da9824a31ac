/**
 * An engine lost (killed, crashed, cut off) and the next one on the same ARI
 * application, at the port (issue 15, items 1 and 2), on the ARI test
 * server: a person who answers meanwhile hears the abandon message from the
 * dialplan, and the next engine learns it from Asterisk's record; a customer
 * talking to an agent talks on, the next engine adopts the call, the agent
 * gets their leg back at login (no second leg rung), and the recordings are
 * stopped and reported when the customer hangs up. And another engine, on
 * its own application, taking over from one that froze (issue 19): it serves
 * the frozen engine's application from then on, the frozen one is told so
 * and hears nothing more of the call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId } from '../../src/domain/ids.js';
import { connectEngine, dialRequest, type TelephonyLab, testServerLab } from './telephony-lab.js';

const AGENT = AgentId('agent7');

/**
 * Asterisk lists outpace's variables with each channel when ari.conf's
 * `channelvars` names them (the shipped one does); a PBX whose ari.conf does
 * not is asked channel by channel.
 */
describe.each([
  { ariConf: "the shipped ari.conf's channelvars", channelvars: undefined, variableRequests: 'none' },
  { ariConf: 'an ari.conf naming no channelvars', channelvars: [], variableRequests: 'some' },
])('the engine after a lost one, on the same application, with $ariConf', ({ channelvars, variableRequests }) => {
  let lab: TelephonyLab;
  beforeAll(async () => {
    lab = await testServerLab({ channelvars });
  });
  afterAll(async () => {
    await lab?.close();
  });
  const pbx = () => lab.server!.pbx;
  const channelOf = (attemptId: string) => `lost-c-${attemptId}`;

  /** The engine's agent on their leg, and a customer who answered put through to them. */
  async function customerTalkingToAgent(engine: Awaited<ReturnType<typeof connectEngine>>) {
    engine.telephony.loginAgent(AGENT, lab.agentEndpoint(7));
    await engine.heard.next('agent.leg-up', AGENT);
    const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 500 }));
    engine.telephony.originate(request);
    await engine.heard.next('call.answered', request.attemptId);
    engine.telephony.connectToAgent(request.attemptId, AGENT);
    await engine.heard.next('call.connected', request.attemptId);
    return request;
  }

  it('a person who answers while no engine listens hears the abandon message, and the next engine counts the call abandoned', async () => {
    const lost = await connectEngine(lab, 'lost');
    const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 3_600_000 }), { ringTimeoutSec: 3600 });
    lost.telephony.originate(request);
    await lost.heard.next('call.ringing', request.attemptId);
    lost.telephony.close();
    await expect.poll(() => lab.server!.connectedApps()).not.toContain('outpace-lost');

    pbx().farEndAnswers(channelOf(request.attemptId));
    expect(pbx().get(channelOf(request.attemptId)).dialplan).toMatchObject({ context: 'outpace-abandon', app_name: 'Playback', app_data: 'outpace/abandon' });
    await expect.poll(() => pbx().list().some((c) => c.id === channelOf(request.attemptId))).toBe(false);
    expect(pbx().faults).toMatchObject({ answeredIntoSilence: 0, abandonedByDialplan: 1 });

    const next = await connectEngine(lab, 'lost');
    try {
      const left = await next.telephony.adoptCalls([request]);
      expect(left.get(request.attemptId)).toEqual({ phase: 'abandoned-by-pbx', at: expect.any(Number) });
      // Read once: the record is deleted with the reading.
      expect((await next.telephony.adoptCalls([request])).size).toBe(0);
    } finally {
      next.telephony.close();
    }
  });

  it('a customer talking to an agent talks on: the next engine adopts the call, gives the agent their leg back and stores its recordings', async () => {
    const lost = await connectEngine(lab, 'lost');
    const request = await customerTalkingToAgent(lost);
    // Recorded from the answer by the dialplan's MixMonitor, which goes on whoever drives the call.
    expect([...pbx().storedRecordings.keys()].filter((name) => name.startsWith(request.attemptId))).toHaveLength(3);
    lost.telephony.close();
    await expect.poll(() => lab.server!.connectedApps()).not.toContain('outpace-lost');

    const next = await connectEngine(lab, 'lost');
    try {
      const asked = lab.server!.requests.length;
      const left = await next.telephony.adoptCalls([request]);
      expect(left.get(request.attemptId)).toEqual({ phase: 'connected', agentId: AGENT });
      const variablesAsked = lab.server!.requests.slice(asked).filter((r) => /^GET \/ari\/channels\/[^/]+\/variable/.test(r));
      expect(variablesAsked.length > 0 ? 'some' : 'none').toBe(variableRequests);
      expect(await next.heard.next('call.connected', request.attemptId)).toMatchObject({ agentId: AGENT });
      const agentLegs = () => pbx().list().filter((c) => c.endpoint === lab.agentEndpoint(7));
      expect(agentLegs()).toHaveLength(1);
      // The agent's leg left behind is theirs again: no second one rings, and nothing removes it.
      next.telephony.loginAgent(AGENT, lab.agentEndpoint(7));
      await next.heard.next('agent.leg-up', AGENT);
      expect(await next.telephony.removeLeftLegs()).toBe(0);
      expect(agentLegs()).toHaveLength(1);

      pbx().farEndHangsUp(channelOf(request.attemptId));
      expect(await next.heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'customer' });
      await expect.poll(() => next.heard.about(request.attemptId).filter((e) => e.type === 'recording.finished').length).toBe(3);
      expect(pbx().faults.droppedWhileBridged).toBe(0);
      // The agent stays on their leg, ready for the next customer.
      expect(agentLegs()).toHaveLength(1);
      await next.telephony.shutdown();
      expect(pbx().list()).toEqual([]);
      // Asterisk destroys a bridge just after answering the request.
      await expect.poll(() => pbx().bridges.size).toBe(0);
    } finally {
      next.telephony.close();
    }
  });

  it('another engine adopts a frozen engine\'s call through its application; the frozen one is deposed and hears nothing more', async () => {
    const deposed: string[] = [];
    const frozen = await connectEngine(lab, 'frozen', { deposed: (app) => deposed.push(app) });
    const other = await connectEngine(lab, 'other');
    try {
      const request = await customerTalkingToAgent(frozen);

      const left = await other.telephony.adoptCalls([request]);
      expect(left.get(request.attemptId)).toEqual({ phase: 'connected', agentId: AGENT });
      expect(lab.server!.connectedApps()).toEqual(expect.arrayContaining(['outpace-frozen', 'outpace-other']));
      await expect.poll(() => deposed).toEqual(['outpace-frozen']);

      pbx().farEndHangsUp(`frozen-c-${request.attemptId}`);
      expect(await other.heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'customer' });
      expect(frozen.heard.about(request.attemptId).some((e) => e.type === 'call.ended')).toBe(false);
      expect(pbx().faults.droppedWhileBridged).toBe(0);
      // The agent has not logged in to the other engine: the frozen engine's leg goes with the call (they log in there anew).
      await expect.poll(() => pbx().list().filter((c) => c.endpoint === lab.agentEndpoint(7))).toEqual([]);
    } finally {
      frozen.telephony.close();
      await other.telephony.shutdown();
    }
  });

  /** An engine lost while its agent sat idle on their leg, and another engine to clear up after it. */
  async function lostWhileIdle() {
    const idle = await connectEngine(lab, 'idle');
    const other = await connectEngine(lab, 'other');
    idle.telephony.loginAgent(AGENT, lab.agentEndpoint(7));
    await idle.heard.next('agent.leg-up', AGENT);
    idle.telephony.close();
    return other;
  }

  it("goes on when the PBX does not answer the removal of a lost engine's leg, tries it once more, and says which are left", async () => {
    const other = await lostWhileIdle();
    try {
      // Both tries time out: the leg is left, and the takeover goes on.
      lab.server!.hangNext(/^DELETE \/channels\//, 2);
      expect(await other.telephony.removeLeftLegs('idle')).toBe(0);
      expect(pbx().list().filter((c) => c.endpoint === lab.agentEndpoint(7))).toHaveLength(1);
      // The first try times out, the second removes it.
      lab.server!.hangNext(/^DELETE \/channels\//, 1);
      expect(await other.telephony.removeLeftLegs('idle')).toBe(1);
      await expect.poll(() => pbx().list().filter((c) => c.endpoint === lab.agentEndpoint(7))).toEqual([]);
    } finally {
      await other.telephony.shutdown();
    }
  });

  it("removes the idle agents' legs of a lost engine none of whose calls was left to adopt", async () => {
    const other = await lostWhileIdle();
    try {
      // Not this engine's application, and no call to adopt: only the lost engine's name tells its legs.
      expect(await other.telephony.removeLeftLegs()).toBe(0);
      expect(await other.telephony.removeLeftLegs('idle')).toBe(1);
      await expect.poll(() => pbx().list().filter((c) => c.endpoint === lab.agentEndpoint(7))).toEqual([]);
    } finally {
      await other.telephony.shutdown();
    }
  });
});
