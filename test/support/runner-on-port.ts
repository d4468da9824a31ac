/** A campaign runner for storage tests: engine "engine", in-process coordination, a quiet log, a trunk of 10 lines. */
import type { AgentBoard } from '../../src/agents/agent-board.js';
import type { AgentDesk } from '../../src/agents/desk.js';
import { CampaignRunner } from '../../src/campaigns/dialing/campaign-runner.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import type { CampaignId } from '../../src/domain/ids.js';
import type { Scheduler } from '../../src/engine/scheduler.js';
import type { Db } from '../../src/storage/db.js';
import type { TelephonyPort } from '../../src/telephony/port.js';
import { quietLogger } from '../integration/telephony-lab.js';

export function runnerOnPort(o: {
  readonly db: Db;
  readonly campaignId: CampaignId;
  readonly port: TelephonyPort;
  readonly desk: AgentDesk;
  readonly board: AgentBoard;
  readonly scheduler: Scheduler;
}): CampaignRunner {
  return new CampaignRunner({
    ...o,
    coordination: memoryCoordination(o.scheduler),
    engineId: 'engine',
    logger: quietLogger,
    trunk: { id: 'carrier', maxLines: 10, maxCallsPerSecond: 10 },
  });
}
