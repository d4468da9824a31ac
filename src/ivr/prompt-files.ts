/**
 * Checks that the prompt files a broadcast message needs exist in sounds/,
 * for every language its leads may hear. A missing prompt would otherwise
 * show only as Asterisk's PlaybackFinished with state "failed" on a live call.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { BROADCAST_LANGUAGES, type BroadcastLanguage, type BroadcastMessage } from './message.js';
import { promptsUsed } from './render.js';
import { NUMBER_WORDS } from './spoken-numbers.js';

export class MissingPromptError extends Error {
  constructor(readonly missing: readonly string[]) {
    super(
      `the broadcast message names prompts that do not exist: ${missing.join(', ')}. ` +
        'Record them (or run sounds/make-broadcast-prompts.sh and sounds/make-number-prompts.sh) as 8 kHz mono WAV files, or change the message to use prompts that exist.',
    );
  }
}

/** The languages a campaign's leads may hear: the campaign's own, and any a lead field may choose. */
export function languagesOf(message: BroadcastMessage): readonly BroadcastLanguage[] {
  return message.languageField ? BROADCAST_LANGUAGES : [message.language];
}

/** Where outpace's own number prompts live under sounds/: numbers/<language>/<word>.wav. */
const NUMBERS_SET = 'numbers';

/**
 * Every prompt file the message can play, as paths under sounds/ without the
 * extension: the set's prompts (<set>/<lang>/<name>) and, when it speaks a
 * lead's value, outpace's number words (numbers/<lang>/<word>), for every
 * language its leads may hear. Also the sound ids Asterisk knows them by
 * under outpace/ (doctor).
 */
export function promptsNeeded(message: BroadcastMessage): { language: BroadcastLanguage; file: string }[] {
  const speaksValues = message.parts.some((part) => 'say' in part);
  return languagesOf(message).flatMap((language) => [
    ...promptsUsed(message, language).map((name) => ({ language, file: `${message.promptSet}/${language}/${name}` })),
    ...(speaksValues ? NUMBER_WORDS[language].map((word) => ({ language, file: `${NUMBERS_SET}/${language}/${word}` })) : []),
  ]);
}

/** The relative paths (sounds/<set>/<lang>/<name>.wav) missing from `available`. Pure, for the API and tests alike. */
export function missingPrompts(message: BroadcastMessage, available: ReadonlySet<string>): string[] {
  return promptsNeeded(message)
    .map(({ file }) => `${file}.wav`)
    .filter((file) => !available.has(file));
}

/** Throws MissingPromptError naming each missing file under `soundsDir`. */
export async function assertPromptsExist(message: BroadcastMessage, soundsDir: string): Promise<void> {
  const available = new Set<string>();
  const dirs = new Set(promptsNeeded(message).map(({ file }) => path.dirname(file)));
  for (const dir of dirs) {
    const files = await readdir(path.join(soundsDir, dir)).catch(() => [] as string[]);
    for (const file of files) available.add(`${dir}/${file}`);
  }
  const missing = missingPrompts(message, available);
  if (missing.length > 0) throw new MissingPromptError(missing.map((f) => path.join(soundsDir, f)));
}
