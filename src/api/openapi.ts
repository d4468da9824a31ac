/**
 * The OpenAPI document's side of the routes: response schemas, tags, the
 * error answers every route may give, and the CSV bodies that reach their
 * routes as streams. Response schemas describe; they are not run on every
 * answer (the serializer is plain JSON), and the tests check real answers
 * against them (test/integration/api.test.ts).
 */
import type { RouteOptions } from 'fastify';
import { z } from 'zod';
import { CAMPAIGN_STATES, CAMPAIGN_TYPES } from '../campaigns/campaign.js';
import { RECORDING_POLICIES } from '../telephony/port.js';
import { COMPLIANCE_PROFILES } from '../campaigns/compliance.js';
import { LAW_OVERRIDES } from '../campaigns/feasibility.js';
import { ROLES } from './keys.js';

const isoTime = z.iso.datetime({ offset: true });

export const apiErrorSchema = z
  .object({
    error: z.string().describe('what kind of refusal: validation, unauthorized, forbidden, not-found, conflict, invalid-json, ...'),
    message: z.string().describe('what was wrong, and what to do'),
    field: z.string().optional().describe('the (first) field at fault, such as body.pacing.abandonTarget'),
    problems: z.array(z.object({ field: z.string(), message: z.string() })).optional().describe('every problem found, for a 400'),
  })
  .describe('Every error answer has this shape');

export const campaignSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    type: z.enum(CAMPAIGN_TYPES),
    state: z.enum(CAMPAIGN_STATES),
    complianceProfile: z.enum(COMPLIANCE_PROFILES),
    pacing: z.record(z.string(), z.unknown()).describe("every pacing setting: the campaign's own, the profile's defaults for the rest"),
    callerId: z.string(),
    trunkId: z.string().nullable(),
    rules: z.record(z.string(), z.unknown()).describe("the campaign's overrides of its profile's dialing rules"),
    recording: z.enum(RECORDING_POLICIES),
    abandonMessage: z.string().nullable(),
    broadcastMessage: z.string().nullable(),
    createdAt: isoTime,
    updatedAt: isoTime,
    archivedAt: isoTime.nullable().describe('set when deleted with attempts: kept as the record of its calls'),
    complianceOverrides: z.array(z.enum(LAW_OVERRIDES)).describe('rules of law the campaign dials beyond on purpose'),
    feasibility: z
      .array(z.object({ rule: z.string(), severity: z.enum(['infeasible', 'warning', 'overridden']), message: z.string(), figures: z.record(z.string(), z.number()) }))
      .optional()
      .describe("what the campaign's settings make of compliance, with the arithmetic: said before it dials"),
  })
  .describe('A campaign');

export const importStatusSchema = z.object({
  importId: z.uuid(),
  listId: z.uuid(),
  fileName: z.string(),
  state: z.enum(['running', 'done', 'failed', 'interrupted']),
  rowsRead: z.number().int(),
  rowsImported: z.number().int(),
  rowsUnchanged: z.number().int().describe('numbers the list already held: a re-import changes nothing'),
  rowsRejected: z.number().int(),
  error: z.string().nullable(),
});

export const rejectionsSchema = z.object({ rejections: z.array(z.object({ row: z.number().int().describe('line of the file, the header being 1'), reason: z.string() })) });

export const apiKeySchema = z.object({
  id: z.uuid(),
  user: z.string(),
  role: z.enum(ROLES),
  agentId: z.string().nullable(),
  prefix: z.string().describe("the key's first characters, to tell keys apart"),
  createdAt: isoTime,
  lastUsedAt: isoTime.nullable(),
  revokedAt: isoTime.nullable(),
});

/** An answer whose fields a route's module documents: an object, described. */
export function objectAnswer(description: string) {
  return z.looseObject({}).describe(description);
}

export const noContent = z.null().describe('No content');

const campaigns = z.array(campaignSchema);
const created = (what: string) => objectAnswer(`The ${what}, created`);

/**
 * Each route's summary and its successful answers, by method and path (under
 * /api/v1). A route missing here is caught by the tests, which require a
 * summary on every route of the document.
 */
