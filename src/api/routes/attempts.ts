import { z } from 'zod';
import { correctDisposition } from '../../campaigns/disposition-correction.js';
import { attemptRecord } from '../../campaigns/history.js';
import { AgentId, AttemptId } from '../../domain/ids.js';
import { actor, READERS, type Api, type ApiContext } from '../context.js';

const attemptParams = z.object({ id: z.uuid() });

const dispositionCorrection = z
  .object({
    code: z.string().min(1),
    note: z.string().max(2000).optional(),
    /** For a callback disposition: when, and by whom (absent or null: anyone). */
    callback: z.object({ at: z.iso.datetime({ offset: true }), agentId: z.string().min(1).nullable().optional() }).strict().optional(),
  })
  .strict();

/** One attempt with the answers given on it (attemptRecord), and the supervisor's correction of its disposition. */
export function attemptRoutes(api: Api, { db, clock }: ApiContext): void {
  api.get('/attempts/:id', { config: { roles: READERS }, schema: { params: attemptParams } }, async (request) => {
    return { attempt: await attemptRecord(db, AttemptId(request.params.id)) };
  });

  api.put(
    '/attempts/:id/disposition',
    { config: { roles: ['admin', 'supervisor'] }, schema: { params: attemptParams, body: dispositionCorrection } },
    async (request) => {
      const { code, note, callback } = request.body;
      return correctDisposition(
        db,
        AttemptId(request.params.id),
        {
          code,
          note,
          callbackAt: callback && Date.parse(callback.at),
          callbackAgentId: callback?.agentId ? AgentId(callback.agentId) : null,
        },
        actor(request),
        clock.now(),
      );
    },
  );
}
