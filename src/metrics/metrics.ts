/**
 * What an operator scrapes at /metrics (Prometheus' text format, through
 * prom-client, the Node client Prometheus lists as the standard): per
 * campaign, the calls in flight, dial level, agents by state, dials, live
 * answers, abandons, pacing decisions by the limit that cut them and lead
 * claims; per process, ARI request latency and queue, event-socket
 * reconnects and storage write latency, beside Node's own (event-loop lag,
 * heap, CPU).
 *
 * Labels are campaign ids, request names and states: never a phone number,
 * a lead's field, a key or a password (no secrets, and bounded cardinality).
 * One registry per process, handed to the API and the engines (not prom-client's
 * global one, so that tests and a demo beside an engine never share counters).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CampaignId } from '../domain/ids.js';
import type { AttemptRecord } from '../engine/attempt-record.js';
import type { PacingDecision } from '../pacing/pacer.js';

/** Seconds: ARI round trips are milliseconds on a quiet PBX and seconds when it struggles (README's bench:pbx). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class OutpaceMetrics {
  readonly registry = new Registry();
  readonly contentType = this.registry.contentType;

  private readonly callsInFlight = new Gauge({ name: 'outpace_calls_in_flight', help: 'Calls dialed and not yet ended, at the last pacing decision', labelNames: ['campaign'], registers: [this.registry] });
  private readonly dialLevel = new Gauge({ name: 'outpace_dial_level', help: 'Calls not yet connected per active agent, at the last pacing decision', labelNames: ['campaign'], registers: [this.registry] });
  private readonly agents = new Gauge({ name: 'outpace_agents', help: 'Agents paced for by state (ready, busy: reserved, on a call or in wrap-up; paused), at the last pacing decision', labelNames: ['campaign', 'state'], registers: [this.registry] });
  private readonly expected = new Gauge({ name: 'outpace_pacing_expected', help: "The pacing policy's expectation at its last decision: free agents, live answers, abandons", labelNames: ['campaign', 'what'], registers: [this.registry] });
  private readonly abandonRate = new Gauge({ name: 'outpace_abandon_rate', help: 'Abandon rate over the regulatory window as the regulator counts it, at the last pacing decision (0 to 1)', labelNames: ['campaign'], registers: [this.registry] });
  private readonly decisions = new Counter({ name: 'outpace_pacing_decisions_total', help: "Pacing decisions, by the limit that cut the policy's proposal (none: not cut)", labelNames: ['campaign', 'limited_by'], registers: [this.registry] });
  private readonly dials = new Counter({ name: 'outpace_dials_total', help: 'Attempts dialed (written, then originated)', labelNames: ['campaign'], registers: [this.registry] });
  private readonly outcomes = new Counter({ name: 'outpace_call_outcomes_total', help: 'Calls ended, by outcome (live, machine, busy, no-answer, ...)', labelNames: ['campaign', 'outcome'], registers: [this.registry] });
  private readonly liveAnswers = new Counter({ name: 'outpace_live_answers_total', help: 'Calls a person answered', labelNames: ['campaign'], registers: [this.registry] });
  private readonly abandons = new Counter({ name: 'outpace_abandons_total', help: 'Live answers abandoned (no agent within the connect deadline)', labelNames: ['campaign'], registers: [this.registry] });
  private readonly leadClaims = new Counter({ name: 'outpace_lead_claims_total', help: 'Leads claimed from the hopper', labelNames: ['campaign'], registers: [this.registry] });
  private readonly ariRequests = new Histogram({ name: 'outpace_ari_request_seconds', help: 'ARI REST round trips, by request', labelNames: ['request'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly ariWaits = new Histogram({ name: 'outpace_ari_request_wait_seconds', help: 'Time an ARI REST request waited for a free request slot', buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private readonly ariReconnects = new Counter({ name: 'outpace_ari_event_socket_reconnects_total', help: "Times the ARI event socket came back after a drop", registers: [this.registry] });
  private readonly storageWrites = new Histogram({ name: 'outpace_storage_write_seconds', help: "Attempt writes to PostgreSQL, by what was written (row, outcome, disposition, ...)", labelNames: ['write'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
  private ariQueue: () => number = () => 0;

  constructor(o: { readonly processMetrics?: boolean } = {}) {
    const queue = this;
    new Gauge({
      name: 'outpace_ari_requests_queued',
      help: 'ARI REST requests waiting or running',
      registers: [this.registry],
      collect() {
        this.set(queue.ariQueue());
      },
    });
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'outpace_' });
  }

  /** The text Prometheus scrapes. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  /** What one campaign's engine reports, as the engine observer's and the hopper's hooks. */
  campaign(id: CampaignId) {
    const campaign = id as string;
    return {
      decision: (d: PacingDecision): void => {
        const c = d.counts;
        this.callsInFlight.set({ campaign }, c.callsInFlight);
        this.dialLevel.set({ campaign }, d.dialLevel);
        this.agents.set({ campaign, state: 'ready' }, c.ready);
        this.agents.set({ campaign, state: 'busy' }, c.reserved + c.onCall + c.wrapUp);
        this.agents.set({ campaign, state: 'paused' }, c.paused);
        for (const [what, value] of [['free-agents', d.expectedFreeAgents], ['live-answers', d.expectedLiveAnswers], ['abandons', d.expectedAbandons]] as const) {
          // A policy that does not model a figure says NaN: the series is left out rather than exported as NaN.
          if (Number.isFinite(value)) this.expected.set({ campaign, what }, value);
        }
        this.abandonRate.set({ campaign }, d.abandonRate);
        this.decisions.inc({ campaign, limited_by: d.limitedBy ?? 'none' });
      },
      dialed: (): void => this.dials.inc({ campaign }),
      ended: (record: Pick<AttemptRecord, 'outcome' | 'abandoned'>): void => {
        this.outcomes.inc({ campaign, outcome: record.outcome });
        if (record.outcome === 'live') this.liveAnswers.inc({ campaign });
        if (record.abandoned) this.abandons.inc({ campaign });
      },
      /** A broadcast has no pacing decision of the agent kind: its calls in flight are told directly. */
      inFlight: (calls: number): void => this.callsInFlight.set({ campaign }, calls),
      claimed: (count: number): void => this.leadClaims.inc({ campaign }, count),
    };
  }

  /** The ARI adapter's RestGate `timed` hook. */
  readonly ariRequestTimed = (label: string, waitedMs: number, roundTripMs: number): void => {
    this.ariRequests.observe({ request: label }, roundTripMs / 1000);
    this.ariWaits.observe(waitedMs / 1000);
  };

  readonly ariReconnected = (): void => this.ariReconnects.inc();

  /** Where the queued ARI requests are read at each scrape. */
  followAriQueue(pending: () => number): void {
    this.ariQueue = pending;
  }

  /** StoredAttempts' `timed` hook. */
  readonly storageWriteTimed = (write: string, ms: number): void => this.storageWrites.observe({ write }, ms / 1000);
}

export type CampaignMetrics = ReturnType<OutpaceMetrics['campaign']>;
