/**
 * The recording catalogue over HTTP for QA inspectors, supervisors and
 * admins: lists by attempt, agent, campaign and day; one recording played
 * with Range support, every listen in the audit log; retention per campaign
 * and legal holds per attempt.
 */
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { AttemptId, CampaignId } from '../../domain/ids.js';
import { getRecording, listRecordings, markMissing, RECORDING_STATUSES } from '../../recordings/catalogue.js';
import { issueListenPass, listenerOf } from '../../recordings/listen-passes.js';
import { liftLegalHold, placeLegalHold, setRecordingRetention } from '../../recordings/retention.js';
import { audit } from '../../storage/audit.js';
import { actor, type Api, type ApiContext } from '../context.js';
import { sendError } from '../errors.js';
import type { Role } from '../keys.js';
import { objectAnswer } from '../openapi.js';
import { audioContentType, fileSize, planRange, sendPlanned } from '../ranged-file.js';

/** Who may hear recordings: QA, supervisors, admins (not agents, nor campaign managers without QA rights). */
export const LISTENERS: readonly Role[] = ['admin', 'supervisor', 'qa'];

const idParams = z.object({ id: z.uuid() });

const recordingQuery = z
  .object({
    attemptId: z.uuid().optional(),
    agentId: z.string().min(1).optional(),
    campaignId: z.uuid().optional(),
    day: z.iso.date({ error: 'day must be a date, YYYY-MM-DD (UTC)' }).optional(),
    status: z.enum(RECORDING_STATUSES).optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();

export function recordingRoutes(api: Api, { db, clock }: ApiContext): void {
  api.get(
    '/recordings',
    { config: { roles: LISTENERS }, schema: { summary: 'List recordings by attempt, agent, campaign, day (UTC) and status', querystring: recordingQuery, response: { 200: objectAnswer('recordings') } } },
    async (request) => ({ recordings: await listRecordings(db, request.query) }),
  );

  api.get(
    '/recordings/:id',
    { config: { roles: LISTENERS }, schema: { summary: 'One recording: leg, times, size, checksum, status (and why, when failed or missing)', params: idParams, response: { 200: objectAnswer('recording') } } },
    async (request) => {
      const { location: _l, storedName: _s, ...recording } = await getRecording(db, request.params.id);
      return { recording };
    },
  );

  /** Plays the recording for `listener`: the whole file or the range asked, the listen audited before a byte goes. */
  async function play(recordingId: string, listener: string, range: string | undefined, reply: FastifyReply) {
    const recording = await getRecording(db, recordingId);
    if (recording.status !== 'available' || !recording.location) {
      const why =
        recording.status === 'deleted'
          ? `its retention passed: deleted at ${recording.deletedAt}`
          : recording.status === 'failed'
            ? `the PBX could not make it: ${recording.problem}`
            : `its file is missing: ${recording.problem}`;
      return sendError(reply, 404, { error: 'not-found', message: `recording ${recording.name} cannot be played: ${why}` });
    }
    let size: number;
    try {
      size = await fileSize(recording.location);
    } catch (err) {
      const why = `${recording.location} cannot be read (${err instanceof Error ? err.message : String(err)})`;
      await markMissing(db, recording.id, why);
      return sendError(reply, 404, { error: 'not-found', message: `recording ${recording.name} cannot be played: its file is missing: ${why}` });
    }
    const plan = planRange(size, range);
    if (plan.kind !== 'refused') {
      await audit(db, {
        actor: listener,
        action: 'listen',
        entity: 'recording',
        entityId: recording.id,
        details: { attemptId: recording.attemptId, leg: recording.leg, bytes: `${plan.start}-${plan.end}/${plan.size}` },
      });
    }
    return sendPlanned(reply, recording.location, plan, audioContentType(recording.format));
  }

  const audioAnswers = { 200: z.string().describe('the audio file'), 206: z.string().describe('the range asked'), 416: objectAnswer('the range cannot be served: Content-Range says the length') };

  api.get(
    '/recordings/:id/audio',
    {
      config: { roles: LISTENERS },
      schema: { summary: 'Play a recording: the file, or the byte range asked (Range: 206, or 416 for a range that cannot be served); each listen is audited', params: idParams, response: audioAnswers },
    },
    async (request, reply) => play(request.params.id, actor(request), request.headers.range, reply),
  );

  api.post(
    '/recordings/:id/listen',
    { config: { roles: LISTENERS }, schema: { summary: "A pass to play the recording from a browser's audio element (which sends no key): its URL, good for 15 minutes", params: idParams, response: { 201: objectAnswer('url, expiresAt') } } },
    async (request, reply) => {
      const recording = await getRecording(db, request.params.id);
      const { pass, expiresAt } = await issueListenPass(db, recording.id, actor(request), clock.now());
      return reply.code(201).send({ url: `/api/v1/recordings/${recording.id}/audio/${pass}`, expiresAt: expiresAt.toISOString() });
    },
  );

  // No key: the pass in the path is the permission, for this recording only, as the person it was issued to.
  api.get(
    '/recordings/:id/audio/:pass',
    { schema: { summary: 'Play a recording with a listen pass (POST /recordings/:id/listen), as the audio element does', params: z.object({ id: z.uuid(), pass: z.string().min(1).max(100) }), response: audioAnswers } },
    async (request, reply) => {
      const listener = await listenerOf(db, request.params.id, request.params.pass, clock.now());
      if (!listener) return sendError(reply, 403, { error: 'forbidden', message: 'the listen pass is unknown, lapsed, or for another recording: ask for a new one (POST /recordings/ID/listen)' });
      return play(request.params.id, listener, request.headers.range, reply);
    },
  );

  api.put(
    '/campaigns/:id/recording-retention',
    {
      config: { roles: ['admin'] },
      schema: {
        summary: "How many days a campaign's recordings are kept (null: for ever); the hourly sweep deletes older files",
        params: idParams,
        body: z.object({ days: z.number().int().min(1).max(36_500).nullable() }).strict(),
        response: { 200: objectAnswer('days') },
      },
    },
    async (request) => {
      await setRecordingRetention(db, CampaignId(request.params.id), request.body.days, actor(request));
      return { days: request.body.days };
    },
  );

  api.put(
    '/attempts/:id/legal-hold',
    {
      config: { roles: ['admin', 'supervisor'] },
      schema: {
        summary: "Keep an attempt's recordings whatever the retention says, until lifted",
        params: idParams,
        body: z.object({ reason: z.string().min(1, 'say why the recordings are held (a complaint, a case number)').max(2000) }).strict(),
        response: { 200: objectAnswer('reason') },
      },
    },
    async (request) => {
      await placeLegalHold(db, AttemptId(request.params.id), request.body.reason, actor(request));
      return { reason: request.body.reason };
    },
  );

  api.delete(
    '/attempts/:id/legal-hold',
    { config: { roles: ['admin', 'supervisor'] }, schema: { summary: 'Lift a legal hold: the retention applies again', params: idParams } },
    async (request, reply) => {
      await liftLegalHold(db, AttemptId(request.params.id), actor(request));
      return reply.code(204).send();
    },
  );
}
