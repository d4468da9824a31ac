/**
 * `outpace doctor`: runs the PBX checks and prints one line per check. Wire it
 * into the CLI as `case 'doctor': process.exitCode = await runDoctor(process.env, process.stdout)`.
 * Trunks to check come from OUTPACE_TRUNKS (comma-separated PJSIP endpoint names, default "carrier").
 * With DATABASE_URL, the prompts of every running campaign, in every language
 * its leads may hear, are checked in OUTPACE_SOUNDS_DIR too.
 */
import { pino } from 'pino';
import { loadAriConfig } from './config.js';
import { DEFAULT_SOUNDS_DIR, runningCampaignPrompts } from '../../ivr/prompt-doctor.js';
import { openDatabase } from '../../storage/open.js';
import { ariDoctor, type DoctorCheck } from './doctor.js';

export async function runDoctor(env: Record<string, string | undefined>, out: { write(s: string): unknown }): Promise<number> {
  let config;
  try {
    config = loadAriConfig(env);
  } catch (err) {
    out.write(`✗ configuration\n${(err as Error).message}\n`);
    return 1;
  }
  const trunks = (env['OUTPACE_TRUNKS'] ?? 'carrier').split(',').map((t) => t.trim()).filter(Boolean);
  const checks = await ariDoctor(config, trunks, pino({ level: env['LOG_LEVEL'] ?? 'silent' }));
  if (env['DATABASE_URL']) checks.push(...(await campaignPromptChecks(env['DATABASE_URL'], env['OUTPACE_SOUNDS_DIR'] ?? DEFAULT_SOUNDS_DIR)));
  for (const c of checks) out.write(`${c.ok ? '✓' : '✗'} ${c.check}: ${c.detail}\n`);
  const failed = checks.filter((c) => !c.ok).length;
  out.write(failed === 0 ? 'outpace can drive this Asterisk.\n' : `${failed} check(s) failed.\n`);
  return failed === 0 ? 0 : 1;
}

async function campaignPromptChecks(url: string, soundsDir: string): Promise<DoctorCheck[]> {
  let db;
  try {
    db = await openDatabase({ url });
    return await runningCampaignPrompts(db, soundsDir);
  } catch (err) {
    return [{ check: 'running campaigns', ok: false, detail: `could not be read from DATABASE_URL (${String(err)})` }];
  } finally {
    await db?.close();
  }
}
