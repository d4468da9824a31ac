/**
 * Property tests (fast-check) of the two edges a file or a body comes in by:
 * random lead files never crash an import, never leave it running, never store
 * a half-valid row, and every rejection names its row; random API bodies never
 * get a 500, and every refusal names the field in the one error shape.
 */
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { apiErrorSchema, campaignSchema } from '../../src/api/openapi.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { startImport } from '../../src/campaigns/import/import-leads.js';
import { listRejections } from '../../src/campaigns/import/import-store.js';
import { isTimeZone } from '../../src/campaigns/import/normalise.js';
import type { Db } from '../../src/storage/db.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { freshPglite } from '../support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

/** A field as CSV writes it: quoted when it must be. */
const csvField = (field: string) => (/[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field);

const field = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('+1 202 555 0143', '(312) 555-0100', '+1 208 555 1234', '+1 900 555 0100', '+44 20 7123 4567', 'America/Chicago', 'a\u0000b', '"', ';', '\t'),
);
const wellFormed = fc.array(fc.array(field, { minLength: 3, maxLength: 5 }), { maxLength: 12 }).map(
  (rows) => ['phone,tz,name,note', ...rows.map((r) => r.map(csvField).join(','))].join('\n') + '\n',
);
/** Files as they arrive broken: cut anywhere, a stray quote, bytes that are not UTF-8. */
const broken = fc.tuple(wellFormed, fc.nat(), fc.constantFrom('"', '\u0000', '\r', '\uFFFD', ''), fc.uint8Array({ maxLength: 8 })).map(
  ([file, at, insert, bytes]) => {
    const cut = at % (file.length + 1);
    return Buffer.concat([Buffer.from(file.slice(0, cut) + insert), Buffer.from(bytes), Buffer.from(file.slice(cut))]);
  },
);

describe('properties of the edges, on PGlite', () => {
  let db: Db;
  let campaign: Campaign;
  let api: Api;
  let call: TestApi['call'];
  beforeAll(async () => {
    db = await freshPglite('migrated');
    campaign = await makeCampaign(db);
    ({ api, call } = await startTestApi(db, MONDAY_8AM_NEW_YORK, 1000));
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  it('imports any file to an end, storing only whole leads and naming the row of every rejection', async () => {
    let lists = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(wellFormed.map((f) => Buffer.from(f)), broken), async (file) => {
        const started = await startImport(
          db,
          { campaignId: campaign.id, listName: `p${++lists}`, fileName: 'p.csv', mapping: { phone: 'phone', timeZone: 'tz', defaultCountry: 'US' }, actor: 't', batchSize: 4 },
          Readable.from([file]),
        );
        const status = await started.finished;
        expect(['done', 'failed']).toContain(status.state);
        if (status.state === 'failed') expect(status.error).toMatch(/\w/);
        expect(status.rowsImported + status.rowsUnchanged + status.rowsRejected).toBe(status.rowsRead);
        const leads = await db.query<{ phone: string; time_zone: string; other_time_zones: string[] | null; source_row: number }>(
          'SELECT phone, time_zone, other_time_zones, source_row FROM leads WHERE list_id = $1',
          [started.listId],
        );
        expect(leads.rows.length).toBe(status.rowsImported);
        for (const lead of leads.rows) {
          expect(lead.phone).toMatch(/^\+[1-9]\d{6,14}$/);
          for (const zone of [lead.time_zone, ...(lead.other_time_zones ?? [])]) expect(isTimeZone(zone)).toBe(true);
          expect(lead.source_row).toBeGreaterThanOrEqual(2);
        }
        for (const rejection of await listRejections(db, started.importId, 1000, 0)) {
          expect(rejection.row).toBeGreaterThanOrEqual(2);
          expect(rejection.reason).toMatch(/\w/);
        }
      }),
      // Each import starts its two normalising workers: a dozen files keep the suite quick.
      { numRuns: 12 },
    );
  }, 120_000);

  const refusal = (response: { statusCode: number; json(): unknown }) => {
    expect(response.statusCode).toBeLessThan(500);
    if (response.statusCode < 400) return;
    const error = apiErrorSchema.parse(response.json());
    if (response.statusCode === 400) expect(error.field ?? error.problems?.[0]?.field).toBeDefined();
  };

  const value = fc.oneof(fc.jsonValue(), fc.string({ unit: 'binary', maxLength: 10 }), fc.constantFrom('a\u0000b', 'agent', 'uk', '+12025550100', '../../etc/passwd'));
  const campaignBody = fc.record(
    {
      name: fc.oneof(fc.string({ maxLength: 30 }), value),
      type: fc.oneof(fc.constantFrom('agent', 'broadcast'), value),
      complianceProfile: fc.oneof(fc.constantFrom('us', 'uk', 'ca', 'cn'), value),
      callerId: fc.oneof(fc.constant('+12025550100'), value),
      pacing: fc.oneof(fc.record({ abandonTarget: fc.oneof(fc.double(), value), mode: fc.oneof(fc.constantFrom('predictive', 'power'), value) }, { requiredKeys: [] }), value),
      rules: fc.oneof(fc.record({ callingWindow: value, maxAttemptsTotal: value }, { requiredKeys: [] }), value),
      abandonMessage: value,
      complianceOverrides: value,
      extra: value,
    },
    { requiredKeys: [] },
  );

  it('answers any campaign body with a campaign stored whole, or a refusal naming the field; never a 500', async () => {
    const existing = (await call('POST', '/campaigns', 'campaign-manager', { name: 'target', type: 'agent', complianceProfile: 'us', callerId: '+12025550100' })).json() as { id: string };
    await fc.assert(
      fc.asyncProperty(campaignBody, async (body) => {
        const created = await call('POST', '/campaigns', 'campaign-manager', body);
        refusal(created);
        if (created.statusCode === 201) {
          const stored = await call('GET', `/campaigns/${(created.json() as { id: string }).id}`, 'qa');
          expect(campaignSchema.parse(stored.json())).toMatchObject({ name: expect.any(String) });
        }
        const before = (await call('GET', `/campaigns/${existing.id}`, 'qa')).json() as { updatedAt: string };
        const changed = await call('PATCH', `/campaigns/${existing.id}`, 'campaign-manager', { ...body, name: undefined, type: undefined });
        refusal(changed);
        const after = (await call('GET', `/campaigns/${existing.id}`, 'qa')).json() as { updatedAt: string };
        // A refused change changes nothing.
        if (changed.statusCode >= 400) expect(after).toEqual(before);
        else campaignSchema.parse(after);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('refuses any malformed body of the other routes in the one error shape', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/callbacks', '/number-lists', '/api-keys', '/leads/assign', '/number-lists/import'), value, async (url, body) => {
        refusal(await call('POST', url, 'admin', body));
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});
