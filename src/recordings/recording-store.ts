/**
 * Where the catalogue finds a recording's file, and how the retention sweep
 * removes it. outpace reads Asterisk's recordings folder when it shares
 * Asterisk's disk (OUTPACE_RECORDING_DIR); otherwise it fetches each file over
 * ARI (GET /recordings/stored/{name}/file) into a folder of its own
 * (OUTPACE_RECORDING_STORE), so that playing a call never waits on the PBX.
 * With several Asterisk servers, each file is fetched from the server that
 * made it, and deleted there.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AriConfig } from '../telephony/ari/config.js';
import type { RecordingFile } from './recording-report.js';

export interface BroughtFile {
  /** The file as this machine reads it. */
  readonly location: string;
  /** The recording's name on the PBX, when a copy stays there for the sweep to delete. */
  readonly storedName: string | null;
  /** The Asterisk server keeping that copy, when outpace drives several. */
  readonly pbxServer: string | null;
}

export interface RecordingStore {
  bring(file: RecordingFile, name: string, format: string, finishedAt: Date): Promise<BroughtFile>;
  remove(file: Omit<BroughtFile, 'location'> & { readonly location: string | null }): Promise<void>;
}

/** Asterisk's recordings folder as this machine sees it: the file is read where Asterisk wrote it. */
export function sharedDiskStore(recordingDir: string): RecordingStore {
  return {
    async bring(file, _name, format) {
      if ('path' in file) return { location: file.path, storedName: null, pbxServer: null };
      return { location: join(recordingDir, `${file.storedName}.${format}`), storedName: null, pbxServer: null };
    },
    async remove({ location }) {
      if (location) await rm(location, { force: true });
    },
  };
}

/** ARI's stored recordings, over HTTP with the ARI user's credentials. */
export class AriStoredRecordings {
  private readonly base: string;
  private readonly authorization: string;

  private readonly timeoutMs: number;

  constructor(o: { readonly url: string; readonly username: string; readonly password: string; readonly timeoutMs?: number }) {
    this.timeoutMs = o.timeoutMs ?? 30_000;
    this.base = `${o.url.replace(/\/$/, '')}/ari/recordings/stored/`;
    this.authorization = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
  }

  /** Writes the recording's file to `dest` (through a temporary name: a half-fetched file is never catalogued). */
  async download(name: string, dest: string): Promise<void> {
    const res = await this.request('GET', `${encodeURIComponent(name)}/file`);
    await mkdir(dirname(dest), { recursive: true });
    const partial = `${dest}.part`;
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), createWriteStream(partial));
    await rename(partial, dest);
  }

  /** DELETE /recordings/stored/{name}; one already gone is fine. */
  async delete(name: string): Promise<void> {
    await this.request('DELETE', encodeURIComponent(name), [404]);
  }

  private async request(method: string, path: string, acceptable: readonly number[] = []): Promise<Response> {
    const res = await fetch(this.base + path, { method, headers: { authorization: this.authorization }, signal: AbortSignal.timeout(this.timeoutMs) });
    if (res.ok || acceptable.includes(res.status)) return res;
    const said = ((await res.json().catch(() => ({}))) as { message?: string }).message;
    throw new Error(`ARI answered ${res.status}${said ? ` "${said}"` : ''} to ${method} /recordings/stored/${path}`);
  }
}

/** The stored recordings of the server a recording names; one that names none is on the first (or only) server. */
export type StoredRecordingsOf = (pbxServer: string | null) => AriStoredRecordings;

/** An Asterisk server as the engine reaches it: its name in OUTPACE_SERVERS (none when outpace drives one server), its ARI. */
export interface RecordingServer {
  readonly name?: string;
  readonly ari: Pick<AriConfig, 'ARI_URL' | 'ARI_USERNAME' | 'ARI_PASSWORD'>;
}

