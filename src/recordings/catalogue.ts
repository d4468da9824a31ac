/**
 * The recording catalogue in storage: a row per recording, listed by
 * attempt, agent, campaign and day.
 */
import type { AgentId, AttemptId, CampaignId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';
import { NotFoundError } from '../storage/errors.js';
import type { RecordingLeg } from '../telephony/port.js';

export const RECORDING_STATUSES = ['available', 'failed', 'missing', 'deleted'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export interface CatalogueEntry {
  readonly attemptId: AttemptId;
  readonly leg: RecordingLeg;
  readonly name: string;
  readonly status: Exclude<RecordingStatus, 'deleted'>;
  readonly format: string | null;
  readonly startedAt: EpochMs | null;
  readonly finishedAt: EpochMs;
  readonly durationMs: number | null;
  readonly sizeBytes: number | null;
  readonly sha256: string | null;
  readonly location: string | null;
  readonly storedName: string | null;
  /** The Asterisk server keeping the PBX's copy (storedName), when outpace drives several. */
  readonly pbxServer: string | null;
  readonly problem: string | null;
}

export interface Recording {
  readonly id: string;
  readonly name: string;
  readonly attemptId: AttemptId;
  readonly campaignId: CampaignId;
  readonly agentId: AgentId | null;
  readonly leg: RecordingLeg;
  readonly status: RecordingStatus;
  readonly format: string | null;
  readonly startedAt: string | null;
  readonly finishedAt: string;
  readonly durationMs: number | null;
  readonly sizeBytes: number | null;
  readonly sha256: string | null;
  readonly problem: string | null;
  readonly deletedAt: string | null;
  /** Whether the attempt is under legal hold (the sweep leaves it). */
  readonly legalHold: boolean;
}

/** A recording with where its file is: for the player and the sweep, never sent to clients. */
export type StoredFileRecording = Recording & { readonly location: string | null; readonly storedName: string | null };

/**
 * Adds the recording, with its attempt's campaign and agent; a second report
 * of the same recording (the PBX's name) replaces the first.
 */
export async function catalogueRecording(db: Queryable, e: CatalogueEntry): Promise<void> {
  const result = await db.query(
    `INSERT INTO recordings (name, attempt_id, campaign_id, agent_id, leg, status, format, started_at, finished_at, duration_ms, size_bytes, sha256, location, stored_name, problem, pbx_server)
     SELECT $1, a.id, a.campaign_id, a.agent_id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 FROM attempts a WHERE a.id = $2::uuid
     ON CONFLICT (name) DO UPDATE SET status = EXCLUDED.status, format = EXCLUDED.format, started_at = EXCLUDED.started_at,
       finished_at = EXCLUDED.finished_at, duration_ms = EXCLUDED.duration_ms, size_bytes = EXCLUDED.size_bytes, sha256 = EXCLUDED.sha256,
       location = EXCLUDED.location, stored_name = EXCLUDED.stored_name, pbx_server = EXCLUDED.pbx_server, problem = EXCLUDED.problem, agent_id = EXCLUDED.agent_id,
       catalogued_at = now(), deleted_at = NULL`,
    [
      e.name,
      e.attemptId,
      e.leg,
      e.status,
      e.format,
      e.startedAt === null ? null : new Date(e.startedAt),
      new Date(e.finishedAt),
      e.durationMs,
      e.sizeBytes,
      e.sha256,
      e.location,
      e.storedName,
      e.problem,
      e.pbxServer,
    ],
  );
  if (result.rowCount === 0) throw new NotFoundError('attempt', e.attemptId);
}

export interface RecordingFilter {
  readonly attemptId?: string | undefined;
  readonly agentId?: string | undefined;
  readonly campaignId?: string | undefined;
  /** A UTC day, YYYY-MM-DD: recordings finished that day. */
  readonly day?: string | undefined;
  readonly status?: RecordingStatus | undefined;
  readonly limit?: number | undefined;
}

const COLUMNS = `r.id, r.name, r.attempt_id AS "attemptId", r.campaign_id AS "campaignId", r.agent_id AS "agentId", r.leg, r.status, r.format,
  r.started_at AS "startedAt", r.finished_at AS "finishedAt", r.duration_ms AS "durationMs", r.size_bytes::float8 AS "sizeBytes", r.sha256,
  r.problem, r.deleted_at AS "deletedAt", EXISTS (SELECT 1 FROM legal_holds h WHERE h.attempt_id = r.attempt_id) AS "legalHold"`;

type Row = Omit<StoredFileRecording, 'startedAt' | 'finishedAt' | 'deletedAt'> & { startedAt: Date | null; finishedAt: Date; deletedAt: Date | null };

const iso = (d: Date | null) => (d ? d.toISOString() : null);

function fromRow({ location: _l, storedName: _s, ...r }: Row): Recording {
  return { ...r, startedAt: iso(r.startedAt), finishedAt: r.finishedAt.toISOString(), deletedAt: iso(r.deletedAt) };
}

export async function listRecordings(db: Queryable, f: RecordingFilter): Promise<Recording[]> {
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM recordings r
      WHERE ($1::uuid IS NULL OR r.attempt_id = $1::uuid) AND ($2::text IS NULL OR r.agent_id = $2)
        AND ($3::uuid IS NULL OR r.campaign_id = $3::uuid) AND ($5::text IS NULL OR r.status = $5)
        AND ($4::date IS NULL OR (r.finished_at >= $4::date AND r.finished_at < $4::date + 1))
      ORDER BY r.finished_at, r.name LIMIT $6`,
    [f.attemptId ?? null, f.agentId ?? null, f.campaignId ?? null, f.day ?? null, f.status ?? null, f.limit ?? 1000],
  );
  return rows.map(fromRow);
}

export async function getRecording(db: Queryable, id: string): Promise<StoredFileRecording> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS}, r.location, r.stored_name AS "storedName" FROM recordings r WHERE r.id = $1::uuid`, [id]);
  const row = rows[0];
  if (!row) throw new NotFoundError('recording', id);
  return { ...fromRow(row), location: row.location, storedName: row.storedName };
}

/** A catalogued file found gone or unreadable: listed as missing, with why. */
export async function markMissing(db: Queryable, id: string, why: string): Promise<void> {
  await db.query(`UPDATE recordings SET status = 'missing', problem = $2 WHERE id = $1::uuid AND status = 'available'`, [id, why]);
}
