import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { CampaignRunElsewhereError } from '../../src/campaigns/dialing/campaign-lease.js';
import { type CampaignRun, StandBy, standByInterval } from '../../src/campaigns/dialing/standby.js';
import { CampaignId } from '../../src/domain/ids.js';
import { SimulatedTime } from '../../src/simulator/event-queue.js';

const CAMPAIGN = CampaignId('0b7d0c4e-0000-4000-8000-000000000001');
const quiet = pino({ level: 'silent' });

/** A run whose start is refused while another engine holds the lease, then fails or succeeds as told. */
function fakeRun(answers: Array<'elsewhere' | 'storage down' | 'ok'>): CampaignRun & { starts: number; drains: number } {
  const run = {
    starts: 0,
    drains: 0,
    async start() {
      const answer = answers[run.starts++] ?? 'ok';
      if (answer === 'elsewhere') throw new CampaignRunElsewhereError(CAMPAIGN, 'engine-a');
      if (answer === 'storage down') throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      // The lease's take says which engine owned the campaign and never gave it up.
      return { lostEngine: 'engine-a' };
    },
    async drain() {
      run.drains++;
    },
  };
  return run;
}

async function settle(time: SimulatedTime, until: number): Promise<void> {
  for (let t = time.now(); t <= until; t += 100) {
    time.runUntil(t);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('an engine standing by for a campaign another engine runs', () => {
  it('asks for the lease at most every second, and takes the campaign over once it is free', async () => {
    expect(standByInterval(15_000)).toBe(1000);
    expect(standByInterval(1500)).toBe(500);
    const time = new SimulatedTime(0);
    const run = fakeRun(['elsewhere', 'elsewhere', 'ok']);
    const tookOver: Array<[number, string | undefined]> = [];
    new StandBy({ run, campaignId: CAMPAIGN, scheduler: time, logger: quiet, intervalMs: 1000, tookOver: async (lost) => void tookOver.push([time.now(), lost]) }, 'engine-a');
    await settle(time, 10_000);
    expect(run.starts).toBe(3);
    // The engine it took over from, whose agents' legs are left to remove.
    expect(tookOver).toEqual([[3000, 'engine-a']]);
  });

  it('keeps a campaign it took over when what follows the takeover fails, and says so', async () => {
    const time = new SimulatedTime(0);
    const run = fakeRun(['ok']);
    const said: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void said.push((JSON.parse(line) as { msg: string }).msg) });
    const failing = async () => {
      throw new Error('ARI request "hangup" got no answer within 5000 ms');
    };
    new StandBy({ run, campaignId: CAMPAIGN, scheduler: time, logger, intervalMs: 1000, tookOver: failing }, 'engine-a');
    // Unhandled, the rejection would end the process (vitest fails the run on one).
    await settle(time, 3000);
    expect(run).toMatchObject({ starts: 1, drains: 0 });
    expect(said).toEqual([expect.stringMatching(/^campaign taken over, but what follows the takeover failed/)]);
  });

  it('lets go of what a failed start set up and asks again; stopped, asks no more', async () => {
    const time = new SimulatedTime(0);
    const run = fakeRun(['storage down', 'elsewhere', 'elsewhere', 'elsewhere']);
    const standBy = new StandBy({ run, campaignId: CAMPAIGN, scheduler: time, logger: quiet, intervalMs: 1000, tookOver: async () => undefined }, 'engine-a');
    await settle(time, 2500);
    expect(run).toMatchObject({ starts: 2, drains: 1 });
    await standBy.stop();
    await settle(time, 10_000);
    expect(run.starts).toBe(2);
  });
});
