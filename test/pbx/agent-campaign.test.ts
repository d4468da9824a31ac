/**
 * A whole agent campaign on the real PBX, started as a user starts it:
 * `outpace run` on PostgreSQL and Redis, a predictive campaign with machine
 * detection over about 70 leads spread across the carrier's outcomes, five
 * agents on the lab's softphones logged in over the agent socket, each
 * dispositioning every call. Checked against what Asterisk and the carrier
 * did, not against what outpace says it did. The engine fetches recordings
 * over ARI into a store of its own, as where it does not share Asterisk's
 * disk; the catalogue is checked against Asterisk's own files.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { createApiKey } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { listRecordings } from '../../src/recordings/catalogue.js';
import type { Db } from '../../src/storage/db.js';
import { AgentClient, type Message } from '../support/agent-client.js';
import { addLeads, makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { type CarrierFarEnd, carrierNumber, expectedOutcome, farEndOf } from './carrier-scheme.js';
import { AriObserver, type AriEvent, at, carrierLog, EngineProcess, freshDatabase, lab, labAgent, leftOnPbx, clearPbx } from './support.js';
import { soundOf, toneOfAgent } from './sound.js';

const ENGINE = `pbx-campaign-${Date.now().toString(36)}`;
const AGENTS = 5;
const DEADLINE_SEC = 2;

/** The leads: what a day's list meets, in proportions a little richer in people than a real list. */
function farEnds(): CarrierFarEnd[] {
  const list: CarrierFarEnd[] = [];
  const add = (n: number, make: (i: number) => CarrierFarEnd) => list.push(...Array.from({ length: n }, (_, i) => make(i)));
  add(28, (i) => ({ kind: 'person', ringSec: 2 + (i % 6), talkSec: 6 + ((i * 7) % 10) }));
  add(9, (i) => ({ kind: 'machine', ringSec: 2 + (i % 4), recordSec: 12 }));
  add(3, () => ({ kind: 'dead-air', ringSec: 2, forSec: 10 }));
  add(6, (i) => ({ kind: 'no-answer', ringSec: 4 + (i % 6) }));
  add(5, (i) => ({ kind: 'busy', ringSec: i % 3 }));
  for (const failure of ['congestion', 'unallocated', 'out-of-order', 'rejected', 'invalid-format', 'network-out-of-order'] as const) {
    add(2, () => ({ kind: 'failure', failure }));
  }
  add(3, () => ({ kind: 'intercept' }));
  add(6, () => ({ kind: 'random' }));
  return list;
}

/** The carrier's log line for a random number says what it drew. */
function drawnByCarrier(line: string | undefined): CarrierFarEnd | undefined {
  const what = line?.split(' ')[0];
  switch (what) {
    case 'PERSON':
      return { kind: 'person', ringSec: 0, talkSec: 0 };
    case 'MACHINE':
      return { kind: 'machine', ringSec: 0, recordSec: 0 };
    case 'NO-ANSWER':
      return { kind: 'no-answer', ringSec: 0 };
    case 'BUSY':
      return { kind: 'busy', ringSec: 0 };
    case 'CONGESTION':
      return { kind: 'failure', failure: 'congestion' };
    default:
      return undefined;
  }
}


interface AttemptRow {
  id: string;
  phone: string;
  outcome: string | null;
  abandoned: boolean;
  agent_id: string | null;
  ended_at: Date | null;
  disposition: string | null;
  hangup_cause_code: number | null;
  recordings: string[];
  answered_at: Date | null;
  originated_at: Date;
}

