import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AgentId, AttemptId, CampaignId, E164, LeadId, TrunkId } from '../../src/domain/ids.js';
import { SimulatedTime } from '../../src/simulator/event-queue.js';
import { Listeners } from '../../src/simulator/listeners.js';
import type { IvrEvent } from '../../src/telephony/ivr-port.js';
import type { LeftCall, OriginateRequest, TelephonyEvent } from '../../src/telephony/port.js';
import type { ServerPort } from '../../src/telephony/servers/pbx-server.js';
import { PbxServers, type ServerLink } from '../../src/telephony/servers/pbx-servers.js';
import { loadServersConfig } from '../../src/telephony/servers/servers-config.js';
import { ScriptedPort } from '../support/scripted-port.js';

/** One server's adapter, played by the test: what it was asked, and its socket's news. */
class FakeServer extends ScriptedPort implements ServerPort {
  link!: ServerLink;
  readonly ivr = new Listeners<IvrEvent>();
  restRequestsPending = 0;
  private readonly ended = new Set<string>();
  constructor(private readonly maxLines: number) {
    super();
  }
  emit(e: TelephonyEvent) {
    if (e.type === 'call.ended' || e.type === 'call.failed') this.ended.add(e.attemptId);
    this.listeners.emit(e);
  }
  /** The adapter counts its trunk's lines: each call it was asked for until its end. */
  trunkCapacity() {
    return { linesFree: this.maxLines - this.originated.filter((o) => !this.ended.has(o.attemptId)).length, callsAllowedNow: 100 };
  }
  playOnCall() {}
  stopPlaying() {}
  subscribeIvr(l: (e: IvrEvent) => void) {
    return this.ivr.subscribe(l);
  }
  /** What the server finds of a lost engine's calls; its answer waits for `answering`, when set. */
  left = new Map<AttemptId, LeftCall>();
  answering: Promise<void> | undefined;
  async adoptCalls(calls: readonly OriginateRequest[]) {
    await this.answering;
    return new Map([...this.left].filter(([attemptId]) => calls.some((c) => c.attemptId === attemptId)));
  }
  async removeLeftLegs() {
    return 0;
  }
  readonly followed: string[] = [];
  followTrunk(trunk: string) {
    this.followed.push(trunk);
  }
  async shutdown() {}
  close() {}
  readonly crossings: string[] = [];
  crossTo(attemptId: string, agentId: string, endpoint: string) {
    this.crossings.push(`out ${attemptId} ${agentId} ${endpoint}`);
    return { recordAgentLegThere: true };
  }
  giveUpCrossing(attemptId: string, why: string) {
    this.crossings.push(`give up ${attemptId}: ${why}`);
  }
  expectCrossing(attemptId: string, agentId: string, record: boolean) {
    this.crossings.push(`in ${attemptId} ${agentId} record=${record}`);
    return undefined;
  }
  endCrossing(attemptId: string) {
    this.crossings.push(`end ${attemptId}`);
  }
}

const SERVERS = ['pbx1', 'pbx2'] as const;

const callRequest = (id: string): OriginateRequest => ({
  attemptId: AttemptId(id),
  campaignId: CampaignId('c'),
  leadId: LeadId(`l-${id}`),
  number: E164('+15550001000'),
  callerId: '+15550000000',
  trunk: TrunkId('carrier'),
  ringTimeoutSec: 20,
  machineDetection: false,
});
const AGENT_SERVER: Record<string, string> = { a1: 'pbx1', a2: 'pbx1', b1: 'pbx2' };

