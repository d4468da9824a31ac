/**
 * Recordings through the ARI adapter and the ARI test server: the legs each
 * recording policy asks for, made by the dialplan's MixMonitor from the answer
 * (customers originated through [outpace-customer]) or, on a trunk the engine
 * cannot follow, by snoop channels once put through; and the snoop channel's
 * entry into Stasis, which a real Asterisk reports after answering the snoop
 * request (a record request sent in between is refused with 409).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId } from '../../src/domain/ids.js';
import type { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { RecordingPolicy } from '../../src/telephony/port.js';
import { type Heard, type TelephonyLab, connectEngine, dialRequest, testServerLab } from './telephony-lab.js';

describe.each([
  { path: 'the dialplan, from the answer', template: undefined },
  // The trunk named outright: the engine cannot tell its endpoint, dials straight into the application and records with snoops.
  { path: 'snoops, once put through', template: 'PJSIP/{number}@carrier' },
])('recordings through the ARI test server: $path', ({ template }) => {
  const bySnoops = template !== undefined;
  let lab: TelephonyLab;
  let telephony: AriTelephony;
  let heard: Heard;
  let agents = 0;

  beforeAll(async () => {
    lab = await testServerLab();
    ({ telephony, heard } = await connectEngine(lab, 'rec', template ? { config: { ARI_TRUNK_ENDPOINT: template } } : {}));
  });
  afterAll(async () => {
    telephony?.close();
    await lab?.close();
  });

  /** A call put through to a fresh agent under `recording`, then hung up by the customer once `settled` holds. */
  async function connectedCall(recording: RecordingPolicy | undefined, settled: (attemptId: string) => boolean) {
    const agentId = AgentId(`rec-agent-${++agents}`);
    telephony.loginAgent(agentId, lab.agentEndpoint(agents));
    await heard.next('agent.leg-up', agentId);
    const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }), recording ? { recording } : {});
    telephony.originate(request);
    await heard.next('call.answered', request.attemptId);
    telephony.connectToAgent(request.attemptId, agentId);
    await heard.next('call.connected', request.attemptId);
    await expect.poll(() => settled(request.attemptId), { timeout: 5000 }).toBe(true);
    lab.server!.pbx.farEndHangsUp(`rec-c-${request.attemptId}`);
    await heard.next('call.ended', request.attemptId);
    telephony.logoutAgent(agentId);
    return request.attemptId;
  }

  const requestsAbout = (attemptId: string, what: string) => lab.server!.requests.filter((r) => r.includes(what) && r.includes(attemptId));
  const finished = (attemptId: string) => heard.about(attemptId).flatMap((e) => (e.type === 'recording.finished' ? [e.recording.leg] : []));
  const stored = (attemptId: string) => [...lab.server!.pbx.storedRecordings.keys()].filter((name) => name.startsWith(attemptId));

  it.each([
    ['all', ['agent', 'customer', 'mixed']],
    [undefined, ['agent', 'customer', 'mixed']],
    ['agent-legs', ['agent']],
  ] as const)('recording %s: the legs %j are recorded, and only they', async (policy, legs) => {
    const made = (id: string) => (bySnoops ? requestsAbout(id, '/record?') : stored(id)).length === legs.length;
    const attemptId = await connectedCall(policy, made);
    await expect.poll(() => finished(attemptId).sort()).toEqual(legs);
    expect(stored(attemptId).sort()).toEqual(legs.map((leg) => `${attemptId}-${leg}`));
    // From the answer, the dialplan records: the engine asks Asterisk for no recording and no snoop on the way to the agent.
    expect(requestsAbout(attemptId, '/record?')).toHaveLength(bySnoops ? legs.length : 0);
    expect(requestsAbout(attemptId, '/snoop')).toHaveLength(bySnoops ? legs.filter((leg) => leg !== 'mixed').length : 0);
  });

  it('recording none: nothing is recorded, no snoop is made', async () => {
    // Nothing to wait for: the call is put through and talks a while.
    let since = 0;
    const attemptId = await connectedCall('none', () => (since ||= Date.now()) < Date.now() - 300);
    expect(requestsAbout(attemptId, '/record?')).toEqual([]);
    expect(requestsAbout(attemptId, '/snoop')).toEqual([]);
    expect(stored(attemptId)).toEqual([]);
    expect(finished(attemptId)).toEqual([]);
  });

  it.skipIf(bySnoops)('a recording Asterisk did not store is reported failed, naming where to look', async () => {
    const attemptId = await connectedCall('agent-legs', (id) => stored(id).length === 1 && lab.server!.pbx.storedRecordings.delete(`${id}-agent`));
    await expect.poll(() => heard.about(attemptId).filter((e) => e.type === 'recording.failed').length).toBe(1);
    const failed = heard.about(attemptId).flatMap((e) => (e.type === 'recording.failed' ? [e.recording] : []));
    expect(failed).toEqual([{ name: `${attemptId}-agent`, leg: 'agent', why: expect.stringContaining('[outpace-record]') }]);
    expect(finished(attemptId)).toEqual([]);
  });

  it.runIf(bySnoops)('a snoop that enters Stasis after the snoop request is answered is recorded once it has', async () => {
    lab.server!.pbx.delaySnoopStasis(20_000);
    try {
      const attemptId = await connectedCall('all', (id) => ['agent', 'customer', 'mixed'].every((leg) => lab.server!.pbx.liveRecordings.has(`${id}-${leg}`)));
      await expect.poll(() => finished(attemptId).sort()).toEqual(['agent', 'customer', 'mixed']);
      // No record request was refused: each snoop was recorded after its StasisStart.
      expect(lab.server!.requests.filter((r) => r.includes(attemptId) && r.includes('/record?') && / -> 409/.test(r))).toEqual([]);
      expect(heard.about(attemptId).filter((e) => e.type === 'recording.failed')).toEqual([]);
    } finally {
      lab.server!.pbx.delaySnoopStasis(0);
    }
  });

  it.runIf(bySnoops)('a recording that cannot start is tried once more, then reported failed with what Asterisk said', async () => {
    lab.server!.pbx.delaySnoopStasis(Infinity);
    try {
      const attemptId = await connectedCall('agent-legs', (id) => heard.about(id).some((e) => e.type === 'recording.failed'));
      const failed = heard.about(attemptId).flatMap((e) => (e.type === 'recording.failed' ? [e.recording] : []));
      expect(failed).toEqual([{ name: `${attemptId}-agent`, leg: 'agent', why: expect.stringContaining('Channel not in Stasis application') }]);
      expect(lab.server!.requests.filter((r) => r.includes(`${attemptId}-agent`) && r.includes('/record?') && / -> 409/.test(r))).toHaveLength(2);
    } finally {
      lab.server!.pbx.delaySnoopStasis(0);
    }
  });
});
