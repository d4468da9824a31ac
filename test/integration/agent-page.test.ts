/** The agent page is served, and its script is a module Node can parse; the browser suite drives it for real. */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from '../../src/api/context.js';
import { buildApi } from '../../src/api/server.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import type { Db } from '../../src/storage/db.js';
import { freshPglite } from '../support/databases.js';

describe('the agent page', () => {
  let db: Db;
  let api: Api;
  beforeAll(async () => {
    db = await freshPglite('migrated');
    const clock = { now: () => Date.now() };
    api = await buildApi({ db, coordination: memoryCoordination(clock), clock });
  });
  afterAll(async () => {
    await api.close();
    await db.close();
  });

  it('serves the page, its stylesheet and its script, locked to its own origin', async () => {
    const page = await api.inject({ method: 'GET', url: '/agent' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(page.body).toContain('<script type="module" src="/agent/agent.js">');
    expect((await api.inject({ method: 'GET', url: '/agent/agent.css' })).headers['content-type']).toMatch(/^text\/css/);
    const script = await api.inject({ method: 'GET', url: '/agent/agent.js' });
    expect(script.headers['content-type']).toMatch(/^text\/javascript/);
    // The script is a plain ES module, with no build step: Node's parser must accept it as it is served.
    const check = spawnSync(process.execPath, ['--check', '--input-type=module', '-'], { input: script.body, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  it('keeps the page out of the OpenAPI document', async () => {
    const openapi = (await api.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    expect(Object.keys(openapi.paths).filter((path) => path.startsWith('/agent'))).toEqual([]);
  });
});
