/**
 * One campaign run by this process: it takes the campaign's ownership lease
 * (one engine per campaign, whatever the number of processes), takes over
 * the calls an engine lost before it left open (lost-engine-calls.ts), starts the
 * engine on leads claimed from storage with every attempt stored, keeps the
 * lease, and drains on shutdown: no new dials, the calls in progress go on to
 * their end and are recorded, undialed leads go back to the pool, the lease
 * is given up.
 */
import type { Logger } from 'pino';
import type { AgentBoard } from '../../agents/agent-board.js';
import type { AgentDesk } from '../../agents/desk.js';
import type { Campaign } from '../campaign.js';
import type { Coordination } from '../../coordination/coordination.js';
import type { CampaignId } from '../../domain/ids.js';
import { SECOND, type DurationMs } from '../../domain/time.js';
import type { LocalAgentCampaigns } from '../../engine/agent-lending.js';
import { CampaignEngine, type EngineObserver } from '../../engine/campaign-engine.js';
import type { Scheduler } from '../../engine/scheduler.js';
import { Pacer } from '../../pacing/pacer.js';
import type { TrunkSettings } from '../../pacing/settings.js';
import type { OutpaceMetrics } from '../../metrics/metrics.js';
import type { Db } from '../../storage/db.js';
import type { TelephonyPort } from '../../telephony/port.js';
import { callHandling, type CallHandling } from './call-handling.js';
import { CallsDrain, CampaignLease, campaignToRun } from './campaign-lease.js';
import { CampaignWatch } from './campaign-watch.js';
import { ClaimedLeads } from './claimed-leads.js';
import { DialGate } from './dial-gate.js';
import { LivePublisher } from './live-publisher.js';
import { takeOverLostEngineCalls } from './lost-engine-calls.js';
import { pauseDialing, StorageOutage } from './storage-outage.js';
import { closeLeftHistories, LOST_ENGINE_LOGOUT_REASON } from './stored-agent-states.js';
import type { TakenCampaign } from './standby.js';
import { StoredAttempts } from './stored-attempts.js';

export interface CampaignRunnerOptions {
  readonly db: Db;
  readonly coordination: Coordination;
  readonly campaignId: CampaignId;
  readonly engineId: string;
  readonly port: TelephonyPort;
  readonly desk: AgentDesk;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** The trunk's limits; its id is the campaign's trunk, when the campaign names one. */
  readonly trunk: TrunkSettings;
  readonly leaseTtlMs?: DurationMs;
  /** How long a drain waits for the calls in progress before giving up on them (they stay open in storage). */
  readonly drainTimeoutMs?: DurationMs;
  /** The abandon message of a campaign that names none (default sound:outpace/abandon). */
  readonly abandonMessage?: string;
  /** Told what the engine decides and does, beside the runner's own use of it (the wallboard, tests). */
  readonly observer?: EngineObserver;
  readonly tickMs?: number;
  /** Where broadcasts running in this process find the engine, to put their key-1 callers through to its agents. */
  readonly agentCampaigns?: LocalAgentCampaigns;
  /** The agents shared by the campaigns this process runs (blended agents); default: this campaign's own. */
  readonly board?: AgentBoard;
  /** Where the campaign's figures go for /metrics. */
  readonly metrics?: OutpaceMetrics;
  /** The engine's humanTimeScale: the demo's speed. */
  readonly humanTimeScale?: number;
}

export const DEFAULT_DRAIN_TIMEOUT_MS = 10 * 60 * SECOND;
/** Why the agents still logged in when a campaign drains are logged out: their history and their screens say so. */
export const SHUTDOWN_LOGOUT_REASON = 'engine-shutdown';

interface Running {
  readonly engine: CampaignEngine;
  readonly leads: ClaimedLeads;
  readonly attempts: StoredAttempts;
  readonly lease: CampaignLease;
  readonly live: LivePublisher;
  readonly watch: CampaignWatch;
  readonly gate: DialGate;
  readonly unsubscribe: (() => void)[];
}

