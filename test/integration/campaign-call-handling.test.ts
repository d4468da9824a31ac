/**
 * A campaign's own call handling reaches the PBX: its recording policy (which
 * recordings Asterisk is asked for), its abandon message and the message it
 * leaves on answering machines, run as `outpace run` runs a campaign (the
 * runner, storage, the ARI adapter, the ARI test server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { type CampaignInput, campaignInputSchema } from '../../src/campaigns/campaign.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { CampaignRunner } from '../../src/campaigns/dialing/campaign-runner.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId } from '../../src/domain/ids.js';
import { HOUR } from '../../src/domain/time.js';
import type { AttemptRecord } from '../../src/engine/attempt-record.js';
import type { Db } from '../../src/storage/db.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import { openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { addLeads, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { ScriptedDesk } from '../support/scripted-desk.js';
import { campaignClock, type FarEnd, quietLogger, type TelephonyLab, testServerLab } from './telephony-lab.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
/** Talks well past the connect deadline, so that a second live answer at the same time is abandoned. */
const HUMAN: FarEnd = { kind: 'human', ringMs: 1000, talkMs: 150_000 };
const MACHINE: FarEnd = { kind: 'machine', ringMs: 1000, detectionMs: 1000, talkMs: 6_000_000 };

async function until(condition: () => boolean, what: string, patienceMs = 30_000): Promise<void> {
  const giveUpAt = Date.now() + patienceMs;
  while (!condition()) {
    if (Date.now() > giveUpAt) throw new Error(`gave up waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const url = await postgresUrl();

describe('a campaign\'s messages and recording policy, as set', () => {
  it('a sound name reaching outside the sounds folder is refused', () => {
    const base = { name: 'x', type: 'agent', complianceProfile: 'us', callerId: '+12025550100' } as const;
    expect(campaignInputSchema.safeParse({ ...base, abandonMessage: '../../etc/passwd' }).success).toBe(false);
    expect(campaignInputSchema.safeParse({ ...base, machineMessage: 'outpace/../secret' }).success).toBe(false);
    expect(campaignInputSchema.safeParse({ ...base, abandonMessage: 'outpace/abandon-acme', machineMessage: 'sound:outpace/acme-machine' }).success).toBe(true);
  });

  describe.skipIf(!url)('through the ARI test server', () => {
    let db: Db;
    let lab: TelephonyLab;
    let runs = 0;
    beforeAll(async () => {
      db = await openIsolatedPostgres(url!);
      await runMigrations(db);
      lab = await testServerLab();
    });
    afterAll(async () => {
      await lab?.close();
      await db?.close();
    });

    /** Runs the campaign with one agent until every lead is dialed and every connected call dispositioned. */
    async function run(input: Partial<CampaignInput>, farEnds: readonly FarEnd[]) {
      const n = ++runs;
      const clock = campaignClock(T0);
      const campaign = await makeCampaign(db, input);
      await addLeads(db, campaign, farEnds.map((f) => ({ phone: lab.numberFor(f) })));
      const agentId = AgentId(`handling-${n}`);
      await upsertAgent(db, { id: agentId, name: `Agent ${n}`, redList: false });
      await changeCampaignState(db, campaign.id, 'start', 'test');
      const telephony = await AriTelephony.connect({ config: lab.config(`handling-${n}`), logger: quietLogger, clock });
      const desk = new ScriptedDesk(clock, () => 'valid-sale');
      telephony.subscribe(desk.telephonyEvent);
      const records: AttemptRecord[] = [];
      const runner = new CampaignRunner({
        db,
        coordination: memoryCoordination(clock),
        campaignId: campaign.id,
        engineId: `handling-${n}`,
        port: telephony,
        desk,
        scheduler: clock,
        logger: quietLogger,
        trunk: { id: 'carrier', maxLines: 50, maxCallsPerSecond: 50 },
        observer: { agentState: desk.agentState, attemptEnded: (r) => records.push(r) },
        tickMs: 100,
      });
      await runner.start();
      desk.login(agentId, lab.agentEndpoint(20 + n));
      await until(() => records.length === farEnds.length, 'every lead dialed and ended');
      await until(() => desk.dispositions.length === records.filter((r) => r.connectedAt !== undefined).length, 'every connected call dispositioned');
      await runner.drain();
      telephony.close();
      const requestsAbout = (attemptId: string) => lab.server!.requests.filter((r) => r.includes(attemptId));
      return { records, requestsAbout };
    }

    it('recording none, its own abandon and machine messages: nothing recorded, its messages played', async () => {
      const { records, requestsAbout } = await run(
        {
          recording: 'none',
          abandonMessage: 'outpace/abandon-acme',
          machineMessage: 'outpace/acme-machine',
          pacing: { mode: 'power', powerLinesPerAgent: 4, connectDeadlineSec: 0.5, machineDetection: true, machinePolicy: 'leave-message' },
        },
        [HUMAN, HUMAN, HUMAN, MACHINE],
      );
      const connected = records.filter((r) => r.connectedAt !== undefined);
      const abandoned = records.filter((r) => r.abandoned);
      const machines = records.filter((r) => r.outcome === 'machine');
      // One agent for three people answering at once: some are abandoned (how many depends on the machine's speed).
      expect(connected.length + abandoned.length).toBe(3);
      expect(Math.min(connected.length, abandoned.length)).toBeGreaterThan(0);
      expect(machines).toHaveLength(1);
      for (const r of records) expect(requestsAbout(r.attemptId).filter((q) => /\/record\?|\/snoop/.test(q))).toEqual([]);
      const plays = (r: AttemptRecord) => requestsAbout(r.attemptId).filter((q) => q.includes('/play'));
      for (const r of abandoned) expect(plays(r)).toEqual([expect.stringMatching(/media=sound(:|%3A)outpace(\/|%2F)abandon-acme&.* -> 201$/)]);
      expect(plays(machines[0]!)).toEqual([expect.stringMatching(/media=sound(:|%3A)outpace(\/|%2F)acme-machine&.* -> 201$/)]);
    }, 60_000);

    it('recording agent-legs: only the agent\'s leg is recorded', async () => {
      const { records, requestsAbout } = await run({ recording: 'agent-legs', pacing: { mode: 'progressive', connectDeadlineSec: 0.5 } }, [HUMAN]);
      const [call] = records;
      expect(call?.connectedAt).toBeDefined();
      const stored = [...lab.server!.pbx.storedRecordings.keys()].filter((name) => name.startsWith(call!.attemptId));
      expect(stored).toEqual([`${call!.attemptId}-agent`]);
      // Recorded by the dialplan from the answer: the engine asked for no recording of its own.
      expect(requestsAbout(call!.attemptId).filter((q) => /\/record\?|\/snoop/.test(q))).toEqual([]);
    }, 60_000);

    it('leave-message with no machine message is refused at start, saying what to set', async () => {
      const campaign = await makeCampaign(db, { pacing: { machineDetection: true, machinePolicy: 'leave-message' } });
      await expect(changeCampaignState(db, campaign.id, 'start', 'test')).rejects.toThrow(/machineMessage/);
      // A campaign already marked running (set before this rule) is refused by the runner.
      await db.query(`UPDATE campaigns SET state = 'running' WHERE id = $1`, [campaign.id]);
      const clock = campaignClock(T0);
      const runner = new CampaignRunner({
        db,
        coordination: memoryCoordination(clock),
        campaignId: campaign.id,
        engineId: 'refused',
        port: { subscribe: () => () => undefined } as never,
        desk: new ScriptedDesk(clock, () => 'valid-sale'),
        scheduler: clock,
        logger: quietLogger,
        trunk: { id: 'carrier', maxLines: 50, maxCallsPerSecond: 50 },
      });
      await expect(runner.start()).rejects.toThrow(/leaves a message on answering machines .* names none: set machineMessage/);
    });
  });
});