const ROUTE_DOCS: Record<string, { readonly summary: string; readonly answers: Record<number, z.ZodType> }> = {
  'GET /campaigns': { summary: 'List the campaigns (the archived ones too with ?archived=true)', answers: { 200: campaigns } },
  'POST /campaigns': { summary: "Create a campaign: its profile's defaults fill what it does not set", answers: { 201: campaignSchema } },
  'GET /campaigns/:id': { summary: 'Read a campaign, with what its settings make of compliance (feasibility)', answers: { 200: campaignSchema } },
  'PATCH /campaigns/:id': { summary: "Change a campaign, running or not; a new profile's defaults apply to what it did not set", answers: { 200: campaignSchema } },
  'DELETE /campaigns/:id': {
    summary: 'Delete a campaign that never dialed; one with attempts is archived and returned',
    answers: { 200: campaignSchema.describe('The campaign, archived: its attempts are kept'), 204: noContent },
  },
  'POST /campaigns/:id/start': { summary: 'Start dialing a campaign', answers: { 200: campaignSchema } },
  'POST /campaigns/:id/pause': { summary: 'Pause a running campaign', answers: { 200: campaignSchema } },
  'POST /campaigns/:id/stop': { summary: 'Stop a campaign', answers: { 200: campaignSchema } },
  'GET /campaigns/:id/why': {
    summary: 'Why a campaign dials nothing: leads eligible now, what each rule holds back, and what its settings make of compliance',
    answers: { 200: objectAnswer('eligibleNow, open, heldBack by rule, finished, feasibility') },
  },
  'GET /campaigns/:id/stats': {
    summary: "A campaign's statistics: its regulatory window, today's counters, calls in flight, its agents' time",
    answers: { 200: objectAnswer('regulatoryWindow, today, callsInFlight, agents') },
  },
  'POST /campaigns/:id/lists': {
    summary: "Import a CSV lead file into a campaign's list (the body is the file; the mapping is in the query)",
    answers: { 201: importStatusSchema.describe('Imported'), 422: importStatusSchema.describe('The import failed, or every row was rejected') },
  },
  'GET /imports/:id': { summary: "An import's progress and counts", answers: { 200: importStatusSchema } },
  'GET /imports/:id/errors': { summary: "An import's rejected rows, with line and reason", answers: { 200: rejectionsSchema } },
  'GET /leads': { summary: 'Search leads', answers: { 200: objectAnswer('leads') } },
  'GET /leads/:id': { summary: "A lead with its attempts and its customer's history over every campaign", answers: { 200: objectAnswer('lead, attempts, customerHistory') } },
  'POST /leads/assign': { summary: 'Assign leads to an agent, or recall them to the pool', answers: { 200: objectAnswer('assigned: how many') } },
  'POST /number-lists': { summary: 'Add a number to the black (do-not-call), grey or red list', answers: { 201: created('entry') } },
  'POST /number-lists/import': { summary: 'Add many entries at once', answers: { 200: objectAnswer('added: how many') } },
  'POST /number-lists/files': { summary: 'Add a CSV file of numbers (a registry extract, a complaint list)', answers: { 201: objectAnswer('rows read, entries written, rejections') } },
  'DELETE /number-lists': { summary: 'Remove a number from a list', answers: { 204: noContent } },
  'GET /number-lists/check': { summary: 'Whether a number may be called: its list entries', answers: { 200: objectAnswer('phone, doNotCall, entries') } },
  'POST /callbacks': { summary: 'Schedule a callback', answers: { 201: created('callback') } },
  'GET /callbacks': { summary: 'List callbacks', answers: { 200: objectAnswer('callbacks') } },
  'DELETE /callbacks/:id': { summary: 'Cancel a callback', answers: { 204: noContent } },
  'GET /agents': { summary: 'List agents', answers: { 200: objectAnswer('agents') } },
  'PUT /agents/:id': { summary: 'Create or change an agent', answers: { 200: objectAnswer('The agent') } },
  'PATCH /agents/:id': {
    summary: "Place an agent on an Asterisk server of OUTPACE_SERVERS (null: none); engines take it at the agent's next login",
    answers: { 200: z.object({ id: z.string(), pbxServer: z.string().nullable() }) },
  },
  'GET /agents/:id/campaigns': { summary: 'The campaigns an agent logs in to', answers: { 200: objectAnswer('campaignIds') } },
  'PUT /agents/:id/campaigns': { summary: 'Set the campaigns an agent logs in to (blended when several)', answers: { 200: objectAnswer('campaignIds') } },
  'POST /api-keys': { summary: 'Create an API key for a user and role (shown once)', answers: { 201: objectAnswer('name, role, key') } },
  'GET /api-keys': { summary: 'List API keys: whose, which role, created, last used, revoked', answers: { 200: z.object({ keys: z.array(apiKeySchema) }) } },
  'DELETE /api-keys/:id': { summary: 'Revoke an API key at once', answers: { 204: noContent } },
  'GET /campaigns/:id/script': { summary: "A campaign's script (a given version with ?version=N)", answers: { 200: objectAnswer('The script') } },
  'PUT /campaigns/:id/script': { summary: "Save a new version of a campaign's script", answers: { 200: objectAnswer('The script, saved') } },
  'GET /campaigns/:id/dispositions': { summary: 'The dispositions agents close calls with', answers: { 200: objectAnswer('dispositions') } },
  'GET /campaigns/:id/lead-fields': { summary: "How the campaign's agents see the lead's fields: labels, order, which they may edit", answers: { 200: objectAnswer('fields') } },
  'PUT /campaigns/:id/lead-fields': { summary: "Set the labels, order and editability of the lead's fields agents see", answers: { 200: objectAnswer('fields, as saved') } },
  'GET /attempts/:id': { summary: 'An attempt with the answers given on it', answers: { 200: objectAnswer('attempt') } },
  'PUT /attempts/:id/disposition': { summary: "Correct an attempt's disposition (supervisors)", answers: { 200: objectAnswer('The corrected attempt') } },
  'GET /me': { summary: "The key's holder: name, role and agent (the pages check their sign-in here)", answers: { 200: objectAnswer('name, role, agentId') } },
  'GET /agent/me': { summary: 'The agent behind the key, and the campaigns they can work', answers: { 200: objectAnswer('agentId, name, campaigns') } },
  'POST /agent/ticket': { summary: "A one-time ticket for the agent socket's URL", answers: { 201: objectAnswer('ticket') } },
  'GET /live': { summary: 'The live wallboard: agents, campaigns, calls in flight, today\'s counters', answers: { 200: objectAnswer('at, agents, campaigns') } },
  'GET /live/events': { summary: 'The live wallboard as Server-Sent Events', answers: { 200: z.string().describe('text/event-stream') } },
  'GET /supervisor/floor': {
    summary: "The supervisor's floor: agents with their calls, each campaign's calls by phase, last pacing decision, abandon rates and why it dials nothing",
    answers: { 200: objectAnswer('at, agents, campaigns') },
  },
  'POST /supervisor/agents/:id/pause': { summary: 'Pause an agent (at once when ready, after the call and wrap-up otherwise); audited', answers: { 202: objectAnswer('agentId, asked, reason') } },
  'POST /supervisor/agents/:id/logout': { summary: 'Log an agent out (after the call and wrap-up); audited', answers: { 202: objectAnswer('agentId, asked') } },
  'POST /supervisor/agents/:id/supervise': {
    summary: "Listen to, whisper to or barge into the agent's call from the supervisor's softphone (rung first); audited",
    answers: { 202: objectAnswer('sessionId, agentId, mode, endpoint') },
  },
  'POST /supervisor/supervisions/:sessionId/end': { summary: 'End a listen, whisper or barge; audited', answers: { 202: objectAnswer('sessionId') } },
  'GET /reports/activity': {
    summary: 'Dials, connects, live answers, abandons, machines, talk, wrap-up, idle, occupancy, dispositions, right-party contacts and sales per agent-hour, by hour, day or week per campaign, agent or list source, in a named time zone (JSON or CSV)',
    answers: { 200: objectAnswer('timeZone, by, dimension, rows') },
  },
  'GET /reports/list-quality': { summary: 'Per list and source: vacant, suspended, powered-off, wrong-party, machine and right-party numbers (JSON or CSV)', answers: { 200: objectAnswer('timeZone, rows') } },
  'GET /reports/client-week': { summary: "The client's weekly report: dials, connect rate, valid rate, sales, complaints (JSON or CSV)", answers: { 200: objectAnswer('timeZone, rows') } },
  'GET /supervisor/campaigns/:id/day': {
    summary: "A campaign's day so far by quarter hour from midnight in timeZone (default UTC): abandon rate over the regulatory window and the last hour, and occupancy, at the end of each quarter hour (the supervisor page's charts start from it)",
    answers: {
      200: z.object({
        campaignId: z.uuid(),
        timeZone: z.string(),
        from: isoTime.describe('midnight in the zone'),
        to: isoTime,
        abandonTarget: z.number(),
        points: z.array(
          z.object({
            at: isoTime.describe("the quarter hour's end (now, for the one under way)"),
            abandonRate: z.number().nullable().describe('over the regulatory window ending at `at`, as the profile counts it; null without live answers'),
            abandonRateLastHour: z.number().nullable(),
            occupancy: z.number().nullable().describe('(on a call + wrap-up) / logged in, over the quarter hour; null with nobody logged in'),
          }),
        ),
      }),
    },
  },
  'POST /supervisor/campaigns/:id/pacing': { summary: "Change a campaign's abandon target (within the profile's legal cap) and dial mode; audited", answers: { 200: objectAnswer('id, mode, abandonTarget') } },
};

