/**
 * The test server's PBX state (channels, bridges, recordings, playbacks) and
 * the JSON shapes ARI gives them, field for field as in the transcripts.
 */
import { randomUUID } from 'node:crypto';
import type { CallScript } from './call-script.js';

/** ARI's timestamp form: `2026-11-22T19:25:29.583+0000`. */
export function ariTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export interface Dialplan {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

export type ChannelState = 'Down' | 'Ringing' | 'Up' | 'Ring';

export interface SimChannel {
  readonly id: string;
  readonly name: string;
  state: ChannelState;
  readonly protocolId: string;
  readonly caller: { name: string; number: string };
  readonly createdAt: number;
  dialplan: Dialplan;
  /** The context the endpoint's calls come back to when they leave Stasis (AppDial2). */
  readonly homeContext: string;
  /** The Stasis application the channel belongs to (set by originate, or by the dialplan's Stasis()). */
  app: string | undefined;
  readonly appArgs: readonly string[];
  /** For an originate into the dialplan rather than an application: the context to run on answer. */
  readonly dialContext: string | undefined;
  readonly endpoint: string | undefined;
  readonly dialstring: string;
  /** What the far end does; undefined for snoop channels. */
  readonly script: CallScript | undefined;
  readonly variables: Map<string, string>;
  /** ari.conf's `channelvars`: these of its variables are listed with the channel ("" when unset). */
  readonly channelvars: readonly string[];
  inStasis: boolean;
  answeredAt: number | undefined;
  bridgeId: string | undefined;
  /** For a snoop channel: the channel it listens to. */
  readonly snoopOf: string | undefined;
  /** For a snoop channel: what it hears of that channel and where what it is sent goes (see Pbx.hears). */
  readonly snoopAudio: SnoopAudio | undefined;
  /** Timers of the far end's script, cancelled when the channel goes. */
  readonly timers: Array<{ cancel(): void }>;
  destroyed: boolean;
  /** A call over the inter-PBX link (pbx.ts, "the link"): the other test server, and the channel there once known. */
  link?: SimLinkCall;
}

export interface SimLinkCall {
  /** The other test server's address. */
  readonly peer: string;
  peerChannelId: string | undefined;
  /** The other side knows of the end (it ended it, or was told): not told again. */
  ended: boolean;
}

export function channelJson(ch: SimChannel): Record<string, unknown> {
  return {
    id: ch.id,
    name: ch.name,
    state: ch.state,
    protocol_id: ch.protocolId,
    caller: ch.caller,
    connected: ch.caller,
    accountcode: '',
    dialplan: { ...ch.dialplan },
    creationtime: ariTimestamp(ch.createdAt),
    language: 'en',
    // main/stasis_channels.c: only when ari.conf names some, each named one, "" when unset.
    ...(ch.channelvars.length > 0 ? { channelvars: Object.fromEntries(ch.channelvars.map((name) => [name, ch.variables.get(name) ?? ''])) } : {}),
  };
}

/** Where an originated channel sits before anything runs on it (transcripts: AppDial2 "(Outgoing Line)"). */
export function outgoingLine(context: string): Dialplan {
  return { context, exten: 's', priority: 1, app_name: 'AppDial2', app_data: '(Outgoing Line)' };
}

/** ARI's snoop directions, from the snooped channel's side: `in` what its endpoint sends, `out` what is sent to its endpoint. */
export const SNOOP_DIRECTIONS = ['none', 'both', 'out', 'in'] as const;
export type SnoopDirection = (typeof SNOOP_DIRECTIONS)[number];
export interface SnoopAudio {
  readonly spy: SnoopDirection;
  readonly whisper: SnoopDirection;
}

export interface SimBridge {
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  readonly channels: string[];
}

export function bridgeJson(b: SimBridge): Record<string, unknown> {
  return {
    id: b.id,
    technology: 'simple_bridge',
    bridge_type: 'mixing',
    bridge_class: 'stasis',
    creator: 'Stasis',
    name: b.name,
    channels: [...b.channels],
    creationtime: ariTimestamp(b.createdAt),
    video_mode: 'talker',
  };
}

export function newBridge(id: string | undefined, name: string): SimBridge {
  return { id: id ?? randomUUID(), name, createdAt: Date.now(), channels: [] };
}

export interface SimRecording {
  readonly name: string;
  readonly format: string;
  readonly targetUri: string;
  state: 'queued' | 'recording' | 'done' | 'failed';
  readonly startedAt: number;
  /** The application whose socket hears its events. */
  readonly app: string | undefined;
}

export function recordingJson(r: SimRecording, durationSec?: number): Record<string, unknown> {
  return {
    name: r.name,
    format: r.format,
    state: r.state,
    target_uri: r.targetUri,
    ...(durationSec === undefined ? {} : { duration: durationSec }),
  };
}

/** A recording in ARI's folder: what GET /recordings/stored answers (name, format), and how long its file plays. */
export interface StoredRecording {
  readonly name: string;
  readonly format: string;
  /** When it began (real ms): a file still being written (MixMonitor's, until its channel goes) plays up to now. */
  readonly startedAt: number;
  /** Scripted seconds, once the file is closed. */
  readonly durationSec?: number;
}

export function storedRecordingJson(r: StoredRecording): Record<string, unknown> {
  return { name: r.name, format: r.format };
}

/** A WAV file as Asterisk's `wav` format writes it (8 kHz, 16-bit, mono), holding a tone of `hz`. */
export function toneWav(durationSec: number, hz: number): Buffer {
  const rate = 8000;
  const samples = Math.max(0, Math.round(durationSec * rate));
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0);
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8);
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20);
  wav.writeUInt16LE(1, 22);
  wav.writeUInt32LE(rate, 24);
  wav.writeUInt32LE(rate * 2, 28);
  wav.writeUInt16LE(2, 32);
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36);
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  return wav;
}

export interface SimPlayback {
  readonly id: string;
  /** The media now playing (the list's first until it starts). */
  mediaUri: string;
  readonly targetUri: string;
  /** The `lang` of the play request: the language numbers and digits are spoken in. */
  readonly language: string;
  state: 'queued' | 'playing' | 'continuing' | 'done';
}

export function playbackJson(p: SimPlayback): Record<string, unknown> {
  return { id: p.id, media_uri: p.mediaUri, target_uri: p.targetUri, language: p.language, state: p.state };
}
