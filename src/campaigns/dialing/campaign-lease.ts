/**
 * What every campaign run shares, whatever its type: the campaign must be
 * started and of the runner's type, one engine owns it at a time through the
 * ownership lease (renewed at a third of its time, given up at the end) and
 * the fence in storage that every new attempt is checked against
 * (campaign-fence.ts), and a drain waits for the calls in progress to end
 * before giving it up.
 */
import type { Logger } from 'pino';
import type { Coordination, FencingToken } from '../../coordination/coordination.js';
import type { CampaignId } from '../../domain/ids.js';
import { SECOND, type DurationMs } from '../../domain/time.js';
import type { Scheduler, TimerHandle } from '../../engine/scheduler.js';
import type { Db } from '../../storage/db.js';
import { getCampaign } from '../campaign-store.js';
import type { Campaign } from '../campaign.js';
import { releaseCampaign, takeCampaign, type CampaignFence, type OwnershipLostError } from './campaign-fence.js';

export const DEFAULT_LEASE_TTL_MS = 15 * SECOND;

/** The campaign, when it is of `type` and running; else an error that says what to do. */
export async function campaignToRun(db: Db, campaignId: CampaignId, type: Campaign['type']): Promise<Campaign> {
  const campaign = await getCampaign(db, campaignId);
  if (campaign.type !== type) throw new Error(`campaign ${campaignId} is a ${campaign.type} campaign: this runner runs ${type} campaigns`);
  if (campaign.state !== 'running') {
    throw new Error(`campaign ${campaignId} is ${campaign.state}: start it first (POST /api/v1/campaigns/${campaignId}/start)`);
  }
  return campaign;
}

/** Another engine holds the campaign's lease: this one may stand by and take it over once the lease lapses (standby.ts). */
export class CampaignRunElsewhereError extends Error {
  constructor(
    readonly campaignId: CampaignId,
    readonly owner: string | undefined,
  ) {
    super(`campaign ${campaignId} is run by engine ${owner ?? 'another engine'}: stop it there first, or wait for its lease to lapse`);
    this.name = 'CampaignRunElsewhereError';
  }
}

export interface CampaignLeaseOptions {
  readonly db: Db;
  readonly coordination: Coordination;
  readonly campaignId: CampaignId;
  readonly engineId: string;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly ttlMs?: DurationMs;
}

/** What the runner does when the lease is lost (stop dialing) and when it is taken back (dial again). */
export interface LeaseHolder {
  readonly lost: () => void;
  readonly regained: () => void;
}

export class CampaignLease {
  private renewal?: TimerHandle;
  private held = true;
  /** Set from a loss until the lease is taken back: the runner is told each once. */
  private lostLease = false;
  /** Set from a failed renewal until one succeeds: said once, not on every retry. */
  private renewing = false;
  private holder?: LeaseHolder;
  /** Said once: the campaign is not taken back while another engine's calls are open. */
  private waitingForOthers = false;
  private currentToken: FencingToken;
  private generation: number;
  /**
   * Give it to the runner's StoredAttempts: each new attempt is checked against
   * it. Its generation is the lease's current one: taken back after a loss,
   * the lease fences with the new generation.
   */
  readonly fence: CampaignFence;
  /** The engine that owned the campaign before and never gave it up (lost), when not this one: its agents' idle legs may be left on the PBX. */
  readonly lostEngine: string | undefined;

  private constructor(
    private readonly o: CampaignLeaseOptions,
    token: FencingToken,
    fence: CampaignFence & { readonly lostEngine: string | undefined },
  ) {
    this.lostEngine = fence.lostEngine;
    this.currentToken = token;
    this.generation = fence.generation;
    const lease = this;
    this.fence = {
      campaignId: fence.campaignId,
      get generation() {
        return lease.generation;
      },
    };
  }

  /** Takes the campaign's ownership, or says which engine holds it. */
  static async take(o: CampaignLeaseOptions): Promise<CampaignLease> {
    const ttlMs = o.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    const token = await o.coordination.ownership.acquire(o.campaignId, o.engineId, ttlMs);
    if (token === null) throw new CampaignRunElsewhereError(o.campaignId, (await o.coordination.ownership.owner(o.campaignId))?.engineId);
    return new CampaignLease(o, token, await takeCampaign(o.db, o.campaignId, o.engineId));
  }

  get token(): FencingToken {
    return this.currentToken;
  }

  /** Storage refused an attempt because another engine has taken the campaign (give it to StoredAttempts as onOwnershipLost). */
  readonly ownershipLost = (error: OwnershipLostError): void => this.lose(error.message);

