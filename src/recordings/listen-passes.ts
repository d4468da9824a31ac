/**
 * Passes to listen to one recording from a browser's audio element, which
 * cannot send an Authorization header: the page trades its key (in a header)
 * for a random pass in the audio's URL. Unlike the agent socket's one-time
 * tickets a pass serves every Range request of one listening (a player seeks),
 * until it lapses; it opens that recording only, and the listen is audited as
 * the person who asked for it. Kept in the database so that any outpace
 * process behind a balancer honours it.
 */
import { randomBytes } from 'node:crypto';
import { MINUTE, type EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';
import { hashKey } from '../api/keys.js';

export const LISTEN_PASS_LIFETIME = 15 * MINUTE;

export async function issueListenPass(db: Queryable, recordingId: string, actor: string, now: EpochMs): Promise<{ pass: string; expiresAt: Date }> {
  const pass = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now + LISTEN_PASS_LIFETIME);
  await db.query('DELETE FROM listen_passes WHERE expires_at <= $1', [new Date(now)]);
  await db.query('INSERT INTO listen_passes (pass_hash, recording_id, actor, expires_at) VALUES ($1, $2, $3, $4)', [hashKey(pass), recordingId, actor, expiresAt]);
  return { pass, expiresAt };
}

/** Who may listen to `recordingId` with this pass, or undefined (unknown, lapsed, or for another recording). */
export async function listenerOf(db: Queryable, recordingId: string, pass: string, now: EpochMs): Promise<string | undefined> {
  const { rows } = await db.query<{ actor: string }>('SELECT actor FROM listen_passes WHERE pass_hash = $1 AND recording_id = $2::uuid AND expires_at > $3', [
    hashKey(pass),
    recordingId,
    new Date(now),
  ]);
  return rows[0]?.actor;
}
