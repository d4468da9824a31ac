/**
 * Two ways to record every leg of a bridged call on the real PBX lab, weighed
 * on the same calls (issue 13 item 6):
 *
 * - snoops (what outpace does): a snoop channel on the customer and one on the
 *   agent, each recorded once it is in the Stasis application, and the
 *   agent's bridge recorded for the mix: four channels a call;
 * - MixMonitor over AMI on the customer's channel: `r()` the customer's
 *   voice, `t()` what the customer hears (the agent), and the mix, from one
 *   channel: two channels a call.
 *
 * For each, CALLS calls at once (lab agents 1..CALLS, carrier people who never
 * hang up), held HOLD seconds, then hung up. Measured: recordings made out of
 * three a call (a file with sound; the agent leg at that agent's tone),
 * channels a call while recording, and the PBX's CPU a call.
 *
 *   npm run pbx:up && node --import tsx bench/recording-methods.ts [--calls 12] [--hold 20] [--rounds 2]
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { carrierNumber } from '../test/pbx/carrier-scheme.js';
import { labEnvOrExplain, labProcessCpuSec } from '../test/pbx/lab-env.js';
import { soundOf, toneOfAgent } from '../test/pbx/sound.js';

const { values } = parseArgs({ options: { calls: { type: 'string' }, hold: { type: 'string' }, rounds: { type: 'string' } } });
const CALLS = Number(values.calls ?? 12);
const HOLD_SEC = Number(values.hold ?? 20);
const ROUNDS = Number(values.rounds ?? 2);
const env = labEnvOrExplain();
const APP = `recbench-${randomBytes(3).toString('hex')}`;
const recordings = env['OUTPACE_LAB_RECORDINGS']!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

// ---- ARI ------------------------------------------------------------------------------
const auth = `Basic ${Buffer.from(`${env['ARI_USERNAME']}:${env['ARI_PASSWORD']}`).toString('base64')}`;
async function ari<T = unknown>(method: string, path: string, query: Record<string, string> = {}): Promise<T> {
  const url = new URL(`${env['ARI_URL']}/ari${path}`);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  const res = await fetch(url, { method, headers: { authorization: auth } });
  if (!res.ok) throw new Error(`${method} ${url.pathname}${url.search}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

const inStasis = new Set<string>();
const waiters = new Map<string, () => void>();
const events = new URL(`${env['ARI_URL']!.replace(/^http/, 'ws')}/ari/events`);
events.searchParams.set('api_key', `${env['ARI_USERNAME']}:${env['ARI_PASSWORD']}`);
events.searchParams.set('app', APP);
const socket = new WebSocket(events);
await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
socket.on('message', (data) => {
  const e = JSON.parse(String(data)) as { type: string; channel?: { id: string } };
  if (e.type === 'StasisStart' && e.channel) {
    inStasis.add(e.channel.id);
    waiters.get(e.channel.id)?.();
  }
});
/** Resolves once the channel is in the application (answered, or a snoop ready to record). */
function stasisStart(channelId: string): Promise<void> {
  if (inStasis.has(channelId)) return Promise.resolve();
  return new Promise((resolve) => waiters.set(channelId, resolve));
}

