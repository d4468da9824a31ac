import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
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

  it('refuses an agent key for an agent that does not exist, saying to create it first', () => {
    const run = outpace(dir, 'api-key', 'bob', 'agent', 'ghost');
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/agent ghost does not exist: create the agent first/);
    expect(outpace(dir, 'api-key', 'bob', 'agent').stderr).toMatch(/a key for role agent names the agent it works as/);
  });

  it('serves the API on the port --port names', async () => {
    const port = await freePort();
    const { DATABASE_URL: _url, OUTPACE_DATA_DIR: _dir, ...env } = process.env;
    const server = spawn(process.execPath, ['--import', TSX, MAIN, 'serve', '--port', String(port), '--host', '127.0.0.1'], {
      cwd: dir,
      env: { ...env, LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    try {
      let health: unknown;
      for (let i = 0; i < 300 && health === undefined; i++) {
        health = await fetch(`http://127.0.0.1:${port}/api/v1/health`).then((r) => r.json(), () => undefined);
        if (health === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(health).toEqual({ status: 'ok', database: 'pglite' });
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });

  it('offers in its help only what it accepts', () => {
    const help = outpace(dir, 'help').stdout;
    expect(help).toMatch(/--mode progressive\|power\|predictive /);
    expect(help).toMatch(/--port N/);
    expect(outpace(dir, 'import', '--help')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^usage: outpace import FILE/) });
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
