/**
 * The import's writers. Rows are dealt to lanes by their number; each lane
 * writes one batch at a time, in file order, in its own transaction (its own
 * connection on PostgreSQL), while the parser fills the next. A number always
 * goes to the same lane, so its first line is the one kept and its later lines
 * name it as their original, exactly as with one writer, and two lanes never
 * touch the same customer or lead: no lock waits between them, no deadlocks.
 * Two lanes keep two server processes busy where one was the import's limit.
 */
import type { Rejection } from './import-store.js';
import type { ImportedLead } from './normalise.js';

export interface Batch {
  readonly leads: ImportedLead[];
  readonly rejections: Rejection[];
}

export type WriteBatch = (batch: Batch) => Promise<void>;

export class Lanes {
  private readonly lanes: Lane[];

  constructor(count: number, private readonly batchSize: number, write: WriteBatch) {
    this.lanes = Array.from({ length: count }, () => new Lane(write));
  }

  /** Resolves at once, or, when the lead's lane is full, once its previous batch is written. */
  async addLead(lead: ImportedLead): Promise<void> {
    // The last digit of an E.164 number: spread evenly, and the same for every line of one number.
    const lane = this.lanes[lead.phone.charCodeAt(lead.phone.length - 1) % this.lanes.length]!;
    lane.batch.leads.push(lead);
    if (lane.size() >= this.batchSize) await lane.flush();
  }

  async addRejection(rejection: Rejection): Promise<void> {
    const lane = this.lanes[rejection.row % this.lanes.length]!;
    lane.batch.rejections.push(rejection);
    if (lane.size() >= this.batchSize) await lane.flush();
  }

  /** Writes what is left; rejects with the first failure of any lane. */
  async flush(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.flush()));
    await this.written();
  }

  /**
   * Every batch handed to a lane written (or failed): the import may be marked
   * finished, and its counts read. Waits for every lane even when one failed:
   * another may still be committing rows that the counts must include.
   */
  async written(): Promise<void> {
    const settled = await Promise.allSettled(this.lanes.map((lane) => lane.writing));
    const failed = settled.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

class Lane {
  batch: Batch = { leads: [], rejections: [] };
  writing: Promise<void> = Promise.resolve();

  constructor(private readonly write: WriteBatch) {}

  size(): number {
    return this.batch.leads.length + this.batch.rejections.length;
  }

  async flush(): Promise<void> {
    if (this.size() === 0) return;
    const batch = this.batch;
    this.batch = { leads: [], rejections: [] };
    await this.writing;
    this.writing = this.write(batch);
    // A failure is rethrown when the lane is next awaited; until then it must not count as unhandled.
    this.writing.catch(() => undefined);
  }
}
