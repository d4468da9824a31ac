/**
 * `outpace doctor`'s look at the prompts running campaigns need: for each
 * running broadcast, every language its leads may hear, and in each the
 * message's prompts and outpace's number words, in the sounds folder that is
 * installed on the PBX as sound:outpace/ (OUTPACE_SOUNDS_DIR, which
 * `outpace run` checks too before a broadcast's first dial). A language
 * without its files is named with what is missing, rather than found when a
 * lead hears English numbers, or nothing.
 */
import { fileURLToPath } from 'node:url';
import { listCampaigns } from '../campaigns/campaign-store.js';
import type { Queryable } from '../storage/db.js';
import type { DoctorCheck } from '../telephony/ari/doctor.js';
import { BroadcastMessageError, parseBroadcastMessage } from './message.js';
import { assertPromptsExist, languagesOf, MissingPromptError } from './prompt-files.js';

/** The repository's sounds/ folder, what `outpace run` checks by default. */
export const DEFAULT_SOUNDS_DIR = fileURLToPath(new URL('../../sounds/', import.meta.url));

export async function runningCampaignPrompts(db: Queryable, soundsDir: string): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  for (const campaign of await listCampaigns(db)) {
    if (campaign.state !== 'running' || campaign.type !== 'broadcast' || !campaign.broadcastMessage) continue;
    let message;
    try {
      message = parseBroadcastMessage(campaign.broadcastMessage);
    } catch (err) {
      if (!(err instanceof BroadcastMessageError)) throw err;
      checks.push({ check: `campaign ${campaign.name}`, ok: false, detail: err.message });
      continue;
    }
    for (const language of languagesOf(message)) {
      const check = `prompts of ${campaign.name} in ${language}`;
      try {
        await assertPromptsExist({ ...message, language, languageField: undefined }, soundsDir);
        checks.push({ check, ok: true, detail: `in ${soundsDir}` });
      } catch (err) {
        if (!(err instanceof MissingPromptError)) throw err;
        checks.push({ check, ok: false, detail: `missing ${err.missing.join(', ')}: run sounds/make-broadcast-prompts.sh and sounds/make-number-prompts.sh, or install them` });
      }
    }
  }
  return checks;
}
