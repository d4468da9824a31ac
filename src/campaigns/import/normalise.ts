/**
 * One row of a lead file to a lead, or the reason it is rejected: the number
 * to E.164, the time zone from its column, the number's country or area, or
 * the import's default. A zone is never guessed: a wrong one would break the
 * calling-window rules. Where an area spans zones, the lead keeps them all and
 * is called only while the window is open in every one.
 */
import ct from 'countries-and-timezones';
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type PhoneNumber, type ValidatePhoneNumberLengthResult } from 'libphonenumber-js/max';
import { E164 } from '../../domain/ids.js';
import type { NewLead } from '../leads.js';
import type { ColumnMapping, ResolvedColumns } from './mapping.js';
import { areaTimeZones } from './number-time-zones.js';

/** Limits of a row, so that a broken or hostile file is refused row by row with a reason, not stored. */
export const ROW_LIMITS = {
  /** Characters of one field: a name, an address or a note fits many times over. */
  fieldChars: 4096,
  /** Digits a written number may hold before parsing: E.164 allows 15, written prefixes and extensions add a few. */
  phoneDigits: 24,
} as const;

/** Countries with one legal time zone that the tz database splits for historical reasons. */
const NATIONAL_TIME_ZONE: Partial<Record<string, string>> = { CN: 'Asia/Shanghai' };

const knownZones = new Map<string, boolean>();

export function isTimeZone(name: string): boolean {
  let known = knownZones.get(name);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      known = true;
    } catch {
      known = false;
    }
    knownZones.set(name, known);
  }
  return known;
}

/** The time zone of every number of the country, if it has only one. */
export function countryTimeZone(country: string): string | undefined {
  const national = NATIONAL_TIME_ZONE[country];
  if (national) return national;
  const zones = ct.getCountry(country)?.timezones ?? [];
  return zones.length === 1 ? zones[0] : undefined;
}

/**
 * Every zone a number may be in, from its country (when it has one zone) or
 * its area; undefined when the number does not tell. The import, hand dials
 * and agents' corrections all use it: one rule for a lead's zones.
 */
export function numberTimeZones({ phone, country, parsed }: NormalisedPhone): readonly string[] | undefined {
  const countryZone = country && countryTimeZone(country);
  if (countryZone) return [countryZone];
  const areaZones = areaTimeZones(phone, parsed.countryCallingCode)?.filter(isTimeZone);
  return areaZones?.length ? areaZones : undefined;
}

/** A lead's zones as stored: the first, and the others the lead must also be inside its window in. */
export function storedTimeZones(zones: readonly string[]): { readonly timeZone: string; readonly otherTimeZones?: readonly string[] } {
  if (zones.length === 1) return { timeZone: zones[0]! };
  const unique = [...new Set(zones)];
  return { timeZone: unique[0]!, ...(unique.length > 1 ? { otherTimeZones: unique.slice(1) } : {}) };
}

export interface NormalisedPhone {
  readonly phone: E164;
  readonly country: string | undefined;
  readonly parsed: PhoneNumber;
}

/** A number as people write it to E.164, with its country; a national number is read as one of `defaultCountry`. */
export function normalisePhone(
  raw: string,
  defaultCountry: string | undefined,
  /** Where the default country is set, for the error's hint. */
  defaultCountryHint = 'a default country',
): NormalisedPhone | { readonly rejected: string } {
  const written = raw.trim();
  if (written === '') return { rejected: 'has no phone number' };
  const digits = written.replace(/\D/g, '').length;
  if (digits > ROW_LIMITS.phoneDigits) {
    return { rejected: `the phone number has ${digits} digits; a phone number has at most 15 (E.164)` };
  }
  const parsed = parsePhoneNumberFromString(written, defaultCountry as CountryCode | undefined);
  if (!parsed?.isValid()) return { rejected: invalidNumber(written, parsed, defaultCountry, defaultCountryHint) };
  return { phone: E164(parsed.number), country: parsed.country, parsed };
}

/** What is wrong with the number itself, in the terms of the numbering plan it was written for. */
function invalidNumber(written: string, parsed: PhoneNumber | undefined, defaultCountry: string | undefined, hint: string): string {
  const international = /^(\+|00)/.test(written);
  if (!international && !defaultCountry) {
    return `"${written}" is not a valid phone number: it is written without a country code, and national numbers need ${hint}`;
  }
  // The plan: the country code it carries, or the default country a national number is read in.
  const plan = international ? parsed && `+${parsed.countryCallingCode}` : defaultCountry;
  return `"${written}" is not a valid phone number${plan ? ` for ${plan}` : ''}: ${INVALID_BECAUSE[validatePhoneNumberLength(written, defaultCountry as CountryCode | undefined) ?? 'RANGE']}`;
}

