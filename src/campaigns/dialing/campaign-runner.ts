/**
 * One campaign run by this process: it takes the campaign's ownership lease
 * (one engine per campaign, whatever the number of processes), starts the
 * engine on leads claimed from storage with every attempt stored, keeps the
 * lease, and drains on shutdown: no new dials, the calls in progress go on to
 * their end and are recorded, undialed leads go back to the pool, the lease
 * is given up.
 */
import type { Logger } from 'pino';
import type { AgentBoard } from '../../agents/agent-board.js';
import type { AgentDesk } from '../../agents/desk.js';
import type { Coordination, FencingToken } from '../../coordination/coordination.js';
import type { CampaignId } from '../../domain/ids.js';
import { SECOND, type DurationMs } from '../../domain/time.js';
import { CampaignEngine, type EngineObserver } from '../../engine/campaign-engine.js';
import type { Scheduler, TimerHandle } from '../../engine/scheduler.js';
import { Pacer } from '../../pacing/pacer.js';
import type { TrunkSettings } from '../../pacing/settings.js';
import type { Db } from '../../storage/db.js';
import type { TelephonyPort } from '../../telephony/port.js';
import { getCampaign } from '../campaign-store.js';
import { ClaimedLeads } from './claimed-leads.js';
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
  readonly abandonMessage?: string;
  /** Told what the engine decides and does, beside the runner's own use of it (the wallboard, tests). */
  readonly observer?: EngineObserver;
  readonly tickMs?: number;
  /** The agents shared by the campaigns this process runs (blended agents); default: this campaign's own. */
  readonly board?: AgentBoard;
}

const DEFAULT_LEASE_TTL_MS = 15 * SECOND;
const DEFAULT_DRAIN_TIMEOUT_MS = 10 * 60 * SECOND;
const DEFAULT_ABANDON_MESSAGE = 'sound:outpace/abandon';

interface Running {
  readonly engine: CampaignEngine;
  readonly leads: ClaimedLeads;
  readonly attempts: StoredAttempts;
  readonly token: FencingToken;
  readonly unsubscribe: (() => void)[];
}

export class CampaignRunner {
  private running?: Running;
  private renewal?: TimerHandle;
  /** Woken each time an attempt ends, while draining. */
  private attemptEnded?: () => void;

  constructor(private readonly o: CampaignRunnerOptions) {}

  get leaseTtlMs(): DurationMs {
    return this.o.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  async start(): Promise<void> {
    const { db, coordination, campaignId, engineId } = this.o;
    const campaign = await getCampaign(db, campaignId);
    if (campaign.type !== 'agent') throw new Error(`campaign ${campaignId} is a ${campaign.type} campaign: this engine runs agent campaigns`);
    if (campaign.state !== 'running') {
      throw new Error(`campaign ${campaignId} is ${campaign.state}: start it first (POST /api/v1/campaigns/${campaignId}/start)`);
    }
    const token = await coordination.ownership.acquire(campaignId, engineId, this.leaseTtlMs);
    if (token === null) {
      const owner = await coordination.ownership.owner(campaignId);
      throw new Error(`campaign ${campaignId} is run by engine ${owner?.engineId ?? 'another engine'}: stop it there first, or wait for its lease to lapse`);
    }
    const trunk = { ...this.o.trunk, id: campaign.trunkId ?? this.o.trunk.id };
    const onError = (error: unknown) => this.o.logger.error({ campaignId, err: error }, 'storage refused a lead claim or release');
    const leads = new ClaimedLeads({ db, campaignId, engineId, clock: this.o.scheduler, onError });
    const attempts = new StoredAttempts({
      db,
      engineId,
      trunkId: trunk.id,
      onError: (attemptId, what, error) => this.o.logger.error({ attemptId, err: error }, `the attempt's ${what} was not stored`),
    });
    const engine = new CampaignEngine({
      campaignId,
      settings: campaign.pacing,
      trunk,
      callerId: campaign.callerId,
      messages: { abandon: this.o.abandonMessage ?? DEFAULT_ABANDON_MESSAGE, machine: [] },
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
          this.o.observer?.decision?.(d);
        },
        agentState: (...change) => this.o.observer?.agentState?.(...change),
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
          this.o.observer?.attemptEnded?.(record);
          this.attemptEnded?.();
        },
      },
      tickMs: this.o.tickMs,
      board: this.o.board,
    });
    const unsubscribe = [this.o.port.subscribe(attempts.telephonyEvent), this.o.desk.subscribe(attempts.deskEvent)];
    this.running = { engine, leads, attempts, token, unsubscribe };
    engine.start();
    this.keepLease();
    this.o.logger.info({ campaignId, engineId, token }, 'campaign started');
  }

  /** Stops dialing, lets the calls in progress end and be recorded, then gives the campaign up. */
  async drain(): Promise<void> {
    const running = this.running;
    if (!running) return;
    this.running = undefined;
    const { engine, leads, attempts, token } = running;
    engine.stopDialing();
    await leads.close();
    const ended = await this.callsEnded(engine);
    if (!ended) this.o.logger.warn({ calls: engine.callsInFlight }, 'drain timed out: calls still in progress are left open in storage');
    engine.stop();
    for (const u of running.unsubscribe) u();
    await attempts.settled();
    this.renewal?.cancel();
    await this.o.coordination.ownership.release(this.o.campaignId, this.o.engineId, token);
    this.o.logger.info({ campaignId: this.o.campaignId }, 'campaign drained');
  }

  private callsEnded(engine: CampaignEngine): Promise<boolean> {
    return new Promise((resolve) => {
      const timeout = this.o.scheduler.after(this.o.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS, () => done(false));
      const done = (ended: boolean) => {
        timeout.cancel();
        this.attemptEnded = undefined;
        resolve(ended);
      };
      this.attemptEnded = () => engine.callsInFlight === 0 && done(true);
      if (engine.callsInFlight === 0) done(true);
    });
  }

  /** Renews the lease at a third of its time; an engine that lost it stops dialing at once (another may own the campaign now). */
  private keepLease(heldUntil = this.o.scheduler.now() + this.leaseTtlMs): void {
    this.renewal = this.o.scheduler.after(this.leaseTtlMs / 3, () => {
      const running = this.running;
      if (!running) return;
      const askedAt = this.o.scheduler.now();
      const lost = (why: string) => {
        this.o.logger.error({ campaignId: this.o.campaignId }, `campaign lease lost (${why}): no more dials from this engine`);
        running.engine.stopDialing();
      };
      this.o.coordination.ownership.renew(this.o.campaignId, this.o.engineId, running.token, this.leaseTtlMs).then(
        (kept) => (kept ? this.keepLease(askedAt + this.leaseTtlMs) : lost('another engine holds it or it lapsed')),
        (error: unknown) => {
          // Redis unreachable: the lease may still hold until it lapses; past that, another engine may own the campaign.
          if (this.o.scheduler.now() >= heldUntil) return lost('could not renew it before it lapsed');
          this.o.logger.warn({ err: error }, 'could not renew the campaign lease; retrying');
          this.keepLease(heldUntil);
        },
      );
    });
  }
}
