/**
 * One simulated shift: the real campaign engine and pacing core, driven on
 * virtual time by the simulated population, agents and telephony.
 */
import { CampaignId } from '../domain/ids.js';
import { HOUR } from '../domain/time.js';
import { CampaignEngine, type EngineObserver, type PacingCore } from '../engine/campaign-engine.js';
import { Pacer } from '../pacing/pacer.js';
import type { DialPolicy } from '../pacing/policy.js';
import { pacingSettingsSchema, type PacingSettings } from '../pacing/settings.js';
import { SimulatedTime } from './event-queue.js';
import { Population } from './population.js';
import type { Scenario } from './scenario.js';
import { SimulatedAgents } from './simulated-agents.js';
import { SimulatedTelephony } from './simulated-telephony.js';
import { ShiftMetrics, type ShiftResult } from './shift-metrics.js';

/** The simulated shifts all fall on one ordinary weekday. */
const SIMULATED_DAY = Date.UTC(2026, 0, 13);

export interface ShiftOptions {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly settings?: Partial<PacingSettings>;
  /** A policy other than the mode's own (the benchmark's baselines). */
  readonly policy?: DialPolicy;
  /** Hours to simulate; the scenario's shift by default. */
  readonly hours?: number;
  /** Wraps the pacer (to time its decisions). */
  readonly wrapPacer?: (pacer: Pacer) => PacingCore;
  /** Called once per simulated `progressEverySec` with the engine's latest state (the terminal demo). */
  readonly extraObserver?: EngineObserver;
}

export function shiftStart(scenario: Scenario): number {
  const [h, m] = scenario.startsAt.split(':').map(Number);
  return SIMULATED_DAY + (h! * 60 + m!) * 60_000;
}

export function settingsFor(scenario: Scenario, overrides: Partial<PacingSettings> = {}): PacingSettings {
  return pacingSettingsSchema.parse({
    machineDetection: scenario.machineDetection.enabled,
    // The scenario's own wrap-up times are what is simulated: no cut-off.
    wrapUpTimeoutSec: 0,
    ...scenario.pacing,
    ...overrides,
  });
}

export interface SimulatedShift {
  readonly time: SimulatedTime;
  readonly engine: CampaignEngine;
  readonly metrics: ShiftMetrics;
  /** The campaign's pacing settings: the scenario's, with the run's overrides. */
  readonly settings: PacingSettings;
  readonly start: number;
  readonly end: number;
  /** Advance the simulation to `until` (at most the shift's end). */
  runUntil(until: number): void;
  finish(): ShiftResult;
}

export function prepareShift(o: ShiftOptions): SimulatedShift {
  const start = shiftStart(o.scenario);
  const end = start + (o.hours ?? o.scenario.shiftHours) * HOUR;
  const time = new SimulatedTime(start);
  const population = new Population(o.scenario, o.seed, start);
  const agents = new SimulatedAgents(time, o.scenario, o.seed);
  const telephony = new SimulatedTelephony(time, o.scenario, population, agents);
  const settings = settingsFor(o.scenario, o.settings);
  const pacer = new Pacer(settings, o.policy);
  const metrics = new ShiftMetrics(start, end, settings.countDetectionFalsePositivesAsAbandoned ? settings.detectionFalsePositiveRate : 0);
  const extra = o.extraObserver;
  const engine = new CampaignEngine({
    campaignId: CampaignId(o.scenario.name),
    settings,
    trunk: { id: 'sim', maxLines: o.scenario.trunk.maxLines, maxCallsPerSecond: o.scenario.trunk.maxCallsPerSecond },
    callerId: '+15550000000',
    messages: { abandon: 'sound:outpace/abandon', machine: ['sound:outpace/machine-message'] },
    port: telephony,
    desk: agents,
    scheduler: time,
    leads: population,
    pacer: o.wrapPacer ? o.wrapPacer(pacer) : pacer,
    observer: extra
      ? {
          decision: (d) => { metrics.decision(d); extra.decision?.(d); },
          agentState: (...a) => { metrics.agentState(...a); extra.agentState?.(...a); },
          attemptEnded: (a) => { metrics.attemptEnded(a); extra.attemptEnded?.(a); },
        }
      : metrics,
  });
  agents.planShift(start);
  engine.start();
  return {
    time,
    engine,
    metrics,
    settings,
    start,
    end,
    runUntil: (until) => time.runUntil(Math.min(until, end)),
    finish() {
      time.runUntil(end);
      engine.stop();
      return metrics.result();
    },
  };
}

export function runShift(o: ShiftOptions): ShiftResult {
  return prepareShift(o).finish();
}
