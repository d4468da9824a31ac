/**
 * Recordings of connected calls through the ARI adapter and the ARI test
 * server: the legs each recording policy asks for, and the snoop channel's
 * entry into Stasis, which a real Asterisk reports after answering the snoop
 * request (a record request sent in between is refused with 409).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId } from '../../src/domain/ids.js';
import type { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { RecordingPolicy } from '../../src/telephony/port.js';
import { type Heard, type TelephonyLab, connectEngine, dialRequest, testServerLab } from './telephony-lab.js';

describe('recordings through the ARI test server', () => {
  let lab: TelephonyLab;
  let telephony: AriTelephony;
  let heard: Heard;
  let agents = 0;

  beforeAll(async () => {
    lab = await testServerLab();
    ({ telephony, heard } = await connectEngine(lab, 'rec'));
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

  const recordRequests = (attemptId: string) => lab.server!.requests.filter((r) => r.includes('/record?') && r.includes(attemptId));
  const finished = (attemptId: string) => heard.about(attemptId).flatMap((e) => (e.type === 'recording.finished' ? [e.recording.leg] : []));

  it.each([
    ['all', ['agent', 'customer', 'mixed']],
    [undefined, ['agent', 'customer', 'mixed']],
    ['agent-legs', ['agent']],
  ] as const)('recording %s: the legs %j are recorded, and only they', async (policy, legs) => {
    const attemptId = await connectedCall(policy, (id) => recordRequests(id).length === legs.length);
    await expect.poll(() => finished(attemptId).sort()).toEqual(legs);
    expect(recordRequests(attemptId)).toHaveLength(legs.length);
  });

  it('recording none: nothing is recorded, no snoop is made', async () => {
    // Nothing to wait for: the call is put through and talks a while.
    let since = 0;
    const attemptId = await connectedCall('none', () => (since ||= Date.now()) < Date.now() - 300);
    expect(recordRequests(attemptId)).toEqual([]);
    expect(lab.server!.requests.filter((r) => r.includes('/snoop') && r.includes(attemptId))).toEqual([]);
    expect(finished(attemptId)).toEqual([]);
  });

  it('a snoop that enters Stasis after the snoop request is answered is recorded once it has', async () => {
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

  it('a recording that cannot start is tried once more, then reported failed with what Asterisk said', async () => {
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
