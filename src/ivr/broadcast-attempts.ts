/**
 * A broadcast attempt's end in storage: the dial's outcome in the attempts
 * table's terms, what the customer heard and pressed beside it, and where the
 * lead goes next: heard (or handled by key) is done, heard in part is tried
 * again later up to the campaign's limit, opted out is never called again,
 * failed dials follow the usual retry delays.
 */
import { finishAttempt } from '../campaigns/attempts.js';
import type { DialingRules } from '../campaigns/compliance.js';
import { type DispositionEffect, type LeadStep, stepAfterAttempt, stepAfterDisposition } from '../campaigns/lead-progress.js';
import type { AgentId, AttemptId } from '../domain/ids.js';
import type { CallOutcome, HangupCause } from '../domain/outcomes.js';
import type { EpochMs } from '../domain/time.js';
import type { Db } from '../storage/db.js';
import type { BroadcastRetry } from './message.js';
import type { BroadcastOutcome, BroadcastResult } from './outcome.js';

/** The attempts table's outcome for a broadcast outcome. */
export function dialOutcome(outcome: BroadcastOutcome): CallOutcome {
  switch (outcome) {
    case 'heard':
    case 'partly-heard':
    case 'transferred':
    case 'callback-scheduled':
    case 'opted-out':
      return 'live';
    case 'machine-message-left':
    case 'machine-hung-up':
      return 'machine';
    default:
      return outcome;
  }
}

/** What a broadcast outcome does to the lead, in the words of an agent's disposition; failed dials follow their retry delays. */
const EFFECTS: Partial<Record<BroadcastOutcome, DispositionEffect>> = {
  heard: 'done',
  transferred: 'done',
  'machine-message-left': 'done',
  'opted-out': 'do-not-call',
  // The linked agent campaign calls back (its own lead, handover.ts): the broadcast is done with the lead.
  'callback-scheduled': 'done',
  'partly-heard': 'retry',
};

/** The campaign's rules with the broadcast's own cap on attempts, which applies to every retry within the profile's (the hopper reads it too). */
export function broadcastRules(rules: DialingRules, retry: Pick<BroadcastRetry, 'maxAttempts'>): DialingRules {
  return { ...rules, maxAttemptsTotal: Math.min(rules.maxAttemptsTotal, retry.maxAttempts) };
}

export function broadcastLeadStep(result: BroadcastResult, attemptsSoFar: number, retry: BroadcastRetry, rules: DialingRules, endedAt: EpochMs): LeadStep {
  const capped = broadcastRules(rules, retry);
  const effect = EFFECTS[result.outcome];
  if (effect) return stepAfterDisposition(effect, retry.partlyHeardRetryMinutes, attemptsSoFar, capped, endedAt);
  return stepAfterAttempt({ outcome: dialOutcome(result.outcome), abandoned: false }, attemptsSoFar, capped, endedAt);
}

export interface BroadcastAttemptEnd {
  readonly endedAt: EpochMs;
  readonly result: BroadcastResult;
  readonly retry: BroadcastRetry;
  readonly hangupCause?: HangupCause | null;
  readonly answeredAt?: EpochMs | undefined;
  /** Key 1: when the caller was put through to an agent of the linked campaign, and to whom. */
  readonly connectedAt?: EpochMs | undefined;
  readonly agentId?: AgentId | undefined;
}

export function finishBroadcastAttempt(db: Db, attemptId: AttemptId, end: BroadcastAttemptEnd): Promise<LeadStep> {
  return finishAttempt(db, attemptId, {
    endedAt: end.endedAt,
    outcome: dialOutcome(end.result.outcome),
    hangupCause: end.hangupCause ?? null,
    answeredAt: end.answeredAt,
    connectedAt: end.connectedAt,
    agentId: end.agentId,
    broadcastResult: end.result,
    countsAsContact: end.result.outcome !== 'partly-heard' || end.retry.partlyHeardIsContact,
    leadStep: (attemptsSoFar, rules) => broadcastLeadStep(end.result, attemptsSoFar, end.retry, rules, end.endedAt),
  });
}
