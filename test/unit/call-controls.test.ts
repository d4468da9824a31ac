import { describe, expect, it } from 'vitest';
import { CALL_UNTOUCHED, controlFailed, decideControl, type CallControlState } from '../../src/agents/call-controls.js';
import { AgentId, E164 } from '../../src/domain/ids.js';
import type { CallControl } from '../../src/telephony/port.js';

/** Applies the controls in order; the refusals, and the state the accepted ones leave. */
function run(controls: CallControl[], from: CallControlState = CALL_UNTOUCHED): { state: CallControlState; refused: string[] } {
  let state = from;
  const refused: string[] = [];
  for (const c of controls) {
    const v = decideControl(state, c);
    if ('refused' in v) refused.push(`${c.kind}: ${v.refused}`);
    else state = v.state;
  }
  return { state, refused };
}

const agent = { agentId: AgentId('bob') };
const number = { number: E164('+12125550123') };

describe('which call controls an agent may use', () => {
  it('holds and resumes once each; a second hold or a resume with nobody held is refused with why', () => {
    expect(run([{ kind: 'hold' }, { kind: 'hold' }]).refused).toEqual(['hold: the customer is already on hold']);
    expect(run([{ kind: 'resume' }]).refused).toEqual(['resume: the customer is not on hold']);
    expect(run([{ kind: 'hold' }, { kind: 'resume' }])).toEqual({ state: { held: false, muted: false }, refused: [] });
  });

  it('sends no tones to a customer on hold, and mutes and unmutes once each', () => {
    expect(run([{ kind: 'hold' }, { kind: 'dtmf', digits: '1' }]).refused[0]).toMatch(/on hold: resume/);
    expect(run([{ kind: 'mute' }, { kind: 'mute' }, { kind: 'unmute' }, { kind: 'unmute' }]).refused).toEqual(['mute: you are already muted', 'unmute: you are not muted']);
  });

  it('a consultation holds the customer; only complete or cancel end it; complete and cancel need one', () => {
    const consulting = run([{ kind: 'consult', to: agent }]).state;
    expect(consulting).toMatchObject({ held: true, consulting: agent });
    expect(run([{ kind: 'resume' }, { kind: 'transfer', to: number }, { kind: 'consult', to: number }, { kind: 'conference', to: number }], consulting).refused).toHaveLength(4);
    expect(run([{ kind: 'cancel' }], consulting).state).toEqual({ held: false, muted: false });
    expect(run([{ kind: 'complete' }]).refused[0]).toMatch(/no consultation to complete/);
    expect(run([{ kind: 'cancel' }]).refused[0]).toMatch(/no consultation to cancel/);
  });

  it('once the call is leaving (transfer, completion, hang-up), every later control is refused: racing controls settle in arrival order', () => {
    expect(run([{ kind: 'transfer', to: number }, { kind: 'hold' }]).refused).toEqual(['hold: the call is being transferred: it is no longer yours to control']);
    expect(run([{ kind: 'hangup' }, { kind: 'transfer', to: agent }]).refused).toHaveLength(1);
  });

  it('a conference needs the customer off hold, and takes one third party', () => {
    expect(run([{ kind: 'hold' }, { kind: 'conference', to: number }]).refused[0]).toMatch(/on hold: resume first/);
    expect(run([{ kind: 'conference', to: number }, { kind: 'conference', to: number }]).refused[0]).toMatch(/already in the conference/);
  });

  it('a control the PBX could not carry out puts the call back: a transfer or consultation leaves the customer with the agent, off hold', () => {
    const consulting = run([{ kind: 'mute' }, { kind: 'consult', to: number }]).state;
    expect(controlFailed(consulting, { kind: 'consult', to: number })).toEqual({ held: false, muted: true });
    expect(controlFailed({ held: true, muted: false }, { kind: 'resume' })).toEqual({ held: true, muted: false });
    expect(controlFailed({ held: false, muted: false, leaving: true }, { kind: 'transfer', to: agent })).toEqual({ held: false, muted: false });
  });
});
