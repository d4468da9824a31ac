import { z } from 'zod';
import { listAgents, upsertAgent } from '../../campaigns/agents.js';
import { AgentId } from '../../domain/ids.js';
import { audit } from '../../storage/audit.js';
import { actor, SUPERVISORS, type Api, type ApiContext } from '../context.js';
import { createApiKey, ROLES } from '../keys.js';

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
export function peopleRoutes(api: Api, { db }: ApiContext): void {
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

  // The key is in this answer and nowhere else: only its hash is stored.
  api.post('/api-keys', { config: { roles: ['admin'] }, schema: { body: keyRequest } }, async (request, reply) => {
    const { name, role, agentId } = request.body;
    const key = await createApiKey(db, { name, role, agentId: agentId ? AgentId(agentId) : null });
    await audit(db, { actor: actor(request), action: 'create-key', entity: 'user', entityId: name, details: { role } });
    return reply.code(201).send({ name, role, key });
  });
}
