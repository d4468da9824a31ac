/**
 * One broadcast campaign run by this process, as CampaignRunner runs an agent
 * campaign and with the same pieces: the ownership lease, leads claimed from
 * the hopper, every attempt written before its originate, a drain that lets
 * the calls in progress end. Each second the broadcast pacer says how many
 * calls the trunk's lines and calls per second allow; each call plays the
 * message with the lead's values and runs the key flow (BroadcastCalls);
 * its outcome is stored and moves the lead on by the campaign's retry rules.
 * Key 1 goes to the linked agent campaign's engine when it runs in this
 * process (LocalAgentCampaigns); otherwise, and when no agent is free in
 * time, the caller hears the busy prompt and the agent campaign gets the
 * callback and the abandon (handover.ts).
 */
import type { Logger } from 'pino';
import { CallsDrain, CampaignLease, campaignToRun } from '../campaigns/dialing/campaign-lease.js';
import type { TakenCampaign } from '../campaigns/dialing/standby.js';
import { CampaignWatch } from '../campaigns/dialing/campaign-watch.js';
import { DEFAULT_DRAIN_TIMEOUT_MS } from '../campaigns/dialing/campaign-runner.js';
import { findCampaign } from '../campaigns/campaign-store.js';
import type { Campaign } from '../campaigns/campaign.js';
import { ClaimedLeads } from '../campaigns/dialing/claimed-leads.js';
import { DialGate } from '../campaigns/dialing/dial-gate.js';
import { LivePublisher } from '../campaigns/dialing/live-publisher.js';
import { pauseDialing, StorageOutage } from '../campaigns/dialing/storage-outage.js';
import { StoredAttempts } from '../campaigns/dialing/stored-attempts.js';
import type { Lead } from '../campaigns/lead-source.js';
import { countLeadsToDial, setLeadAside } from '../campaigns/leads.js';
import type { Coordination, LiveCounter } from '../coordination/coordination.js';
import type { CallOutcome } from '../domain/outcomes.js';
import { type AttemptId, type CampaignId, TrunkId } from '../domain/ids.js';
import { HOUR, SECOND, type DurationMs, type EpochMs } from '../domain/time.js';
import type { LocalAgentCampaigns } from '../engine/agent-lending.js';
import type { Scheduler, TimerHandle } from '../engine/scheduler.js';
import { TrunkLimiter } from '../engine/trunk-limiter.js';
import { BroadcastPacer, projectFinish, type BroadcastDecision, type BroadcastSnapshot, type FinishProjection } from '../pacing/broadcast-pacing.js';
import type { TrunkSettings } from '../pacing/settings.js';
import type { CampaignMetrics, OutpaceMetrics } from '../metrics/metrics.js';
import type { Db } from '../storage/db.js';
import type { IvrPort } from '../telephony/ivr-port.js';
import type { RecordingPolicy, TelephonyEvent, TelephonyPort } from '../telephony/port.js';
import { finishBroadcastAttempt } from './broadcast-attempts.js';
import { type BroadcastCallRecord, BroadcastCallRecords } from './broadcast-call-records.js';
import { type BroadcastCall, BroadcastCalls, type BroadcastDesk } from './broadcast-calls.js';
import { recordHandover } from './handover.js';
import { type BroadcastMachinePolicy, type BroadcastMessage, broadcastMachinePolicy, parseBroadcastMessage } from './message.js';
import type { BroadcastOutcome, BroadcastResult } from './outcome.js';
import { assertPromptsExist } from './prompt-files.js';
import { renderMessage } from './render.js';
import { storageDesk } from './storage-desk.js';

