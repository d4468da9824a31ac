import { z } from 'zod';
import { campaignChangesSchema, campaignInputSchema } from '../../campaigns/campaign.js';
import {
  changeCampaignState,
  createCampaign,
  deleteCampaign,
  getCampaign,
  listCampaigns,
  updateCampaign,
} from '../../campaigns/campaign-store.js';
import { explainHopper } from '../../campaigns/hopper/explain.js';
import type { Campaign } from '../../campaigns/campaign.js';
import { campaignStats, measuredFeasibility } from '../../campaigns/stats.js';
import { agentTime, type AgentTime } from '../../campaigns/agent-time.js';
import { CampaignId } from '../../domain/ids.js';
import { announceCampaign } from '../../supervisor/campaign-news.js';
import { DAY } from '../../domain/time.js';
import { actor, MANAGERS, READERS, SUPERVISORS, type Api, type ApiContext } from '../context.js';
import { camelKeys, countersView } from '../views.js';

function agentTimeView(time: AgentTime) {
  return { ...time, secondsByState: camelKeys(time.secondsByState) };
}

export const campaignParams = z.object({ id: z.uuid() });

export function campaignRoutes(api: Api, { db, coordination, clock }: ApiContext): void {
  api.get('/campaigns', { config: { roles: READERS }, schema: { querystring: z.object({ archived: z.stringbool().default(false) }).strict() } }, async (request) =>
    listCampaigns(db, { archived: request.query.archived }),
  );

  // A campaign read, created or changed comes with what its settings make of compliance: said before it dials.
  const withFeasibility = async (campaign: Campaign) => ({ ...campaign, feasibility: await measuredFeasibility(db, campaign, clock.now()) });

  api.post('/campaigns', { config: { roles: MANAGERS }, schema: { body: campaignInputSchema } }, async (request, reply) =>
    reply.code(201).send(await withFeasibility(await createCampaign(db, request.body, actor(request)))),
  );

  api.get('/campaigns/:id', { config: { roles: READERS }, schema: { params: campaignParams } }, async (request) =>
    withFeasibility(await getCampaign(db, CampaignId(request.params.id))),
  );

  // A running campaign may be changed: the engine re-reads pacing targets every tick.
  api.patch('/campaigns/:id', { config: { roles: MANAGERS }, schema: { params: campaignParams, body: campaignChangesSchema } }, async (request) => {
    const campaign = await updateCampaign(db, CampaignId(request.params.id), request.body, actor(request));
    await announceCampaign(coordination.live, campaign, { by: actor(request), at: clock.now() }, request.log);
    return withFeasibility(campaign);
  });

  api.delete('/campaigns/:id', { config: { roles: MANAGERS }, schema: { params: campaignParams } }, async (request, reply) => {
    const { archived } = await deleteCampaign(db, CampaignId(request.params.id), actor(request));
    if (archived) await announceCampaign(coordination.live, archived, { by: actor(request), at: clock.now() }, request.log);
    // A campaign that dialed is archived, not deleted: the answer says so and shows it.
    return archived ? reply.code(200).send(archived) : reply.code(204).send();
  });

  for (const transition of ['start', 'pause', 'stop'] as const) {
    api.post(`/campaigns/:id/${transition}`, { config: { roles: SUPERVISORS }, schema: { params: campaignParams } }, async (request) => {
      const campaign = await changeCampaignState(db, CampaignId(request.params.id), transition, actor(request));
      await announceCampaign(coordination.live, campaign, { by: actor(request), at: clock.now() }, request.log);
      return campaign;
    });
  }

  api.get('/campaigns/:id/why', { config: { roles: SUPERVISORS }, schema: { params: campaignParams } }, async (request) => {
    const campaign = await getCampaign(db, CampaignId(request.params.id));
    return { ...(await explainHopper(db, campaign, clock.now())), feasibility: await measuredFeasibility(db, campaign, clock.now()) };
  });

  api.get('/campaigns/:id/stats', { config: { roles: READERS }, schema: { params: campaignParams } }, async (request) => {
    const campaign = await getCampaign(db, CampaignId(request.params.id));
    const now = clock.now();
    return {
      regulatoryWindow: await campaignStats(db, campaign, now),
      today: countersView(await coordination.live.counters(campaign.id, now)),
      callsInFlight: (await coordination.live.callsInFlight(campaign.id)).length,
      // Agents' time per state and occupancy over the last 24 hours, from their state history.
      agents: agentTimeView(await agentTime(db, campaign.id, now - DAY, now)),
    };
  });
}
