/**
 * The fault-injection suite (issue 15): a real `outpace run` process against
 * the ARI test server in its own process, with real PostgreSQL and Redis,
 * struck by a fault (fault-run.ts: SIGKILL and restart, the ARI socket cut,
 * PostgreSQL or Redis gone for a few seconds, the engine frozen past its
 * lease while another takes the campaign, ARI requests hanging, the ARI
 * server restarted) at a moment drawn from each seed. Whatever the moment,
 * nothing is left behind: no lead dialed twice, no attempt lost or left
 * open, no lead or agent stuck, no channel or bridge left on the PBX, no
 * call dropped between a customer and an agent.
 */
import { describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/databases.js';
import { redisUrl } from '../support/redis.js';
import { FAULT_KINDS, faultRun } from './fault-run.js';

const databaseUrl = await postgresUrl();
const redis = await redisUrl();
/** One seed per kind in npm test (each run takes 30-40 s on 2 cores); npm run bench:faults runs more. */
const SEEDS = [11];

const RUNS = FAULT_KINDS.flatMap((kind) => SEEDS.map((seed) => ({ kind, seed })));

describe.skipIf(!databaseUrl || !redis)('a fault at a random moment of a busy campaign', () => {
  it.each(RUNS)('$kind leaves nothing behind (seed $seed)', async ({ kind, seed }) => {
    const result = await faultRun({ kind, seed, databaseUrl: databaseUrl!, redisUrl: redis! });
    expect(result.attempts).toBeGreaterThan(0);
    expect(result.dialingAgainMs).toBeDefined();
    expect(result.counts).toEqual({
      leadsDialedTwice: 0,
      attemptsLost: 0,
      attemptsLeftOpen: 0,
      leadsStuck: 0,
      agentsStuck: 0,
      channelsLeft: 0,
      bridgesLeft: 0,
      callsDropped: 0,
      answeredIntoSilence: 0,
      agentsDoubleBooked: 0,
      wallboardCallsLeft: 0,
      dialedWithoutLease: 0,
      deposedStillRunning: 0,
    });
  }, 180_000);
});
