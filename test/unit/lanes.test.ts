import { describe, expect, it } from 'vitest';
import { Lanes, type Batch } from '../../src/campaigns/import/lanes.js';
import type { ImportedLead } from '../../src/campaigns/import/normalise.js';
import { E164 } from '../../src/domain/ids.js';

const lead = (phone: string, sourceRow: number): ImportedLead => ({ phone: E164(phone), timeZone: 'America/New_York', sourceRow });

describe('the import lanes', () => {
  it('wait for every lane before reporting a failure, so that the counts read next include every batch committed', async () => {
    const committed: number[] = [];
    let releaseSlow!: () => void;
    const slow = new Promise<void>((resolve) => (releaseSlow = resolve));
    const lanes = new Lanes(2, 10, async (batch: Batch) => {
      if (batch.leads[0]!.phone.endsWith('1')) throw new Error('lane 1 failed');
      await slow;
      committed.push(...batch.leads.map((l) => l.sourceRow));
    });
    await lanes.addLead(lead('+12025550140', 2));
    await lanes.addLead(lead('+12025550141', 3));
    // What the import would read as its counts the moment the lanes report.
    const flushed = lanes.flush().then(
      () => ({ outcome: 'flushed', committed: [...committed] }),
      (error: Error) => ({ outcome: error.message, committed: [...committed] }),
    );
    // The failing lane has failed; the other is still committing.
    await new Promise((resolve) => setTimeout(resolve, 10));
    releaseSlow();
    expect(await flushed).toEqual({ outcome: 'lane 1 failed', committed: [2] });
    await expect(lanes.written()).rejects.toThrow('lane 1 failed');
  });
});
