/**
 * The whole call, end to end: a campaign run as `outpace run` runs it (lease,
 * leads claimed from storage, the real engine, every attempt stored), dialing
 * through the ARI adapter and the ARI test server, live
 * answers put through to agents on nailed-up legs or abandoned with the
 * message, agents dispositioning after wrap-up, every outcome stored. The
 * invariants a regulator or a customer would check are asserted at the end.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentBoard } from '../../src/agents/agent-board.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { CampaignRunner } from '../../src/campaigns/dialing/campaign-runner.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, type AttemptId, type E164 } from '../../src/domain/ids.js';
import { HOUR } from '../../src/domain/time.js';
import type { AttemptRecord } from '../../src/engine/attempt-record.js';
import type { Scheduler } from '../../src/engine/scheduler.js';
import type { Db } from '../../src/storage/db.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { MediaUri, OriginateRequest, TelephonyListener, TelephonyPort } from '../../src/telephony/port.js';
import { openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { addLeads, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { ScriptedDesk } from '../support/scripted-desk.js';
import { campaignClock, type FarEnd, quietLogger, type TelephonyLab, testServerLab } from './telephony-lab.js';

/** 10:00 in New York, midnight in Tokyo: the clock the campaign runs on, moving with the wall clock. */
const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const AGENTS = 2;
const ABANDON_MESSAGE = 'sound:outpace/abandon';
/** Scripted times shrink 100-fold on the test server: a person talks 1.5 s, well past the connect deadline (0.5 s), so no one hangs up while waiting even on a loaded machine. */
const HUMAN: FarEnd = { kind: 'human', ringMs: 1000, talkMs: 150_000 };
const SCRIPT: readonly (readonly [FarEnd, number])[] = [
  [HUMAN, 10],
  [{ kind: 'busy' }, 3],
  [{ kind: 'no-answer', ringMs: 3000 }, 3],
  [{ kind: 'machine', ringMs: 1000, detectionMs: 1000 }, 3],
];

/** The port as the engine uses it, watched for what must never happen. */
class WatchedPort implements TelephonyPort {
  readonly violations: string[] = [];
  readonly requests = new Map<AttemptId, OriginateRequest>();
  readonly connectsAt = new Map<AttemptId, number>();
  readonly abandons = new Set<AttemptId>();
  readonly logins: AgentId[] = [];
  private readonly numbersInFlight = new Set<E164>();
  private readonly agentHolds = new Map<AgentId, AttemptId>();

  constructor(
    private readonly port: TelephonyPort,
    private readonly clock: Scheduler,
  ) {
    port.subscribe((e) => {
      if (e.type !== 'call.ended' && e.type !== 'call.failed') return;
      const request = this.requests.get(e.attemptId);
      if (request) this.numbersInFlight.delete(request.number);
      for (const [agentId, held] of this.agentHolds) if (held === e.attemptId) this.agentHolds.delete(agentId);
    });
  }

  originate(request: OriginateRequest): void {
    if (this.numbersInFlight.has(request.number)) this.violations.push(`${request.number} dialed while a call to it was in flight`);
    this.numbersInFlight.add(request.number);
    this.requests.set(request.attemptId, request);
    this.port.originate(request);
  }
  connectToAgent(attemptId: AttemptId, agentId: AgentId): void {
    const held = this.agentHolds.get(agentId);
    if (held) this.violations.push(`${agentId} given ${attemptId} while holding ${held}`);
    this.agentHolds.set(agentId, attemptId);
    this.connectsAt.set(attemptId, this.clock.now());
    this.port.connectToAgent(attemptId, agentId);
  }
  abandon(attemptId: AttemptId, message: MediaUri): void {
    this.abandons.add(attemptId);
    this.port.abandon(attemptId, message);
  }
  leaveMessage(attemptId: AttemptId, message: readonly MediaUri[]): void {
    this.port.leaveMessage(attemptId, message);
  }
  hangup(attemptId: AttemptId): void {
    this.port.hangup(attemptId);
  }
  loginAgent(agentId: AgentId, endpoint: string): void {
    this.logins.push(agentId);
    this.port.loginAgent(agentId, endpoint);
  }
  logoutAgent(agentId: AgentId): void {
    this.port.logoutAgent(agentId);
  }
  subscribe(listener: TelephonyListener): () => void {
    return this.port.subscribe(listener);
  }
}

