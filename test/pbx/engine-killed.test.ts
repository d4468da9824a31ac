/**
 * The engine killed with SIGKILL mid-call on the real PBX, then started
 * again: what the customers and agents on Asterisk live through, and what
 * the restarted engine makes of the calls it finds (issue 15's rules:
 * customers talking to agents stay connected, a person who answers while no
 * engine listens hears the abandon message, every attempt is closed, no lead
 * is stuck, no agent gets a second customer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carrierNumber } from './carrier-scheme.js';
import { CampaignUnderTest, leftOnPbx } from './support.js';

const ENGINE = `pbx-killed-${Date.now().toString(36)}`;

/** Three people who talk a minute (they will be with agents at the kill), and two whose phones ring 20 s (they answer while no engine runs). */
const TALKERS = [0, 1, 2].map((i) => carrierNumber({ kind: 'person', ringSec: 2, talkSec: 60 }, i));
const LATE = [0, 1].map((i) => carrierNumber({ kind: 'person', ringSec: 20, talkSec: 30 }, 10 + i));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the engine killed with SIGKILL mid-call on the real PBX, then started again', () => {
  let scene: CampaignUnderTest;

  beforeAll(async () => {
    scene = await CampaignUnderTest.open({
      name: 'killed mid-call',
      pacing: { mode: 'power', powerLinesPerAgent: 2, wrapUpTimeoutSec: 30 },
      leads: [...TALKERS.map((phone) => ({ phone, priority: 2 })), ...LATE.map((phone) => ({ phone, priority: 1 }))],
      agents: [11, 12, 13],
    });
    const first = await scene.startEngine(ENGINE);
    await scene.logIn(first);
    // Kill once three customers talk to agents and the late ones ring, as Asterisk reports it.
    const giveUpAt = Date.now() + 90_000;
    for (;;) {
      const { seen, bridged } = scene.customersOf(ENGINE);
      if (Date.now() > giveUpAt || (bridged.size === 3 && seen.size === 5)) break;
      await sleep(100);
    }
    await first.stop('SIGKILL');
    scene.dropDesks();
    await sleep(25_000); // the late phones answer meanwhile
    const second = await scene.startEngine(ENGINE);
    await scene.logIn(second);
    // The talkers hang up after their minute; then every call is over.
    const doneBy = Date.now() + 120_000;
    while (Date.now() < doneBy && (await scene.attempts()).some((r) => !r.ended)) await sleep(1000);
    await sleep(3000);
    await second.stop('SIGTERM');
  }, 6 * 60_000);

  afterAll(async () => {
    await scene?.close([ENGINE]);
  });

  it('keeps the customers who were talking to agents connected until they hang up', async () => {
    const rows = await scene.attempts();
    for (const phone of TALKERS) {
      const talk = rows.find((r) => r.phone === phone);
      expect(talk, phone).toMatchObject({ connected: true, ended: true, outcome: 'live', abandoned: false });
      // The carrier's person hung up after a minute: the channel lived past the kill.
      const destroyed = scene.observer.about(`${ENGINE}-c-${talk!.id}`).find((e) => e.type === 'ChannelDestroyed');
      expect(destroyed?.cause, phone).toBe(16);
    }
  });

  it('plays the abandon message to a person who answered while no engine listened, and counts the abandon', async () => {
    const rows = await scene.attempts();
    for (const phone of LATE) {
      const late = rows.find((r) => r.phone === phone);
      expect(late, phone).toMatchObject({ ended: true, outcome: 'live', abandoned: true });
      const heard = scene.observer
        .about(`${ENGINE}-c-${late!.id}`)
        .some((e) => (e.type === 'ChannelDialplan' && String(e['dialplan_app_data']).includes('abandon')) || (e.type === 'PlaybackStarted' && e.playback!.media_uri.includes('abandon')));
      expect(heard, phone).toBe(true);
    }
  });

  it('never puts a second customer in an agent\'s bridge', () => {
    // Each agent's bridge, by the channels that entered and left it, never holds two customers at once.
    const inBridge = new Map<string, Set<string>>();
    let most = 0;
    for (const e of scene.observer.events) {
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
    expect((await scene.attempts()).filter((r) => !r.ended).map((r) => r.phone)).toEqual([]);
    const { rows } = await scene.db.query<{ phone: string; state: string }>(`SELECT phone, state FROM leads WHERE state IN ('claimed', 'dialing')`);
    expect(rows).toEqual([]);
    expect(await leftOnPbx(ENGINE)).toEqual({ channels: [], bridges: [] });
  });
});
