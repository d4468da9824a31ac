import { describe, expect, it } from 'vitest';
import { timeOrderedId } from '../../src/storage/time-ordered-id.js';

describe('a time-ordered id', () => {
  it('is a version 7 UUID carrying its millisecond', () => {
    const at = Date.UTC(2026, 10, 23, 12, 0, 0);
    const id = timeOrderedId(at + 1000);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at + 1000);
  });

  it('sorts in the order the ids were made, even thousands in one millisecond or with the clock stepping back', () => {
    const at = Date.UTC(2026, 10, 23, 13, 0, 0);
    const ids = [...Array.from({ length: 10_000 }, () => timeOrderedId(at)), timeOrderedId(at - 5000), timeOrderedId(at + 1)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
