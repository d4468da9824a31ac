/**
 * The ARI test server in its own process for the benchmark, so that the
 * adapter's process spends its CPU on the adapter alone. Prints its address
 * as one JSON line; answers "count" messages with the events sent so far.
 */
import { farEnd } from '../test/ari-server/call-script.js';
import { AriTestServer } from '../test/ari-server/server.js';

export const BENCH_NUMBERS = { busy: '+15550000001', human: '+15550000002' } as const;

const server = await AriTestServer.start({ timeScale: 0.001, keepLog: false, promptMs: 1000 });
server.pbx.script(BENCH_NUMBERS.busy, farEnd.busy());
// Answers after 1 s and hangs up after 2 s of talk (1 ms and 2 ms at this scale).
server.pbx.script(BENCH_NUMBERS.human, farEnd.human({ ringMs: 1000, talkMs: 2000 }));
process.on('message', (m) => {
  if (m === 'count') process.send?.({ events: server.eventCount });
  if (m === 'close') void server.close().then(() => process.exit(0));
});
process.send?.({ url: server.url, ...server.credentials });
