/**
 * How long a call control takes from the agent socket to Asterisk acting:
 * `outpace run` on the ARI test server (its own process's event loop, the
 * real ARI adapter through ari-client), one agent on a call, controls sent
 * one after another on the agent socket as the page sends them. Timed from
 * the socket message to the test server answering the REST request that
 * does it (hold: the customer out of the bridge, then music on hold; resume:
 * music off, then back in the bridge; mute and unmute: one request each).
 *
 *   npm run bench:desk [-- --rounds 100]
 *
 * With the lab's variables set (ARI_URL, ...: test/pbx/lab.sh up), the same
 * on the real PBX, a lab softphone as the agent and a carrier person as the
 * customer; there the time runs to the adapter's report of the control done
 * (Asterisk has answered every request it took). Writes
 * bench/results/desk-controls.md (desk-controls-pbx.md on the real PBX).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { AGENT_SOCKET_PATH } from '../src/api/agent-sockets.js';
import { createApiKey } from '../src/api/keys.js';
import { upsertAgent } from '../src/campaigns/agents.js';
import { changeCampaignState } from '../src/campaigns/campaign-store.js';
import { createList, insertLeads } from '../src/campaigns/leads.js';
import { campaignEngine } from '../src/cli/commands/run.js';
import { serve } from '../src/cli/commands/serve.js';
import { AgentId } from '../src/domain/ids.js';
import { runMigrations } from '../src/storage/migrate.js';
import { openPglite } from '../src/storage/pglite.js';
import { testServerLab } from '../test/integration/telephony-lab.js';
import { AgentClient } from '../test/support/agent-client.js';
import { makeCampaign, zoneAtNoon } from '../test/support/fixtures.js';
import { carrierNumber } from '../test/pbx/carrier-scheme.js';
import { runEnv } from '../test/support/run-lab.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '100' } } });
const rounds = Number(values.rounds);

/** What Asterisk is asked for each control: the request that carries it out last (and first, when two). */
const CONTROLS = [
  { kind: 'hold', first: /^POST \/ari\/bridges\/[^/]+\/removeChannel/, last: /^POST \/ari\/channels\/[^/]+\/moh/ },
  { kind: 'resume', first: /^DELETE \/ari\/channels\/[^/]+\/moh/, last: /^POST \/ari\/bridges\/[^/]+\/addChannel/ },
  { kind: 'mute', first: /^POST \/ari\/channels\/[^/]+\/mute/, last: /^POST \/ari\/channels\/[^/]+\/mute/ },
  { kind: 'unmute', first: /^DELETE \/ari\/channels\/[^/]+\/mute/, last: /^DELETE \/ari\/channels\/[^/]+\/mute/ },
] as const;

