/**
 * The ARI test server against real Asterisk: it replays each recorded
 * scenario and checks (1) that every event it emits matches the event models
 * of Asterisk 22.10.1's events.json and (2) that each scenario's sequence of
 * events (type, dial status, channel state, causes, Stasis args) is the one
 * the real PBX produced in ../shared/asterisk-ari/transcripts/.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { farEnd } from '../ari-server/call-script.js';
import { eventProblems } from '../ari-server/event-models.js';
import { type AriEvent, RawAri, channelIdOf } from '../ari-server/raw-ari.js';
import { AriTestServer } from '../ari-server/server.js';

const APP = 'dialer';
let server: AriTestServer;
let ari: RawAri;

beforeAll(async () => {
  server = await AriTestServer.start({ timeScale: 0.01 });
  ari = await RawAri.connect(server.url, server.credentials.username, server.credentials.password, APP);
  server.pbx.registerAgentPhone('agent1');
  server.pbx.registerAgentPhone('agent2');
});

afterAll(async () => {
  ari.close();
  await server.close();
});

/** What identifies an event in a sequence, leaving out ids and times. */
function signature(e: AriEvent): string {
  const channel = (e['channel'] ?? e['peer']) as { state?: string } | undefined;
  switch (e.type) {
    case 'Dial':
      return `Dial(${e['dialstatus']})`;
    case 'ChannelStateChange':
      return `ChannelStateChange(${channel?.state})`;
    case 'ChannelHangupRequest':
      return `ChannelHangupRequest(${e['cause']}${e['soft'] ? ',soft' : ''})`;
    case 'ChannelDestroyed':
      return `ChannelDestroyed(${e['cause']} ${e['cause_txt']} ${e['tech_cause'] ?? ''})`;
    case 'StasisStart':
      return `StasisStart(${(e['args'] as string[]).join(',')})`;
    default:
      return e.type;
  }
}

/**
 * Asterisk raises the Ringing state change and Dial RINGING from different
 * threads, and the transcripts show both orders; compare them in one order.
 * ChannelVarset carries RTP statistics and bridge peers that outpace never
 * reads, so sequences are compared without it.
 */
function sequence(events: AriEvent[]): string[] {
  const sigs = events.filter((e) => e.type !== 'ChannelVarset').map(signature);
  for (let i = 0; i + 1 < sigs.length; i++) {
    if (sigs[i] === 'Dial(RINGING)' && sigs[i + 1] === 'ChannelStateChange(Ringing)') {
      [sigs[i], sigs[i + 1]] = [sigs[i + 1]!, sigs[i]!];
    }
  }
  return sigs;
}

function transcript(name: string): string[] {
  const lines = readFileSync(new URL(`../ari-server/transcripts/${name}.jsonl`, import.meta.url), 'utf8').trim().split('\n');
  return sequence(lines.map((l) => JSON.parse(l) as AriEvent));
}

function eventsOf(...channelIds: string[]): AriEvent[] {
  return ari.events.filter((e) => {
    const id = channelIdOf(e);
    return id === undefined ? false : channelIds.includes(id);
  });
}

const destroyed = (channelId: string) => (e: AriEvent) => e.type === 'ChannelDestroyed' && channelIdOf(e) === channelId;
const stasisStarted = (channelId: string) => (e: AriEvent) => e.type === 'StasisStart' && channelIdOf(e) === channelId;

async function originate(channelId: string, endpoint: string, query: Record<string, string | number> = {}) {
  const res = await ari.request('POST', '/channels', { endpoint, app: APP, appArgs: channelId, channelId, ...query });
  expect(res.status).toBe(200);
  return res.body as { id: string; state: string };
}

describe('ARI test server: failed calls replay the transcripts', () => {
  const cases = [
    { name: 'busy', script: farEnd.busy(), timeout: 45 },
    { name: 'congestion', script: farEnd.congestion(), timeout: 45 },
    { name: 'unallocated', script: farEnd.unallocated(), timeout: 45 },
    { name: 'noanswer', script: farEnd.noAnswer(10_000), timeout: 45 },
    { name: 'noanswer-timeout', script: farEnd.neverAnswers(), timeout: 8 },
    { name: 'intercept', script: farEnd.intercept(4900), timeout: 45 },
  ];
  for (const c of cases) {
    it(`${c.name}: same events in the same order as Asterisk`, async () => {
      const number = `+1555${c.name.length}00${cases.indexOf(c)}`;
      server.pbx.script(number, c.script);
      const channel = await originate(c.name, `PJSIP/${number}@carrier`, { timeout: c.timeout });
      expect(channel.state).toBe('Down');
      await ari.waitFor(destroyed(c.name));
      expect(sequence(eventsOf(c.name))).toEqual(transcript(c.name));
    });
  }
});

