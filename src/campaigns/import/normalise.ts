/**
 * One row of a lead file to a lead, or the reason it is rejected: the number
 * to E.164, the time zone from its column, the number's country, or the
 * import's default. A zone is never guessed: a wrong one would break the
 * calling-window rules.
 */
import ct from 'countries-and-timezones';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { E164 } from '../../domain/ids.js';
import type { NewLead } from '../leads.js';
import type { ColumnMapping, ResolvedColumns } from './mapping.js';

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

/** A number as people write it to E.164, with its country; a national number is read as one of `defaultCountry`. */
export function normalisePhone(
  raw: string,
  defaultCountry: string | undefined,
  /** Where the default country is set, for the error's hint. */
  defaultCountryHint = 'a default country',
): { readonly phone: E164; readonly country: string | undefined } | { readonly rejected: string } {
  const written = raw.trim();
  if (written === '') return { rejected: 'has no phone number' };
  const parsed = parsePhoneNumberFromString(written, defaultCountry as CountryCode | undefined);
  if (!parsed?.isValid()) {
    const hint = defaultCountry ? ` for ${defaultCountry}` : `; national numbers need ${defaultCountryHint}`;
    return { rejected: `"${written}" is not a valid phone number${hint}` };
  }
  return { phone: E164(parsed.number), country: parsed.country };
}

/** A lead of an import always knows its line of the file. */
export type ImportedLead = NewLead & { readonly sourceRow: number };

export type RowVerdict = { readonly lead: ImportedLead } | { readonly rejected: string };

export function normaliseRow(fields: readonly string[], row: number, columns: ResolvedColumns, mapping: ColumnMapping): RowVerdict {
  if (fields.length !== columns.width) {
    return { rejected: `has ${fields.length} fields where the header has ${columns.width}` };
  }
  // The parser decodes as UTF-8 and puts U+FFFD where bytes were not UTF-8.
  if (fields.some((f) => f.includes('\uFFFD'))) {
    return { rejected: 'is not valid UTF-8: save the file as UTF-8 and import it again' };
  }
  const parsed = normalisePhone(fields[columns.phone]!, mapping.defaultCountry, 'defaultCountry in the mapping');
  if ('rejected' in parsed) return parsed;
  const zone = timeZoneOf(fields, columns, parsed.country, mapping);
  if ('rejected' in zone) return zone;
  const priority = columns.priority === undefined ? 0 : Number(fields[columns.priority]!.trim() || '0');
  if (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000) {
    return { rejected: `priority "${fields[columns.priority!]}" is not a whole number` };
  }
  const customFields: Record<string, string> = {};
  for (const { name, index } of columns.customFields) customFields[name] = fields[index]!;
  return { lead: { phone: parsed.phone, timeZone: zone.timeZone, priority, customFields, sourceRow: row } };
}

function timeZoneOf(
  fields: readonly string[],
  columns: ResolvedColumns,
  country: string | undefined,
  mapping: ColumnMapping,
): { timeZone: string } | { rejected: string } {
  const given = columns.timeZone === undefined ? '' : fields[columns.timeZone]!.trim();
  if (given !== '') {
    return isTimeZone(given) ? { timeZone: given } : { rejected: `time zone "${given}" is not an IANA time zone such as Europe/London` };
  }
  const derived = (country && countryTimeZone(country)) ?? mapping.defaultTimeZone;
  if (derived) return { timeZone: derived };
  return {
    rejected: `the time zone of a number in ${country ?? 'an unknown country'} cannot be told from the number: map a time zone column or give defaultTimeZone`,
  };
}