const INVALID_BECAUSE: Record<ValidatePhoneNumberLengthResult | 'RANGE', string> = {
  INVALID_COUNTRY: 'no country has this calling code',
  TOO_SHORT: 'too short',
  TOO_LONG: 'too long',
  INVALID_LENGTH: 'no number there has this many digits',
  NOT_A_NUMBER: 'it holds no number',
  RANGE: 'no number there starts this way',
};

/** A lead of an import always knows its line of the file. */
export type ImportedLead = NewLead & { readonly sourceRow: number };

export type RowVerdict = { readonly lead: ImportedLead } | { readonly rejected: string };

/** What a row is checked against beyond its file: the countries the campaign's rules are for. */
export interface RowRules {
  /** ISO codes of the countries whose numbers the campaign may call; absent: any. */
  readonly countries?: readonly string[] | undefined;
}

export function normaliseRow(fields: readonly string[], row: number, columns: ResolvedColumns, mapping: ColumnMapping, rules: RowRules = {}): RowVerdict {
  if (fields.length !== columns.width) {
    return { rejected: `has ${fields.length} fields where the header has ${columns.width}` };
  }
  for (let i = 0; i < fields.length; i++) {
    const unfit = unfitField(fields[i]!);
    if (unfit) return { rejected: `column "${columns.header[i]}" ${unfit}` };
  }
  const parsed = normalisePhone(fields[columns.phone]!, mapping.defaultCountry, 'defaultCountry in the mapping');
  if ('rejected' in parsed) return parsed;
  if (parsed.parsed.getType() === 'PREMIUM_RATE') return { rejected: `${parsed.phone} is a premium-rate number` };
  if (rules.countries && !rules.countries.includes(parsed.country ?? '')) {
    return {
      rejected: `${parsed.phone} is a number of ${parsed.country ?? 'no country'}, and the campaign's compliance profile covers ${rules.countries.join(', ')}: set acceptOtherCountries in the mapping if it may call abroad`,
    };
  }
  const zone = timeZoneOf(fields, columns, parsed, mapping);
  if ('rejected' in zone) return zone;
  const priority = columns.priority === undefined ? 0 : Number(fields[columns.priority]!.trim() || '0');
  if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) {
    return { rejected: `priority "${fields[columns.priority!]}" is not a whole number` };
  }
  const customFields: Record<string, string> = {};
  for (const { name, index } of columns.customFields) customFields[name] = fields[index]!;
  const extension = parsed.parsed.ext;
  if (extension) {
    // Dialed by the agent once through: kept beside the number, never dropped.
    if (customFields[EXTENSION_FIELD] !== undefined && customFields[EXTENSION_FIELD] !== extension) {
      return { rejected: `the number has extension ${extension} and the "${EXTENSION_FIELD}" column says ${customFields[EXTENSION_FIELD]}: keep one` };
    }
    customFields[EXTENSION_FIELD] = extension;
  }
  return {
    lead: {
      phone: parsed.phone,
      ...storedTimeZones(zone.timeZones),
      priority,
      customFields,
      sourceRow: row,
    },
  };
}

/** The custom field that keeps a number's extension (such as "ext. 12"), which is not part of what is dialed. */
export const EXTENSION_FIELD = 'extension';

/** Why a field cannot be stored as text, or undefined when it can. */
function unfitField(field: string): string | undefined {
  if (field.length > ROW_LIMITS.fieldChars) return `holds ${field.length} characters; a field may hold ${ROW_LIMITS.fieldChars}`;
  // The parser decodes as UTF-8 and puts U+FFFD where bytes were not UTF-8.
  if (field.includes('\uFFFD')) return 'is not valid UTF-8: save the file as UTF-8 and import it again';
  // PostgreSQL text cannot hold NUL: a NUL byte means a binary file, or UTF-16 read as UTF-8.
  if (field.includes('\0')) return 'holds a NUL byte: the file is not UTF-8 text (save it as UTF-8 CSV)';
  return undefined;
}

function timeZoneOf(
  fields: readonly string[],
  columns: ResolvedColumns,
  number: NormalisedPhone,
  mapping: ColumnMapping,
): { timeZones: readonly string[] } | { rejected: string } {
  const given = columns.timeZone === undefined ? '' : fields[columns.timeZone]!.trim();
  if (given !== '') {
    return isTimeZone(given) ? { timeZones: [given] } : { rejected: `time zone "${given}" is not an IANA time zone such as Europe/London` };
  }
  const numberZones = numberTimeZones(number);
  if (numberZones) return { timeZones: numberZones };
  if (mapping.defaultTimeZone) return { timeZones: [mapping.defaultTimeZone] };
  return {
    rejected: `the time zone of a number in ${number.country ?? 'an unknown country'} cannot be told from the number: map a time zone column or give defaultTimeZone`,
  };
}
