/**
 * The agents' time in a campaign over a period, from their state history
 * (agent_states): seconds per state, summed over agents, and occupancy.
 *
 * Occupancy is the contact-center definition: time handling calls (on call
 * and wrap-up) over logged-in time (every state but logged out: ready,
 * reserved, on call, wrap-up and paused). Some suites leave paused time out of
 * the denominator; we keep it in, so that long breaks show.
 *
 * A blended agent's time counts for the campaign of their call while on it,
 * and for every campaign they are logged in to while ready or paused.
 */
import type { CampaignId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { AgentState } from '../pacing/snapshot.js';
import type { Queryable } from '../storage/db.js';

export type LoggedInState = Exclude<AgentState, 'logged-out'>;

export interface AgentTime {
  readonly from: Date;
  readonly to: Date;
  /** Agents with any logged-in time in the period. */
  readonly agents: number;
  readonly secondsByState: Record<LoggedInState, number>;
  /** (on call + wrap-up) / logged-in time; null with no logged-in time. */
  readonly occupancy: number | null;
}

export async function agentTime(db: Queryable, campaignId: CampaignId, from: EpochMs, to: EpochMs): Promise<AgentTime> {
  // Each row's state lasts until the agent's next row (or the period's end); only the part inside the period counts.
  const { rows } = await db.query<{ state: LoggedInState; seconds: number; agents: string[] }>(
    `WITH spans AS (
       SELECT s.agent_id, s.to_state, s.campaign_ids, s.at AS starts,
              coalesce(lead(s.at) OVER (PARTITION BY s.agent_id ORDER BY s.at, s.id), $3) AS ends
         FROM agent_states s
        WHERE s.at <= $3 AND s.agent_id IN (SELECT DISTINCT agent_id FROM agent_states WHERE $1::uuid = ANY (campaign_ids) AND at <= $3))
     SELECT to_state AS state,
            sum(extract(epoch FROM least(ends, $3) - greatest(starts, $2)))::float8 AS seconds,
            array_agg(DISTINCT agent_id) AS agents
       FROM spans
      WHERE $1::uuid = ANY (campaign_ids) AND ends > $2 AND to_state <> 'logged-out'
      GROUP BY to_state`,
    [campaignId, new Date(from), new Date(to)],
  );
  const secondsByState: Record<LoggedInState, number> = { ready: 0, reserved: 0, 'on-call': 0, 'wrap-up': 0, paused: 0 };
  for (const r of rows) secondsByState[r.state] = r.seconds;
  const loggedIn = Object.values(secondsByState).reduce((a, b) => a + b, 0);
  return {
    from: new Date(from),
    to: new Date(to),
    agents: new Set(rows.flatMap((r) => r.agents)).size,
    secondsByState,
    occupancy: loggedIn === 0 ? null : (secondsByState['on-call'] + secondsByState['wrap-up']) / loggedIn,
  };
}
