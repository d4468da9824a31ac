import { describe, expect, it } from 'vitest';
import { chooseServer, type ServerLoad } from '../../src/telephony/servers/server-choice.js';
import { loadServersConfig } from '../../src/telephony/servers/servers-config.js';

const server = (name: string, o: Partial<ServerLoad> = {}): ServerLoad => ({
  name,
  linesFree: 10,
  callsAllowedNow: 5,
  agentsUp: 10,
  agentsTalking: 0,
  callsWaiting: 0,
  callsRinging: 0,
  ...o,
});

describe('the server a customer is dialed on', () => {
  it('is the one with the most agents expected free when the call is answered', () => {
    // pbx1: 10 up, 6 talking, 10 ringing at a third answered: 0.67 free; pbx2: 5 up, 2 talking: 3 free.
    expect(chooseServer([server('pbx1', { agentsTalking: 6, callsRinging: 10 }), server('pbx2', { agentsUp: 5, agentsTalking: 2 })], 1 / 3)).toBe('pbx2');
    expect(chooseServer([server('pbx1', { callsWaiting: 2 }), server('pbx2', { callsRinging: 2 })], 0.5)).toBe('pbx2');
  });

  it('is never one without a line or a call start free now; none when no server has one', () => {
    expect(chooseServer([server('pbx1', { linesFree: 0 }), server('pbx2', { agentsUp: 1 })], 0.3)).toBe('pbx2');
    expect(chooseServer([server('pbx1', { callsAllowedNow: 0 }), server('pbx2', { linesFree: 0 })], 0.3)).toBeUndefined();
  });

  it('goes, between equals, to the one with more lines free', () => {
    expect(chooseServer([server('pbx1', { agentsUp: 0, linesFree: 3 }), server('pbx2', { agentsUp: 0, linesFree: 8 })], 0.3)).toBe('pbx2');
  });
});

describe('OUTPACE_SERVERS', () => {
  const one = { name: 'pbx1', ariUrl: 'http://pbx1:8088', username: 'outpace', password: 'secret', trunks: [{ id: 'carrier', maxLines: 30, maxCallsPerSecond: 5 }] };

  it('gives each server its ARI settings over the shared ones, and its trunks', () => {
    const config = loadServersConfig({ ARI_AGENT_CONNECTION: 'ring-per-call', OUTPACE_SERVERS: JSON.stringify([one, { ...one, name: 'pbx2', ariUrl: 'http://pbx2:8088', app: 'outpace-b' }]) })!;
    expect(config.downAfterMs).toBe(3000);
    expect(config.servers.map((s) => [s.name, s.ari.ARI_URL, s.ari.ARI_APP, s.ari.ARI_AGENT_CONNECTION])).toEqual([
      ['pbx1', 'http://pbx1:8088', 'outpace', 'ring-per-call'],
      ['pbx2', 'http://pbx2:8088', 'outpace-b', 'ring-per-call'],
    ]);
    expect(config.servers[0]!.trunks).toEqual(one.trunks);
  });

  it('is not needed with one server (ARI_URL)', () => {
    expect(loadServersConfig({ ARI_URL: 'http://pbx:8088' })).toBeUndefined();
  });

  it('says what is wrong: not JSON, a name twice, no trunk, a bad address', () => {
    expect(() => loadServersConfig({ OUTPACE_SERVERS: '[{name: pbx1}]' })).toThrow(/OUTPACE_SERVERS is not JSON/);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([one, one]) })).toThrow(/pbx1 is named twice/);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([{ ...one, trunks: [] }]) })).toThrow(/trunks: at least one/);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([{ ...one, ariUrl: 'pbx1' }]) })).toThrow(/ARI_URL must be the http\(s\) address/);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([one]), OUTPACE_SERVER_DOWN_AFTER_MS: '10' })).toThrow(/blip/);
  });

  it('takes each server\'s link and OUTPACE_CROSS_SERVER_AFTER_MS, 500 ms by default with links, and says what is wrong with them', () => {
    const linked = { ...one, link: 'PJSIP/{attempt}@outpace-link-{server}' };
    expect(loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([linked]) })!.crossAfterMs).toBe(500);
    expect(loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([one]) })!.crossAfterMs).toBe('off');
    expect(loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([linked]), OUTPACE_CROSS_SERVER_AFTER_MS: 'off' })!.crossAfterMs).toBe('off');
    const config = loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([linked, { ...one, name: 'pbx2' }]), OUTPACE_CROSS_SERVER_AFTER_MS: '500' })!;
    expect(config.crossAfterMs).toBe(500);
    expect(config.servers.map((s) => s.link)).toEqual(['PJSIP/{attempt}@outpace-link-{server}', undefined]);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([{ ...one, link: 'PJSIP/outpace-link' }]) })).toThrow(/servers\.0\.link: link: the dial string must carry \{attempt\}/);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([{ ...one, link: 'outpace-link' }]) })).toThrow(/servers\.0\.link: link: an endpoint such as/);
    expect(() => loadServersConfig({ OUTPACE_SERVERS: JSON.stringify([linked]), OUTPACE_CROSS_SERVER_AFTER_MS: '20000' })).toThrow(/above 10000 ms/);
  });
});
