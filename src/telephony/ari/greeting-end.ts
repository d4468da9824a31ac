/**
 * When the called person finished their greeting, from machine detection's
 * own account of it. AMD() decides HUMAN once it has heard
 * `afterGreetingSilence` of silence after the greeting, and says so in
 * AMDCAUSE as HUMAN-<silence heard>-<afterGreetingSilence> (apps/app_amd.c:
 * `sprintf(amdCause, "HUMAN-%d-%d", silenceDuration, afterGreetingSilence)`),
 * so the greeting ended that silence before the verdict. The FCC counts the
 * connect deadline from there ("two seconds after the called person completes
 * his or her greeting"), not from the verdict, which comes 800 ms later with
 * the shipped amd.conf. Other verdicts carry no greeting's end: the verdict's
 * own time stands (TOOLONG: the person was still speaking when AMD gave up).
 */
import type { EpochMs } from '../../domain/time.js';

const HUMAN_CAUSE = /^HUMAN-(\d+)-(\d+)$/;

export function greetingEndedAt(verdictAt: EpochMs, answeredAt: EpochMs, cause: string): EpochMs {
  const silenceMs = Number(HUMAN_CAUSE.exec(cause)?.[1] ?? 0);
  return Math.max(answeredAt, verdictAt - silenceMs);
}
