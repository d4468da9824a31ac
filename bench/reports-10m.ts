/**
 * The reports over 10 million attempts: a campaign of 200,000 leads in 4
 * lists from 2 sources, called over 30 days by 200 agents (outcomes,
 * dispositions, talk times and agent states drawn as a floor makes them),
 * generated inside PostgreSQL, then rolled up (migration 0190, as the first
 * catch-up after the migration does it), and each report timed over a day, a
 * week and the month from the attempts alone and through the rollup.
 *
 *   DATABASE_URL=postgres://... node --import tsx bench/reports-10m.ts [--attempts 10000000]
 *
 * (Migration 0170's index was measured by this bench on 2026-12-07 with and without: bench/results/reports-10m.txt.)
 */
import { parseArgs } from 'node:util';
import { changeCampaignState, createCampaign } from '../src/campaigns/campaign-store.js';
import type { CampaignId } from '../src/domain/ids.js';
import { activityReport, clientWeekReport, listQualityReport } from '../src/reports/reports.js';
import { catchUpRollup } from '../src/reports/rollup.js';
import { runMigrations } from '../src/storage/migrate.js';
import { openIsolatedPostgres, postgresUrl } from '../test/support/databases.js';

const { values } = parseArgs({ options: { attempts: { type: 'string', default: '10000000' } } });
const ATTEMPTS = Number(values.attempts);
const LEADS = 200_000;
const AGENTS = 200;
const DAY = 86_400_000;
const END = Date.UTC(2026, 11, 1);
const START = END - 30 * DAY;

