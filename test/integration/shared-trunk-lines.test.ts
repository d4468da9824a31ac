/**
 * A trunk's limits held over every engine dialing on it (issue 19): the
 * count in Redis with each engine its own client; two engines' ARI adapters
 * on one ARI test server and one trunk of 3 lines; an engine lost with its
 * lines; Redis out of reach (through a proxy the test cuts: the machine's
 * Redis is shared); a call refused by one server's trunk in a race between
 * engines, placed on another server (a second ARI test server).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coordination } from '../../src/coordination/coordination.js';
import { redisCoordination } from '../../src/coordination/redis/redis-coordination.js';
import { TrunkId } from '../../src/domain/ids.js';
import { wallClockScheduler } from '../../src/engine/scheduler.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import type { OriginateRequest, TelephonyEvent } from '../../src/telephony/port.js';
import { PbxServers } from '../../src/telephony/servers/pbx-servers.js';
import { farEnd } from '../ari-server/call-script.js';
import type { TrunkSettings } from '../../src/pacing/settings.js';
import { dropPrefix, redisUrl, uniquePrefix } from '../support/redis.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { trunkLinesContract } from '../support/trunk-lines-contract.js';
import { Heard, type TelephonyLab, connectEngine, dialRequest, quietLogger, testServerLab } from './telephony-lab.js';

const redis = await redisUrl();
const LINES = 3;
const TRUNK: TrunkSettings = { id: 'carrier', maxLines: LINES, maxCallsPerSecond: 50 };
/** Short, so that a lost engine's lines come back within the test. */
const HOLD_MS = 900;

