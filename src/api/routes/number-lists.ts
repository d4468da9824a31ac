import { Readable } from 'node:stream';
import { z } from 'zod';
import { importNumberListFile, numberListFileSchema } from '../../campaigns/number-list-import.js';
import { addNumberListEntries, checkNumber, LIST_COLORS, numberListEntrySchema, removeNumberListEntry } from '../../campaigns/number-lists.js';
import { NotFoundError } from '../../storage/errors.js';
import { actor, EVERYONE, SUPERVISORS, type Api, type ApiContext } from '../context.js';
import { sendError } from '../errors.js';

const phone = z.string().regex(/^\+[1-9]\d{6,14}$/, 'an E.164 number such as +442071234567');
const entryKey = z.object({ phone, color: z.enum(LIST_COLORS).default('black'), campaignId: z.uuid().optional() }).strict();

export function numberListRoutes(api: Api, { db }: ApiContext): void {
  api.post('/number-lists', { config: { roles: SUPERVISORS }, schema: { body: numberListEntrySchema } }, async (request, reply) => {
    await addNumberListEntries(db, [request.body], actor(request));
    return reply.code(201).send(await checkNumber(db, request.body.phone, request.body.campaignId));
  });

  // Bulk import: the whole batch is added in one statement, and takes effect at the next claim.
  api.post(
    '/number-lists/import',
    { config: { roles: SUPERVISORS }, schema: { body: z.object({ entries: z.array(numberListEntrySchema).min(1).max(100_000) }).strict() } },
    async (request) => {
      await addNumberListEntries(db, request.body.entries, actor(request));
      return { added: request.body.entries.length };
    },
  );

  // A file (a registry extract, a carrier's list): the body is the CSV itself, streamed; the options travel in the query.
  api.post('/number-lists/files', { config: { roles: SUPERVISORS }, schema: { querystring: numberListFileSchema } }, async (request, reply) => {
    if (!(request.body instanceof Readable)) {
      return sendError(reply, 415, { error: 'unsupported-media-type', message: 'send the CSV file as the body, with Content-Type: text/csv' });
    }
    const report = await importNumberListFile(db, request.body, request.query, actor(request));
    return reply.code(201).send(report);
  });

  api.delete('/number-lists', { config: { roles: SUPERVISORS }, schema: { querystring: entryKey } }, async (request, reply) => {
    if (!(await removeNumberListEntry(db, request.query, actor(request)))) {
      throw new NotFoundError(`${request.query.color}-list entry for`, request.query.phone);
    }
    return reply.code(204).send();
  });

  api.get(
    '/number-lists/check',
    { config: { roles: EVERYONE }, schema: { querystring: z.object({ phone, campaignId: z.uuid().optional() }).strict() } },
    async (request) => {
      const entries = await checkNumber(db, request.query.phone, request.query.campaignId);
      return { phone: request.query.phone, doNotCall: entries.some((e) => e.color === 'black'), entries };
    },
  );
}