export class CampaignRunner {
  private running?: Running;
  private readonly drainWait: CallsDrain;

  constructor(private readonly o: CampaignRunnerOptions) {
    this.drainWait = new CallsDrain(o.scheduler);
  }

  async start(): Promise<TakenCampaign> {
    const { db, coordination, campaignId, engineId, scheduler, logger } = this.o;
    const campaign = await campaignToRun(db, campaignId, 'agent');
    const handling = callHandling(campaign, this.o.abandonMessage);
    const lease = await CampaignLease.take({ db, coordination, campaignId, engineId, scheduler, logger, ttlMs: this.o.leaseTtlMs });
    // Kept from the take: a takeover's adoption can outlast the lease, and a third engine must not take the campaign meanwhile.
    const dialGate = new DialGate();
    lease.keep({ lost: () => dialGate.hold('lease-lost'), regained: () => dialGate.release('lease-lost') });
    try {
      return await this.startOwned(campaign, handling, lease, dialGate);
    } catch (error) {
      // Not started: a drain gives up what was set up (a standby drains and asks again); before that, the lease lapses.
      if (!this.running) lease.stopKeeping();
      throw error;
    }
  }

  /** The campaign's lease is held: adopt what a lost engine left, then dial. */
  private async startOwned(campaign: Campaign, handling: CallHandling, lease: CampaignLease, dialGate: DialGate): Promise<TakenCampaign> {
    const { db, coordination, campaignId, engineId, scheduler, logger } = this.o;
    // Owned now: the agents a lost engine left logged in to it are logged out in their history, before any of its calls is adopted.
    const closed = await closeLeftHistories(db, [campaignId], scheduler.now(), LOST_ENGINE_LOGOUT_REASON);
    if (closed.length > 0) logger.warn({ campaignId, agents: closed }, 'agents a lost engine left logged in are logged out in their history');
    const trunk = { ...this.o.trunk, id: campaign.trunkId ?? this.o.trunk.id };
    const outage: StorageOutage = new StorageOutage({
      db,
      logger: logger.child({ campaignId }),
      changed: pauseDialing(dialGate, (): Promise<void> => attempts.replayed()),
    });
    const onError = (error: unknown) => outage.failed(error) || this.o.logger.error({ campaignId, err: error }, 'storage refused a lead claim or release');
    const metrics = this.o.metrics?.campaign(campaignId);
    const leads = new ClaimedLeads({ db, campaignId, engineId, clock: this.o.scheduler, onError, claimed: metrics?.claimed });
    const attempts = new StoredAttempts({
      db,
      engineId,
      trunkId: trunk.id,
      onError: (attemptId, what, error) => this.o.logger.error({ attemptId, err: error }, `the attempt's ${what} was not stored`),
      fence: lease.fence,
      onOwnershipLost: lease.ownershipLost,
      timed: this.o.metrics?.storageWriteTimed,
      outage,
    });
    const live = new LivePublisher({ live: coordination.live, campaignId, logger });
    const engine = new CampaignEngine({
      campaignId,
      settings: campaign.pacing,
      trunk,
      callerId: campaign.callerId,
      messages: handling.messages,
      recording: handling.recording,
      port: this.o.port,
      desk: this.o.desk,
      scheduler: this.o.scheduler,
      leads,
      pacer: new Pacer(campaign.pacing),
      journal: attempts,
      newAttemptId: attempts.newAttemptId,
      observer: {
        decision: (d) => {
          leads.decided(d);
          metrics?.decision(d);
          live.decision(d);
          this.o.observer?.decision?.(d);
        },
        agentState: (...change) => {
          live.agentState(...change);
          this.o.observer?.agentState?.(...change);
          // A wrap-up ended: a drain may be waiting for it.
          this.drainWait.callEnded();
        },
        attemptOpened: (...opened) => {
          live.attemptOpened(...opened);
          metrics?.dialed();
          this.o.observer?.attemptOpened?.(...opened);
        },
        wrapUpLapsed: (...lapse) => {
          attempts.wrapUpLapsed(...lapse);
          this.o.observer?.wrapUpLapsed?.(...lapse);
        },
        dialRefused: (agentId, leadId, why) => {
          this.o.logger.warn({ campaignId, agentId, leadId }, `hand dial not made: ${why}`);
          this.o.observer?.dialRefused?.(agentId, leadId, why);
        },
        attemptEnded: (record) => {
          attempts.ended(record);
          live.attemptEnded(record);
          metrics?.ended(record);
          this.o.observer?.attemptEnded?.(record);
          this.drainWait.callEnded();
        },
        lentCallEnded: (attemptId, ...rest) => {
          attempts.awaitDisposition(attemptId);
          this.o.observer?.lentCallEnded?.(attemptId, ...rest);
        },
      },
      tickMs: this.o.tickMs,
      board: this.o.board,
      humanTimeScale: this.o.humanTimeScale,
    });
    const unsubscribe = [
      this.o.port.subscribe(attempts.telephonyEvent),
      this.o.port.subscribe(live.telephonyEvent),
      this.o.desk.subscribe(attempts.deskEvent),
    ];
    if (this.o.agentCampaigns) unsubscribe.push(this.o.agentCampaigns.register(campaignId, engine));
    const watch = new CampaignWatch({
      db,
      campaignId,
      scheduler,
      logger,
      initial: campaign,
      changed: (now, before) => {
        if (JSON.stringify(now.pacing) !== JSON.stringify(before.pacing)) engine.updateSettings(now.pacing);
        this.followCallHandling(engine, now);
        if (now.state === 'running') {
          dialGate.release('campaign-not-running');
        } else {
          logger.info({ campaignId, state: now.state }, 'campaign no longer running: no new dials; the calls in progress go on');
          dialGate.hold('campaign-not-running');
        }
      },
    });
    this.running = { engine, leads, attempts, lease, live, watch, gate: dialGate, unsubscribe };
    const { adopted } = await takeOverLostEngineCalls({ db, campaign, trunkId: trunk.id, engineId, engine, port: this.o.port, logger, now: scheduler.now() });
    // Claimed while the agents log in, so that the first one ready is dialed for at once (the takeover released every claim).
    leads.refill();
    await live.takeOver(adopted);
    engine.start();
    dialGate.started(engine);
    this.o.logger.info({ campaignId, engineId, token: lease.token }, 'campaign started');
    return { lostEngine: lease.lostEngine };
  }

