import { z } from 'zod';
import { customerHistory, leadAttempts } from '../../campaigns/history.js';
import { assignLeads, getLead, searchLeads } from '../../campaigns/leads.js';
import { AgentId, CampaignId, LeadId } from '../../domain/ids.js';
import { audit } from '../../storage/audit.js';
import { actor, READERS, SUPERVISORS, type Api, type ApiContext } from '../context.js';
import { page } from './lists.js';

const LEAD_STATES = ['ready', 'claimed', 'dialing', 'done', 'exhausted', 'do-not-call'] as const;

const leadSearch = page.extend({
  campaignId: z.uuid().optional(),
  listId: z.uuid().optional(),
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +442071234567').optional(),
  state: z.enum(LEAD_STATES).optional(),
});

const assignment = z
  .object({
    leadIds: z.array(z.uuid()).min(1).max(10_000),
    /** null recalls the leads to the campaign's pool. */
    agentId: z.string().min(1).nullable(),
  })
  .strict();

export function leadRoutes(api: Api, { db }: ApiContext): void {
  api.get('/leads', { config: { roles: READERS }, schema: { querystring: leadSearch } }, async (request) => {
    const { campaignId, ...rest } = request.query;
    return { leads: await searchLeads(db, { ...rest, campaignId: campaignId === undefined ? undefined : CampaignId(campaignId) }) };
  });

  api.get('/leads/:id', { config: { roles: READERS }, schema: { params: z.object({ id: z.uuid() }) } }, async (request) => {
    const lead = await getLead(db, LeadId(request.params.id));
    return { lead, attempts: await leadAttempts(db, lead.id), customerHistory: await customerHistory(db, lead.customerId) };
  });

  api.post('/leads/assign', { config: { roles: SUPERVISORS }, schema: { body: assignment } }, async (request) => {
    const { leadIds, agentId } = request.body;
    const assigned = await assignLeads(db, leadIds.map(LeadId), agentId === null ? null : AgentId(agentId));
    await audit(db, { actor: actor(request), action: agentId ? 'assign' : 'recall', entity: 'leads', details: { agentId, count: assigned } });
    return { assigned };
  });
}
