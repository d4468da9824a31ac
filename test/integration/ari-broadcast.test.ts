/**
 * Broadcast calls through the ARI adapter and the ARI test server: the
 * message with the lead's values, the keys (DTMF as ChannelDtmfReceived),
 * agents, callbacks and the do-not-call list in storage.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { claimLeads } from '../../src/campaigns/hopper/claim.js';
import { explainHopper } from '../../src/campaigns/hopper/explain.js';
import { AgentId, AttemptId, CampaignId, type E164, TrunkId } from '../../src/domain/ids.js';
import { HOUR, SECOND } from '../../src/domain/time.js';
import { wallClockScheduler } from '../../src/engine/scheduler.js';
import { type BroadcastCall, BroadcastCalls } from '../../src/ivr/broadcast-calls.js';
import { type BroadcastMessage, parseBroadcastMessage } from '../../src/ivr/message.js';
import type { BroadcastResult } from '../../src/ivr/outcome.js';
import { renderMessage } from '../../src/ivr/render.js';
import { numberMedia } from '../../src/ivr/spoken-numbers.js';
import { storageDesk } from '../../src/ivr/storage-desk.js';
import type { Db } from '../../src/storage/db.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { TelephonyEvent } from '../../src/telephony/port.js';
import { eventProblems } from '../ari-server/event-models.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { type TelephonyLab, testServerLab } from './telephony-lab.js';

const AGENTS = CampaignId('agents');
/** outpace's own English number words as media. */
const n = (...words: string[]) => words.map((w) => numberMedia('en', w));
const lead = { amount: '128.50', dueDate: '2026-12-05' };

function message(menu: Record<string, unknown> = {}): BroadcastMessage {
  return parseBroadcastMessage(
    JSON.stringify({
      promptSet: 'bill-reminder',
      parts: [{ prompt: 'intro' }, { say: 'money', field: 'amount' }, { prompt: 'due-on' }, { say: 'date', field: 'dueDate' }, { prompt: 'menu' }],
      menu: { agentCampaignId: AGENTS, keyTimeoutSec: 1, maxPlays: 1, agentWaitSec: 0.5, ...menu },
    }),
  );
}

