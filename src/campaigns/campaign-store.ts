/** Campaigns in PostgreSQL: create, read, change, start/pause/stop, delete. Each change is audited. */
import type { CampaignId, TrunkId } from '../domain/ids.js';
import { NO_AGENTS_FOR_MACHINES } from '../ivr/message.js';
import { audit } from '../storage/audit.js';
import { callHandlingProblem } from './dialing/call-handling.js';
import type { Db, Queryable } from '../storage/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../storage/errors.js';
import type { PacingSettings } from '../pacing/settings.js';
import { mergeRuleOverrides, type ComplianceProfile, type DialingRuleOverrides } from './compliance.js';
import { lawBreaches, type LawOverride } from './feasibility.js';
import {
  CAMPAIGN_TRANSITIONS,
  FINISH_BY_IS_FOR_BROADCASTS,
  resolvePacing,
  type Campaign,
  type CampaignChanges,
  type CampaignInput,
} from './campaign.js';

interface CampaignRow {
  id: string;
  name: string;
  type: Campaign['type'];
  state: Campaign['state'];
  compliance_profile: Campaign['complianceProfile'];
  pacing: Campaign['pacing'];
  pacing_set: Partial<PacingSettings> | null;
  caller_id: string;
  trunk_id: string | null;
  rules: Campaign['rules'];
  recording: Campaign['recording'];
  abandon_message: string | null;
  machine_message: string | null;
  broadcast_message: string | null;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
  compliance_overrides: LawOverride[];
}

function toCampaign(row: CampaignRow): Campaign {
  return {
    id: row.id as CampaignId,
    name: row.name,
    type: row.type,
    state: row.state,
    complianceProfile: row.compliance_profile,
    pacing: row.pacing,
    callerId: row.caller_id,
    trunkId: row.trunk_id as TrunkId | null,
    rules: row.rules,
    recording: row.recording,
    abandonMessage: row.abandon_message,
    machineMessage: row.machine_message,
    broadcastMessage: row.broadcast_message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
    complianceOverrides: row.compliance_overrides,
  };
}

export async function createCampaign(db: Queryable, input: CampaignInput, actor: string): Promise<Campaign> {
  const pacing = resolvePacing(input.complianceProfile, input.pacing);
  refuseBeyondLaw(input.complianceProfile, pacing, input.rules ?? {}, input.complianceOverrides ?? []);
  const existing = await db.query<{ archived_at: Date | null }>('SELECT archived_at FROM campaigns WHERE name = $1', [input.name]);
  if (existing.rows[0]) {
    const archived = existing.rows[0].archived_at ? ' (archived, kept as the record of its calls)' : '';
    throw new ConflictError(`a campaign named "${input.name}" already exists${archived}: choose another name`);
  }
  const { rows } = await db.query<CampaignRow>(
    `INSERT INTO campaigns (name, type, pacing, caller_id, trunk_id, compliance_profile, rules, recording, abandon_message, broadcast_message,
                            machine_message, pacing_set, compliance_overrides)
     VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12::jsonb, $13::text[]) RETURNING *`,
    [
      input.name,
      input.type,
      JSON.stringify(pacing),
      input.callerId,
      input.trunkId ?? null,
      input.complianceProfile,
      JSON.stringify(input.rules ?? {}),
      input.recording ?? 'all',
      input.abandonMessage ?? null,
      input.broadcastMessage ?? null,
      input.machineMessage ?? null,
      JSON.stringify(input.pacing ?? {}),
      input.complianceOverrides ?? [],
    ],
  );
  const campaign = toCampaign(rows[0]!);
  await audit(db, { actor, action: 'create', entity: 'campaign', entityId: campaign.id, details: { input } });
  return campaign;
}

export async function findCampaign(db: Queryable, id: CampaignId): Promise<Campaign | undefined> {
  if (!isUuid(id)) return undefined;
  const { rows } = await db.query<CampaignRow>('SELECT * FROM campaigns WHERE id = $1', [id]);
  return rows[0] ? toCampaign(rows[0]) : undefined;
}

