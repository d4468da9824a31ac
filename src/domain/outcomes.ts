/**
 * What became of one dial. The classes follow the call-analysis response sets
 * of the commercial suites (live voice, machine, busy, no answer, ...); the
 * network's own cause code is always kept beside the class, because a single
 * "vacant number" result can be a signalling artefact.
 */
export type AnsweredParty = 'human' | 'machine';

export const FAILED_OUTCOMES = [
  'no-answer',
  'busy',
  'congestion',
  'invalid-number',
  'rejected',
  'failed',
] as const;
export type FailedOutcome = (typeof FAILED_OUTCOMES)[number];

export type CallOutcome = 'live' | 'machine' | FailedOutcome;

/** Q.850 cause as Asterisk reports it (ChannelDestroyed.cause / cause_txt / tech_cause). */
export interface HangupCause {
  readonly code: number;
  readonly text: string;
  /** The technology's own code, such as the SIP response (486 for busy). */
  readonly techCause?: number;
}

/** Why an agent is paused: the reason codes supervisors report on. */
export const PAUSE_REASONS = ['break', 'lunch', 'training', 'meeting', 'coaching', 'technical', 'other'] as const;
export type PauseReason = (typeof PAUSE_REASONS)[number];
