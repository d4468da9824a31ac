/**
 * Which call controls an agent may use, given where the call stands: pure,
 * so that the engine decides each control in one synchronous step and two
 * controls racing on one call settle in the order they arrive (the second is
 * judged on the state the first left). A control the PBX then fails to carry
 * out puts the call back where `failed` says.
 */
import type { CallControl, ControlTarget } from '../telephony/port.js';

export interface CallControlState {
  /** The customer hears music on hold (by the agent's hold, or while the agent consults). */
  readonly held: boolean;
  /** The agent's voice does not reach the call. */
  readonly muted: boolean;
  /** A warm transfer under way: the party the agent is consulting. */
  readonly consulting?: ControlTarget | undefined;
  /** A number brought into a three-way conference. */
  readonly conference?: boolean;
  /** A blind transfer or a completion sent to the PBX: the call is leaving this agent. */
  readonly leaving?: boolean;
}

export const CALL_UNTOUCHED: CallControlState = { held: false, muted: false };

export type ControlVerdict = { readonly state: CallControlState } | { readonly refused: string };

/** The state after the control, or why the agent may not use it now. */
export function decideControl(state: CallControlState, control: CallControl): ControlVerdict {
  if (state.leaving) return { refused: 'the call is being transferred: it is no longer yours to control' };
  const consulting = state.consulting ? 'you are consulting for a warm transfer: complete or cancel it first' : undefined;
  switch (control.kind) {
    case 'hangup':
      return { state: { ...state, leaving: true } };
    case 'hold':
      if (consulting) return { refused: `the customer is already on hold: ${consulting}` };
      if (state.held) return { refused: 'the customer is already on hold' };
      return { state: { ...state, held: true } };
    case 'resume':
      if (consulting) return { refused: consulting };
      if (!state.held) return { refused: 'the customer is not on hold' };
      return { state: { ...state, held: false } };
    case 'mute':
      if (state.muted) return { refused: 'you are already muted' };
      return { state: { ...state, muted: true } };
    case 'unmute':
      if (!state.muted) return { refused: 'you are not muted' };
      return { state: { ...state, muted: false } };
    case 'dtmf':
      if (consulting) return { refused: `the customer is on hold: ${consulting}` };
      if (state.held) return { refused: 'the customer is on hold: resume before sending tones' };
      return { state };
    case 'transfer':
      if (consulting) return { refused: consulting };
      return { state: { ...state, leaving: true } };
    case 'consult':
      if (consulting) return { refused: 'you are already consulting: complete or cancel it first' };
      if (state.conference) return { refused: 'a conference is on: a consultation would put its parties on hold' };
      return { state: { ...state, held: true, consulting: control.to } };
    case 'complete':
      if (!state.consulting) return { refused: 'there is no consultation to complete: consult first' };
      return { state: { ...state, leaving: true } };
    case 'cancel':
      if (!state.consulting) return { refused: 'there is no consultation to cancel' };
      return { state: { held: false, muted: state.muted } };
    case 'conference':
      if (consulting) return { refused: consulting };
      if (state.held) return { refused: 'the customer is on hold: resume first' };
      if (state.conference) return { refused: 'a third party is already in the conference' };
      return { state: { ...state, conference: true } };
  }
}

/**
 * Where the call stands once the PBX failed to carry out the control: a hold,
 * mute or resume did not happen; a transfer, consultation or conference that
 * failed leaves the customer with the agent, off hold.
 */
export function controlFailed(state: CallControlState, control: CallControl): CallControlState {
  switch (control.kind) {
    case 'hold':
      return { ...state, held: false };
    case 'resume':
      return { ...state, held: true };
    case 'mute':
      return { ...state, muted: false };
    case 'unmute':
      return { ...state, muted: true };
    case 'dtmf':
    case 'hangup':
      return { ...state, leaving: false };
    case 'transfer':
    case 'consult':
    case 'complete':
    case 'cancel':
    case 'conference':
      return { held: false, muted: state.muted };
  }
}
