/**
 * The trunks of one Asterisk server as one adapter dials on them: each with
 * its limits shared by every engine on that server (SharedTrunk). A trunk the
 * server's configuration does not list has no limit here.
 */
import type { Logger } from 'pino';
import type { TrunkLines } from '../coordination/coordination.js';
import { SharedTrunk, type TrunkRefusal } from '../coordination/shared-trunk.js';
import type { DurationMs, EpochMs } from '../domain/time.js';
import type { Scheduler } from '../engine/scheduler.js';
import type { TrunkSettings } from '../pacing/settings.js';
import type { TrunkCapacity } from './port.js';

/** Where an adapter counts its trunks' lines with the other engines', and under which server's name. */
export interface TrunkLineCount {
  readonly lines: TrunkLines;
  readonly server: string;
  readonly holdMs?: DurationMs;
}

export interface TrunkSharesOptions {
  readonly trunks: readonly TrunkSettings[];
  readonly count: TrunkLineCount;
  readonly engineId: string;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
}

export class TrunkShares {
  private readonly trunks: ReadonlyMap<string, SharedTrunk>;

  constructor(o: TrunkSharesOptions) {
    const { lines, server, holdMs } = o.count;
    this.trunks = new Map(o.trunks.map((settings) => [settings.id, new SharedTrunk({ lines, server, holdMs, settings, engineId: o.engineId, scheduler: o.scheduler, logger: o.logger })]));
  }

  /** What the trunk can carry now, over every engine; undefined for a trunk without limits. */
  capacity(trunk: string, now: EpochMs): TrunkCapacity | undefined {
    const shared = this.trunks.get(trunk);
    return shared && { linesFree: shared.linesFree(), callsAllowedNow: shared.callsAllowedNow(now) };
  }

  /** A line for a call about to be placed: undefined once it is the call's, else why not. */
  async seize(trunk: string, now: EpochMs): Promise<TrunkRefusal | undefined> {
    return this.trunks.get(trunk)?.seize(now);
  }

  /** A lost engine's call is this adapter's now: whether it holds a counted line. */
  adopted(trunk: string, now: EpochMs): boolean {
    const shared = this.trunks.get(trunk);
    shared?.adopted(now);
    return shared !== undefined;
  }

  release(trunk: string): void {
    this.trunks.get(trunk)?.release();
  }

  keep(): void {
    for (const shared of this.trunks.values()) shared.keep();
  }

  stop(): void {
    for (const shared of this.trunks.values()) shared.stop();
  }
}
