/**
 * The broadcast desk's durable half: key 9 puts the number on the global
 * do-not-call (black) list, which the hopper reads at every claim, so the
 * number is never dialed again by any campaign; key 1 without a free agent
 * is handed over to the linked agent campaign: a callback there, and an
 * abandon in its accounting (handover.ts).
 */
import { addNumberListEntries } from '../campaigns/number-lists.js';
import type { CampaignId } from '../domain/ids.js';
import type { DurationMs } from '../domain/time.js';
import type { Clock } from '../engine/scheduler.js';
import type { Db } from '../storage/db.js';
import type { BroadcastCall, BroadcastDesk } from './broadcast-calls.js';
import { recordHandover } from './handover.js';

const ACTOR = 'ivr';

export interface StorageDeskOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly engineId: string;
  /** The agent campaign key 1 reaches (the message's menu.agentCampaignId). */
  readonly agentCampaignId: CampaignId | null;
  /** How long after a busy answer to key 1 the callback falls due. */
  readonly callbackAfterMs: DurationMs;
}

export function storageDesk(o: StorageDeskOptions): Pick<BroadcastDesk, 'optOut' | 'scheduleCallback'> {
  return {
    optOut: (call: BroadcastCall) =>
      addNumberListEntries(
        o.db,
        [
          {
            phone: call.number,
            color: 'black',
            campaignId: null,
            category: 'opt-out',
            reason: `pressed 9 during broadcast campaign ${call.campaignId}, attempt ${call.attemptId}`,
            source: 'ivr',
          },
        ],
        ACTOR,
      ),
    scheduleCallback: async (call: BroadcastCall) => {
      // Key 1 exists only with a linked campaign (key-flow's agentsLinked), so this holds whenever a callback is asked for.
      if (o.agentCampaignId === null) throw new Error('a callback was asked for, but the message names no agent campaign (menu.agentCampaignId)');
      const now = o.clock.now();
      await recordHandover(o.db, {
        agentCampaignId: o.agentCampaignId,
        broadcastAttemptId: call.attemptId,
        engineId: o.engineId,
        at: now,
        callbackDueAt: now + o.callbackAfterMs,
      });
    },
  };
}
