/**
 * A lead's value as a list of ARI playback media: numbers and digit strings
 * from outpace's own number prompts (spoken-numbers.ts), money and dates
 * from numbers and the prompt set's own words (currency units, month names),
 * in each language's word order.
 */
import type { MediaUri } from '../telephony/port.js';
import type { BroadcastLanguage, SpokenValueKind } from './message.js';
import { MAX_SPOKEN_NUMBER, speakDigits, speakNumber } from './spoken-numbers.js';

export class LeadValueError extends Error {}

/** Prompt names a language's money and dates need, beside numbers. */
const MONTHS = Array.from({ length: 12 }, (_, i) => `month-${i + 1}`);
const WORDS_FOR: Record<SpokenValueKind, Record<BroadcastLanguage, readonly string[]>> = {
  number: { en: [], zh: [] },
  digits: { en: [], zh: [] },
  money: { en: ['currency-major', 'currency-minor'], zh: ['currency-major', 'currency-minor'] },
  // Mandarin says the day as a number followed by 日 ("ri"); English says the month name, then the number.
  date: { en: MONTHS, zh: [...MONTHS, 'day-suffix'] },
};

export function promptsNeededToSay(kind: SpokenValueKind, language: BroadcastLanguage): readonly string[] {
  return WORDS_FOR[kind][language];
}

/** `prompt` turns a name of the prompt set into its sound: URI. */
export function speakValue(
  kind: SpokenValueKind,
  field: string,
  value: unknown,
  language: BroadcastLanguage,
  prompt: (name: string) => MediaUri,
): MediaUri[] {
  const text = value === undefined || value === null ? '' : String(value).trim();
  if (text === '') throw new LeadValueError(`the lead has no value in field "${field}", which the message speaks as ${kind}`);
  switch (kind) {
    case 'number':
      if (!/^-?\d+$/.test(text) || Math.abs(Number(text)) > MAX_SPOKEN_NUMBER) throw bad(field, text, kind, `a whole number such as 42, at most ${MAX_SPOKEN_NUMBER}`);
      return speakNumber(Number(text), language);
    case 'digits':
      if (!/^[0-9*#]+$/.test(text)) throw bad(field, text, kind, 'digits such as 0042 (0-9, * and #)');
      return speakDigits(text, language);
    case 'money':
      return speakMoney(field, text, language, prompt);
    case 'date':
      return speakDate(field, text, language, prompt);
  }
}

/** 128.50 → 128 <currency-major> 50 <currency-minor>; no minor part when it is zero. */
function speakMoney(field: string, text: string, language: BroadcastLanguage, prompt: (name: string) => MediaUri): MediaUri[] {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(text);
  if (!m || Number(m[1]) > MAX_SPOKEN_NUMBER) throw bad(field, text, 'money', `an amount such as 128.50, at most ${MAX_SPOKEN_NUMBER}`);
  const major = Number(m[1]);
  const minor = Number((m[2] ?? '0').padEnd(2, '0'));
  const media = [...speakNumber(major, language), prompt('currency-major')];
  if (minor > 0) media.push(...speakNumber(minor, language), prompt('currency-minor'));
  return media;
}

/** 2026-12-05 → <month-12> 5 (English) or <month-12> 5 <day-suffix> (Mandarin: 十二月五日). */
function speakDate(field: string, text: string, language: BroadcastLanguage, prompt: (name: string) => MediaUri): MediaUri[] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const month = Number(m?.[2]);
  const day = Number(m?.[3]);
  if (!m || month < 1 || month > 12 || day < 1 || day > 31) throw bad(field, text, 'date', 'a date as YYYY-MM-DD such as 2026-12-05');
  const media = [prompt(`month-${month}`), ...speakNumber(day, language)];
  if (language === 'zh') media.push(prompt('day-suffix'));
  return media;
}

function bad(field: string, text: string, kind: SpokenValueKind, expected: string): LeadValueError {
  return new LeadValueError(`the lead's field "${field}" holds "${text}", which cannot be spoken as ${kind}: expected ${expected}`);
}
