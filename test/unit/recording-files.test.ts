import { describe, expect, it } from 'vitest';
import { AttemptId } from '../../src/domain/ids.js';
import { recordingReport } from '../../src/recordings/recording-report.js';
import { recordingStoreFromEnv, storedRecordingsOf, wavDurationMs } from '../../src/recordings/recording-store.js';
import { planRange } from '../../src/api/ranged-file.js';
import { toneWav } from '../ari-server/models.js';

describe('recording files', () => {
  it('reads a WAV file\'s duration from its header, and from its length when a cut-short file left the data size wrong', () => {
    const wav = toneWav(2.5, 440);
    expect(wavDurationMs(wav.subarray(0, 4096), wav.length)).toBe(2500);
    const unfinished = Buffer.from(wav);
    unfinished.writeUInt32LE(0, 40);
    expect(wavDurationMs(unfinished.subarray(0, 4096), unfinished.length)).toBe(2500);
    expect(wavDurationMs(wav.subarray(0, 4096), 44 + 8000)).toBe(500);
    expect(wavDurationMs(Buffer.from('not a wave file at all'), 22)).toBeUndefined();
  });

  it('makes the catalogue\'s report from either recording method\'s event: a stored name by default, a path when the PBX gives one', () => {
    const attemptId = AttemptId('00000000-0000-4000-8000-000000000001');
    const recording = { name: `${attemptId}-agent`, leg: 'agent' as const, startedAt: 1000, durationSec: 12 };
    expect(recordingReport({ type: 'recording.finished', attemptId, at: 13_000, recording })).toMatchObject({ kind: 'finished', format: 'wav', file: { storedName: `${attemptId}-agent` } });
    expect(recordingReport({ type: 'recording.finished', attemptId, at: 13_000, recording: { ...recording, format: 'gsm', path: '/var/spool/asterisk/monitor/x.gsm' } })).toMatchObject({
      format: 'gsm',
      file: { path: '/var/spool/asterisk/monitor/x.gsm' },
    });
    expect(recordingReport({ type: 'recording.failed', attemptId, at: 5, recording: { name: 'n', leg: 'mixed', why: 'disk full' } })).toEqual({ kind: 'failed', attemptId, leg: 'mixed', name: 'n', why: 'disk full', at: 5 });
    expect(recordingReport({ type: 'call.ringing', attemptId, at: 1 })).toBeUndefined();
  });

  it('plans what a Range header gets of a file', () => {
    expect(planRange(1000, undefined)).toEqual({ kind: 'whole', start: 0, end: 999, size: 1000 });
    expect(planRange(1000, 'bytes=10-19')).toEqual({ kind: 'part', start: 10, end: 19, size: 1000 });
    expect(planRange(1000, 'bytes=990-2000')).toEqual({ kind: 'part', start: 990, end: 999, size: 1000 });
    expect(planRange(1000, 'bytes=-100')).toEqual({ kind: 'part', start: 900, end: 999, size: 1000 });
    expect(planRange(1000, 'bytes=1000-')).toMatchObject({ kind: 'refused', why: expect.stringMatching(/past the end/) });
    expect(planRange(1000, 'bytes=x')).toMatchObject({ kind: 'refused', why: expect.stringMatching(/cannot be read/) });
    expect(planRange(1000, 'bytes=0-1,5-6')).toMatchObject({ kind: 'refused', why: expect.stringMatching(/one byte range/) });
  });

  it('finds a recording on the Asterisk server that made it, the first for one that names none, and refuses one folder for several servers', () => {
    const server = (name: string) => ({ name, ari: { ARI_URL: `http://${name}:8088`, ARI_USERNAME: 'outpace', ARI_PASSWORD: 'secret' } });
    const of = storedRecordingsOf([server('pbx1'), server('pbx2')]);
    expect(of('pbx2')).not.toBe(of('pbx1'));
    expect(of(null)).toBe(of('pbx1'));
    expect(() => of('pbx3')).toThrow(/kept on Asterisk server pbx3, which OUTPACE_SERVERS does not name \(it names pbx1, pbx2\)/);
    expect(() => recordingStoreFromEnv({ OUTPACE_RECORDING_DIR: '/var/spool/asterisk/recording' }, [server('pbx1'), server('pbx2')])).toThrow(/names several servers: unset it/);
    expect(recordingStoreFromEnv({ OUTPACE_RECORDING_DIR: '/var/spool/asterisk/recording' }, [server('pbx1')])).toBeDefined();
  });
});
