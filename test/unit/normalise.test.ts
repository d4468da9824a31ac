import { describe, expect, it } from 'vitest';
import { resolveColumns } from '../../src/campaigns/import/mapping.js';
import { countryTimeZone, normaliseRow } from '../../src/campaigns/import/normalise.js';

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

  it('never guesses the zone of a number in a country with several', () => {
    expect(normaliseRow(['+1 202 555 0143', 'Ann'], 3, columns, mapping)).toEqual({
      rejected: expect.stringMatching(/cannot be told from the number: map a time zone column or give defaultTimeZone/),
    });
    expect(normaliseRow(['+1 202 555 0143', 'Ann'], 3, columns, { ...mapping, defaultTimeZone: 'America/New_York' })).toMatchObject({
      lead: { timeZone: 'America/New_York' },
    });
  });

  it('names a mapped column the header lacks', () => {
    expect(() => resolveColumns({ phone: 'tel' }, ['phone'])).toThrow('the phone column "tel" is not in the file\'s header (it has: phone)');
  });
});
