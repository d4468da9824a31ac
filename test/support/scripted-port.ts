/** A telephony port whose far ends a unit test plays by hand, recording what the engine asked. */
import type { AgentId, AttemptId } from '../../src/domain/ids.js';
import { Listeners } from '../../src/simulator/listeners.js';
import type { OriginateRequest, TelephonyEvent, TelephonyPort } from '../../src/telephony/port.js';

export class ScriptedPort implements TelephonyPort {
  readonly listeners = new Listeners<TelephonyEvent>();
  readonly originated: OriginateRequest[] = [];
  readonly asked: string[] = [];
  subscribe(l: (e: TelephonyEvent) => void) { return this.listeners.subscribe(l); }
  originate(r: OriginateRequest) { this.originated.push(r); }
  connectToAgent(attemptId: AttemptId, agentId: AgentId) { this.asked.push(`connect ${attemptId} ${agentId}`); }
  abandon(attemptId: AttemptId) { this.asked.push(`abandon ${attemptId}`); }
  leaveMessage(attemptId: AttemptId) { this.asked.push(`message ${attemptId}`); }
  hangup(attemptId: AttemptId) { this.asked.push(`hangup ${attemptId}`); }
  loginAgent(agentId: AgentId) { this.asked.push(`login ${agentId}`); }
  logoutAgent(agentId: AgentId) { this.asked.push(`logout ${agentId}`); }
}
