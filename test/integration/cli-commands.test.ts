import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { apiKeyCommand } from '../../src/cli/commands/api-key.js';
import { importCommand } from '../../src/cli/commands/import.js';
import { importNumbersCommand } from '../../src/cli/commands/import-numbers.js';
import { migrateCommand } from '../../src/cli/commands/migrate.js';
import { whyCommand } from '../../src/cli/commands/why.js';
import { createCampaign } from '../../src/campaigns/campaign-store.js';
import { openPglite } from '../../src/storage/pglite.js';

/** The commands on the embedded database, as on a fresh machine with no DATABASE_URL. */
describe('the storage commands on the embedded database', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const printed: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'outpace-cli-'));
    env = { OUTPACE_DATA_DIR: join(dir, 'pg') };
    vi.spyOn(console, 'log').mockImplementation((line: string) => void printed.push(line));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to work on an unmigrated database, then migrates it', async () => {
    await expect(apiKeyCommand(['ann', 'admin'], env)).rejects.toThrow(/Run "outpace migrate"/);
    expect(await migrateCommand([], env)).toBe(0);
    expect(printed.pop()).toMatch(/^Applied to the embedded database: 0001_initial/);
    expect(await migrateCommand([], env)).toBe(0);
    expect(printed.pop()).toMatch(/up to date/);
  });

  it('imports a file and explains the hopper', async () => {
    const db = await openPglite(env.OUTPACE_DATA_DIR);
    const campaign = await createCampaign(db, { name: 'cli', type: 'agent', complianceProfile: 'us', callerId: '+12025550100' }, 'test');
    await db.close();
    const file = join(dir, 'leads.csv');
    await writeFile(file, 'phone,tz\n+12025550143,America/New_York\nwrong,America/New_York\n');
    expect(await importCommand([file, '--campaign', campaign.id, '--tz', 'tz'], env)).toBe(0);
    expect(printed.join('\n')).toMatch(/imported 1, unchanged 0, rejected 1[\s\S]*line 3: "wrong" is not a valid phone number/);
    expect(await whyCommand([campaign.id], env)).toBe(0);
    expect(printed.join('\n')).toMatch(/of 1 open leads can be dialed now/);
  });

  it('exits non-zero and says so when every row of a file is rejected; explains itself with --help', async () => {
    const db = await openPglite(env.OUTPACE_DATA_DIR);
    const [{ id }] = (await db.query<{ id: string }>(`SELECT id FROM campaigns WHERE name = 'cli'`)).rows as [{ id: string }];
    await db.close();
    const file = join(dir, 'bad.csv');
    await writeFile(file, 'phone,tz\nwrong,America/New_York\n12,America/New_York\n');
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    expect(await importCommand([file, '--campaign', id, '--tz', 'tz'], env)).toBe(1);
    expect(errors.join('\n')).toMatch(/every one of the 2 rows was rejected: nothing was imported/);
    printed.length = 0;
    expect(await importCommand(['--help'], env)).toBe(0);
    expect(printed.join('\n')).toMatch(/usage: outpace import FILE --campaign ID[\s\S]*--separator/);
  });

  it('says in "why" what the campaign\'s settings make of compliance', async () => {
    const db = await openPglite(env.OUTPACE_DATA_DIR);
    const campaign = await createCampaign(
      db,
      { name: 'uk detecting', type: 'agent', complianceProfile: 'uk', callerId: '+442071234567', pacing: { machineDetection: true, connectDeadlineFrom: 'answer' } },
      'test',
    );
    await db.close();
    printed.length = 0;
    expect(await whyCommand([campaign.id], env)).toBe(0);
    expect(printed.join('\n')).toMatch(/compliance infeasible: the connect deadline counts from the answer \(2 s\)/);
  });

  it('adds a do-not-call file and holds the lead back', async () => {
    const file = join(dir, 'dnc.csv');
    await writeFile(file, 'phone\n+12025550143\n12\n');
    // A rejected row makes the exit code 1, after the good rows are written.
    expect(await importNumbersCommand([file], env)).toBe(1);
    expect(printed.join('\n')).toMatch(/black list: read 2 rows, wrote 1 entries, rejected 1[\s\S]*line 3: "12" is not a valid phone number/);
    const db = await openPglite(env.OUTPACE_DATA_DIR);
    const [{ id }] = (await db.query<{ id: string }>(`SELECT id FROM campaigns WHERE name = 'cli'`)).rows as [{ id: string }];
    await db.close();
    printed.length = 0;
    expect(await whyCommand([id], env)).toBe(0);
    expect(printed.join('\n')).toMatch(/0 of 1 open leads can be dialed now/);
  });
});
