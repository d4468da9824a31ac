/**
 * The IVR side of the ARI adapter: media lists played on customer channels,
 * stopped when a key cuts them short, and DTMF keys heard. A playback is
 * reported as played only when it ran to its end: Asterisk also sends
 * PlaybackFinished for a playback it ends because the channel hangs up (after
 * ChannelHangupRequest) or because outpace stopped it, and neither means the
 * customer heard it.
 */
import type { Logger } from 'pino';
import type { AttemptId } from '../../domain/ids.js';
import type { Clock } from '../../engine/scheduler.js';
import type { IvrEvent, IvrListener, PlayRequest } from '../ivr-port.js';
import type { AriRest } from './ari-connection.js';
import { describeError, isGoneError } from './ari-errors.js';
import type { CustomerCall } from './customer-calls.js';
import { Listeners } from './listeners.js';
import type { Prompts } from './prompts.js';
import type { RestGate } from './rest-gate.js';

interface IvrPlayback {
  readonly attemptId: AttemptId;
  readonly playId: string;
  readonly channelId: string;
  stopped: boolean;
}

export class IvrPlaybacks {
  private readonly listeners: Listeners<IvrEvent>;
  private readonly playing = new Map<string, IvrPlayback>();
  /** Channels whose hangup has begun: what they still play is cut, not heard. */
  private readonly ending = new Set<string>();

  constructor(
    private readonly gate: RestGate,
    private readonly rest: () => AriRest,
    private readonly prompts: Prompts,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {
    this.listeners = new Listeners(logger, 'IVR');
  }

  subscribe(listener: IvrListener): () => void {
    return this.listeners.add(listener);
  }

  play(call: CustomerCall, request: PlayRequest, stillUp: () => boolean): void {
    const { attemptId } = call.request;
    const playbackId = `${call.channelId}-ivr-${request.playId}`;
    void (async () => {
      try {
        if (request.afterGreeting) await this.prompts.greetingOver(call.channelId, call.detection?.cause);
        if (!stillUp() || this.ending.has(call.channelId)) return;
        this.playing.set(playbackId, { attemptId, playId: request.playId, channelId: call.channelId, stopped: false });
        await this.gate.run('play', () => this.rest().playMedia(call.channelId, request.media, playbackId, request.language));
      } catch (err) {
        this.playing.delete(playbackId);
        if (!stillUp() || isGoneError(err)) return;
        this.logger.error({ attemptId, playId: request.playId, err: describeError(err) }, 'IVR playback could not start');
      }
    })();
  }

  stop(call: CustomerCall): void {
    for (const [playbackId, pb] of this.playing) {
      if (pb.channelId !== call.channelId || pb.stopped) continue;
      pb.stopped = true;
      this.gate.run('stop playback', () => this.rest().stopPlayback(playbackId)).catch((err: unknown) => {
        // Finished meanwhile: PlaybackFinished has or will come, and is ignored as stopped.
        if (!isGoneError(err)) this.logger.warn({ playbackId, err: describeError(err) }, 'could not stop the playback');
      });
    }
  }

  /** PlaybackFinished: true when the playback was an IVR one (reported or deliberately not). */
  finished(playbackId: string): boolean {
    const pb = this.playing.get(playbackId);
    if (!pb) return playbackId.includes('-ivr-');
    this.playing.delete(playbackId);
    if (!pb.stopped && !this.ending.has(pb.channelId)) {
      this.emit({ type: 'ivr.played', attemptId: pb.attemptId, playId: pb.playId, at: this.clock.now() });
    }
    return true;
  }

  key(call: CustomerCall, digit: string): void {
    if (this.ending.has(call.channelId)) return;
    this.emit({ type: 'ivr.key', attemptId: call.request.attemptId, digit, at: this.clock.now() });
  }

  hangupRequested(channelId: string): void {
    this.ending.add(channelId);
  }

  /** The call's end was reported: nothing of it is kept. */
  forget(channelId: string): void {
    this.ending.delete(channelId);
    for (const [playbackId, pb] of this.playing) if (pb.channelId === channelId) this.playing.delete(playbackId);
  }

  private emit(event: IvrEvent): void {
    this.listeners.emit(event);
  }
}
