/**
 * The recording catalogue through the ARI adapter and the ARI test server:
 * every leg of a connected call becomes a row with its file fetched over ARI
 * (GET /recordings/stored/{name}/file), its size, duration and checksum; a
 * recording Asterisk failed is a row with its cause; a file that is gone is
 * listed as missing with why; the retention sweep deletes what is past its
 * campaign's days and leaves what a legal hold keeps.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentId, type AttemptId } from '../../src/domain/ids.js';
import { DAY, HOUR } from '../../src/domain/time.js';
import { listRecordings } from '../../src/recordings/catalogue.js';
import { RecordingCatalogue } from '../../src/recordings/recording-catalogue.js';
import { ariFetchStore, AriStoredRecordings, sharedDiskStore } from '../../src/recordings/recording-store.js';
import { placeLegalHold, setRecordingRetention, sweepRecordings } from '../../src/recordings/retention.js';
import type { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { Db } from '../../src/storage/db.js';
import { connectedCalls } from '../support/connected-calls.js';
import { openIsolatedPostgres, postgresUrl } from '../support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { type Heard, type TelephonyLab, connectEngine, dialRequest, quietLogger, testServerLab } from './telephony-lab.js';

const url = await postgresUrl();
const T0 = MONDAY_8AM_NEW_YORK + 2 * HOUR;

describe.skipIf(!url)('the recording catalogue', () => {
  let db: Db;
  let lab: TelephonyLab;
  let telephony: AriTelephony;
  let heard: Heard;
  /** An engine that dials straight into the application (a trunk it cannot follow): it records with snoops and ARI's record. */
  let snooping: { telephony: AriTelephony; heard: Heard };
  let storeDir: string;
  let ari: AriStoredRecordings;
  let catalogue: RecordingCatalogue;
  let agents = 0;

  beforeAll(async () => {
    db = await openIsolatedPostgres(url!);
    await runMigrations(db);
    lab = await testServerLab();
    ({ telephony, heard } = await connectEngine(lab, 'cat'));
    snooping = await connectEngine(lab, 'cats', { config: { ARI_TRUNK_ENDPOINT: 'PJSIP/{number}@carrier' } });
    storeDir = await mkdtemp(join(tmpdir(), 'outpace-recordings-'));
    const { username, password } = lab.server!.credentials;
    ari = new AriStoredRecordings({ url: lab.server!.url, username, password });
    catalogue = new RecordingCatalogue({ db, store: ariFetchStore(() => ari, storeDir), logger: quietLogger });
    telephony.subscribe(catalogue.telephonyEvent);
    snooping.telephony.subscribe(catalogue.telephonyEvent);
  });
  afterAll(async () => {
    telephony?.close();
    snooping?.telephony.close();
    await lab?.close();
    await db?.close();
    await rm(storeDir, { recursive: true, force: true });
  });

  /**
   * A stored attempt, then its call on the test server put through to a fresh
   * agent, talking until the customer hangs up (recorded by MixMonitor from
   * the answer, or by snoops with `engine` snooping). `beforeHangup` runs just before.
   */
  async function recordedCall(o: { engine?: 'cat' | 'cats'; beforeHangup?: (attemptId: AttemptId) => void } = {}): Promise<AttemptId> {
    const engine = o.engine ?? 'cat';
    const { telephony: port, heard: events } = engine === 'cats' ? snooping : { telephony, heard };
    const campaign = await makeCampaign(db);
    const agentId = `agent${++agents}`;
    const [attemptId] = await connectedCalls(db, campaign, [{ agentId, disposition: 'valid-sale', at: T0 }]);
    port.loginAgent(AgentId(agentId), lab.agentEndpoint(agents));
    await events.next('agent.leg-up', agentId);
    const request = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }), { attemptId: attemptId! });
    port.originate(request);
    await events.next('call.answered', attemptId);
    port.connectToAgent(attemptId!, AgentId(agentId));
    await events.next('call.connected', attemptId);
    await new Promise((resolve) => setTimeout(resolve, 300));
    o.beforeHangup?.(attemptId!);
    lab.server!.pbx.farEndHangsUp(`${engine}-c-${attemptId}`);
    await events.next('call.ended', attemptId);
    port.logoutAgent(AgentId(agentId));
    return attemptId!;
  }

  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('catalogues each leg with its file fetched over ARI: size, duration and checksum of the bytes Asterisk serves', async () => {
    const attemptId = await recordedCall();
    await expect.poll(async () => (await listRecordings(db, { attemptId })).length).toBe(3);
    await catalogue.settled();
    const rows = await listRecordings(db, { attemptId });
    expect(rows.map((r) => r.leg).sort()).toEqual(['agent', 'customer', 'mixed']);
    for (const row of rows) {
      const served = lab.server!.pbx.storedFile(row.name).bytes;
      expect(row).toMatchObject({ status: 'available', format: 'wav', agentId: `agent${agents}`, sizeBytes: served.length, sha256: sha256(served), problem: null });
      // The duration read from the WAV header: 8 kHz, 16-bit samples after the 44-byte header.
      expect(row.durationMs).toBe((served.length - 44) / 16);
      expect(row.durationMs).toBeGreaterThan(0);
      expect(await readFile(join(storeDir, row.finishedAt.slice(0, 10), `${row.name}.wav`))).toEqual(served);
    }
    expect(lab.server!.requests.filter((r) => r.startsWith(`GET /ari/recordings/stored/${attemptId}`) && r.includes('/file -> 200'))).toHaveLength(3);
  });

  it('a leg MixMonitor did not store is catalogued as failed, with why', async () => {
    const attemptId = await recordedCall({ beforeHangup: (id) => lab.server!.pbx.storedRecordings.delete(`${id}-agent`) });
    await expect.poll(async () => (await listRecordings(db, { attemptId })).length).toBe(3);
    const failed = (await listRecordings(db, { attemptId })).filter((r) => r.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ leg: 'agent', problem: expect.stringContaining('[outpace-record]'), sha256: null })]);
  });

  it('a recording Asterisk failed (RecordingFailed) is catalogued as failed, with its cause', async () => {
    lab.server!.pbx.failNextRecording('Cannot record channel while in bridge');
    const attemptId = await recordedCall({ engine: 'cats' });
    await expect.poll(async () => (await listRecordings(db, { attemptId })).length).toBe(3);
    const failed = (await listRecordings(db, { attemptId })).filter((r) => r.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ leg: 'customer', problem: 'Cannot record channel while in bridge', sha256: null })]);
  });

  it('a finished recording whose file Asterisk no longer has is listed as missing, with why', async () => {
    const [attemptId] = await connectedCalls(db, await makeCampaign(db), [{ agentId: 'agent-x', disposition: 'valid-sale', at: T0 }]);
    catalogue.report({ kind: 'finished', attemptId: attemptId!, leg: 'mixed', name: `${attemptId}-mixed`, format: 'wav', file: { storedName: `${attemptId}-mixed` }, at: T0 + HOUR });
    await catalogue.settled();
    expect(await listRecordings(db, { attemptId })).toEqual([
      expect.objectContaining({ status: 'missing', problem: `ARI answered 404 "Recording not found" to GET /recordings/stored/${attemptId}-mixed/file`, agentId: 'agent-x' }),
    ]);
  });

  it('reads the file where Asterisk wrote it when outpace shares its disk', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpace-asterisk-recording-'));
    const shared = new RecordingCatalogue({ db, store: sharedDiskStore(dir), logger: quietLogger });
    const [attemptId] = await connectedCalls(db, await makeCampaign(db), [{ agentId: 'agent-y', disposition: 'refused', at: T0 }]);
    const bytes = lab.server!.pbx.storedFile(`${(await listRecordings(db, { status: 'available', limit: 1 }))[0]!.name}`).bytes;
    await writeFile(join(dir, `${attemptId}-customer.wav`), bytes);
    shared.report({ kind: 'finished', attemptId: attemptId!, leg: 'customer', name: `${attemptId}-customer`, format: 'wav', file: { storedName: `${attemptId}-customer` }, at: T0 });
    await shared.settled();
    const [row] = await listRecordings(db, { attemptId });
    expect(row).toMatchObject({ status: 'available', sizeBytes: bytes.length, sha256: sha256(bytes) });
    await rm(dir, { recursive: true, force: true });
  });

  it('the sweep deletes files past their campaign\'s retention, on outpace\'s disk and on Asterisk, and leaves an attempt under legal hold', async () => {
    const kept = await recordedCall();
    const swept = await recordedCall();
    await expect.poll(async () => (await listRecordings(db, { attemptId: swept })).length).toBe(3);
    await expect.poll(async () => (await listRecordings(db, { attemptId: kept })).length).toBe(3);
    await catalogue.settled();
    const campaigns = await db.query<{ campaign_id: string }>('SELECT DISTINCT campaign_id FROM attempts WHERE id = ANY($1::uuid[])', [[kept, swept]]);
    for (const { campaign_id } of campaigns.rows) await setRecordingRetention(db, campaign_id as never, 30, 'admin');
    await placeLegalHold(db, kept, 'complaint 2026-118 under investigation', 'admin');
    const now = Date.now() + 31 * DAY;
    const result = await sweepRecordings(db, ariFetchStore(() => ari, storeDir), now);
    expect(result.failed).toEqual([]);
    const sweptRows = await listRecordings(db, { attemptId: swept });
    expect(sweptRows.map((r) => r.status)).toEqual(['deleted', 'deleted', 'deleted']);
    for (const r of sweptRows) {
      expect(existsSync(join(storeDir, r.finishedAt.slice(0, 10), `${r.name}.wav`))).toBe(false);
      expect(lab.server!.pbx.storedRecordings.has(r.name)).toBe(false);
    }
    expect((await listRecordings(db, { attemptId: kept })).map((r) => [r.status, r.legalHold])).toEqual([['available', true], ['available', true], ['available', true]]);
    // Nothing younger than 30 days is touched.
    expect((await sweepRecordings(db, ariFetchStore(() => ari, storeDir), Date.now())).deleted).toBe(0);
  });
});
