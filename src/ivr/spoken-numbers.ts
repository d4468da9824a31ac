/**
 * Numbers and digit strings spoken from outpace's own prompt files
 * (sounds/numbers/<language>/<word>.wav, made by sounds/make-number-prompts.sh)
 * rather than by Asterisk's `number:` and `digits:` media, for two reasons
 * a real PBX showed:
 * - a playback that starts with `number:` or `digits:` cannot be stopped
 *   (DELETE /playbacks answers 500 "Could not stop playback": Asterisk's
 *   playback is controllable only once a `sound:` has played), so a key
 *   pressed while an amount is spoken waited for the whole part to end;
 * - Asterisk speaks numbers from its core sounds in the playback's language,
 *   and Debian ships no Mandarin core sounds: a `lang=zh` lead heard English.
 * Every spoken value is thus a list of `sound:` media, stoppable at once.
 */
import type { MediaUri } from '../telephony/port.js';
import type { BroadcastLanguage } from './message.js';

/** The largest number spoken: amounts and counts in a bill fit well under it. */
export const MAX_SPOKEN_NUMBER = 999_999_999;

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
const TEENS = ['10', '11', '12', '13', '14', '15', '16', '17', '18', '19'];
const TENS = ['20', '30', '40', '50', '60', '70', '80', '90'];

/** Every word a language's numbers and digit strings use: the files sounds/numbers/<language>/ must hold. */
export const NUMBER_WORDS: Record<BroadcastLanguage, readonly string[]> = {
  en: [...DIGITS, ...TEENS, ...TENS, 'hundred', 'thousand', 'million', 'minus', 'star', 'hash'],
  // 十 百 千 万 亿, 负 (minus), 星号 and 井号 (star and hash keys).
  zh: [...DIGITS, 'ten', 'hundred', 'thousand', 'ten-thousand', 'hundred-million', 'minus', 'star', 'hash'],
};

export function numberMedia(language: BroadcastLanguage, word: string): MediaUri {
  return `sound:outpace/numbers/${language}/${word}`;
}

/** A whole number as its words' media: 128 → one hundred twenty eight; 一百二十八. */
export function speakNumber(n: number, language: BroadcastLanguage): MediaUri[] {
  if (!Number.isSafeInteger(n) || Math.abs(n) > MAX_SPOKEN_NUMBER) throw new RangeError(`${n} is not a whole number outpace can speak (at most ${MAX_SPOKEN_NUMBER})`);
  const words = n < 0 ? ['minus', ...wordsFor(-n, language)] : wordsFor(n, language);
  return words.map((w) => numberMedia(language, w));
}

/** A digit string, digit by digit (0-9, * and #). */
export function speakDigits(digits: string, language: BroadcastLanguage): MediaUri[] {
  return [...digits].map((d) => numberMedia(language, d === '*' ? 'star' : d === '#' ? 'hash' : d));
}

function wordsFor(n: number, language: BroadcastLanguage): string[] {
  if (n === 0) return ['0'];
  return language === 'zh' ? mandarin(n) : english(n);
}

/** Groups of three: millions, thousands, the rest; no "and" (American usage, as Asterisk's own English). */
function english(n: number): string[] {
  const words: string[] = [];
  for (const [size, name] of [[1_000_000, 'million'], [1000, 'thousand'], [1, '']] as const) {
    const group = Math.floor(n / size) % 1000;
    if (group === 0) continue;
    words.push(...englishBelowThousand(group));
    if (name) words.push(name);
  }
  return words;
}

function englishBelowThousand(n: number): string[] {
  const words: string[] = [];
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  if (hundreds > 0) words.push(DIGITS[hundreds]!, 'hundred');
  if (rest >= 20) {
    words.push(String(Math.floor(rest / 10) * 10));
    if (rest % 10 > 0) words.push(DIGITS[rest % 10]!);
  } else if (rest > 0) words.push(String(rest));
  return words;
}

const ZH_PLACES = [
  [1000, 'thousand'],
  [100, 'hundred'],
  [10, 'ten'],
  [1, ''],
] as const;

/**
 * Groups of four (亿, 万, the rest), each read 千 百 十 with 零 for a gap
 * (105 一百零五, 10005 一万零五), and 十 alone at the very start (12 十二).
 */
function mandarin(n: number): string[] {
  const words: string[] = [];
  let gap = false;
  for (const [size, name] of [[100_000_000, 'hundred-million'], [10_000, 'ten-thousand'], [1, '']] as const) {
    const group = Math.floor(n / size) % 10_000;
    if (group === 0) {
      gap ||= words.length > 0;
      continue;
    }
    if (words.length > 0 && (gap || group < 1000)) words.push('0');
    words.push(...mandarinBelowTenThousand(group, words.length === 0));
    if (name) words.push(name);
    gap = false;
  }
  return words;
}

function mandarinBelowTenThousand(n: number, first: boolean): string[] {
  const words: string[] = [];
  let zero = false;
  for (const [place, name] of ZH_PLACES) {
    const d = Math.floor(n / place) % 10;
    if (d === 0) {
      zero ||= words.length > 0;
      continue;
    }
    if (zero) words.push('0');
    zero = false;
    // 十二, not 一十二, when the number starts with its tens.
    if (!(place === 10 && d === 1 && first && words.length === 0)) words.push(DIGITS[d]!);
    if (name) words.push(name);
  }
  return words;
}
