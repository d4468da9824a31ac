/**
 * How long a broadcast key takes to act, by what is playing when it comes:
 * a recorded prompt, or an amount being spoken. Calls run through the ARI
 * adapter to the ARI test server (which refuses, as Asterisk 22 does, to stop
 * a playback that has spoken only number: or digits: media); a key 2 is
 * pressed during the prompt or the amount (in outpace's number words, and as
 * Asterisk's number: media as outpace spoke it before), and the time from the key
 * (ChannelDtmfReceived) to the replay's first PlaybackStarted is measured
 * from the server's own event log. Each number word lasts 500 ms (real), a
 * prompt 1 s, so the key surely falls inside what it is aimed at.
 *
 *   node --import tsx bench/key-effect.ts [--calls 20]
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AttemptId, CampaignId, E164, LeadId, TrunkId } from '../src/domain/ids.js';
import { wallClockScheduler } from '../src/engine/scheduler.js';
import { BroadcastCalls } from '../src/ivr/broadcast-calls.js';
import { parseBroadcastMessage } from '../src/ivr/message.js';
import { type RenderedMessage, renderMessage } from '../src/ivr/render.js';
import { AriTelephony } from '../src/telephony/ari/ari-telephony.js';
import { loadAriConfig } from '../src/telephony/ari/config.js';
import { farEnd } from '../test/ari-server/call-script.js';
import { AriTestServer } from '../test/ari-server/server.js';

const { values } = parseArgs({ options: { calls: { type: 'string' } } });
const CALLS = Number(values.calls ?? 20);
const message = parseBroadcastMessage(
  JSON.stringify({ promptSet: 'bill-reminder', parts: [{ prompt: 'intro' }, { say: 'money', field: 'amount' }, { prompt: 'menu' }], menu: { maxPlays: 2 } }),
);

const server = await AriTestServer.start({ timeScale: 0.01, promptMs: 100_000, keepLog: true });
server.pbx.mediaLasts('sound:outpace/numbers/', 50_000);
server.pbx.mediaLasts('number:', 50_000);
const telephony = await AriTelephony.connect({
  config: loadAriConfig({
    ARI_URL: server.url,
    ARI_USERNAME: server.credentials.username,
    ARI_PASSWORD: server.credentials.password,
    ARI_APP: 'outpace-key-effect',
    ARI_TRUNK_ENDPOINT: 'PJSIP/{number}@{trunk}',
    OUTPACE_ENGINE_ID: 'ke',
  }),
  logger: pino({ level: 'silent' }),
});
const ended = new Map<string, () => void>();
const calls = new BroadcastCalls({
  telephony,
  ivr: telephony,
  scheduler: wallClockScheduler,
  desk: {
    requestAgent: () => () => undefined,
    optOut: async () => undefined,
    scheduleCallback: async () => undefined,
    countAbandon: () => undefined,
    finished: (call) => ended.get(call.attemptId)?.(),
    failed: () => undefined,
  },
});

const at = (e: Record<string, unknown>) => Date.parse(String(e['timestamp']).replace(/(\d{2})(\d{2})$/, '$1:$2'));
const about = (channelId: string) =>
  server.emitted.map((e) => e.event).filter((e) => JSON.stringify(e).includes(channelId));

async function waitFor(what: string, probe: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One call of `spoken`; key 2 during `aim` (a media URI); the key's effect in ms. */
async function keyDuring(n: number, spoken: RenderedMessage, aim: string): Promise<number> {
  const number = E164(`+1555700${String(n).padStart(4, '0')}`);
  server.pbx.script(number, farEnd.human({ ringMs: 500 }));
  const attemptId = AttemptId(`ke${n}`);
  const channelId = `ke-c-${attemptId}`;
  const done = new Promise<void>((resolve) => ended.set(attemptId, resolve));
  calls.track({ attemptId, leadId: LeadId(`l${n}`), campaignId: CampaignId('ke'), number }, message, spoken, 'hangup');
  telephony.originate({ attemptId, campaignId: CampaignId('ke'), leadId: LeadId(`l${n}`), number, callerId: '+12025550100', trunk: TrunkId('carrier'), ringTimeoutSec: 25, machineDetection: false });
  await waitFor(`${aim} playing`, () => server.pbx.playbacksOn(channelId).some((pb) => pb.mediaUri === aim && pb.state === 'playing'));
  server.pbx.pressKey(channelId, '2');
  await waitFor('the replay', () => about(channelId).some((e) => e['type'] === 'ChannelDtmfReceived') && replayStart(channelId) !== undefined);
  const events = about(channelId);
  const key = events.find((e) => e['type'] === 'ChannelDtmfReceived')!;
  const effect = replayStart(channelId)!;
  telephony.hangup(attemptId);
  await done;
  return at(effect) - at(key);
}

/** The intro's second playback (not a repeated event of the first): the replay the key asked for. */
function replayStart(channelId: string): Record<string, unknown> | undefined {
  const intros = about(channelId).filter(
    (e) => e['type'] === 'PlaybackStarted' && (e['playback'] as { media_uri: string }).media_uri === 'sound:outpace/bill-reminder/en/intro',
  );
  const first = (intros[0]?.['playback'] as { id: string } | undefined)?.id;
  return intros.find((e) => (e['playback'] as { id: string }).id !== first);
}

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const rendered = renderMessage(message, { amount: '128.50' });
// As outpace spoke amounts before its own number words: Asterisk's number: media, which cannot be stopped.
const before: RenderedMessage = { ...rendered, parts: [rendered.parts[0]!, ['number:128', rendered.parts[1]![4]!, 'number:50', rendered.parts[1]![6]!], rendered.parts[2]!] };
const cases = [
  ['a recorded prompt (sound:)', rendered, 'sound:outpace/bill-reminder/en/intro'],
  ["an amount in outpace's number words (sound:)", rendered, rendered.parts[1]![0]!],
  ["an amount as Asterisk's number: media (before)", before, 'number:128'],
] as const;
let n = 0;
for (const [label, spoken, aim] of cases) {
  const ms: number[] = [];
  for (let i = 0; i < CALLS; i++) ms.push(await keyDuring(++n, spoken, aim));
  console.log(`key during ${label}: ${CALLS} calls, key to replay p50 ${quantile(ms, 0.5)} ms, max ${Math.max(...ms)} ms`);
}
calls.close();
telephony.close();
await server.close();
