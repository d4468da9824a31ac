/**
 * Users and their API keys. A key is 32 random bytes shown once at creation;
 * only its SHA-256 is stored. A slow password hash is not needed: the key is
 * random, not chosen by a person, so its hash cannot be guessed backwards.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AgentId } from '../domain/ids.js';
import type { Queryable } from '../storage/db.js';

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

/** Creates the user if new and a key for them; the key is returned here and never again. */
export async function createApiKey(db: Queryable, user: { name: string; role: Role; agentId?: AgentId | null }): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (name, role, agent_id) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, agent_id = EXCLUDED.agent_id RETURNING id`,
    [user.name, user.role, user.agentId ?? null],
  );
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  await db.query('INSERT INTO api_keys (user_id, key_hash, key_prefix) VALUES ($1, $2, $3)', [
    rows[0]!.id,
    hashKey(key),
    key.slice(0, KEY_PREFIX.length + 6),
  ]);
  return key;
}

export async function findKeyHolder(db: Queryable, key: string): Promise<KeyHolder | undefined> {
  const { rows } = await db.query<KeyHolder>(
    `SELECT u.id AS "userId", u.name, u.role, u.agent_id AS "agentId"
       FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
    [hashKey(key)],
  );
  return rows[0];
}
