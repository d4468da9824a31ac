/**
 * Where the engine takes its next lead from. Taking must not wait on I/O (it
 * runs inside the pacing tick): a storage-backed source keeps a small buffer
 * of claimed leads (the hopper) and refills it in the background.
 */
import type { E164, LeadId } from '../domain/ids.js';

export interface Lead {
  readonly id: LeadId;
  readonly number: E164;
  /** The lead's own fields from its list (a broadcast speaks some of them); absent where no list stands behind the lead. */
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface LeadSource {
  /** Leads that can be taken now without waiting. */
  available(): number;
  take(): Lead | undefined;
}
