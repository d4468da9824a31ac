/**
 * Listen, whisper and barge through the ARI adapter, on the ARI test server,
 * whose snoop channels carry audio as Asterisk's do (spy and whisper by
 * direction, res_stasis_snoop.c): who hears whom, for nailed-up agents and
 * agents rung per call, and a clean end when the supervisor or the call
 * hangs up: no channel, snoop or bridge left behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId } from '../../src/domain/ids.js';
import type { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { SupervisionMode } from '../../src/telephony/port.js';
import { connectEngine, dialRequest, type Heard, type TelephonyLab, testServerLab } from './telephony-lab.js';

const SUPERVISOR = 'PJSIP/sup1';

describe.each(['nailed-up', 'ring-per-call'] as const)('supervising %s agents on the ARI test server', (connection) => {
  const engine = `sup-${connection}`;
  let lab: TelephonyLab;
  let telephony: AriTelephony;
  let heard: Heard;
  let agents = 0;
  let sessions = 0;

  beforeAll(async () => {
    lab = await testServerLab();
    lab.server!.pbx.registerAgentPhone('sup1', 100);
    ({ telephony, heard } = await connectEngine(lab, engine, { config: { ARI_AGENT_CONNECTION: connection } }));
  });
  afterAll(async () => {
    telephony?.close();
    await lab?.close();
  });

  const pbx = () => lab.server!.pbx;

  /** A fresh agent talking to a customer who stays on the line: the channels of each. */
  async function onCall() {
    const n = ++agents;
    const agentId = AgentId(`agent-${n}`);
    telephony.loginAgent(agentId, lab.agentEndpoint(n));
    await heard.next('agent.leg-up', agentId);
    const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 500 }));
    telephony.originate(request);
    await heard.next('call.answered', request.attemptId);
    telephony.connectToAgent(request.attemptId, agentId);
    await heard.next('call.connected', request.attemptId);
    return { agentId, attemptId: request.attemptId, customer: `${engine}-c-${request.attemptId}`, agent: pbx().liveChannelOn(lab.agentEndpoint(n))!.id };
  }

  async function supervise(agentId: AgentId, mode: SupervisionMode) {
    const sessionId = `s${++sessions}`;
    telephony.supervise!({ sessionId, agentId, endpoint: SUPERVISOR, mode });
    const started = await waitFor(() => heard.events.find((e) => e.type === 'supervision.started' && e.sessionId === sessionId));
    return { sessionId, started, supervisor: `${engine}-s-${sessionId}` };
  }

  const ended = (sessionId: string) => waitFor(() => heard.events.find((e) => e.type === 'supervision.ended' && e.sessionId === sessionId));

  /** What the session made is gone from the PBX: the supervisor's channel, the snoop, the supervisor's bridge. */
  async function nothingLeft(supervisor: string) {
    await expect.poll(() => pbx().list().filter((c) => c.id.startsWith(supervisor)).map((c) => c.id)).toEqual([]);
    await expect.poll(() => [...pbx().bridges.keys()].filter((id) => id.startsWith(supervisor))).toEqual([]);
  }

  it('listen: the supervisor hears the agent and the customer, and nobody hears the supervisor; the supervisor hangs up, the call goes on', async () => {
    const call = await onCall();
    const { sessionId, started, supervisor } = await supervise(call.agentId, 'listen');
    expect(started).toMatchObject({ agentId: call.agentId, attemptId: call.attemptId, mode: 'listen' });
    // The channels enter the bridge just after Asterisk takes the request (ChannelEnteredBridge), as on a real PBX.
    await expect.poll(() => pbx().hears(supervisor)).toEqual([call.agent, call.customer].sort());
    expect(pbx().hears(call.agent)).toEqual([call.customer]);
    expect(pbx().hears(call.customer)).toEqual([call.agent]);
    pbx().farEndHangsUp(supervisor);
    expect(await ended(sessionId)).toMatchObject({ why: 'supervisor-hung-up' });
    await nothingLeft(supervisor);
    expect(heard.about(call.attemptId).map((e) => e.type)).not.toContain('call.ended');
    expect(pbx().hears(call.agent)).toEqual([call.customer]);
    telephony.hangup(call.attemptId);
    await heard.next('call.ended', call.attemptId);
  });

  it('whisper: the agent hears the supervisor, the customer does not; the customer hangs up and the session ends with the call', async () => {
    const call = await onCall();
    const { sessionId, supervisor } = await supervise(call.agentId, 'whisper');
    await expect.poll(() => pbx().hears(call.agent)).toEqual([call.customer, supervisor].sort());
    expect(pbx().hears(call.customer)).toEqual([call.agent]);
    expect(pbx().hears(supervisor)).toEqual([call.agent, call.customer].sort());
    pbx().farEndHangsUp(call.customer);
    await heard.next('call.ended', call.attemptId);
    expect(await ended(sessionId)).toMatchObject({ why: 'call-ended' });
    await nothingLeft(supervisor);
  });

  it('barge: the supervisor joins the call, everyone hears everyone; the supervisor leaves when the call ends', async () => {
    const call = await onCall();
    const { sessionId, supervisor } = await supervise(call.agentId, 'barge');
    await expect.poll(() => pbx().hears(supervisor)).toEqual([call.agent, call.customer].sort());
    expect(pbx().hears(call.agent)).toEqual([call.customer, supervisor].sort());
    expect(pbx().hears(call.customer)).toEqual([call.agent, supervisor].sort());
    if (connection === 'ring-per-call') pbx().farEndHangsUp(call.agent);
    else pbx().farEndHangsUp(call.customer);
    await heard.next('call.ended', call.attemptId);
    expect(await ended(sessionId)).toMatchObject({ why: 'call-ended' });
    await nothingLeft(supervisor);
  });

  it('says at once when the agent is on no call, and ends on request', async () => {
    const idle = AgentId(`agent-${++agents}`);
    telephony.loginAgent(idle, lab.agentEndpoint(agents));
    await heard.next('agent.leg-up', idle);
    telephony.supervise!({ sessionId: 'idle', agentId: idle, endpoint: SUPERVISOR, mode: 'listen' });
    expect(await ended('idle')).toMatchObject({ why: 'not-possible', detail: `agent ${idle} is on no call now` });
    const call = await onCall();
    const { sessionId, supervisor } = await supervise(call.agentId, 'listen');
    telephony.endSupervision!(sessionId);
    expect(await ended(sessionId)).toMatchObject({ why: 'ended-by-request' });
    await nothingLeft(supervisor);
    telephony.hangup(call.attemptId);
    await heard.next('call.ended', call.attemptId);
    // An agent this engine does not hold is another engine's to supervise: nothing is said here.
    telephony.supervise!({ sessionId: 'elsewhere', agentId: AgentId('not-here'), endpoint: SUPERVISOR, mode: 'listen' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard.events.filter((e) => 'sessionId' in e && e.sessionId === 'elsewhere')).toEqual([]);
  });
});

describe('the ARI test server snoops as Asterisk 22 does', () => {
  it('refuses a snoop without a direction, with a wrong one, or without an application, with Asterisk\'s messages', async () => {
    const lab = await testServerLab();
    try {
      const { url, credentials } = lab.server!;
      const auth = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      const snoop = async (query: string) => {
        const answer = await fetch(`${url}/ari/channels/nowhere/snoop?${query}`, { method: 'POST', headers: { authorization: auth } });
        return [answer.status, ((await answer.json()) as { message: string }).message];
      };
      expect(await snoop('app=x')).toEqual([400, 'Direction must be specified for at least spy or whisper']);
      expect(await snoop('app=x&spy=sideways')).toEqual([400, 'Invalid direction specified for spy']);
      expect(await snoop('spy=both')).toEqual([400, 'Application name is required']);
      expect((await snoop('app=x&spy=both'))[0]).toBe(404);
    } finally {
      await lab.close();
    }
  });
});

async function waitFor<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > until) throw new Error('not heard in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
