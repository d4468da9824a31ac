/**
 * Reports by hour, day or week, in an explicit time zone (the periods are
 * that zone's hours, days and ISO weeks, Monday first; every row names the
 * zone): what the floor did, per campaign, agent or list source; which lists
 * to stop buying; the week's client report. Read from the attempts and the
 * agents' state history: the attempts through their rollup (attempt-sums.ts,
 * rollup.ts), the state history over the index of migration 0170.
 */
import type { CampaignId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';
import { attemptSums, LOCAL_FORMAT, PERIOD, type AttemptSums } from './attempt-sums.js';

export const REPORT_PERIODS = ['hour', 'day', 'week'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];
export const REPORT_DIMENSIONS = ['campaign', 'agent', 'source'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

export interface ReportRequest {
  readonly campaignId?: CampaignId | undefined;
  readonly by: ReportPeriod;
  readonly from: EpochMs;
  readonly to: EpochMs;
  /** An IANA zone, such as America/New_York: the periods are its hours, days and weeks. */
  readonly timeZone: string;
}

/** One period of one campaign, agent or list source. */
export interface ActivityRow {
  readonly timeZone: string;
  /** The period's start in the zone's local time, `2026-12-07 09:00`, and as an instant. */
  readonly period: string;
  readonly periodStart: string;
  readonly key: string;
  readonly dials: number;
  readonly connects: number;
  readonly liveAnswers: number;
  readonly liveAnswerRate: number | null;
  readonly abandons: number;
  readonly abandonRate: number | null;
  readonly machines: number;
  readonly talkSeconds: number;
  readonly wrapUpSeconds: number;
  readonly idleSeconds: number;
  readonly pausedSeconds: number;
  readonly occupancy: number | null;
  readonly rightPartyContacts: number;
  readonly sales: number;
  readonly salesPerAgentHour: number | null;
  readonly dispositions: Record<string, number>;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);

/** Per list source, the lists' sums are added up under their list's source (read now: a source corrected later applies to past calls). */
async function sumsByKey(db: Queryable, dimension: ReportDimension, r: ReportRequest & { rollup?: boolean }): Promise<AttemptSums[]> {
  if (dimension !== 'source') {
    const sums = await attemptSums(db, dimension, r);
    return dimension === 'agent' ? sums.map((s) => ({ ...s, key: s.key || '(no agent)' })) : sums;
  }
  const [sums, lists] = await Promise.all([
    attemptSums(db, 'list', r),
    db.query<{ id: string; source: string | null }>('SELECT id::text, source FROM lists WHERE $1::uuid IS NULL OR campaign_id = $1', [r.campaignId ?? null]),
  ]);
  const sourceOf = new Map(lists.rows.map((l) => [l.id, l.source ?? '(no source)']));
  return sums.map((s) => ({ ...s, key: sourceOf.get(s.key) ?? '(no source)' }));
}

const SUMMED = ['dials', 'connects', 'live', 'abandons', 'machines', 'talk', 'right_party', 'sales'] as const;

/** `rollup: false` reads the attempts alone: the test comparing the two, the benchmark's "before". */
export async function activityReport(db: Queryable, dimension: ReportDimension, r: ReportRequest & { rollup?: boolean }): Promise<ActivityRow[]> {
  const calls = await sumsByKey(db, dimension, r);
  const time = dimension === 'source' ? [] : await agentTimeByPeriod(db, dimension, r);
  const rows = new Map<string, { period: string; starts: Date; key: string; sums: Record<string, number>; dispositions: Record<string, number> }>();
  const row = (period: string, starts: Date, k: string) => {
    const id = `${period} ${k}`;
    let found = rows.get(id);
    if (!found) rows.set(id, (found = { period, starts, key: k, sums: {}, dispositions: {} }));
    return found;
  };
  const add = (sums: Record<string, number>, name: string, value: number) => (sums[name] = (sums[name] ?? 0) + value);
  for (const c of calls) {
    const target = row(c.period, c.starts, c.key);
    for (const name of SUMMED) add(target.sums, name, c[name]);
    if (c.disposition) add(target.dispositions, c.disposition, c.dials);
  }
  for (const t of time) add(row(t.period, t.starts, t.key).sums, t.state, t.seconds);
  return [...rows.values()]
    .sort((a, b) => a.starts.getTime() - b.starts.getTime() || a.key.localeCompare(b.key))
    .map(({ period, starts, key: k, sums, dispositions }) => {
      const s = (name: string) => sums[name] ?? 0;
      const loggedIn = s('ready') + s('reserved') + s('on-call') + s('wrap-up') + s('paused');
      return {
        timeZone: r.timeZone,
        period,
        periodStart: withOffset(period, starts),
        key: k,
        dials: s('dials'),
        connects: s('connects'),
        liveAnswers: s('live'),
        liveAnswerRate: ratio(s('live'), s('dials')),
        abandons: s('abandons'),
        abandonRate: ratio(s('abandons'), s('live')),
        machines: s('machines'),
        talkSeconds: Math.round(s('talk')),
        wrapUpSeconds: Math.round(s('wrap-up')),
        idleSeconds: Math.round(s('ready') + s('reserved')),
        pausedSeconds: Math.round(s('paused')),
        occupancy: ratio(s('on-call') + s('wrap-up'), loggedIn),
        rightPartyContacts: s('right_party'),
        sales: s('sales'),
        salesPerAgentHour: ratio(s('sales'), loggedIn / 3600),
        dispositions,
      };
    });
}

/**
 * Agents' seconds per state in each period, per agent or per campaign: each
 * state lasts until the agent's next one, and the part inside each period
 * counts there (as agent-time.ts does for one span).
 */
export async function agentTimeByPeriod(db: Queryable, dimension: 'campaign' | 'agent', r: Omit<ReportRequest, 'by'> & { by: ReportPeriod | 'quarter-hour' }) {
  // Quarter hours (the supervisor's day) are binned; hours, days and ISO weeks truncated.
  const quarter = r.by === 'quarter-hour';
  const step = quarter ? "($1 || ' minutes')::interval" : "('1 ' || $1)::interval";
  const trunc = (at: string) => (quarter ? `date_bin(${step}, ${at}, timestamp '2000-01-01')` : `date_trunc($1, ${at})`);
  const { rows } = await db.query<{ period: string; starts: Date; key: string; state: string; seconds: number }>(
    `WITH
     -- The agents with a state in the period (or the day before it), their states in it, and each one's last state before it:
     -- the history is read where it matters, by time (agent_states_at) and per agent (agent_states_agent).
     agents AS (
       SELECT DISTINCT agent_id FROM agent_states
        WHERE at >= $3::timestamptz - interval '1 day' AND at < $4 AND ($5::uuid IS NULL OR $5::uuid = ANY (campaign_ids))),
     states AS (
       SELECT s.id, s.agent_id, s.to_state, s.campaign_ids, s.at FROM agent_states s JOIN agents USING (agent_id) WHERE s.at >= $3 AND s.at < $4
       UNION ALL
       SELECT p.id, p.agent_id, p.to_state, p.campaign_ids, p.at FROM agents a
        CROSS JOIN LATERAL (SELECT * FROM agent_states p WHERE p.agent_id = a.agent_id AND p.at < $3 ORDER BY p.at DESC, p.id DESC LIMIT 1) p),
     spans AS (
       SELECT agent_id, to_state, campaign_ids, at AS starts, coalesce(lead(at) OVER (PARTITION BY agent_id ORDER BY at, id), $4) AS ends FROM states)
     SELECT to_char(b, '${LOCAL_FORMAT}') AS period, b AT TIME ZONE $2 AS starts, ${dimension === 'agent' ? 'sp.agent_id' : 'c.id::text'} AS key, sp.to_state AS state,
            sum(extract(epoch FROM least(sp.ends, (b + ${step}) AT TIME ZONE $2, $4) - greatest(sp.starts, b AT TIME ZONE $2, $3)))::float8 AS seconds
       FROM spans sp
       -- The periods each span touches (one or two, mostly): never every span against every period.
       CROSS JOIN LATERAL generate_series(${trunc('greatest(sp.starts, $3) AT TIME ZONE $2')},
                                          (least(sp.ends, $4) AT TIME ZONE $2) - interval '1 microsecond', ${step}) b
       -- Per campaign, a blended agent's span counts for each campaign they were logged in to; per agent, once.
       ${dimension === 'campaign' ? 'CROSS JOIN LATERAL unnest(sp.campaign_ids) AS c(id)' : ''}
      WHERE sp.to_state <> 'logged-out' AND sp.ends > $3
        AND ($5::uuid IS NULL OR ${dimension === 'campaign' ? 'c.id = $5' : '$5::uuid = ANY (sp.campaign_ids)'})
      GROUP BY 1, 2, 3, 4
     HAVING sum(extract(epoch FROM least(sp.ends, (b + ${step}) AT TIME ZONE $2, $4) - greatest(sp.starts, b AT TIME ZONE $2, $3))) > 0`,
    [quarter ? '15' : r.by, r.timeZone, new Date(r.from), new Date(r.to), r.campaignId ?? null],
  );
  return rows;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The wall-clock start with the zone's offset at that instant: `2026-12-07T09:00:00-05:00`. */
function withOffset(local: string, starts: Date): string {
  const offsetMin = Math.round((Date.parse(`${local.replace(' ', 'T')}:00Z`) - starts.getTime()) / 60_000);
  const abs = Math.abs(offsetMin);
  return `${local.replace(' ', 'T')}:00${offsetMin < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** Per list and its source: what its numbers turned out to be (which data to stop buying). */
export interface ListQualityRow {
  readonly timeZone: string;
  readonly source: string;
  readonly list: string;
  readonly numbersDialed: number;
  readonly dials: number;
  /** Numbers whose last dial said the number does not exist (Q.850 cause 1, 3 or 28), or dispositioned vacant. */
  readonly vacant: number;
  readonly suspended: number;
  readonly poweredOff: number;
  readonly wrongParty: number;
  readonly machines: number;
  readonly rightParty: number;
  readonly invalidShare: number | null;
  readonly rightPartyShare: number | null;
}

export async function listQualityReport(db: Queryable, r: Omit<ReportRequest, 'by'>): Promise<ListQualityRow[]> {
  const { rows } = await db.query<{ source: string; list: string } & Record<string, number>>(
    `WITH numbers AS (
       SELECT l.list_id, a.phone,
              count(*)::int AS dials,
              bool_or(a.hangup_cause_code IN (1, 3, 28) OR a.outcome = 'invalid-number' OR a.disposition = 'vacant') AS vacant,
              bool_or(a.disposition = 'suspended') AS suspended,
              bool_or(a.disposition = 'powered-off') AS powered_off,
              bool_or(a.disposition IN ('wrong-party', 'not-target')) AS wrong_party,
              bool_or(a.outcome = 'machine') AS machine,
              bool_or(d.right_party) AS right_party
         FROM attempts a JOIN leads l ON l.id = a.lead_id LEFT JOIN dispositions d ON d.code = a.disposition
        WHERE a.originated_at >= $1 AND a.originated_at < $2 AND ($3::uuid IS NULL OR a.campaign_id = $3)
        GROUP BY 1, 2)
     SELECT coalesce(li.source, '(no source)') AS source, li.name AS list,
            count(*)::int AS numbers, sum(n.dials)::int AS dials,
            count(*) FILTER (WHERE n.vacant)::int AS vacant, count(*) FILTER (WHERE n.suspended)::int AS suspended,
            count(*) FILTER (WHERE n.powered_off)::int AS powered_off, count(*) FILTER (WHERE n.wrong_party)::int AS wrong_party,
            count(*) FILTER (WHERE n.machine)::int AS machines, count(*) FILTER (WHERE n.right_party)::int AS right_party
       FROM numbers n JOIN lists li ON li.id = n.list_id
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [new Date(r.from), new Date(r.to), r.campaignId ?? null],
  );
  return rows.map((x) => ({
    timeZone: r.timeZone,
    source: x.source,
    list: x.list,
    numbersDialed: x.numbers!,
    dials: x.dials!,
    vacant: x.vacant!,
    suspended: x.suspended!,
    poweredOff: x.powered_off!,
    wrongParty: x.wrong_party!,
    machines: x.machines!,
    rightParty: x.right_party!,
    invalidShare: ratio(x.vacant! + x.suspended!, x.numbers!),
    rightPartyShare: ratio(x.right_party!, x.numbers!),
  }));
}

/** The week's report to the client: dials, connect rate, valid rate (right-party contacts per connect), complaints. */
export interface ClientWeekRow {
  readonly timeZone: string;
  readonly week: string;
  readonly weekStart: string;
  readonly dials: number;
  readonly connects: number;
  readonly connectRate: number | null;
  readonly validContacts: number;
  readonly validRate: number | null;
  readonly sales: number;
  /** Numbers the campaign called that were put on the black list as complaints that week. */
  readonly complaints: number;
}

export async function clientWeekReport(db: Queryable, r: Omit<ReportRequest, 'by'> & { rollup?: boolean }): Promise<ClientWeekRow[]> {
  const params = ['week', r.timeZone, new Date(r.from), new Date(r.to), r.campaignId ?? null];
  const [sums, complaints] = await Promise.all([
    attemptSums(db, 'campaign', { ...r, by: 'week' }),
    db.query<{ period: string; complaints: number }>(
      `SELECT ${PERIOD('n.created_at')}, count(*)::int AS complaints
         FROM number_lists n
        WHERE n.color = 'black' AND n.category = 'complaint' AND n.created_at >= $3 AND n.created_at < $4
          AND EXISTS (SELECT 1 FROM customers c JOIN attempts a ON a.customer_id = c.id
                       WHERE c.phone = n.phone AND ($5::uuid IS NULL OR a.campaign_id = $5))
        GROUP BY 1, 2`,
      params,
    ),
  ]);
  const byWeek = new Map(complaints.rows.map((c) => [c.period, c.complaints]));
  const weeks = new Map<string, { period: string; starts: Date; dials: number; connects: number; valid: number; sales: number }>();
  for (const s of sums) {
    const w = weeks.get(s.period) ?? { period: s.period, starts: s.starts, dials: 0, connects: 0, valid: 0, sales: 0 };
    weeks.set(s.period, { ...w, dials: w.dials + s.dials, connects: w.connects + s.connects, valid: w.valid + s.right_party, sales: w.sales + s.sales });
  }
  return [...weeks.values()].sort((a, b) => a.starts.getTime() - b.starts.getTime()).map((w) => ({
    timeZone: r.timeZone,
    week: w.period.slice(0, 10),
    weekStart: withOffset(w.period, w.starts),
    dials: w.dials,
    connects: w.connects,
    connectRate: ratio(w.connects, w.dials),
    validContacts: w.valid,
    validRate: ratio(w.valid, w.connects),
    sales: w.sales,
    complaints: byWeek.get(w.period) ?? 0,
  }));
}
