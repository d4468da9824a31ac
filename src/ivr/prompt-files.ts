/**
 * Checks that the prompt files a broadcast message needs exist in sounds/,
 * for every language its leads may hear. A missing prompt would otherwise
 * show only as Asterisk's PlaybackFinished with state "failed" on a live call.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { BROADCAST_LANGUAGES, type BroadcastLanguage, type BroadcastMessage } from './message.js';
import { promptsUsed } from './render.js';

export class MissingPromptError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(
      `the broadcast message names prompts that do not exist: ${missing.join(', ')}. ` +
        'Record them (or run sounds/make-prompts.sh) as 8 kHz mono WAV files, or change the message to use prompts that exist.',
    );
  }
}

/** The languages a campaign's leads may hear: the campaign's own, and any a lead field may choose. */
export function languagesOf(message: BroadcastMessage): readonly BroadcastLanguage[] {
  return message.languageField ? BROADCAST_LANGUAGES : [message.language];
}

/** The relative paths (sounds/<set>/<lang>/<name>.wav) missing from `available`. Pure, for the API and tests alike. */
export function missingPrompts(message: BroadcastMessage, available: ReadonlySet<string>): string[] {
  return languagesOf(message).flatMap((language) =>
    promptsUsed(message, language)
      .map((name) => `${message.promptSet}/${language}/${name}.wav`)
      .filter((file) => !available.has(file)),
  );
}

/** Throws MissingPromptError naming each missing file under `soundsDir`. */
export async function assertPromptsExist(message: BroadcastMessage, soundsDir: string): Promise<void> {
  const available = new Set<string>();
  for (const language of languagesOf(message)) {
    const dir = path.join(soundsDir, message.promptSet, language);
    const files = await readdir(dir).catch(() => [] as string[]);
    for (const file of files) available.add(`${message.promptSet}/${language}/${file}`);
  }
  const missing = missingPrompts(message, available);
  if (missing.length > 0) throw new MissingPromptError(missing.map((f) => path.join(soundsDir, f)));
}
