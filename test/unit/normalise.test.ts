import { describe, expect, it } from 'vitest';
import { resolveColumns } from '../../src/campaigns/import/mapping.js';
import { countryTimeZone, normaliseRow, ROW_LIMITS } from '../../src/campaigns/import/normalise.js';
import { separatorOf } from '../../src/campaigns/import/sniff.js';

describe('a lead file row', () => {
  const mapping = { phone: 'phone', defaultCountry: 'CN' };
  const columns = resolveColumns(mapping, ['phone', 'name']);

  it('takes the time zone of a single-zone country from the number, and China\'s legal one', () => {
    expect(countryTimeZone('GB')).toBe('Europe/London');
    expect(countryTimeZone('CN')).toBe('Asia/Shanghai');
    expect(countryTimeZone('US')).toBeUndefined();
    expect(normaliseRow(['138 0013 8000', 'Li'], 2, columns, mapping)).toEqual({
      lead: { phone: '+8613800138000', timeZone: 'Asia/Shanghai', priority: 0, customFields: { name: 'Li' }, sourceRow: 2 },
    });
  });

  it('takes a US or Canadian number\'s zone from its area code, and every zone of an area that spans several', () => {
    expect(normaliseRow(['+1 202 555 0143', 'Ann'], 3, columns, mapping)).toMatchObject({ lead: { timeZone: 'America/New_York' } });
    expect(normaliseRow(['+1 416 555 0100', 'Ann'], 3, columns, mapping)).toMatchObject({ lead: { timeZone: 'America/Toronto' } });
    const idaho = normaliseRow(['+1 208 555 1234', 'Ann'], 3, columns, mapping);
    expect(idaho).toMatchObject({ lead: { timeZone: 'America/Boise', otherTimeZones: ['America/Los_Angeles'] } });
  });

  it('never guesses the zone of a number whose country has several and whose area says none', () => {
    expect(normaliseRow(['+1 800 555 0199', 'Ann'], 3, columns, mapping)).toEqual({
      rejected: expect.stringMatching(/cannot be told from the number: map a time zone column or give defaultTimeZone/),
    });
    expect(normaliseRow(['+1 800 555 0199', 'Ann'], 3, columns, { ...mapping, defaultTimeZone: 'America/New_York' })).toMatchObject({
      lead: { timeZone: 'America/New_York' },
    });
  });

  it('names a mapped column the header lacks', () => {
    expect(() => resolveColumns({ phone: 'tel' }, ['phone'])).toThrow('the phone column "tel" is not in the file\'s header (it has: phone)');
  });

  it('says what is wrong with a number that carries its country code, not that it needs a default country', () => {
    const international = { phone: 'phone' };
    const cols = resolveColumns(international, ['phone', 'name']);
    expect(normaliseRow(['+4481050000', 'Al'], 2, cols, international)).toEqual({
      rejected: '"+4481050000" is not a valid phone number for +44: no number there has this many digits',
    });
    expect(normaliseRow(['+441030012345', 'Al'], 2, cols, international)).toEqual({
      rejected: '"+441030012345" is not a valid phone number for +44: no number there starts this way',
    });
    expect(normaliseRow(['4481050000', 'Al'], 2, cols, international)).toMatchObject({ rejected: expect.stringMatching(/national numbers need defaultCountry/) });
  });

  it('keeps an extension in its own field, and refuses premium-rate numbers and other countries\' numbers by rule', () => {
    const us = { phone: 'phone', defaultCountry: 'US' };
    const cols = resolveColumns(us, ['phone', 'name']);
    const rules = { countries: ['US'] };
    expect(normaliseRow(['+1 202 555 0143 ext. 12', 'Al'], 2, cols, us, rules)).toMatchObject({
      lead: { phone: '+12025550143', customFields: { name: 'Al', extension: '12' } },
    });
    expect(normaliseRow(['+1 900 555 0100', 'Al'], 2, cols, us, rules)).toEqual({ rejected: '+19005550100 is a premium-rate number' });
    expect(normaliseRow(['+33 1 23 45 67 89', 'Al'], 2, cols, us, rules)).toMatchObject({
      rejected: expect.stringMatching(/\+33123456789 is a number of FR, and the campaign's compliance profile covers US: set acceptOtherCountries/),
    });
    expect(normaliseRow(['+33 1 23 45 67 89', 'Al'], 2, cols, us)).toMatchObject({ lead: { timeZone: 'Europe/Paris' } });
    const withColumn = resolveColumns(us, ['phone', 'extension']);
    expect(normaliseRow(['+1 202 555 0143 ext. 12', '13'], 2, withColumn, us)).toMatchObject({ rejected: expect.stringMatching(/extension 12 and the "extension" column says 13/) });
  });

  it('refuses, naming the column, a field too long, a NUL byte, and a number with too many digits', () => {
    expect(normaliseRow(['+1 202 555 0143', 'x'.repeat(ROW_LIMITS.fieldChars + 1)], 2, columns, mapping)).toEqual({
      rejected: `column "name" holds ${ROW_LIMITS.fieldChars + 1} characters; a field may hold ${ROW_LIMITS.fieldChars}`,
    });
    expect(normaliseRow(['+1 202 555 0143', 'a\0b'], 2, columns, mapping)).toMatchObject({ rejected: expect.stringMatching(/^column "name" holds a NUL byte/) });
    expect(normaliseRow(['1'.repeat(40), 'x'], 2, columns, mapping)).toEqual({
      rejected: 'the phone number has 40 digits; a phone number has at most 15 (E.164)',
    });
  });

  it('refuses a header that names a column twice, has too many columns, or is UTF-16 read as UTF-8', () => {
    expect(() => resolveColumns({ phone: 'phone' }, ['phone', 'name', ' name'])).toThrow('the header names column "name" twice (columns 2 and 3): rename one');
    expect(() => resolveColumns({ phone: 'phone' }, ['phone', ...Array.from({ length: 500 }, (_, i) => `c${i}`)])).toThrow(/501 columns; a lead file may have 500/);
    expect(() => resolveColumns({ phone: 'phone' }, ['p\0h\0o\0n\0e\0'])).toThrow(/NUL bytes: the file is not UTF-8/);
  });

  it('tells the separator from the header line', () => {
    expect(separatorOf('phone;name;"a,b"')).toBe(';');
    expect(separatorOf('phone\tname\tcity')).toBe('\t');
    expect(separatorOf('phone,name')).toBe(',');
    expect(separatorOf('phone')).toBe(',');
  });
});
