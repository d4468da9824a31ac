import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** Runs `outpace ARGS` as a new user would: in `cwd`, with no DATABASE_URL nor OUTPACE_DATA_DIR. */
function outpace(cwd: string, ...args: string[]) {
  const { DATABASE_URL: _url, OUTPACE_DATA_DIR: _dir, ...env } = process.env;
  return spawnSync(process.execPath, ['--import', TSX, MAIN, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
}

describe('outpace in an empty folder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpace-first-use-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('migrates the embedded database, creating .outpace-data/pg', async () => {
    const run = outpace(dir, 'migrate');
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^Applied to the embedded database: 0001_initial/);
    expect(run.status).toBe(0);
    expect(await readdir(join(dir, '.outpace-data', 'pg'))).toContain('PG_VERSION');
  });
});
