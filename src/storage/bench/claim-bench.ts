/**
 * Claim benchmark: several engines (each its own connection pool) claim
 * batches from one campaign at once until it is empty. Reports claims per
 * second and the duplicates, which must be zero; the target is 2,000 claims/s
 * with 4 claimers.
 */
import { everyDay } from '../../campaigns/calling-window.js';
import { createCampaign } from '../../campaigns/campaign-store.js';
import { claimLeads } from '../../campaigns/hopper/claim.js';
import { createList, insertLeads } from '../../campaigns/leads.js';
import { E164 } from '../../domain/ids.js';
import { MINUTE } from '../../domain/time.js';
import type { Db } from '../db.js';
import { benchPhone } from './import-bench.js';
import { measure } from './measure.js';

export interface ClaimBenchResult {
  readonly claimers: number;
  readonly leads: number;
  readonly claims: number;
  readonly duplicates: number;
  readonly seconds: number;
  readonly claimsPerSecond: number;
}

export interface ClaimBenchOptions {
  readonly leads: number;
  readonly claimers: number;
  readonly batch: number;
  /** Each claimer's own database; with PGlite, one shared instance. */
  readonly openClaimer: () => Promise<Db>;
}

export async function benchClaims(db: Db, options: ClaimBenchOptions): Promise<ClaimBenchResult> {
  const campaign = await createCampaign(
    db,
    { name: `claim bench ${Date.now()}`, type: 'agent', complianceProfile: 'us', callerId: '+12025550100', rules: { callingWindow: everyDay('00:00', '23:59') },
      // Claims around the clock, whatever the hour the bench runs at: beyond the law's hours on purpose, never dialed.
      complianceOverrides: ['calling-window'] },
    'bench',
  );
  const listId = await createList(db, campaign.id, 'bench');
  for (let start = 0; start < options.leads; start += 10_000) {
    const count = Math.min(10_000, options.leads - start);
    await insertLeads(
      db,
      listId,
      Array.from({ length: count }, (_, i) => ({ phone: E164(benchPhone(start + i)), timeZone: 'America/New_York', priority: (start + i) % 10 })),
    );
  }
  await db.exec('ANALYZE leads, customers');
  const claimers = await Promise.all(Array.from({ length: options.claimers }, () => options.openClaimer()));
  const now = Date.now();
  const run = await measure(() =>
    Promise.all(
      claimers.map(async (claimerDb, n) => {
        const mine: string[] = [];
        for (;;) {
          const batch = await claimLeads(claimerDb, { campaign, engineId: `bench-${n}`, count: options.batch, leaseMs: 10 * MINUTE, now });
          if (batch.length === 0) return mine;
          for (const lead of batch) mine.push(lead.leadId);
        }
      }),
    ),
  );
  await Promise.all(claimers.filter((c) => c !== db).map((c) => c.close()));
  const all = run.result.flat();
  return {
    claimers: options.claimers,
    leads: options.leads,
    claims: all.length,
    duplicates: all.length - new Set(all).size,
    seconds: run.seconds,
    claimsPerSecond: all.length / run.seconds,
  };
}