export interface BroadcastRunnerOptions {
  readonly db: Db;
  readonly coordination: Coordination;
  readonly campaignId: CampaignId;
  readonly engineId: string;
  /** The PBX: calls, and playing and hearing keys on them. */
  readonly port: TelephonyPort & IvrPort;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** The trunk's limits; its id is the campaign's trunk, when the campaign names one. */
  readonly trunk: TrunkSettings;
  /** Where the prompt files are: the message's prompts are checked there before the first dial. */
  readonly soundsDir?: string;
  /** The agent campaigns running in this process: key 1 reaches the linked one's agents when it is among them. */
  readonly agentCampaigns?: LocalAgentCampaigns;
  /** How long after a busy answer to key 1 the agent campaign's callback falls due. */
  readonly callbackAfterMs?: DurationMs;
  readonly leaseTtlMs?: DurationMs;
  readonly drainTimeoutMs?: DurationMs;
  readonly tickMs?: number;
  /** Where the campaign's figures go for /metrics. */
  readonly metrics?: OutpaceMetrics;
  /** Told what the runner decides and how each call ended (the wallboard, tests). */
  readonly observer?: {
    decision?(d: BroadcastDecision, at: EpochMs): void;
    finished?(call: BroadcastCall, result: BroadcastResult): void;
  };
}

/** A prior for how long a call holds a line, ring and message together, until calls have ended to measure it. */
const PRIOR_HOLD_MS = 30 * SECOND;
const MEASURED_AFTER_CALLS = 20;
/**
 * The hopper dials each lead only inside its own calling window, so the
 * pacer is never told the window is closed: without a "finish by" the
 * limits alone bound the launches; with one, the pacer spreads them.
 */
const WINDOW_HORIZON_MS = HOUR;
/** How often the leads left to dial by the "finish by" are counted again (launches in between are subtracted). */
const LEADS_RECOUNT_MS = 15 * SECOND;

interface Running {
  readonly campaign: { readonly callerId: string; readonly ringTimeoutSec: number; readonly machineDetection: boolean; readonly recording: RecordingPolicy };
  readonly message: BroadcastMessage;
  readonly onMachine: BroadcastMachinePolicy;
  readonly trunk: TrunkLimiter;
  /** The smaller of the trunk's lines and the campaign's concurrent-line cap. */
  readonly maxLines: number;
  readonly leads: ClaimedLeads;
  readonly attempts: StoredAttempts;
  readonly calls: BroadcastCalls;
  readonly records: BroadcastCallRecords;
  readonly lease: CampaignLease;
  readonly unsubscribe: (() => void)[];
  /** The campaign's "finish by", when it has one. */
  readonly finishBy: EpochMs | undefined;
  readonly watch: CampaignWatch;
  /** The wallboard: the broadcast's calls in flight and today's counters, its keys and handovers among them. */
  readonly live: LivePublisher;
  readonly metrics: CampaignMetrics | undefined;
}

/** The leads left to dial by the "finish by": counted in storage now and then, less the launches since. */
interface LeadsToDial {
  counted: number;
  launchedSince: number;
  countedAt: EpochMs;
  counting: boolean;
}

export class BroadcastRunner {
  private running?: Running;
  private dialing = false;
  /** What stops dialing now: a pause, a lost lease, storage unreachable, the drain. */
  private readonly gate = new DialGate();
  private tickTimer?: TimerHandle;
  private readonly pacer = new BroadcastPacer();
  private readonly drainWait: CallsDrain;
  /** Calls holding a line, from the originate to their end, with when they started. */
  private readonly onLine = new Map<AttemptId, EpochMs>();
  private holdTotalMs = 0;
  private holds = 0;
  private leadsToDial?: LeadsToDial;
  /** Whether the last projection said the list ends by its "finish by": a change is logged once. */
  private onTime = true;

  constructor(private readonly o: BroadcastRunnerOptions) {
    this.drainWait = new CallsDrain(o.scheduler);
  }

