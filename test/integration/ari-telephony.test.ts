/**
 * The ARI adapter through ari-client, over the network: against the ARI test
 * server always, and against a real Asterisk when ARI_URL (with
 * ARI_USERNAME, ARI_PASSWORD, ARI_TRUNK_ENDPOINT) is set; that PBX needs
 * outpace's dialplan and the lab carrier's number scheme (docs/telephony.md,
 * "Testing against your PBX"). Tests that need to make the far end misbehave
 * on cue (drop the event stream, hang up an agent's phone) run on the test
 * server only.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AgentId, type AttemptId } from '../../src/domain/ids.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { TelephonyEvent } from '../../src/telephony/port.js';
import { CAUSES } from '../ari-server/causes.js';
import { type Heard, type TelephonyLab, asteriskLab, connectEngine, dialRequest, quietLogger, testServerLab } from './telephony-lab.js';

const REAL_ASTERISK = Boolean(process.env['ARI_URL']);

function telephonySuite(startLab: () => Promise<TelephonyLab>): void {
  let lab: TelephonyLab;
  let telephony: AriTelephony;
  let heard: Heard;
  let agents = 0;

  beforeAll(async () => {
    lab = await startLab();
    ({ telephony, heard } = await connectEngine(lab, 'engine-a'));
  });

  afterAll(async () => {
    telephony?.close();
    await lab?.close();
  });

  /** Logs a fresh agent in and waits for the leg to be up. */
  async function agentReady(): Promise<AgentId> {
    const agentId = AgentId(`agent-${++agents}`);
    telephony.loginAgent(agentId, lab.agentEndpoint(agents));
    await heard.next('agent.leg-up', agentId);
    return agentId;
  }

  async function answeredCall(o: { talkMs?: number; machineDetection?: boolean } = {}) {
    const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 2000, ...o }), { machineDetection: o.machineDetection ?? false });
    telephony.originate(request);
    const answered = await heard.next('call.answered', request.attemptId);
    return { request, answered };
  }

  /** Drops every event WebSocket, does `what` while nobody hears, then lets the engines reconnect. */
  function whileEventsDown(what: () => void): void {
    lab.server!.suspendEvents();
    try {
      what();
    } finally {
      lab.server!.resumeEvents();
    }
  }

  function customerChannelOf(attemptId: string): string {
    return `engine-a-c-${attemptId}`;
  }

  describe('live answers', () => {
    it('a live answer is put through to the agent, every leg is recorded, and the customer hangs up', async () => {
      const agentId = await agentReady();
      // On a real PBX the lab carrier hangs up after 20 s of talk; on the test server the test says when.
      const { request, answered } = await answeredCall(lab.server ? {} : { talkMs: 20_000 });
      expect(answered).toMatchObject({ party: 'human' });
      expect(answered).not.toHaveProperty('detection');
      telephony.connectToAgent(request.attemptId, agentId);
      await heard.next('call.connected', request.attemptId);
      if (lab.server) {
        // The dialplan records the call from its answer ([outpace-record]): the files are there from the start.
        const stored = lab.server.pbx.storedRecordings;
        expect(['customer', 'agent', 'mixed'].every((leg) => stored.has(`${request.attemptId}-${leg}`))).toBe(true);
        lab.server.pbx.farEndHangsUp(customerChannelOf(request.attemptId));
      }
      const ended = await heard.next('call.ended', request.attemptId);
      expect(ended).toMatchObject({ endedBy: 'customer', cause: { code: 16, text: 'Normal Clearing' } });
      await expect.poll(() => heard.about(request.attemptId).filter((e) => e.type === 'recording.finished').length).toBe(3);
      const recordings = heard.about(request.attemptId).flatMap((e) => (e.type === 'recording.finished' ? [e.recording] : []));
      expect(recordings.map((r) => r.leg).sort()).toEqual(['agent', 'customer', 'mixed']);
      expect(recordings.map((r) => r.name).sort()).toEqual(['agent', 'customer', 'mixed'].map((leg) => `${request.attemptId}-${leg}`));
      const callEvents = heard.about(request.attemptId).filter((e) => e.type !== 'recording.finished');
      expect(callEvents.map((e) => e.type)).toEqual(['call.ringing', 'call.answered', 'call.connected', 'call.ended']);
      expect(recordings.every((r) => r.durationSec >= 0 && r.startedAt <= ended.at)).toBe(true);
      // The nailed-up leg outlives the call: the agent takes the next one without ringing.
      expect(heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up']);
      const next = await answeredCall();
      telephony.connectToAgent(next.request.attemptId, agentId);
      await heard.next('call.connected', next.request.attemptId);
      telephony.hangup(next.request.attemptId);
      expect(await heard.next('call.ended', next.request.attemptId)).toMatchObject({ endedBy: 'system' });
      telephony.logoutAgent(agentId);
      expect(await heard.next('agent.leg-down', agentId)).toMatchObject({ cause: { code: 16 } });
    });

    it('twelve calls at once, each put through to its own agent and recorded (transcript concurrent-12)', async () => {
      const team = await Promise.all(Array.from({ length: 12 }, () => agentReady()));
      const calls = await Promise.all(team.map(() => answeredCall(lab.server ? {} : { talkMs: 20_000 })));
      calls.forEach(({ request }, i) => telephony.connectToAgent(request.attemptId, team[i]!));
      const connected = await Promise.all(calls.map(({ request }) => heard.next('call.connected', request.attemptId)));
      expect(connected.map((c) => c.agentId)).toEqual(team);
      if (lab.server) {
        for (const { request } of calls) lab.server.pbx.farEndHangsUp(customerChannelOf(request.attemptId));
      }
      for (const { request } of calls) expect(await heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'customer' });
      await expect.poll(() => heard.events.filter((e) => e.type === 'recording.finished' && calls.some((c) => c.request.attemptId === e.attemptId)).length).toBe(36);
      for (const agentId of team) telephony.logoutAgent(agentId);
      await Promise.all(team.map((agentId) => heard.next('agent.leg-down', agentId)));
    });

    it.skipIf(REAL_ASTERISK)('a softphone that unregisters takes its nailed-up agent out of ready at once, even with its channel still up', async () => {
      lab.server!.pbx.registerAgentPhone('agent-vanishing', 500);
      const agentId = AgentId('agent-vanishing');
      telephony.loginAgent(agentId, 'PJSIP/agent-vanishing');
      await heard.next('agent.leg-up', agentId);
      await expect.poll(() => lab.server!.requests.some((r) => r.startsWith('POST') && r.includes('subscription') && r.includes('agent-vanishing'))).toBe(true);
      lab.server!.pbx.unregisterAgentPhone('agent-vanishing');
      // Not the agent's doing: they stay logged in, and the leg comes back once the softphone does.
      expect(await heard.next('agent.leg-down', agentId)).toMatchObject({ agentId, returning: true });
      await expect.poll(() => lab.server!.pbx.liveChannelOn('PJSIP/agent-vanishing')).toBeUndefined();
      lab.server!.pbx.registerAgentPhone('agent-vanishing', 50);
      await expect.poll(() => heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up', 'agent.leg-down', 'agent.leg-up']);
      expect(lab.server!.pbx.liveChannelOn('PJSIP/agent-vanishing')?.state).toBe('Up');
      telephony.logoutAgent(agentId);
      await expect.poll(() => lab.server!.pbx.liveChannelOn('PJSIP/agent-vanishing')).toBeUndefined();
    });

    it.skipIf(REAL_ASTERISK)('a leg lost with Asterisk is brought back with a backoff once the softphone can be reached, without an event', async () => {
      lab.server!.pbx.registerAgentPhone('agent-restarted', 50);
      const agentId = AgentId('agent-restarted');
      telephony.loginAgent(agentId, 'PJSIP/agent-restarted');
      await heard.next('agent.leg-up', agentId);
      // Every channel gone unheard while the socket was down (an Asterisk restart), and the phone not yet registered again.
      whileEventsDown(() => {
        lab.server!.pbx.unregisterAgentPhone('agent-restarted');
        lab.server!.pbx.farEndHangsUp(lab.server!.pbx.liveChannelOn('PJSIP/agent-restarted')!.id);
      });
      expect(await heard.next('agent.leg-down', agentId)).toMatchObject({ agentId, returning: true });
      // The softphone is back before the engine hears it (a restarted Asterisk's registrations come from its AstDB, unannounced).
      whileEventsDown(() => lab.server!.pbx.registerAgentPhone('agent-restarted', 50));
      await expect.poll(() => heard.about(agentId).map((e) => e.type), { timeout: 10_000 }).toEqual(['agent.leg-up', 'agent.leg-down', 'agent.leg-up']);
      telephony.logoutAgent(agentId);
      await expect.poll(() => heard.about(agentId).length).toBe(4);
      expect(heard.about(agentId).at(-1)).not.toHaveProperty('returning');
    });

    it.skipIf(REAL_ASTERISK)('a softphone that declines the call bringing its leg back ends the login', async () => {
      lab.server!.pbx.registerAgentPhone('agent-declining', 50);
      const agentId = AgentId('agent-declining');
      telephony.loginAgent(agentId, 'PJSIP/agent-declining');
      await heard.next('agent.leg-up', agentId);
      lab.server!.pbx.registerAgentPhone('agent-declining', Infinity);
      lab.server!.pbx.farEndHangsUp(lab.server!.pbx.liveChannelOn('PJSIP/agent-declining')!.id);
      expect(await heard.next('agent.leg-down', agentId)).toMatchObject({ returning: true });
      // Rung again; nobody answers (the originate's timeout, cause 19): the agent is not there.
      const ringing = await vi.waitFor(() => lab.server!.pbx.liveChannelOn('PJSIP/agent-declining') ?? Promise.reject(new Error('not rung yet')), { timeout: 5000 });
      lab.server!.pbx.farEndHangsUp(ringing.id, CAUSES.noAnswer);
      await expect.poll(() => heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up', 'agent.leg-down', 'agent.leg-down']);
      expect(heard.about(agentId).at(-1)).not.toHaveProperty('returning');
    });

    it.skipIf(REAL_ASTERISK)('the agent hangs up: the call ends by the agent and the agent leaves ready', async () => {
      const agentId = await agentReady();
      const { request } = await answeredCall();
      telephony.connectToAgent(request.attemptId, agentId);
      await heard.next('call.connected', request.attemptId);
      const agentChannel = lab.server!.pbx.liveChannelOn(lab.agentEndpoint(agents))!;
      lab.server!.pbx.farEndHangsUp(agentChannel.id);
      expect(await heard.next('agent.leg-down', agentId)).toMatchObject({ cause: { code: 16 } });
      expect(await heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'agent' });
    });

    it.skipIf(REAL_ASTERISK)('the customer hangs up while being put through: ended by the customer, never connected', async () => {
      const agentId = await agentReady();
      const { request } = await answeredCall();
      lab.server!.pbx.farEndHangsUp(customerChannelOf(request.attemptId));
      telephony.connectToAgent(request.attemptId, agentId);
      expect(await heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'customer' });
      expect(heard.about(request.attemptId).map((e) => e.type)).not.toContain('call.connected');
      telephony.logoutAgent(agentId);
    });

    it('no agent free: the abandon message is played, then the system hangs up', async () => {
      const { request } = await answeredCall();
      telephony.abandon(request.attemptId, 'sound:outpace/abandon');
      expect(await heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'system', cause: { code: 16 } });
      if (lab.server) {
        const channel = customerChannelOf(request.attemptId);
        expect(lab.server.requests.filter((r) => r.includes(channel) && /answer|play|DELETE/.test(r))).toEqual([
          `POST /ari/channels/${channel}/answer -> 204`,
          `POST /ari/channels/${channel}/play?media=sound%3Aoutpace%2Fabandon&playbackId=${channel}-pb-0 -> 201`,
          `DELETE /ari/channels/${channel} -> 204`,
        ]);
      }
    });
  });

  describe('agents rung per call (ARI_AGENT_CONNECTION=ring-per-call)', () => {
    let ringing: { telephony: AriTelephony; heard: Heard };
    let rungAgents = 0;

    beforeAll(async () => {
      ringing = await connectEngine(lab, 'engine-p', { config: { ARI_AGENT_CONNECTION: 'ring-per-call', ARI_AGENT_ANSWER_TIMEOUT_SEC: 3 } });
    });

    afterAll(() => ringing?.telephony.close());

    /** Logs an agent in on `endpoint` (a fresh agent phone by default) and waits until the agent is available. */
    async function agentToRing(endpoint = lab.agentEndpoint(++agents)): Promise<{ agentId: AgentId; endpoint: string }> {
      const agentId = AgentId(`rung-${++rungAgents}`);
      ringing.telephony.loginAgent(agentId, endpoint);
      await ringing.heard.next('agent.leg-up', agentId);
      return { agentId, endpoint };
    }

    async function waitingCall(o: { talkMs?: number } = {}) {
      const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 2000, ...o }));
      ringing.telephony.originate(request);
      await ringing.heard.next('call.answered', request.attemptId);
      return request;
    }

    const customerChannel = (attemptId: string) => `engine-p-c-${attemptId}`;

    it('the agent is available without a leg, is rung for the customer, answers, is bridged and recorded; the customer hangs up', async () => {
      const { agentId, endpoint } = await agentToRing();
      // Available on the endpoint's state alone: no channel to the softphone while the agent waits.
      if (lab.server) expect(lab.server.pbx.liveChannelOn(endpoint)).toBeUndefined();
      const request = await waitingCall(lab.server ? {} : { talkMs: 20_000 });
      ringing.telephony.connectToAgent(request.attemptId, agentId);
      expect(await ringing.heard.next('call.connected', request.attemptId)).toMatchObject({ agentId });
      if (lab.server) {
        const agentChannel = lab.server.pbx.liveChannelOn(endpoint)!;
        await expect.poll(() => agentChannel.bridgeId).toBeDefined();
        expect([...lab.server.pbx.bridge(agentChannel.bridgeId!).channels].sort()).toEqual([agentChannel.id, customerChannel(request.attemptId)].sort());
        const stored = lab.server.pbx.storedRecordings;
        expect(['customer', 'agent', 'mixed'].every((leg) => stored.has(`${request.attemptId}-${leg}`))).toBe(true);
        lab.server.pbx.farEndHangsUp(customerChannel(request.attemptId));
      }
      expect(await ringing.heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'customer', cause: { code: 16 } });
      await expect.poll(() => ringing.heard.about(request.attemptId).filter((e) => e.type === 'recording.finished').length).toBe(3);
      const recordings = ringing.heard.about(request.attemptId).flatMap((e) => (e.type === 'recording.finished' ? [e.recording] : []));
      expect(recordings.map((r) => r.name).sort()).toEqual(['agent', 'customer', 'mixed'].map((leg) => `${request.attemptId}-${leg}`));
      expect(ringing.heard.about(request.attemptId).filter((e) => e.type !== 'recording.finished').map((e) => e.type)).toEqual([
        'call.ringing',
        'call.answered',
        'call.connected',
        'call.ended',
      ]);
      // The agent's call ended with the customer's, and the agent stays available.
      if (lab.server) await expect.poll(() => lab.server!.pbx.liveChannelOn(endpoint)).toBeUndefined();
      expect(ringing.heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up']);
      if (lab.server) {
        // Rung again for the next customer; this time the agent hangs up first.
        const next = await waitingCall();
        ringing.telephony.connectToAgent(next.attemptId, agentId);
        await ringing.heard.next('call.connected', next.attemptId);
        lab.server.pbx.farEndHangsUp(lab.server.pbx.liveChannelOn(endpoint)!.id);
        expect(await ringing.heard.next('call.ended', next.attemptId)).toMatchObject({ endedBy: 'agent' });
        expect(lab.server.pbx.list().some((c) => c.id === customerChannel(next.attemptId))).toBe(false);
        expect(ringing.heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up']);
      }
      ringing.telephony.logoutAgent(agentId);
      expect(await ringing.heard.next('agent.leg-down', agentId)).toMatchObject({ cause: { code: 16 } });
    });

    it.skipIf(REAL_ASTERISK)('the agent does not answer: reported unavailable, and the customer is left waiting for the engine\'s deadline', async () => {
      lab.server!.pbx.registerAgentPhone('agent-away', Number.POSITIVE_INFINITY);
      const { agentId, endpoint } = await agentToRing('PJSIP/agent-away');
      const request = await waitingCall();
      ringing.telephony.connectToAgent(request.attemptId, agentId);
      // The softphone rings for ARI_AGENT_ANSWER_TIMEOUT_SEC, then Asterisk gives up: no answer.
      expect(await ringing.heard.next('agent.leg-down', agentId)).toMatchObject({ cause: { code: 19 } });
      expect(lab.server!.pbx.liveChannelOn(endpoint)).toBeUndefined();
      expect(lab.server!.pbx.list().find((c) => c.id === customerChannel(request.attemptId))?.state).toBe('Up');
      expect(ringing.heard.about(request.attemptId).map((e) => e.type)).toEqual(['call.ringing', 'call.answered']);
      // The engine's connect deadline passes: it abandons.
      ringing.telephony.abandon(request.attemptId, 'sound:outpace/abandon');
      expect(await ringing.heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'system' });
      expect(ringing.heard.about(request.attemptId).map((e) => e.type)).not.toContain('call.connected');
    });

    it.skipIf(REAL_ASTERISK)('the customer hangs up, or is abandoned, while the agent\'s phone rings: the agent\'s call ends too, and the agent stays available', async () => {
      lab.server!.pbx.registerAgentPhone('agent-slow', Number.POSITIVE_INFINITY);
      // Rings far longer than the test takes.
      const patient = await connectEngine(lab, 'engine-q', { config: { ARI_AGENT_CONNECTION: 'ring-per-call', ARI_AGENT_ANSWER_TIMEOUT_SEC: 30 } });
      try {
        const agentId = AgentId('rung-slow');
        patient.telephony.loginAgent(agentId, 'PJSIP/agent-slow');
        await patient.heard.next('agent.leg-up', agentId);
        const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
        patient.telephony.originate(request);
        await patient.heard.next('call.answered', request.attemptId);
        patient.telephony.connectToAgent(request.attemptId, agentId);
        await expect.poll(() => lab.server!.pbx.liveChannelOn('PJSIP/agent-slow')?.state).toBe('Ringing');
        lab.server!.pbx.farEndHangsUp(`engine-q-c-${request.attemptId}`);
        expect(await patient.heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'customer' });
        await expect.poll(() => lab.server!.pbx.liveChannelOn('PJSIP/agent-slow')).toBeUndefined();
        expect(patient.heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up']);
        // The engine's deadline passes while the phone rings: the customer gets the abandon message, not the agent.
        const abandoned = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
        patient.telephony.originate(abandoned);
        await patient.heard.next('call.answered', abandoned.attemptId);
        patient.telephony.connectToAgent(abandoned.attemptId, agentId);
        await expect.poll(() => lab.server!.pbx.liveChannelOn('PJSIP/agent-slow')?.state).toBe('Ringing');
        patient.telephony.abandon(abandoned.attemptId, 'sound:outpace/abandon');
        expect(await patient.heard.next('call.ended', abandoned.attemptId)).toMatchObject({ endedBy: 'system' });
        await expect.poll(() => lab.server!.pbx.liveChannelOn('PJSIP/agent-slow')).toBeUndefined();
        expect(patient.heard.about(abandoned.attemptId).map((e) => e.type)).not.toContain('call.connected');
        expect(patient.heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up']);
      } finally {
        patient.telephony.close();
      }
    });

    it.skipIf(REAL_ASTERISK)('the agent cannot be rung (Asterisk refuses the originate): reported unavailable, the customer keeps waiting', async () => {
      const { agentId } = await agentToRing();
      const request = await waitingCall();
      lab.server!.pbx.failNextOriginate(500, 'Allocation failed');
      ringing.telephony.connectToAgent(request.attemptId, agentId);
      expect(await ringing.heard.next('agent.leg-down', agentId)).toMatchObject({ cause: { text: 'Originate refused: Allocation failed' } });
      expect(ringing.heard.about(request.attemptId).map((e) => e.type)).toEqual(['call.ringing', 'call.answered']);
      ringing.telephony.hangup(request.attemptId);
      expect(await ringing.heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'system' });
    });

    it.skipIf(REAL_ASTERISK)('an agent whose softphone is not registered is reported unavailable at login, without being rung', async () => {
      lab.server!.pbx.registerAgentPhone('agent-offline');
      lab.server!.pbx.unregisterAgentPhone('agent-offline');
      const agentId = AgentId('rung-offline');
      ringing.telephony.loginAgent(agentId, 'PJSIP/agent-offline');
      expect(await ringing.heard.next('agent.leg-down', agentId)).toMatchObject({
        cause: { code: 0, text: 'Agent endpoint unreachable: PJSIP/agent-offline is offline: no softphone registered' },
      });
      expect(lab.server!.requests.filter((r) => r.includes('agent-offline'))).toEqual(['GET /ari/endpoints/PJSIP/agent-offline -> 200']);
    });

    it.skipIf(REAL_ASTERISK)('an agent whose softphone unregisters while waiting is reported unavailable at once', async () => {
      lab.server!.pbx.registerAgentPhone('agent-leaving');
      const { agentId } = await agentToRing('PJSIP/agent-leaving');
      // Followed from the login on: Asterisk says when the endpoint goes offline.
      await expect.poll(() => lab.server!.requests.some((r) => r.startsWith('POST') && r.includes('subscription') && r.includes('agent-leaving'))).toBe(true);
      lab.server!.pbx.unregisterAgentPhone('agent-leaving');
      expect(await ringing.heard.next('agent.leg-down', agentId)).toMatchObject({
        cause: { code: 0, text: 'Agent endpoint unreachable: PJSIP/agent-leaving went offline: the softphone unregistered' },
      });
    });

    it('an agent whose endpoint Asterisk does not know is reported unavailable at login', async () => {
      const agentId = AgentId('rung-unknown');
      ringing.telephony.loginAgent(agentId, 'PJSIP/nobody');
      const down = await ringing.heard.next('agent.leg-down', agentId);
      expect(down.cause.text).toMatch(/^Agent endpoint unreachable: PJSIP\/nobody: /);
    });
  });

  describe('machine detection', () => {
    it('a machine is detected and hung up on', async () => {
      const request = dialRequest(lab.numberFor({ kind: 'machine', ringMs: 2000 }), { machineDetection: true });
      telephony.originate(request);
      const answered = await heard.next('call.answered', request.attemptId);
      expect(answered).toMatchObject({ party: 'machine', detection: { status: 'MACHINE', cause: 'LONGGREETING-1500-1500' } });
      expect(answered.at).toBeGreaterThanOrEqual(answered.answeredAt);
      telephony.hangup(request.attemptId);
      expect(await heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'system' });
    });

    it('a machine gets the message once its greeting is over, then the system hangs up', async () => {
      // A greeting long enough to be still playing when detection decides, however loaded the test machine.
      const request = dialRequest(lab.numberFor({ kind: 'machine', ringMs: 1000, greetingMs: 100_000 }), { machineDetection: true });
      telephony.originate(request);
      await heard.next('call.answered', request.attemptId);
      telephony.leaveMessage(request.attemptId, ['sound:outpace/machine-message', 'digits:5551000']);
      expect(await heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'system' });
      if (lab.server) {
        const channel = customerChannelOf(request.attemptId);
        expect(lab.server.requests.filter((r) => r.includes(`${channel}/play`)).length).toBe(2);
        // Spoken after the greeting and its beep, not over them.
        const onChannel = lab.server.emitted
          .map((e) => e.event)
          .filter((e) => (e['channel'] as { id?: string } | undefined)?.id === channel || String((e['playback'] as { target_uri?: string } | undefined)?.target_uri).endsWith(channel));
        const types = onChannel.map((e) => e['type']);
        expect(types.indexOf('ChannelTalkingFinished')).toBeGreaterThan(-1);
        expect(types.indexOf('PlaybackStarted')).toBeGreaterThan(types.indexOf('ChannelTalkingFinished'));
      }
    });

    it.skipIf(REAL_ASTERISK)('the far end hangs up while detection listens: answered by a person (the safe side), then ended', async () => {
      // Detection that listens for long enough to be caught in the act.
      const request = dialRequest(lab.numberFor({ kind: 'machine', ringMs: 1000, detectionMs: 1_000_000 }), { machineDetection: true });
      telephony.originate(request);
      const channel = customerChannelOf(request.attemptId);
      await expect.poll(() => lab.server!.pbx.list().find((c) => c.id === channel)?.dialplan.app_name).toBe('AMD');
      lab.server!.pbx.farEndHangsUp(channel);
      const ended = await heard.next('call.ended', request.attemptId);
      expect(ended).toMatchObject({ endedBy: 'customer', cause: { code: 16 } });
      expect(await heard.next('call.answered', request.attemptId)).toMatchObject({ party: 'human', detection: { status: 'HANGUP' } });
    });

    it('a person is detected as a person, with the verdict and the greeting\'s end it implies', async () => {
      const { request, answered } = await answeredCall({ machineDetection: true });
      expect(answered).toMatchObject({ party: 'human', detection: { status: 'HUMAN', cause: expect.stringMatching(/^HUMAN-\d+-\d+$/) } });
      if (lab.server) expect(answered.detection?.cause).toBe('HUMAN-803-800');
      // AMD heard the greeting end, then the silence its cause names, before deciding.
      const silenceMs = Number(answered.detection!.cause.split('-')[1]);
      expect(answered.greetingEndedAt).toBe(Math.max(answered.answeredAt, answered.at - silenceMs));
      telephony.hangup(request.attemptId);
      await heard.next('call.ended', request.attemptId);
    });
  });

  describe('calls nobody answers: outcome and cause from ChannelDestroyed', () => {
    const cases = [
      { farEnd: { kind: 'busy' }, outcome: 'busy', cause: { code: 17, text: 'User busy', techCause: 486 } },
      { farEnd: { kind: 'no-answer', ringMs: 10_000 }, outcome: 'no-answer', cause: { code: 19, techCause: 480 } },
      { farEnd: { kind: 'never-answers' }, outcome: 'no-answer', cause: { code: 19, text: 'User alerting, no answer' } },
      { farEnd: { kind: 'congestion' }, outcome: 'congestion', cause: { code: 34, techCause: 503 } },
      { farEnd: { kind: 'unallocated' }, outcome: 'invalid-number', cause: { code: 1, text: 'Unallocated (unassigned) number' } },
      { farEnd: { kind: 'rejected' }, outcome: 'rejected', cause: { code: 21, text: 'Call Rejected' } },
    ] as const;
    for (const c of cases) {
      it(`${c.farEnd.kind}: ${c.outcome}`, async () => {
        const request = dialRequest(lab.numberFor(c.farEnd), { ringTimeoutSec: 15 });
        telephony.originate(request);
        const failed = await heard.next('call.failed', request.attemptId);
        expect(failed).toMatchObject({ outcome: c.outcome, cause: c.cause });
        expect(heard.about(request.attemptId).filter((e) => e.type !== 'call.ringing')).toEqual([failed]);
      });
    }
  });

  describe('the engine hangs up first', () => {
    it('a ringing call the engine hangs up ends by the system, with no answer or failure reported', async () => {
      const request = dialRequest(lab.numberFor({ kind: 'never-answers' }), { ringTimeoutSec: 60 });
      telephony.originate(request);
      await heard.next('call.ringing', request.attemptId);
      telephony.hangup(request.attemptId);
      expect(await heard.next('call.ended', request.attemptId)).toMatchObject({ endedBy: 'system' });
      expect(heard.about(request.attemptId).map((e) => e.type)).toEqual(['call.ringing', 'call.ended']);
    });
  });

  describe.skipIf(REAL_ASTERISK)('a trunk whose carrier stops answering', () => {
    it('is reported down once when its endpoint goes offline, calls on it are refused, and it is reported up once back', async () => {
      const pbx = lab.server!.pbx;
      telephony.followTrunk('carrier');
      await expect.poll(() => pbx.endpointsWatchedBy('outpace-engine-a')).toContain('PJSIP/carrier');
      pbx.trunkReachable('carrier', false);
      expect(await heard.next('trunk.down', 'carrier')).toMatchObject({ why: 'its endpoint PJSIP/carrier is offline: the carrier does not answer qualify' });
      // Said again by Asterisk (a second contact, a repeated event): no second report.
      lab.server!.sendRaw('outpace-engine-a', { type: 'EndpointStateChange', endpoint: { technology: 'PJSIP', resource: 'carrier', state: 'offline', channel_ids: [] } });
      const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
      telephony.originate(request);
      expect(await heard.next('call.failed', request.attemptId)).toMatchObject({ outcome: 'failed', detail: 'Allocation failed' });
      pbx.trunkReachable('carrier', true);
      await heard.next('trunk.up', 'carrier');
      expect(heard.about('carrier').map((e) => e.type)).toEqual(['trunk.down', 'trunk.up']);
    });

    it('read offline when the event stream is back, is taken as down only if still offline one qualify later (a restarted Asterisk has not qualified it yet)', async () => {
      const pbx = lab.server!.pbx;
      // Qualify every 0 s: looked at again 5 s (qualify's timeout and room) after the stream is back.
      const engine = await connectEngine(lab, 'engine-q', { config: { ARI_TRUNK_QUALIFY_SEC: 0 } });
      try {
        engine.telephony.followTrunk('carrier');
        await expect.poll(() => pbx.endpointsWatchedBy('outpace-engine-q')).toContain('PJSIP/carrier');
        // Offline when the stream comes back, then qualified: never reported down.
        whileEventsDown(() => pbx.trunkReachable('carrier', false));
        await expect.poll(() => lab.server!.connectedApps()).toContain('outpace-engine-q');
        await new Promise((resolve) => setTimeout(resolve, 500));
        pbx.trunkReachable('carrier', true);
        await new Promise((resolve) => setTimeout(resolve, 6000));
        expect(engine.heard.about('carrier')).toEqual([]);
        // Offline, and still offline a qualify later: down.
        whileEventsDown(() => pbx.trunkReachable('carrier', false));
        await expect.poll(() => engine.heard.about('carrier'), { timeout: 15_000 }).toMatchObject([{ type: 'trunk.down', why: expect.stringMatching(/offline/) }]);
        pbx.trunkReachable('carrier', true);
        await engine.heard.next('trunk.up', 'carrier');
        expect(engine.heard.about('carrier').map((e) => e.type)).toEqual(['trunk.down', 'trunk.up']);
      } finally {
        engine.telephony.close();
      }
    }, 30_000);
  });

  describe('Asterisk refuses', () => {
    it('an originate Asterisk rejects becomes a failed attempt with what Asterisk said', async () => {
      const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }), { trunk: 'nosuchtrunk' as never });
      telephony.originate(request);
      const failed = await heard.next('call.failed', request.attemptId);
      // The test server answers as the lab's Asterisk did for an endpoint it cannot dial.
      expect(failed).toMatchObject({ outcome: 'failed', detail: lab.server ? 'Allocation failed' : expect.any(String) });
    });

    it('an agent whose phone is not registered is reported down at once', async () => {
      const agentId = AgentId('agent-unregistered');
      telephony.loginAgent(agentId, 'PJSIP/nobody');
      const down = await heard.next('agent.leg-down', agentId);
      expect(down.cause.text).toMatch(lab.server ? /^Originate refused: Allocation failed$/ : /^Originate refused: /);
    });

    it.skipIf(REAL_ASTERISK)('an originate that fails inside Asterisk (500) does not lose the lead: call.failed with the detail', async () => {
      lab.server!.pbx.failNextOriginate(500, 'Allocation failed');
      const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
      telephony.originate(request);
      expect(await heard.next('call.failed', request.attemptId)).toMatchObject({ outcome: 'failed', detail: 'Allocation failed' });
    });
  });

  describe.skipIf(REAL_ASTERISK)('limits toward Asterisk', () => {
    /** An engine with a 200 ms request deadline dials once while Asterisk holds the originate's answer back 600 ms. */
    async function slowOriginate(engineId: string, when: 'before' | 'after', body: (engine: { telephony: AriTelephony; heard: Heard }, attemptId: AttemptId) => Promise<void>) {
      const engine = await connectEngine(lab, engineId, { config: { ARI_REQUEST_TIMEOUT_MS: 200 } });
      try {
        lab.server!.pbx.delayNextOriginate(600, when);
        const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
        engine.telephony.originate(request);
        await body(engine, request.attemptId);
      } finally {
        engine.telephony.close();
      }
    }

    it('an originate Asterisk is too slow to carry out fails the attempt, and the call it makes later is hung up', () =>
      slowOriginate('engine-slow', 'before', async ({ heard: slow }, attemptId) => {
        const failed = await slow.next('call.failed', attemptId);
        expect(failed).toMatchObject({ outcome: 'failed', detail: 'ARI request "originate" got no answer within 200 ms' });
        const channel = `engine-slow-c-${attemptId}`;
        // Asterisk makes the channel after all; outpace hangs it up as soon as it shows.
        await expect.poll(() => lab.server!.requests.some((r) => r === `DELETE /ari/channels/${channel} -> 204`)).toBe(true);
        expect(lab.server!.pbx.list().some((c) => c.id === channel)).toBe(false);
        expect(slow.about(attemptId)).toEqual([failed]);
      }));

    it('an originate answered late, after its call began, carries on: one outcome, no failure', () =>
      slowOriginate('engine-late', 'after', async ({ telephony: late, heard }, attemptId) => {
        await heard.next('call.answered', attemptId);
        late.hangup(attemptId);
        await heard.next('call.ended', attemptId);
        expect(heard.about(attemptId).map((e) => e.type)).toEqual(['call.ringing', 'call.answered', 'call.ended']);
      }));

    it('a trunk at its line limit refuses the next call without asking Asterisk', async () => {
      const limited = await connectEngine(lab, 'engine-lines', { trunks: [{ id: 'carrier', maxLines: 1, maxCallsPerSecond: 50 }] });
      try {
        const first = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
        const second = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
        limited.telephony.originate(first);
        limited.telephony.originate(second);
        expect(await limited.heard.next('call.failed', second.attemptId)).toMatchObject({
          outcome: 'failed',
          detail: 'trunk carrier on Asterisk server default already carries its limit of 1 calls over every engine',
        });
        await limited.heard.next('call.answered', first.attemptId);
        limited.telephony.hangup(first.attemptId);
        await limited.heard.next('call.ended', first.attemptId);
        // The line is free again.
        const third = dialRequest(lab.numberFor({ kind: 'busy' }));
        limited.telephony.originate(third);
        expect(await limited.heard.next('call.failed', third.attemptId)).toMatchObject({ outcome: 'busy' });
      } finally {
        limited.telephony.close();
      }
    });
  });

  describe.skipIf(REAL_ASTERISK)('the event stream drops', () => {
    it('an agent whose softphone dropped while the WebSocket was down leaves ready after reconnecting', async () => {
      const agentId = await agentReady();
      const agentChannel = lab.server!.pbx.liveChannelOn(lab.agentEndpoint(agents))!;
      whileEventsDown(() => lab.server!.pbx.farEndHangsUp(agentChannel.id));
      expect(await heard.next('agent.leg-down', agentId)).toMatchObject({ cause: { code: 0 } });
    });

    it('an agent whose bridge vanished while the WebSocket was down has the leg ended and leaves ready', async () => {
      const agentId = await agentReady();
      const agentChannel = lab.server!.pbx.liveChannelOn(lab.agentEndpoint(agents))!;
      await expect.poll(() => agentChannel.bridgeId).toBeDefined();
      whileEventsDown(() => lab.server!.pbx.destroyBridge(agentChannel.bridgeId!));
      expect(await heard.next('agent.leg-down', agentId)).toMatchObject({ cause: { code: 16 } });
    });

    it('a call that ended while the WebSocket was down is settled after reconnecting; calls still up carry on', async () => {
      const agentId = await agentReady();
      const gone = await answeredCall();
      const staying = await answeredCall();
      telephony.connectToAgent(gone.request.attemptId, agentId);
      await heard.next('call.connected', gone.request.attemptId);
      whileEventsDown(() => lab.server!.pbx.farEndHangsUp(customerChannelOf(gone.request.attemptId)));
      const ended = await heard.next('call.ended', gone.request.attemptId);
      expect(ended).toMatchObject({ endedBy: 'customer', cause: { code: 0 } });
      await expect.poll(() => lab.server!.connectedApps()).toContain('outpace-engine-a');
      // The other call and the agent's leg survived the drop and still answer to commands.
      telephony.abandon(staying.request.attemptId, 'sound:outpace/abandon');
      expect(await heard.next('call.ended', staying.request.attemptId)).toMatchObject({ endedBy: 'system' });
      expect(heard.about(agentId).map((e) => e.type)).toEqual(['agent.leg-up']);
    });
  });

  describe('two engines', () => {
    it('engines with their own applications each drive only their own calls', async () => {
      const other = await connectEngine(lab, 'engine-b');
      try {
        const mine = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000, talkMs: 3000 }));
        const theirs = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000, talkMs: 3000 }));
        telephony.originate(mine);
        other.telephony.originate(theirs);
        await heard.next('call.ended', mine.attemptId);
        await other.heard.next('call.ended', theirs.attemptId);
        expect(other.heard.about(mine.attemptId)).toEqual([]);
        expect(heard.about(theirs.attemptId)).toEqual([]);
        // Each call's own progress (its recordings from the answer are reported after its end, when looked up).
        const progress = (events: readonly TelephonyEvent[]) => events.map((e) => e.type).filter((type) => type.startsWith('call.'));
        expect(progress(heard.about(mine.attemptId))).toEqual(['call.ringing', 'call.answered', 'call.ended']);
        expect(progress(other.heard.about(theirs.attemptId))).toEqual(['call.ringing', 'call.answered', 'call.ended']);
      } finally {
        other.telephony.close();
      }
    });

    it.skipIf(REAL_ASTERISK)('an engine that hears of another engine\'s channel leaves it alone', async () => {
      // A second engine on the same application (a misconfiguration, or a restart under a new engine id while
      // the old channels live on) gets the application's events from Asterisk: it must not drive those channels.
      const mine = dialRequest(lab.numberFor({ kind: 'human', ringMs: 3_600_000 }), { ringTimeoutSec: 3600 });
      telephony.originate(mine);
      await heard.next('call.ringing', mine.attemptId);
      const channel = customerChannelOf(mine.attemptId);
      const intruder = await connectEngine(lab, 'engine-c', { config: { ARI_APP: 'outpace-engine-a' } });
      try {
        lab.server!.pbx.farEndAnswers(channel);
        await expect.poll(() => lab.server!.pbx.list().find((c) => c.id === channel)?.inStasis).toBe(true);
        lab.server!.pbx.farEndHangsUp(channel);
        expect(intruder.heard.events).toEqual([]);
        expect(lab.server!.requests.filter((r) => r.includes(channel) && !r.startsWith('POST /ari/channels?'))).toEqual([]);
      } finally {
        intruder.telephony.close();
      }
      // The first engine went deaf while the intruder held the application: it never heard the answer. Once it
      // has the application again, the reconcile settles the attempt it lost track of.
      whileEventsDown(() => undefined);
      expect(await heard.next('call.failed', mine.attemptId)).toMatchObject({ outcome: 'failed', cause: { code: 0 } });
      expect(heard.about(mine.attemptId).map((e) => e.type)).toEqual(['call.ringing', 'call.failed']);
    });
  });
}

describe('ARI adapter against the ARI test server', () => {
  telephonySuite(testServerLab);

  it('a wrong password is reported at once, naming the settings to check', async () => {
    const lab = await testServerLab();
    try {
      const config = { ...lab.config('engine-x'), ARI_PASSWORD: 'wrong' };
      await expect(AriTelephony.connect({ config, logger: quietLogger })).rejects.toThrow(/check ARI_USERNAME and ARI_PASSWORD/);
    } finally {
      await lab.close();
    }
  });
});

if (!REAL_ASTERISK) console.info('ARI_URL is not set: the real-PBX suites are skipped (npm run pbx:up, then npm run test:pbx, runs them on the lab).');
describe.skipIf(!REAL_ASTERISK)('ARI adapter against a real Asterisk (ARI_URL)', () => telephonySuite(asteriskLab));
