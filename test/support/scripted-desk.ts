/**
 * Agents at their desks, in a test's words: they log in, and after each call
 * they wrap up for a moment and give the disposition the test chose for the
 * number they spoke to.
 */
import { DeskHub } from '../../src/agents/desk-hub.js';
import type { AgentDeskEvent } from '../../src/agents/desk.js';
import type { AgentId, AttemptId } from '../../src/domain/ids.js';
import type { Clock } from '../../src/engine/scheduler.js';
import type { AgentState } from '../../src/pacing/snapshot.js';
import type { TelephonyEvent } from '../../src/telephony/port.js';

export class ScriptedDesk extends DeskHub {
  /** The call each agent was last put through to. */
  private readonly lastCall = new Map<AgentId, AttemptId>();
  readonly dispositions: Extract<AgentDeskEvent, { type: 'agent.wrap-up-done' }>[] = [];

  constructor(
    private readonly clock: Clock,
    /** The disposition the agent gives for the call. */
    private readonly dispositionFor: (attemptId: AttemptId) => string,
    private readonly wrapUpMs = 20,
  ) {
    super();
  }

  login(agentId: AgentId, endpoint: string): void {
    this.publish({ type: 'agent.login', agentId, endpoint, at: this.clock.now() });
  }

  /** A telephony port listener: who is speaking to whom. */
  readonly telephonyEvent = (e: TelephonyEvent): void => {
    if (e.type === 'call.connected') this.lastCall.set(e.agentId, e.attemptId);
  };

  /** The engine observer's agentState: an agent in wrap-up dispositions their last call. */
  readonly agentState = (agentId: AgentId, _from: AgentState, to: AgentState): void => {
    const attemptId = this.lastCall.get(agentId);
    if (to !== 'wrap-up' || !attemptId) return;
    setTimeout(() => {
      const done = { type: 'agent.wrap-up-done', agentId, attemptId, disposition: this.dispositionFor(attemptId), at: this.clock.now() } as const;
      this.dispositions.push(done);
      this.publish(done);
    }, this.wrapUpMs);
  };
}
