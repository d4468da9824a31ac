/**
 * A campaign taken over after its engine was lost (killed, crashed, cut
 * off): before dialing, the new owner finds every attempt the lost engine
 * left open and settles it. A call the PBX still holds is adopted
 * (CampaignEngine.adopt: it goes on, and is recorded as if dialed here); a
 * call the PBX no longer holds ended unheard and is closed with the outcome
 * the last stored facts support and a cause naming the lost engine:
 *
 * - put through to an agent (connected_at stored): `live`, with that agent,
 *   and the system's disposition (a lapsed wrap-up's: the customer was
 *   spoken to, nobody said how it went);
 * - answered but never put through (answered_at stored): `live` and
 *   abandoned, the safe side for the abandon rate;
 * - answered while no engine listened, so that the PBX played the abandon
 *   message itself (its record in AstDB, read by the port): `live` and
 *   abandoned;
 * - nothing stored past the dial: `failed`.
 *
 * Either way the lead moves on by the campaign's retry rules (finishAttempt),
 * and its number is freed. The leads it had claimed but not dialed go back
 * to the pool at once.
 */
import type { Logger } from 'pino';
import { AgentId, AttemptId, type E164, LeadId, TrunkId } from '../../domain/ids.js';
import type { HangupCause } from '../../domain/outcomes.js';
import type { EpochMs } from '../../domain/time.js';
import { type AdoptedCall, type CampaignEngine, WRAP_UP_TIMEOUT_DISPOSITION } from '../../engine/campaign-engine.js';
import type { Db } from '../../storage/db.js';
import type { OriginateRequest, TelephonyPort } from '../../telephony/port.js';
import type { Campaign } from '../campaign.js';
import { adoptAttempts, finishAttempt, setDisposition } from '../attempts.js';
import { releaseCampaignClaims } from '../hopper/claim.js';

interface OpenAttemptRow {
  id: string;
  lead_id: string;
  phone: string;
  custom_fields: Record<string, unknown> | null;
  engine_id: string;
  originated_at: Date;
  answered_at: Date | null;
  connected_at: Date | null;
  agent_id: string | null;
}

export interface LostEngineCallsOptions {
  readonly db: Db;
  readonly campaign: Campaign;
  /** The trunk the campaign dials on. */
  readonly trunkId: string;
  readonly engineId: string;
  readonly engine: CampaignEngine;
  readonly port: TelephonyPort;
  readonly logger: Logger;
  readonly now: EpochMs;
}

/** Adopts or closes every open attempt of the campaign; call it once the campaign is owned, before the engine starts. */
export async function takeOverLostEngineCalls(o: LostEngineCallsOptions): Promise<{ adopted: ReadonlySet<AttemptId>; closed: number }> {
  const released = await releaseCampaignClaims(o.db, o.campaign.id);
  if (released > 0) o.logger.warn({ campaignId: o.campaign.id, leads: released }, 'leads a lost engine had claimed go back to the pool');
  const { rows } = await o.db.query<OpenAttemptRow>(
    `SELECT a.id, a.lead_id, a.phone, l.custom_fields, a.engine_id, a.originated_at, a.answered_at, a.connected_at, a.agent_id
       FROM attempts a JOIN leads l ON l.id = a.lead_id
      WHERE a.campaign_id = $1 AND a.ended_at IS NULL`,
    [o.campaign.id],
  );
  if (rows.length === 0) return { adopted: new Set(), closed: 0 };
  // Every one of them is this engine's to close from now on: the lost engine, should it wake, closes none.
  await adoptAttempts(o.db, rows.map((row) => AttemptId(row.id)), o.engineId);
  const left = (await o.port.adoptCalls?.(rows.map((row) => originateRequest(o, row)))) ?? new Map();
  const adopted: AdoptedCall[] = [];
  for (const row of rows) {
    const call = left.get(AttemptId(row.id));
    if (!call || call.phase === 'abandoned-by-pbx') continue;
    adopted.push({
      attemptId: AttemptId(row.id),
      lead: { id: LeadId(row.lead_id), number: row.phone as E164, ...(row.custom_fields ? { fields: row.custom_fields } : {}) },
      originatedAt: row.originated_at.getTime(),
      answeredAt: row.answered_at?.getTime(),
      connectedAt: row.connected_at?.getTime(),
      left: call,
    });
  }
  // At once, before any await: the port reports these calls' events from now on.
  o.engine.adopt(adopted);
  let closed = 0;
  for (const row of rows) {
    const attemptId = AttemptId(row.id);
    const call = left.get(attemptId);
    if (call && call.phase !== 'abandoned-by-pbx') continue;
    try {
      await (call ? closeAbandonedByPbx(o, row, call.at) : closeUnheard(o, row));
      closed++;
    } catch (error) {
      o.logger.error({ attemptId, err: error }, 'an attempt left open by a lost engine could not be closed; it is tried again at the next takeover');
    }
  }
  o.logger.warn(
    { campaignId: o.campaign.id, lostEngines: [...new Set(rows.map((r) => r.engine_id))], adopted: adopted.length, closed },
    'calls of a lost engine taken over: those the PBX still holds go on, the others are closed',
  );
  return { adopted: new Set(adopted.map((a) => a.attemptId)), closed };
}

function originateRequest(o: LostEngineCallsOptions, row: OpenAttemptRow): OriginateRequest {
  const { pacing } = o.campaign;
  return {
    attemptId: AttemptId(row.id),
    campaignId: o.campaign.id,
    leadId: LeadId(row.lead_id),
    number: row.phone as E164,
    callerId: o.campaign.callerId,
    trunk: TrunkId(o.trunkId),
    ringTimeoutSec: pacing.ringTimeoutSec,
    machineDetection: pacing.machineDetection,
  };
}

/** Answered while no engine listened: the PBX played the abandon message and hung up. A live answer, abandoned. */
async function closeAbandonedByPbx(o: LostEngineCallsOptions, row: OpenAttemptRow, at: EpochMs): Promise<void> {
  await finishAttempt(o.db, AttemptId(row.id), {
    endedAt: at,
    outcome: 'live',
    abandoned: true,
    answeredAt: row.answered_at?.getTime() ?? at,
    hangupCause: { code: 16, text: `engine lost: ${row.engine_id} was gone when the call was answered; the PBX played the abandon message` },
  });
}

async function closeUnheard(o: LostEngineCallsOptions, row: OpenAttemptRow): Promise<void> {
  const attemptId = AttemptId(row.id);
  const cause: HangupCause = {
    code: 0,
    text: `engine lost: ${row.engine_id} stopped before this call's end was heard; closed by ${o.engineId} when it took the campaign over`,
  };
  const connected = row.connected_at !== null && row.agent_id !== null;
  const answered = row.answered_at !== null;
  await finishAttempt(o.db, attemptId, {
    endedAt: o.now,
    outcome: answered || connected ? 'live' : 'failed',
    abandoned: answered && !connected,
    hangupCause: cause,
  });
  if (connected) {
    await setDisposition(o.db, attemptId, { code: WRAP_UP_TIMEOUT_DISPOSITION }, 'system', o.now);
    o.logger.warn({ attemptId, agentId: AgentId(row.agent_id!) }, "a call put through before its engine was lost ended unheard: it takes the system's disposition");
  }
}
