/**
 * The demo's campaign, set up the way a contact center sets up its own: a
 * campaign created with the scenario's pacing, a generated lead file imported
 * through the real import (normalised, time zones, duplicates checked), the
 * agents' accounts, the campaign started, and two API keys for the person
 * watching: an agent's (the agent page, the agent socket) and a
 * supervisor's (stats, leads, attempts).
 */
import { Readable } from 'node:stream';
import { createApiKey } from '../api/keys.js';
import { upsertAgent } from '../campaigns/agents.js';
import type { Campaign } from '../campaigns/campaign.js';
import { changeCampaignState, createCampaign } from '../campaigns/campaign-store.js';
import { startImport } from '../campaigns/import/import-leads.js';
import { setLeadFieldDefinitions } from '../campaigns/lead-fields.js';
import { AgentId } from '../domain/ids.js';
import type { DialMode } from '../pacing/settings.js';
import { Random } from '../simulator/random.js';
import type { Scenario } from '../simulator/scenario.js';
import { SimulatedAgents } from '../simulator/simulated-agents.js';
import type { Db } from '../storage/db.js';

/** The agent account the person watching the demo can work as, beside the simulated agents. */
export const HUMAN_AGENT = AgentId('you');
/** The leads live in New York: the US calling window (08:00-21:00 local) applies to them. */
export const DEMO_TIME_ZONE = 'America/New_York';
const FIRST_NAMES = ['Ada', 'Ben', 'Carla', 'Dev', 'Elena', 'Femi', 'Grace', 'Hiro', 'Ines', 'Jon', 'Kofi', 'Lena', 'Mateo', 'Nora', 'Omar', 'Priya'];
const LAST_NAMES = ['Adams', 'Brooks', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jones', 'Khan', 'Lopez', 'Moore', 'Novak'];

export interface DemoCampaignOptions {
  readonly scenario: Scenario;
  readonly mode: DialMode;
  readonly leads: number;
  readonly seed: number;
}

export interface DemoCampaign {
  readonly campaign: Campaign;
  readonly leadsImported: number;
  readonly agentKey: string;
  readonly supervisorKey: string;
}

export async function prepareDemoCampaign(db: Db, o: DemoCampaignOptions): Promise<DemoCampaign> {
  const created = await createCampaign(
    db,
    {
      name: `demo ${o.scenario.name} ${o.mode}`,
      type: 'agent',
      complianceProfile: 'us',
      callerId: '+12125550100',
      pacing: { machineDetection: o.scenario.machineDetection.enabled, ...o.scenario.pacing, mode: o.mode },
    },
    'demo',
  );
  const started = await startImport(
    db,
    { campaignId: created.id, listName: 'demo leads', listSource: 'generated', fileName: 'demo-leads.csv', mapping: { phone: 'phone', timeZone: 'tz' }, actor: 'demo' },
    Readable.from(leadFile(o.leads, o.seed)),
  );
  const imported = await started.finished;
  if (imported.state !== 'done') throw new Error(`the demo's lead import failed: ${imported.error ?? imported.state}`);
  for (let i = 0; i < o.scenario.agents; i++) {
    const id = SimulatedAgents.agentId(i);
    await upsertAgent(db, { id, name: `Simulated agent ${i + 1}`, redList: false });
  }
  await upsertAgent(db, { id: HUMAN_AGENT, name: 'You', redList: false });
  const agentKey = await createApiKey(db, { name: 'demo agent (you)', role: 'agent', agentId: HUMAN_AGENT });
  const supervisorKey = await createApiKey(db, { name: 'demo supervisor', role: 'supervisor' });
  // The agent's screen shows the lead's columns under these labels, in this order.
  await setLeadFieldDefinitions(db, created.id, [
    { name: 'first_name', label: 'First name', editable: true },
    { name: 'last_name', label: 'Last name', editable: true },
  ]);
  const campaign = await changeCampaignState(db, created.id, 'start', 'demo');
  return { campaign, leadsImported: imported.rowsImported, agentKey, supervisorKey };
}

/**
 * A CSV lead file: New York numbers whose last seven digits are the lead's
 * index (the simulated population keys each person by them), a time zone
 * column and a name for the screen pop.
 */
function* leadFile(leads: number, seed: number): Generator<string> {
  const r = Random.stream(seed, 'demo-names', 0);
  yield 'phone,tz,first_name,last_name\n';
  for (let i = 0; i < leads; i++) {
    const first = FIRST_NAMES[Math.floor(r.next() * FIRST_NAMES.length)]!;
    const last = LAST_NAMES[Math.floor(r.next() * LAST_NAMES.length)]!;
    yield `+1212${2_000_000 + i},${DEMO_TIME_ZONE},${first},${last}\n`;
  }
}
