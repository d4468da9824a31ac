/**
 * A number outside that an agent transfers a call to, consults or brings
 * into a conference: the campaign's rules apply to it as to a hand dial, so
 * it is refused when it is premium-rate, on the do-not-call (black) list, or
 * outside the calling window where it rings. A number whose zone the number
 * does not tell (a toll-free line) has no window to check.
 */
import type { E164 } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { Queryable } from '../../storage/db.js';
import type { Campaign } from '../campaign.js';
import { effectiveRules } from '../compliance.js';
import { normalisePhone, numberTimeZones } from '../import/normalise.js';
import { windowAt } from '../local-window.js';
import { checkNumber } from '../number-lists.js';
import { PROFILE_COUNTRY } from './manual-dial.js';

export type TransferNumberVerdict =
  | { readonly number: E164 }
  | { readonly refused: string; readonly rule: 'number' | 'premium-rate' | 'do-not-call' | 'outside-calling-window' };

export async function checkTransferNumber(db: Queryable, campaign: Campaign, raw: string, now: EpochMs): Promise<TransferNumberVerdict> {
  const parsed = normalisePhone(raw, PROFILE_COUNTRY[campaign.complianceProfile]);
  if ('rejected' in parsed) return { refused: parsed.rejected, rule: 'number' };
  const { phone } = parsed;
  if (parsed.parsed.getType() === 'PREMIUM_RATE') return { refused: `${phone} is a premium-rate number: calls are never put through to one`, rule: 'premium-rate' };
  if ((await checkNumber(db, phone, campaign.id)).some((entry) => entry.color === 'black')) {
    return { refused: `${phone} is on the do-not-call list`, rule: 'do-not-call' };
  }
  const zones = numberTimeZones(parsed);
  if (zones) {
    const window = windowAt(effectiveRules(campaign.complianceProfile, campaign.rules).callingWindow, zones, now);
    if (!window.open) {
      const local = window.local[0]!;
      const hours = window.today ? `${window.today.start}-${window.today.end}` : 'no calls today';
      return { refused: `it is ${local.time} where ${phone} rings (${local.timeZone}), outside the calling window (${hours})`, rule: 'outside-calling-window' };
    }
  }
  return { number: phone };
}
