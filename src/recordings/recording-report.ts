/**
 * What the recording catalogue hears of a recording, whichever way the PBX
 * made it: ARI's record (RecordingFinished / RecordingFailed) or MixMonitor
 * over AMI. Each method reports the same few facts, so that the catalogue
 * does not change when the method does.
 */
import type { AttemptId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { RecordingLeg, TelephonyEvent } from '../telephony/port.js';

/**
 * Where the file is: a path on the PBX's disk, or a recording ARI serves by
 * name (GET /recordings/stored/{name}/file) on the server that made it (named
 * when outpace drives several).
 */
export type RecordingFile = { readonly path: string } | { readonly storedName: string; readonly pbxServer?: string };

export type RecordingReport =
  | {
      readonly kind: 'finished';
      readonly attemptId: AttemptId;
      readonly leg: RecordingLeg;
      readonly name: string;
      readonly format: string;
      readonly file: RecordingFile;
      readonly startedAt?: EpochMs;
      /** The PBX's own count, used when the file's header cannot tell (formats other than WAV). */
      readonly durationSec?: number;
      readonly at: EpochMs;
    }
  | { readonly kind: 'failed'; readonly attemptId: AttemptId; readonly leg: RecordingLeg; readonly name: string; readonly why: string; readonly at: EpochMs };

/** The report a telephony port's recording event makes, if it is one. */
export function recordingReport(e: TelephonyEvent): RecordingReport | undefined {
  if (e.type === 'recording.failed') return { kind: 'failed', attemptId: e.attemptId, leg: e.recording.leg, name: e.recording.name, why: e.recording.why, at: e.at };
  if (e.type !== 'recording.finished') return undefined;
  const { name, leg, startedAt, durationSec, format, path, pbxServer } = e.recording;
  return {
    kind: 'finished',
    attemptId: e.attemptId,
    leg,
    name,
    format: format ?? 'wav',
    file: path ? { path } : { storedName: name, ...(pbxServer ? { pbxServer } : {}) },
    startedAt,
    durationSec,
    at: e.at,
  };
}