/** An agent at the desk: logs in on their softphone and dispositions each call a moment after it ends. */
async function agentAtDesk(url: string, key: string, endpoint: string, stop: { now: boolean }): Promise<AgentClient> {
  const agent = await AgentClient.open(url, key);
  await agent.next('hello');
  agent.send({ type: 'login', endpoint });
  const work = async () => {
    while (!stop.now) {
      const m: Message = await agent.next('wrap-up', 'error');
      if (m.type === 'error') throw new Error(`the agent socket refused: ${String(m['message'])}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
      agent.send({ type: 'disposition', attemptId: m['attemptId'], code: 'survey-completed' });
    }
  };
  void work().catch(() => undefined);
  return agent;
}

describe('a whole predictive campaign on the real PBX', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Db;
  let observer: AriObserver;
  let engine: EngineProcess | undefined;
  let campaign: Campaign;
  const numbers: string[] = [];
  const agentDesks: AgentClient[] = [];
  const stop = { now: false };
  let attempts: AttemptRow[] = [];
  let carrier: Map<string, string[]>;
  let exitCode: number | null;

  beforeAll(async () => {
    database = await freshDatabase();
    db = database.db;
    observer = await AriObserver.open();
    campaign = await makeCampaign(db, {
      name: 'real PBX: predictive with detection',
      pacing: { mode: 'predictive', machineDetection: true, machinePolicy: 'leave-message', connectDeadlineSec: DEADLINE_SEC, wrapUpTimeoutSec: 120 },
      recording: 'all',
      machineMessage: 'outpace/machine-message',
    });
    const zone = zoneAtNoon();
    farEnds().forEach((f, i) => numbers.push(carrierNumber(f, i)));
    await addLeads(db, campaign, numbers.map((phone) => ({ phone, timeZone: zone })));
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const team = [];
    for (let n = 1; n <= AGENTS; n++) team.push(await labAgent(db, n, campaign.id));

    engine = await EngineProcess.start({
      campaigns: [campaign.id],
      databaseUrl: database.url,
      engineId: ENGINE,
      env: { OUTPACE_RECORDING_STORE: join(lab.dir, 'engines', `${ENGINE}-recordings`) },
    });
    for (const { key, endpoint } of team) agentDesks.push(await agentAtDesk(engine.agentSocketUrl, key, endpoint, stop));

    // Until every lead has been dialed once and every call is over and dispositioned (no lead is retried within the hour).
    const settled = async () => {
      const { rows } = await db.query<{ dialed: number; open: number; undispositioned: number }>(
        `SELECT count(DISTINCT lead_id)::int AS dialed, count(*) FILTER (WHERE ended_at IS NULL)::int AS open,
                count(*) FILTER (WHERE agent_id IS NOT NULL AND disposition IS NULL)::int AS undispositioned
           FROM attempts WHERE campaign_id = $1`,
        [campaign.id],
      );
      const r = rows[0]!;
      return r.dialed === numbers.length && r.open === 0 && r.undispositioned === 0;
    };
    const giveUpAt = Date.now() + 9 * 60_000;
    while (!(await settled()) && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 2000));
    stop.now = true;
    exitCode = await engine.stop('SIGTERM');
    for (const desk of agentDesks) desk.close();
    // Recordings are written as their channels close; the carrier logs as it goes.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    attempts = (
      await db.query<AttemptRow>(
        `SELECT id, phone, outcome, abandoned, agent_id, ended_at, disposition, hangup_cause_code, recordings, answered_at, originated_at
           FROM attempts WHERE campaign_id = $1 ORDER BY originated_at`,
        [campaign.id],
      )
    ).rows;
    carrier = carrierLog();
  }, 12 * 60_000);

  afterAll(async () => {
    stop.now = true;
    if (engine && engine.child.exitCode === null) await engine.stop('SIGKILL');
    observer?.close();
    await clearPbx(ENGINE);
    await database?.drop();
  });

  it('dials every lead once and stops cleanly on SIGTERM', () => {
    expect(new Set(attempts.map((a) => a.phone)).size).toBe(numbers.length);
    expect(exitCode).toBe(0);
  });

  it("stores for every attempt the outcome the carrier's scheme gives its number", () => {
    const mismatches = attempts.flatMap((a) => {
      const planned = farEndOf(a.phone);
      // The carrier's log keeps earlier runs too: this run dialed each number once, last.
      const farEnd = planned.kind === 'random' ? drawnByCarrier(carrier.get(a.phone)?.at(-1)) : planned;
      const expected = farEnd && expectedOutcome(farEnd, true);
      if (!expected) return [`${a.phone}: the carrier logged nothing for it`];
      const causeOk = expected.cause === undefined || a.hangup_cause_code === expected.cause;
      return a.outcome === expected.outcome && causeOk
        ? []
        : [`${a.phone} (${farEnd.kind}): stored ${a.outcome} cause ${a.hangup_cause_code}, expected ${expected.outcome}${expected.cause ? ` cause ${expected.cause}` : ''}`];
    });
    expect(mismatches).toEqual([]);
  });

  it('leaves no attempt open, and gives every connected call its disposition', () => {
    expect(attempts.filter((a) => a.ended_at === null).map((a) => a.phone)).toEqual([]);
    const connected = attempts.filter((a) => a.agent_id !== null);
    expect(connected.length).toBeGreaterThan(10);
    expect(connected.filter((a) => a.disposition === null).map((a) => a.phone)).toEqual([]);
  });

  it('records every connected call three times, with sound: the agent leg carries that agent\'s tone', async () => {
    const files = new Set(readdirSync(lab.recordings));
    const problems: string[] = [];
    for (const a of attempts.filter((x) => x.agent_id !== null)) {
      for (const leg of ['customer', 'agent', 'mixed'] as const) {
        const name = `${a.id}-${leg}`;
        if (!a.recordings.includes(name)) problems.push(`${a.phone}: attempt does not reference ${leg} recording`);
        if (!files.has(`${name}.wav`)) {
          problems.push(`${a.phone}: no ${leg} recording file`);
          continue;
        }
        const sound = await soundOf(join(lab.recordings, `${name}.wav`));
        if (!(sound.rms > 0.01)) problems.push(`${a.phone}: ${leg} recording is silent (rms ${sound.rms})`);
        const tone = toneOfAgent(Number(a.agent_id!.replace('agent', '')));
        if (leg === 'agent' && Math.abs(sound.frequency - tone) > 20) {
          problems.push(`${a.phone}: agent leg at ${sound.frequency} Hz, ${a.agent_id}'s tone is ${tone} Hz`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('catalogues every recording Asterisk made: its leg, its duration, the checksum of Asterisk\'s file; and plays it through the API', async () => {
    const ours = new Map(attempts.map((a) => [a.id, a]));
    const made = readdirSync(lab.recordings).filter((f) => ours.has(f.slice(0, 36)) && f.endsWith('.wav'));
    expect(made.length).toBeGreaterThan(30);
    const catalogued = new Map((await listRecordings(db, { campaignId: campaign.id, limit: 5000 })).map((r) => [`${r.name}.wav`, r]));
    const problems: string[] = [];
    const shorter: number[] = [];
    for (const file of made) {
      const row = catalogued.get(file);
      const bytes = readFileSync(join(lab.recordings, file));
      if (!row) {
        problems.push(`${file}: not in the catalogue`);
        continue;
      }
      const leg = file.slice(37, -4);
      const attempt = ours.get(row.attemptId)!;
      const call = attempt.ended_at!.getTime() - attempt.answered_at!.getTime();
      // The engine stamps the answer when it reads Asterisk's event, which a loaded machine delays by up to a second: the
      // recording, started by Asterisk at the answer, may then outlast answer-to-hangup. It never outlasts the call from
      // its originate, which the engine stamps before Asterisk hears of it.
      const dialedToEnd = attempt.ended_at!.getTime() - attempt.originated_at.getTime();
      if (row.status !== 'available' || row.leg !== leg) problems.push(`${file}: ${row.status} ${row.leg} (${row.problem})`);
      if (row.sizeBytes !== bytes.length || row.sha256 !== createHash('sha256').update(bytes).digest('hex')) problems.push(`${file}: size or checksum differs from Asterisk's file`);
      // The length Asterisk's file plays (8 kHz, 16-bit samples after its 44-byte header), never longer than the call.
      // (It may be shorter: MixMonitor starts when [outpace-customer] runs, after machine detection.)
      const plays = (bytes.length - 44) / 16;
      if (Math.abs(row.durationMs! - plays) > 20 || row.durationMs! > dialedToEnd) {
        problems.push(`${file}: ${row.durationMs} ms catalogued, the file plays ${plays} ms, the call lasted ${dialedToEnd} ms from its originate`);
      }
      shorter.push(call - row.durationMs!);
    }
    expect(problems).toEqual([]);
    console.info(`recordings: ${made.length} catalogued; shorter than the call (answer to hangup) by ms, sorted: ${shorter.sort((a, b) => a - b).join(' ')}`);
    const clock = { now: () => Date.now() };
    const api = await buildApi({ db, coordination: memoryCoordination(clock), clock });
    const key = await createApiKey(db, { name: 'pbx inspector', role: 'qa' });
    try {
      const [first] = made;
      const row = catalogued.get(first!)!;
      const part = await api.inject({ url: `/api/v1/recordings/${row.id}/audio`, headers: { authorization: `Bearer ${key}`, range: 'bytes=0-4095' } });
      expect(part.statusCode).toBe(206);
      expect(part.rawPayload).toEqual(readFileSync(join(lab.recordings, first!)).subarray(0, 4096));
    } finally {
      await api.close();
    }
  });

  it('plays the abandon prompt to every abandoned call, starting within the connect deadline after the greeting', () => {
    const problems: string[] = [];
    const startedAfterGreeting: number[] = [];
    for (const a of attempts.filter((x) => x.abandoned)) {
      const events = observer.about(`${ENGINE}-c-${a.id}`);
      // AMD() sets AMDCAUSE as it decides (StasisStart's arguments go to the engine's application only).
      const verdict = events.find((e) => e.type === 'ChannelVarset' && e['variable'] === 'AMDCAUSE');
      const prompt = events.find((e) => e.type === 'PlaybackStarted' && e.playback?.media_uri.includes('abandon'));
      if (!verdict || !prompt) {
        problems.push(`${a.phone}: ${verdict ? '' : 'no detection verdict; '}${prompt ? '' : 'no abandon prompt'}`);
        continue;
      }
      const greetingEnd = at(verdict) - silenceHeardMs(verdict);
      startedAfterGreeting.push((at(prompt) - greetingEnd) / 1000);
      const late = at(prompt) - greetingEnd - DEADLINE_SEC * 1000;
      // Half a second for the REST round trips; a deadline counted from the verdict instead of the greeting is 800 ms late.
      if (late > 500) problems.push(`${a.phone}: prompt started ${(at(prompt) - greetingEnd) / 1000} s after the greeting ended`);
    }
    const live = attempts.filter((a) => a.outcome === 'live').length;
    console.info(`abandoned ${startedAfterGreeting.length} of ${live} live answers; abandon prompt started [${startedAfterGreeting.join(', ')}] s after the greeting`);
    expect(problems).toEqual([]);
  });

  it('leaves the message on every answering machine, after its beep', async () => {
    const machines = attempts.filter((a) => a.outcome === 'machine' && farEndOf(a.phone).kind === 'machine');
    expect(machines.length).toBeGreaterThan(5);
    const files = readdirSync(lab.machineMessages);
    const problems: string[] = [];
    for (const a of machines) {
      const file = files.find((f) => f.startsWith(`${a.phone}-`));
      if (!file) {
        problems.push(`${a.phone}: the machine recorded nothing`);
        continue;
      }
      const sound = await soundOf(join(lab.machineMessages, file));
      if (!(sound.seconds > 1 && sound.rms > 0.01)) problems.push(`${a.phone}: the machine heard ${sound.seconds} s at rms ${sound.rms}`);
    }
    expect(problems).toEqual([]);
  });

  it('leaves no channel or bridge of the engine on the PBX, and every agent logged out', async () => {
    expect(await leftOnPbx(ENGINE)).toEqual({ channels: [], bridges: [] });
    const { rows } = await db.query<{ agent_id: string; to_state: string }>(
      `SELECT DISTINCT ON (agent_id) agent_id, to_state FROM agent_states ORDER BY agent_id, at DESC, id DESC`,
    );
    expect(rows.map((r) => `${r.agent_id}: ${r.to_state}`)).toEqual(Array.from({ length: AGENTS }, (_, i) => `agent${i + 1}: logged-out`));
  });
});

/** Detection's verdict AMDCAUSE=HUMAN-803-800 heard 803 ms of silence after the greeting. */
function silenceHeardMs(verdict: AriEvent): number {
  return Number(/^HUMAN-(\d+)-/.exec(String(verdict['value'] ?? ''))?.[1] ?? 0);
}
