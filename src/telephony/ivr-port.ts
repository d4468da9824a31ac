/**
 * What an IVR broadcast asks of the PBX beyond the telephony port: playing a
 * list of media on an answered call, stopping it when a key cuts it short,
 * and hearing the keys the customer presses. Beside TelephonyPort rather than
 * in it, so that the port and its implementations stay as they are; the ARI
 * adapter implements both.
 */
import type { AttemptId } from '../domain/ids.js';
import type { EpochMs } from '../domain/time.js';
import type { MediaUri } from './port.js';

export interface PlayRequest {
  /** Names this playback in the `ivr.played` that follows: unique within the call. */
  readonly playId: string;
  readonly media: readonly MediaUri[];
  /** The lead's language (en, zh): the playback's `lang`, as the media are already in it. */
  readonly language: string;
  /** Wait for a machine's greeting and beep to end before playing (machine detection said MACHINE). */
  readonly afterGreeting?: boolean;
}

export type IvrEvent =
  /** The playback ran to its end. Not sent for a playback stopped by stopPlaying, nor when the call is ending. */
  | { readonly type: 'ivr.played'; readonly attemptId: AttemptId; readonly playId: string; readonly at: EpochMs }
  /** A DTMF key (0-9, A-D, # or *). */
  | { readonly type: 'ivr.key'; readonly attemptId: AttemptId; readonly digit: string; readonly at: EpochMs };

export type IvrListener = (event: IvrEvent) => void;

export interface IvrPort {
  /** Plays on a customer call once `call.answered` was reported. */
  playOnCall(attemptId: AttemptId, request: PlayRequest): void;
  /** Stops the call's current playback, if any. */
  stopPlaying(attemptId: AttemptId): void;
  subscribeIvr(listener: IvrListener): () => void;
}
