/**
 * The agents' state history in storage (table agent_states), for occupancy
 * and time per state. The engine never waits for it: changes are kept in
 * memory and written in batches, one insert at a time, each taking every
 * change heard since the last. If storage falls behind past `maxPending`
 * changes, the oldest are dropped and reported rather than letting memory
 * grow without end. While storage is out of reach the changes are kept and
 * written, in order, once it is back (said once per outage).
 */
import PQueue from 'p-queue';
import type { AgentStateChange } from '../../agents/agent-board.js';
import type { Db } from '../../storage/db.js';
import { isStorageUnreachable } from '../../storage/errors.js';

export interface StoredAgentStatesOptions {
  readonly db: Db;
  /** A batch was not stored, or changes were dropped because storage fell behind. */
  readonly onError?: (what: string, error: unknown) => void;
  readonly maxPending?: number;
}

const DEFAULT_MAX_PENDING = 50_000;
/** Between tries while storage is out of reach. */
const RETRY_MS = 1000;

export class StoredAgentStates {
  private pending: AgentStateChange[] = [];
  private readonly writes = new PQueue({ concurrency: 1 });
  /** Storage was out of reach at the last write. */
  private away = false;

  constructor(private readonly o: StoredAgentStatesOptions) {}

  /** An agent board listener. */
  readonly changed = (change: AgentStateChange): void => {
    this.pending.push(change);
    const max = this.o.maxPending ?? DEFAULT_MAX_PENDING;
    if (this.pending.length > max) {
      const dropped = this.pending.splice(0, this.pending.length - max);
      this.o.onError?.('agent state changes', new Error(`storage fell behind: ${dropped.length} agent state changes not stored`));
    }
    // One write queued at most: it takes whatever has gathered by the time it runs.
    if (this.writes.size === 0) void this.writes.add(() => this.write());
  };

  /** Resolves once every change heard so far is stored: for shutdown and tests. */
  async settled(): Promise<void> {
    await this.writes.onIdle();
  }

  private async write(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.o.db.query(
        `INSERT INTO agent_states (agent_id, campaign_ids, from_state, to_state, reason, attempt_id, at)
         SELECT x.agent_id, string_to_array(x.campaigns, ',')::uuid[], x.from_state, x.to_state, x.reason, x.attempt_id, x.at
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::uuid[], $7::timestamptz[])
                AS x(agent_id, campaigns, from_state, to_state, reason, attempt_id, at)`,
        [
          batch.map((c) => c.agentId),
          batch.map((c) => c.campaigns.join(',')),
          batch.map((c) => c.from),
          batch.map((c) => c.to),
          batch.map((c) => c.reason ?? null),
          batch.map((c) => c.attemptId ?? null),
          batch.map((c) => new Date(c.at)),
        ],
      );
      this.away = false;
    } catch (error) {
      if (!isStorageUnreachable(error)) return this.o.onError?.('agent state changes', error);
      // Kept, before anything heard since, and tried again shortly.
      this.pending = batch.concat(this.pending);
      if (!this.away) this.o.onError?.('agent state changes (kept, written when storage is back)', error);
      this.away = true;
      setTimeout(() => this.writes.size === 0 && void this.writes.add(() => this.write()), RETRY_MS).unref();
    }
  }
}

/** Why agents a lost engine left logged in are logged out when the next engine takes their campaign. */
export const LOST_ENGINE_LOGOUT_REASON = 'engine-lost';

/**
 * Closes the state history an engine that was lost left open: each agent whose
 * last state in these campaigns is not logged-out is logged out at `at`, with
 * `reason`, so that occupancy stops counting them ready (or on a call) from
 * the moment their engine was found gone. Returns the agents logged out.
 */
export async function closeLeftHistories(db: Db, campaignIds: readonly string[], at: number, reason: string): Promise<string[]> {
  const { rows } = await db.query<{ agent_id: string }>(
    `INSERT INTO agent_states (agent_id, campaign_ids, from_state, to_state, reason, at)
     SELECT last.agent_id, last.campaign_ids, last.to_state, 'logged-out', $3, $2
       FROM (SELECT DISTINCT ON (agent_id) agent_id, campaign_ids, to_state FROM agent_states ORDER BY agent_id, id DESC) AS last
      WHERE last.to_state <> 'logged-out' AND last.campaign_ids && $1::uuid[]
     RETURNING agent_id`,
    [campaignIds, new Date(at), reason],
  );
  return rows.map((r) => r.agent_id);
}
