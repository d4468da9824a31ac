/**
 * Quality inspection over HTTP: each campaign's QA plan (sampling, corrective
 * calls, trial confirmations), the draws that fill the review queue, claims,
 * scorecards, reviews, and the loops reviews open. For QA inspectors,
 * supervisors and admins; an inspector changes no pacing, and agents see none of it.
 */
import { z } from 'zod';
import { attemptRecord } from '../../campaigns/history.js';
import { AttemptId, CampaignId } from '../../domain/ids.js';
import { listRecordings } from '../../recordings/catalogue.js';
import { listLoops, LOOP_RESULTS, recordLoopResult } from '../../qa/qa-loops.js';
import { AGENT_WEEK_COLUMNS, agentWeeks, CAMPAIGN_QA_COLUMNS, campaignQa, toCsv } from '../../qa/qa-reports.js';
import { drawIntoQueue, getSamplingPlan, listQueue, saveSamplingPlan } from '../../qa/review-queue.js';
import { claimCall, createScorecard, releaseCall, reviewsOf, scorecardsFor, submitReview } from '../../qa/reviews.js';
import { samplingPlanSchema } from '../../qa/sampling-plan.js';
import { scorecardSchema, ScoringError } from '../../qa/scorecard.js';
import { actor, type Api, type ApiContext } from '../context.js';
import { sendError } from '../errors.js';
import { objectAnswer } from '../openapi.js';
import { LISTENERS } from './recordings.js';

const campaignParams = z.object({ id: z.uuid() });
const attemptParams = z.object({ attemptId: z.uuid() });
const answer = (description: string) => ({ 200: objectAnswer(description) });

