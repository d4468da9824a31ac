/** What is in a recording, as sox hears it; and the tone each lab softphone sends (test/pbx/lab.sh). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The tone agent n's softphone sends. */
export const toneOfAgent = (n: number): number => 300 + 50 * n;

export interface Sound {
  readonly seconds: number;
  /** Root mean square amplitude, 0 to 1: silence is under 0.001. */
  readonly rms: number;
  /** sox's rough frequency: the tone's, for a single tone. */
  readonly frequency: number;
}

/** What sox hears in a recording. */
export async function soundOf(file: string): Promise<Sound> {
  const { stderr } = await promisify(execFile)('sox', [file, '-n', 'stat']);
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(-?[\\d.]+)`).exec(stderr)?.[1] ?? Number.NaN);
  return { seconds: field('Length \\(seconds\\)'), rms: field('RMS\\s+amplitude'), frequency: field('Rough\\s+frequency') };
}
