/**
 * The adaptive baseline: VICIdial AST_VDadapt.pl, adaptive dial level
 * (ADAPT_TAPERED), reimplemented from the published description in
 * shared/docs/pacing-baselines.md for the benchmark. Not outpace's method:
 * it is what most open-source predictive dialers in production do today.
 *
 * Calls are placed every 2.5 s to keep round(dialLevel × agents) calls in
 * progress; every 15 s the dial level moves by the gap between idle agents
 * and waiting calls, clamped to [1, maxLevel] (3 by default), and is cut when today's drop
 * percentage passes the target.
 */
import { abandonRate } from '../abandon-ledger.js';
import { proposal, type DialPolicy, type PolicyContext } from '../policy.js';

const PLACE_EVERY_MS = 2500;
const ADAPT_EVERY_MS = 15_000;
const WINDOW_SAMPLES = 15;

export interface AdaptiveBaselineOptions {
  readonly maxLevel: number;
  /** dlDiffTarget: −1 aims for one agent waiting, +1 for one call waiting. */
  readonly diffTarget: number;
  /** −40..+40. */
  readonly intensity: number;
  /** The campaign's latest dialing time as HHMM (local time = UTC in the simulator). */
  readonly latestHHMM: number;
}

export const ADAPTIVE_BASELINE_DEFAULTS: AdaptiveBaselineOptions = { maxLevel: 3, diffTarget: 0, intensity: 0, latestHHMM: 2100 };

function hhmm(ms: number): number {
  const d = new Date(ms);
  return d.getUTCHours() * 100 + d.getUTCMinutes();
}

export function adaptiveBaselinePolicy(options: Partial<AdaptiveBaselineOptions> = {}): DialPolicy {
  const o = { ...ADAPTIVE_BASELINE_DEFAULTS, ...options };
  let dialLevel = 1;
  let lastPlaceAt = -Infinity;
  let lastAdaptAt = -Infinity;
  let lastSampleAt = -Infinity;
  const samples: { ready: number; waiting: number; total: number }[] = [];
  /** When each dial of the last minute resolved: VICIdial's calls_onemin. */
  const dialsLastMinute: number[] = [];

  function adapt(ctx: PolicyContext): void {
    if (samples.length === 0) return;
    const avg = (f: (s: (typeof samples)[number]) => number) => samples.reduce((t, s) => t + f(s), 0) / samples.length;
    const avgTotal = avg((s) => s.total);
    if (avgTotal > 0) {
      const target = avg((s) => s.ready) - avg((s) => s.waiting) + o.diffTarget;
      let pct = (100 * target) / avgTotal;
      const m = o.intensity / 100;
      pct = pct < 0 ? pct * Math.abs(m - 1) : pct * (m + 1);
      dialLevel *= 1 + pct / 100;
    }
    dialLevel = Math.min(Math.max(dialLevel, 1), o.maxLevel);
    const minute = ctx.abandons.lastMinute;
    while (dialsLastMinute.length > 0 && dialsLastMinute[0]! < ctx.snapshot.now - 60_000) dialsLastMinute.shift();
    if (dialsLastMinute.length > 20 && minute.liveAnswers > 0 && minute.abandoned / minute.liveAnswers > 0.5) dialLevel /= 2;
    const today = ctx.abandons.sinceStart;
    if (today.liveAnswers > 50 && abandonRate(today) > ctx.settings.abandonTarget) {
      const now = hhmm(ctx.snapshot.now);
      dialLevel = now >= o.latestHHMM ? 1 : dialLevel * Math.min(1, (o.latestHHMM - now) / 1000);
    }
    dialLevel = Math.max(dialLevel, 1);
  }

  return {
    name: 'adaptive-baseline',
    observe(o, at) {
      if (o.kind === 'resolved') dialsLastMinute.push(at);
    },
    propose(ctx) {
      const { counts, snapshot } = ctx;
      const now = snapshot.now;
      // VICIdial counts agents ready, on a call or being connected, not paused (its wrap-up is a pause).
      const agents = counts.ready + counts.reserved + counts.onCall;
      if (now - lastSampleAt >= 1000) {
        samples.push({ ready: counts.ready, waiting: counts.waiting, total: agents });
        if (samples.length > WINDOW_SAMPLES) samples.shift();
        lastSampleAt = now;
      }
      if (now - lastAdaptAt >= ADAPT_EVERY_MS) {
        adapt(ctx);
        lastAdaptAt = now;
      }
      if (now - lastPlaceAt < PLACE_EVERY_MS) return proposal(0, `dial level ${dialLevel.toFixed(2)} (between placing rounds)`);
      lastPlaceAt = now;
      const goal = Math.round(dialLevel * agents);
      // VICIdial counts calls in progress from vicidial_auto_calls, whose rows last until hang-up, so calls
      // talking to agents count too; counting only ringing and waiting calls would keep one line per
      // talking agent ringing even at the 1.0 floor and abandon about half of all live answers.
      const inProgress = counts.ringing + counts.waiting + counts.connecting + counts.onCall;
      return proposal(goal - inProgress, `dial level ${dialLevel.toFixed(2)}`);
    },
  };
}
