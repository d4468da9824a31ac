import { z } from 'zod';
import { campaignScriptVersion, currentScript, saveScript } from '../../agents/scripts/script-store.js';
import { scriptInputSchema } from '../../agents/scripts/script.js';
import { CampaignId } from '../../domain/ids.js';
import { NotFoundError } from '../../storage/errors.js';
import { actor, EVERYONE, MANAGERS, READERS, type Api, type ApiContext } from '../context.js';
import { campaignParams } from './campaigns.js';

const versionQuery = z.object({ version: z.coerce.number().int().positive().optional() }).strict();

/** A campaign's script (each save a new version) and the dispositions its agents choose from. */
export function scriptRoutes(api: Api, { db }: ApiContext): void {
  api.get('/campaigns/:id/script', { config: { roles: READERS }, schema: { params: campaignParams, querystring: versionQuery } }, async (request) => {
    const campaignId = CampaignId(request.params.id);
    if (request.query.version !== undefined) return campaignScriptVersion(db, campaignId, request.query.version);
    const script = await currentScript(db, campaignId);
    if (!script) throw new NotFoundError('script of campaign', campaignId);
    return script;
  });

  // Saving is allowed while the campaign runs: calls already put through keep the version their agent was shown.
  api.put('/campaigns/:id/script', { config: { roles: MANAGERS }, schema: { params: campaignParams, body: scriptInputSchema } }, async (request) =>
    saveScript(db, CampaignId(request.params.id), request.body, actor(request)),
  );

  // Dispositions are shared by every campaign (the dispositions table); agents read them to close their calls:
  // the system's codes (outcomes found on the line, a lapsed wrap-up) are not theirs to choose.
  api.get('/campaigns/:id/dispositions', { config: { roles: EVERYONE }, schema: { params: campaignParams } }, async (request) => {
    const exists = await db.query('SELECT 1 FROM campaigns WHERE id = $1::uuid', [request.params.id]);
    if (exists.rows.length === 0) throw new NotFoundError('campaign', request.params.id);
    const { rows } = await db.query(
      `SELECT code, label, effect, success, right_party AS "rightParty", retry_after_minutes AS "retryAfterMinutes" FROM dispositions WHERE NOT system ORDER BY label`,
    );
    return { dispositions: rows };
  });
}
