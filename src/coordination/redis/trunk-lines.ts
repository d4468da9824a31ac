/**
 * Trunk lines counted over every engine in Redis: per trunk of each server, a
 * hash of the lines each engine holds, a sorted set of the engines' holds and
 * when each lapses, a sorted set of the call starts within the window. Each
 * step is one Lua script (beside this file, the shared part in trunk-use.lua),
 * so counting and taking a line happen atomically, on Redis's clock. Costs
 * one script call per seize and one per release; the holds are renewed once
 * per trunk, not per call (SharedTrunk).
 */
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import type { OthersOnTrunk, SeizeOutcome, SharedTrunkId, TrunkLimits, TrunkLines } from '../coordination.js';

const script = (name: string) => readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');
const withTrunkUse = (name: string) => `${script('trunk-use')}\n${script(name)}`;

/** seize-trunk-line.lua's answer. */
const SEIZE_OUTCOMES: Record<number, SeizeOutcome> = { 1: 'seized', 0: 'lines-full', [-1]: 'starts-full' };

interface TrunkCommands {
  outpaceSeizeTrunkLine(lines: string, holders: string, starts: string, engineId: string, windowMs: number, maxLines: number, startsPerWindow: number, holdMs: number, start: string): Promise<[number, number, number]>;
  outpaceHoldTrunkLines(lines: string, holders: string, starts: string, engineId: string, windowMs: number, count: number, holdMs: number): Promise<[number, number]>;
  outpaceReleaseTrunkLine(lines: string, engineId: string): Promise<number>;
}

export class RedisTrunkLines implements TrunkLines {
  private readonly commands: TrunkCommands;
  /** Makes each start's member unique within this process; the engine id makes it unique among engines. */
  private starts = 0;

  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('outpaceSeizeTrunkLine', { numberOfKeys: 3, lua: withTrunkUse('seize-trunk-line') });
    redis.defineCommand('outpaceHoldTrunkLines', { numberOfKeys: 3, lua: withTrunkUse('hold-trunk-lines') });
    redis.defineCommand('outpaceReleaseTrunkLine', { numberOfKeys: 1, lua: script('release-trunk-line') });
    this.commands = redis as unknown as TrunkCommands;
  }

  private keys(trunk: SharedTrunkId): [string, string, string] {
    const base = `${this.prefix}trunk:${trunk.server}:${trunk.trunk}`;
    return [`${base}:lines`, `${base}:holders`, `${base}:starts`];
  }

  async seize(trunk: SharedTrunkId, engineId: string, limits: TrunkLimits, holdMs: number) {
    const start = `${engineId}|${Date.now().toString(36)}-${++this.starts}`;
    const [seized, lines, starts] = await this.commands.outpaceSeizeTrunkLine(
      ...this.keys(trunk),
      engineId,
      Math.ceil(limits.windowMs),
      limits.maxLines,
      limits.startsPerWindow,
      Math.ceil(holdMs),
      start,
    );
    return { seized: SEIZE_OUTCOMES[seized]!, others: { lines, starts } };
  }

  async release(trunk: SharedTrunkId, engineId: string) {
    await this.commands.outpaceReleaseTrunkLine(this.keys(trunk)[0], engineId);
  }

  async hold(trunk: SharedTrunkId, engineId: string, lines: number, limits: TrunkLimits, holdMs: number): Promise<OthersOnTrunk> {
    const [otherLines, starts] = await this.commands.outpaceHoldTrunkLines(...this.keys(trunk), engineId, Math.ceil(limits.windowMs), lines, Math.ceil(holdMs));
    return { lines: otherLines, starts };
  }
}
