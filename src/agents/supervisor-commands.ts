/**
 * A supervisor's pause or log-out of an agent, heard by every engine process
 * (through the live state's command channel) and said on this process's desk
 * as the agent's own would be: the engine holding the agent acts on it (at
 * once when ready, after the call and wrap-up otherwise, as for the agent's
 * own), the others know no such agent and let it pass. The agent's screen
 * hears the new state from the board as always.
 */
import type { Logger } from 'pino';
import type { LiveState, SupervisorCommand } from '../coordination/coordination.js';
import type { Clock } from '../engine/scheduler.js';
import type { DeskHub } from './desk-hub.js';

export function followSupervisorCommands(o: { readonly live: LiveState; readonly desk: DeskHub; readonly clock: Clock; readonly logger: Logger }): Promise<() => Promise<void>> {
  return o.live.onCommand((command: SupervisorCommand) => {
    const at = o.clock.now();
    o.logger.info({ command }, `supervisor ${command.by}: ${command.type} ${command.agentId}`);
    switch (command.type) {
      case 'pause-agent':
        return o.desk.publish({ type: 'agent.pause', agentId: command.agentId, reason: command.reason, at });
      case 'log-out-agent':
        return o.desk.publish({ type: 'agent.logout', agentId: command.agentId, at });
    }
  });
}