export async function getCampaign(db: Queryable, id: CampaignId): Promise<Campaign> {
  const campaign = await findCampaign(db, id);
  if (!campaign) throw new NotFoundError('campaign', id);
  return campaign;
}

/** The campaigns in use; archived ones too when asked. */
export async function listCampaigns(db: Queryable, options: { archived?: boolean } = {}): Promise<Campaign[]> {
  const { rows } = await db.query<CampaignRow>(
    `SELECT * FROM campaigns ${options.archived ? '' : 'WHERE archived_at IS NULL'} ORDER BY created_at, name`,
  );
  return rows.map(toCampaign);
}

/**
 * Changes a campaign, running or not: the runner of a running campaign reads
 * its row every second (campaign-watch.ts), so new pacing targets, a pause or
 * a start take effect within a second, whichever process runs it.
 */
export async function updateCampaign(db: Db, id: CampaignId, changes: CampaignChanges, actor: string): Promise<Campaign> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<CampaignRow>('SELECT * FROM campaigns WHERE id = $1 FOR UPDATE', [id]);
    if (!rows[0]) throw new NotFoundError('campaign', id);
    const current = toCampaign(rows[0]);
    refuseArchived(current, 'changed');
    const profile = changes.complianceProfile ?? current.complianceProfile;
    // The profile's defaults (a new profile's, after a switch) under what the manager set.
    const pacingSet = { ...(rows[0].pacing_set ?? pacingSetBefore(current)), ...changes.pacing };
    const pacing = resolvePacing(profile, pacingSet);
    // The input schema checks a new campaign whole; a change is checked here, against what it changes.
    if ((changes.type ?? current.type) === 'broadcast' && pacing.machinePolicy === 'to-agent') throw new ConflictError(NO_AGENTS_FOR_MACHINES);
    if ((changes.type ?? current.type) === 'agent' && pacing.finishBy != null) throw new ConflictError(FINISH_BY_IS_FOR_BROADCASTS);
    const rules = mergeRuleOverrides(current.rules, changes.rules);
    const overrides = changes.complianceOverrides ?? current.complianceOverrides;
    refuseBeyondLaw(profile, pacing, rules, overrides);
    const updated = await tx.query<CampaignRow>(
      `UPDATE campaigns SET name = $2, type = $3, pacing = $4::jsonb, caller_id = $5, trunk_id = $6,
         compliance_profile = $7, rules = $8::jsonb, recording = $9, abandon_message = $10, broadcast_message = $11,
         machine_message = $12, pacing_set = $13::jsonb, compliance_overrides = $14::text[], updated_at = now()
       WHERE id = $1 RETURNING *`,
      [
        id,
        changes.name ?? current.name,
        changes.type ?? current.type,
        JSON.stringify(pacing),
        changes.callerId ?? current.callerId,
        changes.trunkId === undefined ? current.trunkId : changes.trunkId,
        profile,
        JSON.stringify(rules),
        changes.recording ?? current.recording,
        changes.abandonMessage === undefined ? current.abandonMessage : changes.abandonMessage,
        changes.broadcastMessage === undefined ? current.broadcastMessage : changes.broadcastMessage,
        changes.machineMessage === undefined ? current.machineMessage : changes.machineMessage,
        JSON.stringify(pacingSet),
        overrides,
      ],
    );
    await audit(tx, { actor, action: 'update', entity: 'campaign', entityId: id, details: { changes } });
    return toCampaign(updated.rows[0]!);
  });
}

/**
 * What the manager set of a campaign stored before pacing_set was kept: every
 * value that differs from its profile's default (one set to the default itself
 * cannot be told apart, and follows the profile).
 */
function pacingSetBefore(campaign: Campaign): Partial<PacingSettings> {
  const defaults = resolvePacing(campaign.complianceProfile);
  return Object.fromEntries(
    Object.entries(campaign.pacing).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(defaults[key as keyof PacingSettings])),
  ) as Partial<PacingSettings>;
}

