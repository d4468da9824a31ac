/**
 * What a takeover's look at a server costs (src/telephony/ari/left-behind.ts):
 * the lost engine's channels found with their owner variables, once with
 * ari.conf's `channelvars` naming them (the shipped ari.conf: one listing) and
 * once without (four requests a channel). One ARI test server holding
 * `--channels` agent legs of a lost engine, looked at `--looks` times each
 * way through the adapter's own request gate; the ratio is what counts.
 *
 *   node --import tsx bench/left-behind.ts [--channels 760] [--looks 5]
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { connectAri } from '../src/telephony/ari/ari-connection.js';
import { findLeftBehind } from '../src/telephony/ari/left-behind.js';
import { RestGate } from '../src/telephony/ari/rest-gate.js';
import { AriTestServer } from '../test/ari-server/server.js';
import { RawAri } from '../test/ari-server/raw-ari.js';
import { Quantiles, round } from './scaled-time.js';

const { values } = parseArgs({ options: { channels: { type: 'string' }, looks: { type: 'string' } } });
const channels = Number(values.channels ?? 760);
const looks = Number(values.looks ?? 5);
const logger = pino({ level: 'warn' });

async function look(channelvars: readonly string[] | undefined) {
  const server = await AriTestServer.start({ timeScale: 0.001, keepLog: true, ...(channelvars ? { channelvars } : {}) });
  const { username, password } = server.credentials;
  // The lost engine's application, still open so that its legs stay in Stasis.
  const lost = await RawAri.connect(server.url, username, password, 'lost');
  for (let n = 1; n <= channels; n++) {
    server.pbx.registerAgentPhone(`agent${n}`, 0);
    server.pbx.originate({ endpoint: `PJSIP/agent${n}`, app: 'lost', channelId: `lost-a-agent${n}`, variables: { OUTPACE_AGENT: `agent${n}`, OUTPACE_ENGINE: 'lost', OUTPACE_APP: 'lost' } });
  }
  const ari = await connectAri({ url: server.url, username, password, app: 'taker', logger, onEvent: () => undefined, onReconnected: () => undefined });
  const gate = new RestGate({ maxConcurrent: 50, timeoutMs: 60_000, callsPerSecond: () => 100 });
  const took = new Quantiles();
  let requests = 0;
  let legs = 0;
  for (let i = 0; i < looks; i++) {
    const before = server.requests.length;
    const startedAt = performance.now();
    const found = await findLeftBehind(gate, () => ari.rest);
    took.record(performance.now() - startedAt);
    requests = server.requests.length - before;
    legs = found.legs.length;
  }
  ari.close();
  lost.close();
  await server.close();
  return { legs, requests, p50Ms: round(took.p(0.5)), maxMs: round(took.max) };
}

const shipped = await look(undefined);
const none = await look([]);
console.log(`| ari.conf | legs found | requests a look | look p50 / max ms (${looks} looks) |`);
console.log('|---|---|---|---|');
console.log(`| channelvars as shipped | ${shipped.legs} | ${shipped.requests} | ${shipped.p50Ms} / ${shipped.maxMs} |`);
console.log(`| no channelvars | ${none.legs} | ${none.requests} | ${none.p50Ms} / ${none.maxMs} |`);
console.log(`without channelvars a look takes ${round(none.p50Ms / shipped.p50Ms)}× as long`);
