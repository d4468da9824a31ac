import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServedEngine } from '../../src/cli/commands/serve.js';
import { openPglite } from '../../src/storage/pglite.js';
import { runMigrations } from '../../src/storage/migrate.js';

describe('outpace serve on the embedded database', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpace-serve-'));
    env = { OUTPACE_DATA_DIR: join(dir, 'pg'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' };
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('refuses to start on an unmigrated database', async () => {
    await expect(serve(env, new Promise(() => undefined))).rejects.toThrow(/outpace migrate/);
  });

  it('answers health, then on stop drains the engine before closing', async () => {
    const db = await openPglite(env.OUTPACE_DATA_DIR);
    await runMigrations(db);
    await db.close();
    const steps: string[] = [];
    let drained!: () => void;
    const engine: ServedEngine = {
      start: async () => void steps.push('start'),
      drain: () =>
        new Promise<void>((resolve) => {
          steps.push('drain');
          drained = resolve;
        }),
    };
    let stop!: () => void;
    const serving = await serve(env, new Promise<void>((resolve) => (stop = resolve)), engine);
    const address = serving.api.server.address() as { port: number };
    const health = await fetch(`http://127.0.0.1:${address.port}/api/v1/health`);
    expect(await health.json()).toEqual({ status: 'ok', database: 'pglite' });
    stop();
    await expect.poll(() => steps).toEqual(['start', 'drain']);
    // While calls drain, the API still answers (supervisors watch the last calls end).
    expect((await fetch(`http://127.0.0.1:${address.port}/api/v1/health`)).status).toBe(200);
    drained();
    await serving.stopped;
    await expect(fetch(`http://127.0.0.1:${address.port}/api/v1/health`)).rejects.toThrow();
  });
});
