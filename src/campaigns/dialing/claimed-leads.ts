/**
 * The engine's lead source backed by the hopper. The pacing tick must never
 * wait on the database, so take() serves from a small buffer of leads already
 * claimed (each a lease in storage) and the buffer is refilled in the
 * background, one claim at a time, to the size the pacing decisions call for.
 *
 * Callbacks promised by a named agent are claimed apart, for that agent, while
 * the agent is here to take them (the engine asks takeFor for its ready agents).
 */
import PQueue from 'p-queue';
import type { AgentId, CampaignId } from '../../domain/ids.js';
import { SECOND, type DurationMs, type EpochMs } from '../../domain/time.js';
import type { Clock } from '../../engine/scheduler.js';
import type { PacingDecision } from '../../pacing/pacer.js';
import type { Db } from '../../storage/db.js';
import { getCampaign } from '../campaign-store.js';
import { effectiveRules } from '../compliance.js';
import { agentsWithDueCallbacks, claimLeads, releaseClaims, renewClaims, skipLead, type ClaimedLead } from '../hopper/claim.js';
import type { GiveBackReason, Lead, LeadSource } from '../lead-source.js';

export interface ClaimedLeadsOptions {
  readonly db: Db;
  readonly campaignId: CampaignId;
  /** The engine process; only it may dial what it claimed. */
  readonly engineId: string;
  readonly clock: Clock;
  /**
   * How long a claim holds. Kept short and never renewed: the hopper checked
   * the calling window when it claimed, so a lead must be dialed soon after.
   */
  readonly leaseMs?: DurationMs;
  /** Leads kept at hand whatever the decisions say, so the first tick has some. */
  readonly minBuffer?: number;
  readonly maxBuffer?: number;
  /** Told of a claim that failed (the database is down); the source keeps trying on the next need. */
  readonly onError?: (error: unknown) => void;
  /** Told how many leads each claim took (the metrics' lead claims). */
  readonly claimed?: (count: number) => void;
}

const DEFAULT_LEASE_MS = 20 * SECOND;
/** A lead whose claim lapses sooner than this is not handed out: the attempt would be refused. */
const LEASE_MARGIN_MS = 5 * SECOND;
/** Leads to keep per call the policy wanted at its last decision: this tick's dials and the next one's. */
const DECISIONS_AHEAD = 2;
/** How often to look for callbacks due for the agents here: a callback is due to the minute, not the second. */
const CALLBACK_LOOK_MS = 5 * SECOND;
/** An agent who has not asked for their leads for this long is no longer here (logged out, or on calls). */
const PRESENT_MS = 30 * SECOND;

export class ClaimedLeads implements LeadSource {
  private readonly buffer: ClaimedLead[] = [];
  /** One claim at a time: concurrent claims by one engine would only contend for the same rows. */
  private readonly claims = new PQueue({ concurrency: 1 });
  private readonly leaseMs: DurationMs;
  private readonly minBuffer: number;
  private readonly maxBuffer: number;
  private wanted: number;
  private closed = false;
  /** Callbacks claimed for the agent who promised them. */
  private readonly promised = new Map<AgentId, ClaimedLead[]>();
  /** Agents who asked for their leads lately, and when. */
  private readonly present = new Map<AgentId, EpochMs>();
  private lastCallbackLook = -Infinity;

  constructor(private readonly o: ClaimedLeadsOptions) {
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE_MS;
    if (this.leaseMs <= LEASE_MARGIN_MS) throw new Error(`leaseMs must exceed ${LEASE_MARGIN_MS} ms, the margin kept before a claim lapses`);
    this.minBuffer = o.minBuffer ?? 2;
    this.maxBuffer = o.maxBuffer ?? 200;
    this.wanted = this.minBuffer;
  }

  available(): number {
    return this.buffer.length;
  }

  take(): Lead | undefined {
    const lead = this.fresh(this.buffer);
    this.refill();
    return lead;
  }

  takeFor(agentId: AgentId): Lead | undefined {
    const now = this.o.clock.now();
    this.present.set(agentId, now);
    const mine = this.promised.get(agentId);
    const lead = mine && this.fresh(mine);
    if (mine?.length === 0) this.promised.delete(agentId);
    if (!this.closed && now - this.lastCallbackLook >= CALLBACK_LOOK_MS) {
      this.lastCallbackLook = now;
      void this.claims.add(() => this.claimCallbacks());
    }
    return lead;
  }

  keep(lead: Lead, forMs: number): void {
    const renew = () => renewClaims(this.o.db, this.o.engineId, forMs, this.o.clock.now(), [lead.id]);
    void this.claims.add(() => renew().catch((error: unknown) => this.o.onError?.(error)));
  }

