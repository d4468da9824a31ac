import { z } from 'zod';
import { CALLBACK_STATES, cancelCallback, listCallbacks, scheduleCallback } from '../../campaigns/callbacks.js';
import { AgentId, LeadId } from '../../domain/ids.js';
import { actor, EVERYONE, type Api, type ApiContext } from '../context.js';

const newCallback = z
  .object({
    leadId: z.uuid(),
    dueAt: z.iso.datetime({ offset: true }),
    /** Absent or null: any agent may take it. */
    agentId: z.string().min(1).nullable().optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();

const callbackFilter = z
  .object({ campaignId: z.uuid().optional(), agentId: z.string().min(1).optional(), state: z.enum(CALLBACK_STATES).optional() })
  .strict();

export function callbackRoutes(api: Api, { db }: ApiContext): void {
  api.post('/callbacks', { config: { roles: EVERYONE }, schema: { body: newCallback } }, async (request, reply) => {
    const { leadId, dueAt, agentId, note } = request.body;
    const callback = await scheduleCallback(
      db,
      { leadId: LeadId(leadId), dueAt: Date.parse(dueAt), agentId: agentId ? AgentId(agentId) : null, note },
      actor(request),
    );
    return reply.code(201).send(callback);
  });

  api.get('/callbacks', { config: { roles: EVERYONE }, schema: { querystring: callbackFilter } }, async (request) => ({
    callbacks: await listCallbacks(db, request.query),
  }));

  api.delete('/callbacks/:id', { config: { roles: EVERYONE }, schema: { params: z.object({ id: z.uuid() }) } }, async (request, reply) => {
    await cancelCallback(db, request.params.id, actor(request));
    return reply.code(204).send();
  });
}
