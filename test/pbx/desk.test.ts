/**
 * The agent desk's controls on the real PBX, heard: `outpace run` (in this
 * process) on the lab's Asterisk, a carrier person who stays on the line, two
 * agents on the lab's softphones (each sends its own tone). Agent 1 takes the
 * call, holds it, resumes, and blind-transfers it to agent 2, who hangs up.
 * What the customer heard, in the recording made on their channel from the
 * answer (`<attempt>-agent`), is agent 1's tone, music while on hold (the
 * lab's music-on-hold files: Debian's asterisk-moh-opsound-wav), then agent
 * 2's tone.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AGENT_SOCKET_PATH } from '../../src/api/agent-sockets.js';
import { createApiKey } from '../../src/api/keys.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { campaignEngine } from '../../src/cli/commands/run.js';
import { serve } from '../../src/cli/commands/serve.js';
import { AgentId } from '../../src/domain/ids.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { openPglite } from '../../src/storage/pglite.js';
import { AgentClient } from '../support/agent-client.js';
import { makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { carrierNumber } from './carrier-scheme.js';
import { soundOf, toneOfAgent } from './sound.js';
import { lab } from './support.js';

const ENGINE = `pbx-desk-${Date.now().toString(36)}`;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What sox hears in `seconds` of the recording from `from`. */
async function soundBetween(file: string, from: number, seconds: number, dir: string) {
  const part = join(dir, `part-${from}.wav`);
  await promisify(execFile)('sox', [file, part, 'trim', String(from), String(seconds)]);
  return soundOf(part);
}

describe('the agent desk on the real PBX', () => {
  it('the customer hears the first agent, music on hold, then the agent the call was transferred to', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'outpace-pbx-desk-'));
    try {
      const db = await openPglite(join(dir, 'pg'));
      await runMigrations(db);
      const campaign = await makeCampaign(db, { name: 'desk on the PBX', pacing: { mode: 'progressive' } });
      await insertLeads(db, await createList(db, campaign.id, 'desk'), [{ phone: carrierNumber({ kind: 'person', ringSec: 1, talkSec: 0 }, 7), timeZone: zoneAtNoon() }]);
      await changeCampaignState(db, campaign.id, 'start', 'test');
      const keys: string[] = [];
      for (const n of [1, 2]) {
        await upsertAgent(db, { id: AgentId(`agent${n}`), name: `agent ${n}`, redList: false });
        keys.push(await createApiKey(db, { name: `agent ${n}`, role: 'agent', agentId: AgentId(`agent${n}`) }));
      }
      await db.close();

      const env: NodeJS.ProcessEnv = { ...process.env, OUTPACE_DATA_DIR: join(dir, 'pg'), PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ARI_APP: ENGINE, OUTPACE_ENGINE_ID: ENGINE };
      // The campaign lives in the embedded database above, whatever DATABASE_URL the suite runs with.
      delete env['DATABASE_URL'];
      let stop!: () => void;
      const serving = await serve(env, new Promise<void>((resolve) => (stop = resolve)), campaignEngine([campaign.id], env));
      const url = `ws://127.0.0.1:${(serving.api.server.address() as AddressInfo).port}${AGENT_SOCKET_PATH}`;
      const [first, second] = await Promise.all(keys.map((key) => AgentClient.open(url, key)));
      let attemptId = '';
      try {
        first!.send({ type: 'login', endpoint: 'PJSIP/agent1' });
        attemptId = (await first!.next('screen-pop'))['attemptId'] as string;
        second!.send({ type: 'login', endpoint: 'PJSIP/agent2' });
        await second!.next('state');
        const control = async (agent: AgentClient, c: Record<string, unknown>) => {
          agent.send({ type: 'call.control', attemptId, control: c });
          expect(await agent.next('control', 'error')).toMatchObject({ type: 'control', control: c['kind'] });
        };
        await pause(4000);
        await control(first!, { kind: 'hold' });
        await pause(4000);
        await control(first!, { kind: 'resume' });
        await pause(2000);
        await control(first!, { kind: 'transfer', to: { agentId: 'agent2' } });
        await pause(4000);
        await control(second!, { kind: 'hangup' });
        await second!.next('wrap-up');
        second!.send({ type: 'disposition', attemptId, code: 'refused' });
        await first!.next('state');
      } finally {
        first?.close();
        second?.close();
        stop();
        await serving.stopped;
      }

      // The recording from the answer, on the customer's channel: what the customer heard, the whole call long
      // (about 14 s). MixMonitor writes what passes: without music on hold the 4 s on hold would be missing.
      const heard = join(lab.recordings, `${attemptId}-agent.wav`);
      await expect.poll(async () => (await soundOf(heard)).seconds, { timeout: 15_000 }).toBeGreaterThan(12.5);
      const { seconds } = await soundOf(heard);
      const onHold = await soundBetween(heard, 5, 2, dir);
      expect(onHold.rms).toBeGreaterThan(0.005);
      const before = await soundBetween(heard, 1, 1.5, dir);
      const after = await soundBetween(heard, seconds - 2.5, 1.5, dir);
      expect(Math.abs(before.frequency - toneOfAgent(1))).toBeLessThan(25);
      expect(Math.abs(after.frequency - toneOfAgent(2))).toBeLessThan(25);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
