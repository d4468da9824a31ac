/**
 * Records the legs of a call the campaign's policy asks for, named after its
 * attempt and leg: `<attemptId>-mixed` (both parties), `<attemptId>-customer`
 * (what the customer says) and `<attemptId>-agent` (what the customer hears).
 *
 * Two ways, one per origination path:
 * - A customer originated into the dialplan ([outpace-customer]) is recorded
 *   there from the answer, by one MixMonitor on the customer's channel
 *   ([outpace-record], asked for with OUTPACE_RECORD): no request on the way
 *   to the agent, no extra channel, the agent's bridge left as it is. The
 *   files close when the customer hangs up; each is then looked up in ARI's
 *   stored recordings and reported finished, or failed if Asterisk made none.
 * - A customer dialed straight into the application (a trunk whose endpoint
 *   outpace cannot follow) is recorded once put through: snoop channels
 *   spying on each party, and the agent's bridge for the mix. The customer's
 *   snoop ends with the customer; the agent's leg outlives the call, so its
 *   snoop and the bridge recording are stopped when the customer leaves.
 *   A snoop can be recorded only once it is in the Stasis application:
 *   Asterisk answers the snoop request before the channel's StasisStart, and a
 *   record request sent in between is refused (409 "Channel not in Stasis
 *   application"). So a snoop is recorded on its StasisStart. A recording that
 *   still does not start is tried once more, then reported failed.
 */
