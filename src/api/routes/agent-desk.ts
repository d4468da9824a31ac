import type { AgentId } from '../../domain/ids.js';
import { issueTicket } from '../agent-tickets.js';
import type { Api, ApiContext } from '../context.js';

/** What the agent page asks over plain HTTP: who am I, which campaigns can I work, a ticket for the socket. */
export function agentDeskRoutes(api: Api, { db, clock }: ApiContext): void {
  api.get('/agent/me', { config: { roles: ['agent'] } }, async (request) => {
    const agentId = agentOf(request.keyHolder);
    const agent = await db.query<{ name: string }>('SELECT name FROM agents WHERE id = $1', [agentId]);
    const campaigns = await db.query(`SELECT id, name, state FROM campaigns WHERE type = 'agent' AND state <> 'stopped' ORDER BY name`);
    return { agentId, name: agent.rows[0]?.name ?? agentId, campaigns: campaigns.rows };
  });

  // The key travels in the header of this request; the ticket, good once and for seconds, in the socket's URL.
  api.post('/agent/ticket', { config: { roles: ['agent'] } }, async (request, reply) =>
    reply.code(201).send(await issueTicket(db, agentOf(request.keyHolder), clock.now())),
  );
}

function agentOf(holder: { agentId: AgentId | null } | null): AgentId {
  if (!holder?.agentId) throw Object.assign(new Error('this agent key is tied to no agent: an admin sets its agentId'), { statusCode: 403 });
  return holder.agentId;
}
