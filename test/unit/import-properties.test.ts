/** Property tests of a lead file's row: whatever its fields, a lead fit to store or a reason, never a throw. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveColumns } from '../../src/campaigns/import/mapping.js';
import { isTimeZone, normaliseRow, ROW_LIMITS } from '../../src/campaigns/import/normalise.js';
import { separatorOf } from '../../src/campaigns/import/sniff.js';

const header = ['phone', 'tz', 'name', 'priority'];
const mapping = { phone: 'phone', timeZone: 'tz', priority: 'priority', defaultCountry: 'US' };
const columns = resolveColumns(mapping, header);

/** Fields as files hold them: numbers near and far from valid, zones real and not, text with anything in it. */
const phoneLike = fc.oneof(
  fc.string(),
  fc.stringMatching(/^\+?[0-9 ()\-.]{0,30}( ?(ext\.?|x) ?[0-9]{1,6})?$/),
  fc.constantFrom('+1 202 555 0143', '(312) 555-0100', '+1 208 555 1234', '+1 900 555 0100', '+44 20 7123 4567', '+4481050000', '1'.repeat(40)),
);
const zoneLike = fc.oneof(fc.string(), fc.constantFrom('', 'America/New_York', 'Mars/Olympus', 'UTC', 'Europe/London'));
const anyText = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ maxLength: ROW_LIMITS.fieldChars + 10 }), fc.constantFrom('a\u0000b', '\uFFFD', ''));
const row = fc.tuple(phoneLike, zoneLike, anyText, fc.oneof(fc.integer().map(String), fc.string())).map((f) => [...f]);
const rowOfAnyWidth = fc.oneof(row, fc.array(fc.string(), { maxLength: 8 }));

describe('a lead file row, whatever it holds', () => {
  it('is a lead fit to store, or a rejection that says why; never a throw', () => {
    fc.assert(
      fc.property(rowOfAnyWidth, fc.integer({ min: 2, max: 10_000_000 }), fc.boolean(), (fields, line, restricted) => {
        const verdict = normaliseRow(fields, line, columns, mapping, restricted ? { countries: ['US'] } : {});
        if ('rejected' in verdict) {
          expect(verdict.rejected.length).toBeGreaterThan(0);
          return;
        }
        const { lead } = verdict;
        expect(lead.sourceRow).toBe(line);
        expect(lead.phone).toMatch(/^\+[1-9]\d{6,14}$/);
        for (const zone of [lead.timeZone, ...(lead.otherTimeZones ?? [])]) expect(isTimeZone(zone)).toBe(true);
        expect(Number.isInteger(lead.priority)).toBe(true);
        for (const value of Object.values(lead.customFields ?? {})) {
          expect(String(value)).not.toMatch(/[\u0000\uFFFD]/);
          expect(String(value).length).toBeLessThanOrEqual(ROW_LIMITS.fieldChars);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('names the column of a field it refuses', () => {
    fc.assert(
      fc.property(fc.constantFrom('a\u0000b', 'x'.repeat(ROW_LIMITS.fieldChars + 1), '\uFFFD'), fc.integer({ min: 1, max: 3 }), (bad, at) => {
        const fields = ['+1 202 555 0143', 'America/New_York', 'Ann', '1'];
        fields[at] = bad;
        expect(normaliseRow(fields, 2, columns, mapping)).toEqual({ rejected: expect.stringContaining(`column "${header[at]}"`) });
      }),
    );
  });

  it('tells a separator the header uses outside quotes', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z]{1,8}$/), { minLength: 2, maxLength: 10 }), fc.constantFrom(',', ';', '\t'), (names, separator) => {
        expect(separatorOf(names.join(separator))).toBe(separator);
      }),
    );
  });
});
