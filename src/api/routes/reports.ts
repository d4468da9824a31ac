/**
 * Reports as JSON or CSV (`?format=csv`), each in the time zone asked for
 * (`timeZone`, an IANA name; every row names it): activity by hour, day or
 * week per campaign, agent or list source; list quality; the client's week.
 */
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { CampaignId } from '../../domain/ids.js';
import { activityReport, clientWeekReport, listQualityReport, REPORT_DIMENSIONS, REPORT_PERIODS } from '../../reports/reports.js';
import { READERS, type Api, type ApiContext } from '../context.js';

const DAY_MS = 24 * 3600 * 1000;

function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneName = z.string().refine(knownZone, 'an IANA time zone such as America/New_York or Europe/London');

const common = {
  campaignId: z.uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  timeZone: timeZoneName,
  format: z.enum(['json', 'csv']).default('json'),
};
const activityQuery = z.object({ ...common, by: z.enum(REPORT_PERIODS).default('hour'), dimension: z.enum(REPORT_DIMENSIONS).default('campaign') }).strict();
const plainQuery = z.object(common).strict();

export function reportRoutes(api: Api, { db, clock }: ApiContext): void {
  const config = { roles: READERS };
  // Default: the last seven days to now.
  const span = (q: { from?: string | undefined; to?: string | undefined; campaignId?: string | undefined; timeZone: string }) => {
    const to = q.to ? Date.parse(q.to) : clock.now();
    return { from: q.from ? Date.parse(q.from) : to - 7 * DAY_MS, to, timeZone: q.timeZone, campaignId: q.campaignId ? CampaignId(q.campaignId) : undefined };
  };

  api.get('/reports/activity', { config, schema: { querystring: activityQuery } }, async (request, reply) => {
    const q = request.query;
    const rows = await activityReport(db, q.dimension, { ...span(q), by: q.by });
    if (q.format === 'json') return { timeZone: q.timeZone, by: q.by, dimension: q.dimension, rows };
    // Dispositions become one column each, so that a spreadsheet sums them.
    const codes = [...new Set(rows.flatMap((r) => Object.keys(r.dispositions)))].sort();
    const flat = rows.map(({ dispositions, ...r }) => ({ ...r, ...Object.fromEntries(codes.map((c) => [`disposition:${c}`, dispositions[c] ?? 0])) }));
    return csv(reply, `activity-by-${q.dimension}-${q.by}.csv`, flat);
  });

  api.get('/reports/list-quality', { config, schema: { querystring: plainQuery } }, async (request, reply) => {
    const rows = await listQualityReport(db, span(request.query));
    return request.query.format === 'json' ? { timeZone: request.query.timeZone, rows } : csv(reply, 'list-quality.csv', rows);
  });

  api.get('/reports/client-week', { config, schema: { querystring: plainQuery } }, async (request, reply) => {
    const rows = await clientWeekReport(db, span(request.query));
    return request.query.format === 'json' ? { timeZone: request.query.timeZone, rows } : csv(reply, 'client-week.csv', rows);
  });
}

function csv(reply: { header(name: string, value: string): unknown; type(t: string): { send(body: string): unknown } }, name: string, rows: readonly object[]) {
  reply.header('content-disposition', `attachment; filename="${name}"`);
  return reply.type('text/csv; charset=utf-8').send(stringify(rows as Record<string, unknown>[], { header: true, cast: { number: (n) => String(n) } }));
}
