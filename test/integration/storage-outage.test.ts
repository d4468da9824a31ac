/**
 * PostgreSQL out of reach while calls are in progress (issue 15, item 3): the
 * engine's connection goes through a proxy the test cuts (the machine's
 * PostgreSQL is shared and is never restarted). What the calls must store is
 * queued, then written once storage is back: in order (the disposition after
 * the outcome), exactly once; dialing pauses at the first failure and resumes
 * once the queue is written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upsertAgent } from '../../src/campaigns/agents.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { ClaimedLeads } from '../../src/campaigns/dialing/claimed-leads.js';
import { DialGate } from '../../src/campaigns/dialing/dial-gate.js';
import { pauseDialing, StorageOutage } from '../../src/campaigns/dialing/storage-outage.js';
import { StoredAttempts } from '../../src/campaigns/dialing/stored-attempts.js';
import type { Lead } from '../../src/campaigns/lead-source.js';
import { AgentId, type AttemptId } from '../../src/domain/ids.js';
import { HOUR, SECOND } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/postgres.js';
import { openIsolatedPostgres, postgresUrl, type IsolatedDb } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { quietLogger } from './telephony-lab.js';

const url = await postgresUrl();
const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');

describe.skipIf(!url)('storage out of reach while calls are in progress', () => {
  let direct: IsolatedDb;
  let proxy: TcpProxy;
  /** The engine's database: through the proxy. */
  let engineDb: Db;
  let campaign: Campaign;
  beforeAll(async () => {
    direct = await openIsolatedPostgres(url!);
    await runMigrations(direct);
    const server = new URL(url!);
    proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 5432) });
    engineDb = openPostgres({ url: proxy.through(url!), schema: direct.schema, maxConnections: 4 });
  });
  afterAll(async () => {
    await engineDb?.close().catch(() => undefined);
    await proxy?.close();
    await direct?.close();
  });
  beforeEach(async () => {
    proxy.restore();
    await emptyTables(direct);
    await upsertAgent(direct, { id: ALICE, name: 'Alice', redList: false });
    campaign = await makeCampaign(direct);
  });

  async function claimed(n: number): Promise<Lead[]> {
    await addLeads(direct, campaign, Array.from({ length: n }, (_, i) => ({ phone: `+1202555${String(i + 1).padStart(4, '0')}` })));
    const source = new ClaimedLeads({ db: engineDb, campaignId: campaign.id, engineId: 'e', clock: { now: () => T0 }, minBuffer: n });
    source.refill();
    await source.settled();
    return Array.from({ length: n }, () => source.take()!);
  }

  it('pauses dialing at the first failed write, queues the outcomes and the disposition, and writes them once, in order, when storage is back', async () => {
    const [talking, ringing] = await claimed(2);
    const dialing: string[] = [];
    const gate = new DialGate();
    gate.started({ stopDialing: () => dialing.push('stop'), resumeDialing: () => dialing.push('resume') });
    const errors: unknown[] = [];
    let attempts: StoredAttempts | undefined;
    const outage = new StorageOutage({ db: engineDb, logger: quietLogger, probeMs: 50, changed: pauseDialing(gate, () => attempts!.replayed()) });
    attempts = new StoredAttempts({ db: engineDb, engineId: 'e', outage, onError: (_id, what, e) => errors.push(`${what}: ${String(e)}`) });
    const call = attempts.newAttemptId();
    await attempts.opened(call, talking!, T0);
    const other = attempts.newAttemptId();
    await attempts.opened(other, ringing!, T0);

    proxy.cutOff();
    // The customer talks to Alice; the other phone rings out. Both end, and Alice dispositions, while storage is away.
    attempts.ended({ attemptId: other, leadId: ringing!.id, number: ringing!.number, originatedAt: T0, endedAt: T0 + 20 * SECOND, outcome: 'no-answer', abandoned: false, cause: { code: 19, text: 'No user responding' } });
    attempts.ended({
      attemptId: call,
      leadId: talking!.id,
      number: talking!.number,
      originatedAt: T0,
      endedAt: T0 + 60 * SECOND,
      outcome: 'live',
      abandoned: false,
      party: 'human',
      answeredAt: T0 + 5 * SECOND,
      connectedAt: T0 + 6 * SECOND,
      agentId: ALICE,
      cause: { code: 16, text: 'Normal Clearing' },
    });
    attempts.deskEvent({ type: 'agent.wrap-up-done', agentId: ALICE, attemptId: call, disposition: 'do-not-call', at: T0 + 70 * SECOND });
    await until(() => outage.down);
    expect(dialing).toEqual(['resume', 'stop']);
    // Still away a while later: nothing was dropped, nothing resumed.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(dialing).toEqual(['resume', 'stop']);

    proxy.restore();
    await attempts.settled();
    await until(() => dialing.length === 3);
    expect(dialing).toEqual(['resume', 'stop', 'resume']);
    expect(errors).toEqual([]);
    const row = async (id: AttemptId) =>
      (await direct.query<{ outcome: string; disposition: string | null; ended_at: Date }>('SELECT outcome, disposition, ended_at FROM attempts WHERE id = $1', [id])).rows[0];
    expect(await row(call)).toMatchObject({ outcome: 'live', disposition: 'do-not-call', ended_at: new Date(T0 + 60 * SECOND) });
    expect(await row(other)).toMatchObject({ outcome: 'no-answer', disposition: null });
    // The disposition came after the outcome: the lead's last word is do-not-call; written once: one audit line.
    const lead = await direct.query<{ state: string }>('SELECT state FROM leads WHERE id = $1', [talking!.id]);
    expect(lead.rows[0]!.state).toBe('do-not-call');
    const audited = await direct.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'disposition' AND entity_id = $1`, [call]);
    expect(audited.rows[0]!.n).toBe(1);
  });

  it('does not write twice an outcome that was stored before its connection dropped', async () => {
    const [lead] = await claimed(1);
    const outage = new StorageOutage({ db: engineDb, logger: quietLogger, probeMs: 50 });
    const attempts = new StoredAttempts({ db: engineDb, engineId: 'e', outage });
    const call = attempts.newAttemptId();
    await attempts.opened(call, lead!, T0);
    // As if the outcome's COMMIT reached the server and its answer was lost: the row is ended, the write reports a dropped connection.
    let tries = 0;
    attempts.thenWrite(
      call,
      'outcome',
      async () => {
        tries++;
        if (tries === 1) {
          await direct.query(`UPDATE attempts SET ended_at = now(), outcome = 'busy' WHERE id = $1`, [call]);
          throw new Error('Connection terminated unexpectedly');
        }
        await direct.query(`UPDATE attempts SET outcome = 'written-twice' WHERE id = $1`, [call]);
      },
      async () => (await direct.query<{ ended: boolean }>('SELECT ended_at IS NOT NULL AS ended FROM attempts WHERE id = $1', [call])).rows[0]!.ended,
    );
    await attempts.settled();
    expect(tries).toBe(1);
    expect((await direct.query<{ outcome: string }>('SELECT outcome FROM attempts WHERE id = $1', [call])).rows[0]!.outcome).toBe('busy');
  });

  it('does not write twice a call step or a hold that were stored before their connections dropped', async () => {
    const [lead] = await claimed(1);
    // Each desk write reaches the server, then its answer is lost once: the replay after the outage writes it again.
    const lostAnswers = new Set<string>();
    const dropsAnswers: Db = new Proxy(engineDb, {
      get: (db, key) =>
        key !== 'query'
          ? Reflect.get(db, key)
          : async (sql: string, params?: unknown[]) => {
              const result = await db.query(sql, params);
              if (/attempt_steps|hold_seconds/.test(sql) && !lostAnswers.has(sql)) {
                lostAnswers.add(sql);
                throw new Error('Connection terminated unexpectedly');
              }
              return result;
            },
    });
    const outage = new StorageOutage({ db: engineDb, logger: quietLogger, probeMs: 50 });
    const errors: unknown[] = [];
    const attempts = new StoredAttempts({ db: dropsAnswers, engineId: 'e', outage, onError: (_id, what, e) => errors.push(`${what}: ${String(e)}`) });
    const call = attempts.newAttemptId();
    await attempts.opened(call, lead!, T0);
    const control = (kind: 'hold' | 'resume', at: number) =>
      attempts.telephonyEvent({ type: 'call.control', attemptId: call, agentId: ALICE, control: { kind }, at });
    control('hold', T0 + 10 * SECOND);
    control('resume', T0 + 25 * SECOND);
    control('hold', T0 + 30 * SECOND);
    control('resume', T0 + 35 * SECOND);
    await attempts.settled();
    expect(lostAnswers.size).toBe(2);
    expect(errors).toEqual([]);
    const steps = await direct.query<{ step: string }>('SELECT step FROM attempt_steps WHERE attempt_id = $1 ORDER BY at', [call]);
    expect(steps.rows.map((r) => r.step)).toEqual(['hold', 'resume', 'hold', 'resume']);
    const held = await direct.query<{ hold: string }>('SELECT hold_seconds::text AS hold FROM attempts WHERE id = $1', [call]);
    expect(Number(held.rows[0]!.hold)).toBe(20);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
  expect(condition()).toBe(true);
}
