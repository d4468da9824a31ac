/**
 * Users and their API keys. A key is 32 random bytes shown once at creation;
 * only its SHA-256 is stored. A slow password hash is not needed: the key is
 * random, not chosen by a person, so its hash cannot be guessed backwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AgentId } from '../domain/ids.js';
import type { Queryable } from '../storage/db.js';
import { ConflictError, NotFoundError, ValidationError } from '../storage/errors.js';

export const ROLES = ['admin', 'campaign-manager', 'supervisor', 'qa', 'agent'] as const;
export type Role = (typeof ROLES)[number];

export interface KeyHolder {
  readonly userId: string;
  readonly name: string;
  readonly role: Role;
  readonly agentId: AgentId | null;
}

const KEY_PREFIX = 'op_';

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Creates the user if new and a key for them; the key is returned here and
 * never again. An agent's key names the agent it works as, who must exist.
 */
export async function createApiKey(db: Queryable, user: { name: string; role: Role; agentId?: AgentId | null }): Promise<string> {
  const agentId = user.agentId ?? null;
  if (user.role === 'agent' && !agentId) {
    throw new ValidationError('agentId', 'a key for role agent names the agent it works as: give the agent id');
  }
  if (user.role !== 'agent' && agentId) {
    throw new ValidationError('agentId', `only a key for role agent names an agent; a ${user.role} works as no agent`);
  }
  if (agentId && (await db.query('SELECT 1 FROM agents WHERE id = $1', [agentId])).rows.length === 0) {
    throw new ConflictError(`agent ${agentId} does not exist: create the agent first (PUT /api/v1/agents/${agentId}), then its key`);
  }
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (name, role, agent_id) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, agent_id = EXCLUDED.agent_id RETURNING id`,
    [user.name, user.role, agentId],
  );
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  await db.query('INSERT INTO api_keys (user_id, key_hash, key_prefix) VALUES ($1, $2, $3)', [rows[0]!.id, hashKey(key), keyPrefix(key)]);
  return key;
}

/** The first characters of a key, shown in lists so a user can tell keys apart; never enough to use it. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX.length + 6);
}

// A key's last use is written at most this often: not one write per request.
const LAST_USE_PRECISION = "interval '1 minute'";

/** The key's holder, or undefined for an unknown or revoked key; notes the key's use. */
export async function findKeyHolder(db: Queryable, key: string): Promise<KeyHolder | undefined> {
  const { rows } = await db.query<KeyHolder>(
    `WITH k AS (SELECT id, user_id, last_used_at FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL),
          used AS (UPDATE api_keys SET last_used_at = now() FROM k
                    WHERE api_keys.id = k.id AND (k.last_used_at IS NULL OR k.last_used_at < now() - ${LAST_USE_PRECISION}))
     SELECT u.id AS "userId", u.name, u.role, u.agent_id AS "agentId" FROM k JOIN users u ON u.id = k.user_id`,
    [hashKey(key)],
  );
  return rows[0];
}

/** A key as admins see it: whose, which role, its first characters, and its use; never the key. */
export interface ApiKeySummary {
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  readonly agentId: AgentId | null;
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export async function listApiKeys(db: Queryable): Promise<ApiKeySummary[]> {
  const { rows } = await db.query<{ [K in keyof ApiKeySummary]: unknown }>(
    `SELECT k.id, u.name AS user, u.role, u.agent_id AS "agentId", k.key_prefix AS prefix,
            k.created_at AS "createdAt", k.last_used_at AS "lastUsedAt", k.revoked_at AS "revokedAt"
       FROM api_keys k JOIN users u ON u.id = k.user_id ORDER BY k.created_at, k.id`,
  );
  const iso = (at: unknown) => (at instanceof Date ? at.toISOString() : null);
  return rows.map((r) => ({
    ...(r as unknown as ApiKeySummary),
    createdAt: iso(r.createdAt)!,
    lastUsedAt: iso(r.lastUsedAt),
    revokedAt: iso(r.revokedAt),
  }));
}

/** Revokes a key at once: its next request is refused. Revoking a revoked key changes nothing. */
export async function revokeApiKey(db: Queryable, id: string): Promise<void> {
  const { rows } = await db.query<{ id: string }>(
    `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1::uuid RETURNING id`,
    [id],
  );
  if (rows.length === 0) throw new NotFoundError('API key', id);
}
