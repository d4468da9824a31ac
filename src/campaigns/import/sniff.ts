/**
 * What a lead file's first bytes tell before it is parsed: its field separator
 * (spreadsheets in many locales write semicolons; some tools tabs), and
 * whether it is UTF-16 without a byte-order mark, which a UTF-8 parser would
 * read as fields full of NUL bytes. Either way the file is then streamed on
 * unchanged, first chunk included.
 */
import { Readable } from 'node:stream';
import { SEPARATORS, type Separator } from './mapping.js';

export interface SniffedFile {
  readonly separator: Separator;
  /** The whole file, from its first byte; fails as the file fails. */
  readonly source: Readable;
}

export async function sniffFile(file: Readable, chosen: Separator | undefined): Promise<SniffedFile> {
  const chunks = file[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  const first = await chunks.next();
  const head = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  if (looksLikeBomlessUtf16(head)) {
    throw new Error('the file is UTF-16 text without a byte-order mark: save it as UTF-8 CSV (or UTF-16 with its byte-order mark) and import it again');
  }
  async function* whole(): AsyncGenerator<Buffer> {
    if (first.done) return;
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield Buffer.from(next.value);
  }
  return { separator: chosen ?? separatorOf(headerLine(head)), source: Readable.from(whole()) };
}

/** UTF-16 of mostly ASCII text has a NUL in every other byte; UTF-8 text has none. A BOM (FF FE, FE FF) lets the parser decode it. */
function looksLikeBomlessUtf16(head: Buffer): boolean {
  if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
  const sample = head.subarray(0, 1024);
  let nul = 0;
  for (const byte of sample) if (byte === 0) nul++;
  return sample.length >= 2 && nul * 4 >= sample.length;
}

function headerLine(head: Buffer): string {
  const text = head.toString('utf8');
  const end = text.search(/\r?\n/);
  return end === -1 ? text : text.slice(0, end);
}

/** The separator the header line uses most outside quotes; a comma when it uses none (a one-column file). */
export function separatorOf(header: string): Separator {
  const counts = new Map<string, number>(SEPARATORS.map((s) => [s, 0]));
  let quoted = false;
  for (const char of header) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  return SEPARATORS.reduce((best, s) => (counts.get(s)! > counts.get(best)! ? s : best), SEPARATORS[0]);
}