  /** The campaign's messages or recording changed: calls dialed from now on follow them; a change that cannot work is refused and said. */
  private followCallHandling(engine: CampaignEngine, campaign: Campaign): void {
    try {
      const { messages, recording } = callHandling(campaign, this.o.abandonMessage);
      engine.updateCallHandling(messages, recording);
    } catch (err) {
      this.o.logger.error({ campaignId: campaign.id, err }, 'campaign change not followed: the calls keep the messages they had');
    }
  }

  /** Stops dialing, lets the calls in progress end and be recorded with their dispositions, then gives the campaign up. */
  async drain(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    const { engine, leads, attempts, lease } = running;
    running.watch.stop();
    running.gate.hold('draining');
    await leads.close();
    // The calls end, then their agents' wrap-ups (by disposition or the campaign's wrap-up timeout), so no call is left without its disposition.
    const ended = await this.drainWait.until(() => engine.callsInFlight + engine.wrapUpsOpen, this.o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS);
    if (!ended) {
      this.o.logger.warn({ calls: engine.callsInFlight, wrapUps: engine.wrapUpsOpen }, 'drain timed out: calls still in progress or undispositioned are left open in storage');
    }
    engine.logOutEveryone(SHUTDOWN_LOGOUT_REASON);
    engine.stop();
    for (const u of running.unsubscribe) u();
    await attempts.settled();
    await running.live.settled();
    await lease.release();
    this.o.logger.info({ campaignId: this.o.campaignId }, 'campaign drained');
  }
}