const url = await postgresUrl();
if (!url) throw new Error('set DATABASE_URL');
const db = await openIsolatedPostgres(url, 1);
const seconds = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
  const t = performance.now();
  const result = await work();
  console.log(`${what}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  return result;
};
try {
  await runMigrations(db);
  const campaign = await createCampaign(db, { name: 'big', type: 'agent', complianceProfile: 'us', callerId: '+12025550100' }, 'bench');
  await changeCampaignState(db, campaign.id, 'start', 'bench');
  await seconds('leads and agents', async () => {
    await db.query(`INSERT INTO lists (campaign_id, name, source) SELECT $1, 'list ' || i, 'source ' || (i % 2) FROM generate_series(0, 3) i`, [campaign.id]);
    await db.query(`INSERT INTO customers (phone) SELECT '+1202' || lpad(i::text, 7, '0') FROM generate_series(1, $1) i`, [LEADS]);
    await db.query(
      `INSERT INTO leads (list_id, campaign_id, customer_id, phone, time_zone)
       SELECT (SELECT id FROM lists WHERE campaign_id = $1 ORDER BY name OFFSET (c.n % 4) LIMIT 1), $1, c.id, c.phone, 'America/New_York'
         FROM (SELECT id, phone, row_number() OVER () AS n FROM customers) c`,
      [campaign.id],
    );
    await db.query(`INSERT INTO agents (id, name) SELECT 'agent' || i, 'Agent ' || i FROM generate_series(1, $1) i`, [AGENTS]);
  });
  // Generated rows refer to what exists: the foreign keys' per-row checks are skipped while they are written.
  await db.query("SET session_replication_role = 'replica'");
  await seconds(`${ATTEMPTS.toLocaleString('en')} attempts`, () =>
    db.query(
      `WITH l AS (SELECT id, customer_id, phone, row_number() OVER () - 1 AS n FROM leads WHERE campaign_id = $1),
            a AS (SELECT i, to_timestamp(($3::float8 + (($4::float8 - $3::float8) * (i::float8 / $2::int))) / 1000) AS at, (hashint4(i) & 1023) AS r FROM generate_series(0, $2::int - 1) i)
       INSERT INTO attempts (lead_id, campaign_id, customer_id, phone, engine_id, originated_at, answered_at, connected_at, ended_at, outcome, abandoned, hangup_cause_code, agent_id, disposition)
       SELECT l.id, $1, l.customer_id, l.phone, 'bench', a.at,
              CASE WHEN a.r < 420 THEN a.at + interval '8 s' END,
              CASE WHEN a.r < 300 AND a.r >= 9 THEN a.at + interval '9 s' END,
              a.at + CASE WHEN a.r < 300 THEN make_interval(secs => 30 + (a.r * 7) % 200) ELSE interval '25 s' END,
              CASE WHEN a.r < 300 THEN 'live' WHEN a.r < 420 THEN 'machine' WHEN a.r < 800 THEN 'no-answer' WHEN a.r < 900 THEN 'busy' ELSE 'invalid-number' END,
              a.r < 9, CASE WHEN a.r >= 900 THEN 1 ELSE 16 END,
              CASE WHEN a.r < 300 AND a.r >= 9 THEN 'agent' || (1 + a.i % $5) END,
              CASE WHEN a.r < 300 AND a.r >= 9 THEN (ARRAY['valid-sale','refused','wrong-party','appointment','survey-completed','vacant'])[1 + a.r % 6] END
         FROM a JOIN l ON l.n = a.i % ${LEADS}`,
      [campaign.id, ATTEMPTS, START, END, AGENTS],
    ),
  );
  await seconds('agent states (a state change every 10 minutes per agent)', () =>
    db.query(
      `INSERT INTO agent_states (agent_id, campaign_ids, from_state, to_state, at)
       SELECT 'agent' || (1 + i % $2), ARRAY[$1::uuid], 'x', (ARRAY['ready','on-call','wrap-up','ready','on-call','wrap-up','paused'])[1 + (i / $2) % 7],
              to_timestamp(($3::float8 + (i / $2::int) * 600000.0) / 1000)
         FROM generate_series(0, $2::int * (($4::bigint - $3::bigint) / 600000)::int - 1) i`,
      [campaign.id, AGENTS, START, END],
    ),
  );
  await db.query("SET session_replication_role = 'origin'");
  await seconds('analyze', () => db.query('ANALYZE'));
  // The rows were written with triggers off: every quarter hour is marked stale, as migration 0190 marks what it finds.
  await db.query('INSERT INTO attempt_rollup_stale (campaign_id, bucket) SELECT DISTINCT campaign_id, report_bucket(originated_at) FROM attempts');
  await seconds('roll-up of every quarter hour (the first catch-up)', () => catchUpRollup(db));
  const rolledUp = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM attempt_rollup');
  console.log(`rollup rows: ${rolledUp.rows[0]!.n.toLocaleString('en')}`);
  await db.query('ANALYZE attempt_rollup');
  const reports = async (label: string, rollup: boolean) => {
    const id = campaign.id as CampaignId;
    const span = (days: number) => ({ campaignId: id, from: END - days * DAY, to: END, timeZone: 'America/New_York', rollup });
    for (const days of [1, 7, 30]) {
      await seconds(`${label}: activity by hour per campaign, ${days} d`, () => activityReport(db, 'campaign', { ...span(days), by: 'hour' }));
      await seconds(`${label}: activity by day per agent, ${days} d`, () => activityReport(db, 'agent', { ...span(days), by: 'day' }));
      await seconds(`${label}: activity by week per source, ${days} d`, () => activityReport(db, 'source', { ...span(days), by: 'week' }));
      await seconds(`${label}: list quality, ${days} d`, () => listQualityReport(db, span(days)));
      await seconds(`${label}: client week, ${days} d`, () => clientWeekReport(db, span(days)));
    }
    await seconds(`${label}: activity by hour per campaign in Asia/Kolkata, 30 d`, () => activityReport(db, 'campaign', { ...span(30), timeZone: 'Asia/Kolkata', by: 'hour' }));
    await seconds(`${label}: activity by day per agent, every campaign, 7 d`, () => activityReport(db, 'agent', { from: END - 7 * DAY, to: END, timeZone: 'UTC', by: 'day', rollup }));
  };
  await reports('attempts alone', false);
  await reports('rollup', true);
  // A day's dialing changed after its roll-up (a quarter of its quarter hours stale): what the reports read from the attempts then.
  await db.query(`INSERT INTO attempt_rollup_stale (campaign_id, bucket) SELECT campaign_id, bucket FROM attempt_rollup WHERE dimension = 'campaign' AND bucket >= $1 AND extract(minute FROM bucket) = 0 GROUP BY 1, 2`, [new Date(END - DAY)]);
  await reports('rollup, the last day 1/4 stale', true);
  await seconds('catch-up of those quarter hours', () => catchUpRollup(db));
  // What the stale marks cost the writes: 20,000 dispositions changed one UPDATE at a time, with the trigger and without.
  const dispositions = (label: string) =>
    seconds(`20,000 dispositions, one UPDATE each, ${label}`, () =>
      db.query(`DO $$ DECLARE r record; BEGIN
                  FOR r IN SELECT id FROM attempts WHERE disposition IS NOT NULL LIMIT 20000 LOOP
                    UPDATE attempts SET disposition = CASE WHEN disposition = 'refused' THEN 'appointment' ELSE 'refused' END WHERE id = r.id;
                  END LOOP; END $$`),
    );
  await dispositions('marking their quarter hours stale');
  await db.query("SET session_replication_role = 'replica'");
  await dispositions('with the trigger off');
  await db.query("SET session_replication_role = 'origin'");
} finally {
  await db.close();
}