  giveBack(lead: Lead, why: GiveBackReason, agentId: AgentId): void {
    if (why !== 'skipped') return this.release([{ leadId: lead.id }]);
    const skip = () => skipLead(this.o.db, this.o.engineId, lead.id, agentId, this.o.clock.now());
    void this.claims.add(() => skip().catch((error: unknown) => this.o.onError?.(error)));
  }

  /** The first lead of the queue whose claim holds long enough to be dialed; the stale ones go back. */
  private fresh(queue: ClaimedLead[]): Lead | undefined {
    const now = this.o.clock.now();
    let lead = queue.shift();
    const stale: ClaimedLead[] = [];
    while (lead && lead.claimedUntil - now < LEASE_MARGIN_MS) {
      stale.push(lead);
      lead = queue.shift();
    }
    if (stale.length > 0) this.release(stale);
    return lead && { id: lead.leadId, number: lead.phone, fields: lead.customFields };
  }

  /** Sizes the buffer from what the policy asked for; give it the engine observer's decisions. */
  decided(decision: PacingDecision): void {
    this.want(decision.proposed);
  }

  /** Sizes the buffer for `perDecision` calls at each decision (a broadcast's launches). */
  want(perDecision: number): void {
    this.wanted = Math.min(this.maxBuffer, Math.max(this.minBuffer, Math.ceil(perDecision * DECISIONS_AHEAD)));
    this.refill();
  }

  /** Claims in the background until the buffer holds what is wanted (one claim queued at most). */
  refill(): void {
    if (this.closed || this.claims.size + this.claims.pending > 0 || this.buffer.length >= this.wanted) return;
    void this.claims.add(() => this.claimMore());
  }

  /** Waits for the claim in progress: for tests and shutdown. */
  async settled(): Promise<void> {
    await this.claims.onIdle();
  }

  /** Stops claiming and gives the undialed leads back to the pool at once. */
  async close(): Promise<void> {
    this.closed = true;
    await this.claims.onIdle();
    const undialed = [...this.buffer.splice(0), ...[...this.promised.values()].flat()];
    this.promised.clear();
    if (undialed.length > 0) await releaseClaims(this.o.db, this.o.engineId, undialed.map((l) => l.leadId));
  }

  private async claimMore(): Promise<void> {
    try {
      // The campaign is read on each claim: a manager's change of rules or window applies at the next claim.
      const campaign = await getCampaign(this.o.db, this.o.campaignId);
      const count = this.wanted - this.buffer.length;
      const claimed = await claimLeads(this.o.db, { campaign, engineId: this.o.engineId, count, leaseMs: this.leaseMs, now: this.o.clock.now() });
      this.o.claimed?.(claimed.length);
      if (this.closed) return void (await this.releaseNow(claimed));
      this.buffer.push(...claimed);
    } catch (error) {
      this.o.onError?.(error);
    }
  }

  /** Claims the due callbacks of the agents here who have none at hand yet, one each. */
  private async claimCallbacks(): Promise<void> {
    try {
      const now = this.o.clock.now();
      for (const [agentId, seen] of this.present) if (now - seen > PRESENT_MS) this.present.delete(agentId);
      const waiting = [...this.present.keys()].filter((agentId) => !this.promised.has(agentId));
      if (waiting.length === 0) return;
      const campaign = await getCampaign(this.o.db, this.o.campaignId);
      const { abandonLockoutHours } = effectiveRules(campaign.complianceProfile, campaign.rules);
      const due = await agentsWithDueCallbacks(this.o.db, this.o.campaignId, waiting, now, abandonLockoutHours);
      for (const forAgent of due) {
        const request = { campaign, engineId: this.o.engineId, count: 1, leaseMs: this.leaseMs, now, forAgent, callbacksOnly: true };
        const claimed = await claimLeads(this.o.db, request);
        this.o.claimed?.(claimed.length);
        if (this.closed) return void (await this.releaseNow(claimed));
        if (claimed.length > 0) this.promised.set(forAgent, claimed);
      }
    } catch (error) {
      this.o.onError?.(error);
    }
  }

  private release(leads: readonly Pick<ClaimedLead, 'leadId'>[]): void {
    void this.claims.add(() => this.releaseNow(leads).catch((error: unknown) => this.o.onError?.(error)));
  }

  private async releaseNow(leads: readonly Pick<ClaimedLead, 'leadId'>[]): Promise<void> {
    if (leads.length > 0) await releaseClaims(this.o.db, this.o.engineId, leads.map((l) => l.leadId));
  }
}
