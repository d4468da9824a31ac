/**
 * The message for one lead: the media list Asterisk plays, in order, and the
 * language of its playbacks. Also the whole list of prompt files a message
 * can need, so that a campaign naming a missing prompt is refused before it
 * dials rather than when a customer is listening.
 */
import type { MediaUri } from '../telephony/port.js';
import { type BroadcastLanguage, type BroadcastMessage, languageFor } from './message.js';
import { promptsNeededToSay, speakValue } from './spoken-values.js';

export interface RenderedMessage {
  readonly language: BroadcastLanguage;
  /** One entry per message part, each a list of media: "how far" is counted in parts. */
  readonly parts: readonly (readonly MediaUri[])[];
  /** The menu's closing prompts in the same language. */
  readonly busy: MediaUri;
  readonly optOut: MediaUri;
  readonly goodbye: MediaUri;
}

/** Where Asterisk finds a prompt: sounds/<set>/<language>/<name>.wav installed under sounds/outpace/. */
export function promptMedia(promptSet: string, language: BroadcastLanguage, name: string): MediaUri {
  return `sound:outpace/${promptSet}/${language}/${name}`;
}

/** Throws LeadValueError when a field the message speaks is missing or not speakable. */
export function renderMessage(message: BroadcastMessage, leadFields: Readonly<Record<string, unknown>>): RenderedMessage {
  const language = languageFor(message, leadFields);
  const prompt = (name: string) => promptMedia(message.promptSet, language, name);
  return {
    language,
    parts: message.parts.map((part) =>
      'prompt' in part ? [prompt(part.prompt)] : speakValue(part.say, part.field, leadFields[part.field], language, prompt),
    ),
    busy: prompt(message.menu.busyPrompt),
    optOut: prompt(message.menu.optOutPrompt),
    goodbye: prompt(message.menu.goodbyePrompt),
  };
}

/** Every prompt name the message can play in `language`, whatever the lead's values. */
export function promptsUsed(message: BroadcastMessage, language: BroadcastLanguage): string[] {
  const names = new Set<string>();
  for (const part of message.parts) {
    if ('prompt' in part) names.add(part.prompt);
    else for (const word of promptsNeededToSay(part.say, language)) names.add(word);
  }
  const { menu } = message;
  if (menu.agentCampaignId !== null) names.add(menu.busyPrompt);
  names.add(menu.optOutPrompt).add(menu.goodbyePrompt);
  return [...names];
}
