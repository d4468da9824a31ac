/**
 * `outpace run` stopped by SIGTERM (issue 13, item 7): once its campaigns
 * drained, every agent is logged out with a reason (their state history
 * closes, their screens are told why) and their nailed-up legs and bridges
 * are removed from Asterisk, so that nothing of the engine stays in the PBX.
 */
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AGENT_SOCKET_PATH } from '../../src/api/agent-sockets.js';
import { createApiKey } from '../../src/api/keys.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { SHUTDOWN_LOGOUT_REASON } from '../../src/campaigns/dialing/campaign-runner.js';
import { campaignEngine } from '../../src/cli/commands/run.js';
import { serve } from '../../src/cli/commands/serve.js';
import { AgentId } from '../../src/domain/ids.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { openPglite } from '../../src/storage/pglite.js';
import { AgentClient } from '../support/agent-client.js';
import { makeCampaign } from '../support/fixtures.js';
import { runLab } from '../support/run-lab.js';

const AGENTS = [AgentId('agent1'), AgentId('agent2'), AgentId('agent3')];

describe('outpace run shutting down', () => {
  const run = runLab('clean-shutdown');

  it('logs every agent out with a reason and leaves no leg or bridge of its own in Asterisk', async () => {
    const { lab, dataDir } = run;
    const db = await openPglite(dataDir);
    await runMigrations(db);
    const campaign = await makeCampaign(db, { pacing: { mode: 'progressive' } });
    await changeCampaignState(db, campaign.id, 'start', 'test');
    const keys: string[] = [];
    for (const agentId of AGENTS) {
      await upsertAgent(db, { id: agentId, name: agentId, redList: false });
      keys.push(await createApiKey(db, { name: agentId, role: 'agent', agentId }));
    }
    await db.close();

    const server = lab.server!;
    const env = run.env('clean-shutdown');
    let stop!: () => void;
    const serving = await serve(env, new Promise<void>((resolve) => (stop = resolve)), campaignEngine([campaign.id], env));
    const url = `ws://127.0.0.1:${(serving.api.server.address() as AddressInfo).port}${AGENT_SOCKET_PATH}`;
    const agents = await Promise.all(keys.map((key) => AgentClient.open(url, key)));
    const closed = agents.map((agent) => new Promise<{ code: number; reason: string }>((resolve) => agent.ws.once('close', (code, reason) => resolve({ code, reason: String(reason) }))));
    for (const [n, agent] of agents.entries()) agent.send({ type: 'login', endpoint: lab.agentEndpoint(n + 1), campaigns: [campaign.id] });
    for (const agent of agents) await waitForState(agent, 'ready');
    const ours = () => server.pbx.list().filter((c) => c.id.startsWith('clean-shutdown-'));
    expect(ours()).toHaveLength(AGENTS.length);
    expect(server.pbx.bridges.size).toBe(AGENTS.length);

    stop();
    await serving.stopped;

    for (const agent of agents) expect(await waitForState(agent, 'logged-out')).toMatchObject({ reason: SHUTDOWN_LOGOUT_REASON });
    expect(await Promise.all(closed)).toEqual(AGENTS.map(() => ({ code: 1001, reason: 'outpace is shutting down' })));
    expect(ours()).toEqual([]);
    // Asterisk destroys a bridge just after answering the request.
    await expect.poll(() => server.pbx.bridges.size).toBe(0);
    const after = await openPglite(dataDir);
    try {
      const { rows } = await after.query<{ agent_id: string; to_state: string; reason: string | null }>(
        `SELECT DISTINCT ON (agent_id) agent_id, to_state, reason FROM agent_states ORDER BY agent_id, id DESC`,
      );
      expect(rows).toEqual(AGENTS.map((agentId) => ({ agent_id: agentId, to_state: 'logged-out', reason: SHUTDOWN_LOGOUT_REASON })));
    } finally {
      await after.close();
    }
  }, 90_000); // an embedded database migrated from nothing: slow on a loaded machine (9 s alone)
});

/** The agent's next state message saying `state`, passing over the others. */
async function waitForState(agent: AgentClient, state: string): Promise<Record<string, unknown>> {
  for (;;) {
    const message = await agent.next('state');
    if (message.state === state) return message;
  }
}