export function storedRecordingsOf(servers: readonly RecordingServer[]): StoredRecordingsOf {
  const byName = new Map(servers.map(({ name, ari }) => [name, new AriStoredRecordings({ url: ari.ARI_URL, username: ari.ARI_USERNAME, password: ari.ARI_PASSWORD })]));
  const first = [...byName.values()][0];
  if (!first) throw new Error('no Asterisk server to fetch recordings from: set ARI_URL or OUTPACE_SERVERS');
  return (pbxServer) => {
    // One server; or a recording catalogued before recordings named their server, when the first server was the only one asked.
    if (pbxServer === null) return first;
    const ari = byName.get(pbxServer);
    if (!ari) throw new Error(`the recording is kept on Asterisk server ${pbxServer}, which OUTPACE_SERVERS does not name (it names ${[...byName.keys()].join(', ')}): name that server again to reach its recordings`);
    return ari;
  };
}

/** Files fetched over ARI, from the server that made each, into `storeDir`, a folder a day; a path the PBX reports (MixMonitor) is read where it is. */
export function ariFetchStore(ariOf: StoredRecordingsOf, storeDir: string): RecordingStore {
  return {
    async bring(file, name, format, finishedAt) {
      if ('path' in file) return { location: file.path, storedName: null, pbxServer: null };
      const location = resolve(storeDir, finishedAt.toISOString().slice(0, 10), `${name}.${format}`);
      const pbxServer = file.pbxServer ?? null;
      await ariOf(pbxServer).download(file.storedName, location);
      return { location, storedName: file.storedName, pbxServer };
    },
    async remove({ location, storedName, pbxServer }) {
      if (storedName) await ariOf(pbxServer).delete(storedName);
      if (location) await rm(location, { force: true });
    },
  };
}

export const recordingStoreEnv = z.object({
  OUTPACE_RECORDING_DIR: z
    .string()
    .refine(isAbsolute, 'OUTPACE_RECORDING_DIR must be an absolute path: Asterisk\'s recordings folder as this machine sees it (/var/spool/asterisk/recording)')
    .optional(),
  OUTPACE_RECORDING_STORE: z.string().min(1).default('.outpace-data/recordings'),
});

/** The shared folder when OUTPACE_RECORDING_DIR is set (one server only), else copies fetched over ARI from each server. */
export function recordingStoreFromEnv(env: Record<string, string | undefined>, servers: readonly RecordingServer[]): RecordingStore {
  const settings = recordingStoreEnv.parse(env);
  if (settings.OUTPACE_RECORDING_DIR) {
    if (servers.length > 1) {
      throw new Error('OUTPACE_RECORDING_DIR names one Asterisk recordings folder, and OUTPACE_SERVERS names several servers: unset it, and each recording is fetched over ARI from the server that made it (into OUTPACE_RECORDING_STORE)');
    }
    return sharedDiskStore(settings.OUTPACE_RECORDING_DIR);
  }
  return ariFetchStore(storedRecordingsOf(servers), settings.OUTPACE_RECORDING_STORE);
}

export interface MeasuredFile {
  readonly sizeBytes: number;
  readonly sha256: string;
  /** From a WAV file's header; undefined for other formats. */
  readonly durationMs: number | undefined;
}

/** Size, checksum and (WAV) duration, read in one pass. */
export async function measureFile(location: string): Promise<MeasuredFile> {
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let head = Buffer.alloc(0);
  for await (const chunk of createReadStream(location)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    sizeBytes += bytes.length;
    if (head.length < 4096) head = Buffer.concat([head, bytes.subarray(0, 4096 - head.length)]);
  }
  return { sizeBytes, sha256: hash.digest('hex'), durationMs: wavDurationMs(head, sizeBytes) };
}

/**
 * A WAV file's duration from its chunks: the data's length over the byte
 * rate. The data chunk's own size is trusted only when the file holds it (a
 * recording cut short may leave it 0 or too large); else the rest of the file.
 */
export function wavDurationMs(head: Buffer, sizeBytes: number): number | undefined {
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  for (let at = 12; at + 8 <= head.length; ) {
    const id = head.toString('latin1', at, at + 4);
    const size = head.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 16 <= head.length) byteRate = head.readUInt32LE(at + 16);
    if (id === 'data') {
      if (!byteRate) return undefined;
      const available = sizeBytes - (at + 8);
      const dataBytes = size > 0 && size <= available ? size : available;
      return Math.round((dataBytes / byteRate) * 1000);
    }
    at += 8 + size + (size % 2);
  }
  return undefined;
}