  async start(): Promise<TakenCampaign> {
    const { db, coordination, campaignId, engineId, scheduler, logger } = this.o;
    const campaign = await campaignToRun(db, campaignId, 'broadcast');
    if (!campaign.broadcastMessage) throw new Error(`broadcast campaign ${campaignId} has no message: set its broadcastMessage (docs/broadcast.md)`);
    const message = parseBroadcastMessage(campaign.broadcastMessage);
    if (this.o.soundsDir) await assertPromptsExist(message, this.o.soundsDir);
    const agentCampaignId = message.menu.agentCampaignId as CampaignId | null;
    if (agentCampaignId !== null && (await findCampaign(db, agentCampaignId))?.type !== 'agent') {
      throw new Error(`broadcast campaign ${campaignId} sends key 1 to ${agentCampaignId}, which is not an agent campaign: fix menu.agentCampaignId`);
    }
    const lease = await CampaignLease.take({ db, coordination, campaignId, engineId, scheduler, logger, ttlMs: this.o.leaseTtlMs });
    // Kept from the take, as an agent campaign's (campaign-runner.ts).
    lease.keep({ lost: () => this.gate.hold('lease-lost'), regained: () => this.gate.release('lease-lost') });
    try {
      return await this.startOwned(campaign, message, agentCampaignId, lease);
    } catch (error) {
      if (!this.running) lease.stopKeeping();
      throw error;
    }
  }

  /** The campaign's lease is held: set up its leads, attempts and calls, then dial. */
  private async startOwned(campaign: Campaign, message: BroadcastMessage, agentCampaignId: CampaignId | null, lease: CampaignLease): Promise<TakenCampaign> {
    const { db, coordination, campaignId, engineId, scheduler, logger } = this.o;
    const onMachine = broadcastMachinePolicy(campaign.pacing);
    const maxLines = Math.min(this.o.trunk.maxLines, campaign.pacing.maxConcurrentLines);
    const trunk = new TrunkLimiter({ ...this.o.trunk, id: campaign.trunkId ?? this.o.trunk.id, maxLines });
    const metrics = this.o.metrics?.campaign(campaignId);
    const gate = this.gate;
    const outage: StorageOutage = new StorageOutage({
      db,
      logger: logger.child({ campaignId }),
      changed: pauseDialing(gate, (): Promise<void> => attempts.replayed()),
    });
    const leads = new ClaimedLeads({
      db,
      campaignId,
      engineId,
      clock: scheduler,
      onError: (err) => outage.failed(err) || logger.error({ campaignId, err }, 'storage refused a lead claim or release'),
      claimed: metrics?.claimed,
    });
    const attempts = new StoredAttempts({
      db,
      engineId,
      trunkId: trunk.id,
      onError: (attemptId, what, err) => logger.error({ attemptId, err }, `the attempt's ${what} was not stored`),
      fence: lease.fence,
      onOwnershipLost: lease.ownershipLost,
      timed: this.o.metrics?.storageWriteTimed,
      outage,
    });
    const live = new LivePublisher({ live: coordination.live, campaignId, logger });
    const records = new BroadcastCallRecords((record) => {
      this.store(record, attempts, message, agentCampaignId);
      live.callOver(record.call.attemptId, record.endedAt, broadcastCounted(record));
      metrics?.ended({ outcome: broadcastCallOutcome(record.result.outcome), abandoned: false });
    });
    const calls = new BroadcastCalls({ telephony: this.o.port, ivr: this.o.port, scheduler, desk: this.desk(agentCampaignId, attempts, records) });
    // After the key flow's own listener: a call's result is decided (or not) before its end is told to the records.
    const unsubscribe = [
      this.o.port.subscribe((e) => this.onTelephony(e)),
      this.o.port.subscribe(records.telephonyEvent),
      this.o.port.subscribe(live.telephonyEvent),
      () => calls.close(),
    ];
    const { callerId, pacing } = campaign;
    const finishBy = pacing.finishBy ? Date.parse(pacing.finishBy) : undefined;
    if (finishBy !== undefined) {
      this.leadsToDial = { counted: await countLeadsToDial(db, campaignId, finishBy), launchedSince: 0, countedAt: scheduler.now(), counting: false };
    }
    this.running = {
      campaign: { callerId, ringTimeoutSec: pacing.ringTimeoutSec, machineDetection: pacing.machineDetection, recording: campaign.recording },
      message,
      onMachine,
      trunk,
      maxLines,
      leads,
      attempts,
      calls,
      records,
      lease,
      unsubscribe,
      finishBy,
      live,
      metrics,
      watch: new CampaignWatch({
        db,
        campaignId,
        scheduler,
        logger,
        initial: campaign,
        // A pause stops new dials (the calls in progress go on); a start resumes them, unless the campaign was lost.
        changed: (now) => (now.state === 'running' ? gate.release('campaign-not-running') : gate.hold('campaign-not-running')),
      }),
    };
    // A "finish by" that cannot be met is said before the first dial, not at the deadline.
    this.reportFinish(projectFinish(this.snapshot(this.running, scheduler.now())));
    gate.started({ stopDialing: () => this.stopDialing(), resumeDialing: () => this.resumeDialing() });
    logger.info({ campaignId, engineId, token: lease.token }, 'broadcast campaign started');
    return { lostEngine: lease.lostEngine };
  }

