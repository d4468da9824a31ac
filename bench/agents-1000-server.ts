/**
 * The ARI test server for the 1,000-agent benchmark, in its own process: the
 * agents' softphones registered, and every lead's number scripted as the
 * simulated population's person behind it (the same person the simulator
 * would meet: answer or not, ring time, talk time). Prints its address as a
 * message; answers "usage" with its events sent and its own CPU time, and
 * "link" ({ link: [[endpoint, url], ...] }) by linking to the other servers.
 *
 *   fork('agents-1000-server.ts', [JSON.stringify({ scenario, seed, numbers, agents, timeScale, start })])
 */
import { z } from 'zod';
import { type LeadProfile, Population } from '../src/simulator/population.js';
import { scenarioSchema } from '../src/simulator/scenario.js';
import { type CallScript, farEnd } from '../test/ari-server/call-script.js';
import { AriTestServer } from '../test/ari-server/server.js';

const setup = z
  .object({
    scenario: scenarioSchema,
    seed: z.number().int(),
    /** How many of the population's leads (the numbers Population.take() gives) to script. */
    numbers: z.number().int().positive(),
    agents: z.number().int().positive(),
    timeScale: z.number().positive(),
    start: z.number(),
    /** As a PBX whose ari.conf names no channelvars (default: the shipped ari.conf's). */
    noChannelvars: z.boolean().default(false),
  })
  .parse(JSON.parse(process.argv[2] ?? '{}'));

const ms = (sec: number) => Math.round(sec * 1000);

function scriptFor(p: LeadProfile): CallScript {
  switch (p.reached) {
    case 'live':
      return farEnd.human({ ringMs: ms(p.ringSec), talkMs: ms(p.talkSec) });
    case 'machine':
      return farEnd.machine({ ringMs: ms(p.ringSec), talkMs: ms(p.talkSec) });
    case 'busy':
      return farEnd.busy();
    case 'congestion':
      return farEnd.congestion();
    case 'invalid':
      return farEnd.unallocated();
    case 'no-answer':
      return farEnd.neverAnswers();
  }
}

const server = await AriTestServer.start({ timeScale: setup.timeScale, keepLog: false, ...(setup.noChannelvars ? { channelvars: [] } : {}) });
const population = new Population(setup.scenario, setup.seed, setup.start);
for (let i = 0; i < setup.numbers; i++) {
  const lead = population.take();
  server.pbx.script(lead.number, scriptFor(population.profile(lead, setup.start)));
}
for (let n = 1; n <= setup.agents; n++) server.pbx.registerAgentPhone(`agent${n}`);

// The benchmark died: nothing more to serve.
process.on('disconnect', () => process.exit(0));
process.on('message', (m) => {
  if (m === 'usage') process.send?.({ events: server.eventCount, cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
  if (m === 'close') void server.close().then(() => process.exit(0));
  if (typeof m === 'object' && m !== null && 'link' in m) {
    for (const [endpoint, url] of (m as { link: Array<[string, string]> }).link) server.pbx.linkTo(endpoint, url);
    process.send?.({ linked: true });
  }
});
process.send?.({ url: server.url, ...server.credentials });
