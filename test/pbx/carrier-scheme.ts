/**
 * The lab carrier's number scheme (test/pbx/carrier/extensions.conf) in
 * TypeScript: the number for a far end, the far end of a number, and what
 * outpace should make of it. Numbers are US E.164 numbers outpace's import
 * accepts: +1 NPA K RR TT S D, the area code NPA only making them unique.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { E164 } from '../../src/domain/ids.js';
import type { CallOutcome } from '../../src/domain/outcomes.js';

export const FAILURES = {
  congestion: { digit: 0, cause: 34, sip: 503, outcome: 'congestion' },
  unallocated: { digit: 1, cause: 1, sip: 404, outcome: 'invalid-number' },
  'out-of-order': { digit: 2, cause: 27, sip: 502, outcome: 'failed' },
  rejected: { digit: 3, cause: 21, sip: 403, outcome: 'rejected' },
  'invalid-format': { digit: 4, cause: 28, sip: 484, outcome: 'invalid-number' },
  'network-out-of-order': { digit: 5, cause: 38, sip: 500, outcome: 'congestion' },
} as const satisfies Record<string, { digit: number; cause: number; sip: number; outcome: CallOutcome }>;
export type Failure = keyof typeof FAILURES;

/** Seconds everywhere; 0 talk means the person never hangs up by themselves. */
export type CarrierFarEnd =
  | { kind: 'person'; ringSec: number; talkSec: number; key?: { digit: string; afterHelloSec: number } }
  | { kind: 'no-answer'; ringSec: number }
  | { kind: 'busy'; ringSec: number }
  | { kind: 'failure'; failure: Failure }
  | { kind: 'machine'; ringSec: number; recordSec: number }
  | { kind: 'dead-air'; ringSec: number; forSec: number }
  | { kind: 'intercept' }
  | { kind: 'random' };

/** A person's "hello" (a second of silence, then the word) lasts 1.8 s; a key comes after it. */
export const HELLO_SEC = 1.8;

const two = (n: number, what: string): string => {
  if (!Number.isInteger(n) || n < 0 || n > 99) throw new Error(`${what} must be a whole number of seconds from 0 to 99, not ${n}`);
  return String(n).padStart(2, '0');
};

/** The seven digits after the area code. */
function localPart(f: CarrierFarEnd): string {
  switch (f.kind) {
    case 'person': {
      if (f.key && !/^[0-9]$/.test(f.key.digit)) throw new Error(`the lab carrier presses keys 0-9, not ${f.key.digit}`);
      if (f.key && (f.key.afterHelloSec < 1 || f.key.afterHelloSec > 9)) throw new Error('a key comes 1 to 9 s after the hello');
      return `2${two(f.ringSec, 'ring')}${two(f.talkSec, 'talk')}${f.key ? `${f.key.afterHelloSec}${f.key.digit}` : '00'}`;
    }
    case 'no-answer':
      return `3${two(f.ringSec, 'ring')}0000`;
    case 'busy':
      return `4${two(f.ringSec, 'ring')}0000`;
    case 'failure':
      return `50000${FAILURES[f.failure].digit}0`;
    case 'machine':
      return `6${two(f.ringSec, 'ring')}${two(f.recordSec, 'record')}00`;
    case 'dead-air':
      return `7${two(f.ringSec, 'ring')}${two(f.forSec, 'silence')}00`;
    case 'intercept':
      return '8000000';
    case 'random':
      return '9000000';
  }
}

/** Area codes the numbers are spread over: serial n takes the n-th that makes a valid number. */
function validNumber(local: string, serial: number): E164 {
  let seen = 0;
  for (let npa = 201; npa <= 989; npa++) {
    const candidate = `+1${npa}${local}`;
    if (parsePhoneNumberFromString(candidate)?.isValid() && seen++ === serial) return candidate as E164;
  }
  throw new Error(`no area code left for serial ${serial}: use another far end or fewer numbers`);
}

/** A distinct number (by serial) whose far end behaves as asked. */
export function carrierNumber(farEnd: CarrierFarEnd, serial: number): E164 {
  return validNumber(localPart(farEnd), serial);
}

/** What the carrier does when this number is dialed. */
export function farEndOf(number: string): CarrierFarEnd {
  const local = /^\+1\d{3}(\d{7})$/.exec(number)?.[1];
  if (!local) return { kind: 'failure', failure: 'unallocated' };
  const n = (from: number, length: number) => Number(local.slice(from, from + length));
  switch (local[0]) {
    case '2': {
      const afterHelloSec = n(5, 1);
      return { kind: 'person', ringSec: n(1, 2), talkSec: n(3, 2), ...(afterHelloSec > 0 ? { key: { digit: local[6]!, afterHelloSec } } : {}) };
    }
    case '3':
      return { kind: 'no-answer', ringSec: n(1, 2) || 30 };
    case '4':
      return { kind: 'busy', ringSec: n(1, 2) };
    case '5': {
      const failure = (Object.keys(FAILURES) as Failure[]).find((k) => FAILURES[k].digit === n(5, 1)) ?? 'congestion';
      return { kind: 'failure', failure };
    }
    case '6':
      return { kind: 'machine', ringSec: n(1, 2) || 4, recordSec: n(3, 2) || 60 };
    case '7':
      return { kind: 'dead-air', ringSec: n(1, 2), forSec: n(3, 2) || 30 };
    case '8':
      return { kind: 'intercept' };
    default:
      return { kind: 'random' };
  }
}

/**
 * The outcome outpace should store for a far end (undefined for the random
 * mix, which the carrier's log tells), with machine detection on or off, and
 * the Q.850 cause of a call that was never answered.
 */
export function expectedOutcome(f: CarrierFarEnd, machineDetection: boolean): { outcome: CallOutcome; cause?: number } | undefined {
  switch (f.kind) {
    case 'person':
      return { outcome: 'live' };
    case 'machine':
    case 'dead-air': // the shipped amd.conf classes 2.5 s of initial silence as a machine
      return { outcome: machineDetection ? 'machine' : 'live' };
    case 'no-answer':
      return { outcome: 'no-answer', cause: 19 };
    case 'busy':
      return { outcome: 'busy', cause: 17 };
    case 'failure':
      return { outcome: FAILURES[f.failure].outcome, cause: FAILURES[f.failure].cause };
    case 'intercept':
      return { outcome: 'invalid-number', cause: 1 };
    case 'random':
      return undefined;
  }
}
