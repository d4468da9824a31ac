/**
 * What an agent records about the call in hand: the script's answers and
 * corrections to the customer's data. Only the agent the call was put
 * through to may do either, and only until the call's disposition.
 */
import { z } from 'zod';
import type { AgentId, AttemptId, CampaignId } from '../domain/ids.js';
import { leadFieldDefinitions, uneditable } from '../campaigns/lead-fields.js';
import type { Clock } from '../engine/scheduler.js';
import type { Db } from '../storage/db.js';
import { ConflictError } from '../storage/errors.js';
import { correctLead, leadCorrectionSchema, type CorrectedLead } from './lead-correction.js';
import { answerValueSchema } from './scripts/answers.js';
import { recordAnswers, type RecordedAnswers } from './scripts/attempt-answers.js';

export const scriptAnswersMessage = z.object({
  type: z.literal('script.answers'),
  attemptId: z.uuid(),
  answers: z.record(z.string().min(1), answerValueSchema),
});

export const leadCorrectMessage = leadCorrectionSchema.extend({ type: z.literal('lead.correct'), attemptId: z.uuid() });

export interface CallWorkOptions {
  readonly db: Db;
  readonly clock: Clock;
  /** The call last put through to the agent, if any. */
  readonly callOf: (agentId: AgentId) => AttemptId | undefined;
}

export class CallWork {
  constructor(private readonly o: CallWorkOptions) {}

  async answer(agentId: AgentId, m: z.output<typeof scriptAnswersMessage>): Promise<RecordedAnswers> {
    const attemptId = await this.callInHand(agentId, m.attemptId);
    return recordAnswers(this.o.db, attemptId, m.answers, actorOf(agentId), this.o.clock.now());
  }

  async correct(agentId: AgentId, m: z.output<typeof leadCorrectMessage>): Promise<CorrectedLead> {
    const attemptId = await this.callInHand(agentId, m.attemptId);
    const { rows } = await this.o.db.query<{ campaign_id: CampaignId }>('SELECT campaign_id FROM attempts WHERE id = $1::uuid', [attemptId]);
    const locked = uneditable(await leadFieldDefinitions(this.o.db, rows[0]!.campaign_id), Object.keys(m.fields ?? {}));
    if (locked.length > 0) throw new ConflictError(`the campaign does not let agents change ${locked.join(', ')}`);
    return correctLead(this.o.db, attemptId, { fields: m.fields, phone: m.phone, timeZone: m.timeZone }, actorOf(agentId));
  }

  /** The agent's call while on it or in its wrap-up; anything else is refused with the reason. */
  private async callInHand(agentId: AgentId, attemptId: string): Promise<AttemptId> {
    const inHand = this.o.callOf(agentId);
    if (inHand !== attemptId) throw new ConflictError(`attempt ${attemptId} is not your call: only the agent it was put through to may change it`);
    const { rows } = await this.o.db.query<{ disposition: string | null }>('SELECT disposition FROM attempts WHERE id = $1::uuid', [inHand]);
    if (rows[0]?.disposition) {
      throw new ConflictError(`call ${attemptId} is dispositioned (${rows[0].disposition}) and closed: a supervisor can still correct it`);
    }
    return inHand;
  }
}

/** How agents appear in the audit log, as the attempt store writes them. */
export function actorOf(agentId: AgentId): string {
  return `agent:${agentId}`;
}
