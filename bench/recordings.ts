/**
 * The recording catalogue's figures (issue 16), on this machine:
 * 1. its cost on the ARI event path: the telephony listener's own time per
 *    recording event (it only queues the work);
 * 2. cataloguing throughput: recordings brought, hashed and written a second,
 *    PostgreSQL (DATABASE_URL) and files on a shared disk;
 * 3. Range-served throughput: the API playing a 30-minute WAV to 8 clients at
 *    once, whole files and 64 KiB ranges at random offsets (as a seeking player asks).
 * Run with `DATABASE_URL=... node --import tsx bench/recordings.ts`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createApiKey } from '../src/api/keys.js';
import { buildApi } from '../src/api/server.js';
import { memoryCoordination } from '../src/coordination/memory.js';
import { AttemptId } from '../src/domain/ids.js';
import { listRecordings } from '../src/recordings/catalogue.js';
import { RecordingCatalogue } from '../src/recordings/recording-catalogue.js';
import { sharedDiskStore } from '../src/recordings/recording-store.js';
import type { Db } from '../src/storage/db.js';
import { runMigrations } from '../src/storage/migrate.js';
import { toneWav } from '../test/ari-server/models.js';
import { connectedCalls } from '../test/support/connected-calls.js';
import { openIsolatedPostgres } from '../test/support/databases.js';
import { makeCampaign, MONDAY_8AM_NEW_YORK } from '../test/support/fixtures.js';

const logger = pino({ level: 'silent' });
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function eventPath(): Promise<void> {
  const idle = { query: async () => ({ rows: [], rowCount: 1 }) } as unknown as Db;
  const catalogue = new RecordingCatalogue({ db: idle, store: { bring: () => new Promise(() => undefined), remove: async () => undefined }, logger });
  const n = 100_000;
  const events = Array.from({ length: n }, (_, i) => ({
    type: 'recording.finished' as const,
    attemptId: AttemptId(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
    at: Date.now(),
    recording: { name: `r${i}-mixed`, leg: 'mixed' as const, startedAt: Date.now(), durationSec: 30 },
  }));
  const start = process.hrtime.bigint();
  for (const e of events) catalogue.telephonyEvent(e);
  const total = ms(start);
  console.log(`1. event path: ${n.toLocaleString('en')} recording events queued in ${total.toFixed(0)} ms: ${((total * 1000) / n).toFixed(2)} µs an event on the listener`);
}

async function cataloguing(db: Db, dir: string): Promise<void> {
  const campaign = await makeCampaign(db);
  const n = 300;
  const calls = await connectedCalls(db, campaign, Array.from({ length: n / 3 }, (_, i) => ({ agentId: `a${i % 10}`, disposition: 'refused', at: MONDAY_8AM_NEW_YORK + i * 60_000 })));
  const wav = toneWav(60, 440);
  const catalogue = new RecordingCatalogue({ db, store: sharedDiskStore(dir), logger });
  for (const attemptId of calls) for (const leg of ['mixed', 'customer', 'agent'] as const) await writeFile(join(dir, `${attemptId}-${leg}.wav`), wav);
  const start = process.hrtime.bigint();
  for (const attemptId of calls) {
    for (const leg of ['mixed', 'customer', 'agent'] as const) {
      catalogue.report({ kind: 'finished', attemptId, leg, name: `${attemptId}-${leg}`, format: 'wav', file: { storedName: `${attemptId}-${leg}` }, at: Date.now() });
    }
  }
  await catalogue.settled();
  const total = ms(start);
  const rows = await listRecordings(db, { campaignId: campaign.id, limit: 5000 });
  console.log(
    `2. cataloguing: ${rows.filter((r) => r.status === 'available').length} recordings of 60 s (${(wav.length / 1e6).toFixed(2)} MB each) in ${total.toFixed(0)} ms: ` +
      `${((n * 1000) / total).toFixed(0)} recordings/s, ${((n * wav.length) / 1e6 / (total / 1000)).toFixed(0)} MB/s hashed (2 at a time)`,
  );
}

async function rangeServed(db: Db, dir: string): Promise<void> {
  const campaign = await makeCampaign(db);
  const [attemptId] = await connectedCalls(db, campaign, [{ agentId: 'long', disposition: 'refused', at: MONDAY_8AM_NEW_YORK }]);
  const wav = toneWav(30 * 60, 440);
  await writeFile(join(dir, `${attemptId}-mixed.wav`), wav);
  const catalogue = new RecordingCatalogue({ db, store: sharedDiskStore(dir), logger });
  catalogue.report({ kind: 'finished', attemptId: attemptId!, leg: 'mixed', name: `${attemptId}-mixed`, format: 'wav', file: { storedName: `${attemptId}-mixed` }, at: Date.now() });
  await catalogue.settled();
  const [recording] = await listRecordings(db, { attemptId: attemptId! });
  const clock = { now: () => Date.now() };
  const api = await buildApi({ db, coordination: memoryCoordination(clock), clock });
  await api.listen({ port: 0, host: '127.0.0.1' });
  const key = await createApiKey(db, { name: 'bench', role: 'qa' });
  const url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/api/v1/recordings/${recording!.id}/audio`;
  const get = async (range?: string) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}`, ...(range ? { range } : {}) } });
    return (await res.arrayBuffer()).byteLength;
  };
  const run = async (label: string, requests: number, one: () => Promise<number>) => {
    let bytes = 0;
    let next = 0;
    const start = process.hrtime.bigint();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next++ < requests) bytes += await one();
    }));
    const total = ms(start);
    console.log(`3. ${label}: ${requests} requests by 8 clients in ${total.toFixed(0)} ms: ${((requests * 1000) / total).toFixed(0)} requests/s, ${(bytes / 1e6 / (total / 1000)).toFixed(0)} MB/s`);
  };
  await run('whole 30-minute WAV (28.8 MB)', 40, () => get());
  await run('64 KiB ranges at random offsets', 2000, () => {
    const start = Math.floor(Math.random() * (wav.length - 65_536));
    return get(`bytes=${start}-${start + 65_535}`);
  });
  await api.close();
}

const db = await openIsolatedPostgres(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
await runMigrations(db);
const dir = await mkdtemp(join(tmpdir(), 'outpace-bench-recordings-'));
try {
  await eventPath();
  await cataloguing(db, dir);
  await rangeServed(db, dir);
} finally {
  await db.close();
  await rm(dir, { recursive: true, force: true });
}
