/**
 * A running campaign follows what managers change through the API: new
 * pacing targets take effect within a second, a pause stops new dials (the
 * calls in progress go on) and a start resumes them. The campaign's row is
 * read once a second, one primary-key lookup, so every engine process sees
 * the change however it was made, without a message bus.
 */
import type { Logger } from 'pino';
import type { CampaignId } from '../../domain/ids.js';
import { SECOND, type DurationMs } from '../../domain/time.js';
import type { Scheduler, TimerHandle } from '../../engine/scheduler.js';
import type { Queryable } from '../../storage/db.js';
import { findCampaign } from '../campaign-store.js';
import type { Campaign } from '../campaign.js';

export interface CampaignWatchOptions {
  readonly db: Queryable;
  readonly campaignId: CampaignId;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** The campaign as it was when the run started. */
  readonly initial: Campaign;
  /** Told of every change to the campaign's row, with the campaign before it. */
  readonly changed: (now: Campaign, before: Campaign) => void;
  readonly everyMs?: DurationMs;
}

export class CampaignWatch {
  private timer?: TimerHandle;
  private current: Campaign;
  private stopped = false;
  /** The last look failed (storage away). */
  private unreadable = false;

  constructor(private readonly o: CampaignWatchOptions) {
    this.current = o.initial;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.o.scheduler.after(this.o.everyMs ?? SECOND, () => void this.look());
  }

  private async look(): Promise<void> {
    try {
      const campaign = await findCampaign(this.o.db, this.o.campaignId);
      if (this.stopped) return;
      if (!campaign) {
        this.o.logger.error({ campaignId: this.o.campaignId }, 'the campaign was deleted while it ran: no more dials');
        const deleted = { ...this.current, state: 'stopped' as const };
        this.o.changed(deleted, this.current);
        this.current = deleted;
        return;
      }
      if (this.unreadable) this.o.logger.info({ campaignId: this.o.campaignId }, 'the campaign can be read for changes again');
      this.unreadable = false;
      if (campaign.updatedAt.getTime() !== this.current.updatedAt.getTime()) {
        const before = this.current;
        this.current = campaign;
        this.o.changed(campaign, before);
      }
    } catch (err) {
      // The database is away for a moment: keep running on what was last read; said once, not every second.
      if (!this.unreadable) this.o.logger.warn({ campaignId: this.o.campaignId, err }, 'could not read the campaign for changes; trying again every second');
      this.unreadable = true;
    }
    this.schedule();
  }
}
