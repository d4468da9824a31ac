import { z } from 'zod';
import { assignCampaigns, assignedCampaigns, listAgents, upsertAgent } from '../../campaigns/agents.js';
import { AgentId, CampaignId } from '../../domain/ids.js';
import { audit } from '../../storage/audit.js';
import { checkServerName, placeAgent } from '../../telephony/servers/agent-servers.js';
import { actor, SUPERVISORS, type Api, type ApiContext } from '../context.js';
import { createApiKey, listApiKeys, revokeApiKey, ROLES } from '../keys.js';

const agentBody = z
  .object({
    name: z.string().min(1).max(200),
    /** Marked for red-list (important) customers. */
    redList: z.boolean().default(false),
  })
  .strict();

const keyRequest = z
  .object({ name: z.string().min(1).max(200), role: z.enum(ROLES), agentId: z.string().min(1).nullable().optional() })
  .strict();

/** Agents (whom leads and callbacks are assigned to) and users' API keys. */
export function peopleRoutes(api: Api, { db, pbxServers }: ApiContext): void {
  // Who a key belongs to: what every page asks first, to sign in and show what the role may do.
  api.get('/me', { config: { roles: ROLES }, schema: { summary: 'Who the key belongs to: name, role, agent (the pages sign in with it)' } }, async (request) => {
    const { name, role, agentId } = request.keyHolder!;
    return { name, role, agentId };
  });

  api.get('/agents', { config: { roles: SUPERVISORS } }, async () => ({ agents: await listAgents(db) }));

  api.put(
    '/agents/:id',
    { config: { roles: ['admin', 'supervisor'] }, schema: { params: z.object({ id: z.string().min(1).max(100) }), body: agentBody } },
    async (request) => {
      const agent = { id: AgentId(request.params.id), ...request.body };
      await upsertAgent(db, agent);
      await audit(db, { actor: actor(request), action: 'upsert', entity: 'agent', entityId: agent.id, details: request.body });
      return agent;
    },
  );

  const agentParams = z.object({ id: z.string().min(1).max(100) });
  const placement = z
    .object({
      /** The Asterisk server (a name of OUTPACE_SERVERS) the agent's softphone is registered on; null: none. */
      pbxServer: z.string().min(1).max(100).nullable(),
    })
    .strict();

  // Where the agent's softphone is: an engine reads it at each of the agent's logins (docs/scaling.md).
  api.patch(
    '/agents/:id',
    { config: { roles: ['admin', 'supervisor'] }, schema: { params: agentParams, body: placement } },
    async (request) => {
      const agentId = AgentId(request.params.id);
      const { pbxServer } = request.body;
      checkServerName(pbxServer, pbxServers);
      await placeAgent(db, agentId, pbxServer);
      await audit(db, { actor: actor(request), action: 'place', entity: 'agent', entityId: agentId, details: { pbxServer } });
      return { id: agentId, pbxServer };
    },
  );
  const assignment = z.object({ campaignIds: z.array(z.uuid()).max(1000) }).strict();

  api.get('/agents/:id/campaigns', { config: { roles: SUPERVISORS }, schema: { params: agentParams } }, async (request) => ({
    campaignIds: await assignedCampaigns(db, AgentId(request.params.id)),
  }));

  // Which campaigns the agent logs in to (blended when several); an empty list lets them work any.
  api.put(
    '/agents/:id/campaigns',
    { config: { roles: ['admin', 'supervisor'] }, schema: { params: agentParams, body: assignment } },
    async (request) => {
      const agentId = AgentId(request.params.id);
      const campaignIds = [...new Set(request.body.campaignIds)].map(CampaignId);
      await assignCampaigns(db, agentId, campaignIds);
      await audit(db, { actor: actor(request), action: 'assign', entity: 'agent', entityId: agentId, details: { campaignIds } });
      return { campaignIds: await assignedCampaigns(db, agentId) };
    },
  );

  // The key is in this answer and nowhere else: only its hash is stored.
  api.post('/api-keys', { config: { roles: ['admin'] }, schema: { body: keyRequest } }, async (request, reply) => {
    const { name, role, agentId } = request.body;
    const key = await createApiKey(db, { name, role, agentId: agentId ? AgentId(agentId) : null });
    await audit(db, { actor: actor(request), action: 'create-key', entity: 'user', entityId: name, details: { role } });
    return reply.code(201).send({ name, role, key });
  });

  api.get('/api-keys', { config: { roles: ['admin'] } }, async () => ({ keys: await listApiKeys(db) }));

  api.delete('/api-keys/:id', { config: { roles: ['admin'] }, schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) => {
    await revokeApiKey(db, request.params.id);
    await audit(db, { actor: actor(request), action: 'revoke-key', entity: 'api-key', entityId: request.params.id });
    return reply.code(204).send();
  });
}