describe('ARI test server: answered calls replay the transcripts', () => {
  it('human-remote-hangup: customer and agent bridged, the customer hangs up first', async () => {
    server.pbx.script('+15551020600', farEnd.human({ ringMs: 2000 }));
    await originate('cust-rh', 'PJSIP/+15551020600@carrier', { appArgs: 'customer' });
    await ari.waitFor(stasisStarted('cust-rh'));
    await originate('agent-rh', 'PJSIP/agent2', { appArgs: 'agent' });
    await ari.waitFor(stasisStarted('agent-rh'));
    const bridge = (await ari.request('POST', '/bridges', { type: 'mixing', name: 'remote-hangup' })).body as { id: string };
    expect((await ari.request('POST', `/bridges/${bridge.id}/addChannel`, { channel: 'cust-rh,agent-rh' })).status).toBe(204);
    await ari.waitFor((e) => e.type === 'ChannelConnectedLine' && channelIdOf(e) === 'cust-rh');
    server.pbx.farEndHangsUp('cust-rh');
    await ari.waitFor(destroyed('cust-rh'));
    expect((await ari.request('DELETE', '/channels/agent-rh')).status).toBe(204);
    await ari.waitFor(destroyed('agent-rh'));
    expect((await ari.request('DELETE', `/bridges/${bridge.id}`)).status).toBe(204);
    await ari.waitFor((e) => e.type === 'BridgeDestroyed');
    const seen = ari.events.filter((e) => ['cust-rh', 'agent-rh'].includes(channelIdOf(e) ?? '') || e.type === 'BridgeDestroyed');
    expect(sequence(seen)).toEqual(transcript('human-remote-hangup'));
  });

  it('amd-continue-machine: into the app, continue into detection, back into Stasis with the verdict', async () => {
    server.pbx.script('+15555031500', farEnd.machine({ ringMs: 3000 }));
    await originate('amd-m', 'PJSIP/+15555031500@carrier', { appArgs: 'pre-amd', timeout: 30 });
    await ari.waitFor(stasisStarted('amd-m'));
    expect((await ari.request('POST', '/channels/amd-m/continue', { context: 'outpace-amd', extension: 's', priority: 1 })).status).toBe(204);
    const verdict = await ari.waitFor((e) => stasisStarted('amd-m')(e) && (e['args'] as string[])[0] === 'amd');
    expect(verdict['args']).toEqual(['amd', 'MACHINE', 'LONGGREETING-1500-1500']);
    expect((await ari.request('DELETE', '/channels/amd-m')).status).toBe(204);
    await ari.waitFor(destroyed('amd-m'));
    expect(sequence(eventsOf('amd-m'))).toEqual(transcript('amd-continue-machine'));
  });
});

describe('ARI test server: talk detection (not in the transcripts; events.json models)', () => {
  it('TALK_DETECT on a machine still in its greeting: talking started, then finished', async () => {
    server.pbx.script('+15555030000', farEnd.machine({ ringMs: 1000, greetingMs: 8000 }));
    await originate('talk-m', 'PJSIP/+15555030000@carrier', { appArgs: 'customer' });
    await ari.waitFor(stasisStarted('talk-m'));
    expect((await ari.request('POST', '/channels/talk-m/variable', { variable: 'TALK_DETECT(set)', value: '1000' })).status).toBe(204);
    const finished = await ari.waitFor((e) => e.type === 'ChannelTalkingFinished' && channelIdOf(e) === 'talk-m');
    expect(finished['duration']).toBe(8000);
    expect(eventsOf('talk-m').map((e) => e.type).slice(-2)).toEqual(['ChannelTalkingStarted', 'ChannelTalkingFinished']);
    await ari.request('DELETE', '/channels/talk-m');
    await ari.waitFor(destroyed('talk-m'));
  });
});

