/**
 * Runs the key flow of every broadcast call in flight: feeds it what the
 * telephony and IVR ports report, and carries out what it decides through
 * them and through the desk (agents of the linked campaign, the do-not-call
 * list, callbacks, the agent campaign's abandon accounting, the attempt's
 * outcome). Works the same over ARI and over the simulator.
 */
import type { AgentId, AttemptId, CampaignId, E164, LeadId } from '../domain/ids.js';
import type { Scheduler, TimerHandle } from '../engine/scheduler.js';
import type { IvrEvent, IvrPort } from '../telephony/ivr-port.js';
import type { TelephonyEvent, TelephonyPort } from '../telephony/port.js';
import { type KeyFlowAction, type KeyFlowInput, type KeyFlowSettings, type KeyFlowState, initialKeyFlow, stepKeyFlow } from './key-flow.js';
import type { BroadcastMessage } from './message.js';
import type { BroadcastResult } from './outcome.js';
import type { RenderedMessage } from './render.js';

export interface BroadcastCall {
  readonly attemptId: AttemptId;
  readonly leadId: LeadId;
  readonly campaignId: CampaignId;
  readonly number: E164;
}

/** What a broadcast call needs from the rest of outpace. */
export interface BroadcastDesk {
  /** Asks the agent campaign for a free agent; `give` is called once one is. Returns a function that withdraws the request. */
  requestAgent(call: BroadcastCall, agentCampaignId: CampaignId, give: (agentId: AgentId) => void): () => void;
  optOut(call: BroadcastCall): Promise<void>;
  scheduleCallback(call: BroadcastCall): Promise<void>;
  countAbandon(agentCampaignId: CampaignId, call: BroadcastCall): void;
  finished(call: BroadcastCall, result: BroadcastResult): void;
  /** A desk operation failed (the database is down...): the call goes on, the failure must be seen. */
  failed(call: BroadcastCall, what: string, err: unknown): void;
}

interface RunningCall {
  readonly call: BroadcastCall;
  readonly rendered: RenderedMessage;
  readonly settings: KeyFlowSettings;
  readonly agentCampaignId: CampaignId | null;
  state: KeyFlowState;
  answeredBy: 'human' | 'machine' | undefined;
  /** The playback the flow waits on; `ivr.played` of any other is stale. */
  expectedPlay: string | undefined;
  plays: number;
  timer: TimerHandle | undefined;
  withdrawAgentRequest: (() => void) | undefined;
}

export interface BroadcastCallsOptions {
  readonly telephony: TelephonyPort;
  readonly ivr: IvrPort;
  readonly scheduler: Scheduler;
  readonly desk: BroadcastDesk;
}

export class BroadcastCalls {
  private readonly running = new Map<AttemptId, RunningCall>();
  private readonly unsubscribe: Array<() => void>;

  constructor(private readonly o: BroadcastCallsOptions) {
    this.unsubscribe = [o.telephony.subscribe((e) => this.onTelephony(e)), o.ivr.subscribeIvr((e) => this.onIvr(e))];
  }

  close(): void {
    for (const off of this.unsubscribe) off();
  }

  get inFlight(): number {
    return this.running.size;
  }

  /** Registers the attempt before its originate, so that its answer is not missed. */
  track(call: BroadcastCall, message: BroadcastMessage, rendered: RenderedMessage, onMachine: KeyFlowSettings['onMachine']): void {
    const { menu } = message;
    this.running.set(call.attemptId, {
      call,
      rendered,
      agentCampaignId: menu.agentCampaignId as CampaignId | null,
      settings: {
        partsTotal: rendered.parts.length,
        maxPlays: menu.maxPlays,
        keyTimeoutMs: menu.keyTimeoutSec * 1000,
        agentWaitMs: menu.agentWaitSec * 1000,
        agentsLinked: menu.agentCampaignId !== null,
        onMachine,
      },
      state: initialKeyFlow,
      answeredBy: undefined,
      expectedPlay: undefined,
      plays: 0,
      timer: undefined,
      withdrawAgentRequest: undefined,
    });
  }