// ---- AMI, for MixMonitor: three actions, written as the protocol's lines ---------------
const [amiUser, amiSecret, amiHost, amiPort] = /^([^:]+):([^@]+)@([^:]+):(\d+)$/.exec(env['OUTPACE_LAB_AMI'] ?? '')!.slice(1);
const ami = connect(Number(amiPort), amiHost!);
await new Promise((resolve) => ami.once('connect', resolve));
let amiReplies = '';
ami.on('data', (d) => (amiReplies += String(d)));
let actions = 0;
async function amiAction(fields: Record<string, string>): Promise<void> {
  const id = `a${++actions}`;
  ami.write(`${Object.entries({ ...fields, ActionID: id }).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
  for (let i = 0; i < 100 && !amiReplies.includes(`ActionID: ${id}`); i++) await sleep(20);
  const reply = amiReplies.split('\r\n\r\n').find((block) => block.includes(`ActionID: ${id}`)) ?? '';
  if (!reply.includes('Response: Success')) throw new Error(`AMI ${fields['Action']} failed: ${reply || 'no answer'}`);
}
await amiAction({ Action: 'Login', Username: amiUser!, Secret: amiSecret! });

// ---- one round of calls ----------------------------------------------------------------------
type Method = 'snoops' | 'mixmonitor';

interface Call {
  readonly customer: string;
  readonly agent: string;
  readonly agentN: number;
  readonly bridge: string;
  readonly name: string;
  customerChannelName?: string;
}

async function setUp(tag: string, i: number): Promise<Call> {
  const agentN = i + 1;
  // Fixed width: Asterisk refuses a channel id that begins another live channel's ("c1" while "c10" is up).
  const n = String(i).padStart(3, '0');
  const call: Call = {
    customer: `${tag}-c${n}`,
    agent: `${tag}-a${n}`,
    agentN,
    bridge: `${tag}-b${n}`,
    name: `${tag}-${n}`,
  };
  const number = carrierNumber({ kind: 'person', ringSec: 1, talkSec: 0 }, 200 + i);
  await ari('POST', '/channels', { endpoint: `PJSIP/agent${agentN}`, app: APP, channelId: call.agent });
  const customer = await ari<{ name: string }>('POST', '/channels', { endpoint: `PJSIP/${number}@carrier`, app: APP, channelId: call.customer });
  call.customerChannelName = customer.name;
  await Promise.all([stasisStart(call.agent), stasisStart(call.customer)]);
  await ari('POST', '/bridges', { type: 'mixing', bridgeId: call.bridge });
  await ari('POST', `/bridges/${call.bridge}/addChannel`, { channel: `${call.customer},${call.agent}` });
  return call;
}

async function record(method: Method, call: Call): Promise<void> {
  if (method === 'mixmonitor') {
    const file = (leg: string) => join(recordings, `${call.name}-${leg}.wav`);
    await amiAction({
      Action: 'MixMonitor',
      Channel: call.customerChannelName!,
      File: file('mixed'),
      Options: `r(${file('customer')})t(${file('agent')})`,
    });
    return;
  }
  // As outpace does: each snoop recorded once it is in the application (recording it before fails: "Channel not in Stasis application").
  const snoop = async (channel: string, leg: string) => {
    const snoopId = `${call.name}-snoop-${leg}`;
    await ari('POST', `/channels/${channel}/snoop`, { spy: 'in', app: APP, snoopId });
    await stasisStart(snoopId);
    await ari('POST', `/channels/${snoopId}/record`, { name: `${call.name}-${leg}`, format: 'wav', ifExists: 'overwrite' });
  };
  await Promise.all([
    snoop(call.customer, 'customer'),
    snoop(call.agent, 'agent'),
    ari('POST', `/bridges/${call.bridge}/record`, { name: `${call.name}-mixed`, format: 'wav', ifExists: 'overwrite' }),
  ]);
}

async function tearDown(call: Call): Promise<void> {
  for (const id of [call.customer, call.agent]) await ari('DELETE', `/channels/${id}`).catch(() => undefined);
  await ari('DELETE', `/bridges/${call.bridge}`).catch(() => undefined);
}

async function runRound(method: Method, round: number) {
  const tag = `${APP}-${method}-${round}-${randomBytes(2).toString("hex")}`;
  const calls = await Promise.all(Array.from({ length: CALLS }, (_, i) => setUp(tag, i)));
  const failedToStart: string[] = [];
  await Promise.all(calls.map((c) => record(method, c).catch((err: Error) => failedToStart.push(`${c.name}: ${err.message}`))));
  await sleep(1000);
  const channels = (await ari<{ id: string }[]>('GET', '/channels')).filter((c) => c.id.startsWith(tag)).length;
  const cpuBefore = labProcessCpuSec('pbx');
  const t0 = performance.now();
  await sleep(HOLD_SEC * 1000);
  const cpuPct = (100 * (labProcessCpuSec('pbx') - cpuBefore)) / ((performance.now() - t0) / 1000);
  await Promise.all(calls.map(tearDown));
  await sleep(2000);
  const lost: string[] = [...failedToStart];
  for (const c of calls) {
    for (const leg of ['customer', 'agent', 'mixed']) {
      const file = join(recordings, `${c.name}-${leg}.wav`);
      if (!existsSync(file)) {
        lost.push(`${c.name}-${leg}: no file`);
        continue;
      }
      const sound = await soundOf(file);
      if (!(sound.seconds > HOLD_SEC / 2 && sound.rms > 0.01)) lost.push(`${c.name}-${leg}: ${sound.seconds} s at rms ${sound.rms}`);
      else if (leg === 'agent' && Math.abs(sound.frequency - toneOfAgent(c.agentN)) > 20) lost.push(`${c.name}-agent: ${sound.frequency} Hz`);
    }
  }
  return { method, round, calls: CALLS, recordingsMade: CALLS * 3 - lost.length, lost, channelsPerCall: round2(channels / CALLS), pbxCpuPct: round2(cpuPct), pbxCpuPctPerCall: round2(cpuPct / CALLS) };
}
const round2 = (x: number) => round(x, 2);

const rows: Awaited<ReturnType<typeof runRound>>[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  for (const method of ['snoops', 'mixmonitor'] as const) {
    const row = await runRound(method, r);
    console.log(JSON.stringify(row));
    rows.push(row);
  }
}
socket.close();
ami.end('Action: Logoff\r\n\r\n');

const summary = (['snoops', 'mixmonitor'] as const).map((method) => {
  const mine = rows.filter((r) => r.method === method);
  const mean = (f: (r: (typeof mine)[number]) => number) => round2(mine.reduce((a, r) => a + f(r), 0) / mine.length);
  return {
    method,
    recordings: `${mine.reduce((a, r) => a + r.recordingsMade, 0)} of ${mine.reduce((a, r) => a + r.calls * 3, 0)}`,
    channelsPerCall: mean((r) => r.channelsPerCall),
    pbxCpuPctPerCall: mean((r) => r.pbxCpuPctPerCall),
  };
});
const table = [
  '| method | recordings with sound | channels a call | PBX CPU % of a core a call |',
  '|---|---|---|---|',
  ...summary.map((s) => `| ${s.method} | ${s.recordings} | ${s.channelsPerCall} | ${s.pbxCpuPctPerCall} |`),
].join('\n');
const out = fileURLToPath(new URL('./results/', import.meta.url));
await mkdir(out, { recursive: true });
await writeFile(join(out, 'recording-methods.json'), `${JSON.stringify({ measuredAt: new Date().toISOString(), calls: CALLS, holdSec: HOLD_SEC, rows, summary }, null, 2)}\n`);
await writeFile(
  join(out, 'recording-methods.md'),
  `# Recording every leg on the real PBX: snoops or MixMonitor\n\n${CALLS} bridged calls at once, held ${HOLD_SEC} s, ${ROUNDS} rounds each, measured ${new Date().toISOString()} (\`node --import tsx bench/recording-methods.ts\`).\n\n${table}\n`,
);
console.log(table);
process.exit(0);
