/**
 * The broadcast call after the answer, as a state machine: the message plays
 * part by part; 1 asks for an agent of the linked campaign, 2 plays it again,
 * 9 opts out; other keys and silence after the message play it again until
 * the plays run out. Pure: the driver (ARI or the simulator) feeds it what
 * happened and carries out the actions it returns, including starting the
 * timers whose expiry it later feeds back.
 */
import type { AgentId } from '../domain/ids.js';
import type { AnsweredParty } from '../domain/outcomes.js';
import type { DurationMs } from '../domain/time.js';
import type { BroadcastOutcome, BroadcastResult } from './outcome.js';

export interface KeyFlowSettings {
  readonly partsTotal: number;
  readonly maxPlays: number;
  readonly keyTimeoutMs: DurationMs;
  readonly agentWaitMs: DurationMs;
  /** Whether key 1 has an agent campaign to go to. */
  readonly agentsLinked: boolean;
  readonly onMachine: 'leave-message' | 'hangup';
}

type Phase =
  | { readonly name: 'idle' }
  | { readonly name: 'message'; readonly partsPlayed: number }
  | { readonly name: 'menu' }
  | { readonly name: 'agent' }
  | { readonly name: 'closing'; readonly outcome: BroadcastOutcome }
  | { readonly name: 'machine'; readonly partsPlayed: number }
  | { readonly name: 'done'; readonly outcome: BroadcastOutcome };

export interface KeyFlowState {
  readonly phase: Phase;
  readonly plays: number;
  readonly partsHeard: number;
  readonly keys: readonly string[];
  /** Bumped on every timer started, so that a timer that fires late for an earlier phase is ignored. */
  readonly timer: number;
}

export type KeyFlowInput =
  | { readonly type: 'answered'; readonly party: AnsweredParty }
  /** One message part (or the closing prompt) played to its end. */
  | { readonly type: 'played' }
  | { readonly type: 'key'; readonly digit: string }
  | { readonly type: 'timer'; readonly timer: number }
  | { readonly type: 'agent-connected'; readonly agentId: AgentId }
  /** The far end hung up. */
  | { readonly type: 'hung-up' };

export type KeyFlowAction =
  /** Play message part `part` (0-based); `played` follows when it ends. */
  | { readonly type: 'play-part'; readonly part: number }
  /** Stop what is playing now (a key cut the message short); no `played` is expected for it. */
  | { readonly type: 'stop-playback' }
  | { readonly type: 'start-timer'; readonly timer: number; readonly ms: DurationMs }
  /** Ask the linked agent campaign for a free agent; `agent-connected` follows, or the timer runs out. */
  | { readonly type: 'request-agent'; readonly timer: number; readonly ms: DurationMs }
  | { readonly type: 'withdraw-agent-request' }
  | { readonly type: 'schedule-callback' }
  /** The agent campaign's abandon accounting: a caller asked for an agent and none came in time. */
  | { readonly type: 'count-abandon' }
  | { readonly type: 'add-do-not-call' }
  | { readonly type: 'play-closing'; readonly prompt: 'busy' | 'opt-out' | 'goodbye' }
  | { readonly type: 'hangup' }
  | { readonly type: 'finished'; readonly result: BroadcastResult };

export interface KeyFlowStep {
  readonly state: KeyFlowState;
  readonly actions: readonly KeyFlowAction[];
}

export const initialKeyFlow: KeyFlowState = { phase: { name: 'idle' }, plays: 0, partsHeard: 0, keys: [], timer: 0 };

export function stepKeyFlow(settings: KeyFlowSettings, state: KeyFlowState, input: KeyFlowInput): KeyFlowStep {
  const { phase } = state;
  if (phase.name === 'done') return { state, actions: [] };
  if (input.type === 'hung-up') return finish(settings, state, undecidedOutcome(settings, state), []);
  switch (input.type) {
    case 'answered':
      if (phase.name !== 'idle') return { state, actions: [] };
      if (input.party === 'machine') {
        if (settings.onMachine === 'hangup') return finish(settings, state, 'machine-hung-up', [{ type: 'hangup' }]);
        return { state: { ...state, phase: { name: 'machine', partsPlayed: 0 }, plays: 1 }, actions: [{ type: 'play-part', part: 0 }] };
      }
      return playFromStart(state);
    case 'played':
      return partPlayed(settings, state);
    case 'key':
      return keyPressed(settings, { ...state, keys: [...state.keys, input.digit] }, input.digit);
    case 'timer':
      if (input.timer !== state.timer) return { state, actions: [] };
      if (phase.name === 'menu') return playAgainOrGoodbye(settings, state);
      if (phase.name === 'agent') {
        return {
          state: { ...state, phase: { name: 'closing', outcome: 'callback-scheduled' } },
          actions: [{ type: 'withdraw-agent-request' }, { type: 'count-abandon' }, { type: 'schedule-callback' }, { type: 'play-closing', prompt: 'busy' }],
        };
      }
      return { state, actions: [] };
    case 'agent-connected':
      if (phase.name !== 'agent') return { state, actions: [] };
      return finish(settings, state, 'transferred', []);
  }
}

