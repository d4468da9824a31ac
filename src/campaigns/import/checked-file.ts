/**
 * A lead file read to its end and checked as CSV before any row of it is
 * written. The parser finds a quote left open only at the end of the file (or
 * a mebibyte past it); by then a streamed import had committed every batch
 * before it. So the file is first copied to a temporary folder, the parser
 * reads the copy through (about 2 s for a million rows on a loaded machine,
 * against the minute the import takes), and the import then reads it again:
 * a malformed file writes nothing, whatever its size.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, type Options } from 'csv-parse';

export interface CheckedFile {
  /** The whole file again, from its first byte. */
  open(): Readable;
  /** Removes the copy; call once the import is over. */
  remove(): Promise<void>;
}

/** The file breaks CSV's rules after `line` (a quote opened there and never closed, say). */
export class MalformedFile extends Error {
  constructor(
    /** The last line of the last row read whole. */
    readonly line: number,
    readonly code: string,
    parserMessage: string,
  ) {
    super(parserMessage);
  }
}

/** Copies `file`, then parses the copy with `options`; rejects with a MalformedFile when the copy is not valid CSV. */
export async function checkWholeFile(file: Readable, options: Options): Promise<CheckedFile> {
  const folder = await mkdtemp(join(tmpdir(), 'outpace-import-'));
  const path = join(folder, 'file.csv');
  const remove = () => rm(folder, { recursive: true, force: true });
  // The parser names the line it stopped on, the file's last for a quote left open; the user needs where the bad row is.
  let lastGoodLine = 0;
  try {
    await pipeline(file, createWriteStream(path));
    const parser = parse({ ...options, info: false });
    // Records are read as they come and dropped. A data listener costs a third of an on_record hook, which builds a context per record.
    parser.on('data', () => {
      lastGoodLine = parser.info.lines;
    });
    await pipeline(createReadStream(path), parser);
  } catch (error) {
    await remove();
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('CSV_')) throw new MalformedFile(lastGoodLine, code, (error as Error).message);
    throw error;
  }
  return { open: () => createReadStream(path), remove };
}
