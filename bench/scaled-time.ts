/**
 * What the benchmarks over the ARI test server share: simulated time from the
 * wall clock (`scale` real ms per simulated ms, as the test server scales its
 * scripts), quantiles kept in fixed memory, and the timing of each live
 * answer's way to its agent.
 */
import { createHistogram } from 'node:perf_hooks';
import type { Coordination, TrunkLimits } from '../src/coordination/coordination.js';
import type { AttemptId } from '../src/domain/ids.js';
import type { Scheduler } from '../src/engine/scheduler.js';
import { type Scenario, scenarioSchema } from '../src/simulator/scenario.js';
import type { TelephonyPort } from '../src/telephony/port.js';

/** `t0`: the wall-clock moment that is `start`; processes that share a timeline (engines taking over from each other) share it. */
export function scaledClock(start: number, scale: number, t0 = Date.now()): Scheduler {
  return {
    now: () => start + (Date.now() - t0) / scale,
    after: (delay, task) => {
      const timer = setTimeout(task, Math.max(0, delay * scale));
      return { cancel: () => clearTimeout(timer) };
    },
  };
}

/**
 * Redis keeps time by its own clock: a campaign's lease and a trunk's hold lapse, and a trunk's call starts are
 * counted, in real ms. Engines on a scaled clock renew them in simulated ms, so the durations they give Redis are
 * turned into real ones here (at scale 3, a 5 s lease renewed every 1.7 simulated s must last 15 real s).
 */
export function scaledCoordination(c: Coordination, scale: number): Coordination {
  const real = (ms: number) => ms * scale;
  const limits = (l: TrunkLimits): TrunkLimits => ({ ...l, windowMs: real(l.windowMs) });
  const { ownership, trunks } = c;
  return {
    live: c.live,
    health: () => c.health(),
    close: () => c.close(),
    ownership: {
      acquire: (campaignId, engineId, ttl) => ownership.acquire(campaignId, engineId, real(ttl)),
      renew: (campaignId, engineId, token, ttl) => ownership.renew(campaignId, engineId, token, real(ttl)),
      release: (campaignId, engineId, token) => ownership.release(campaignId, engineId, token),
      isCurrent: (campaignId, token) => ownership.isCurrent(campaignId, token),
      owner: (campaignId) => ownership.owner(campaignId),
    },
    trunks: {
      seize: (trunk, engineId, l, holdMs) => trunks.seize(trunk, engineId, limits(l), real(holdMs)),
      release: (trunk, engineId) => trunks.release(trunk, engineId),
      hold: (trunk, engineId, lines, l, holdMs) => trunks.hold(trunk, engineId, lines, limits(l), real(holdMs)),
    },
  };
}

/**
 * Quantiles in fixed memory (a histogram to a thousandth), so the measurement does not grow the heap it measures. A time
 * below zero (two clocks a hair apart) counts as zero.
 */
export class Quantiles {
  private readonly h = createHistogram();
  record(x: number): void {
    this.h.record(Math.max(0, Math.round(x * 1000)) + 1);
  }
  p(q: number): number {
    return this.h.count === 0 ? NaN : (this.h.percentile(q * 100) - 1) / 1000;
  }
  get max(): number {
    return (this.h.max - 1) / 1000;
  }
  get count(): number {
    return this.h.count;
  }
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** The two halves of a live answer's way to an agent, in real ms. */
export interface ConnectTimes {
  /** From the answer to the agent connected. */
  readonly answerToAgentMs: number;
  /** Of which waiting for the engine's connect request (a free agent the customer can meet). */
  readonly agentWaitMs: number;
  /** Of which the connect request to the bridge holding both (adapter, ari-client, ARI). */
  readonly bridgeMs: number;
}

/**
 * Times every live answer's way to its agent on the port: from its
 * call.answered (subscribed before the engine, so timed before the engine
 * hears it) through the engine's connect request to its call.connected.
 * `asked` is told at each connect request (what else to sample then).
 */
export function timeConnects(
  port: Pick<TelephonyPort, 'subscribe' | 'connectToAgent'>,
  connected: (times: ConnectTimes) => void,
  asked: () => void = () => undefined,
): void {
  const answeredAt = new Map<AttemptId, number>();
  const askedAt = new Map<AttemptId, number>();
  port.subscribe((e) => {
    if (e.type === 'call.answered') answeredAt.set(e.attemptId, performance.now());
    else if (e.type === 'call.connected') {
      const now = performance.now();
      const answered = answeredAt.get(e.attemptId);
      const connectAsked = askedAt.get(e.attemptId);
      if (answered === undefined || connectAsked === undefined) return;
      connected({ answerToAgentMs: now - answered, agentWaitMs: connectAsked - answered, bridgeMs: now - connectAsked });
    } else if (e.type === 'call.ended' || e.type === 'call.failed') {
      answeredAt.delete(e.attemptId);
      askedAt.delete(e.attemptId);
    }
  });
  const connectToAgent = port.connectToAgent.bind(port);
  port.connectToAgent = (attemptId, agentId) => {
    askedAt.set(attemptId, performance.now());
    asked();
    connectToAgent(attemptId, agentId);
  };
}

/** 10:00 in New York on a Monday: inside the US calling window for hours. */
export const BENCH_START = Date.UTC(2026, 10, 23, 15, 0);

/** The call center both agent benchmarks run: about 55 dials an agent-hour. */
export function agentsScenario(agents: number): Scenario {
  return scenarioSchema.parse({
    name: `A${agents}`,
    description: `${agents} agents, 20% live answers, talk 180 s, wrap-up 15 s, no machine detection`,
    agents,
    outcomes: { live: 0.2 },
    talkSec: { mean: 180, sd: 90 },
    wrapUpSec: { mean: 15, sd: 5, shape: 'gamma' },
    machineDetection: { enabled: false },
  });
}