async function until<T>(what: string, probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const [database] = await testDatabases();

describe('broadcast calls over ARI', () => {
  let lab: TelephonyLab;
  let telephony: AriTelephony;
  let broadcasts: BroadcastCalls;
  let db: Db;
  let campaign: Campaign;
  const results = new Map<string, BroadcastResult>();
  const abandons: string[] = [];
  const callbacks: string[] = [];
  const events: TelephonyEvent[] = [];
  let freeAgent: AgentId | undefined;
  let attempts = 0;

  beforeAll(async () => {
    db = await database!.open();
    lab = await testServerLab();
    telephony = await AriTelephony.connect({ config: lab.config('bc'), logger: pino({ level: 'silent' }) });
    telephony.subscribe((e) => events.push(e));
    broadcasts = new BroadcastCalls({
      telephony,
      ivr: telephony,
      scheduler: wallClockScheduler,
      desk: {
        ...storageDesk({ db, clock: wallClockScheduler, engineId: 'bc', agentCampaignId: AGENTS, callbackAfterMs: HOUR }),
        // The handover to the agent campaign in storage is broadcast-runner.test.ts's: these calls have no attempt rows.
        scheduleCallback: async (call) => void callbacks.push(call.attemptId),
        requestAgent: (_call, _campaign, give) => {
          if (freeAgent) give(freeAgent);
          return () => undefined;
        },
        countAbandon: (campaignId, call) => abandons.push(`${campaignId}:${call.attemptId}`),
        finished: (call, result) => results.set(call.attemptId, result),
        failed: (_call, what, err) => {
          throw new Error(`${what}: ${String(err)}`);
        },
      },
    });
  });
  afterAll(async () => {
    broadcasts.close();
    telephony.close();
    await lab.close();
    await db.close();
  });
  beforeEach(async () => {
    await emptyTables(db);
    campaign = await makeCampaign(db, { type: 'broadcast' });
    freeAgent = undefined;
  });

  /** Dials a human (or `machine`) far end with the broadcast; returns the attempt and its channel. */
  async function dial(o: { machine?: boolean; menu?: Record<string, unknown>; number?: E164; leadId?: string } = {}) {
    const number = o.number ?? lab.numberFor(o.machine ? { kind: 'machine', ringMs: 500, greetingMs: 20_000, talkMs: 6_000_000 } : { kind: 'human', ringMs: 500 });
    const attemptId = AttemptId(`b${++attempts}`);
    const call: BroadcastCall = { attemptId, leadId: (o.leadId ?? 'no-lead') as BroadcastCall['leadId'], campaignId: campaign.id, number };
    const m = message(o.menu);
    broadcasts.track(call, m, renderMessage(m, lead), 'leave-message');
    telephony.originate({
      attemptId,
      campaignId: campaign.id,
      leadId: call.leadId,
      number,
      callerId: '+12025550100',
      trunk: TrunkId('carrier'),
      ringTimeoutSec: 25,
      machineDetection: o.machine ?? false,
    });
    return { attemptId, channelId: `bc-c-${attemptId}` };
  }
  const resultOf = (attemptId: string) => until(`the result of ${attemptId}`, () => results.get(attemptId));
  /** The media of each IVR play request on the channel, in order. */
  const plays = (channelId: string) =>
    lab.server!.requests
      .filter((r) => r.startsWith(`POST /ari/channels/${channelId}/play?`))
      .map((r) => new URL(`http://x${r.split(' ')[1]}`).searchParams)
      .map((q) => ({ media: q.get('media')!.split(','), lang: q.get('lang') }));
  /** Presses `digit` once the playback of `mediaUri` is under way on the channel. */
  async function pressDuring(channelId: string, mediaUri: string, digit: string) {
    await until(`${mediaUri} playing`, () => lab.server!.pbx.playbacksOn(channelId).some((pb) => pb.mediaUri === mediaUri && pb.state === 'playing'));
    lab.server!.pbx.pressKey(channelId, digit);
  }

  it('plays the message in order with the lead values, then says goodbye and hangs up', async () => {
    const { attemptId, channelId } = await dial();
    expect(await resultOf(attemptId)).toEqual({ outcome: 'heard', partsHeard: 5, partsTotal: 5, plays: 1, keys: [] });
    expect(plays(channelId)).toEqual([
      { media: ['sound:outpace/bill-reminder/en/intro'], lang: 'en' },
      { media: [...n('1', 'hundred', '20', '8'), 'sound:outpace/bill-reminder/en/currency-major', ...n('50'), 'sound:outpace/bill-reminder/en/currency-minor'], lang: 'en' },
      { media: ['sound:outpace/bill-reminder/en/due-on'], lang: 'en' },
      { media: ['sound:outpace/bill-reminder/en/month-12', ...n('5')], lang: 'en' },
      { media: ['sound:outpace/bill-reminder/en/menu'], lang: 'en' },
      { media: ['sound:outpace/bill-reminder/en/goodbye'], lang: 'en' },
    ]);
    await until('the end of the call', () => events.find((e) => e.type === 'call.ended' && e.attemptId === attemptId));
  });

  it('1 cuts the message and reaches a free agent', async () => {
    telephony.loginAgent(AgentId('a1'), lab.agentEndpoint(1));
    await until('the agent leg', () => events.find((e) => e.type === 'agent.leg-up' && e.agentId === 'a1'));
    freeAgent = AgentId('a1');
    const { attemptId, channelId } = await dial();
    await pressDuring(channelId, 'sound:outpace/bill-reminder/en/due-on', '1');
    expect(await resultOf(attemptId)).toMatchObject({ outcome: 'transferred', keys: ['1'] });
    expect(events).toContainEqual(expect.objectContaining({ type: 'call.connected', attemptId, agentId: 'a1' }));
    // The message stopped where the key came: the menu prompt was never played.
    expect(plays(channelId).map((p) => p.media[0])).not.toContain('sound:outpace/bill-reminder/en/menu');
    telephony.hangup(attemptId);
    telephony.logoutAgent(AgentId('a1'));
  });

  it('1 with no agent free in time: the busy prompt, a callback, and an abandon of the agent campaign', async () => {
    const { attemptId, channelId } = await dial();
    await pressDuring(channelId, 'sound:outpace/bill-reminder/en/menu', '1');
    expect(await resultOf(attemptId)).toMatchObject({ outcome: 'callback-scheduled', keys: ['1'] });
    expect(plays(channelId).at(-1)!.media).toEqual(['sound:outpace/bill-reminder/en/busy-callback']);
    expect(abandons).toContain(`agents:${attemptId}`);
    expect(callbacks).toContain(attemptId);
  });

  it('a key pressed while an amount is spoken takes effect at once: the amount stops, the replay starts', async () => {
    // Number words that last 1 s (real): the key comes while the amount's first is spoken, however loaded the machine.
    lab.server!.pbx.mediaLasts('sound:outpace/numbers/', 100_000);
    const { attemptId, channelId } = await dial({ menu: { maxPlays: 2 } });
    try {
      // The amount's first word: Asterisk cannot stop a playback that has only spoken number: or digits: media.
      await pressDuring(channelId, n('1')[0]!, '2');
      await until('the replay', () => plays(channelId).length >= 3);
    } finally {
      lab.server!.pbx.mediaLasts('sound:outpace/numbers/', undefined);
    }
    expect(await resultOf(attemptId)).toMatchObject({ plays: 2, keys: ['2'] });
    // Each once, as the engine hears it: the application also hears the trunk's endpoint, so Asterisk sends every event twice.
    const amount = [...new Set(lab.server!.emitted.map((e) => JSON.stringify(e.event)))]
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .filter((e) => e['type'] === 'PlaybackStarted' && String((e['playback'] as { target_uri?: string }).target_uri) === `channel:${channelId}`)
      .map((e) => e['playback'] as { id: string; media_uri: string });
    const amountPlayback = amount.find((pb) => pb.media_uri === n('1')[0])!.id;
    // Stopped where the key came (204): none of the amount's other words was spoken, and the replay followed it.
    expect(lab.server!.requests).toContainEqual(`DELETE /ari/playbacks/${amountPlayback} -> 204`);
    expect(amount.filter((pb) => pb.id === amountPlayback).map((pb) => pb.media_uri)).toEqual([n('1')[0]]);
    const after = amount.slice(amount.findIndex((pb) => pb.id === amountPlayback) + 1);
    expect(after[0]?.media_uri).toBe('sound:outpace/bill-reminder/en/intro');
  });

  it('2 plays the message again', async () => {
    const { attemptId, channelId } = await dial({ menu: { maxPlays: 2 } });
    await until('the menu', () => results.has(attemptId) || plays(channelId).length >= 5);
    await pressDuring(channelId, 'sound:outpace/bill-reminder/en/menu', '2');
    expect(await resultOf(attemptId)).toMatchObject({ outcome: 'heard', plays: 2, keys: ['2'] });
    const media = plays(channelId).map((p) => p.media[0]);
    expect(media.filter((m) => m === 'sound:outpace/bill-reminder/en/intro')).toHaveLength(2);
  });

  it('9 opts out: acknowledged, on the do-not-call list, and never dialed again by any campaign', async () => {
    const phone = '+12025550199';
    const leads = await addLeads(db, campaign, [{ phone }]);
    // The same customer on another broadcast campaign's list: dialable until the opt-out.
    const other = await makeCampaign(db, { type: 'broadcast' });
    await addLeads(db, other, [{ phone }]);
    const now = MONDAY_8AM_NEW_YORK + 2 * HOUR;
    expect((await explainHopper(db, other, now)).eligibleNow).toBe(1);

    lab.server!.pbx.script(phone, { kind: 'answers', ringMs: 500, detection: { status: 'HUMAN', cause: 'HUMAN-803-800', afterMs: 800 } });
    const { attemptId, channelId } = await dial({ number: phone as E164, leadId: leads.get(phone)! });
    await pressDuring(channelId, 'sound:outpace/bill-reminder/en/intro', '9');
    expect(await resultOf(attemptId)).toMatchObject({ outcome: 'opted-out', keys: ['9'] });
    expect(plays(channelId).at(-1)!.media).toEqual(['sound:outpace/bill-reminder/en/opt-out']);

    for (const c of [campaign, other]) {
      expect(await claimLeads(db, { campaign: c, engineId: 'bc', count: 1, leaseMs: 30 * SECOND, now })).toEqual([]);
      expect((await explainHopper(db, c, now)).heldBack['do-not-call']).toBe(1);
    }
  });

  it('a machine gets the whole message once its greeting and beep are over', async () => {
    const { attemptId, channelId } = await dial({ machine: true });
    expect(await resultOf(attemptId)).toMatchObject({ outcome: 'machine-message-left', partsHeard: 5 });
    const emitted = lab.server!.emitted.map((e) => e.event).filter((e) => (e['channel'] as { id?: string } | undefined)?.id === channelId || (e['playback'] as { target_uri?: string } | undefined)?.target_uri === `channel:${channelId}`);
    const silent = emitted.findIndex((e) => e['type'] === 'ChannelTalkingFinished');
    const firstPlay = emitted.findIndex((e) => e['type'] === 'PlaybackStarted');
    expect(silent).toBeGreaterThan(-1);
    expect(firstPlay).toBeGreaterThan(silent);
    expect(plays(channelId)).toHaveLength(5);
  });

  it('a hang-up mid-message is recorded as partly heard, with how far', async () => {
    const { attemptId, channelId } = await dial();
    await until('the date playing', () => lab.server!.pbx.playbacksOn(channelId).some((pb) => pb.mediaUri === 'sound:outpace/bill-reminder/en/month-12' && pb.state === 'playing'));
    lab.server!.pbx.farEndHangsUp(channelId);
    expect(await resultOf(attemptId)).toEqual({ outcome: 'partly-heard', partsHeard: 3, partsTotal: 5, plays: 1, keys: [] });
  });

  it('every event the IVR calls made the server emit matches the models of events.json', () => {
    const types = new Set(lab.server!.emitted.map(({ event }) => event['type']));
    for (const t of ['ChannelDtmfReceived', 'PlaybackStarted', 'PlaybackFinished', 'ChannelTalkingFinished']) expect(types).toContain(t);
    expect(lab.server!.emitted.flatMap(({ event }) => eventProblems(event))).toEqual([]);
  });
});
