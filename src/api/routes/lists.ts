import { Readable } from 'node:stream';
import { z } from 'zod';
import { startImport } from '../../campaigns/import/import-leads.js';
import { getImportStatus, importFailure, listRejections } from '../../campaigns/import/import-store.js';
import { columnMappingSchema } from '../../campaigns/import/mapping.js';
import { CampaignId } from '../../domain/ids.js';
import { actor, MANAGERS, type Api, type ApiContext } from '../context.js';
import { sendError } from '../errors.js';
import { campaignParams } from './campaigns.js';

/** The mapping travels in the query string so that the body can be the CSV file itself, streamed. */
const uploadQuery = columnMappingSchema
  .omit({ customFields: true })
  .extend({
    list: z.string().min(1).max(200),
    source: z.string().max(200).optional(),
    /** Comma-separated columns to keep as custom fields; absent: every unmapped column. */
    customFields: z.string().optional(),
  })
  .strict();

const importParams = z.object({ id: z.uuid() });
const page = z.object({ limit: z.coerce.number().int().min(1).max(10_000).default(100), offset: z.coerce.number().int().min(0).default(0) });

export function listRoutes(api: Api, { db }: ApiContext): void {
  api.post(
    '/campaigns/:id/lists',
    { config: { roles: MANAGERS }, schema: { params: campaignParams, querystring: uploadQuery } },
    async (request, reply) => {
      if (!(request.body instanceof Readable)) {
        return sendError(reply, 415, { error: 'unsupported-media-type', message: 'send the CSV file as the body, with Content-Type: text/csv' });
      }
      const { list, source, customFields, ...mapping } = request.query;
      const started = await startImport(
        db,
        {
          campaignId: CampaignId(request.params.id),
          listName: list,
          listSource: source,
          fileName: list,
          mapping: { ...mapping, ...(customFields ? { customFields: customFields.split(',') } : {}) },
          actor: actor(request),
        },
        request.body,
      );
      // The upload is the file's stream, read as rows are written, so the answer waits for the import's end;
      // others can follow it meanwhile at /imports/:id.
      const status = await started.finished;
      // 422 as well when every row was rejected: nothing was created.
      return reply.code(importFailure(status) ? 422 : 201).send(status);
    },
  );

  api.get('/imports/:id', { config: { roles: MANAGERS }, schema: { params: importParams } }, async (request) =>
    getImportStatus(db, request.params.id),
  );

  api.get('/imports/:id/errors', { config: { roles: MANAGERS }, schema: { params: importParams, querystring: page } }, async (request) => ({
    rejections: await listRejections(db, request.params.id, request.query.limit, request.query.offset),
  }));
}

export { page };
