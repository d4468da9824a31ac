/**
 * Speaking to an answered customer: the abandon message to a person, a
 * message to an answering machine once its greeting is over. Each prompt is
 * played and waited for (PlaybackFinished) in turn.
 */
import type { MediaUri } from '../port.js';
import type { AriRest } from './ari-connection.js';
import { type ChannelWaits, within } from './channel-waits.js';
import type { RestGate } from './rest-gate.js';

/** Silence after the greeting (and its beep) that means the machine is recording. */
const SILENCE_AFTER_GREETING_MS = 1000;
/** The longest outpace waits for a machine's greeting to end before speaking anyway. */
const GREETING_WAIT_CAP_MS = 10_000;

export class Prompts {
  constructor(
    private readonly gate: RestGate,
    private readonly rest: () => AriRest,
    private readonly waits: ChannelWaits,
  ) {}

  /** Answers (harmless if already up) and plays `media` in order; stops early if `stillUp` turns false. Urgent: see RestGate.run. */
  async play(channelId: string, media: readonly MediaUri[], stillUp: () => boolean, urgency: { urgent?: boolean } = {}): Promise<void> {
    await this.gate.run('answer', () => this.rest().answer(channelId), urgency);
    for (const [i, uri] of media.entries()) {
      if (!stillUp()) return;
      const playbackId = `${channelId}-pb-${i}`;
      const finished = this.waits.waitFor(channelId, `pb-${i}`);
      await this.gate.run('play', () => this.rest().play(channelId, uri, playbackId), urgency);
      await finished;
    }
  }

  /** PlaybackFinished for a prompt started by play(). */
  playbackFinished(playbackId: string): void {
    const m = /^(.*)-(pb-\d+)$/.exec(playbackId);
    if (m) this.waits.release(m[1]!, m[2]!);
  }

  /**
   * AMD says MACHINE while a long greeting still plays; a message played at
   * once would be cut off before the beep. TALK_DETECT says whether the far
   * end is still speaking (ChannelTalkingStarted soon after it is set) and
   * when it falls silent (ChannelTalkingFinished: greeting and beep over).
   * Dead air (AMDCAUSE INITIALSILENCE) has nothing to wait for.
   */
  async greetingOver(channelId: string, detectionCause: string | undefined): Promise<void> {
    if (detectionCause?.startsWith('INITIALSILENCE')) return;
    const talking = this.waits.waitFor(channelId, 'talking');
    const silent = this.waits.waitFor(channelId, 'silent');
    try {
      await this.gate.run('talk detect', () => this.rest().setChannelVar(channelId, 'TALK_DETECT(set)', String(SILENCE_AFTER_GREETING_MS)));
      if (await within(talking, SILENCE_AFTER_GREETING_MS)) await within(silent, GREETING_WAIT_CAP_MS);
    } finally {
      this.waits.forget(channelId, 'talking');
      this.waits.forget(channelId, 'silent');
    }
  }
}
