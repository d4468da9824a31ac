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
import { takeCampaign, type CampaignFence, type OwnershipLostError } from './campaign-fence.js';

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

export interface CampaignLeaseOptions {
  readonly db: Db;
  readonly coordination: Coordination;
  readonly campaignId: CampaignId;
  readonly engineId: string;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly ttlMs?: DurationMs;
}

export class CampaignLease {
  private renewal?: TimerHandle;
  private held = true;
  private lost?: () => void;

  private constructor(
    private readonly o: CampaignLeaseOptions,
    readonly token: FencingToken,
    /** Give it to the runner's StoredAttempts: each new attempt is checked against it. */
    readonly fence: CampaignFence,
  ) {}

  /** Takes the campaign's ownership, or says which engine holds it. */
  static async take(o: CampaignLeaseOptions): Promise<CampaignLease> {
    const ttlMs = o.ttlMs ?? DEFAULT_LEASE_TTL_MS;
    const token = await o.coordination.ownership.acquire(o.campaignId, o.engineId, ttlMs);
    if (token === null) {
      const owner = await o.coordination.ownership.owner(o.campaignId);
      throw new Error(`campaign ${o.campaignId} is run by engine ${owner?.engineId ?? 'another engine'}: stop it there first, or wait for its lease to lapse`);
    }
    return new CampaignLease(o, token, await takeCampaign(o.db, o.campaignId, o.engineId));
  }

  /** Storage refused an attempt because another engine has taken the campaign (give it to StoredAttempts as onOwnershipLost). */
  readonly ownershipLost = (error: OwnershipLostError): void => this.lose(error.message);

  get ttlMs(): DurationMs {
    return this.o.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  }

  /** Renews the lease at a third of its time; `lost` is told when it cannot be kept (another engine may own the campaign now: stop dialing). */
  keep(lost: () => void, heldUntil = this.o.scheduler.now() + this.ttlMs): void {
    this.lost = lost;
    this.renewal = this.o.scheduler.after(this.ttlMs / 3, () => {
      if (!this.held) return;
      const askedAt = this.o.scheduler.now();
      this.o.coordination.ownership.renew(this.o.campaignId, this.o.engineId, this.token, this.ttlMs).then(
        (kept) => (kept ? this.keep(lost, askedAt + this.ttlMs) : this.lose('another engine holds the lease or it lapsed')),
        (error: unknown) => {
          // Redis unreachable: the lease may still hold until it lapses; past that, another engine may own the campaign.
          if (this.o.scheduler.now() >= heldUntil) return this.lose('could not renew the lease before it lapsed');
          this.o.logger.warn({ err: error }, 'could not renew the campaign lease; retrying');
          this.keep(lost, heldUntil);
        },
      );
    });
  }

  private lose(why: string): void {
    if (!this.held) return;
    this.o.logger.error({ campaignId: this.o.campaignId }, `campaign lost (${why}): no more dials from this engine`);
    this.lost?.();
  }

  async release(): Promise<void> {
    this.held = false;
    this.renewal?.cancel();
    await this.o.coordination.ownership.release(this.o.campaignId, this.o.engineId, this.token);
  }
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
