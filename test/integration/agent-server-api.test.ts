/**
 * Placing an agent on an Asterisk server through the API (PATCH /agents/:id):
 * checked against the servers the deployment names, stored where every
 * engine reads it at the agent's login (agents.pbx_server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { AgentId } from '../../src/domain/ids.js';
import type { Db } from '../../src/storage/db.js';
import { agentServer } from '../../src/telephony/servers/agent-servers.js';
import { startTestApi, type TestApi } from '../support/api.js';
import { testDatabases } from '../support/databases.js';
import { MONDAY_8AM_NEW_YORK } from '../support/fixtures.js';

describe.each(await testDatabases())("an agent's server set through the API on $kind", ({ open }) => {
  let db: Db;
  let servers: TestApi;
  let oneServer: TestApi;
  beforeAll(async () => {
    db = await open();
    servers = await startTestApi(db, MONDAY_8AM_NEW_YORK, 10, { pbxServers: ['pbx1', 'pbx2'] });
    oneServer = await startTestApi(db, MONDAY_8AM_NEW_YORK, 10);
    await upsertAgent(db, { id: AgentId('carol'), name: 'Carol', redList: false });
  });
  afterAll(async () => {
    await servers?.api.close();
    await oneServer?.api.close();
    await db?.close();
  });

  it('places the agent on a named server, where the engines read it at their login, and takes them off with null', async () => {
    const placed = await servers.call('PATCH', '/agents/carol', 'supervisor', { pbxServer: 'pbx2' });
    expect(placed.statusCode).toBe(200);
    expect(placed.json()).toEqual({ id: 'carol', pbxServer: 'pbx2' });
    expect(await agentServer(db, AgentId('carol'))).toBe('pbx2');
    expect((await servers.call('PATCH', '/agents/carol', 'admin', { pbxServer: null })).json()).toEqual({ id: 'carol', pbxServer: null });
    expect(await agentServer(db, AgentId('carol'))).toBeUndefined();
  });

  it('refuses a server the deployment does not name, saying which it names; an unknown agent; an agent\'s own key', async () => {
    await servers.call('PATCH', '/agents/carol', 'supervisor', { pbxServer: 'pbx1' });
    const unknown = await servers.call('PATCH', '/agents/carol', 'supervisor', { pbxServer: 'pbx9' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({
      error: 'validation',
      field: 'pbxServer',
      message: 'pbxServer: pbx9 is not one of the Asterisk servers named in OUTPACE_SERVERS (pbx1, pbx2): use one of them, or null for none',
    });
    expect(await agentServer(db, AgentId('carol'))).toBe('pbx1');
    expect((await servers.call('PATCH', '/agents/nobody', 'supervisor', { pbxServer: 'pbx1' })).statusCode).toBe(404);
    expect((await servers.call('PATCH', '/agents/carol', 'agent', { pbxServer: 'pbx2' })).statusCode).toBe(403);
    expect((await servers.call('PATCH', '/agents/carol', 'supervisor', { server: 'pbx2' })).json()).toMatchObject({ error: 'validation' });
  });

  it('says there is nothing to place with one Asterisk server (ARI_URL)', async () => {
    const refused = await oneServer.call('PATCH', '/agents/carol', 'supervisor', { pbxServer: 'pbx1' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toBe('this outpace names no Asterisk servers (OUTPACE_SERVERS is unset): with one server (ARI_URL) every agent is on it, and none is placed');
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await servers.call('GET', '/openapi.json')).json();
    expect(doc.paths['/api/v1/agents/{id}'].patch.summary).toMatch(/^Place an agent on an Asterisk server/);
    expect(Object.keys(doc.paths['/api/v1/agents/{id}'].patch.responses)).toEqual(expect.arrayContaining(['200', '400', '403', '404', '409']));
  });
});
