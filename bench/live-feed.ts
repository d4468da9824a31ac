/**
 * What the live feed costs the engine's event loop per 1,000 agents: the
 * LivePublisher fed the events of a 1,000-agent predictive floor (18.8 dials
 * a second, as bench/agents-1000.ts sustained; per dial its opening, ringing
 * and end with its counters; per live answer its answer, connection and the
 * agent's reserved, on-call, wrap-up and ready; a pacing decision every
 * 250 ms), writing to Redis as `outpace run` does, with a subscriber beside it
 * as the API's /live/events is. Measured in this one process: CPU time and
 * event-loop utilisation against the same loop without the publisher, and
 * the event loop's delay.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 node --import tsx bench/live-feed.ts [--seconds 20] [--agents 1000]
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { LivePublisher } from '../src/campaigns/dialing/live-publisher.js';
import type { Coordination } from '../src/coordination/coordination.js';
import { memoryCoordination } from '../src/coordination/memory.js';
import { redisCoordination } from '../src/coordination/redis/redis-coordination.js';
import { AgentId, AttemptId, CampaignId, E164, LeadId } from '../src/domain/ids.js';
import { pacingDecision } from '../test/support/pacing-decision.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' }, agents: { type: 'string', default: '1000' } } });
const SECONDS = Number(values.seconds);
const AGENTS = Number(values.agents);
/** Dials a second per 1,000 agents (bench/results/agents-1000.md) and the share answered by a person. */
const DIALS_PER_SEC = (18.8 * AGENTS) / 1000;
const LIVE_SHARE = 0.3;
const TICK_MS = 50;

const campaignId = CampaignId('4b1f3f0e-8a4e-4d6c-9a51-0c2d4e6f8a10');
const NORMAL = { code: 16, text: 'Normal Clearing' };

interface Run {
  readonly cpuMs: number;
  readonly elu: number;
  readonly delayP99Ms: number;
  readonly events: number;
  readonly heard: number;
}

/** Drives the floor's events for SECONDS, through the publisher when `publish`; the same random walk either way. */
async function run(coordination: Coordination, publish: boolean): Promise<Run> {
  const publisher = new LivePublisher({ live: coordination.live, campaignId, logger: pino({ level: 'silent' }) });
  let heard = 0;
  const unsubscribe = await coordination.live.subscribe(() => heard++);
  let events = 0;
  const emit = (f: () => void) => {
    events++;
    if (publish) f();
  };
  let serial = 0;
  let owed = 0;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  const eluStart = performance.eventLoopUtilization();
  const cpuStart = process.cpuUsage();
  const started = Date.now();
  delay.enable();
  await new Promise<void>((done) => {
    const timer = setInterval(() => {
      const now = Date.now();
      if (now - started >= SECONDS * 1000) {
        clearInterval(timer);
        return done();
      }
      if (serial % 5 === 0) emit(() => publisher.decision(pacingDecision(now, { at: now })));
      owed += (DIALS_PER_SEC * TICK_MS) / 1000;
      for (; owed >= 1; owed--) {
        const n = ++serial;
        const attemptId = AttemptId(`a${n}`);
        const agentId = AgentId(`agent${n % AGENTS}`);
        const live = n % Math.round(1 / LIVE_SHARE) === 0;
        emit(() => publisher.attemptOpened(attemptId, now));
        emit(() => publisher.telephonyEvent({ type: 'call.ringing', attemptId, at: now }));
        if (live) {
          emit(() => publisher.telephonyEvent({ type: 'call.answered', attemptId, at: now, answeredAt: now, party: 'human' }));
          emit(() => publisher.agentState(agentId, 'ready', 'reserved', now));
          emit(() => publisher.telephonyEvent({ type: 'call.connected', attemptId, agentId, at: now }));
          emit(() => publisher.agentState(agentId, 'reserved', 'on-call', now));
          emit(() => publisher.agentState(agentId, 'on-call', 'wrap-up', now));
          emit(() => publisher.agentState(agentId, 'wrap-up', 'ready', now));
        }
        const ended = { attemptId, leadId: LeadId('l'), number: E164('+12025550100'), originatedAt: now, endedAt: now, cause: NORMAL };
        emit(() => publisher.attemptEnded(live ? { ...ended, outcome: 'live', abandoned: false, answeredAt: now, connectedAt: now, agentId } : { ...ended, outcome: 'no-answer', abandoned: false }));
      }
    }, TICK_MS);
  });
  await publisher.settled();
  delay.disable();
  const cpu = process.cpuUsage(cpuStart);
  const elu = performance.eventLoopUtilization(eluStart);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await unsubscribe();
  return { cpuMs: (cpu.user + cpu.system) / 1000, elu: elu.utilization, delayP99Ms: delay.percentile(99) / 1e6, events, heard };
}

const coordination = process.env.REDIS_URL
  ? redisCoordination(process.env.REDIS_URL, `outpace-bench-${Date.now().toString(36)}:`)
  : memoryCoordination({ now: () => Date.now() });
const baseline = await run(coordination, false);
const fed = await run(coordination, true);
await coordination.close();
const perSec = (r: Run) => r.cpuMs / SECONDS;
console.log(
  JSON.stringify(
    {
      agents: AGENTS,
      seconds: SECONDS,
      store: process.env.REDIS_URL ? 'redis' : 'memory',
      dialsPerSecond: DIALS_PER_SEC,
      engineEventsPerSecond: fed.events / SECONDS,
      wallboardEventsHeardPerSecond: fed.heard / SECONDS,
      cpuMsPerSecond: { baseline: perSec(baseline), withFeed: perSec(fed), feed: perSec(fed) - perSec(baseline) },
      feedShareOfACore: (perSec(fed) - perSec(baseline)) / 1000,
      eventLoopUtilisation: { baseline: baseline.elu, withFeed: fed.elu },
      eventLoopDelayP99Ms: { baseline: baseline.delayP99Ms, withFeed: fed.delayP99Ms },
    },
    null,
    2,
  ),
);