async function until(condition: () => Promise<boolean>, what: string, patienceMs = 30_000): Promise<void> {
  const giveUpAt = Date.now() + patienceMs;
  while (!(await condition())) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const url = await postgresUrl();

describe.skipIf(!url)('the whole call through the ARI test server', () => {
  let db: Db;
  let lab: TelephonyLab;
  beforeAll(async () => {
    db = await openIsolatedPostgres(url!);
    await runMigrations(db);
    lab = await testServerLab();
  });
  afterAll(async () => {
    await lab?.close();
    await db?.close();
  });

  it('takes every lead from claim to disposition and keeps every invariant', async () => {
    const clock = campaignClock(T0);
    const campaign = await makeCampaign(db, {
      // Power dialing three lines per agent: live answers outnumber agents, so some are abandoned.
      pacing: { mode: 'power', powerLinesPerAgent: 3, connectDeadlineSec: 0.5, machineDetection: true, machinePolicy: 'hangup', ringTimeoutSec: 15 },
    });
    const dialable = SCRIPT.flatMap(([farEnd, n]) => Array.from({ length: n }, () => ({ phone: lab.numberFor(farEnd) })));
    const outsideWindow = [HUMAN, HUMAN].map((f) => ({ phone: lab.numberFor(f), timeZone: 'Asia/Tokyo' }));
    const leadIds = await addLeads(db, campaign, [...dialable, ...outsideWindow]);
    /** The first person put through asks not to be called again; the others buy. */
    let optedOut: AttemptId | undefined;
    for (let n = 1; n <= AGENTS; n++) await upsertAgent(db, { id: AgentId(`agent${n}`), name: `Agent ${n}`, redList: false });

    await changeCampaignState(db, campaign.id, 'start', 'test');

    // Storage errors reach the log: collect what is logged at error level or above.
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
    const telephony = await AriTelephony.connect({ config: lab.config('whole-call'), logger: quietLogger, clock });
    const port = new WatchedPort(telephony, clock);
    const desk = new ScriptedDesk(clock, (attemptId) => {
      if (optedOut) return 'valid-sale';
      optedOut = attemptId;
      return 'do-not-call';
    });
    telephony.subscribe(desk.telephonyEvent);
    const records: AttemptRecord[] = [];
    const runner = new CampaignRunner({
      db,
      coordination: memoryCoordination(clock),
      campaignId: campaign.id,
      engineId: 'whole-call',
      port,
      desk,
      scheduler: clock,
      logger,
      trunk: { id: 'carrier', maxLines: 50, maxCallsPerSecond: 50 },
      abandonMessage: ABANDON_MESSAGE,
      observer: { agentState: desk.agentState, attemptEnded: (record) => records.push(record) },
      tickMs: 100,
    });
    await runner.start();
    for (let n = 1; n <= AGENTS; n++) desk.login(AgentId(`agent${n}`), lab.agentEndpoint(n));

    const connected = () => records.filter((r) => r.connectedAt !== undefined);
    await until(async () => records.length === dialable.length, 'every dialable lead dialed once and ended');
    await until(async () => desk.dispositions.length === connected().length, 'every connected call dispositioned');
    await runner.drain();
    await until(async () => {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM attempts WHERE connected_at IS NOT NULL AND recordings = '[]'`);
      return rows[0]!.n === 0;
    }, 'every connected call recorded');
    telephony.close();

    expect(errors).toEqual([]);
    expect(port.violations).toEqual([]);

    // Every lead ends in a defined state; the ones outside their calling window were never dialed.
    const { rows: leadRows } = await db.query<{ id: string; phone: string; state: string; attempts_total: number }>(
      'SELECT id, phone, state, attempts_total FROM leads WHERE campaign_id = $1',
      [campaign.id],
    );
    expect(leadRows).toHaveLength(leadIds.size);
    for (const lead of leadRows) expect(['ready', 'done', 'exhausted', 'do-not-call']).toContain(lead.state);
    for (const { phone } of outsideWindow) expect(leadRows.find((l) => l.phone === phone)).toMatchObject({ state: 'ready', attempts_total: 0 });
    expect(optedOut).toBeDefined();
    expect(leadRows.find((l) => l.phone === port.requests.get(optedOut!)?.number)?.state).toBe('do-not-call');

    // Every attempt row is complete, and no call was placed outside the lead's calling window (08:00-21:00 local).
    const { rows: attemptRows } = await db.query<{
      id: AttemptId;
      originated_at: Date;
      ended_at: Date | null;
      outcome: string | null;
      hangup_cause_code: number | null;
      answered_at: Date | null;
      connected_at: Date | null;
      agent_id: string | null;
      abandoned: boolean;
      disposition: string | null;
      recordings: string[];
      time_zone: string;
    }>('SELECT a.*, l.time_zone FROM attempts a JOIN leads l ON l.id = a.lead_id WHERE a.campaign_id = $1', [campaign.id]);
    expect(attemptRows).toHaveLength(dialable.length);
    for (const row of attemptRows) {
      expect(row.ended_at, `attempt ${row.id} ended`).not.toBeNull();
      expect(row.outcome, `attempt ${row.id} outcome`).not.toBeNull();
      expect(row.hangup_cause_code, `attempt ${row.id} cause`).not.toBeNull();
      if (row.connected_at) {
        expect(row).toMatchObject({ outcome: 'live', answered_at: expect.any(Date), agent_id: expect.any(String), disposition: expect.any(String) });
        expect(row.recordings.length, `attempt ${row.id} recordings`).toBeGreaterThan(0);
      }
      const localHour = Number(new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: row.time_zone }).format(row.originated_at));
      expect(localHour).toBeGreaterThanOrEqual(8);
      expect(localHour).toBeLessThan(21);
    }
    const outcomes = (outcome: string) => attemptRows.filter((r) => r.outcome === outcome).length;
    expect({ busy: outcomes('busy'), noAnswer: outcomes('no-answer'), machine: outcomes('machine') }).toEqual({ busy: 3, noAnswer: 3, machine: 3 });

    // Every live answer was put through within the deadline or heard the abandon message.
    const deadlineMs = campaign.pacing.connectDeadlineSec * 1000;
    const liveAnswers = records.filter((r) => r.outcome === 'live');
    expect(liveAnswers).toHaveLength(10);
    for (const r of liveAnswers) {
      const connectAskedAt = port.connectsAt.get(r.attemptId);
      if (connectAskedAt !== undefined) expect(connectAskedAt - r.readyAt!).toBeLessThanOrEqual(deadlineMs);
      else expect(port.abandons.has(r.attemptId), `live answer ${r.attemptId} neither connected nor told`).toBe(true);
    }
    const abandonPlays = lab.server!.requests.filter((r) => /\/play\?.*media=sound(:|%3A)outpace(\/|%2F)abandon.* -> 2/.test(r));
    const storedAbandons = attemptRows.filter((r) => r.abandoned).length;
    expect(port.abandons.size).toBeGreaterThan(0);
    expect(storedAbandons).toBe(port.abandons.size);
    expect(abandonPlays).toHaveLength(port.abandons.size);
  }, 60_000);

  it('shares an agent between two campaigns of one process: one leg, turns at dialing for her, never two calls at once', async () => {
    const clock = campaignClock(T0);
    const pacing = { mode: 'progressive', connectDeadlineSec: 0.5 } as const;
    const campaigns = [await makeCampaign(db, { pacing }), await makeCampaign(db, { pacing })];
    for (const campaign of campaigns) {
      await addLeads(db, campaign, Array.from({ length: 4 }, () => ({ phone: lab.numberFor(HUMAN) })));
      await changeCampaignState(db, campaign.id, 'start', 'test');
    }
    const blended = AgentId('blended');
    await upsertAgent(db, { id: blended, name: 'Blended', redList: false });
    const telephony = await AriTelephony.connect({ config: lab.config('blended'), logger: quietLogger, clock });
    const port = new WatchedPort(telephony, clock);
    const desk = new ScriptedDesk(clock, () => 'valid-sale');
    telephony.subscribe(desk.telephonyEvent);
    const board = new AgentBoard();
    const coordination = memoryCoordination(clock);
    const connected: AttemptRecord[] = [];
    const runners = campaigns.map(
      (campaign) =>
        new CampaignRunner({
          db,
          coordination,
          campaignId: campaign.id,
          engineId: 'blended',
          port,
          desk,
          board,
          scheduler: clock,
          logger: quietLogger,
          trunk: { id: 'carrier', maxLines: 50, maxCallsPerSecond: 50 },
          observer: { agentState: desk.agentState, attemptEnded: (r) => r.connectedAt !== undefined && connected.push(r) },
          tickMs: 100,
        }),
    );
    for (const runner of runners) await runner.start();
    desk.login(blended, lab.agentEndpoint(AGENTS + 1));
    const connectedIn = (campaignId: string) => connected.filter((r) => port.requests.get(r.attemptId)?.campaignId === campaignId).length;
    await until(async () => campaigns.every((c) => connectedIn(c.id) >= 2), 'calls of both campaigns put through to the blended agent');
    await until(async () => desk.dispositions.length >= connected.length, 'every connected call dispositioned');
    for (const runner of runners) await runner.drain();
    telephony.close();

    expect(port.violations).toEqual([]);
    // The campaigns took turns dialing for her: never two live answers for one person, so no one abandoned.
    expect(port.abandons.size).toBe(0);
    expect(port.logins).toEqual([blended]);
    const { rows } = await db.query<{ campaign_id: string; n: number }>(
      `SELECT campaign_id, count(*)::int AS n FROM attempts WHERE agent_id = $1 AND disposition = 'valid-sale' GROUP BY campaign_id`,
      [blended],
    );
    expect(rows.map((r) => r.campaign_id).sort()).toEqual(campaigns.map((c) => c.id).sort());
  }, 60_000);
});
