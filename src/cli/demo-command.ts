/**
 * `outpace demo`: the whole flow on the simulator (see src/demo/whole-demo.ts)
 * with live progress in the terminal: agents by state, dial level, calls in
 * flight, live answers and the abandon rate as the engine sees them, and what
 * storage holds: attempts stored, leads moved on, callbacks scheduled. Ctrl-C
 * (or the end of the simulated shift) stops dialing, lets the calls in
 * progress end and be stored, and exits.
 */
import { DEMO_TIME_ZONE } from '../demo/demo-campaign.js';
import { startWholeDemo, type StoredProgress, type WholeDemo, type WholeDemoOptions } from '../demo/whole-demo.js';
import { MINUTE } from '../domain/time.js';
import type { AttemptRecord } from '../engine/attempt-record.js';
import type { PacingDecision } from '../pacing/pacer.js';

export interface DemoOptions extends Omit<WholeDemoOptions, 'observer'> {
  /** Redraw in place (a terminal) or print a line per simulated ten minutes (a log). */
  readonly interactive: boolean;
  readonly write: (text: string) => void;
  /** Settles when the person asks to stop (Ctrl-C). */
  readonly interrupted: Promise<unknown>;
}

const FRAME_MS = 250;
const LOG_EVERY = 10 * MINUTE;

interface Totals {
  attempts: number;
  live: number;
  connected: number;
  abandoned: number;
  /** Time from a live answer being ready to the agent connected, per connected call (ms). */
  readonly connectWaits: number[];
}

export async function runDemo(o: DemoOptions): Promise<void> {
  const totals: Totals = { attempts: 0, live: 0, connected: 0, abandoned: 0, connectWaits: [] };
  let last: PacingDecision | undefined;
  o.write(`outpace demo: preparing the embedded database and the demo campaign...\n`);
  const demo = await startWholeDemo({
    ...o,
    observer: {
      decision: (d) => void (last = d),
      attemptEnded: (a) => count(totals, a),
    },
  });
  const header = intro(demo, o);
  o.write(`${header}\n`);
  const stopAsked = Promise.race([demo.shiftOver, o.interrupted]);
  let stopping = false;
  void stopAsked.then(() => (stopping = true));
  let nextLog = demo.start + LOG_EVERY;
  while (!stopping) {
    await new Promise((resolve) => setTimeout(resolve, FRAME_MS));
    const now = demo.time.now();
    if (o.interactive) o.write(`\x1b[H\x1b[2J${header}\n\n${render(o, demo, now, last, totals, await demo.stored())}\n`);
    else if (now >= nextLog) {
      nextLog += LOG_EVERY;
      o.write(logLine(now, last, totals, await demo.stored()));
    }
  }
  o.write(`\n${clock(demo.time.now())} stopping: no new calls; the calls in progress end and are stored...\n`);
  await demo.drain();
  const stored = await demo.stored();
  await demo.close();
  o.write(summary(totals, stored));
}

function count(t: Totals, a: AttemptRecord): void {
  t.attempts++;
  if (a.outcome === 'live') t.live++;
  if (a.abandoned) t.abandoned++;
  if (a.connectedAt !== undefined) {
    t.connected++;
    if (a.readyAt !== undefined) t.connectWaits.push(a.connectedAt - a.readyAt);
  }
}

function intro(demo: WholeDemo, o: DemoOptions): string {
  return [
    `outpace demo — ${o.scenario.name}: ${o.scenario.description || `${o.scenario.agents} agents`}; ${demo.leadsImported} leads imported`,
    `API ${demo.url}/api/v1   agent page ${demo.url}/agent`,
    `  agent key (you, softphone endpoint of your choice)  ${demo.agentKey}`,
    `  supervisor key   ${demo.supervisorKey}`,
    `  try: curl -H "Authorization: Bearer ${demo.supervisorKey}" ${demo.url}/api/v1/campaigns/${demo.campaign.id}/stats`,
    `Times are the demo's simulated clock (${o.speed}× real time), in storage and in the API alike. Ctrl-C stops.`,
  ].join('\n');
}

