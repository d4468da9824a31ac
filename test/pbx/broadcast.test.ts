/**
 * A bill-reminder broadcast on the real PBX, beside its agent campaign, run
 * by `outpace run` as a user runs it. The carrier's people press their keys
 * themselves, while Asterisk speaks the amount: key 1 reaches an agent, key 9
 * opts out, a person who presses nothing hears the whole message.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { createList, insertLeads } from '../../src/campaigns/leads.js';
import { E164 } from '../../src/domain/ids.js';
import { listRecordings } from '../../src/recordings/catalogue.js';
import type { Db } from '../../src/storage/db.js';
import { AgentClient } from '../support/agent-client.js';
import { makeCampaign, zoneAtNoon } from '../support/fixtures.js';
import { carrierNumber } from './carrier-scheme.js';
import { AriObserver, at, EngineProcess, freshDatabase, lab, labAgent, leftOnPbx, clearPbx } from './support.js';

const ENGINE = `pbx-broadcast-${Date.now().toString(36)}`;

/** Who is called: a key pressed some seconds after the hello, which falls while the amount is spoken (intro 5.0 s, "your bill is" 1.2 s). */
const CALLED = {
  agent: carrierNumber({ kind: 'person', ringSec: 2, talkSec: 40, key: { digit: '1', afterHelloSec: 6 } }, 0),
  optOut: carrierNumber({ kind: 'person', ringSec: 2, talkSec: 30, key: { digit: '9', afterHelloSec: 5 } }, 0),
  listener: carrierNumber({ kind: 'person', ringSec: 2, talkSec: 0 }, 0),
};


interface Row {
  id: string;
  phone: string;
  outcome: string | null;
  ended_at: Date | null;
  result: { outcome: string; keys: string[]; partsHeard: number; partsTotal: number } | null;
}

