/**
 * The broadcast desk's durable half: key 9 puts the number on the global
 * do-not-call (black) list, which the hopper reads at every claim, so the
 * number is never dialed again by any campaign; key 1 without a free agent
 * schedules a callback on the lead.
 */
import { scheduleCallback } from '../campaigns/callbacks.js';
import { addNumberListEntries } from '../campaigns/number-lists.js';
import type { DurationMs } from '../domain/time.js';
import type { Clock } from '../engine/scheduler.js';
import type { Db } from '../storage/db.js';
import type { BroadcastCall, BroadcastDesk } from './broadcast-calls.js';

const ACTOR = 'ivr';

export interface StorageDeskOptions {
  readonly db: Db;
  readonly clock: Clock;
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
      await scheduleCallback(
        o.db,
        { leadId: call.leadId, dueAt: o.clock.now() + o.callbackAfterMs, note: 'pressed 1 in a broadcast; no agent was free' },
        ACTOR,
      );
    },
  };
}