  get ttlMs(): DurationMs {
    return this.o.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  /**
   * Renews the lease at a third of its time. The holder is told `lost` when it
   * cannot be kept (another engine may own the campaign now: stop dialing);
   * the lease is then sought again at the same pace, and `regained` told when
   * this engine holds it again (Redis came back and no other engine took it).
   */
  keep(holder: LeaseHolder, heldUntil = this.o.scheduler.now() + this.ttlMs): void {
    this.holder = holder;
    this.renewal = this.o.scheduler.after(this.ttlMs / 3, () => {
      if (!this.held) return;
      const askedAt = this.o.scheduler.now();
      this.o.coordination.ownership.renew(this.o.campaignId, this.o.engineId, this.currentToken, this.ttlMs).then(
        (kept) => {
          if (!kept) return this.lose('another engine holds the lease or it lapsed');
          if (this.renewing) this.o.logger.info({ campaignId: this.o.campaignId }, 'campaign lease renewed again');
          this.renewing = false;
          this.keep(holder, askedAt + this.ttlMs);
        },
        (error: unknown) => {
          // Redis unreachable: the lease may still hold until it lapses; past that, another engine may own the campaign.
          if (this.o.scheduler.now() >= heldUntil) return this.lose('could not renew the lease before it lapsed');
          if (!this.renewing) this.o.logger.warn({ campaignId: this.o.campaignId, err: error }, 'could not renew the campaign lease; retrying until it lapses');
          this.renewing = true;
          this.keep(holder, heldUntil);
        },
      );
    });
  }

  private lose(why: string): void {
    if (!this.held || this.lostLease) return;
    this.lostLease = true;
    this.renewing = false;
    this.renewal?.cancel();
    this.o.logger.error({ campaignId: this.o.campaignId }, `campaign lost (${why}): no more dials from this engine until it holds the lease again`);
    this.holder?.lost();
    this.seek();
  }

  /** After a loss: asks for the lease again; taken, the storage fence moves to a new generation, and dialing may resume. */
  private seek(): void {
    this.renewal = this.o.scheduler.after(this.ttlMs / 3, () => {
      if (!this.held) return;
      void this.takeBack().then(
        (taken) => (taken ? undefined : this.seek()),
        // Redis or storage still unreachable: each says so once itself; ask again later.
        () => this.seek(),
      );
    });
  }

  private async takeBack(): Promise<boolean> {
    const token = await this.o.coordination.ownership.acquire(this.o.campaignId, this.o.engineId, this.ttlMs);
    if (token === null || !this.held) return false;
    // Another engine ran the campaign meanwhile and left calls open: they need a takeover that adopts them (a restart
    // of this engine does it), not an engine that dials beside them. The lease is let go; taken back once they are closed.
    if (await otherEnginesCallsOpen(this.o.db, this.o.campaignId, this.o.engineId)) {
      await this.o.coordination.ownership.release(this.o.campaignId, this.o.engineId, token);
      if (!this.waitingForOthers) {
        this.o.logger.warn({ campaignId: this.o.campaignId }, 'another engine left calls of this campaign open: not taken back until they are closed (restart this engine to adopt them)');
      }
      this.waitingForOthers = true;
      return false;
    }
    this.waitingForOthers = false;
    const fence = await takeCampaign(this.o.db, this.o.campaignId, this.o.engineId);
    this.currentToken = token;
    this.generation = fence.generation;
    this.lostLease = false;
    this.o.logger.info({ campaignId: this.o.campaignId, token }, 'campaign lease taken back: dialing again');
    this.holder?.regained();
    this.keep(this.holder!);
    return true;
  }

  /** Stops renewing without giving the lease up: it lapses (a runner that failed to start). */
  stopKeeping(): void {
    this.held = false;
    this.renewal?.cancel();
  }

  async release(): Promise<void> {
    this.stopKeeping();
    await this.o.coordination.ownership.release(this.o.campaignId, this.o.engineId, this.currentToken);
    // Not said, the next owner takes this engine for lost and looks for its agents' legs: they are gone already, no harm.
    await releaseCampaign(this.o.db, this.o.campaignId, this.o.engineId).catch((err: unknown) =>
      this.o.logger.warn({ campaignId: this.o.campaignId, err }, 'storage did not hear the campaign given up'),
    );
  }
}

async function otherEnginesCallsOpen(db: Db, campaignId: CampaignId, engineId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM attempts WHERE campaign_id = $1 AND ended_at IS NULL AND engine_id <> $2 LIMIT 1', [campaignId, engineId]);
  return rows.length > 0;
}

/** A drain's wait for the calls in progress: true once none is left, false when the timeout came first. */
export class CallsDrain {
  private check?: () => void;

  constructor(private readonly scheduler: Scheduler) {}

  /** Tell it each time something it waits for may have ended: a call, a wrap-up. */
  callEnded(): void {
    this.check?.();
  }

  until(callsInFlight: () => number, timeoutMs: DurationMs): Promise<boolean> {
    return new Promise((resolve) => {
      const timeout = this.scheduler.after(timeoutMs, () => done(false));
      const done = (ended: boolean) => {
        timeout.cancel();
        this.check = undefined;
        resolve(ended);
      };
      this.check = () => callsInFlight() === 0 && done(true);
      this.check();
    });
  }
}