function render(o: DemoOptions, demo: WholeDemo, now: number, last: PacingDecision | undefined, totals: Totals, stored: StoredProgress): string {
  const c = last?.counts;
  const agents = o.scenario.agents;
  const e = last?.estimates;
  const row = (label: string, n: number) => `${label.padEnd(9)}${String(n).padStart(4)}  ${bar(n, agents)}`;
  return [
    `mode ${o.mode}, simulated ${clock(now)} New York, seed ${o.seed}`,
    ``,
    `agents   ${row('ready', c?.ready ?? 0)}`,
    `         ${row('on call', (c?.onCall ?? 0) + (c?.reserved ?? 0))}`,
    `         ${row('wrap-up', c?.wrapUp ?? 0)}`,
    `         ${row('paused', c?.paused ?? 0)}`,
    ``,
    `dial level ${(last?.dialLevel ?? 0).toFixed(2)} lines/agent   ringing ${c?.ringing ?? 0}   waiting for an agent ${c?.waiting ?? 0}`,
    `expected   free agents ${fmt(last?.expectedFreeAgents)}   live answers ${fmt(last?.expectedLiveAnswers)}   abandons ${fmt(last?.expectedAbandons)}`,
    `estimates  live-answer rate ${e ? (e.agentDemandRate * 100).toFixed(1) : '-'}%   answer ${fmt(e?.meanAnswerSec)} s   talk ${fmt(e?.meanTalkSec)} s   wrap-up ${fmt(e?.meanWrapUpSec)} s`,
    ``,
    `calls    ${totals.attempts} ended   live answers ${totals.live}   connected ${totals.connected}   abandoned ${totals.abandoned}   abandon rate ${rate(totals)}% (target ${(demo.campaign.pacing.abandonTarget * 100).toFixed(1)}%)`,
    `stored   ${stored.attempts} attempts   leads ${leadStates(stored)}   callbacks scheduled ${stored.callbacksScheduled}`,
    `${last?.note ?? 'starting'}`,
  ].join('\n');
}

function logLine(now: number, d: PacingDecision | undefined, t: Totals, stored: StoredProgress): string {
  return (
    `${clock(now)} ready ${d?.counts.ready ?? 0} on-call ${d?.counts.onCall ?? 0} wrap-up ${d?.counts.wrapUp ?? 0} paused ${d?.counts.paused ?? 0} | ` +
    `dial level ${(d?.dialLevel ?? 0).toFixed(2)} ringing ${d?.counts.ringing ?? 0} | calls ${t.attempts} live ${t.live} abandon ${rate(t)}% | ` +
    `stored ${stored.attempts} attempts, leads ${leadStates(stored)}\n`
  );
}

function summary(t: Totals, stored: StoredProgress): string {
  const waits = [...t.connectWaits].sort((a, b) => a - b);
  const quantile = (q: number) => (waits.length === 0 ? '-' : waits[Math.min(waits.length - 1, Math.floor(q * waits.length))]!.toFixed(0));
  return (
    `demo over: ${t.attempts} calls, ${t.live} live answers, ${t.connected} connected, abandon rate ${rate(t)}%, ` +
    `live answer to agent p50 ${quantile(0.5)} ms / p99 ${quantile(0.99)} ms (simulated)\n` +
    `stored: ${stored.attempts} attempts; leads ${leadStates(stored)}; ${stored.callbacksScheduled} callbacks scheduled\n`
  );
}

function leadStates(stored: StoredProgress): string {
  return Object.entries(stored.leadsByState)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([state, n]) => `${state} ${n}`)
    .join(', ');
}

function rate(t: Totals): string {
  return t.live > 0 ? ((100 * t.abandoned) / t.live).toFixed(2) : '0.00';
}

function bar(n: number, total: number, width = 30): string {
  const filled = total > 0 ? Math.min(width, Math.round((n / total) * width)) : 0;
  return '█'.repeat(filled) + '·'.repeat(Math.max(0, width - filled));
}

function clock(ms: number): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: DEMO_TIME_ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' }).format(ms);
}

function fmt(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '-' : x.toFixed(1);
}
