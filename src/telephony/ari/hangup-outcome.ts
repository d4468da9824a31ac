/**
 * What an unanswered call's end means. Asterisk says it twice: the Dial
 * event's dialstatus and ChannelDestroyed's Q.850 cause. The transcripts show
 * the cause is the one to trust: an unallocated number, a rejection and a
 * destination out of order all come with dialstatus NOANSWER, and a ring
 * timeout brings no final Dial event at all.
 */
import type { FailedOutcome, HangupCause } from '../../domain/outcomes.js';

const BY_CAUSE: ReadonlyMap<number, FailedOutcome> = new Map([
  [1, 'invalid-number'], // unallocated (unassigned) number
  [3, 'invalid-number'], // no route to destination
  [28, 'invalid-number'], // invalid number format
  [17, 'busy'],
  [18, 'no-answer'], // no user responding
  [19, 'no-answer'], // user alerting, no answer
  [21, 'rejected'],
  // The far end's line or equipment is down (SIP 502): not a call nobody answered, though Dial says NOANSWER.
  [27, 'failed'],
  [34, 'congestion'], // no circuit/channel available
  [38, 'congestion'], // network out of order
  [41, 'congestion'], // temporary failure
  [42, 'congestion'], // switching equipment congestion
]);

const BY_DIALSTATUS: ReadonlyMap<string, FailedOutcome> = new Map([
  ['BUSY', 'busy'],
  ['NOANSWER', 'no-answer'],
  ['CONGESTION', 'congestion'],
  ['CHANUNAVAIL', 'failed'],
]);

/** The outcome of a call that ended before anyone answered. */
export function failedOutcome(cause: HangupCause, lastDialstatus: string | undefined): FailedOutcome {
  return BY_CAUSE.get(cause.code) ?? BY_DIALSTATUS.get(lastDialstatus ?? '') ?? 'failed';
}

/** For attempts whose end was not heard (events lost while the WebSocket was down). */
export const CAUSE_UNKNOWN: HangupCause = { code: 0, text: 'Not heard: ended while the ARI event stream was down' };

/** For attempts Asterisk never created (the originate request was refused or timed out). */
export function refusedCause(detail: string): HangupCause {
  return { code: 0, text: `Originate refused: ${detail}` };
}