describe.skipIf(!redis)('trunk lines counted over every engine in Redis', () => {
  const prefix = uniquePrefix();
  const clients: Coordination[] = [];
  const client = (url = redis!) => {
    const c = redisCoordination(url, prefix, quietLogger);
    clients.push(c);
    return c;
  };
  let lab: TelephonyLab;
  const engines: AriTelephony[] = [];
  beforeAll(async () => {
    lab = await testServerLab();
  });
  afterAll(async () => {
    for (const e of engines) e.close();
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await lab?.close();
    await dropPrefix(redis!, prefix);
  });

  describe('the count', () => {
    trunkLinesContract(async () => ({ a: client().trunks, b: client().trunks, wait: (ms) => new Promise((r) => setTimeout(r, ms)) }));
  });

  async function engine(engineId: string, coordination: Coordination, on = { lab, server: 'pbx1', trunk: TRUNK, holdMs: HOLD_MS }): Promise<{ telephony: AriTelephony; heard: Heard }> {
    const connected = await connectEngine(on.lab, engineId, { trunks: [on.trunk], trunkLines: { lines: coordination.trunks, server: on.server, holdMs: on.holdMs } });
    engines.push(connected.telephony);
    return connected;
  }

  /** The carrier's calls up on the PBX now, whichever engine placed them. */
  const carrierCalls = () => lab.server!.pbx.list().filter((c) => c.endpoint?.endsWith('@carrier')).length;

  it('never lets two engines on one trunk of 3 lines hold more than 3 calls together, and gives a lost engine\'s lines back', async () => {
    const a = await engine('lines-a', client());
    const b = await engine('lines-b', client());
    let peak = 0;
    const watch = (e: TelephonyEvent) => {
      if (e.type === 'call.failed' || e.type === 'call.answered') peak = Math.max(peak, carrierCalls());
    };
    a.telephony.subscribe(watch);
    b.telephony.subscribe(watch);
    // Each engine dials 6 customers who let it ring for long, in turn.
    const ringing = () => dialRequest(lab.numberFor({ kind: 'no-answer', ringMs: 3_000_000 }), { ringTimeoutSec: 3600 });
    const requests = Array.from({ length: 12 }, ringing);
    requests.forEach((r, i) => (i % 2 === 0 ? a : b).telephony.originate(r));
    const refused = await Promise.all(requests.map((r, i) => (i % 2 === 0 ? a : b).heard.next('call.failed', r.attemptId).catch(() => undefined)));
    const placed = requests.filter((_, i) => refused[i] === undefined);
    expect(placed).toHaveLength(LINES);
    for (const failed of refused.filter((f) => f !== undefined)) expect(failed!.detail).toBe('trunk carrier on Asterisk server pbx1 already carries its limit of 3 calls over every engine');
    expect(carrierCalls()).toBe(LINES);
    expect(peak).toBeLessThanOrEqual(LINES);
    // Both engines' pacing sees the trunk full.
    const now = Date.now();
    expect(a.telephony.trunkCapacity('carrier', now)?.linesFree).toBe(0);
    expect(b.telephony.trunkCapacity('carrier', now)?.linesFree).toBe(0);

    // Engine a is lost (it stops renewing; its calls stay on the PBX until a takeover adopts them): within its hold, b gets its lines.
    a.telephony.close();
    const aHeld = placed.filter((r) => requests.indexOf(r) % 2 === 0).length;
    await expect.poll(() => b.telephony.trunkCapacity('carrier', Date.now())?.linesFree, { timeout: HOLD_MS * 4 }).toBe(aHeld);
    const bHeld = placed.filter((r) => requests.indexOf(r) % 2 === 1);
    const more = Array.from({ length: aHeld }, ringing);
    for (const r of more) b.telephony.originate(r);
    await expect.poll(() => carrierCalls()).toBe(LINES + aHeld);
    expect(b.telephony.trunkCapacity('carrier', Date.now())?.linesFree).toBe(0);
    for (const r of [...bHeld, ...more]) b.telephony.hangup(r.attemptId);
  });

  it('places no call on the trunk while Redis is out of reach, and dials again once it is back', async () => {
    const server = new URL(redis!);
    const proxy = await TcpProxy.start({ host: server.hostname, port: Number(server.port || 6379) });
    try {
      const c = await engine('lines-c', client(proxy.through(redis!)));
      await expect.poll(() => c.telephony.trunkCapacity('carrier', Date.now())?.linesFree).toBeGreaterThan(0);
      proxy.cutOff();
      await expect.poll(() => c.telephony.trunkCapacity('carrier', Date.now())?.linesFree, { timeout: 10_000 }).toBe(0);
      const during = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
      c.telephony.originate(during);
      expect((await c.heard.next('call.failed', during.attemptId)).detail).toMatch(/^the lines of trunk carrier on Asterisk server pbx1 cannot be counted \(.+\): no call is placed on it until they can$/);
      expect(lab.server!.pbx.list().some((ch) => ch.variables.get('OUTPACE_ATTEMPT') === during.attemptId)).toBe(false);
      proxy.restore();
      await expect.poll(() => c.telephony.trunkCapacity('carrier', Date.now())?.linesFree, { timeout: 10_000 }).toBeGreaterThan(0);
      const after = dialRequest(lab.numberFor({ kind: 'human', ringMs: 1000 }));
      c.telephony.originate(after);
      await c.heard.next('call.answered', after.attemptId);
      c.telephony.hangup(after.attemptId);
    } finally {
      proxy.restore();
      await proxy.close();
    }
  });

  it("places a call that one server's trunk refused in a race between engines on another server, and fails it only when none has a line", async () => {
    // Servers of their own names: the trunk of the tests above (pbx1's) keeps their lines a while.
    const west = await testServerLab();
    const labs = { east: lab, west };
    const lines = { east: 3, west: 2 };
    const trunkOn = (server: 'east' | 'west') => ({ ...TRUNK, maxLines: lines[server] });
    // Long holds: each engine hears the others' lines at its connect and at its own seizes only, so the race is the test's.
    const holdMs = 60_000;
    const coordination = client();
    const a = await PbxServers.connect({
      config: { downAfterMs: 3000, crossAfterMs: 'off', servers: (['east', 'west'] as const).map((name) => ({ name, ari: labs[name].config('race-a'), trunks: [trunkOn(name)] })) },
      connect: (server, link) =>
        AriTelephony.connect({
          config: server.ari,
          trunks: server.trunks,
          trunkLines: { lines: coordination.trunks, server: server.name, holdMs },
          logger: quietLogger,
          dropped: link.dropped,
          reconciled: link.reconciled,
        }),
      agentServer: async () => undefined,
      scheduler: wallClockScheduler,
      logger: quietLogger,
    });
    const heard = new Heard(5000);
    a.subscribe((e) => heard.push(e));
    /** A customer who lets it ring, on whichever server the call is placed. */
    const ringing = (): OriginateRequest => {
      const request = dialRequest(lab.numberFor({ kind: 'no-answer', ringMs: 3_000_000 }), { ringTimeoutSec: 3600 });
      west.server!.pbx.script(request.number, farEnd.noAnswer(3_000_000));
      return request;
    };
    const placedOn = (request: OriginateRequest) =>
      (['east', 'west'] as const).filter((name) => labs[name].server!.pbx.list().some((ch) => ch.variables.get('OUTPACE_ATTEMPT') === request.attemptId));
    try {
      // Engine b takes every line of east's trunk after engine a last heard it: a's pacing still sees 3 lines free there.
      const b1 = await engine('race-b', client(), { lab, server: 'east', trunk: trunkOn('east'), holdMs });
      const bCalls = Array.from({ length: lines.east }, ringing);
      for (const r of bCalls) b1.telephony.originate(r);
      await Promise.all(bCalls.map((r) => b1.heard.next('call.ringing', r.attemptId)));
      expect(a.trunkCapacity(TrunkId('carrier'), Date.now()).linesFree).toBe(lines.east + lines.west);

      // a dials where the most lines look free, east; refused there, the call is placed on west.
      const raced = ringing();
      a.originate(raced);
      await heard.next('call.ringing', raced.attemptId);
      expect(placedOn(raced)).toEqual(['west']);
      expect(heard.about(raced.attemptId).map((e) => e.type)).not.toContain('call.failed');
      expect(a.status().map((s) => [s.name, s.calls])).toEqual([['east', 0], ['west', 1]]);

      // b takes west's last line too: a's next call, refused on west, has no server with a line left and fails, placed nowhere.
      const b2 = await engine('race-b', client(), { lab: west, server: 'west', trunk: trunkOn('west'), holdMs });
      const last = ringing();
      b2.telephony.originate(last);
      await b2.heard.next('call.ringing', last.attemptId);
      const none = ringing();
      a.originate(none);
      expect(await heard.next('call.failed', none.attemptId)).toMatchObject({
        outcome: 'failed',
        detail: 'trunk carrier on Asterisk server west already carries its limit of 2 calls over every engine',
        trunkFull: true,
      });
      expect(placedOn(none)).toEqual([]);
      expect(a.status().map((s) => s.calls)).toEqual([0, 1]);
    } finally {
      a.close();
      await west.close();
    }
  });
});
