/**
 * What became of one broadcast attempt, beyond the dial's own result: how
 * much of the message the customer heard and what they did with the keys.
 */
import type { FailedOutcome } from '../domain/outcomes.js';

export const BROADCAST_OUTCOMES = [
  /** A person heard the whole message at least once. */
  'heard',
  /** The call ended before the message was heard to its end; `partsHeard` says how far it got. */
  'partly-heard',
  /** Key 1, and an agent took the call. */
  'transferred',
  /** Key 1, no agent free in time: told so, and a callback was scheduled (an abandon of the agent campaign). */
  'callback-scheduled',
  /** Key 9: the number is on the do-not-call list. */
  'opted-out',
  'machine-message-left',
  'machine-hung-up',
] as const;
export type BroadcastOutcome = (typeof BROADCAST_OUTCOMES)[number] | FailedOutcome;

export interface BroadcastResult {
  readonly outcome: BroadcastOutcome;
  /** Message parts played to their end, at the furthest point of any play: how far the customer got. */
  readonly partsHeard: number;
  readonly partsTotal: number;
  /** Times the message started playing. */
  readonly plays: number;
  /** Every key pressed, in order, including unknown ones. */
  readonly keys: readonly string[];
}