export async function changeCampaignState(
  db: Db,
  id: CampaignId,
  transition: keyof typeof CAMPAIGN_TRANSITIONS,
  actor: string,
): Promise<Campaign> {
  const { from, to } = CAMPAIGN_TRANSITIONS[transition];
  return db.transaction(async (tx) => {
    const current = await getCampaignForUpdate(tx, id);
    refuseArchived(current, transition === 'start' ? 'started' : transition === 'pause' ? 'paused' : 'stopped');
    if (!from.includes(current.state)) {
      throw new ConflictError(`cannot ${transition} campaign ${id}: it is ${current.state} (allowed from ${from.join(', ')})`);
    }
    const problem = transition === 'start' ? callHandlingProblem(current) : undefined;
    if (problem) throw new ConflictError(`cannot start: ${problem}`);
    const { rows } = await tx.query<CampaignRow>(
      'UPDATE campaigns SET state = $2, updated_at = now() WHERE id = $1 RETURNING *',
      [id, to],
    );
    await audit(tx, { actor, action: transition, entity: 'campaign', entityId: id, details: { from: current.state, to } });
    return toCampaign(rows[0]!);
  });
}

/**
 * Deletes a campaign that never dialed, with its lists and leads. One with
 * attempts is archived instead: stopped, read-only and out of the campaign
 * list, its attempts and leads kept, as they are the record of its calls a
 * regulator may ask for. Refused while it runs.
 */
export async function deleteCampaign(db: Db, id: CampaignId, actor: string): Promise<{ readonly archived: Campaign | null }> {
  return db.transaction(async (tx) => {
    const current = await getCampaignForUpdate(tx, id);
    if (current.state === 'running') {
      throw new ConflictError(`campaign ${id} is running: stop it before deleting it`);
    }
    const dialed = await tx.query('SELECT 1 FROM attempts WHERE campaign_id = $1 LIMIT 1', [id]);
    if (dialed.rows.length > 0) {
      const { rows } = await tx.query<CampaignRow>(
        `UPDATE campaigns SET state = 'stopped', archived_at = coalesce(archived_at, now()), updated_at = now() WHERE id = $1 RETURNING *`,
        [id],
      );
      await audit(tx, { actor, action: 'archive', entity: 'campaign', entityId: id, details: { name: current.name } });
      return { archived: toCampaign(rows[0]!) };
    }
    // Leads carry no foreign key (see the migration), so they are deleted here; the rest cascades.
    await tx.query('DELETE FROM leads WHERE campaign_id = $1', [id]);
    await tx.query('DELETE FROM campaigns WHERE id = $1', [id]);
    await audit(tx, { actor, action: 'delete', entity: 'campaign', entityId: id, details: { name: current.name } });
    return { archived: null };
  });
}

/** A target above the law's cap or a window wider than its hours, unless the campaign overrides that rule explicitly. */
function refuseBeyondLaw(profile: ComplianceProfile, pacing: PacingSettings, rules: DialingRuleOverrides, overrides: readonly LawOverride[]): void {
  const breach = lawBreaches(profile, pacing, rules).find((b) => !overrides.includes(b.rule));
  if (breach) {
    throw new ValidationError(
      breach.field,
      `${breach.message}: stay within it, or add "${breach.rule}" to complianceOverrides to dial beyond the law on your own responsibility (the campaign is then flagged)`,
    );
  }
}

function refuseArchived(campaign: Campaign, what: string): void {
  if (campaign.archivedAt) {
    throw new ConflictError(`campaign ${campaign.id} was archived on ${campaign.archivedAt.toISOString()} and cannot be ${what}: it is kept as the record of its calls`);
  }
}

async function getCampaignForUpdate(tx: Queryable, id: CampaignId): Promise<Campaign> {
  if (!isUuid(id)) throw new NotFoundError('campaign', id);
  const { rows } = await tx.query<CampaignRow>('SELECT * FROM campaigns WHERE id = $1 FOR UPDATE', [id]);
  if (!rows[0]) throw new NotFoundError('campaign', id);
  return toCampaign(rows[0]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An id that is not a uuid cannot exist; checking first spares PostgreSQL a cast error. */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
