/**
 * The engine's lead source backed by the hopper. The pacing tick must never
 * wait on the database, so take() serves from a small buffer of leads already
 * claimed (each a lease in storage) and the buffer is refilled in the
 * background, one claim at a time, to the size the pacing decisions call for.
 */
import PQueue from 'p-queue';
import type { CampaignId } from '../../domain/ids.js';
import { SECOND, type DurationMs } from '../../domain/time.js';
import type { Clock } from '../../engine/scheduler.js';
import type { PacingDecision } from '../../pacing/pacer.js';
import type { Db } from '../../storage/db.js';
import { getCampaign } from '../campaign-store.js';
import { claimLeads, releaseClaims, type ClaimedLead } from '../hopper/claim.js';
import type { Lead, LeadSource } from '../lead-source.js';

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
}

const DEFAULT_LEASE_MS = 20 * SECOND;
/** A lead whose claim lapses sooner than this is not handed out: the attempt would be refused. */
const LEASE_MARGIN_MS = 5 * SECOND;
/** Leads to keep per call the policy wanted at its last decision: this tick's dials and the next one's. */
const DECISIONS_AHEAD = 2;

export class ClaimedLeads implements LeadSource {
  private readonly buffer: ClaimedLead[] = [];
  /** One claim at a time: concurrent claims by one engine would only contend for the same rows. */
  private readonly claims = new PQueue({ concurrency: 1 });
  private readonly leaseMs: DurationMs;
  private readonly minBuffer: number;
  private readonly maxBuffer: number;
  private wanted: number;
  private closed = false;

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
    const now = this.o.clock.now();
    let lead = this.buffer.shift();
    const stale: ClaimedLead[] = [];
    while (lead && lead.claimedUntil - now < LEASE_MARGIN_MS) {
      stale.push(lead);
      lead = this.buffer.shift();
    }
    if (stale.length > 0) this.release(stale);
    this.refill();
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
    const undialed = this.buffer.splice(0);
    if (undialed.length > 0) await releaseClaims(this.o.db, this.o.engineId, undialed.map((l) => l.leadId));
  }

  private async claimMore(): Promise<void> {
    try {
      // The campaign is read on each claim: a manager's change of rules or window applies at the next claim.
      const campaign = await getCampaign(this.o.db, this.o.campaignId);
      const count = this.wanted - this.buffer.length;
      const claimed = await claimLeads(this.o.db, { campaign, engineId: this.o.engineId, count, leaseMs: this.leaseMs, now: this.o.clock.now() });
      if (this.closed) return void (await this.releaseNow(claimed));
      this.buffer.push(...claimed);
    } catch (error) {
      this.o.onError?.(error);
    }
  }

  private release(leads: readonly ClaimedLead[]): void {
    void this.claims.add(() => this.releaseNow(leads).catch((error: unknown) => this.o.onError?.(error)));
  }

  private async releaseNow(leads: readonly ClaimedLead[]): Promise<void> {
    if (leads.length > 0) await releaseClaims(this.o.db, this.o.engineId, leads.map((l) => l.leadId));
  }
}