async function twoServers(crossAfterMs = 'off') {
  const time = new SimulatedTime(Date.UTC(2026, 0, 13, 10));
  const fakes = new Map<string, FakeServer>();
  const port = await PbxServers.connect({
    config: loadServersConfig({
      OUTPACE_SERVER_DOWN_AFTER_MS: '2000',
      OUTPACE_CROSS_SERVER_AFTER_MS: crossAfterMs,
      OUTPACE_SERVERS: JSON.stringify(
        SERVERS.map((name) => ({
          name,
          ariUrl: `http://${name}:8088`,
          username: 'u',
          password: 'p',
          link: 'PJSIP/{attempt}@link-{server}',
          trunks: [{ id: 'carrier', maxLines: 2, maxCallsPerSecond: 100 }],
        })),
      ),
    })!,
    connect: async (server, link) => {
      const fake = new FakeServer(server.trunks[0]!.maxLines);
      fake.link = link;
      fakes.set(server.name, fake);
      return fake;
    },
    agentServer: async (agentId) => AGENT_SERVER[agentId],
    scheduler: time,
    logger: pino({ level: 'silent' }),
  });
  const heard: TelephonyEvent[] = [];
  port.subscribe((e) => heard.push(e));
  const logIn = async (agentId: string) => {
    port.loginAgent(AgentId(agentId), `PJSIP/${agentId}`);
    await new Promise((r) => setImmediate(r));
    fakes.get(AGENT_SERVER[agentId]!)!.emit({ type: 'agent.leg-up', agentId: AgentId(agentId), at: time.now() });
  };
  let n = 0;
  const dial = (): AttemptId => {
    const request = callRequest(`c${++n}`);
    port.originate(request);
    return request.attemptId;
  };
  const serverOf = (attemptId: AttemptId) => [...fakes].find(([, f]) => f.originated.some((o) => o.attemptId === attemptId))?.[0];
  return { time, port, fakes, heard, logIn, dial, serverOf, pbx1: fakes.get('pbx1')!, pbx2: fakes.get('pbx2')! };
}

