/**
 * The ARI test server for the real-PBX benchmark's side-by-side run, in its
 * own process: the lab's agents registered, and each number scripted as the
 * lab carrier would answer it (test/pbx/carrier-scheme.ts), in real time.
 * Prints its address as a message; answers "usage" with its CPU time.
 *
 *   fork('pbx-test-server.ts', [JSON.stringify({ numbers, agents })])
 */
import { z } from 'zod';
import { type CallScript, farEnd } from '../test/ari-server/call-script.js';
import { AriTestServer } from '../test/ari-server/server.js';
import { farEndOf } from '../test/pbx/carrier-scheme.js';

const setup = z.object({ numbers: z.array(z.string()), agents: z.number().int().positive() }).parse(JSON.parse(process.argv[2] ?? '{}'));

function scriptFor(number: string): CallScript {
  const f = farEndOf(number);
  switch (f.kind) {
    case 'person':
      return farEnd.human({ ringMs: f.ringSec * 1000, talkMs: f.talkSec * 1000 });
    case 'no-answer':
      return farEnd.noAnswer(f.ringSec * 1000);
    case 'busy':
      return farEnd.busy();
    default:
      return farEnd.congestion();
  }
}

const server = await AriTestServer.start({ timeScale: 1, keepLog: false });
for (const number of setup.numbers) server.pbx.script(number, scriptFor(number));
for (let n = 1; n <= setup.agents; n++) server.pbx.registerAgentPhone(`agent${n}`);

process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m === 'usage') process.send?.({ cpu: process.cpuUsage() });
  if (m === 'close') void server.close().then(() => process.exit(0));
});
process.send?.({ url: server.url, ...server.credentials });
