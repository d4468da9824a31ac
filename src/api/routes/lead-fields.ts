import { leadFieldDefinitions, leadFieldsSchema, setLeadFieldDefinitions } from '../../campaigns/lead-fields.js';
import { CampaignId } from '../../domain/ids.js';
import { NotFoundError } from '../../storage/errors.js';
import { MANAGERS, READERS, type Api, type ApiContext } from '../context.js';
import { campaignParams } from './campaigns.js';

/** How the campaign's agents see the lead's fields: labels, order, which they may edit. */
export function leadFieldRoutes(api: Api, { db }: ApiContext): void {
  const campaignExists = async (id: string) => {
    const { rows } = await db.query('SELECT 1 FROM campaigns WHERE id = $1::uuid', [id]);
    if (rows.length === 0) throw new NotFoundError('campaign', id);
  };
  api.get('/campaigns/:id/lead-fields', { config: { roles: READERS }, schema: { params: campaignParams } }, async (request) => {
    await campaignExists(request.params.id);
    return { fields: await leadFieldDefinitions(db, CampaignId(request.params.id)) };
  });
  api.put('/campaigns/:id/lead-fields', { config: { roles: MANAGERS }, schema: { params: campaignParams, body: leadFieldsSchema } }, async (request) => {
    await campaignExists(request.params.id);
    return { fields: await setLeadFieldDefinitions(db, CampaignId(request.params.id), request.body) };
  });
}
