import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AgentBoard } from '../../src/agents/agent-board.js';
import { DeskHub } from '../../src/agents/desk-hub.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { agentTime } from '../../src/campaigns/agent-time.js';
import { scheduleCallback } from '../../src/campaigns/callbacks.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { StoredAgentStates } from '../../src/campaigns/dialing/stored-agent-states.js';
import { AgentId, type AttemptId } from '../../src/domain/ids.js';
import { HOUR, MINUTE, SECOND } from '../../src/domain/time.js';
import { SimulatedTime } from '../../src/simulator/event-queue.js';
import type { Db } from '../../src/storage/db.js';
import { testDatabases } from '../support/databases.js';
import { addLeads, emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { runnerOnPort } from '../support/runner-on-port.js';
import { ScriptedPort } from '../support/scripted-port.js';
import { SHUTDOWN_LOGOUT_REASON } from '../../src/campaigns/dialing/campaign-runner.js';

const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ALICE = AgentId('alice');
const BOB = AgentId('bob');
const NORMAL_CLEARING = { code: 16, text: 'Normal Clearing' };

describe.each(await testDatabases())('agents at work, stored, on $kind', ({ open }) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(async () => db.close());
  beforeEach(async () => {
    await emptyTables(db);
    for (const id of [ALICE, BOB]) await upsertAgent(db, { id, name: id, redList: false });
  });

  /** One campaign run on simulated time, its far ends played by the test, its agents' states stored. */
  async function run(campaign: Campaign) {
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const time = new SimulatedTime(T0);
    const port = new ScriptedPort();
    const desk = new DeskHub();
    const board = new AgentBoard();
    const history = new StoredAgentStates({ db });
    board.subscribe(history.changed);
    const runner = runnerOnPort({ db, campaignId: campaign.id, port, desk, board, scheduler: time });
    await runner.start();
    const emit = port.listeners.emit.bind(port.listeners);
    return {
      time,
      port,
      login(agentId: AgentId) {
        desk.publish({ type: 'agent.login', agentId, endpoint: `PJSIP/${agentId}`, at: time.now() });
        emit({ type: 'agent.leg-up', agentId, at: time.now() });
      },
      /** Simulated time moves on in small steps while storage works, until `holds`. */
      async until(holds: () => boolean) {
        await expect.poll(() => (time.runUntil(time.now() + 100), holds()), { timeout: 10_000, interval: 5 }).toBe(true);
      },
      /** The customer answers, talks `talkMs` with the agent, and hangs up. */
      call(attemptId: AttemptId, agentId: AgentId, talkMs: number) {
        emit({ type: 'call.answered', attemptId, at: time.now(), answeredAt: time.now(), party: 'human' });
        expect(port.asked).toContain(`connect ${attemptId} ${agentId}`);
        emit({ type: 'call.connected', attemptId, agentId, at: time.now() });
        time.runUntil(time.now() + talkMs);
        emit({ type: 'call.ended', attemptId, at: time.now(), endedBy: 'customer', cause: NORMAL_CLEARING });
      },
      dispose(agentId: AgentId, attemptId: AttemptId, disposition: string) {
        desk.publish({ type: 'agent.wrap-up-done', agentId, attemptId, disposition, at: time.now() });
      },
      async stop() {
        await runner.drain();
        await history.settled();
      },
    };
  }

  const historyOf = async (agentId: AgentId) =>
    (
      await db.query<{ from_state: string; to_state: string; reason: string | null; attempt_id: string | null }>(
        'SELECT from_state, to_state, reason, attempt_id FROM agent_states WHERE agent_id = $1 ORDER BY at, id',
        [agentId],
      )
    ).rows;

  it('dials the callback an agent promised for that agent, not the longest idle, and stores each state change', async () => {
    const campaign = await makeCampaign(db, { pacing: { mode: 'progressive' } });
    const ids = await addLeads(db, campaign, [{ phone: '+12025550121' }]);
    const leadId = ids.get('+12025550121')!;
    await scheduleCallback(db, { leadId, dueAt: T0 - MINUTE, agentId: BOB }, 'test');
    const w = await run(campaign);
    w.login(ALICE);
    w.time.runUntil(T0 + 500);
    w.login(BOB);
    await w.until(() => w.port.originated.length > 0);
    const [callback] = w.port.originated;
    expect(callback).toMatchObject({ leadId });
    w.call(callback!.attemptId, BOB, MINUTE);
    w.time.runUntil(w.time.now() + 10 * SECOND);
    w.dispose(BOB, callback!.attemptId, 'valid-sale');
    const end = w.time.now();
    await w.stop();

    expect(await historyOf(BOB)).toEqual([
      { from_state: 'logged-out', to_state: 'ready', reason: null, attempt_id: null },
      { from_state: 'ready', to_state: 'reserved', reason: 'callback', attempt_id: callback!.attemptId },
      { from_state: 'reserved', to_state: 'on-call', reason: null, attempt_id: callback!.attemptId },
      { from_state: 'on-call', to_state: 'wrap-up', reason: null, attempt_id: callback!.attemptId },
      { from_state: 'wrap-up', to_state: 'ready', reason: null, attempt_id: null },
      // The campaign's drain logs its agents out, saying why.
      { from_state: 'ready', to_state: 'logged-out', reason: SHUTDOWN_LOGOUT_REASON, attempt_id: null },
    ]);
    const { rows } = await db.query<{ state: string }>('SELECT state FROM callbacks WHERE lead_id = $1', [leadId]);
    expect(rows).toEqual([{ state: 'done' }]);

    const time = await agentTime(db, campaign.id, T0, end);
    expect(time.agents).toBe(2);
    expect(time.secondsByState).toMatchObject({ 'on-call': 60, 'wrap-up': 10 });
    const loggedIn = Object.values(time.secondsByState).reduce((a, b) => a + b, 0);
    expect(time.occupancy).toBeCloseTo(70 / loggedIn);
  });

  it('ends a wrap-up left open at the campaign\'s timeout with the system\'s own disposition', async () => {
    const campaign = await makeCampaign(db, { pacing: { mode: 'progressive', wrapUpTimeoutSec: 30 } });
    await addLeads(db, campaign, [{ phone: '+12025550122' }]);
    const w = await run(campaign);
    w.login(ALICE);
    await w.until(() => w.port.originated.length > 0);
    const attemptId = w.port.originated[0]!.attemptId;
    w.call(attemptId, ALICE, 20 * SECOND);
    w.time.runUntil(w.time.now() + 30 * SECOND);
    await w.stop();

    const { rows } = await db.query<{ disposition: string; system: boolean; actor: string }>(
      `SELECT a.disposition, d.system, l.actor FROM attempts a JOIN dispositions d ON d.code = a.disposition
         JOIN audit_log l ON l.entity_id = a.id::text AND l.action = 'disposition' WHERE a.id = $1`,
      [attemptId],
    );
    expect(rows).toEqual([{ disposition: 'wrap-up-timeout', system: true, actor: 'system' }]);
    expect((await historyOf(ALICE)).slice(-2)).toMatchObject([
      { from_state: 'wrap-up', to_state: 'ready', reason: 'wrap-up-timeout' },
      { from_state: 'ready', to_state: 'logged-out', reason: SHUTDOWN_LOGOUT_REASON },
    ]);
  });
});
