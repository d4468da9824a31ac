import { describe, expect, it } from 'vitest';
import { failedOutcome } from '../../src/telephony/ari/hangup-outcome.js';

const cause = (code: number) => ({ code, text: '' });

describe('outcome of an unanswered call', () => {
  it.each([
    [17, 'BUSY', 'busy'],
    [19, 'NOANSWER', 'no-answer'],
    [19, undefined, 'no-answer'], // ring timeout: no final Dial event (transcript noanswer-timeout)
    [34, 'CONGESTION', 'congestion'],
    [38, 'NOANSWER', 'congestion'],
    [1, 'NOANSWER', 'invalid-number'], // unallocated says NOANSWER: the cause decides (transcript unallocated)
    [28, 'NOANSWER', 'invalid-number'],
    [21, 'NOANSWER', 'rejected'],
    [27, 'NOANSWER', 'failed'], // destination out of order says NOANSWER too: the far end's line is down, nobody let it ring
    [102, 'NOANSWER', 'no-answer'], // a cause with no rule: dialstatus decides
    [0, 'CHANUNAVAIL', 'failed'],
    [0, undefined, 'failed'],
  ] as const)('cause %i with dialstatus %s is %s', (code, dialstatus, outcome) => {
    expect(failedOutcome(cause(code), dialstatus)).toBe(outcome);
  });
});
