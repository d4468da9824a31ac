/**
 * Tickets for the agent socket. A browser cannot set an Authorization header
 * on a WebSocket, and a key in a URL would end up in proxies' logs; so the
 * page trades its key (in a header, over fetch) for a random ticket that opens
 * one socket within TICKET_LIFETIME and is then gone. Kept in the database,
 * not in memory, so any outpace process behind the balancer can redeem it;
 * only its SHA-256 is stored, as for keys.
 */
import { randomBytes } from 'node:crypto';
import type { AgentId } from '../domain/ids.js';
import { SECOND, type EpochMs } from '../domain/time.js';
import type { Queryable } from '../storage/db.js';
import { hashKey } from './keys.js';

export const TICKET_LIFETIME = 30 * SECOND;

export async function issueTicket(db: Queryable, agentId: AgentId, now: EpochMs): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now + TICKET_LIFETIME);
  // Lapsed tickets are swept here: issuing is rare, and the table stays small.
  await db.query('DELETE FROM agent_tickets WHERE expires_at <= $1', [new Date(now)]);
  await db.query('INSERT INTO agent_tickets (ticket_hash, agent_id, expires_at) VALUES ($1, $2, $3)', [hashKey(ticket), agentId, expiresAt]);
  return { ticket, expiresAt };
}

/** The ticket's agent, once: the delete both checks and spends it, so two sockets cannot share one. */
export async function redeemTicket(db: Queryable, ticket: string, now: EpochMs): Promise<AgentId | undefined> {
  const { rows } = await db.query<{ agent_id: AgentId }>('DELETE FROM agent_tickets WHERE ticket_hash = $1 AND expires_at > $2 RETURNING agent_id', [
    hashKey(ticket),
    new Date(now),
  ]);
  return rows[0]?.agent_id;
}
