/**
 * The script of one call and the answers given on it. The version shown in
 * the screen pop is pinned on the attempt, so a manager's edit during the
 * call changes nothing for it: its answers are checked against, and kept
 * with, the questions the agent was shown.
 */
import type { AttemptId, CampaignId } from '../../domain/ids.js';
import type { EpochMs } from '../../domain/time.js';
import type { Db, Queryable } from '../../storage/db.js';
import { ConflictError, NotFoundError } from '../../storage/errors.js';
import { mergeAnswers, type AnswerValue, type Answers } from './answers.js';
import { renderScript, type LeadView } from './render.js';
import { currentScript, scriptVersion, type StoredScript } from './script-store.js';

/** The script as it travels to the agent's screen. */
export interface AgentScript {
  readonly id: string;
  readonly version: number;
  readonly name: string;
  readonly start: string;
  readonly questions: StoredScript['questions'];
}

export function forAgent(script: StoredScript, lead: LeadView): AgentScript {
  const { start, questions } = renderScript(script, lead);
  return { id: script.id, version: script.version, name: script.name, start, questions };
}

/** The campaign's current script for a lead offered before any call (preview), or undefined. */
export async function campaignScriptFor(db: Queryable, campaignId: CampaignId, lead: LeadView): Promise<AgentScript | undefined> {
  const script = await currentScript(db, campaignId);
  return script && forAgent(script, lead);
}

/** The call's script: the version pinned on the attempt, or the campaign's current one, pinned now. */
export async function scriptForCall(db: Queryable, attemptId: AttemptId, campaignId: CampaignId, lead: LeadView): Promise<AgentScript | undefined> {
  const pinned = await pinnedVersion(db, attemptId);
  const script = pinned ? await scriptVersion(db, pinned.scriptId, pinned.version) : await currentScript(db, campaignId);
  if (!script) return undefined;
  if (!pinned) {
    await db.query('UPDATE attempts SET script_id = $2, script_version = $3 WHERE id = $1::uuid AND script_id IS NULL', [
      attemptId,
      script.id,
      script.version,
    ]);
  }
  return forAgent(script, lead);
}

export interface RecordedAnswers {
  readonly scriptId: string;
  readonly scriptVersion: number;
  readonly answers: Record<string, AnswerValue>;
  /** Answers removed because the changed branch no longer passes their question. */
  readonly dropped: readonly string[];
}

/** Lays the answers over those stored for the attempt; refused whole if one does not fit the script. */
export async function recordAnswers(db: Db, attemptId: AttemptId, incoming: Answers, actor: string, at: EpochMs): Promise<RecordedAnswers> {
  return db.transaction(async (tx) => {
    // The row lock serialises two messages of one call: each merges over the other's answers.
    const pinned = await pinnedVersion(tx, attemptId, 'FOR UPDATE');
    if (!pinned) throw new ConflictError(`call ${attemptId} was shown no script: its campaign had none when the call was put through`);
    const script = await scriptVersion(tx, pinned.scriptId, pinned.version);
    const stored = await attemptAnswers(tx, attemptId);
    const { answers, dropped } = mergeAnswers(script, stored, incoming);
    const questions = Object.keys(incoming);
    await tx.query(
      `INSERT INTO attempt_answers (attempt_id, question_id, script_id, script_version, answer, answered_by, answered_at)
       SELECT $1, x.question_id, $2, $3, x.answer, $5, $6 FROM unnest($4::text[], $7::jsonb[]) AS x(question_id, answer)
       ON CONFLICT (attempt_id, question_id) DO UPDATE
         SET answer = EXCLUDED.answer, answered_by = EXCLUDED.answered_by, answered_at = EXCLUDED.answered_at`,
      [attemptId, pinned.scriptId, pinned.version, questions, actor, new Date(at), questions.map((q) => JSON.stringify(incoming[q]))],
    );
    if (dropped.length > 0) await tx.query('DELETE FROM attempt_answers WHERE attempt_id = $1 AND question_id = ANY ($2::text[])', [attemptId, dropped]);
    return { scriptId: pinned.scriptId, scriptVersion: pinned.version, answers, dropped };
  });
}

export async function attemptAnswers(db: Queryable, attemptId: AttemptId): Promise<Record<string, AnswerValue>> {
  const { rows } = await db.query<{ question_id: string; answer: AnswerValue }>(
    'SELECT question_id, answer FROM attempt_answers WHERE attempt_id = $1::uuid',
    [attemptId],
  );
  return Object.fromEntries(rows.map((r) => [r.question_id, r.answer]));
}

async function pinnedVersion(db: Queryable, attemptId: AttemptId, lock = ''): Promise<{ scriptId: string; version: number } | undefined> {
  const { rows } = await db.query<{ script_id: string | null; script_version: number | null }>(
    `SELECT script_id, script_version FROM attempts WHERE id = $1::uuid ${lock}`,
    [attemptId],
  );
  if (!rows[0]) throw new NotFoundError('attempt', attemptId);
  const { script_id, script_version } = rows[0];
  return script_id && script_version ? { scriptId: script_id, version: script_version } : undefined;
}