export function qaRoutes(api: Api, { db, clock }: ApiContext): void {
  api.get('/campaigns/:id/qa-plan', { config: { roles: LISTENERS }, schema: { summary: "A campaign's QA plan: sampling, corrective calls, trial confirmations", params: campaignParams, response: answer('plan') } }, async (request) => ({
    plan: await getSamplingPlan(db, CampaignId(request.params.id)),
  }));

  api.put(
    '/campaigns/:id/qa-plan',
    { config: { roles: LISTENERS }, schema: { summary: "Set a campaign's QA plan (each problem named)", params: campaignParams, body: samplingPlanSchema, response: answer('plan') } },
    async (request) => {
      await saveSamplingPlan(db, CampaignId(request.params.id), request.body, actor(request));
      return { plan: request.body };
    },
  );

  api.post(
    '/campaigns/:id/qa-sample',
    {
      config: { roles: LISTENERS },
      schema: {
        summary: "Draw a day's or a week's sample into the review queue (reproducible: drawing again adds nothing)",
        params: campaignParams,
        body: z.union([z.object({ day: z.iso.date() }).strict(), z.object({ week: z.iso.date() }).strict()], { error: 'give day (YYYY-MM-DD) for the daily draw, or week (its first day) for the weekly one' }),
        response: answer('draw, calls, added, sampled'),
      },
    },
    async (request) => {
      const period = 'day' in request.body ? { kind: 'day' as const, start: request.body.day } : { kind: 'week' as const, start: request.body.week };
      return { ...(await drawIntoQueue(db, CampaignId(request.params.id), period, actor(request))) };
    },
  );

  api.get(
    '/qa/queue',
    {
      config: { roles: LISTENERS },
      schema: {
        summary: 'The review queue: sampled calls, why each was chosen, who holds it',
        querystring: z.object({ campaignId: z.uuid().optional(), state: z.enum(['waiting', 'claimed', 'reviewed']).optional(), agentId: z.string().min(1).optional() }).strict(),
        response: answer('calls'),
      },
    },
    async (request) => ({ calls: await listQueue(db, request.query) }),
  );

  api.get('/qa/calls/:attemptId', { config: { roles: LISTENERS }, schema: { summary: 'A sampled call for review: the attempt, its recordings, reviews, loops and scorecards', params: attemptParams, response: answer('call') } }, async (request) => {
    const attemptId = AttemptId(request.params.attemptId);
    const attempt = await attemptRecord(db, attemptId);
    const [queued] = (await listQueue(db, {})).filter((q) => q.attemptId === attemptId);
    return {
      attempt,
      queued: queued ?? null,
      recordings: await listRecordings(db, { attemptId }),
      reviews: await reviewsOf(db, { attemptId }),
      loops: await listLoops(db, { attemptId }),
      scorecards: await scorecardsFor(db, CampaignId(attempt.campaignId)),
    };
  });

  api.post('/qa/queue/:attemptId/claim', { config: { roles: LISTENERS }, schema: { summary: 'Claim a sampled call (409 while another inspector holds it)', params: attemptParams, response: answer('claimedBy') } }, async (request) => {
    await claimCall(db, AttemptId(request.params.attemptId), actor(request), clock.now());
    return { claimedBy: actor(request) };
  });

  api.delete('/qa/queue/:attemptId/claim', { config: { roles: LISTENERS }, schema: { summary: 'Give a claimed call back to the queue', params: attemptParams } }, async (request, reply) => {
    await releaseCall(db, AttemptId(request.params.attemptId), actor(request));
    return reply.code(204).send();
  });

  api.get('/campaigns/:id/scorecards', { config: { roles: LISTENERS }, schema: { summary: "The scorecards a campaign's calls are scored on: its own and the stock valid-sale card", params: campaignParams, response: answer('scorecards') } }, async (request) => ({
    scorecards: await scorecardsFor(db, CampaignId(request.params.id)),
  }));

  api.post(
    '/campaigns/:id/scorecards',
    { config: { roles: LISTENERS }, schema: { summary: 'Add a scorecard to a campaign (each problem named)', params: campaignParams, body: scorecardSchema, response: { 201: objectAnswer('scorecard') } } },
    async (request, reply) => reply.code(201).send({ ...(await createScorecard(db, CampaignId(request.params.id), request.body, actor(request))) }),
  );

  api.post(
    '/qa/reviews',
    {
      config: { roles: LISTENERS },
      schema: {
        summary: 'Submit the review of a call you hold: a failed critical criterion on a sale corrects it and schedules the corrective callback',
        body: z
          .object({
            attemptId: z.uuid(),
            scorecardId: z.uuid(),
            answers: z.record(z.string(), z.union([z.boolean(), z.number()])),
            comments: z.array(z.object({ atMs: z.number().int().min(0), leg: z.enum(['customer', 'agent', 'mixed']).optional(), text: z.string().min(1).max(2000) }).strict()).max(200).default([]),
          })
          .strict(),
        response: { 201: objectAnswer('review: score, passed, failedCritical, loops') },
      },
    },
    async (request, reply) => {
      const { attemptId, ...review } = request.body;
      try {
        return reply.code(201).send({ ...(await submitReview(db, { ...review, attemptId: AttemptId(attemptId), inspector: actor(request) }, clock.now())) });
      } catch (err) {
        if (!(err instanceof ScoringError)) throw err;
        const problems = err.problems.map((p) => ({ field: `body.${p.slice(0, p.indexOf(':'))}`, message: p.slice(p.indexOf(':') + 2) }));
        return sendError(reply, 400, { error: 'validation', message: err.message, field: problems[0]!.field, problems });
      }
    },
  );

  api.get(
    '/qa/reviews',
    { config: { roles: LISTENERS }, schema: { summary: 'Reviews of a call or of an agent', querystring: z.object({ attemptId: z.uuid().optional(), agentId: z.string().min(1).optional() }).strict(), response: answer('reviews') } },
    async (request) => ({ reviews: await reviewsOf(db, request.query) }),
  );

  api.get(
    '/qa/loops',
    {
      config: { roles: LISTENERS },
      schema: {
        summary: 'Corrective and trial-confirmation loops, where each stands',
        querystring: z.object({ campaignId: z.uuid().optional(), state: z.enum(['open', 'closed']).optional(), attemptId: z.uuid().optional() }).strict(),
        response: answer('loops'),
      },
    },
    async (request) => ({ loops: await listLoops(db, request.query) }),
  );

  api.post(
    '/qa/loops/:id/result',
    {
      config: { roles: LISTENERS },
      schema: {
        summary: 'What a confirmation or corrective call came to: the loop moves on, waits again, or closes',
        params: campaignParams,
        body: z.object({ result: z.enum([...new Set(Object.values(LOOP_RESULTS).flat())] as [string, ...string[]]) }).strict(),
        response: answer('loop'),
      },
    },
    async (request) => ({ loop: await recordLoopResult(db, request.params.id, request.body.result as never, actor(request), clock.now()) }),
  );

  const reportQuery = z
    .object({ from: z.iso.date().optional(), to: z.iso.date().optional(), campaignId: z.uuid().optional(), agentId: z.string().min(1).optional() })
    .strict();
  const reports = [
    { path: '/qa/reports/agents', what: 'per agent and week: calls monitored against the minimum, average score, failures by criterion, time from call to feedback', rows: agentWeeks, columns: AGENT_WEEK_COLUMNS },
    { path: '/qa/reports/campaigns', what: 'per campaign: share of calls sampled, reviewed, pass rate, corrective and confirmation loops open and closed', rows: campaignQa, columns: CAMPAIGN_QA_COLUMNS },
  ] as const;
  for (const report of reports) {
    api.get(report.path, { config: { roles: LISTENERS }, schema: { summary: `QA report ${report.what}`, querystring: reportQuery, response: answer('rows') } }, async (request) => ({
      rows: await report.rows(db, request.query),
    }));
    api.get(
      `${report.path}.csv`,
      { config: { roles: LISTENERS }, schema: { summary: `QA report ${report.what}, as CSV`, querystring: reportQuery, response: { 200: z.string().describe('text/csv') } } },
      async (request, reply) => {
        const rows = (await report.rows(db, request.query)) as unknown as Array<Record<string, unknown>>;
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="qa-${report.path.split('/').pop()}.csv"`).send(toCsv(rows, report.columns));
      },
    );
  }
}