  private onTelephony(e: TelephonyEvent): void {
    if (!('attemptId' in e)) return;
    const run = this.running.get(e.attemptId);
    if (!run) return;
    switch (e.type) {
      case 'call.answered':
        run.answeredBy = e.party;
        return this.feed(run, { type: 'answered', party: e.party });
      case 'call.connected':
        return this.feed(run, { type: 'agent-connected', agentId: e.agentId });
      case 'call.ended':
        return this.feed(run, { type: 'hung-up' });
      case 'call.failed':
        this.end(run);
        this.o.desk.finished(run.call, { outcome: e.outcome, partsHeard: 0, partsTotal: run.settings.partsTotal, plays: 0, keys: [] });
        return;
    }
  }

  private onIvr(e: IvrEvent): void {
    const run = this.running.get(e.attemptId);
    if (!run) return;
    if (e.type === 'ivr.key') return this.feed(run, { type: 'key', digit: e.digit });
    if (e.playId === run.expectedPlay) {
      run.expectedPlay = undefined;
      this.feed(run, { type: 'played' });
    }
  }

  private feed(run: RunningCall, input: KeyFlowInput): void {
    const step = stepKeyFlow(run.settings, run.state, input);
    run.state = step.state;
    for (const action of step.actions) this.act(run, action);
  }

  private act(run: RunningCall, action: KeyFlowAction): void {
    const { call } = run;
    const { telephony, ivr, desk } = this.o;
    switch (action.type) {
      case 'play-part':
        // Only a machine's first part waits for the greeting and beep to end.
        return this.play(run, run.rendered.parts[action.part]!, run.answeredBy === 'machine' && action.part === 0);
      case 'play-closing':
        return this.play(run, [run.rendered[action.prompt === 'opt-out' ? 'optOut' : action.prompt]], false);
      case 'stop-playback':
        run.expectedPlay = undefined;
        return ivr.stopPlaying(call.attemptId);
      case 'start-timer':
        return this.startTimer(run, action.timer, action.ms);
      case 'request-agent':
        this.startTimer(run, action.timer, action.ms);
        run.withdrawAgentRequest = desk.requestAgent(call, run.agentCampaignId!, (agentId) => {
          run.withdrawAgentRequest = undefined;
          // An agent freed after the deadline must not be given a caller who is hearing the busy message.
          if (run.state.phase.name !== 'agent') return;
          // The agent is committed: the deadline must not fire while the bridge is being made.
          run.timer?.cancel();
          telephony.connectToAgent(call.attemptId, agentId);
        });
        return;
      case 'withdraw-agent-request':
        run.withdrawAgentRequest?.();
        run.withdrawAgentRequest = undefined;
        return;
      case 'count-abandon':
        return desk.countAbandon(run.agentCampaignId!, call);
      case 'schedule-callback':
        return void desk.scheduleCallback(call).catch((err: unknown) => desk.failed(call, 'schedule callback', err));
      case 'add-do-not-call':
        return void desk.optOut(call).catch((err: unknown) => desk.failed(call, 'add to the do-not-call list', err));
      case 'hangup':
        return telephony.hangup(call.attemptId);
      case 'finished':
        this.end(run);
        return desk.finished(call, action.result);
    }
  }

  private play(run: RunningCall, media: readonly string[], afterGreeting: boolean): void {
    const playId = `${++run.plays}`;
    run.expectedPlay = playId;
    this.o.ivr.playOnCall(run.call.attemptId, { playId, media, language: run.rendered.language, afterGreeting });
  }

  private startTimer(run: RunningCall, timer: number, ms: number): void {
    run.timer?.cancel();
    run.timer = this.o.scheduler.after(ms, () => this.feed(run, { type: 'timer', timer }));
  }

  private end(run: RunningCall): void {
    run.timer?.cancel();
    run.withdrawAgentRequest?.();
    this.running.delete(run.call.attemptId);
  }
}
