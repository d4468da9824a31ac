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

/** Marks this engine as the campaign's owner in storage; call it once the lease is won. */
export async function takeCampaign(db: Queryable, campaignId: CampaignId, engineId: string): Promise<CampaignFence> {
  const { rows } = await db.query<{ owner_generation: string }>(
    `UPDATE campaigns SET owner_engine = $2, owner_generation = owner_generation + 1 WHERE id = $1 RETURNING owner_generation`,
    [campaignId, engineId],
  );
  if (!rows[0]) throw new NotFoundError('campaign', campaignId);
  return { campaignId, generation: Number(rows[0].owner_generation) };
}

/** Who owns the campaign in storage now (for the error that tells an engine it was deposed). */
export async function campaignOwner(db: Queryable, campaignId: CampaignId): Promise<{ engineId: string | null; generation: number }> {
  const { rows } = await db.query<{ owner_engine: string | null; owner_generation: string }>(
    'SELECT owner_engine, owner_generation FROM campaigns WHERE id = $1',
    [campaignId],
  );
  return { engineId: rows[0]?.owner_engine ?? null, generation: Number(rows[0]?.owner_generation ?? 0) };
}
