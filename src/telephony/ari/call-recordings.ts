/**
 * Records every leg of a connected call, named after its attempt and leg:
 * `<attemptId>-mixed` (the agent's bridge: both parties), and
 * `<attemptId>-customer` / `<attemptId>-agent` (snoop channels spying on what
 * each party says, as in transcript human). The customer's snoop ends with
 * the customer; the agent's leg outlives the call, so its snoop and the bridge
 * recording are stopped when the customer leaves.
 */
import type { Logger } from 'pino';
import type { AttemptId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { RecordingInfo, RecordingLeg } from '../port.js';
import type { AgentLeg } from './agent-legs.js';
import type { AriRest } from './ari-connection.js';
import type { CustomerCall } from './customer-calls.js';
import type { RestGate } from './rest-gate.js';

interface Started {
  readonly attemptId: AttemptId;
  readonly leg: RecordingLeg;
  readonly startedAt: EpochMs;
}

export function recordingName(attemptId: AttemptId, leg: RecordingLeg): string {
  return `${attemptId}-${leg}`;
}

const agentSnoopOf = (call: CustomerCall) => `${call.channelId}-snoop-agent`;
const customerSnoopOf = (call: CustomerCall) => `${call.channelId}-snoop-customer`;

export class CallRecordings {
  private readonly started = new Map<string, Started>();

  constructor(
    private readonly gate: RestGate,
    private readonly rest: () => AriRest,
    private readonly logger: Logger,
  ) {}

  /** Starts the three recordings of a call just put through to `agent`. */
  async start(call: CustomerCall, agent: AgentLeg, now: EpochMs): Promise<void> {
    const { attemptId } = call.request;
    const attempt = (leg: RecordingLeg, work: () => Promise<void>) => {
      this.started.set(recordingName(attemptId, leg), { attemptId, leg, startedAt: now });
      return work().catch((err: unknown) => {
        this.started.delete(recordingName(attemptId, leg));
        this.logger.warn({ attemptId, leg, err: String(err) }, 'recording did not start');
      });
    };
    await Promise.all([
      attempt('mixed', () => this.gate.run('bridge record', () => this.rest().recordBridge(agent.bridgeId, recordingName(attemptId, 'mixed')))),
      attempt('customer', () => this.recordSnoop(call.channelId, customerSnoopOf(call), attemptId, 'customer')),
      attempt('agent', () => this.recordSnoop(agent.channelId, agentSnoopOf(call), attemptId, 'agent')),
    ]);
  }

  /** A connected call taken over from an engine that was lost: its recordings are stopped and reported as if started here. */
  adopt(call: CustomerCall, now: EpochMs): void {
    const { attemptId } = call.request;
    for (const leg of ['mixed', 'customer', 'agent'] as const) this.started.set(recordingName(attemptId, leg), { attemptId, leg, startedAt: now });
  }

  /** The customer left: stop what would otherwise run on with the agent's leg. */
  async stop(call: CustomerCall): Promise<void> {
    const mixed = recordingName(call.request.attemptId, 'mixed');
    if (!this.started.has(mixed)) return;
    await Promise.all([
      this.gate.run('recording stop', () => this.rest().stopRecording(mixed)),
      this.gate.run('snoop hangup', () => this.rest().hangup(agentSnoopOf(call))),
    ]).catch((err: unknown) => this.logger.debug({ err: String(err) }, 'recording already finished'));
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

  private async recordSnoop(channelId: string, snoopId: string, attemptId: AttemptId, leg: RecordingLeg): Promise<void> {
    await this.gate.run('snoop', () => this.rest().snoop(channelId, snoopId, `snoop,${leg},${attemptId}`));
    await this.gate.run('snoop record', () => this.rest().recordChannel(snoopId, recordingName(attemptId, leg)));
  }
}
