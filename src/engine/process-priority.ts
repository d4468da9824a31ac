/**
 * The engine's turn on the CPU. A customer who answers hears the agent only
 * once the engine has read the answer and asked Asterisk for the bridge; on a
 * host where other work runs (the lab's softphones and carrier, a build, the
 * database) that wait is the engine's place in the scheduler's queue, not its
 * own work: bench:pbx measured the answer's way to the engine at p99 985 ms
 * with the engine at nice 0 under a load of 10-15 on 2 cores, and 68 ms at
 * nice -10 under a load of 10-27. Asterisk has its own setting for the same reason (asterisk.conf
 * `highpriority`).
 */
import { getPriority, setPriority } from 'node:os';
import type { Logger } from 'pino';
import { z } from 'zod';

/** OUTPACE_ENGINE_NICE: -20 (first) to 19 (last); unset leaves the priority the engine was started with. */
export const engineNiceSetting = z.coerce
  .number()
  .int('OUTPACE_ENGINE_NICE is a whole number from -20 (first) to 19 (last), such as -10')
  .min(-20, 'OUTPACE_ENGINE_NICE is at least -20')
  .max(19, 'OUTPACE_ENGINE_NICE is at most 19')
  .optional();

/**
 * Sets the engine's nice value. Raising it (below 0) needs CAP_SYS_NICE; without it the engine runs on at the
 * priority it has, and says so once: a dialer that would not start for want of a priority would serve no one.
 */
export function applyEngineNice(nice: number | undefined, logger: Pick<Logger, 'info' | 'warn'>): void {
  if (nice === undefined) return;
  try {
    // Linux gives each thread its own nice value: the main thread (the event loop) is the one that reads answers.
    setPriority(nice);
    logger.info({ nice: getPriority() }, 'engine priority set (OUTPACE_ENGINE_NICE)');
  } catch (err) {
    logger.warn(
      { nice, running: getPriority(), err: (err as Error).message },
      'OUTPACE_ENGINE_NICE could not be applied: raising a priority needs CAP_SYS_NICE (root, systemd Nice=, or docker cap_add SYS_NICE); the engine runs on at its present priority',
    );
  }
}
