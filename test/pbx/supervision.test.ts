/**
 * Listen and whisper on the real PBX: agent 1's softphone (350 Hz) talks to
 * a carrier person (who echoes what they hear) and the supervisor's softphone
 * (2500 Hz) is rung into the call through the ARI adapter. What each party's
 * phone is sent is recorded (a snoop spying `out` on each channel, recorded
 * by ARI) and heard with sox: listening, the supervisor hears the call and
 * nobody hears the supervisor; whispering, the customer does not hear the
 * supervisor and the agent's softphone does (it records what it hears: a spy
 * cannot, see below); barging in, everyone hears everyone. The supervisor
 * hangs up, or the call ends, and nothing of the session is left.
 */
import { execFile } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId } from '../../src/domain/ids.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import { loadAriConfig } from '../../src/telephony/ari/config.js';
import type { SupervisionMode, TelephonyEvent } from '../../src/telephony/port.js';
import { dialRequest } from '../integration/telephony-lab.js';
import { carrierNumber } from './carrier-scheme.js';
import { ari, AriObserver, clearPbx, lab, leftOnPbx } from './support.js';
import { toneOfAgent } from './sound.js';

const ENGINE = `pbx-sup-${Date.now().toString(36)}`;
const AGENT = AgentId('agent1');
const SUPERVISOR_TONE = 2500;
const RECORD_SEC = 4;
/** The application the spies enter, so that ARI can record them. */
const OBSERVER_APP = `${ENGINE}-observer`;

/** RMS amplitude of a recording (or its last `lastSec`) within ±100 Hz of `hz` (sox's band-pass, then its statistics). */
async function bandRms(file: string, hz: number, lastSec?: number): Promise<number> {
  const trim = lastSec === undefined ? [] : ['trim', `-${lastSec}`];
  const { stderr } = await promisify(execFile)('sox', [file, '-n', ...trim, 'sinc', `${hz - 100}-${hz + 100}`, 'stat']);
  return Number(/RMS\s+amplitude:\s+([\d.]+)/.exec(stderr)?.[1] ?? Number.NaN);
}

/** The newest call recording a softphone made of what it heard. */
async function lastRecordingAt(dir: string): Promise<string> {
  const decoded = (await readdir(dir)).filter((f) => f.endsWith('-dec.wav'));
  const withTimes = await Promise.all(decoded.map(async (f) => ({ f, at: (await stat(join(dir, f))).mtimeMs })));
  const newest = withTimes.sort((a, b) => b.at - a.at)[0];
  if (!newest) throw new Error(`no recording in ${dir}: is baresip's sndfile module loaded (test/pbx/lab.sh)?`);
  return join(dir, newest.f);
}