const ERROR_ANSWERS: Record<number, string> = {
  400: 'The request is invalid: every problem is listed',
  401: 'No API key, or an unknown or revoked one',
  403: "The key's role may not do this",
  404: 'Not found',
  409: 'Conflicts with the current state',
  429: 'Too many wrong API keys from this address: see Retry-After',
};

/**
 * Adds to a route's schema the tag of its first path segment and the error
 * answers it may give: 401, 403 and 429 where a key is needed, 400 where it
 * reads input, 404 where it names a resource, 409 where it changes one.
 */
export function documentRoute(route: RouteOptions, prefix: string): void {
  if (!route.url.startsWith(prefix) || route.schema?.hide) return;
  const schema = (route.schema ??= {}) as Record<string, unknown> & { response?: Record<number, unknown>; tags?: string[] };
  const path = route.url.slice(prefix.length);
  schema.tags ??= [path.split('/')[1] ?? 'api'];
  const methods = [route.method].flat();
  const documented = ROUTE_DOCS[`${methods[0]} ${path}`];
  const response = (schema.response ??= {});
  if (documented) {
    schema.summary ??= documented.summary;
    for (const [code, answer] of Object.entries(documented.answers)) response[Number(code)] ??= answer;
  }
  const codes: number[] = [];
  if (route.config && (route.config as { roles?: unknown }).roles) codes.push(401, 403, 429);
  if (schema.body || schema.querystring || schema.params) codes.push(400);
  if (path.includes('/:')) codes.push(404);
  if (methods.some((m) => m !== 'GET' && m !== 'HEAD')) codes.push(409);
  for (const code of codes) response[code] ??= apiErrorSchema.describe(ERROR_ANSWERS[code]!);
}

/** Routes whose body is a CSV file, read as a stream rather than parsed: their request body in the document. */
const CSV_UPLOADS: Record<string, string> = {
  '/api/v1/campaigns/{id}/lists': 'The lead file: CSV with a header line, UTF-8 (or UTF-16 with its byte-order mark), separated by commas, semicolons or tabs',
  '/api/v1/number-lists/files': 'The do-not-call file: CSV with a header line naming the phone column',
};

export function describeCsvUploads(document: { paths?: Record<string, Record<string, Record<string, unknown>>> }): void {
  for (const [path, description] of Object.entries(CSV_UPLOADS)) {
    const post = document.paths?.[path]?.post;
    if (post) {
      post.requestBody = { required: true, description, content: { 'text/csv': { schema: { type: 'string', format: 'binary' } } } };
    }
  }
}