  /** Stops dialing, lets the calls in progress end and be stored, then gives the campaign up. */
  async drain(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    running.watch.stop();
    this.gate.hold('draining');
    await running.leads.close();
    const inFlight = () => this.onLine.size + running.calls.inFlight;
    const ended = await this.drainWait.until(inFlight, this.o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
    if (!ended) this.o.logger.warn({ calls: inFlight() }, 'drain timed out: calls still in progress are left open in storage');
    for (const u of running.unsubscribe) u();
    await running.attempts.settled();
    await running.live.settled();
    await running.lease.release();
    this.o.logger.info({ campaignId: this.o.campaignId }, 'broadcast campaign drained');
  }

  private stopDialing(): void {
    this.dialing = false;
    this.tickTimer?.cancel();
  }

  private resumeDialing(): void {
    if (this.dialing) return;
    this.dialing = true;
    this.scheduleTick();
  }

  private scheduleTick(): void {
    this.tickTimer = this.o.scheduler.after(this.o.tickMs ?? 1000, () => {
      this.tick();
      if (this.dialing) this.scheduleTick();
    });
  }

  private tick(): void {
    const running = this.running;
    if (!running || !this.dialing) return;
    const now = this.o.scheduler.now();
    const snapshot = this.snapshot(running, now);
    // Leads at hand for what the limits allow now and next second; the buffer refills in the background.
    running.leads.want(snapshot.callsAllowedNow);
    const decision = this.pacer.decide(snapshot);
    this.o.observer?.decision?.(decision, now);
    running.metrics?.inFlight(this.onLine.size);
    running.live.broadcastDecision(decision, now, snapshot.leadsLeft);
    this.reportFinish(decision.finish);
    for (let i = 0; i < decision.launch; i++) {
      const lead = running.leads.take();
      if (!lead) break;
      this.launch(running, lead, now);
      if (this.leadsToDial) this.leadsToDial.launchedSince++;
    }
    this.recountLeadsToDial(running, now);
  }

  private snapshot(running: Running, now: EpochMs): BroadcastSnapshot {
    const { trunk, leads, finishBy } = running;
    const toDial = this.leadsToDial;
    // The servers' trunks beside the other engines' calls (several PBXs, or engines sharing one), when the port knows them.
    const { linesFree, callsAllowedNow } = trunk.capacityOn(this.o.port, now);
    return {
      now,
      // With a "finish by" the spread needs the whole list left, not just the leads at hand.
      leadsLeft: toDial ? Math.max(leads.available(), toDial.counted - toDial.launchedSince) : leads.available(),
      linesInUse: this.onLine.size,
      maxLines: Math.min(running.maxLines, this.onLine.size + linesFree),
      maxCallsPerSecond: this.o.trunk.maxCallsPerSecond,
      callsAllowedNow: Math.min(callsAllowedNow, linesFree),
      windowClosesAt: now + WINDOW_HORIZON_MS,
      targetEndAt: finishBy,
      meanLineHoldMs: this.holds >= MEASURED_AFTER_CALLS ? this.holdTotalMs / this.holds : PRIOR_HOLD_MS,
    };
  }

  /** Tells the campaign's log when the "finish by" cannot be met, and when it can again. */
  private reportFinish(finish: FinishProjection): void {
    if (finish.onTime === this.onTime) return;
    this.onTime = finish.onTime;
    const { campaignId, logger } = this.o;
    if (finish.warning) logger.warn({ campaignId, projectedEndAt: new Date(finish.projectedEndAt).toISOString() }, finish.warning);
    else logger.info({ campaignId }, 'the list ends by its "finish by" again');
  }

  private recountLeadsToDial(running: Running, now: EpochMs): void {
    const toDial = this.leadsToDial;
    if (!toDial || running.finishBy === undefined || toDial.counting || now - toDial.countedAt < LEADS_RECOUNT_MS) return;
    toDial.counting = true;
    const launchedBefore = toDial.launchedSince;
    countLeadsToDial(this.o.db, this.o.campaignId, running.finishBy).then(
      // Leads launched while the count ran may be in it or not; counting them as launched errs toward finishing early.
      (counted) => Object.assign(toDial, { counted, launchedSince: toDial.launchedSince - launchedBefore, countedAt: now, counting: false }),
      (err: unknown) => {
        toDial.counting = false;
        this.o.logger.warn({ campaignId: this.o.campaignId, err }, 'could not count the leads left; the spread goes on from the last count');
      },
    );
  }

  private launch(running: Running, lead: Lead, now: EpochMs): void {
    const { campaignId, engineId, db, logger } = this.o;
    let rendered;
    try {
      rendered = renderMessage(running.message, lead.fields ?? {});
    } catch (err) {
      logger.error({ leadId: lead.id, err }, 'the lead cannot hear the message: set aside, never dialed');
      void setLeadAside(db, lead.id, engineId, String(err)).catch((error: unknown) => logger.error({ leadId: lead.id, err: error }, 'could not set the lead aside'));
      return;
    }
    const attemptId = running.attempts.newAttemptId();
    const call: BroadcastCall = { attemptId, leadId: lead.id, campaignId, number: lead.number };
    running.trunk.seize(now);
    this.onLine.set(attemptId, now);
    running.attempts.opened(attemptId, lead, now).then(
      () => {
        running.calls.track(call, running.message, rendered, running.onMachine);
        running.records.dialed(attemptId);
        running.live.attemptOpened(attemptId, now);
        running.metrics?.dialed();
        this.o.port.originate({
          attemptId,
          campaignId,
          leadId: lead.id,
          number: lead.number,
          callerId: running.campaign.callerId,
          trunk: TrunkId(running.trunk.id),
          ringTimeoutSec: running.campaign.ringTimeoutSec,
          machineDetection: running.campaign.machineDetection,
          // A caller put through by key 1 is recorded as the broadcast campaign says.
          recording: running.campaign.recording,
        });
      },
      (err: unknown) => {
        // Not dialed: the line is free again, and the lead's claim lapses back to the pool.
        logger.error({ attemptId, leadId: lead.id, err }, 'the attempt was not written: the lead is not dialed');
        this.lineFreed(attemptId, false);
      },
    );
  }

  /** A line is in use from the originate to the call's end, failed or not, as the carrier counts it. */
  /** The call's result and its end are both known: the attempt is stored whole, and a caller put through, in the agent campaign too. */
  private store(record: BroadcastCallRecord, attempts: StoredAttempts, message: BroadcastMessage, agentCampaignId: CampaignId | null): void {
    const { db, engineId } = this.o;
    const { call, result, endedAt, cause, answeredAt, connectedAt, agentId } = record;
    attempts.finishWith(call.attemptId, () =>
      finishBroadcastAttempt(db, call.attemptId, { endedAt, result, retry: message.retry, hangupCause: cause, answeredAt, connectedAt, agentId }),
    );
    if (result.outcome !== 'transferred' || !agentId || connectedAt === undefined || agentCampaignId === null) return;
    const handover = { agentCampaignId, broadcastAttemptId: call.attemptId, engineId, at: connectedAt, agentId, askedAt: record.agentAskedAt, endedAt, cause };
    attempts.thenWrite(call.attemptId, 'handover to the agent campaign', () => recordHandover(db, handover));
  }

  private onTelephony(e: TelephonyEvent): void {
    if ((e.type === 'call.failed' || e.type === 'call.ended') && this.onLine.has(e.attemptId)) this.lineFreed(e.attemptId, true, e.at);
  }

  private lineFreed(attemptId: AttemptId, dialed: boolean, at = this.o.scheduler.now()): void {
    const startedAt = this.onLine.get(attemptId)!;
    this.onLine.delete(attemptId);
    this.running?.trunk.release();
    if (dialed) {
      this.holdTotalMs += at - startedAt;
      this.holds++;
    }
    this.drainWait.callEnded();
  }

  private desk(agentCampaignId: CampaignId | null, attempts: StoredAttempts, records: BroadcastCallRecords): BroadcastDesk {
    const { db, scheduler, engineId, logger, agentCampaigns } = this.o;
    const durable = storageDesk({ db, clock: scheduler, engineId, agentCampaignId, callbackAfterMs: this.o.callbackAfterMs ?? HOUR });
    return {
      // Queued with the attempt's other writes, so that a drain waits for them; a failure is logged as theirs are.
      optOut: async (call) => attempts.thenWrite(call.attemptId, 'opt-out', () => durable.optOut(call)),
      scheduleCallback: async (call) => attempts.thenWrite(call.attemptId, 'callback and abandon for the agent campaign', () => durable.scheduleCallback(call)),
      requestAgent: (call, campaignId, give) => {
        records.agentAsked(call.attemptId, scheduler.now());
        // Not running in this process: nobody to give, and after agentWaitSec the caller hears the busy prompt.
        const lender = agentCampaigns?.find(campaignId);
        if (!lender) return () => undefined;
        return lender.lendAgent(call.attemptId, give);
      },
      // The in-process engine's ledger; the stored abandon comes with the callback (scheduleCallback).
      countAbandon: (campaignId) => agentCampaigns?.find(campaignId)?.countAbandon(scheduler.now()),
      finished: (call, result) => {
        records.decided(call, result);
        this.o.observer?.finished?.(call, result);
        this.drainWait.callEnded();
      },
      failed: (call, what, err) => logger.error({ attemptId: call.attemptId, err }, `broadcast call: could not ${what}`),
    };
  }
}

/** Today's counters a finished broadcast call moves: the keys pressed and what they led to, beside the answers. */
function broadcastCounted(record: BroadcastCallRecord): [LiveCounter, number][] {
  const { outcome, keys } = record.result;
  const person = PERSON_OUTCOMES.has(outcome);
  return [
    ['answers', record.answeredAt === undefined ? 0 : 1],
    ['live-answers', person ? 1 : 0],
    ['machines', outcome === 'machine-message-left' || outcome === 'machine-hung-up' ? 1 : 0],
    ['connects', record.connectedAt === undefined ? 0 : 1],
    ['keys-pressed', keys.length],
    ['handovers', outcome === 'transferred' ? 1 : 0],
    ['opt-outs', outcome === 'opted-out' ? 1 : 0],
    ['callbacks', outcome === 'callback-scheduled' ? 1 : 0],
  ];
}

/** The broadcast outcomes where a person listened. */
const PERSON_OUTCOMES: ReadonlySet<BroadcastOutcome> = new Set(['heard', 'partly-heard', 'transferred', 'callback-scheduled', 'opted-out']);

/** A broadcast outcome in the words of an agent campaign's calls, for the metrics' outcome label. */
function broadcastCallOutcome(outcome: BroadcastOutcome): CallOutcome {
  if (PERSON_OUTCOMES.has(outcome)) return 'live';
  if (outcome === 'machine-message-left' || outcome === 'machine-hung-up') return 'machine';
  return outcome as CallOutcome;
}
