/**
 * The fault-injection suite (issue 15): a real `outpace run` process against
 * the ARI test server in its own process, with real PostgreSQL and Redis,
 * struck by a fault at a moment drawn from each seed. Whatever the moment,
 * nothing is left behind: no lead dialed twice, no attempt lost or left
 * open, no lead or agent stuck, no channel or bridge left on the PBX, no
 * call dropped between a customer and an agent.
 */
import { describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/databases.js';
import { redisUrl } from '../support/redis.js';
import { faultRun } from './fault-run.js';

const databaseUrl = await postgresUrl();
const redis = await redisUrl();
const SEEDS = [11, 23];

describe.skipIf(!databaseUrl || !redis)('an engine killed with SIGKILL in a busy campaign, then started again', () => {
  it.each(SEEDS)('leaves nothing behind (seed %i)', async (seed) => {
    const result = await faultRun({ kind: 'sigkill-restart', seed, databaseUrl: databaseUrl!, redisUrl: redis! });
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
    });
  }, 90_000);
});
