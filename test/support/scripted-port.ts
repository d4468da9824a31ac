/** A telephony port whose far ends a test plays by hand, recording what the engine asked; and an engine on it. */
import type { AgentBoard } from '../../src/agents/agent-board.js';
import type { AgentDesk } from '../../src/agents/desk.js';
import type { LeadSource } from '../../src/campaigns/lead-source.js';
import { CampaignId, type AgentId, type AttemptId } from '../../src/domain/ids.js';
import { CampaignEngine, type EngineObserver } from '../../src/engine/campaign-engine.js';
import type { Scheduler } from '../../src/engine/scheduler.js';
import { Pacer } from '../../src/pacing/pacer.js';
import type { PacingSettings } from '../../src/pacing/settings.js';
import { Listeners } from '../../src/simulator/listeners.js';
import type { CallControl, OriginateRequest, TelephonyEvent, TelephonyPort } from '../../src/telephony/port.js';

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
  control(attemptId: AttemptId, agentId: AgentId, c: CallControl) { this.asked.push(`${c.kind} ${attemptId} ${agentId}`); }
}

/** An engine on a scripted port with a test's leads and settings; started. */
export function engineOnPort(o: {
  readonly port: ScriptedPort;
  readonly desk: AgentDesk;
  readonly scheduler: Scheduler;
  readonly leads: LeadSource;
  readonly settings: PacingSettings;
  readonly campaignId?: string;
  readonly observer?: EngineObserver;
  readonly board?: AgentBoard;
  /** Started at once (default); not, to act on it before its start, as a takeover does. */
  readonly started?: boolean;
}): CampaignEngine {
  const engine = new CampaignEngine({
    campaignId: CampaignId(o.campaignId ?? 'c'),
    settings: o.settings,
    trunk: { id: 't', maxLines: 10, maxCallsPerSecond: 10 },
    callerId: '+15550000000',
    messages: { abandon: 'sound:outpace/abandon', machine: [] },
    port: o.port,
    desk: o.desk,
    scheduler: o.scheduler,
    leads: o.leads,
    pacer: new Pacer(o.settings),
    observer: o.observer,
    board: o.board,
  });
  if (o.started !== false) engine.start();
  return engine;
}
