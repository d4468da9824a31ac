import type { Queryable } from './db.js';

/** Who changed what: every change through the API or the CLI leaves a row. */
export interface AuditEntry {
  /** A user's name, or "system" for the engine's own moves. */
  readonly actor: string;
  readonly action: string;
  readonly entity: string;
  readonly entityId?: string | undefined;
  readonly details?: Record<string, unknown>;
}

export async function audit(db: Queryable, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO audit_log (actor, action, entity, entity_id, details) VALUES ($1, $2, $3, $4, $5::jsonb)', [
    entry.actor,
    entry.action,
    entry.entity,
    entry.entityId ?? null,
    JSON.stringify(entry.details ?? {}),
  ]);
}
