/**
 * Catalogues each recording the PBX reports, off the engine's path: the
 * telephony listener only queues the report (the port emits inside the
 * engine's event handling, so nothing here may wait), and a small queue
 * brings the file, measures it and writes its row. A file that cannot be
 * brought or read is catalogued as missing with why; a recording the PBX
 * could not make, as failed with its reason: every recording asked for is
 * accounted for.
 */
import PQueue from 'p-queue';
import type { Logger } from 'pino';
import type { Db } from '../storage/db.js';
import type { TelephonyEvent } from '../telephony/port.js';
import { catalogueRecording } from './catalogue.js';
import { type RecordingReport, recordingReport } from './recording-report.js';
import { type BroughtFile, measureFile, type RecordingStore } from './recording-store.js';

export interface RecordingCatalogueOptions {
  readonly db: Db;
  readonly store: RecordingStore;
  readonly logger: Logger;
  /** Files brought and measured at once: fetching over ARI must not crowd the engine's own requests. */
  readonly concurrency?: number;
}

export class RecordingCatalogue {
  private readonly queue: PQueue;

  constructor(private readonly o: RecordingCatalogueOptions) {
    this.queue = new PQueue({ concurrency: o.concurrency ?? 2 });
  }

  /** A telephony port listener. */
  readonly telephonyEvent = (e: TelephonyEvent): void => {
    const report = recordingReport(e);
    if (report) this.report(report);
  };

  /** What any recording method reports (ARI's events through telephonyEvent, or MixMonitor's). */
  report(report: RecordingReport): void {
    void this.queue.add(() =>
      this.catalogue(report).catch((err: unknown) =>
        this.o.logger.error({ err, attemptId: report.attemptId, name: report.name }, 'recording not catalogued'),
      ),
    );
  }

  /** Resolves once every report queued so far is catalogued: for shutdown and tests. */
  settled(): Promise<void> {
    return this.queue.onIdle();
  }

  private async catalogue(r: RecordingReport): Promise<void> {
    const base = { attemptId: r.attemptId, leg: r.leg, name: r.name, finishedAt: r.at };
    if (r.kind === 'failed') {
      return catalogueRecording(this.o.db, {
        ...base, status: 'failed', format: null, startedAt: null, durationMs: null, sizeBytes: null, sha256: null, location: null, storedName: null, pbxServer: null, problem: r.why,
      });
    }
    const known = { ...base, format: r.format, startedAt: r.startedAt ?? null };
    const pbxDurationMs = r.durationSec === undefined ? null : r.durationSec * 1000;
    let brought: BroughtFile | undefined;
    try {
      brought = await this.o.store.bring(r.file, r.name, r.format, new Date(r.at));
      const file = await measureFile(brought.location);
      await catalogueRecording(this.o.db, {
        ...known,
        ...brought,
        status: 'available',
        durationMs: file.durationMs ?? pbxDurationMs,
        sizeBytes: file.sizeBytes,
        sha256: file.sha256,
        problem: null,
      });
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      this.o.logger.warn({ attemptId: r.attemptId, name: r.name, why }, 'recording finished but its file cannot be read: catalogued as missing');
      await catalogueRecording(this.o.db, {
        ...known,
        status: 'missing',
        durationMs: pbxDurationMs,
        sizeBytes: null,
        sha256: null,
        location: brought?.location ?? null,
        storedName: brought?.storedName ?? ('storedName' in r.file ? r.file.storedName : null),
        pbxServer: brought?.pbxServer ?? ('storedName' in r.file ? (r.file.pbxServer ?? null) : null),
        problem: why,
      });
    }
  }
}