const REAL_PBX = Boolean(process.env['ARI_URL']);
const dir = await mkdtemp(join(tmpdir(), 'outpace-desk-bench-'));
const lab = REAL_PBX ? undefined : await testServerLab();
const server = lab?.server;
try {
  const dataDir = join(dir, 'pg');
  const db = await openPglite(dataDir);
  await runMigrations(db);
  const campaign = await makeCampaign(db, { name: 'desk bench', pacing: { mode: 'progressive' } });
  const number = lab ? lab.numberFor({ kind: 'human', ringMs: 500, talkMs: 360_000_000 }) : carrierNumber({ kind: 'person', ringSec: 1, talkSec: 0 }, 1);
  // A zone where it is noon: inside the calling window whenever the bench runs.
  await insertLeads(db, await createList(db, campaign.id, 'bench'), [{ phone: number, timeZone: zoneAtNoon() }]);
  await changeCampaignState(db, campaign.id, 'start', 'bench');
  await upsertAgent(db, { id: AgentId('alice'), name: 'alice', redList: false });
  const key = await createApiKey(db, { name: 'alice', role: 'agent', agentId: AgentId('alice') });
  await db.close();

  const env = server ? runEnv(server, dataDir, 'desk-bench') : { ...process.env, OUTPACE_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ARI_APP: 'outpace-desk-bench', OUTPACE_ENGINE_ID: 'desk-bench' };
  let stop!: () => void;
  const serving = await serve(env, new Promise<void>((resolve) => (stop = resolve)), campaignEngine([campaign.id], env));
  const agent = await AgentClient.open(`ws://127.0.0.1:${(serving.api.server.address() as AddressInfo).port}${AGENT_SOCKET_PATH}`, key);
  agent.send({ type: 'login', endpoint: 'PJSIP/agent1' });
  const attemptId = (await agent.next('screen-pop'))['attemptId'];

  // When the test server answered each request: Asterisk has done what it asks.
  const answered: { line: string; at: number }[] = [];
  if (server) {
    const push = server.requests.push.bind(server.requests);
    server.requests.push = (...lines: string[]) => {
      for (const line of lines) answered.push({ line, at: performance.now() });
      return push(...lines);
    };
  }

  const timings = new Map<string, { first: number[]; last: number[] }>(CONTROLS.map((c) => [c.kind, { first: [], last: [] }]));
  for (let round = 0; round < rounds; round++) {
    for (const c of CONTROLS) {
      const from = answered.length;
      const sentAt = performance.now();
      agent.send({ type: 'call.control', attemptId, control: { kind: c.kind } });
      const done = await agent.next('control', 'error');
      const doneAt = performance.now();
      if (done.type === 'error' || done['failed']) throw new Error(`${c.kind}: ${JSON.stringify(done)}`);
      if (!server) {
        timings.get(c.kind)!.first.push(doneAt - sentAt);
        timings.get(c.kind)!.last.push(doneAt - sentAt);
        continue;
      }
      const after = answered.slice(from);
      const first = after.find((r) => c.first.test(r.line));
      const last = after.filter((r) => c.last.test(r.line)).at(-1);
      if (!first || !last) throw new Error(`${c.kind}: its requests were not seen (${after.map((r) => r.line).join('; ')})`);
      timings.get(c.kind)!.first.push(first.at - sentAt);
      timings.get(c.kind)!.last.push(last.at - sentAt);
    }
  }
  agent.close();
  stop();
  await Promise.race([serving.stopped, new Promise((resolve) => setTimeout(resolve, 3000))]);

  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  const ms = (x: number) => x.toFixed(1);
  const all = [...timings.values()].flatMap((t) => t.last);
  const rows = [...timings].map(([kind, t]) => `| ${kind} | ${t.last.length} | ${ms(pct(t.first, 50))} / ${ms(pct(t.first, 99))} | ${ms(pct(t.last, 50))} / ${ms(pct(t.last, 99))} |`);
  const report = [
    '# Call controls: from the agent socket to Asterisk acting',
    '',
    `\`npm run bench:desk -- --rounds ${rounds}\` on ${new Date().toISOString().slice(0, 10)}: \`outpace run\` (its API, agent socket, engine and ARI adapter in one process) against ${server ? 'the ARI test server in the same process' : 'the real PBX of the lab (Asterisk 22.10.1, a lab softphone as the agent, a carrier person as the customer); times run to the adapter reporting the control done, once Asterisk answered its requests (first = done)'}; one agent on one call; each control sent on the agent socket after the previous one was reported done; load average ${loadavg().map((l) => l.toFixed(1)).join(', ')} on ${availableParallelism()} cores. Times in ms from the socket message to ${server ? 'the test server answering the request that carries the control out (first request / last request)' : 'the control reported done'}.`,
    '',
    '| control | samples | first request p50 / p99 | done p50 / p99 |',
    '|---|---|---|---|',
    ...rows,
    `| all | ${all.length} | | ${ms(pct(all, 50))} / ${ms(pct(all, 99))} |`,
    '',
  ].join('\n');
  await writeFile(new URL(`./results/desk-controls${server ? '' : '-pbx'}.md`, import.meta.url), report);
  console.log(report);
} finally {
  await lab?.close();
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
