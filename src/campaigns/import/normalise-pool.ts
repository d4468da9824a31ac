/**
 * Normalising in worker threads. libphonenumber's parsing and validation cost
 * several times what the CSV parser does per row: on the one thread that also
 * parses and feeds the database, they alone took most of the minute a
 * million-row import may take. Rows go out in chunks, round robin, and their
 * verdicts come back in file order, which the lanes need (see lanes.ts).
 */
import { Worker } from 'node:worker_threads';
import type { ColumnMapping, ResolvedColumns } from './mapping.js';
import type { RowRules, RowVerdict } from './normalise.js';

/** A row's fields and its line in the file. */
export type RawRow = [fields: string[], row: number];

/** Receives each row's verdict, in file order; resolves when it is ready for the next. */
export type TakeVerdict = (verdict: RowVerdict, row: number) => Promise<void>;

const CHUNK = 1000;
// Chunks sent and not yet taken, per worker: enough to keep every worker busy, few enough for flat memory.
const AHEAD = 4;

const FROM_SOURCES = import.meta.url.endsWith('.ts');
const WORKER_URL = new URL(`./normalise-worker.${FROM_SOURCES ? 'ts' : 'js'}`, import.meta.url);

function startWorker(workerData: unknown): Worker {
  if (!FROM_SOURCES) return new Worker(WORKER_URL, { workerData });
  // Run from the TypeScript sources (tests, tsx), a worker registers tsx's loader before loading its module.
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

export class NormalisePool {
  private readonly workers: Worker[];
  /** Per worker, the callbacks of its chunks in flight, oldest first: a worker answers in order. */
  private readonly waiting: ((verdicts: RowVerdict[] | Error) => void)[][];
  private next = 0;
  private failure: Error | undefined;
  private chunk: RawRow[] = [];
  private readonly inFlight: { rows: RawRow[]; verdicts: Promise<RowVerdict[]> }[] = [];

  constructor(size: number, columns: ResolvedColumns, mapping: ColumnMapping, rules: RowRules, private readonly take: TakeVerdict) {
    this.workers = Array.from({ length: size }, () => startWorker({ columns, mapping, rules }));
    this.waiting = this.workers.map(() => []);
    this.workers.forEach((worker, i) => {
      worker.on('message', (verdicts: RowVerdict[]) => this.waiting[i]!.shift()!(verdicts));
      // A worker that fails or stops fails its chunks, and every later one: the import fails rather than hangs.
      const fail = (error: Error) => {
        this.failure ??= error;
        for (const settle of this.waiting[i]!.splice(0)) settle(error);
      };
      worker.on('error', fail);
      worker.on('exit', () => fail(new Error('a normalising worker stopped before the file was read')));
    });
  }

  async add(fields: string[], row: number): Promise<void> {
    this.chunk.push([fields, row]);
    if (this.chunk.length < CHUNK) return;
    this.send();
    if (this.inFlight.length > AHEAD * this.workers.length) await this.takeOldest();
  }

  /** Sends the last rows and hands every verdict on. */
  async flush(): Promise<void> {
    if (this.chunk.length > 0) this.send();
    while (this.inFlight.length > 0) await this.takeOldest();
  }

  private send(): void {
    const rows = this.chunk;
    this.chunk = [];
    const i = this.next;
    this.next = (this.next + 1) % this.workers.length;
    const verdicts = new Promise<RowVerdict[]>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting[i]!.push((result) => (result instanceof Error ? reject(result) : resolve(result)));
      this.workers[i]!.postMessage(rows);
    });
    // A failure surfaces when its chunk is taken; until then it must not count as unhandled.
    verdicts.catch(() => undefined);
    this.inFlight.push({ rows, verdicts });
  }

  private async takeOldest(): Promise<void> {
    const { rows, verdicts } = this.inFlight.shift()!;
    const results = await verdicts;
    for (let i = 0; i < rows.length; i++) await this.take(results[i]!, rows[i]![1]);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }
}
