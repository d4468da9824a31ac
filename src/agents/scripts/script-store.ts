/**
 * Scripts in storage: one per campaign, a new version at every save. Old
 * versions stay, because stored answers refer to the questions they answered.
 */
import type { CampaignId } from '../../domain/ids.js';
import { audit } from '../../storage/audit.js';
import type { Db, Queryable } from '../../storage/db.js';
import { NotFoundError } from '../../storage/errors.js';
import { scriptInputSchema, type ScriptDefinition, type ScriptInput } from './script.js';

export interface StoredScript extends ScriptDefinition {
  readonly id: string;
  readonly version: number;
  readonly campaignId: CampaignId;
  readonly createdBy: string;
  readonly createdAt: Date;
}

const COLUMNS = `s.id, v.version, s.campaign_id AS "campaignId", v.name, v.definition, v.created_by AS "createdBy", v.created_at AS "createdAt"
  FROM scripts s JOIN script_versions v ON v.script_id = s.id`;

interface Row extends Omit<StoredScript, 'start' | 'questions'> {
  readonly definition: Pick<ScriptDefinition, 'start' | 'questions'>;
}

/** Validates the script and stores it as the campaign's next version. */
export async function saveScript(db: Db, campaignId: CampaignId, input: ScriptInput, actor: string): Promise<StoredScript> {
  const script = scriptInputSchema.parse(input);
  const saved = await db.transaction(async (tx) => {
    const campaign = await tx.query('SELECT 1 FROM campaigns WHERE id = $1::uuid FOR UPDATE', [campaignId]);
    if (campaign.rows.length === 0) throw new NotFoundError('campaign', campaignId);
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO scripts (campaign_id) VALUES ($1) ON CONFLICT (campaign_id) DO UPDATE SET campaign_id = EXCLUDED.campaign_id RETURNING id`,
      [campaignId],
    );
    const scriptId = rows[0]!.id;
    const { rows: versions } = await tx.query<{ version: number }>(
      `INSERT INTO script_versions (script_id, version, name, definition, created_by)
       SELECT $1, coalesce(max(version), 0) + 1, $2, $3::jsonb, $4 FROM script_versions WHERE script_id = $1
       RETURNING version`,
      [scriptId, script.name, JSON.stringify({ start: script.start, questions: script.questions }), actor],
    );
    const version = versions[0]!.version;
    await audit(tx, { actor, action: 'save-script', entity: 'campaign', entityId: campaignId, details: { scriptId, version } });
    return scriptVersion(tx, scriptId, version);
  });
  return saved;
}

/** The campaign's newest version, or undefined when the campaign has no script. */
export async function currentScript(db: Queryable, campaignId: CampaignId): Promise<StoredScript | undefined> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} WHERE s.campaign_id = $1::uuid ORDER BY v.version DESC LIMIT 1`, [campaignId]);
  return rows[0] && fromRow(rows[0]);
}

export async function scriptVersion(db: Queryable, scriptId: string, version: number): Promise<StoredScript> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} WHERE s.id = $1::uuid AND v.version = $2`, [scriptId, version]);
  if (!rows[0]) throw new NotFoundError('script version', `${scriptId}/${version}`);
  return fromRow(rows[0]);
}

/** A campaign's version by number, for managers reading an older one. */
export async function campaignScriptVersion(db: Queryable, campaignId: CampaignId, version: number): Promise<StoredScript> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} WHERE s.campaign_id = $1::uuid AND v.version = $2`, [campaignId, version]);
  if (!rows[0]) throw new NotFoundError(`script version ${version} of campaign`, campaignId);
  return fromRow(rows[0]);
}

function fromRow({ definition, ...row }: Row): StoredScript {
  return { ...row, ...definition };
}
