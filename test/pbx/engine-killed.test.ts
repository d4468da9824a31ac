/**
 * The engine killed with SIGKILL mid-call on the real PBX, then started
 * again: what the customers and agents on Asterisk live through, and what
 * the restarted engine makes of the calls it finds (issue 15's rules:
 * customers talking to agents stay connected, a person who answers while no
 * engine listens hears the abandon message, every attempt is closed, no lead
 * is stuck, no agent gets a second customer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import type { Db } from '../../src/storage/db.js';
import { AgentClient } from '../support/agent-client.js';
import { addLeads, makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { carrierNumber } from './carrier-scheme.js';
import { AriObserver, EngineProcess, freshDatabase, labAgent, leftOnPbx, clearPbx } from './support.js';

const ENGINE = `pbx-killed-${Date.now().toString(36)}`;
const AGENTS = [11, 12, 13];

/** Three people who talk a minute (they will be with agents at the kill), and two whose phones ring 20 s (they answer while no engine runs). */
const TALKERS = [0, 1, 2].map((i) => carrierNumber({ kind: 'person', ringSec: 2, talkSec: 60 }, i));
const LATE = [0, 1].map((i) => carrierNumber({ kind: 'person', ringSec: 20, talkSec: 30 }, 10 + i));


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the engine killed with SIGKILL mid-call on the real PBX, then started again', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Db;
  let observer: AriObserver;
  let campaign: Campaign;
  let first: EngineProcess | undefined;
  let second: EngineProcess | undefined;
  const keys: string[] = [];
  const desks: AgentClient[] = [];

  const attempts = async () =>
    (
      await db.query<{ id: string; phone: string; connected: boolean; ended: boolean; outcome: string | null; abandoned: boolean; agent_id: string | null }>(
        `SELECT id, phone, connected_at IS NOT NULL AS connected, ended_at IS NOT NULL AS ended, outcome, abandoned, agent_id
           FROM attempts WHERE campaign_id = $1 ORDER BY originated_at`,
        [campaign.id],
      )
    ).rows;

  async function logIn(engine: EngineProcess): Promise<void> {
    for (const [i, n] of AGENTS.entries()) {
      const desk = await AgentClient.open(engine.agentSocketUrl, keys[i]!);
      await desk.next('hello');
      desk.send({ type: 'login', endpoint: `PJSIP/agent${n}` });
      void desk.next('wrap-up').then((m) => desk.send({ type: 'disposition', attemptId: m['attemptId'], code: 'survey-completed' }), () => undefined);
      desks.push(desk);
    }
  }

  beforeAll(async () => {
    database = await freshDatabase();
    db = database.db;
    observer = await AriObserver.open();
    campaign = await makeCampaign(db, { name: 'killed mid-call', pacing: { mode: 'power', powerLinesPerAgent: 2, wrapUpTimeoutSec: 30 } });
    await addLeads(db, campaign, [...TALKERS.map((phone) => ({ phone, priority: 2 })), ...LATE.map((phone) => ({ phone, priority: 1 }))].map((l) => ({ ...l, timeZone: zoneAtNoon() })));
    await changeCampaignState(db, campaign.id, 'start', 'test');
    for (const n of AGENTS) keys.push((await labAgent(db, n, campaign.id)).key);
    first = await EngineProcess.start({ campaigns: [campaign.id], databaseUrl: database.url, engineId: ENGINE });
    await logIn(first);
    // Kill once three customers talk to agents and the late ones ring, as Asterisk reports it.
    const customer = new RegExp(`^${ENGINE}-c-[0-9a-f-]{36}$`); // not the snoop channels recording them
    const customers = () => new Set(observer.events.flatMap((e) => (e.channel && customer.test(e.channel.id) ? [e.channel.id] : [])));
    const bridged = () => new Set(observer.events.flatMap((e) => (e.type === 'ChannelEnteredBridge' && e.channel && customer.test(e.channel.id) ? [e.channel.id] : [])));
    const giveUpAt = Date.now() + 90_000;
    while (Date.now() < giveUpAt && !(bridged().size === 3 && customers().size === 5)) await sleep(100);
    await first.stop('SIGKILL');
    for (const d of desks.splice(0)) d.close();
    await sleep(25_000); // the late phones answer meanwhile
    second = await EngineProcess.start({ campaigns: [campaign.id], databaseUrl: database.url, engineId: ENGINE });
    await logIn(second);
    // The talkers hang up after their minute; then every call is over.
    const doneBy = Date.now() + 120_000;
    while (Date.now() < doneBy && (await attempts()).some((r) => !r.ended)) await sleep(1000);
    await sleep(3000);
    await second.stop('SIGTERM');
    for (const d of desks) d.close();
  }, 6 * 60_000);

  afterAll(async () => {
    for (const e of [first, second]) if (e && e.child.exitCode === null && e.child.signalCode === null) await e.stop('SIGKILL');
    observer?.close();
    await clearPbx(ENGINE);
    await database?.drop();
  });

  it('keeps the customers who were talking to agents connected until they hang up', async () => {
    const rows = await attempts();
    for (const phone of TALKERS) {
      const talk = rows.find((r) => r.phone === phone);
      expect(talk, phone).toMatchObject({ connected: true, ended: true, outcome: 'live', abandoned: false });
      // The carrier's person hung up after a minute: the channel lived past the kill.
      const destroyed = observer.about(`${ENGINE}-c-${talk!.id}`).find((e) => e.type === 'ChannelDestroyed');
      expect(destroyed?.cause, phone).toBe(16);
    }
  });

  it('plays the abandon message to a person who answered while no engine listened, and counts the abandon', async () => {
    const rows = await attempts();
    for (const phone of LATE) {
      const late = rows.find((r) => r.phone === phone);
      expect(late, phone).toMatchObject({ ended: true, outcome: 'live', abandoned: true });
      const heard = observer
        .about(`${ENGINE}-c-${late!.id}`)
        .some((e) => (e.type === 'ChannelDialplan' && String(e['dialplan_app_data']).includes('abandon')) || (e.type === 'PlaybackStarted' && e.playback!.media_uri.includes('abandon')));
      expect(heard, phone).toBe(true);
    }
  });

  it('never puts a second customer in an agent\'s bridge', () => {
    // Each agent's bridge, by the channels that entered and left it, never holds two customers at once.
    const inBridge = new Map<string, Set<string>>();
    let most = 0;
    for (const e of observer.events) {
      const bridge = (e['bridge'] as { id: string } | undefined)?.id;
      if (!bridge || !e.channel || !e.channel.name.includes('carrier')) continue;
      const members = inBridge.get(bridge) ?? new Set<string>();
      if (e.type === 'ChannelEnteredBridge') members.add(e.channel.id);
      if (e.type === 'ChannelLeftBridge') members.delete(e.channel.id);
      inBridge.set(bridge, members);
      most = Math.max(most, members.size);
    }
    expect(most).toBe(1);
  });

  it('closes every attempt and releases every lead; nothing of either engine is left on the PBX', async () => {
    expect((await attempts()).filter((r) => !r.ended).map((r) => r.phone)).toEqual([]);
    const { rows } = await db.query<{ phone: string; state: string }>(`SELECT phone, state FROM leads WHERE state IN ('claimed', 'dialing')`);
    expect(rows).toEqual([]);
    expect(await leftOnPbx(ENGINE)).toEqual({ channels: [], bridges: [] });
  });
});