describe('ARI test server: REST answers as Asterisk does', () => {
  it('recorded call: bridge and snoop recordings, a prompt, ARI hangups (transcript human)', async () => {
    server.pbx.script('+15551030600', farEnd.human({ ringMs: 3000 }));
    await originate('cust-h', 'PJSIP/+15551030600@carrier', { appArgs: 'customer', callerId: '"Lab Dialer" <5551000>' });
    await ari.waitFor(stasisStarted('cust-h'));
    await originate('agent-h', 'PJSIP/agent1', { appArgs: 'agent' });
    await ari.waitFor(stasisStarted('agent-h'));
    const bridge = await ari.request('POST', '/bridges', { type: 'mixing', name: 'smoke-human' });
    expect(bridge.body).toMatchObject({ technology: 'simple_bridge', bridge_type: 'mixing', channels: [] });
    const bridgeId = (bridge.body as { id: string }).id;
    await ari.request('POST', `/bridges/${bridgeId}/addChannel`, { channel: 'cust-h,agent-h' });
    const rec = await ari.request('POST', `/bridges/${bridgeId}/record`, { name: 'h-mixed', format: 'wav', ifExists: 'overwrite' });
    expect(rec).toEqual({ status: 201, body: { name: 'h-mixed', format: 'wav', state: 'queued', target_uri: `bridge:${bridgeId}` } });
    const snoop = await ari.request('POST', '/channels/cust-h/snoop', { spy: 'in', app: APP, appArgs: 'snoop,customer', snoopId: 'snoop-h' });
    expect(snoop.body).toMatchObject({ id: 'snoop-h', state: 'Up', protocol_id: '' });
    await ari.waitFor(stasisStarted('snoop-h'));
    expect((await ari.request('POST', '/channels/snoop-h/record', { name: 'h-customer', format: 'wav' })).status).toBe(201);
    const play = await ari.request('POST', '/channels/cust-h/play', { media: 'sound:vm-goodbye', playbackId: 'pb-h' });
    expect(play).toEqual({
      status: 201,
      body: { id: 'pb-h', media_uri: 'sound:vm-goodbye', target_uri: 'channel:cust-h', language: 'en', state: 'queued' },
    });
    await ari.waitFor((e) => e.type === 'PlaybackFinished');
    expect((await ari.request('POST', '/recordings/live/h-mixed/stop')).status).toBe(204);
    const finished = await ari.waitFor((e) => e.type === 'RecordingFinished');
    expect(finished['recording']).toMatchObject({ name: 'h-mixed', state: 'done' });
    expect((await ari.request('DELETE', '/channels/cust-h', { reason_code: 16 })).status).toBe(204);
    await ari.waitFor(destroyed('cust-h'));
    expect(eventsOf('snoop-h').map((e) => e.type)).toEqual(['StasisStart', 'StasisEnd']);
    expect((await ari.request('GET', '/recordings/stored')).body).toEqual(
      expect.arrayContaining([{ name: 'h-mixed', format: 'wav' }, { name: 'h-customer', format: 'wav' }]),
    );
    await ari.request('DELETE', '/channels/agent-h');
    await ari.waitFor(destroyed('agent-h'));
    await ari.request('DELETE', `/bridges/${bridgeId}`);
  });

  it('playbacks on a channel play in turn; one still speaking number: or digits: cannot be stopped (500), a sound: one can (204)', async () => {
    server.pbx.script('+15551030601', farEnd.human({ ringMs: 1000 }));
    await originate('cust-pb', 'PJSIP/+15551030601@carrier', { appArgs: 'customer' });
    await ari.waitFor(stasisStarted('cust-pb'));
    // Each must still be speaking when its stop arrives: at this test's time scale a prompt lasts 15 ms, which a loaded machine outruns.
    server.pbx.mediaLasts('number:', 200_000);
    server.pbx.mediaLasts('sound:tt-monkeys', 200_000);
    await ari.request('POST', '/channels/cust-pb/play', { media: 'number:128,sound:vm-goodbye', playbackId: 'pb-number' });
    await ari.request('POST', '/channels/cust-pb/play', { media: 'sound:tt-monkeys,digits:42', playbackId: 'pb-sound' });
    await ari.waitFor((e) => e.type === 'PlaybackStarted' && (e['playback'] as { id: string }).id === 'pb-number');
    // res_stasis_playback.c: not controllable until a sound: media has started; resource_playbacks.c answers 500.
    expect(await ari.request('DELETE', '/playbacks/pb-number')).toEqual({ status: 500, body: { message: 'Could not stop playback' } });
    await ari.waitFor((e) => e.type === 'PlaybackStarted' && (e['playback'] as { id: string }).id === 'pb-sound');
    expect((await ari.request('DELETE', '/playbacks/pb-sound')).status).toBe(204);
    await ari.waitFor((e) => e.type === 'PlaybackFinished' && (e['playback'] as { id: string }).id === 'pb-sound');
    const playback = (e: AriEvent) => e['playback'] as { id: string; media_uri: string } | undefined;
    const seen = ari.events.filter((e) => ['pb-number', 'pb-sound'].includes(playback(e)?.id ?? '')).map((e) => `${e.type} ${playback(e)!.id} ${playback(e)!.media_uri}`);
    expect(seen).toEqual([
      'PlaybackStarted pb-number number:128',
      'PlaybackContinuing pb-number number:128',
      'PlaybackStarted pb-number sound:vm-goodbye',
      'PlaybackFinished pb-number sound:vm-goodbye',
      'PlaybackStarted pb-sound sound:tt-monkeys',
      'PlaybackFinished pb-sound sound:tt-monkeys',
    ]);
    await ari.request('DELETE', '/channels/cust-pb');
    await ari.waitFor(destroyed('cust-pb'));
    server.pbx.mediaLasts('number:', undefined);
    server.pbx.mediaLasts('sound:tt-monkeys', undefined);
  });

  it('a snoop is recorded only once in Stasis: before its StasisStart the record request is refused (409)', async () => {
    server.pbx.script('+15551030602', farEnd.human({ ringMs: 1000 }));
    await originate('cust-sn', 'PJSIP/+15551030602@carrier', { appArgs: 'customer' });
    await ari.waitFor(stasisStarted('cust-sn'));
    server.pbx.delaySnoopStasis(20_000);
    try {
      await ari.request('POST', '/channels/cust-sn/snoop', { spy: 'in', app: APP, appArgs: 'snoop,customer', snoopId: 'snoop-sn' });
      expect(await ari.request('POST', '/channels/snoop-sn/record', { name: 'sn-customer', format: 'wav' })).toEqual({
        status: 409,
        body: { message: 'Channel not in Stasis application' },
      });
      await ari.waitFor(stasisStarted('snoop-sn'));
      expect((await ari.request('POST', '/channels/snoop-sn/record', { name: 'sn-customer', format: 'wav' })).status).toBe(201);
    } finally {
      server.pbx.delaySnoopStasis(0);
    }
    await ari.request('DELETE', '/channels/cust-sn');
    await ari.waitFor(destroyed('cust-sn'));
  });

  it('refusals carry Asterisk status codes and messages', async () => {
    expect(await ari.request('POST', '/channels', { endpoint: 'PJSIP/agent99', app: APP })).toEqual({
      status: 500,
      body: { message: 'Allocation failed' },
    });
    expect(await ari.request('GET', '/channels/nope')).toEqual({ status: 404, body: { message: 'Channel not found' } });
    expect((await ari.request('POST', '/channels', { app: APP })).status).toBe(400);
    server.pbx.failNextOriginate(500, 'Allocation failed');
    expect((await ari.request('POST', '/channels', { endpoint: 'PJSIP/1@carrier', app: APP })).status).toBe(500);
    const res = await fetch(`${server.url}/ari/channels`);
    expect(res.status).toBe(401);
  });
});