describe('listen and whisper on the real PBX', () => {
  let telephony: AriTelephony;
  let observer: AriObserver;
  const heard: TelephonyEvent[] = [];
  let serial = 0;

  beforeAll(async () => {
    observer = await AriObserver.open(OBSERVER_APP);
    telephony = await AriTelephony.connect({ config: loadAriConfig({ ...process.env, ARI_APP: `outpace-${ENGINE}`, OUTPACE_ENGINE_ID: ENGINE }), logger: pino({ level: 'warn' }) });
    telephony.subscribe((e) => heard.push(e));
  });
  afterAll(async () => {
    await telephony?.shutdown();
    observer?.close();
    await clearPbx(ENGINE);
  });

  const until = async <T>(what: string, probe: () => T | undefined, ms = 20_000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const found = probe();
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error(`${what}: not heard in ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const event = <T extends TelephonyEvent['type']>(type: T, test: (e: Extract<TelephonyEvent, { type: T }>) => boolean) =>
    until(type, () => heard.find((e): e is Extract<TelephonyEvent, { type: T }> => e.type === type && test(e as Extract<TelephonyEvent, { type: T }>)));

  /** Records what is sent to each channel's phone for RECORD_SEC, at once; the files' paths. */
  async function whatEachHears(channels: Record<string, string>): Promise<Record<string, string>> {
    const files: Record<string, string> = {};
    await Promise.all(
      Object.entries(channels).map(async ([who, channelId]) => {
        const snoopId = `${ENGINE}-spy-${who}-${serial}`;
        await ari('POST', `/channels/${channelId}/snoop?spy=out&app=${OBSERVER_APP}&snoopId=${snoopId}`);
        await until(`${who}'s spy in Stasis`, () => observer.events.find((e) => e.type === 'StasisStart' && e.channel?.id === snoopId));
        const name = `${ENGINE}-hears-${who}-${serial}`;
        await ari('POST', `/channels/${snoopId}/record?name=${name}&format=wav&maxDurationSeconds=${RECORD_SEC}&ifExists=overwrite`);
        files[who] = join(lab.recordings, `${name}.wav`);
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, (RECORD_SEC + 1.5) * 1000));
    return files;
  }

  /** Each tone's strength in what each phone was sent (logged: the figures the issue asks for). */
  async function tonesIn(call: { sessionId: string; files: Record<string, string> }, agentTone: number) {
    const tones: Record<string, { agent: number; supervisor: number }> = {};
    for (const [who, file] of Object.entries(call.files)) tones[who] = { agent: await bandRms(file, agentTone), supervisor: await bandRms(file, SUPERVISOR_TONE) };
    console.log(`${call.sessionId}: band RMS of what each phone is sent`, JSON.stringify(tones));
    return tones as Record<'agent' | 'customer' | 'supervisor', { agent: number; supervisor: number }>;
  }

  async function superviseCall(mode: SupervisionMode) {
    serial++;
    const request = dialRequest(carrierNumber({ kind: 'person', ringSec: 1, talkSec: 0 }, serial));
    telephony.originate(request);
    await event('call.answered', (e) => e.attemptId === request.attemptId);
    telephony.connectToAgent(request.attemptId, AGENT);
    await event('call.connected', (e) => e.attemptId === request.attemptId);
    const sessionId = `${mode}-${serial}`;
    telephony.supervise({ sessionId, agentId: AGENT, endpoint: 'PJSIP/supervisor', mode });
    await event('supervision.started', (e) => e.sessionId === sessionId);
    // The customer says hello first; then they echo what they hear.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const channels = (await ari<{ id: string; name: string }[]>('GET', '/channels'))!;
    const agentChannel = channels.find((c) => c.id.startsWith(`${ENGINE}-a-${AGENT}`))!.id;
    const files = await whatEachHears({ supervisor: `${ENGINE}-s-${sessionId}`, agent: agentChannel, customer: `${ENGINE}-c-${request.attemptId}` });
    return { request, sessionId, files };
  }

  it('listen: the supervisor hears the call, nobody hears the supervisor; whisper: the agent alone hears the supervisor; barge: everyone', async () => {
    telephony.loginAgent(AGENT, 'PJSIP/agent1');
    await event('agent.leg-up', (e) => e.agentId === AGENT);
    const agentTone = toneOfAgent(1);

    const listen = await superviseCall('listen');
    const l = await tonesIn(listen, agentTone);
    expect(l.supervisor.agent).toBeGreaterThan(0.01);
    expect(l.agent.supervisor).toBeLessThan(0.002);
    expect(l.customer.supervisor).toBeLessThan(0.002);
    // The supervisor hangs up: the session ends, the call goes on, nothing of the session is left.
    await ari('DELETE', `/channels/${ENGINE}-s-${listen.sessionId}`);
    expect(await event('supervision.ended', (e) => e.sessionId === listen.sessionId)).toMatchObject({ why: 'supervisor-hung-up' });
    await expect.poll(async () => JSON.stringify(await leftOnPbx(ENGINE)).includes(`${ENGINE}-s-${listen.sessionId}`), { timeout: 10_000 }).toBe(false);
    expect(heard.some((e) => e.type === 'call.ended' && e.attemptId === listen.request.attemptId)).toBe(false);
    telephony.hangup(listen.request.attemptId);
    await event('call.ended', (e) => e.attemptId === listen.request.attemptId);

    const whisper = await superviseCall('whisper');
    const w = await tonesIn(whisper, agentTone);
    // What the agent's phone is sent is not seen by a spy: Asterisk hands a channel's frames to its spies before it mixes
    // its whispers in (main/audiohook.c, audio_audiohook_write_list). So the agent's softphone records what it hears
    // (baresip's sndfile, lab.sh): the agent logs out while whispered to, and the end of that recording is heard.
    expect(w.customer.supervisor).toBeLessThan(0.002);
    expect(w.supervisor.agent).toBeGreaterThan(0.01);
    telephony.logoutAgent(AGENT);
    expect(await event('supervision.ended', (e) => e.sessionId === whisper.sessionId)).toMatchObject({ why: 'call-ended' });
    await event('call.ended', (e) => e.attemptId === whisper.request.attemptId);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const agentHeard = await lastRecordingAt(join(lab.dir, 'phones', 'agent1', 'heard'));
    const whispered = { agent: await bandRms(agentHeard, agentTone, 2), supervisor: await bandRms(agentHeard, SUPERVISOR_TONE, 2) };
    console.log("whisper: band RMS of the agent's softphone's last 2 s", JSON.stringify(whispered));
    expect(whispered.supervisor).toBeGreaterThan(0.01);
    await expect.poll(async () => JSON.stringify(await leftOnPbx(ENGINE)).includes(`${ENGINE}-s-${whisper.sessionId}`), { timeout: 10_000 }).toBe(false);
    telephony.loginAgent(AGENT, 'PJSIP/agent1');
    await until('agent 1 up again', () => heard.filter((e) => e.type === 'agent.leg-up' && e.agentId === AGENT).length === 2 || undefined);

    // Barging in, the supervisor's tone reaches the customer: it does flow, so its absence above is the snoop's doing.
    const barge = await superviseCall('barge');
    const b = await tonesIn(barge, agentTone);
    expect(b.customer.supervisor).toBeGreaterThan(0.01);
    expect(b.supervisor.agent).toBeGreaterThan(0.01);
    telephony.hangup(barge.request.attemptId);
    expect(await event('supervision.ended', (e) => e.sessionId === barge.sessionId)).toMatchObject({ why: 'call-ended' });
    await expect.poll(async () => JSON.stringify(await leftOnPbx(ENGINE)).includes(`${ENGINE}-s-${barge.sessionId}`), { timeout: 10_000 }).toBe(false);
  });
});