describe('the port over several Asterisk servers', () => {
  it('logs each agent in on their own server and dials where the most agents are expected free', async () => {
    const w = await twoServers();
    await w.logIn('a1');
    await w.logIn('a2');
    await w.logIn('b1');
    expect(w.pbx1.asked).toEqual(['login a1', 'login a2']);
    expect(w.pbx2.asked).toEqual(['login b1']);
    // pbx1 has two agents free, pbx2 one: the first call goes to pbx1; then each server expects about as many.
    const first = w.dial();
    expect(w.serverOf(first)).toBe('pbx1');
    expect(w.port.canMeet(first, AgentId('a1'), 0)).toBe(true);
    expect(w.port.canMeet(first, AgentId('b1'), 5000)).toBe(false);
  });

  it('lets a call cross to an agent on another server once it waited the setting, and gives the crossing up at the deadline', async () => {
    const w = await twoServers('500');
    await w.logIn('a1');
    await w.logIn('b1');
    const call = w.dial();
    expect(w.serverOf(call)).toBe('pbx1');
    expect(w.port.canMeet(call, AgentId('b1'), 499)).toBe(false);
    expect(w.port.canMeet(call, AgentId('b1'), 500)).toBe(true);
    w.port.connectToAgent(call, AgentId('b1'), w.time.now() + 1500);
    expect(w.pbx1.crossings).toEqual([`out ${call} b1 PJSIP/${call}@link-pbx2`]);
    expect(w.pbx2.crossings).toEqual([`in ${call} b1 record=true`]);
    w.time.runUntil(w.time.now() + 1500);
    expect(w.pbx1.crossings.at(-1)).toMatch(/^give up .*pbx2 did not answer the crossing from pbx1 by the connect deadline/);
    // The customer's server says the crossing ended unanswered: the agent's half goes, and this call crosses no more.
    w.pbx1.emit({ type: 'call.not-connected', attemptId: call, agentId: AgentId('b1'), at: w.time.now(), why: 'given up' });
    expect(w.pbx2.crossings.at(-1)).toBe(`end ${call}`);
    expect(w.heard.at(-1)).toMatchObject({ type: 'call.not-connected', attemptId: call });
    expect(w.port.canMeet(call, AgentId('b1'), 5000)).toBe(false);
    // Nor does another call between those two servers for a while: the link may be down.
    const next = w.dial();
    expect(w.port.canMeet(next, AgentId('b1'), 5000)).toBe(w.serverOf(next) === 'pbx2');
  });

  it("ends the agent's half of a crossing when the customer's server goes down with the call", async () => {
    const w = await twoServers('0');
    await w.logIn('a1');
    await w.logIn('b1');
    const call = w.dial();
    expect(w.serverOf(call)).toBe('pbx1');
    w.pbx1.emit({ type: 'call.answered', attemptId: call, at: w.time.now(), answeredAt: w.time.now(), party: 'human' });
    w.port.connectToAgent(call, AgentId('b1'), w.time.now() + 2000);
    w.pbx1.emit({ type: 'call.connected', attemptId: call, agentId: AgentId('b1'), at: w.time.now() });
    // A connected crossing is not given up at the deadline.
    w.time.runUntil(w.time.now() + 1000);
    expect(w.pbx1.crossings.filter((c) => c.startsWith('give up'))).toEqual([]);
    w.pbx1.link.dropped();
    w.time.runUntil(w.time.now() + 2000);
    expect(w.heard.filter((e) => e.type === 'call.ended')).toMatchObject([{ attemptId: call, endedBy: 'system' }]);
    expect(w.pbx2.crossings.at(-1)).toBe(`end ${call}`);
  });

  it('keeps every call on its own server with the setting off, and refuses a setting without links', async () => {
    const w = await twoServers('off');
    await w.logIn('b1');
    const call = w.dial();
    expect(w.serverOf(call)).toBe('pbx2');
    await w.logIn('a1');
    const other = w.dial();
    expect(w.port.canMeet(w.serverOf(other) === 'pbx1' ? other : call, AgentId(w.serverOf(other) === 'pbx1' ? 'b1' : 'a1'), 10_000)).toBe(false);
    const servers = JSON.stringify([{ name: 'pbx1', ariUrl: 'http://pbx1:8088', username: 'u', password: 'p', trunks: [{ id: 'carrier', maxLines: 2, maxCallsPerSecond: 1 }] }]);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: servers, OUTPACE_CROSS_SERVER_AFTER_MS: '0' })).toThrow(/no server in OUTPACE_SERVERS has a link/);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: servers, OUTPACE_CROSS_SERVER_AFTER_MS: 'soon' })).toThrow(/OUTPACE_CROSS_SERVER_AFTER_MS/);
  });

  it("reads the agent's server at each login: an agent moved to another server works there from their next login", async () => {
    const w = await twoServers();
    await w.logIn('a2');
    expect(w.pbx1.asked).toEqual(['login a2']);
    w.port.logoutAgent(AgentId('a2'));
    AGENT_SERVER['a2'] = 'pbx2';
    try {
      await w.logIn('a2');
      expect(w.pbx2.asked).toEqual(['login a2']);
      expect(w.pbx1.asked).toEqual(['login a2', 'logout a2']);
    } finally {
      AGENT_SERVER['a2'] = 'pbx1';
    }
  });

  it('paces within the lines of the servers that are up, and places no call on a server whose socket dropped', async () => {
    const w = await twoServers();
    expect(w.port.trunkCapacity(TrunkId('carrier'), w.time.now()).linesFree).toBe(4);
    w.pbx1.link.dropped();
    expect(w.port.trunkCapacity(TrunkId('carrier'), w.time.now()).linesFree).toBe(2);
    expect(w.serverOf(w.dial())).toBe('pbx2');
    expect(w.serverOf(w.dial())).toBe('pbx2');
    // No line left anywhere: refused at once, with why.
    const refused = w.dial();
    expect(w.heard.at(-1)).toMatchObject({ type: 'call.failed', attemptId: refused, outcome: 'failed' });
  });

  it("places a call whose line one server's trunk refused (full over every engine) on the other, and fails it only when none has one", async () => {
    const w = await twoServers();
    const refuse = (server: FakeServer, attemptId: AttemptId) =>
      server.emit({ type: 'call.failed', attemptId, at: w.time.now(), outcome: 'failed', cause: { code: 0, text: 'full' }, detail: 'full', trunkFull: true });
    const call = w.dial();
    const firstName = w.serverOf(call)!;
    const otherName = firstName === 'pbx1' ? 'pbx2' : 'pbx1';
    const [first, other] = [w.fakes.get(firstName)!, w.fakes.get(otherName)!];
    refuse(first, call);
    expect(other.originated.map((o) => o.attemptId)).toEqual([call]);
    expect(w.heard).toEqual([]);
    expect(Object.fromEntries(w.port.status().map((s) => [s.name, s.calls]))).toEqual({ [firstName]: 0, [otherName]: 1 });
    // Refused there too: no server left to try.
    refuse(other, call);
    expect(w.heard).toMatchObject([{ type: 'call.failed', attemptId: call, trunkFull: true }]);
    expect(first.originated).toHaveLength(1);
    expect(w.port.status().map((s) => s.calls)).toEqual([0, 0]);
    // A refusal that is not a full trunk (its lines cannot be counted, as on every server) is not tried elsewhere.
    const uncounted = w.dial();
    const on = w.fakes.get(w.serverOf(uncounted)!)!;
    on.emit({ type: 'call.failed', attemptId: uncounted, at: w.time.now(), outcome: 'failed', cause: { code: 0, text: 'uncounted' }, detail: 'uncounted' });
    expect(w.heard.at(-1)).toMatchObject({ type: 'call.failed', attemptId: uncounted });
    expect([...w.fakes.values()].flatMap((f) => f.originated).filter((o) => o.attemptId === uncounted)).toHaveLength(1);
  });

  it('takes the agents of a server gone past the delay out of ready, closes its calls, and brings them back with it', async () => {
    const w = await twoServers();
    await w.logIn('a1');
    const call = w.dial();
    expect(w.serverOf(call)).toBe('pbx1');
    w.pbx1.emit({ type: 'call.answered', attemptId: call, at: w.time.now(), answeredAt: w.time.now(), party: 'human' });
    w.pbx1.link.dropped();
    w.time.runUntil(w.time.now() + 1999);
    expect(w.heard.some((e) => e.type === 'agent.leg-down')).toBe(false);
    w.time.runUntil(w.time.now() + 1);
    expect(w.heard.filter((e) => e.type === 'agent.leg-down' || e.type === 'call.ended')).toMatchObject([
      { type: 'agent.leg-down', agentId: 'a1', returning: true },
      { type: 'call.ended', attemptId: call, endedBy: 'system' },
    ]);
    expect(w.port.status()[0]).toMatchObject({ name: 'pbx1', up: false, calls: 0 });
    // Back: the adapter found the leg gone (Asterisk restarted): not news, the leg is asked for again.
    w.pbx1.emit({ type: 'agent.leg-down', agentId: AgentId('a1'), at: w.time.now(), cause: { code: 0, text: 'gone' } });
    w.pbx1.emit({ type: 'call.ended', attemptId: call, at: w.time.now(), endedBy: 'customer', cause: { code: 16, text: 'gone' } });
    w.pbx1.link.reconciled();
    // The call's end was heard as the socket came back: nothing to hang up.
    expect(w.pbx1.asked).toEqual(['login a1', 'login a1']);
    w.pbx1.emit({ type: 'agent.leg-up', agentId: AgentId('a1'), at: w.time.now() });
    expect(w.heard.filter((e) => e.type.startsWith('agent.')).map((e) => e.type)).toEqual(['agent.leg-up', 'agent.leg-down', 'agent.leg-up']);
    expect(w.heard.filter((e) => e.type === 'call.ended')).toHaveLength(1);
  });

  it('keeps an agent whose leg an Asterisk shutting down hung up before its socket closed: routed there again once back', async () => {
    const w = await twoServers();
    await w.logIn('b1');
    // Asterisk stopping hangs its channels up first: the adapter says the leg is lost and rings it again by itself.
    w.pbx2.emit({ type: 'agent.leg-down', agentId: AgentId('b1'), at: w.time.now(), cause: { code: 16, text: 'Normal Clearing' }, returning: true });
    w.pbx2.link.dropped();
    w.time.runUntil(w.time.now() + 2000);
    // Still pbx2's agent when it went down: asked for again when it is back, and calls there can meet them.
    w.pbx2.link.reconciled();
    expect(w.pbx2.asked).toEqual(['login b1', 'login b1']);
    w.pbx2.emit({ type: 'agent.leg-up', agentId: AgentId('b1'), at: w.time.now() });
    const call = w.dial();
    expect(w.serverOf(call)).toBe('pbx2');
    expect(w.port.canMeet(call, AgentId('b1'), 0)).toBe(true);
  });

  it('hangs up, once back, a call it closed while the server was away that is still up there', async () => {
    const w = await twoServers();
    const call = w.dial();
    const server = w.fakes.get(w.serverOf(call)!)!;
    server.link.dropped();
    w.time.runUntil(w.time.now() + 2000);
    expect(w.heard.at(-1)).toMatchObject({ type: 'call.failed', attemptId: call });
    server.link.reconciled();
    expect(server.asked).toEqual([`hangup ${call}`]);
    // Its end, when it comes, is not news.
    server.emit({ type: 'call.ended', attemptId: call, at: w.time.now(), endedBy: 'system', cause: { code: 16, text: 'Normal Clearing' } });
    expect(w.heard.filter((e) => 'attemptId' in e && e.attemptId === call)).toHaveLength(1);
  });

  it('says the trunk is down only when every server carrying it finds it down, and up when one has it back', async () => {
    const w = await twoServers();
    w.port.followTrunk('carrier');
    expect([w.pbx1.followed, w.pbx2.followed]).toEqual([['carrier'], ['carrier']]);
    const trunkNews = () => w.heard.filter((e) => e.type === 'trunk.down' || e.type === 'trunk.up').map((e) => e.type);
    const down = { type: 'trunk.down', trunk: TrunkId('carrier'), at: w.time.now(), why: 'unreachable' } as const;
    const up = { type: 'trunk.up', trunk: TrunkId('carrier'), at: w.time.now() } as const;
    w.pbx1.emit(down);
    expect(trunkNews()).toEqual([]);
    w.pbx2.emit(down);
    expect(trunkNews()).toEqual(['trunk.down']);
    w.pbx1.emit(up);
    w.pbx2.emit(up);
    expect(trunkNews()).toEqual(['trunk.down', 'trunk.up']);
  });

  it("passes on what an adopted call did while the next server was still asked only after the caller took the calls over, and forgets it once ended", async () => {
    const w = await twoServers();
    const lost = [callRequest('lost1'), callRequest('lost2')];
    w.pbx1.left.set(lost[0]!.attemptId, { phase: 'ringing' });
    w.pbx2.left.set(lost[1]!.attemptId, { phase: 'connected', agentId: AgentId('b1') });
    let pbx2Answers!: () => void;
    w.pbx2.answering = new Promise((resolve) => (pbx2Answers = resolve));
    let tookOver: TelephonyEvent[] | undefined;
    const adopting = w.port.adoptCalls(lost).then((left) => {
      // As the campaign does (lost-engine-calls.ts): it knows the calls from here on, with no wait.
      tookOver = [...w.heard];
      return left;
    });
    await new Promise((r) => setImmediate(r));
    // pbx1 answered; while pbx2 is still asked, pbx1's customer picks up and hangs up.
    w.pbx1.emit({ type: 'call.answered', attemptId: lost[0]!.attemptId, at: w.time.now(), answeredAt: w.time.now(), party: 'human' });
    w.pbx1.emit({ type: 'call.ended', attemptId: lost[0]!.attemptId, at: w.time.now(), endedBy: 'customer', cause: { code: 16, text: 'Normal Clearing' } });
    pbx2Answers();
    expect([...(await adopting)]).toEqual([
      [lost[0]!.attemptId, { phase: 'ringing' }],
      [lost[1]!.attemptId, { phase: 'connected', agentId: 'b1' }],
    ]);
    expect(tookOver).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(w.heard.map((e) => e.type)).toEqual(['call.answered', 'call.ended']);
    expect(w.port.status().map((s) => [s.name, s.calls])).toEqual([['pbx1', 0], ['pbx2', 1]]);
    // Heard as usual from then on.
    w.pbx2.emit({ type: 'call.ended', attemptId: lost[1]!.attemptId, at: w.time.now(), endedBy: 'customer', cause: { code: 16, text: 'Normal Clearing' } });
    expect(w.heard.map((e) => e.type)).toEqual(['call.answered', 'call.ended', 'call.ended']);
    expect(w.port.status().map((s) => s.calls)).toEqual([0, 0]);
  });

  it('refuses an agent placed on no server, saying so', async () => {
    const w = await twoServers();
    w.port.loginAgent(AgentId('nobody'), 'PJSIP/nobody');
    await new Promise((r) => setImmediate(r));
    expect(w.heard.at(-1)).toMatchObject({ type: 'agent.leg-down', agentId: 'nobody' });
    expect((w.heard.at(-1) as { cause: { text: string } }).cause.text).toMatch(/placed on no Asterisk server of pbx1, pbx2/);
  });
});