describe('every event the server emitted', () => {
  it('matches its model in events.json (required fields, types, nested Channel/Bridge/LiveRecording/Playback)', () => {
    const types = new Set(server.emitted.map((e) => e.event['type']));
    for (const t of ['Dial', 'StasisStart', 'StasisEnd', 'ChannelDestroyed', 'ChannelHangupRequest', 'ChannelDialplan', 'ChannelVarset', 'ChannelEnteredBridge', 'ChannelLeftBridge', 'BridgeDestroyed', 'RecordingStarted', 'RecordingFinished', 'PlaybackStarted', 'PlaybackFinished', 'ChannelTalkingStarted', 'ChannelTalkingFinished']) {
      expect(types, `no ${t} was emitted, so it was not checked`).toContain(t);
    }
    const problems = server.emitted.flatMap(({ event }) => eventProblems(event));
    expect(problems).toEqual([]);
  });

  it('the model check itself rejects a malformed event', () => {
    const dial = server.emitted.find((e) => e.event['type'] === 'Dial')!.event;
    const { dialstatus: _dropped, ...withoutStatus } = dial;
    expect(eventProblems(withoutStatus)).toEqual(['Dial.dialstatus: required by Dial but missing']);
    expect(eventProblems({ ...dial, peer: { ...(dial['peer'] as object), creationtime: 'yesterday' } })[0]).toMatch(/^Dial\.peer\.creationtime/);
    expect(eventProblems({ ...dial, timestamp: undefined })).toEqual(['Dial.timestamp: required by Dial but missing']);
  });
});
