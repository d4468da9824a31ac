/**
 * The recordings over the API: lists by attempt, agent, campaign and day,
 * playing with HTTP Range (206, 416), the roles that may listen, every listen
 * audited, a file gone listed as missing (never a 500), retention and legal
 * holds.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AttemptId } from '../../src/domain/ids.js';
import { HOUR } from '../../src/domain/time.js';
import { RecordingCatalogue } from '../../src/recordings/recording-catalogue.js';
import { sharedDiskStore } from '../../src/recordings/recording-store.js';
import type { Db } from '../../src/storage/db.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { toneWav } from '../ari-server/models.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { connectedCalls } from '../support/connected-calls.js';
import { openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

const url = await postgresUrl();
const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;

describe.skipIf(!url)('recordings over the API', () => {
  let db: Db;
  let t: TestApi;
  let dir: string;
  let attemptId: AttemptId;
  let campaignId: string;
  const wav = toneWav(3, 440);
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    db = await openIsolatedPostgres(url!);
    await runMigrations(db);
    t = await startTestApi(db, T0, 10);
    dir = await mkdtemp(join(tmpdir(), 'outpace-recordings-api-'));
    const campaign = await makeCampaign(db);
    campaignId = campaign.id;
    [attemptId] = (await connectedCalls(db, campaign, [{ agentId: 'ann', disposition: 'valid-sale', at: T0 }])) as [AttemptId];
    const catalogue = new RecordingCatalogue({ db, store: sharedDiskStore(dir), logger: pino({ level: 'silent' }) });
    for (const leg of ['customer', 'agent', 'mixed'] as const) {
      await writeFile(join(dir, `${attemptId}-${leg}.wav`), wav);
      catalogue.report({ kind: 'finished', attemptId, leg, name: `${attemptId}-${leg}`, format: 'wav', file: { storedName: `${attemptId}-${leg}` }, at: T0 + 60_000 });
    }
    await catalogue.settled();
    for (const r of (await t.call('GET', `/recordings?attemptId=${attemptId}`, 'qa')).json().recordings) ids[r.leg] = r.id;
  });
  afterAll(async () => {
    await t?.api.close();
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists by attempt, agent, campaign and day, to QA, supervisors and admins only', async () => {
    const day = new Date(T0).toISOString().slice(0, 10);
    for (const query of [`attemptId=${attemptId}`, 'agentId=ann', `campaignId=${campaignId}`, `day=${day}&campaignId=${campaignId}`]) {
      const listed = await t.call('GET', `/recordings?${query}`, 'qa');
      expect(listed.statusCode).toBe(200);
      expect(listed.json().recordings.map((r: { leg: string }) => r.leg).sort()).toEqual(['agent', 'customer', 'mixed']);
    }
    expect((await t.call('GET', '/recordings?day=2026-01-01', 'supervisor')).json().recordings).toEqual([]);
    expect((await t.call('GET', `/recordings?attemptId=${attemptId}`, 'admin')).statusCode).toBe(200);
    for (const role of ['agent', 'campaign-manager'] as const) {
      expect((await t.call('GET', `/recordings?attemptId=${attemptId}`, role)).statusCode).toBe(403);
      expect((await t.call('GET', `/recordings/${ids.mixed}/audio`, role)).statusCode).toBe(403);
    }
    const bad = await t.call('GET', '/recordings?day=yesterday&limit=0', 'qa');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().problems.map((p: { field: string }) => p.field).sort()).toEqual(['querystring.day', 'querystring.limit']);
    const one = (await t.call('GET', `/recordings/${ids.mixed}`, 'qa')).json().recording;
    expect(one).toMatchObject({ leg: 'mixed', status: 'available', durationMs: 3000, sizeBytes: wav.length, agentId: 'ann' });
    expect(one).not.toHaveProperty('location');
  });

  it('plays the whole file, or the one byte range asked, with the content type', async () => {
    const whole = await t.api.inject({ method: 'GET', url: `/api/v1/recordings/${ids.customer}/audio`, headers: { authorization: `Bearer ${t.keys.qa}` } });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers).toMatchObject({ 'content-type': 'audio/wav', 'accept-ranges': 'bytes', 'content-length': String(wav.length) });
    expect(whole.rawPayload).toEqual(wav);
    const ranged = async (range: string) =>
      t.api.inject({ method: 'GET', url: `/api/v1/recordings/${ids.customer}/audio`, headers: { authorization: `Bearer ${t.keys.qa}`, range } });
    const middle = await ranged('bytes=100-199');
    expect(middle.statusCode).toBe(206);
    expect(middle.headers['content-range']).toBe(`bytes 100-199/${wav.length}`);
    expect(middle.rawPayload).toEqual(wav.subarray(100, 200));
    const tail = await ranged('bytes=-10');
    expect(tail.statusCode).toBe(206);
    expect(tail.rawPayload).toEqual(wav.subarray(wav.length - 10));
    const open = await ranged(`bytes=${wav.length - 4}-`);
    expect(open.rawPayload).toEqual(wav.subarray(wav.length - 4));
    for (const [range, why] of [
      [`bytes=${wav.length}-`, /past the end/],
      ['bytes=abc', /cannot be read/],
      ['bytes=9-3', /cannot be read|past the end/],
      ['items=0-1', /one byte range/],
      ['bytes=0-1,100-200', /one byte range/],
    ] as const) {
      const refused = await ranged(range);
      expect(refused.statusCode, range).toBe(416);
      expect(refused.headers['content-range']).toBe(`bytes */${wav.length}`);
      expect(refused.json()).toMatchObject({ error: 'range-not-satisfiable', message: expect.stringMatching(why) });
    }
  });

  it('audits every listen: who, when, which recording and bytes', async () => {
    await t.api.inject({ method: 'GET', url: `/api/v1/recordings/${ids.agent}/audio`, headers: { authorization: `Bearer ${t.keys.supervisor}`, range: 'bytes=0-43' } });
    const { rows } = await db.query<{ actor: string; details: { leg: string; bytes: string }; at: Date }>(
      `SELECT actor, details, at FROM audit_log WHERE action = 'listen' AND entity_id = $1`,
      [ids.agent],
    );
    expect(rows).toEqual([{ actor: 'supervisor user', details: { attemptId, leg: 'agent', bytes: `0-43/${wav.length}` }, at: expect.any(Date) }]);
  });

  it('plays from a browser\'s audio element with a listen pass: this recording only, every Range request, as the person who asked', async () => {
    expect((await t.call('POST', `/recordings/${ids.customer}/listen`, 'agent')).statusCode).toBe(403);
    const listens = async () =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'listen' AND entity_id = $1 AND actor = 'qa user'`, [ids.customer])).rows[0]!.n;
    const before = await listens();
    const { url: audio } = (await t.call('POST', `/recordings/${ids.customer}/listen`, 'qa')).json();
    expect(audio).toMatch(new RegExp(`^/api/v1/recordings/${ids.customer}/audio/[\\w-]{43}$`));
    for (const range of ['bytes=0-99', 'bytes=1000-']) {
      const part = await t.api.inject({ method: 'GET', url: audio, headers: { range } });
      expect(part.statusCode).toBe(206);
    }
    expect((await listens()) - before).toBe(2);
    const elsewhere = await t.api.inject({ method: 'GET', url: audio.replace(ids.customer!, ids.agent!) });
    expect(elsewhere.statusCode).toBe(403);
    expect(elsewhere.json().message).toMatch(/unknown, lapsed, or for another recording/);
  });

  it('a catalogued file that is gone answers 404 with why and is listed as missing, never a 500', async () => {
    await rm(join(dir, `${attemptId}-mixed.wav`));
    const gone = await t.call('GET', `/recordings/${ids.mixed}/audio`, 'qa');
    expect(gone.statusCode).toBe(404);
    expect(gone.json().message).toMatch(/its file is missing: .*ENOENT/);
    const listed = (await t.call('GET', `/recordings?attemptId=${attemptId}&status=missing`, 'qa')).json().recordings;
    expect(listed).toEqual([expect.objectContaining({ leg: 'mixed', problem: expect.stringContaining('cannot be read') })]);
  });

  it('sets retention (admins) and legal holds (admins, supervisors), each problem named', async () => {
    expect((await t.call('PUT', `/campaigns/${campaignId}/recording-retention`, 'qa', { days: 30 })).statusCode).toBe(403);
    expect((await t.call('PUT', `/campaigns/${campaignId}/recording-retention`, 'admin', { days: 30 })).json()).toEqual({ days: 30 });
    const bad = await t.call('PUT', `/campaigns/${campaignId}/recording-retention`, 'admin', { days: 0 });
    expect(bad.json()).toMatchObject({ error: 'validation', field: 'body.days' });
    expect((await t.call('PUT', `/attempts/${attemptId}/legal-hold`, 'qa', { reason: 'x' })).statusCode).toBe(403);
    expect((await t.call('PUT', `/attempts/${attemptId}/legal-hold`, 'supervisor', { reason: '' })).json()).toMatchObject({ field: 'body.reason' });
    expect((await t.call('PUT', `/attempts/${attemptId}/legal-hold`, 'supervisor', { reason: 'complaint 118' })).statusCode).toBe(200);
    expect((await t.call('GET', `/recordings/${ids.agent}`, 'qa')).json().recording.legalHold).toBe(true);
    expect((await t.call('DELETE', `/attempts/${attemptId}/legal-hold`, 'admin')).statusCode).toBe(204);
    expect((await t.call('DELETE', `/attempts/${attemptId}/legal-hold`, 'admin')).statusCode).toBe(404);
  });
});