describe('a bill-reminder broadcast on the real PBX', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Db;
  let observer: AriObserver;
  let engine: EngineProcess | undefined;
  let broadcast: Campaign;
  let rows: Row[] = [];
  let desk: AgentClient;

  beforeAll(async () => {
    database = await freshDatabase();
    db = database.db;
    observer = await AriObserver.open();
    const agents = await makeCampaign(db, { name: 'billing desk', pacing: { mode: 'progressive' } });
    broadcast = await makeCampaign(db, {
      name: 'bill reminders',
      type: 'broadcast',
      broadcastMessage: JSON.stringify({
        promptSet: 'bill-reminder',
        language: 'en',
        parts: [
          { prompt: 'intro' },
          { prompt: 'bill-amount' },
          { say: 'money', field: 'amount' },
          { prompt: 'due-on' },
          { say: 'date', field: 'due_date' },
          { prompt: 'menu' },
        ],
        menu: { agentCampaignId: agents.id, keyTimeoutSec: 3, maxPlays: 1, agentWaitSec: 2 },
      }),
    });
    const list = await createList(db, broadcast.id, 'reminders');
    await insertLeads(
      db,
      list,
      Object.values(CALLED).map((phone, i) => ({
        phone: E164(phone),
        timeZone: zoneAtNoon(),
        priority: 0,
        sourceRow: i + 1,
        customFields: { amount: '1234.56', due_date: '2026-12-24' },
      })),
    );
    const { key, endpoint } = await labAgent(db, 6, agents.id);
    for (const c of [agents, broadcast]) await changeCampaignState(db, c.id, 'start', 'test');

    engine = await EngineProcess.start({
      campaigns: [agents.id, broadcast.id],
      databaseUrl: database.url,
      engineId: ENGINE,
      env: { OUTPACE_RECORDING_STORE: join(lab.dir, 'engines', `${ENGINE}-recordings`) },
    });
    desk = await AgentClient.open(engine.agentSocketUrl, key);
    await desk.next('hello');
    desk.send({ type: 'login', endpoint });
    const wrapUp = desk.next('wrap-up').then((m) => desk.send({ type: 'disposition', attemptId: m['attemptId'], code: 'survey-completed' }));

    const settled = async () =>
      (
        await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM attempts WHERE campaign_id = $1 AND ended_at IS NOT NULL`, [broadcast.id])
      ).rows[0]!.n === 3;
    const giveUpAt = Date.now() + 4 * 60_000;
    while (!(await settled()) && Date.now() < giveUpAt) await new Promise((resolve) => setTimeout(resolve, 1000));
    await Promise.race([wrapUp, new Promise((resolve) => setTimeout(resolve, 60_000))]);
    await engine.stop('SIGTERM');
    desk.close();
    rows = (
      await db.query<Row>(`SELECT id, phone, outcome, ended_at, broadcast_result AS result FROM attempts WHERE campaign_id = $1`, [broadcast.id])
    ).rows;
  }, 8 * 60_000);

  afterAll(async () => {
    if (engine && engine.child.exitCode === null) await engine.stop('SIGKILL');
    observer?.close();
    await clearPbx(ENGINE);
    await database?.drop();
  });

  const row = (phone: string) => rows.find((r) => r.phone === phone);
  const channelOf = (r: Row | undefined) => `${ENGINE}-c-${r?.id}`;

  it('speaks the amount and the date to the person who listens, and the whole message is heard', () => {
    const listener = row(CALLED.listener);
    expect(listener?.result).toMatchObject({ outcome: 'heard', keys: [] });
    expect(listener!.result!.partsHeard).toBe(listener!.result!.partsTotal);
    const media = observer.about(channelOf(listener)).filter((e) => e.type === 'PlaybackStarted').map((e) => e.playback!.media_uri);
    expect(media.join(' ')).toMatch(/1234|1,234|thousand/);
  });

  it('puts the caller who presses 1 through to a free agent of the linked campaign', () => {
    const caller = row(CALLED.agent);
    expect(caller?.result).toMatchObject({ outcome: 'transferred', keys: ['1'] });
    const entered = observer.about(channelOf(caller)).filter((e) => e.type === 'ChannelEnteredBridge');
    expect(entered.length).toBeGreaterThan(0);
  });

  it('opts out the caller who presses 9: the number is on the do-not-call list', async () => {
    expect(row(CALLED.optOut)?.result).toMatchObject({ outcome: 'opted-out', keys: ['9'] });
    const { rows: listed } = await db.query("SELECT 1 FROM number_lists WHERE phone = $1 AND color = 'black'", [CALLED.optOut]);
    expect(listed.length).toBe(1);
  });

  it('acts on each key within 300 ms, even while Asterisk speaks a number', () => {
    const late: string[] = [];
    for (const phone of [CALLED.agent, CALLED.optOut]) {
      const events = observer.about(channelOf(row(phone)));
      const key = events.find((e) => e.type === 'ChannelDtmfReceived');
      // The key's effect: the message stops (its playback ends) and what the key asks for starts.
      const effect = key && events.find((e) => at(e) >= at(key) && (e.type === 'PlaybackStarted' || e.type === 'ChannelEnteredBridge'));
      if (!key || !effect) late.push(`${phone}: ${key ? 'no effect' : 'no key heard'}`);
      else if (at(effect) - at(key) > 300) late.push(`${phone}: ${effect.type} ${at(effect) - at(key)} ms after the key`);
    }
    expect(late).toEqual([]);
  });

  it('records every answered call from its answer, and catalogues each leg (QA: broadcast calls too)', async () => {
    const { rows: answered } = await db.query<{ id: string }>(`SELECT id FROM attempts WHERE campaign_id = $1 AND answered_at IS NOT NULL`, [broadcast.id]);
    expect(answered.length).toBeGreaterThan(0);
    const catalogued = await listRecordings(db, { campaignId: broadcast.id, limit: 100 });
    for (const { id } of answered) {
      const legs = catalogued.filter((r) => r.attemptId === id);
      expect(legs.map((r) => `${r.leg} ${r.status}`).sort(), `attempt ${id}`).toEqual(['agent available', 'customer available', 'mixed available']);
      expect(legs.every((r) => (r.sizeBytes ?? 0) > 44 && /^[0-9a-f]{64}$/.test(r.sha256 ?? '')), `attempt ${id}`).toBe(true);
    }
  });

  it('closes every attempt, and leaves nothing of the engine on the PBX', async () => {
    expect(rows.filter((r) => r.ended_at === null).map((r) => r.phone)).toEqual([]);
    expect(await leftOnPbx(ENGINE)).toEqual({ channels: [], bridges: [] });
  });
});