import type { Logger } from 'pino';
import type { AttemptId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { OriginateRequest, RecordingFailure, RecordingInfo, RecordingLeg, RecordingPolicy } from '../port.js';
import type { AgentLeg } from './agent-legs.js';
import type { AriRest } from './ari-connection.js';
import { describeError } from './ari-errors.js';
import { type ChannelWaits, within } from './channel-waits.js';
import type { CustomerCall } from './customer-calls.js';
import type { RestGate } from './rest-gate.js';

interface Started {
  readonly attemptId: AttemptId;
  readonly leg: RecordingLeg;
  readonly startedAt: EpochMs;
}

/** Part 2 on: the call moved to another agent or a number outside (a transfer), and its recordings followed it. */
export function recordingName(attemptId: AttemptId, leg: RecordingLeg, part = 1): string {
  return part === 1 ? `${attemptId}-${leg}` : `${attemptId}-${leg}-${part}`;
}

/** The legs each policy records. */
const LEGS: Record<RecordingPolicy, readonly RecordingLeg[]> = {
  all: ['mixed', 'customer', 'agent'],
  'agent-legs': ['agent'],
  none: [],
};

const policyOf = (request: Pick<OriginateRequest, 'recording'>): RecordingPolicy => request.recording ?? 'all';

/** The originate variables that have [outpace-customer] record the call from its answer; none when the policy records nothing. */
export function recordFromAnswerVariables(request: OriginateRequest): Record<string, string> {
  const policy = policyOf(request);
  return policy === 'none' ? {} : { OUTPACE_RECORD: policy };
}

export interface RecordingReports {
  finished(attemptId: AttemptId, recording: RecordingInfo): void;
  failed(attemptId: AttemptId, failure: RecordingFailure): void;
}

/** The appArgs a snoop of ours enters Stasis with: `snoop,<leg>,<attemptId>`. */
const SNOOP_ARGS = 'snoop';
/** How long a snoop may take to enter Stasis before its recording is tried anyway (and retried once). */
const SNOOP_STASIS_WAIT_MS = 1000;
/** Before the second try: time for whatever refused the first to pass. */
const RETRY_AFTER_MS = 200;

/** What the recordings need of a call: a customer's call, or the agent's half of a call crossing from another server. */
export interface RecordedCall {
  readonly request: Pick<OriginateRequest, 'attemptId' | 'recording'>;
  /** The channel the snoops' ids are made from. */
  readonly channelId: string;
  readonly recordedFromAnswer: boolean;
}

const agentSnoopOf = (call: RecordedCall, part = 1) => `${call.channelId}-snoop-agent${part === 1 ? '' : `-${part}`}`;
const customerSnoopOf = (call: RecordedCall) => `${call.channelId}-snoop-customer`;

export class CallRecordings {
  private readonly started = new Map<string, Started>();
  /** Per call, the part its agent's side is recorded under now: what stop() ends. */
  private readonly parts = new Map<AttemptId, number>();

  constructor(
    private readonly gate: RestGate,
    private readonly rest: () => AriRest,
    private readonly waits: ChannelWaits,
    private readonly reports: RecordingReports,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts the recordings the call's policy asks for, once it is put through
   * to `agent`'s bridge. A later part (after a transfer) records the bridge
   * the call is in now and its new agent, if any; the customer's own snoop
   * runs on from the first part, as it follows the customer's channel.
   */
  async start(call: RecordedCall, agent: AgentLeg | { readonly bridgeId: string; readonly channelId?: undefined }, now: EpochMs, part = 1): Promise<void> {
    // Recorded by the dialplan from the answer, on the customer's channel: the recording follows the customer wherever they go.
    if (call.recordedFromAnswer) return;
    const { attemptId } = call.request;
    this.parts.set(attemptId, part);
    const make: Record<RecordingLeg, () => Promise<void>> = {
      mixed: () => this.gate.run('bridge record', () => this.rest().recordBridge(agent.bridgeId, recordingName(attemptId, 'mixed', part))),
      customer: this.snoopRecorder(call.channelId, customerSnoopOf(call), attemptId, 'customer'),
      agent: agent.channelId ? this.snoopRecorder(agent.channelId, agentSnoopOf(call, part), attemptId, 'agent', part) : async () => undefined,
    };
    // No agent's channel here (a transfer out; a crossing, whose agent is recorded on their own server): no agent's leg.
    const legs = LEGS[policyOf(call.request)].filter((leg) => (part === 1 || leg !== 'customer') && (leg !== 'agent' || agent.channelId));
    await Promise.all(legs.map((leg) => this.record(attemptId, leg, now, make[leg], part)));
  }

  /**
   * A call recorded from its answer by the dialplan has ended: each leg's file
   * is reported finished (from the answer to `endedAt`) if Asterisk stored it,
   * failed otherwise. Off the call's path: the customer is gone.
   */
  async endedFromAnswer(call: CustomerCall, endedAt: EpochMs): Promise<void> {
    const { attemptId } = call.request;
    const startedAt = call.answeredAt;
    if (!call.recordedFromAnswer || startedAt === undefined) return;
    await Promise.all(
      LEGS[policyOf(call.request)].map(async (leg) => {
        const name = recordingName(attemptId, leg);
        const stored = await this.gate.run('stored recording', () => this.rest().storedRecording(name)).catch((err: unknown) => describeError(err));
        if (stored === true) {
          this.reports.finished(attemptId, { name, leg, startedAt, durationSec: Math.round((endedAt - startedAt) / 1000) });
          return;
        }
        const why = stored === false ? 'Asterisk stored no such recording: see MixMonitor in its log ([outpace-record])' : `the stored recording could not be looked up: ${stored}`;
        this.logger.warn({ attemptId, leg, why }, 'recording from the answer not found: stored as failed');
        this.reports.failed(attemptId, { name, leg, why });
      }),
    );
  }

  /** StasisStart of a channel this adapter does not drive itself: true when it is one of our snoops, now recordable. */
  snoopEntered(channelId: string, args: readonly string[]): boolean {
    if (args[0] !== SNOOP_ARGS) return false;
    this.waits.release(channelId, 'stasis');
    return true;
  }

  /** A connected call taken over from an engine that was lost: its recordings are stopped and reported as if started here. */
  adopt(call: CustomerCall, now: EpochMs): void {
    if (call.recordedFromAnswer) return;
    const { attemptId } = call.request;
    for (const leg of ['mixed', 'customer', 'agent'] as const) this.started.set(recordingName(attemptId, leg), { attemptId, leg, startedAt: now });
  }

  /** The customer left: stop what would otherwise run on with the agent's leg. */
  async stop(call: RecordedCall): Promise<void> {
    const { attemptId } = call.request;
    const part = this.parts.get(attemptId) ?? 1;
    this.parts.delete(attemptId);
    const stops: Promise<void>[] = [];
    const mixed = recordingName(attemptId, 'mixed', part);
    if (this.started.has(mixed)) stops.push(this.gate.run('recording stop', () => this.rest().stopRecording(mixed)));
    if (this.started.has(recordingName(attemptId, 'agent', part))) stops.push(this.gate.run('snoop hangup', () => this.rest().hangup(agentSnoopOf(call, part))));
    await Promise.all(stops).catch((err: unknown) => this.logger.debug({ err: String(err) }, 'recording already finished'));
  }

  /** A RecordingFinished for one of ours: what to report, once. */
  finished(name: string, durationSec: number | undefined, now: EpochMs): { attemptId: AttemptId; recording: RecordingInfo } | undefined {
    const started = this.started.get(name);
    if (!started) return undefined;
    this.started.delete(name);
    return {
      attemptId: started.attemptId,
      recording: { name, leg: started.leg, startedAt: started.startedAt, durationSec: durationSec ?? Math.round((now - started.startedAt) / 1000) },
    };
  }

  /** One leg: tried, tried once more, then reported failed. */
  private async record(attemptId: AttemptId, leg: RecordingLeg, now: EpochMs, make: () => Promise<void>, part = 1): Promise<void> {
    const name = recordingName(attemptId, leg, part);
    this.started.set(name, { attemptId, leg, startedAt: now });
    try {
      await make().catch(async (err: unknown) => {
        this.logger.info({ attemptId, leg, err: describeError(err) }, 'recording did not start; trying once more');
        await new Promise((resolve) => setTimeout(resolve, RETRY_AFTER_MS));
        await make();
      });
    } catch (err) {
      this.started.delete(name);
      const why = describeError(err);
      this.logger.warn({ attemptId, leg, err: why }, 'recording did not start, twice: stored as failed');
      this.reports.failed(attemptId, { name, leg, why });
    }
  }

  /** Records a snoop on `channelId`: the snoop is made on the first try only, and recorded once it is in the application. */
  private snoopRecorder(channelId: string, snoopId: string, attemptId: AttemptId, leg: RecordingLeg, part = 1): () => Promise<void> {
    let made = false;
    return async () => {
      if (!made) {
        const inStasis = this.waits.waitFor(snoopId, 'stasis');
        await this.gate.run('snoop', () => this.rest().snoop(channelId, snoopId, `${SNOOP_ARGS},${leg},${attemptId}`));
        made = true;
        await within(inStasis, SNOOP_STASIS_WAIT_MS);
        this.waits.forget(snoopId, 'stasis');
      }
      await this.gate.run('snoop record', () => this.rest().recordChannel(snoopId, recordingName(attemptId, leg, part)));
    };
  }
}
