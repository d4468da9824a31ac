/**
 * Where a lead goes after an attempt or a disposition: back to the pool after
 * the retry delay its outcome calls for, done, exhausted, or do-not-call. Pure,
 * so the rules are tested without a database.
 */
import type { CallOutcome } from '../domain/outcomes.js';
import { MINUTE, type EpochMs } from '../domain/time.js';
import type { DialingRules } from './compliance.js';

export type LeadStep =
  | { readonly state: 'ready'; readonly nextAttemptAt: EpochMs }
  | { readonly state: 'done' | 'exhausted' | 'do-not-call'; readonly nextAttemptAt: null };

export interface AttemptResult {
  readonly outcome: CallOutcome;
  /** A live answer no agent took in time: the abandon message played. */
  readonly abandoned: boolean;
}

/** After the call ends, before any disposition. */
export function stepAfterAttempt(result: AttemptResult, attemptsSoFar: number, rules: DialingRules, endedAt: EpochMs): LeadStep {
  if (result.outcome === 'invalid-number') return { state: 'done', nextAttemptAt: null };
  // A conversation took place: the agent's disposition decides what follows.
  if (result.outcome === 'live' && !result.abandoned) return { state: 'done', nextAttemptAt: null };
  const delayKey = result.abandoned ? 'abandoned' : result.outcome;
  return retryOrExhausted(rules.retryMinutes[delayKey as keyof DialingRules['retryMinutes']], attemptsSoFar, rules, endedAt);
}

export type DispositionEffect = 'retry' | 'done' | 'callback' | 'do-not-call';

/** After the agent's disposition; the callback effect is the caller's to schedule. */
export function stepAfterDisposition(
  effect: DispositionEffect,
  retryAfterMinutes: number | null,
  attemptsSoFar: number,
  rules: DialingRules,
  at: EpochMs,
): LeadStep {
  switch (effect) {
    case 'done':
      return { state: 'done', nextAttemptAt: null };
    case 'do-not-call':
      return { state: 'do-not-call', nextAttemptAt: null };
    case 'callback':
      // The callback, not the retry delay, says when; the lead stays open for it.
      return { state: 'ready', nextAttemptAt: at };
    case 'retry':
      return retryOrExhausted(retryAfterMinutes ?? rules.retryMinutes['no-answer'], attemptsSoFar, rules, at);
  }
}

function retryOrExhausted(delayMinutes: number, attemptsSoFar: number, rules: DialingRules, at: EpochMs): LeadStep {
  if (attemptsSoFar >= rules.maxAttemptsTotal) return { state: 'exhausted', nextAttemptAt: null };
  return { state: 'ready', nextAttemptAt: at + delayMinutes * MINUTE };
}
