/**
 * The supervisor's console: the floor whole (/supervisor/floor; its changes
 * follow on /live/events), and the controls a supervisor has: listen to,
 * whisper to or barge into an agent's call, pause or log out an agent, change a campaign's abandon target and dial mode (within the
 * profile's legal cap: a supervisor cannot override the law, a manager can).
 * Starting and pausing a campaign are /campaigns/:id/start and /pause. Every
 * control is audited; an agent's key gets 403 on all of them.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { getCampaign, updateCampaign } from '../../campaigns/campaign-store.js';
import { PROFILES } from '../../campaigns/compliance.js';
import { percent } from '../../campaigns/feasibility.js';
import { AgentId, CampaignId } from '../../domain/ids.js';
import { PAUSE_REASONS } from '../../domain/outcomes.js';
import { DIAL_MODES, HARD_LIMITS } from '../../pacing/settings.js';
import { audit } from '../../storage/audit.js';
import { SUPERVISION_MODES } from '../../telephony/port.js';
import { NotFoundError, ValidationError } from '../../storage/errors.js';
import { announceCampaign } from '../../supervisor/campaign-news.js';
import { dayHistory } from '../../supervisor/day-history.js';
import { floorCampaigns, floorPhase } from '../../supervisor/floor.js';
import { actor, SUPERVISORS, type Api, type ApiContext } from '../context.js';
import { agentView, callView, countersView, isoTime, pacingView } from '../views.js';
import { campaignParams } from './campaigns.js';
import { timeZoneName } from './reports.js';

const agentParams = z.object({ id: z.string().min(1).max(100) });
const superviseBody = z
  .object({
    /** The supervisor's softphone, as Asterisk dials it. */
    endpoint: z.string().regex(/^[A-Za-z]+\/[^\s,]+$/, 'an endpoint such as PJSIP/sup1'),
    mode: z.enum(SUPERVISION_MODES),
  })
  .strict();
const dayQuery = z.object({ timeZone: timeZoneName.default('UTC') }).strict();
const pauseBody = z.object({ reason: z.enum(PAUSE_REASONS).default('coaching') }).strict();
const pacingChange = z
  .object({
    abandonTarget: z.number().min(0).max(HARD_LIMITS.maxAbandonTarget).optional(),
    mode: z.enum(DIAL_MODES).optional(),
  })
  .strict()
  .refine((change) => change.abandonTarget !== undefined || change.mode !== undefined, { message: 'give abandonTarget, mode or both' });

