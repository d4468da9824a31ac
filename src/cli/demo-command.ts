/**
 * `outpace demo`: a simulated campaign run by the real engine and pacing
 * core, faster than real time, with live progress in the terminal: agents by
 * state, dial level, calls in flight, live answers and the abandon rate.
 */
import { SECOND } from '../domain/time.js';
import type { PacingDecision } from '../pacing/pacer.js';
import type { DialMode } from '../pacing/settings.js';
import { prepareShift, settingsFor } from '../simulator/run-shift.js';
import type { Scenario } from '../simulator/scenario.js';

export interface DemoOptions {
  readonly scenario: Scenario;
  readonly mode: DialMode;
  readonly hours: number;
  /** Simulated seconds per real second. */
  readonly speed: number;
  readonly seed: number;
  /** Redraw in place (a terminal) or print a line per simulated ten minutes (a log). */
  readonly interactive: boolean;
  readonly write: (text: string) => void;
}

const FRAME_MS = 250;

function bar(n: number, total: number, width = 30): string {
  const filled = total > 0 ? Math.round((n / total) * width) : 0;
  return '█'.repeat(filled) + '·'.repeat(Math.max(0, width - filled));
}

function clock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const totals = { attempts: 0, live: 0, abandoned: 0, connected: 0 };
  let last: PacingDecision | undefined;
  const shift = prepareShift({
    scenario: o.scenario,
    seed: o.seed,
    hours: o.hours,
    settings: { mode: o.mode },
    extraObserver: {
      decision: (d) => { last = d; },
      attemptEnded: (a) => {
        totals.attempts++;
        if (a.readyAt !== undefined) totals.live++;
        if (a.abandoned) totals.abandoned++;
        if (a.connectedAt !== undefined) totals.connected++;
      },
    },
  });

  const target = settingsFor(o.scenario).abandonTarget;
  const render = (now: number): string => {
    const c = last?.counts;
    const agents = o.scenario.agents;
    const abandonPct = totals.live > 0 ? ((100 * totals.abandoned) / totals.live).toFixed(2) : '0.00';
    const e = last?.estimates;
    return [
      `outpace demo — ${o.scenario.name}: ${o.scenario.description || `${agents} agents`}`,
      `mode ${o.mode}, simulated ${clock(now)} (${o.speed}× real time), seed ${o.seed}`,
      ``,
      `agents   ready ${String(c?.ready ?? 0).padStart(4)}  ${bar(c?.ready ?? 0, agents)}`,
      `         on call ${String((c?.onCall ?? 0) + (c?.reserved ?? 0)).padStart(2)}  ${bar((c?.onCall ?? 0) + (c?.reserved ?? 0), agents)}`,
      `         wrap-up ${String(c?.wrapUp ?? 0).padStart(2)}  ${bar(c?.wrapUp ?? 0, agents)}`,
      `         paused ${String(c?.paused ?? 0).padStart(3)}  ${bar(c?.paused ?? 0, agents)}`,
      ``,
      `dial level ${(last?.dialLevel ?? 0).toFixed(2)} lines/agent   ringing ${c?.ringing ?? 0}   waiting for an agent ${c?.waiting ?? 0}`,
      `expected   free agents ${fmt(last?.expectedFreeAgents)}   live answers ${fmt(last?.expectedLiveAnswers)}   abandons ${fmt(last?.expectedAbandons)}`,
      `estimates  live-answer rate ${e ? (e.agentDemandRate * 100).toFixed(1) : '-'}%   answer ${fmt(e?.meanAnswerSec)} s   talk ${fmt(e?.meanTalkSec)} s   wrap-up ${fmt(e?.meanWrapUpSec)} s`,
      ``,
      `attempts ${totals.attempts}   live answers ${totals.live}   connected ${totals.connected}   abandoned ${totals.abandoned}   abandon rate ${abandonPct}% (target ${(target * 100).toFixed(1)}%)`,
      `${last?.note ?? 'starting'}`,
    ].join('\n');
  };

  let nextLog = shift.start + 10 * 60 * SECOND;
  for (let now = shift.start; now < shift.end; ) {
    now = Math.min(shift.end, now + o.speed * FRAME_MS);
    shift.runUntil(now);
    if (o.interactive) o.write(`\x1b[H\x1b[2J${render(now)}\n`);
    else if (now >= nextLog) {
      nextLog += 10 * 60 * SECOND;
      o.write(logLine(now, last, totals));
    }
    if (o.interactive) await new Promise((r) => setTimeout(r, FRAME_MS));
  }
  const result = shift.finish();
  o.write(
    `\nshift over (${o.hours} h simulated): occupancy ${result.occupancy.toFixed(3)}, ` +
      `abandon rate ${(result.abandonRate * 100).toFixed(2)}%, ${result.connects} calls connected, ` +
      `time to connect p50 ${(result.connectWaitP50Sec * 1000).toFixed(0)} ms / p99 ${(result.connectWaitP99Sec * 1000).toFixed(0)} ms\n`,
  );
}

function fmt(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1);
}

function logLine(now: number, d: PacingDecision | undefined, t: { attempts: number; live: number; abandoned: number }): string {
  const rate = t.live > 0 ? ((100 * t.abandoned) / t.live).toFixed(2) : '0.00';
  return `${clock(now)} ready ${d?.counts.ready ?? 0} on-call ${d?.counts.onCall ?? 0} wrap-up ${d?.counts.wrapUp ?? 0} paused ${d?.counts.paused ?? 0} | dial level ${(d?.dialLevel ?? 0).toFixed(2)} ringing ${d?.counts.ringing ?? 0} | attempts ${t.attempts} live ${t.live} abandon ${rate}%\n`;
}
