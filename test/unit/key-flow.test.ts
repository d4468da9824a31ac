import { describe, expect, it } from 'vitest';
import { AgentId } from '../../src/domain/ids.js';
import { type KeyFlowAction, type KeyFlowInput, type KeyFlowSettings, type KeyFlowState, initialKeyFlow, stepKeyFlow } from '../../src/ivr/key-flow.js';

const settings: KeyFlowSettings = { partsTotal: 3, maxPlays: 2, keyTimeoutMs: 5000, agentWaitMs: 2000, agentsLinked: true, onMachine: 'leave-message' };

/** Feeds the inputs in turn; returns the final state and every action, flattened. */
function run(inputs: KeyFlowInput[], s: KeyFlowSettings = settings): { state: KeyFlowState; actions: KeyFlowAction[] } {
  let state = initialKeyFlow;
  const actions: KeyFlowAction[] = [];
  for (const input of inputs) {
    const step = stepKeyFlow(s, state, input);
    state = step.state;
    actions.push(...step.actions);
  }
  return { state, actions };
}

const human: KeyFlowInput = { type: 'answered', party: 'human' };
const played: KeyFlowInput = { type: 'played' };
const key = (digit: string): KeyFlowInput => ({ type: 'key', digit });
const wholeMessage = [played, played, played];
const result = (actions: KeyFlowAction[]) => actions.flatMap((a) => (a.type === 'finished' ? [a.result] : []));
const types = (actions: KeyFlowAction[]) => actions.map((a) => a.type);

describe('the broadcast key flow', () => {
  it('plays the message part by part, waits for a key, then plays it again and says goodbye when the plays run out', () => {
    const first = run([human, ...wholeMessage]);
    expect(first.actions.filter((a) => a.type === 'play-part')).toEqual([0, 1, 2].map((part) => ({ type: 'play-part', part })));
    expect(first.actions.at(-1)).toEqual({ type: 'start-timer', timer: 1, ms: 5000 });
    const { actions } = run([human, ...wholeMessage, { type: 'timer', timer: 1 }, ...wholeMessage, { type: 'timer', timer: 2 }, played]);
    expect(types(actions).slice(-3)).toEqual(['play-closing', 'hangup', 'finished']);
    expect(result(actions)).toEqual([{ outcome: 'heard', partsHeard: 3, partsTotal: 3, plays: 2, keys: [] }]);
  });

  it('key 1 during the message cuts it and reaches an agent', () => {
    const { actions } = run([human, played, key('1'), { type: 'agent-connected', agentId: AgentId('a1') }]);
    expect(types(actions)).toEqual(['play-part', 'play-part', 'stop-playback', 'request-agent', 'finished']);
    expect(result(actions)[0]).toMatchObject({ outcome: 'transferred', keys: ['1'], partsHeard: 1 });
  });

  it('key 1 with no agent in time: busy prompt, callback, and an abandon of the agent campaign', () => {
    const { actions } = run([human, ...wholeMessage, key('1'), { type: 'timer', timer: 2 }, played]);
    expect(types(actions).slice(-7)).toEqual(['request-agent', 'withdraw-agent-request', 'count-abandon', 'schedule-callback', 'play-closing', 'hangup', 'finished']);
    expect(result(actions)[0]).toMatchObject({ outcome: 'callback-scheduled' });
  });

  it('an agent who comes after the deadline is not given the call', () => {
    const { actions } = run([human, ...wholeMessage, key('1'), { type: 'timer', timer: 2 }, { type: 'agent-connected', agentId: AgentId('late') }, played]);
    expect(result(actions)[0]).toMatchObject({ outcome: 'callback-scheduled' });
  });

  it('key 2 plays the message again from the start', () => {
    const { actions, state } = run([human, ...wholeMessage, key('2')]);
    expect(actions.at(-1)).toEqual({ type: 'play-part', part: 0 });
    expect(state.plays).toBe(2);
  });

  it('key 9 puts the number on the do-not-call list and acknowledges it', () => {
    const { actions } = run([human, played, key('9'), played]);
    expect(types(actions)).toEqual(['play-part', 'play-part', 'stop-playback', 'add-do-not-call', 'play-closing', 'hangup', 'finished']);
    expect(actions).toContainEqual({ type: 'play-closing', prompt: 'opt-out' });
    expect(result(actions)[0]).toMatchObject({ outcome: 'opted-out', keys: ['9'] });
  });

  it('a customer who hangs up during the opt-out acknowledgement is still opted out', () => {
    expect(result(run([human, key('9'), { type: 'hung-up' }]).actions)[0]).toMatchObject({ outcome: 'opted-out' });
  });

  it('an unknown key in the menu counts as silence; during the message it is only recorded', () => {
    const duringMessage = run([human, key('5')]);
    expect(types(duringMessage.actions)).toEqual(['play-part']);
    const inMenu = run([human, ...wholeMessage, key('7'), ...wholeMessage, key('#')]);
    expect(inMenu.actions.filter((a) => a.type === 'play-part')).toHaveLength(6);
    expect(inMenu.actions).toContainEqual({ type: 'play-closing', prompt: 'goodbye' });
    expect(inMenu.state.keys).toEqual(['7', '#']);
  });

  it('key 1 without a linked agent campaign is an unknown key', () => {
    const { actions } = run([human, ...wholeMessage, key('1')], { ...settings, agentsLinked: false });
    expect(actions.at(-1)).toEqual({ type: 'play-part', part: 0 });
  });

  it('a timer of an earlier phase is ignored', () => {
    const { actions } = run([human, ...wholeMessage, key('2'), played, played, played, { type: 'timer', timer: 1 }]);
    expect(actions.at(-1)).toEqual({ type: 'start-timer', timer: 2, ms: 5000 });
  });

  it('a hang-up mid-message is partly heard, with how far', () => {
    expect(result(run([human, played, { type: 'hung-up' }]).actions)).toEqual([{ outcome: 'partly-heard', partsHeard: 1, partsTotal: 3, plays: 1, keys: [] }]);
  });

  it('a repeat cut short still counts the first play heard to the end', () => {
    expect(result(run([human, ...wholeMessage, key('2'), played, { type: 'hung-up' }]).actions)[0]).toMatchObject({ outcome: 'heard', partsHeard: 3, plays: 2 });
  });

  it('a machine gets the whole message once, keys ignored, then the system hangs up', () => {
    const { actions } = run([{ type: 'answered', party: 'machine' }, played, key('9'), played, played]);
    expect(types(actions)).toEqual(['play-part', 'play-part', 'play-part', 'hangup', 'finished']);
    expect(result(actions)[0]).toMatchObject({ outcome: 'machine-message-left', partsHeard: 3 });
  });

  it('a machine is hung up on when the campaign says so', () => {
    const { actions } = run([{ type: 'answered', party: 'machine' }], { ...settings, onMachine: 'hangup' });
    expect(types(actions)).toEqual(['hangup', 'finished']);
    expect(result(actions)[0]).toMatchObject({ outcome: 'machine-hung-up', partsHeard: 0 });
  });

  it('does nothing once finished', () => {
    const done = run([human, { type: 'hung-up' }]).state;
    expect(stepKeyFlow(settings, done, key('1')).actions).toEqual([]);
  });
});
