/**
 * What the demo's simulated agents record after their calls: a plausible mix
 * of the stock disposition codes (0001_initial.sql), so that leads move on
 * every way a real list does: done, retried later, a callback, do-not-call.
 */
import { MINUTE } from '../domain/time.js';
import { Random } from '../simulator/random.js';
import type { ChooseDisposition } from '../simulator/simulated-agents.js';

const MIX: readonly (readonly [code: string, share: number])[] = [
  ['valid-sale', 0.15],
  ['not-target', 0.25],
  ['refused', 0.3],
  ['wrong-party', 0.13],
  ['appointment', 0.1],
  ['do-not-call', 0.05],
  ['hostile', 0.02],
];
/** An appointment is a callback this many minutes later: soon enough to see it dialed during the demo. */
const CALLBACK_AFTER_MIN = { from: 20, to: 60 };

export function demoDispositions(seed: number): ChooseDisposition {
  const r = Random.stream(seed, 'dispositions', 0);
  return (_agentId, _attemptId, at) => {
    let u = r.next();
    const [code] = MIX.find(([, share]) => (u -= share) < 0) ?? MIX[0]!;
    // For anyone: the runner claims for no agent in particular, so a callback kept for one agent would wait for a preview desk.
    if (code !== 'appointment') return { disposition: code };
    return { disposition: code, callback: { at: at + r.uniform(CALLBACK_AFTER_MIN.from, CALLBACK_AFTER_MIN.to) * MINUTE, agentId: null } };
  };
}