export function supervisorRoutes(api: Api, { db, coordination, clock }: ApiContext): void {
  const config = { roles: SUPERVISORS };

  api.get('/supervisor/floor', { config }, async () => {
    const now = clock.now();
    const [states, campaigns] = await Promise.all([coordination.live.agentStates(), floorCampaigns(db, coordination, now)]);
    const callOf = new Map(campaigns.flatMap((c) => c.calls.filter((call) => call.agentId !== null).map((call) => [call.agentId as string, call] as const)));
    return {
      at: isoTime(now),
      agents: Object.entries(states)
        .filter(([, agent]) => agent.state !== 'logged-out')
        .map(([id, agent]) => {
          const call = callOf.get(id);
          return { id, ...agentView(agent), secondsInState: Math.max(0, Math.round((now - agent.since) / 1000)), call: call ? callView(call) : null };
        }),
      campaigns: await Promise.all(
        campaigns.map(async ({ campaign, legalCap, calls, pacing, whyNotDialing, hopper }) => ({
          id: campaign.id,
          name: campaign.name,
          type: campaign.type,
          state: campaign.state,
          mode: campaign.pacing.mode,
          complianceProfile: campaign.complianceProfile,
          abandonTarget: campaign.pacing.abandonTarget,
          legalCap,
          today: countersView(await coordination.live.counters(campaign.id, now)),
          calls: calls.map((call) => ({ ...callView(call), floorPhase: floorPhase(call.phase) })),
          pacing: pacing ? pacingView(pacing) : null,
          whyNotDialing,
          hopper,
        })),
      ),
    };
  });

  // The charts' start: the campaign's day so far in the zone asked for (the page sends its own), by quarter hour.
  api.get('/supervisor/campaigns/:id/day', { config, schema: { params: campaignParams, querystring: dayQuery } }, async (request) => {
    const campaign = await getCampaign(db, CampaignId(request.params.id));
    const day = await dayHistory(db, campaign, request.query.timeZone, clock.now());
    return {
      campaignId: campaign.id,
      timeZone: day.timeZone,
      from: isoTime(day.from),
      to: isoTime(day.to),
      abandonTarget: campaign.pacing.abandonTarget,
      points: day.points.map((p) => ({ ...p, at: isoTime(p.at) })),
    };
  });

  api.post('/supervisor/agents/:id/pause', { config, schema: { params: agentParams, body: pauseBody } }, async (request, reply) => {
    const agentId = await knownAgent(request.params.id);
    await audit(db, { actor: actor(request), action: 'pause', entity: 'agent', entityId: agentId, details: { reason: request.body.reason } });
    await coordination.live.sendCommand({ type: 'pause-agent', agentId, reason: request.body.reason, by: actor(request) });
    // Accepted: the engine holding the agent pauses them at once when ready, after the call and wrap-up otherwise.
    return reply.code(202).send({ agentId, asked: 'pause', reason: request.body.reason });
  });

  api.post('/supervisor/agents/:id/logout', { config, schema: { params: agentParams } }, async (request, reply) => {
    const agentId = await knownAgent(request.params.id);
    await audit(db, { actor: actor(request), action: 'log-out', entity: 'agent', entityId: agentId });
    await coordination.live.sendCommand({ type: 'log-out-agent', agentId, by: actor(request) });
    return reply.code(202).send({ agentId, asked: 'log-out' });
  });

  // Through the campaign store, audited as any change. Within the legal cap even where a manager overrode it: the law is not a supervisor's to set aside.
  api.post('/supervisor/campaigns/:id/pacing', { config, schema: { params: campaignParams, body: pacingChange } }, async (request) => {
    const { abandonTarget, mode } = request.body;
    const current = await getCampaign(db, CampaignId(request.params.id));
    const { abandonCap, source } = PROFILES[current.complianceProfile].law;
    if (abandonTarget !== undefined && abandonCap !== undefined && abandonTarget > abandonCap) {
      throw new ValidationError(
        'abandonTarget',
        `an abandon target of ${percent(abandonTarget)} is above the ${current.complianceProfile} profile's legal cap of ${percent(abandonCap)} (${source}): give ${percent(abandonCap)} or less`,
      );
    }
    const campaign = await updateCampaign(
      db,
      current.id,
      { pacing: { ...(abandonTarget === undefined ? {} : { abandonTarget }), ...(mode === undefined ? {} : { mode }) } },
      actor(request),
    );
    await announceCampaign(coordination.live, campaign, { by: actor(request), at: clock.now() }, request.log);
    return { id: campaign.id, mode: campaign.pacing.mode, abandonTarget: campaign.pacing.abandonTarget };
  });

  // Listen, whisper, barge: the engine holding the agent rings the supervisor's softphone into the call (TelephonyPort.supervise).
  api.post('/supervisor/agents/:id/supervise', { config, schema: { params: agentParams, body: superviseBody } }, async (request, reply) => {
    const agentId = await knownAgent(request.params.id);
    const sessionId = randomUUID();
    const { endpoint, mode } = request.body;
    await audit(db, { actor: actor(request), action: mode, entity: 'agent', entityId: agentId, details: { sessionId, endpoint } });
    await coordination.live.sendCommand({ type: 'supervise', request: { sessionId, agentId, endpoint, mode }, by: actor(request) });
    return reply.code(202).send({ sessionId, agentId, mode, endpoint });
  });

  api.post('/supervisor/supervisions/:sessionId/end', { config, schema: { params: z.object({ sessionId: z.uuid() }) } }, async (request, reply) => {
    const { sessionId } = request.params;
    await audit(db, { actor: actor(request), action: 'end-supervision', entity: 'supervision', entityId: sessionId });
    await coordination.live.sendCommand({ type: 'end-supervision', sessionId, by: actor(request) });
    return reply.code(202).send({ sessionId });
  });

  async function knownAgent(id: string): Promise<AgentId> {
    const { rows } = await db.query('SELECT 1 FROM agents WHERE id = $1', [id]);
    if (rows.length === 0) throw new NotFoundError('agent', id);
    return AgentId(id);
  }
}
