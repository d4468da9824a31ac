/** Campaigns and leads for the storage suites. */
import { createCampaign } from '../../src/campaigns/campaign-store.js';
import type { Campaign, CampaignInput } from '../../src/campaigns/campaign.js';
import { createList, insertLeads, type NewLead } from '../../src/campaigns/leads.js';
import { E164, type LeadId } from '../../src/domain/ids.js';
import type { Db } from '../../src/storage/db.js';

let campaigns = 0;

export async function makeCampaign(db: Db, input: Partial<CampaignInput> = {}): Promise<Campaign> {
  campaigns += 1;
  return createCampaign(
    db,
    { name: `campaign ${campaigns}`, type: 'agent', complianceProfile: 'us', callerId: '+12025550100', ...input },
    'test',
  );
}

export interface LeadSpec {
  readonly phone: string;
  readonly timeZone?: string;
  readonly priority?: number;
  readonly customFields?: Record<string, unknown>;
}

/** Adds leads to a fresh list of the campaign; returns their ids by phone. */
export async function addLeads(db: Db, campaign: Campaign, leads: readonly LeadSpec[]): Promise<Map<string, LeadId>> {
  const listId = await createList(db, campaign.id, `list ${Math.random()}`);
  const rows: NewLead[] = leads.map((l, i) => ({
    phone: E164(l.phone),
    timeZone: l.timeZone ?? 'America/New_York',
    priority: l.priority ?? 0,
    sourceRow: i + 1,
    ...(l.customFields ? { customFields: l.customFields } : {}),
  }));
  await insertLeads(db, listId, rows);
  const { rows: ids } = await db.query<{ id: LeadId; phone: string }>('SELECT id, phone FROM leads WHERE list_id = $1', [listId]);
  return new Map(ids.map((r) => [r.phone, r.id]));
}

/** Empties every table between tests; the dispositions the migration seeds stay. */
export async function emptyTables(db: Db): Promise<void> {
  await db.exec(
    'TRUNCATE campaigns, lists, leads, customers, attempts, callbacks, number_lists, agents, imports, users, api_keys, audit_log, agent_states, attempt_rollup, attempt_rollup_stale CASCADE',
  );
}

/** Monday 23 November 2026, 13:00 UTC: 08:00 in New York, 05:00 in Los Angeles, 13:00 in London. */
export const MONDAY_8AM_NEW_YORK = Date.UTC(2026, 10, 23, 13, 0);

/** A fixed-offset zone where it is now around noon: a lead in it is inside its calling window whenever the suite runs. */
export function zoneAtNoon(now = new Date()): string {
  const offset = ((12 - now.getUTCHours() + 36) % 24) - 12;
  return offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}
