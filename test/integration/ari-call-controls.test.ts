/**
 * Call controls through the ARI adapter, over the network, on the ARI test
 * server: hold (the customer out of the agent's bridge, hearing music on
 * hold) and resume, mute, DTMF to the far end, hanging up the customer
 * while the agent stays on their leg, blind and warm transfers to another
 * agent and to a number outside, a conference, a consultation that fails,
 * and two controls racing on one call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId, type AttemptId, type E164 } from '../../src/domain/ids.js';
import type { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { CallControl, TelephonyEvent } from '../../src/telephony/port.js';
import { type Heard, type TelephonyLab, connectEngine, dialRequest, testServerLab } from './telephony-lab.js';

describe('call controls on the ARI test server', () => {
  let lab: TelephonyLab;
  let telephony: AriTelephony;
  let heard: Heard;
  let agents = 0;

  beforeAll(async () => {
    lab = await testServerLab();
    ({ telephony, heard } = await connectEngine(lab, 'engine-c'));
  });

  afterAll(async () => {
    telephony?.close();
    await lab?.close();
  });

  const pbx = () => lab.server!.pbx;
  const customer = (attemptId: AttemptId) => `engine-c-c-${attemptId}`;
  const bridgeOf = (channelId: string) => pbx().channels.get(channelId)?.bridgeId;
  const legOf = (agentId: AgentId) => [...pbx().channels.values()].find((c) => c.id.startsWith(`engine-c-a-${agentId}-`) && !c.snoopOf)!.id;

  async function agentReady(): Promise<AgentId> {
    const agentId = AgentId(`agent${++agents}`);
    telephony.loginAgent(agentId, lab.agentEndpoint(agents));
    await heard.next('agent.leg-up', agentId);
    return agentId;
  }

  async function callWith(agentId: AgentId): Promise<AttemptId> {
    const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
    telephony.originate(request);
    await heard.next('call.answered', request.attemptId);
    telephony.connectToAgent(request.attemptId, agentId);
    await heard.next('call.connected', request.attemptId);
    return request.attemptId;
  }

  /** Sends the control and waits for its report (the n-th on this call). */
  async function control(attemptId: AttemptId, agentId: AgentId, c: CallControl): Promise<Extract<TelephonyEvent, { type: 'call.control' }>> {
    const before = reports(attemptId).length;
    telephony.control(attemptId, agentId, c);
    await expect.poll(() => reports(attemptId).length, { timeout: 5000 }).toBe(before + 1);
    return reports(attemptId)[before]!;
  }

  function reports(attemptId: AttemptId): Extract<TelephonyEvent, { type: 'call.control' }>[] {
    return heard.about(attemptId).filter((e): e is Extract<TelephonyEvent, { type: 'call.control' }> => e.type === 'call.control');
  }

  it('holds the customer with music, out of the agent bridge, and brings them back; mutes the agent; sends DTMF out', async () => {
    const agentId = await agentReady();
    const attemptId = await callWith(agentId);
    const agentBridge = bridgeOf(legOf(agentId));
    await expect.poll(() => bridgeOf(customer(attemptId))).toBe(agentBridge);

    expect(await control(attemptId, agentId, { kind: 'hold' })).not.toHaveProperty('failed');
    expect(bridgeOf(customer(attemptId))).toBeUndefined();
    expect(pbx().musicOnHold.get(customer(attemptId))?.since).toBeDefined();

    expect(await control(attemptId, agentId, { kind: 'resume' })).not.toHaveProperty('failed');
    await expect.poll(() => bridgeOf(customer(attemptId))).toBe(agentBridge);
    expect(pbx().musicOnHold.get(customer(attemptId))?.since).toBeUndefined();

    await control(attemptId, agentId, { kind: 'mute' });
    expect(pbx().mutedIn.has(legOf(agentId))).toBe(true);
    await control(attemptId, agentId, { kind: 'unmute' });
    expect(pbx().mutedIn.has(legOf(agentId))).toBe(false);

    await control(attemptId, agentId, { kind: 'dtmf', digits: '12#' });
    await expect.poll(() => pbx().dtmfSent.get(customer(attemptId))).toBe('12#');

    // Hanging up the customer leaves the agent on their leg, in their bridge.
    await control(attemptId, agentId, { kind: 'hangup' });
    expect(await heard.next('call.ended', attemptId)).toMatchObject({ endedBy: 'agent' });
    expect(heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up']);
    expect(bridgeOf(legOf(agentId))).toBe(agentBridge);
  });

  it('two controls racing on one call reach Asterisk in the order asked', async () => {
    const agentId = await agentReady();
    const attemptId = await callWith(agentId);
    telephony.control(attemptId, agentId, { kind: 'hold' });
    telephony.control(attemptId, agentId, { kind: 'resume' });
    await expect.poll(() => reports(attemptId).length).toBe(2);
    expect(reports(attemptId).map((r) => [r.control.kind, r.failed])).toEqual([
      ['hold', undefined],
      ['resume', undefined],
    ]);
    await expect.poll(() => bridgeOf(customer(attemptId))).toBe(bridgeOf(legOf(agentId)));
    telephony.hangup(attemptId);
    await heard.next('call.ended', attemptId);
  });

  it('a blind transfer to another agent moves the customer into their bridge; the recording from the answer follows the customer', async () => {
    const first = await agentReady();
    const second = await agentReady();
    const attemptId = await callWith(first);
    const done = await control(attemptId, first, { kind: 'transfer', to: { agentId: second } });
    expect(done).toMatchObject({ target: { agentId: second } });
    await expect.poll(() => bridgeOf(customer(attemptId))).toBe(bridgeOf(legOf(second)));
    // The call is the second agent's now: the first may not control it.
    expect(await control(attemptId, first, { kind: 'hold' })).toMatchObject({ failed: expect.any(String) });
    expect(await control(attemptId, second, { kind: 'hold' })).not.toHaveProperty('failed');
    pbx().farEndHangsUp(customer(attemptId));
    await heard.next('call.ended', attemptId);
    await expect.poll(() => heard.about(attemptId).filter((e) => e.type === 'recording.finished').map((e) => (e as { recording: { name: string } }).recording.name).sort()).toEqual(
      // One set of files, made on the customer's channel from the answer to the end, whoever the customer talked to.
      [`${attemptId}-agent`, `${attemptId}-customer`, `${attemptId}-mixed`].sort(),
    );
  });

  it('a warm transfer to another agent: consult while the customer hears music, then complete', async () => {
    const first = await agentReady();
    const second = await agentReady();
    const attemptId = await callWith(first);
    await control(attemptId, first, { kind: 'consult', to: { agentId: second } });
    await expect.poll(() => bridgeOf(legOf(second))).toBe(bridgeOf(legOf(first)));
    expect(pbx().musicOnHold.get(customer(attemptId))?.since).toBeDefined();
    await control(attemptId, first, { kind: 'complete' });
    await expect.poll(() => bridgeOf(customer(attemptId))).toBe(`${legOf(second)}-bridge`);
    await expect.poll(() => bridgeOf(legOf(second))).toBe(`${legOf(second)}-bridge`);
    expect(bridgeOf(legOf(first))).toBe(`${legOf(first)}-bridge`);
    expect(pbx().musicOnHold.get(customer(attemptId))?.since).toBeUndefined();
    telephony.hangup(attemptId);
    await heard.next('call.ended', attemptId);
  });

  it('a warm transfer to a number outside: consult, cancel, consult again, complete; the customer and the number talk on', async () => {
    const agentId = await agentReady();
    const attemptId = await callWith(agentId);
    const outside = lab.numberFor({ kind: 'human', ringMs: 500 });
    const consulted = await control(attemptId, agentId, { kind: 'consult', to: { number: outside } });
    expect(consulted).toMatchObject({ target: { number: outside } });
    await control(attemptId, agentId, { kind: 'cancel' });
    await expect.poll(() => bridgeOf(customer(attemptId))).toBe(bridgeOf(legOf(agentId)));

    const again = lab.numberFor({ kind: 'human', ringMs: 500 });
    await control(attemptId, agentId, { kind: 'consult', to: { number: again } });
    const completed = await control(attemptId, agentId, { kind: 'complete' });
    expect(completed).toMatchObject({ target: { number: again } });
    await expect.poll(() => bridgeOf(customer(attemptId))).toBe(`${customer(attemptId)}-handoff`);
    expect(pbx().bridge(`${customer(attemptId)}-handoff`).channels).toHaveLength(2);
    // The customer leaves: the number outside is hung up, the handoff bridge goes.
    pbx().farEndHangsUp(customer(attemptId));
    expect(await heard.next('call.ended', attemptId)).toMatchObject({ endedBy: 'customer' });
    await expect.poll(() => [...pbx().channels.keys()].filter((id) => id.startsWith(`${customer(attemptId)}-x`))).toEqual([]);
    await expect.poll(() => pbx().bridges.has(`${customer(attemptId)}-handoff`)).toBe(false);
  });

  it('a consultation whose number is busy fails, and the customer is back with the agent, off hold', async () => {
    const agentId = await agentReady();
    const attemptId = await callWith(agentId);
    const busy = lab.numberFor({ kind: 'busy' }) as E164;
    const failed = await control(attemptId, agentId, { kind: 'consult', to: { number: busy } });
    expect(failed.failed).toMatch(/did not answer/);
    await expect.poll(() => bridgeOf(customer(attemptId))).toBe(bridgeOf(legOf(agentId)));
    expect(pbx().musicOnHold.get(customer(attemptId))?.since).toBeUndefined();
    telephony.hangup(attemptId);
    await heard.next('call.ended', attemptId);
  });

  it('a conference brings a number outside into the agent bridge with the customer', async () => {
    const agentId = await agentReady();
    const attemptId = await callWith(agentId);
    const outside = lab.numberFor({ kind: 'human', ringMs: 500 });
    await control(attemptId, agentId, { kind: 'conference', to: { number: outside } });
    await expect.poll(() => pbx().bridge(bridgeOf(legOf(agentId))!).channels.length).toBe(3);
    telephony.hangup(attemptId);
    await heard.next('call.ended', attemptId);
    await expect.poll(() => [...pbx().channels.keys()].filter((id) => id.startsWith(`${customer(attemptId)}-x`))).toEqual([]);
  });
});
