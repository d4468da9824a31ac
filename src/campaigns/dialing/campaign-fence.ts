/**
 * The fence that keeps a deposed engine from dialing. An engine that takes a
 * campaign (after winning its Redis lease) bumps the campaign's owner
 * generation in PostgreSQL; every attempt it writes before an originate is
 * checked against that generation in the same statement that takes the lead
 * (attempts.ts). Outcomes and dispositions of calls already made are not
 * fenced: a call that happened is always recorded, whoever owns the campaign
 * now.
 */
import type { CampaignId } from '../../domain/ids.js';
import type { Queryable } from '../../storage/db.js';
import { NotFoundError } from '../../storage/errors.js';

export interface CampaignFence {
  readonly campaignId: CampaignId;
  readonly generation: number;
}

/** Another engine has taken the campaign since this one did: it must dial no more. */
export class OwnershipLostError extends Error {
  constructor(fence: CampaignFence, engineId: string, owner: string | null) {
    super(
      `engine ${engineId} no longer owns campaign ${fence.campaignId} (taken by ${owner ?? 'another engine'}): ` +
        'it stops dialing; the calls it made are still recorded',
    );
    this.name = 'OwnershipLostError';
  }
}

/**
 * Marks this engine as the campaign's owner in storage; call it once the
 * lease is won. Says which engine owned it before and never gave it up
 * (releaseCampaign): a lost engine (killed, frozen, cut off), whose agents'
 * idle legs may still be up on the PBX.
 */
export async function takeCampaign(db: Queryable, campaignId: CampaignId, engineId: string): Promise<CampaignFence & { readonly lostEngine: string | undefined }> {
  const { rows } = await db.query<{ owner_generation: string; previous_owner: string | null }>(
    `UPDATE campaigns c SET owner_engine = $2, owner_generation = c.owner_generation + 1
       FROM (SELECT id, owner_engine FROM campaigns WHERE id = $1 FOR UPDATE) previous
      WHERE c.id = previous.id
      RETURNING c.owner_generation, previous.owner_engine AS previous_owner`,
    [campaignId, engineId],
  );
  if (!rows[0]) throw new NotFoundError('campaign', campaignId);
  const previous = rows[0].previous_owner;
  return { campaignId, generation: Number(rows[0].owner_generation), lostEngine: previous !== null && previous !== engineId ? previous : undefined };
}

/** This engine gives the campaign up (its drain is over): the next owner finds no lost engine before it. */
export async function releaseCampaign(db: Queryable, campaignId: CampaignId, engineId: string): Promise<void> {
  await db.query('UPDATE campaigns SET owner_engine = NULL WHERE id = $1 AND owner_engine = $2', [campaignId, engineId]);
}

/** Who owns the campaign in storage now (for the error that tells an engine it was deposed). */
export async function campaignOwner(db: Queryable, campaignId: CampaignId): Promise<{ engineId: string | null; generation: number }> {
  const { rows } = await db.query<{ owner_engine: string | null; owner_generation: string }>(
    'SELECT owner_engine, owner_generation FROM campaigns WHERE id = $1',
    [campaignId],
  );
  return { engineId: rows[0]?.owner_engine ?? null, generation: Number(rows[0]?.owner_generation ?? 0) };
}
