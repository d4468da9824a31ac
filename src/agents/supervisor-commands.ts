/**
 * A supervisor's pause or log-out of an agent (and their listen, whisper or
 * barge, handed to the telephony port), heard by every engine process
 * (through the live state's command channel) and said on this process's desk
 * as the agent's own would be: the engine holding the agent acts on it (at
 * once when ready, after the call and wrap-up otherwise, as for the agent's
 * own), the others know no such agent and let it pass. The agent's screen
 * hears the new state from the board as always.
 */
import type { Logger } from 'pino';
import type { LiveState, SupervisionNews, SupervisorCommand } from '../coordination/coordination.js';
import type { Clock } from '../engine/scheduler.js';
import type { TelephonyPort } from '../telephony/port.js';
import type { DeskHub } from './desk-hub.js';

export interface SupervisorCommandsOptions {
  readonly live: LiveState;
  readonly desk: DeskHub;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where supervisors listen, whisper and barge; a port that cannot (the simulator) tells them nothing happened. */
  readonly port?: Pick<TelephonyPort, 'supervise' | 'endSupervision' | 'subscribe'>;
}

export async function followSupervisorCommands(o: SupervisorCommandsOptions): Promise<() => Promise<void>> {
  // The port's word on each supervision goes to the wallboard's events, for the supervisors' pages.
  const unsubscribe = o.port?.subscribe((e) => {
    if (e.type !== 'supervision.started' && e.type !== 'supervision.ended') return;
    const news: SupervisionNews =
      e.type === 'supervision.started'
        ? { sessionId: e.sessionId, agentId: e.agentId, state: 'started', mode: e.mode, at: e.at }
        : { sessionId: e.sessionId, agentId: e.agentId, state: 'ended', why: e.why, at: e.at };
    o.live.supervisionNews(news).catch((err: unknown) => o.logger.warn({ err, news }, 'supervision not shown on the wallboard'));
  });
  const unfollow = await o.live.onCommand((command: SupervisorCommand) => {
    const at = o.clock.now();
    o.logger.info({ command }, `supervisor ${command.by}: ${command.type}`);
    switch (command.type) {
      case 'supervise':
        // Every engine process hears it; the one whose PBX holds the agent's leg acts, the others' adapters know no such agent.
        return o.port?.supervise?.(command.request);
      case 'end-supervision':
        return o.port?.endSupervision?.(command.sessionId);
      case 'pause-agent':
        return o.desk.publish({ type: 'agent.pause', agentId: command.agentId, reason: command.reason, at });
      case 'log-out-agent':
        return o.desk.publish({ type: 'agent.logout', agentId: command.agentId, at });
    }
  });
  return async () => {
    unsubscribe?.();
    await unfollow();
  };
}
