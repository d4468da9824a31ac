/**
 * Hangup causes as Asterisk 22 reports them: the Q.850 code, Asterisk's text
 * for it (ChannelDestroyed.cause_txt) and the SIP response the carrier sent
 * (tech_cause). Texts and SIP codes are those of the recorded transcripts.
 */
export interface FarEndCause {
  readonly code: number;
  readonly text: string;
  readonly sip?: number;
}

export const CAUSES = {
  unallocated: { code: 1, text: 'Unallocated (unassigned) number', sip: 404 },
  normal: { code: 16, text: 'Normal Clearing' },
  busy: { code: 17, text: 'User busy', sip: 486 },
  noAnswer: { code: 19, text: 'User alerting, no answer', sip: 480 },
  rejected: { code: 21, text: 'Call Rejected', sip: 403 },
  outOfOrder: { code: 27, text: 'Destination out of order', sip: 502 },
  invalidFormat: { code: 28, text: 'Invalid number format', sip: 484 },
  congestion: { code: 34, text: 'Circuit/channel congestion', sip: 503 },
  networkOutOfOrder: { code: 38, text: 'Network out of order', sip: 500 },
} as const satisfies Record<string, FarEndCause>;

/** The DIALSTATUS Asterisk's Dial reports for a far end that refused the call: only busy and congestion have their own. */
export function dialstatusFor(cause: FarEndCause): string {
  if (cause.code === CAUSES.busy.code) return 'BUSY';
  if (cause.code === CAUSES.congestion.code) return 'CONGESTION';
  return 'NOANSWER';
}
