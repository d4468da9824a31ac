/** Calls put through to agents and dispositioned, as the engine stores them: for the recording and QA suites. */
import { finishAttempt, markConnected, setDisposition, startAttempt } from '../../src/campaigns/attempts.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { claimLeads } from '../../src/campaigns/hopper/claim.js';
import { AgentId, type AttemptId } from '../../src/domain/ids.js';
import { MINUTE, type EpochMs } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';
import { addLeads } from './fixtures.js';

let numbers = 0;

export interface ConnectedCall {
  readonly agentId: string;
  readonly disposition: string;
  readonly at: EpochMs;
  /** The lead's custom fields (a trial product, say). */
  readonly fields?: Record<string, unknown>;
}

/** One lead per call, dialed at `at`, talked to by `agentId` for a minute and dispositioned. */
export async function connectedCalls(db: Db, campaign: Campaign, calls: readonly ConnectedCall[]): Promise<AttemptId[]> {
  const phones = calls.map(() => `+1202555${String(++numbers).padStart(4, '0')}`);
  await addLeads(db, campaign, phones.map((phone, i) => ({ phone, ...(calls[i]!.fields ? { customFields: calls[i]!.fields } : {}) })));
  const ids: AttemptId[] = [];
  for (const call of calls) {
    await upsertAgent(db, { id: AgentId(call.agentId), name: call.agentId, redList: false });
    const [lead] = await claimLeads(db, { campaign, engineId: 'e', count: 1, leaseMs: MINUTE, now: call.at });
    if (!lead) throw new Error(`no lead of campaign ${campaign.name} could be claimed at ${new Date(call.at).toISOString()}: check its calling window`);
    const attemptId = await startAttempt(db, { leadId: lead.leadId, engineId: 'e', now: call.at });
    await markConnected(db, attemptId, AgentId(call.agentId), call.at + 5000);
    await finishAttempt(db, attemptId, { endedAt: call.at + MINUTE, outcome: 'live', agentId: AgentId(call.agentId) });
    await setDisposition(db, attemptId, { code: call.disposition }, `agent:${call.agentId}`, call.at + MINUTE + 5000);
    ids.push(attemptId);
  }
  return ids;
}
