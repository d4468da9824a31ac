/**
 * What a test of `outpace run` in the test's own process needs: the ARI test
 * server, an embedded database folder of its own, and the environment that
 * points the command at both.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { AriTestServer } from '../ari-server/server.js';
import { type TelephonyLab, testServerLab } from '../integration/telephony-lab.js';

export interface RunLab {
  readonly lab: TelephonyLab;
  /** Where the embedded database keeps its files (OUTPACE_DATA_DIR). */
  readonly dataDir: string;
  /** The environment of `outpace run` on this lab, its engine and ARI application named `name`. */
  env(name: string): Record<string, string>;
}

/** Registers the suite's hooks; the lab is there from the first test on. */
export function runLab(name: string): RunLab {
  let dir = '';
  let lab: TelephonyLab | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), `outpace-${name}-`));
    lab = await testServerLab();
  });
  afterAll(async () => {
    await lab?.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    get lab() {
      if (!lab) throw new Error('the run lab is set up in beforeAll: use it inside a test');
      return lab;
    },
    get dataDir() {
      return join(dir, 'pg');
    },
    env(engine) {
      return runEnv(this.lab.server!, this.dataDir, engine);
    },
  };
}

/** The environment of `outpace run` on the ARI test server, with its embedded database in `dataDir`, its engine and ARI application named `engine`. */
export function runEnv(server: AriTestServer, dataDir: string, engine: string): Record<string, string> {
  return {
    OUTPACE_DATA_DIR: dataDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ARI_URL: server.url,
    ARI_USERNAME: server.credentials.username,
    ARI_PASSWORD: server.credentials.password,
    ARI_APP: `outpace-${engine}`,
    ARI_TRUNK_ENDPOINT: 'PJSIP/{number}@{trunk}',
    OUTPACE_ENGINE_ID: engine,
  };
}
