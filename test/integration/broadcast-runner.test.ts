/**
 * Broadcast campaigns run live, as `outpace run` runs them: the broadcast
 * runner (lease, leads claimed from storage, attempts written before the
 * originate) beside its linked agent campaign's runner in the same process,
 * both dialing through one ARI adapter and the ARI test server. Each far end
 * follows its script (listens, hangs up part-way, presses a key, is a
 * machine, is busy); what the customer heard and did, and where each lead
 * went, is read back from storage.
 */
import { pino, type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { listCallbacks } from '../../src/campaigns/callbacks.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { CampaignRunner } from '../../src/campaigns/dialing/campaign-runner.js';
import { explainHopper } from '../../src/campaigns/hopper/explain.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { campaignStats } from '../../src/campaigns/stats.js';
import type { Coordination } from '../../src/coordination/coordination.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId, type AttemptId, E164, type TrunkId } from '../../src/domain/ids.js';
import { HOUR, MINUTE, SECOND, type EpochMs } from '../../src/domain/time.js';
import { LocalAgentCampaigns } from '../../src/engine/agent-lending.js';
import { wallClockScheduler } from '../../src/engine/scheduler.js';
import { BroadcastRunner } from '../../src/ivr/broadcast-runner.js';
import { OutpaceMetrics } from '../../src/metrics/metrics.js';
import type { BroadcastResult } from '../../src/ivr/outcome.js';
import type { BroadcastDecision } from '../../src/pacing/broadcast-pacing.js';
import type { MachinePolicy } from '../../src/pacing/settings.js';
import type { Db } from '../../src/storage/db.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { IvrListener, IvrPort, PlayRequest } from '../../src/telephony/ivr-port.js';
import type { MediaUri, OriginateRequest, TelephonyListener, TelephonyPort, TrunkCapacity } from '../../src/telephony/port.js';
import { testDatabases } from '../support/databases.js';
import { emptyTables, makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { ScriptedDesk } from '../support/scripted-desk.js';
import { campaignClock, type FarEnd, quietLogger, type TelephonyLab, testServerLab } from './telephony-lab.js';

/** 10:00 in New York: inside every lead's calling window. */
const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;
const ENGINE = 'bcast-run';
const AGENT = AgentId('agent1');
const FIELDS = { amount: '128.50', dueDate: '2026-12-05' };
const media = (prompt: string) => `sound:outpace/bill-reminder/en/${prompt}`;
/**
 * A far end that listens (10 minutes scripted, 60 s real): the system ends its
 * call after the message, or the test does. Long, so that a loaded machine,
 * where each media of a message may take a second, never cuts one short.
 */
const LISTENS_MS = 6_000_000;

/** The ARI adapter as the runner uses it, watched: each number's originates and the lines in use. */
class WatchedPort implements TelephonyPort, IvrPort {
  readonly originated: OriginateRequest[] = [];
  peakLines = 0;
  private readonly onLine = new Set<AttemptId>();
  /** The lines the servers' trunk has for this engine, as a port over several servers says (trunkCapacity); unset, the adapter's. */
  serverLines: number | undefined;

  constructor(private readonly ari: AriTelephony) {
    ari.subscribe((e) => {
      if (e.type === 'call.ended' || e.type === 'call.failed') this.onLine.delete(e.attemptId);
    });
  }

  originate(request: OriginateRequest): void {
    this.originated.push(request);
    this.onLine.add(request.attemptId);
    this.peakLines = Math.max(this.peakLines, this.onLine.size);
    this.ari.originate(request);
  }
  trunkCapacity(trunk: TrunkId, now: EpochMs): TrunkCapacity | undefined {
    if (this.serverLines === undefined) return this.ari.trunkCapacity(trunk, now);
    return { linesFree: this.serverLines - this.onLine.size, callsAllowedNow: 100 };
  }
  dialsOf(number: string): number {
    return this.originated.filter((r) => r.number === number).length;
  }
  connectToAgent(attemptId: AttemptId, agentId: AgentId): void {
    this.ari.connectToAgent(attemptId, agentId);
  }
  abandon(attemptId: AttemptId, message: MediaUri): void {
    this.ari.abandon(attemptId, message);
  }
  leaveMessage(attemptId: AttemptId, message: readonly MediaUri[]): void {
    this.ari.leaveMessage(attemptId, message);
  }
  hangup(attemptId: AttemptId): void {
    this.ari.hangup(attemptId);
  }
  loginAgent(agentId: AgentId, endpoint: string): void {
    this.ari.loginAgent(agentId, endpoint);
  }
  logoutAgent(agentId: AgentId): void {
    this.ari.logoutAgent(agentId);
  }
  subscribe(listener: TelephonyListener): () => void {
    return this.ari.subscribe(listener);
  }
  playOnCall(attemptId: AttemptId, request: PlayRequest): void {
    this.ari.playOnCall(attemptId, request);
  }
  stopPlaying(attemptId: AttemptId): void {
    this.ari.stopPlaying(attemptId);
  }
  subscribeIvr(listener: IvrListener): () => void {
    return this.ari.subscribeIvr(listener);
  }
}

async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe.each(await testDatabases())('broadcast campaigns run live on $kind', ({ open }) => {
  let db: Db;
  let lab: TelephonyLab;
  let ari: AriTelephony;
  let port: WatchedPort;
  let coordination: Coordination;
  const clock = campaignClock(T0);
  /** Each call's result, by the number dialed. */
  let results: Map<string, BroadcastResult>;
  let metrics: OutpaceMetrics;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    db = await open();
    lab = await testServerLab();
    // REST timings go to each test's metrics.
    ari = await AriTelephony.connect({ config: lab.config(ENGINE), logger: quietLogger, clock, restTimed: (...timed) => metrics.ariRequestTimed(...timed) });
    coordination = memoryCoordination(wallClockScheduler);
  });
  afterAll(async () => {
    ari?.close();
    await coordination?.close();
    await lab?.close();
    await db?.close();
  });
  beforeEach(async () => {
    await emptyTables(db);
    await upsertAgent(db, { id: AGENT, name: 'Agent 1', redList: false });
    port = new WatchedPort(ari);
    results = new Map();
    metrics = new OutpaceMetrics({ processMetrics: false });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  async function agentCampaign(): Promise<Campaign> {
    const campaign = await makeCampaign(db, { pacing: { mode: 'progressive' } });
    await changeCampaignState(db, campaign.id, 'start', 'test');
    return campaign;
  }

  async function broadcastCampaign(agents: Campaign, machinePolicy: MachinePolicy = 'leave-message', finishBy?: EpochMs): Promise<Campaign> {
    const campaign = await makeCampaign(db, {
      type: 'broadcast',
      pacing: { machineDetection: true, machinePolicy, ...(finishBy === undefined ? {} : { finishBy: new Date(finishBy).toISOString() }) },
      broadcastMessage: JSON.stringify({
        promptSet: 'bill-reminder',
        parts: [{ prompt: 'intro' }, { say: 'money', field: 'amount' }, { prompt: 'due-on' }, { say: 'date', field: 'dueDate' }, { prompt: 'menu' }],
        menu: { agentCampaignId: agents.id, keyTimeoutSec: 1, maxPlays: 1, agentWaitSec: 0.5 },
      }),
    });
    await changeCampaignState(db, campaign.id, 'start', 'test');
    return campaign;
  }

  /** A list of the campaign with a lead for each far end; returns the numbers in order. */
  async function list(campaign: Campaign, farEnds: readonly FarEnd[]): Promise<E164[]> {
    const numbers = farEnds.map((f) => lab.numberFor(f));
    const listId = await createList(db, campaign.id, `list ${Math.random()}`);
    await insertLeads(db, listId, numbers.map((phone) => ({ phone, timeZone: 'America/New_York', customFields: FIELDS })));
    return numbers;
  }

  function runAgents(campaign: Campaign, agentCampaigns: LocalAgentCampaigns, desk: ScriptedDesk) {
    const runner = new CampaignRunner({
      db,
      coordination,
      campaignId: campaign.id,
      engineId: ENGINE,
      port,
      desk,
      scheduler: clock,
      logger: quietLogger,
      trunk: { id: 'carrier', maxLines: 10, maxCallsPerSecond: 10 },
      observer: { agentState: desk.agentState },
      agentCampaigns,
      tickMs: 100,
      metrics,
    });
    stops.push(() => runner.drain());
    return runner;
  }

  function runBroadcast(
    campaign: Campaign,
    o: { agentCampaigns?: LocalAgentCampaigns; engineId?: string; maxLines?: number; maxCallsPerSecond?: number; logger?: Logger; decisions?: BroadcastDecision[] } = {},
  ) {
    const runner = new BroadcastRunner({
      db,
      coordination,
      campaignId: campaign.id,
      engineId: o.engineId ?? ENGINE,
      port,
      scheduler: clock,
      logger: o.logger ?? quietLogger,
      trunk: { id: 'carrier', maxLines: o.maxLines ?? 10, maxCallsPerSecond: o.maxCallsPerSecond ?? 10 },
      soundsDir: 'sounds',
      metrics,
      ...(o.agentCampaigns ? { agentCampaigns: o.agentCampaigns } : {}),
      observer: {
        finished: (call, result) => results.set(call.number, result),
        decision: (d) => o.decisions?.push(d),
      },
      tickMs: 200,
    });
    stops.push(() => runner.drain());
    return runner;
  }

  /**
   * Presses `digit` on the call to `number` once `mediaUri` was asked to play
   * on it: while it plays, or just after (the flow still takes keys then), so
   * that a slow poll on a busy machine cannot miss a prompt of a few ms.
   */
  async function pressWhilePlaying(number: string, mediaUri: string, digit: string): Promise<void> {
    const request = await until(`a dial to ${number}`, () => port.originated.find((r) => r.number === number));
    const channelId = `${ENGINE}-c-${request.attemptId}`;
    await until(`${mediaUri} played to ${number}`, () => playRequests(channelId).some((media) => media.includes(mediaUri)));
    lab.server!.pbx.pressKey(channelId, digit);
  }

  /** The media of each play request on the channel, in order. */
  const playRequests = (channelId: string) =>
    lab
      .server!.requests.filter((r) => r.startsWith(`POST /ari/channels/${channelId}/play?`))
      .map((r) => new URL(`http://x${r.split(' ')[1]}`).searchParams.get('media')!.split(','));

  const resultOf = (number: string) => until(`the result of the call to ${number}`, () => results.get(number));

  async function leadOf(campaign: Campaign, phone: string) {
    const { rows } = await db.query<{ id: string; state: string; next_attempt_at: Date | null; attempts_total: number }>(
      'SELECT id, state, next_attempt_at, attempts_total FROM leads WHERE campaign_id = $1 AND phone = $2',
      [campaign.id, phone],
    );
    return rows[0]!;
  }

  it('runs a small list end to end: heard, heard in part, 1 to an agent of the linked campaign, 9, a machine, busy', async () => {
    const agents = await agentCampaign();
    const broadcast = await broadcastCampaign(agents);
    const listener: FarEnd = { kind: 'human', ringMs: 500, talkMs: LISTENS_MS };
    const [heard, partly, toAgent, optOut, machine, busy] = await list(broadcast, [
      listener,
      // Hangs up 2.2 s (22 ms scaled) after answering: during the message.
      { kind: 'human', ringMs: 500, talkMs: 2_200 },
      listener,
      listener,
      { kind: 'machine', ringMs: 500, greetingMs: 20_000, talkMs: LISTENS_MS },
      { kind: 'busy' },
    ]);
    const agentCampaigns = new LocalAgentCampaigns();
    const desk = new ScriptedDesk(clock, () => 'valid-sale');
    stops.push(async () => void ari.logoutAgent(AGENT));
    const unsubscribe = ari.subscribe(desk.telephonyEvent);
    stops.push(async () => unsubscribe());
    await runAgents(agents, agentCampaigns, desk).start();
    const agentUp: unknown[] = [];
    const off = ari.subscribe((e) => void (e.type === 'agent.leg-up' && e.agentId === AGENT && agentUp.push(e)));
    stops.push(async () => off());
    desk.login(AGENT, lab.agentEndpoint(1));
    await until('the agent ready', () => agentUp.length > 0);
    await runBroadcast(broadcast, { agentCampaigns }).start();
    await Promise.all([pressWhilePlaying(toAgent!, media('due-on'), '1'), pressWhilePlaying(optOut!, media('intro'), '9')]);

    expect(await resultOf(heard!)).toEqual({ outcome: 'heard', partsHeard: 5, partsTotal: 5, plays: 1, keys: [] });
    const partlyHeard = await resultOf(partly!);
    expect(partlyHeard.outcome).toBe('partly-heard');
    expect(partlyHeard.partsHeard).toBeLessThan(5);
    expect(await resultOf(toAgent!)).toMatchObject({ outcome: 'transferred', keys: ['1'] });
    expect(await resultOf(optOut!)).toMatchObject({ outcome: 'opted-out', keys: ['9'] });
    expect(await resultOf(machine!)).toMatchObject({ outcome: 'machine-message-left', partsHeard: 5 });
    expect((await resultOf(busy!)).outcome).toBe('busy');
    // The agent took the caller; the caller hangs up, the agent wraps up and gives the disposition.
    const transferred = port.originated.find((r) => r.number === toAgent)!.attemptId;
    lab.server!.pbx.farEndHangsUp(`${ENGINE}-c-${transferred}`);
    await until('the disposition', () => desk.dispositions.length === 1);

    for (const stop of stops.splice(0).reverse()) await stop();
    for (const number of [heard, partly, toAgent, optOut, machine, busy]) expect(port.dialsOf(number!)).toBe(1);

    // The wallboard follows the broadcast as it follows an agent campaign: its calls, then today's counters with its keys and handovers.
    expect(await coordination.live.callsInFlight(broadcast.id)).toEqual([]);
    expect(await coordination.live.counters(broadcast.id, clock.now())).toEqual({
      dials: 6, answers: 5, 'live-answers': 4, connects: 1, abandons: 0, machines: 1, 'keys-pressed': 2, handovers: 1, 'opt-outs': 1, callbacks: 0,
    });
    expect(await coordination.live.pacing(broadcast.id)).toMatchObject({ policy: 'broadcast', activeAgents: 0 });
    const scraped = await metrics.scrape();
    expect(scraped).toContain(`outpace_dials_total{campaign="${broadcast.id}"} 6`);
    expect(scraped).toContain(`outpace_live_answers_total{campaign="${broadcast.id}"} 4`);
    expect(scraped).toContain(`outpace_call_outcomes_total{campaign="${broadcast.id}",outcome="busy"} 1`);
    expect(scraped).toMatch(/outpace_ari_request_seconds_count\{request="[^"]+"\} [1-9]/);
    expect(scraped).toMatch(/outpace_storage_write_seconds_count\{write="attempt row"\} [1-9]/);
    expect(scraped).toMatch(new RegExp(`outpace_lead_claims_total\\{campaign="${broadcast.id}"\\} 6`));

    const { rows: attempts } = await db.query<{ phone: string; outcome: string; result: BroadcastResult; disposition: string | null; ended: boolean }>(
      `SELECT phone, outcome, broadcast_result AS result, disposition, ended_at IS NOT NULL AS ended FROM attempts WHERE campaign_id = $1`,
      [broadcast.id],
    );
    expect(attempts).toHaveLength(6);
    for (const a of attempts) expect(a.ended).toBe(true);
    const byPhone = new Map(attempts.map((a) => [a.phone, a]));
    expect(byPhone.get(heard!)).toMatchObject({ outcome: 'live', result: { outcome: 'heard' } });
    expect(byPhone.get(machine!)).toMatchObject({ outcome: 'machine', result: { outcome: 'machine-message-left' } });
    expect(byPhone.get(toAgent!)).toMatchObject({ outcome: 'live', result: { outcome: 'transferred' }, disposition: 'valid-sale' });

    // Where each lead went: done, again in two hours, done, never again, done, the busy retry.
    expect((await leadOf(broadcast, heard!)).state).toBe('done');
    const again = await leadOf(broadcast, partly!);
    expect(again.state).toBe('ready');
    expect(again.next_attempt_at!.getTime()).toBeGreaterThanOrEqual(T0 + 120 * MINUTE);
    expect((await leadOf(broadcast, toAgent!)).state).toBe('done');
    expect((await leadOf(broadcast, optOut!)).state).toBe('do-not-call');
    expect((await leadOf(broadcast, machine!)).state).toBe('done');
    expect((await leadOf(broadcast, busy!)).state).toBe('ready');
    // 9 put the number on the black list: held back from every campaign, for good.
    const another = await makeCampaign(db, { type: 'broadcast' });
    await insertLeads(db, await createList(db, another.id, 'later list'), [{ phone: optOut!, timeZone: 'America/New_York' }]);
    expect((await explainHopper(db, another, clock.now() + 7 * 24 * HOUR)).heldBack['do-not-call']).toBe(1);

    // The agent campaign counts the caller it took: a live answer connected, not a second contact with the customer.
    const { rows: handovers } = await db.query<{ phone: string; agent_id: string; abandoned: boolean; counts_as_contact: boolean }>(
      'SELECT phone, agent_id, abandoned, counts_as_contact FROM attempts WHERE campaign_id = $1 AND handover_of IS NOT NULL',
      [agents.id],
    );
    expect(handovers).toEqual([{ phone: toAgent, agent_id: AGENT, abandoned: false, counts_as_contact: false }]);

    // Each call is stored whole: its answer and its hangup cause; the caller put through, to the end of the talk with the agent.
    type Row = { campaign_id: string; phone: string; originated_at: Date; answered_at: Date | null; connected_at: Date | null; ended_at: Date; agent_id: string | null; hangup_cause_code: number | null };
    const { rows: whole } = await db.query<Row>(
      'SELECT campaign_id, phone, originated_at, answered_at, connected_at, ended_at, agent_id, hangup_cause_code FROM attempts WHERE campaign_id = ANY ($1::uuid[])',
      [[broadcast.id, agents.id]],
    );
    for (const row of whole) expect(row.hangup_cause_code, `the cause of the call to ${row.phone}`).not.toBeNull();
    for (const phone of [heard, partly, toAgent, optOut, machine]) {
      expect(whole.find((r) => r.phone === phone && r.campaign_id === broadcast.id)!.answered_at, `the answer of ${phone}`).not.toBeNull();
    }
    const broadcastCall = whole.find((r) => r.phone === toAgent && r.campaign_id === broadcast.id)!;
    const handover = whole.find((r) => r.phone === toAgent && r.campaign_id === agents.id)!;
    expect(broadcastCall).toMatchObject({ agent_id: AGENT, hangup_cause_code: 16 });
    expect(handover).toMatchObject({ agent_id: AGENT, hangup_cause_code: 16 });
    // The handover runs from the key to the end of the conversation, which is the broadcast call's end.
    expect(handover.originated_at.getTime()).toBeLessThan(handover.connected_at!.getTime());
    expect(handover.connected_at!.getTime()).toBeLessThan(handover.ended_at.getTime());
    expect(handover.ended_at).toEqual(broadcastCall.ended_at);
    expect(broadcastCall.connected_at).toEqual(handover.connected_at);
    expect(await campaignStats(db, agents, clock.now())).toMatchObject({ liveAnswers: 1, connects: 1, abandons: 0 });
    expect(await listCallbacks(db, { campaignId: agents.id })).toEqual([]);
  });

  it('1 with no agent free in time: the busy prompt, a callback on the agent campaign, and an abandon counted there', async () => {
    const agents = await agentCampaign();
    const broadcast = await broadcastCampaign(agents);
    const [caller] = await list(broadcast, [{ kind: 'human', ringMs: 500, talkMs: LISTENS_MS }]);
    // The agent campaign runs in this process with no agent logged in.
    const agentCampaigns = new LocalAgentCampaigns();
    await runAgents(agents, agentCampaigns, new ScriptedDesk(clock, () => 'valid-sale')).start();
    await runBroadcast(broadcast, { agentCampaigns }).start();
    await pressWhilePlaying(caller!, media('menu'), '1');

    expect(await resultOf(caller!)).toMatchObject({ outcome: 'callback-scheduled', keys: ['1'] });
    for (const stop of stops.splice(0).reverse()) await stop();
    const request = port.originated.find((r) => r.number === caller)!;
    expect(playRequests(`${ENGINE}-c-${request.attemptId}`).at(-1)).toEqual([media('busy-callback')]);

    // The callback is the agent campaign's, on its own lead for the customer; the broadcast is done with its lead.
    const callbacks = await listCallbacks(db, { campaignId: agents.id });
    expect(callbacks).toHaveLength(1);
    const { rows } = await db.query<{ phone: string; campaign_id: string }>('SELECT phone, campaign_id FROM leads WHERE id = $1', [callbacks[0]!.leadId]);
    expect(rows[0]).toEqual({ phone: caller, campaign_id: agents.id });
    expect(callbacks[0]!.dueAt.getTime()).toBeGreaterThan(clock.now());
    expect((await leadOf(broadcast, caller!)).state).toBe('done');
    // The abandon is in the agent campaign's own accounting, read by its statistics.
    expect(await campaignStats(db, agents, clock.now())).toMatchObject({ liveAnswers: 1, abandons: 1, abandonRate: 1 });
  });

  it('a machine is hung up on when the campaign says so', async () => {
    const agents = await agentCampaign();
    const broadcast = await broadcastCampaign(agents, 'hangup');
    const [machine] = await list(broadcast, [{ kind: 'machine', ringMs: 500, greetingMs: 20_000, talkMs: LISTENS_MS }]);
    await runBroadcast(broadcast).start();
    expect(await resultOf(machine!)).toMatchObject({ outcome: 'machine-hung-up', partsHeard: 0, plays: 0 });
    for (const stop of stops.splice(0).reverse()) await stop();
    const request = port.originated.find((r) => r.number === machine)!;
    expect(playRequests(`${ENGINE}-c-${request.attemptId}`)).toEqual([]);
    // A machine is retried after the profile's delay for machines (4 hours in the US profile).
    expect((await leadOf(broadcast, machine!)).state).toBe('ready');
  });

  it('refuses a campaign whose message names a prompt that does not exist', async () => {
    const agents = await agentCampaign();
    const broadcast = await makeCampaign(db, {
      type: 'broadcast',
      broadcastMessage: JSON.stringify({ promptSet: 'bill-reminder', parts: [{ prompt: 'intro' }, { prompt: 'no-such-prompt' }], menu: { agentCampaignId: agents.id } }),
    });
    await changeCampaignState(db, broadcast.id, 'start', 'test');
    await expect(runBroadcast(broadcast).start()).rejects.toThrow(/prompts that do not exist: .*bill-reminder\/en\/no-such-prompt\.wav/);
    expect(await coordination.ownership.owner(broadcast.id)).toBeNull();
  });

  it('says at once when its "finish by" cannot be met, and spreads the calls over the time left when it can', async () => {
    const agents = await agentCampaign();
    const late = await broadcastCampaign(agents, 'hangup', clock.now() + 2 * SECOND);
    await list(late, Array.from({ length: 6 }, (): FarEnd => ({ kind: 'never-answers' })));
    const said: { msg: string; dialsBefore: number }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void said.push({ msg: JSON.parse(line).msg, dialsBefore: port.originated.length }) });
    const lateDecisions: BroadcastDecision[] = [];
    await runBroadcast(late, { maxLines: 1, logger, decisions: lateDecisions }).start();
    expect(said[0]).toEqual({ msg: expect.stringMatching(/^6 leads at full speed .* but the target is .*: add lines, raise the calls per second, or move the target\.$/), dialsBefore: 0 });
    await until('a decision', () => lateDecisions.length > 0);
    // Late or not, the list is dialed as fast as the limits allow.
    expect(lateDecisions[0]).toMatchObject({ bound: 'lines', finish: { onTime: false } });
    for (const stop of stops.splice(0).reverse()) await stop();

    const spread = await broadcastCampaign(agents, 'hangup', clock.now() + HOUR);
    await list(spread, Array.from({ length: 3 }, (): FarEnd => ({ kind: 'never-answers' })));
    const decisions: BroadcastDecision[] = [];
    const dialsBefore = port.originated.length;
    await runBroadcast(spread, { decisions }).start();
    await until('five decisions', () => decisions.length >= 5);
    // Three leads over an hour: the first call waits for its share of the hour, whatever the free lines.
    expect(decisions.slice(0, 5).map((d) => [d.bound, d.launch, d.finish.onTime])).toEqual(Array(5).fill(['spread', 0, true]));
    expect(port.originated.length).toBe(dialsBefore);
  });

  it("dials within the lines the servers' trunk has free, not only its own limits", async () => {
    const agents = await agentCampaign();
    const broadcast = await broadcastCampaign(agents);
    await list(broadcast, Array.from({ length: 6 }, (): FarEnd => ({ kind: 'human', ringMs: 500, talkMs: LISTENS_MS })));
    // Two servers' trunk with 2 lines left for this engine (the rest held by other engines' calls); the broadcast's own limit is 10.
    port.serverLines = 2;
    const decisions: BroadcastDecision[] = [];
    await runBroadcast(broadcast, { maxLines: 10, decisions }).start();
    await until('two calls dialed', () => port.originated.length >= 2);
    await until('a decision held back by the lines', () => decisions.some((d) => d.bound === 'lines' && d.launch === 0) || undefined);
    expect(port.originated).toHaveLength(2);
    expect(port.peakLines).toBe(2);
    // The other engines' calls end: the broadcast takes the lines.
    port.serverLines = 4;
    await until('four calls dialed', () => port.originated.length >= 4);
    expect(port.peakLines).toBe(4);
  });

  it('never exceeds the lines and calls per second, and never dials a lead twice across a restart', async () => {
    const agents = await agentCampaign();
    const broadcast = await broadcastCampaign(agents);
    const numbers = await list(broadcast, Array.from({ length: 10 }, (): FarEnd => ({ kind: 'human', ringMs: 500, talkMs: LISTENS_MS })));
    const limits = { maxLines: 3, maxCallsPerSecond: 2 };
    const first = runBroadcast(broadcast, limits);
    await first.start();
    await until('four calls dialed', () => port.originated.length >= 4);
    // A deploy: the first engine drains (its calls end and are stored, its undialed leads go back), a second one takes over.
    await first.drain();
    const second = runBroadcast(broadcast, { ...limits, engineId: 'second' });
    await second.start();
    await until('every lead dialed', () => results.size === numbers.length, 60_000);
    for (const stop of stops.splice(0).reverse()) await stop();

    for (const number of numbers) expect(port.dialsOf(number)).toBe(1);
    expect(port.peakLines).toBeLessThanOrEqual(limits.maxLines);
    // Calls per second as the runner launched them (each attempt's row is written at its launch).
    const { rows } = await db.query<{ at: Date }>('SELECT originated_at AS at FROM attempts WHERE campaign_id = $1 ORDER BY originated_at', [broadcast.id]);
    const starts = rows.map((r) => r.at.getTime());
    const peak = Math.max(...starts.map((t) => starts.filter((s) => s >= t && s < t + SECOND).length));
    expect(peak).toBeLessThanOrEqual(limits.maxCallsPerSecond);
    const { rows: leads } = await db.query<{ state: string; attempts_total: number }>('SELECT state, attempts_total FROM leads WHERE campaign_id = $1', [broadcast.id]);
    expect(leads.map((l) => [l.state, l.attempts_total])).toEqual(numbers.map(() => ['done', 1]));
  });
});