function playFromStart(state: KeyFlowState): KeyFlowStep {
  return { state: { ...state, phase: { name: 'message', partsPlayed: 0 }, plays: state.plays + 1 }, actions: [{ type: 'play-part', part: 0 }] };
}

function partPlayed(settings: KeyFlowSettings, state: KeyFlowState): KeyFlowStep {
  const { phase } = state;
  if (phase.name === 'closing') return finish(settings, state, phase.outcome, [{ type: 'hangup' }]);
  if (phase.name !== 'message' && phase.name !== 'machine') return { state, actions: [] };
  const partsPlayed = phase.partsPlayed + 1;
  // How far the customer got: the furthest point of any play (key 2 may have cut the first one short).
  const partsHeard = Math.max(state.partsHeard, partsPlayed);
  if (partsPlayed < settings.partsTotal) {
    return { state: { ...state, partsHeard, phase: { ...phase, partsPlayed } }, actions: [{ type: 'play-part', part: partsPlayed }] };
  }
  if (phase.name === 'machine') return finish(settings, { ...state, partsHeard }, 'machine-message-left', [{ type: 'hangup' }]);
  const timer = state.timer + 1;
  return { state: { ...state, partsHeard, timer, phase: { name: 'menu' } }, actions: [{ type: 'start-timer', timer, ms: settings.keyTimeoutMs }] };
}

function keyPressed(settings: KeyFlowSettings, state: KeyFlowState, digit: string): KeyFlowStep {
  const { phase } = state;
  // Keys count while the message plays (callers who know it need not wait) and in the menu; not on a machine or once decided.
  if (phase.name !== 'message' && phase.name !== 'menu') return { state, actions: [] };
  const cut: KeyFlowAction[] = phase.name === 'message' ? [{ type: 'stop-playback' }] : [];
  if (digit === '1' && settings.agentsLinked) {
    const timer = state.timer + 1;
    return { state: { ...state, timer, phase: { name: 'agent' } }, actions: [...cut, { type: 'request-agent', timer, ms: settings.agentWaitMs }] };
  }
  if (digit === '9') {
    return {
      state: { ...state, phase: { name: 'closing', outcome: 'opted-out' } },
      actions: [...cut, { type: 'add-do-not-call' }, { type: 'play-closing', prompt: 'opt-out' }],
    };
  }
  if (digit === '2') {
    const again = playAgainOrGoodbye(settings, state);
    return { state: again.state, actions: [...cut, ...again.actions] };
  }
  // An unknown key while the message plays is ignored; in the menu it is treated as silence.
  if (phase.name === 'menu') return playAgainOrGoodbye(settings, state);
  return { state, actions: [] };
}

function playAgainOrGoodbye(settings: KeyFlowSettings, state: KeyFlowState): KeyFlowStep {
  if (state.plays < settings.maxPlays) return playFromStart(state);
  return { state: { ...state, phase: { name: 'closing', outcome: undecidedOutcome(settings, state) } }, actions: [{ type: 'play-closing', prompt: 'goodbye' }] };
}

/** The outcome when the call ends now without a decision: how much of the message was heard. */
function undecidedOutcome(settings: KeyFlowSettings, state: KeyFlowState): BroadcastOutcome {
  if (state.phase.name === 'closing') return state.phase.outcome;
  return state.partsHeard >= settings.partsTotal ? 'heard' : 'partly-heard';
}

function finish(settings: KeyFlowSettings, state: KeyFlowState, outcome: BroadcastOutcome, actions: KeyFlowAction[]): KeyFlowStep {
  const result: BroadcastResult = { outcome, partsHeard: state.partsHeard, partsTotal: settings.partsTotal, plays: state.plays, keys: state.keys };
  return { state: { ...state, phase: { name: 'done', outcome } }, actions: [...actions, { type: 'finished', result }] };
}
