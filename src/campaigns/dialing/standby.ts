/**
 * An engine started for a campaign another engine runs stands by: it asks
 * for the campaign's lease at a short interval and, once the other engine's
 * lease lapses (killed, frozen, cut off), starts the campaign, which takes
 * the lost engine's calls over before dialing (lost-engine-calls.ts). The
 * lease's TTL plus one interval bounds how long a campaign goes unserved.
 */
import type { Logger } from 'pino';
import { SECOND, type DurationMs } from '../../domain/time.js';
import type { Scheduler, TimerHandle } from '../../engine/scheduler.js';
import { CampaignRunElsewhereError } from './campaign-lease.js';

/** A campaign started here: the engine that ran it before and was lost, when there was one (its agents' idle legs are to go). */
export interface TakenCampaign {
  readonly lostEngine: string | undefined;
}

export interface CampaignRun {
  /** Takes the campaign's lease and starts it; throws CampaignRunElsewhereError while another engine holds it. */
  start(): Promise<TakenCampaign>;
  drain(): Promise<void>;
}

/** How often a standing-by engine asks for the lease: a third of its TTL, at most a second (a takeover target is seconds). */
export function standByInterval(leaseTtlMs: DurationMs): DurationMs {
  return Math.min(SECOND, leaseTtlMs / 3);
}

export interface StandByOptions {
  readonly run: CampaignRun;
  readonly campaignId: string;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly intervalMs: DurationMs;
  /** Told once the campaign runs here, with the engine that ran it before and was lost. */
  readonly tookOver: (lostEngine: string | undefined) => Promise<void>;
}

export class StandBy {
  private timer?: TimerHandle;
  private stopped = false;
  private attempt?: Promise<void>;
  /** The last reason it could not be taken over, said once rather than at every ask. */
  private lastProblem?: string;

  constructor(
    private readonly o: StandByOptions,
    owner: string | undefined,
  ) {
    o.logger.warn({ campaignId: o.campaignId, owner }, `campaign run by engine ${owner ?? 'another engine'}: standing by, to take it over if its lease lapses`);
    this.next();
  }

  /** Stops asking, once an ask under way is over (a campaign it took over is then drained with the others). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.attempt;
  }

  private next(): void {
    this.timer = this.o.scheduler.after(this.o.intervalMs, () => {
      this.attempt = this.tryTakeOver();
    });
  }

  private async tryTakeOver(): Promise<void> {
    if (this.stopped) return;
    let taken: TakenCampaign;
    try {
      taken = await this.o.run.start();
    } catch (error) {
      if (!(error instanceof CampaignRunElsewhereError)) {
        // Storage or Redis unreachable, or the campaign paused: whatever the run set up before it failed is let go, and asked again.
        await this.o.run.drain().catch(() => undefined);
        const problem = error instanceof Error ? error.message : String(error);
        if (problem !== this.lastProblem) this.o.logger.error({ campaignId: this.o.campaignId, err: error }, 'standing by: the campaign could not be taken over; trying again');
        this.lastProblem = problem;
      }
      return this.next();
    }
    this.o.logger.warn({ campaignId: this.o.campaignId }, "campaign taken over: its lost engine's calls adopted or closed, dialing from this engine");
    // The campaign is this engine's now, whatever the rest of the takeover meets (a PBX too loaded to list its channels).
    await this.o.tookOver(taken.lostEngine).catch((error: unknown) =>
      this.o.logger.error({ campaignId: this.o.campaignId, err: error }, "campaign taken over, but what follows the takeover failed (the lost engine's idle agent legs may be left on the PBX)"),
    );
  }
}
