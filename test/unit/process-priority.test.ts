import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { engineNiceSetting } from '../../src/engine/process-priority.js';

describe('OUTPACE_ENGINE_NICE', () => {
  it('takes -20 to 19 and says what it takes otherwise', () => {
    expect(engineNiceSetting.parse('-10')).toBe(-10);
    expect(engineNiceSetting.parse(undefined)).toBeUndefined();
    expect(engineNiceSetting.safeParse('-21').error?.issues[0]?.message).toMatch(/at least -20/);
    expect(engineNiceSetting.safeParse('20').error?.issues[0]?.message).toMatch(/at most 19/);
    expect(engineNiceSetting.safeParse('1.5').error?.issues[0]?.message).toMatch(/whole number/);
  });

  // In a process of its own: a nice value stays with the thread that set it, and the test's must not change.
  function inChild(nice: number | undefined) {
    const script = `
      import { getPriority } from 'node:os';
      import { applyEngineNice } from ${JSON.stringify(new URL('../../src/engine/process-priority.ts', import.meta.url).href)};
      const lines = [];
      const log = (level) => (fields, message) => lines.push({ level, fields, message });
      const before = getPriority();
      applyEngineNice(${nice === undefined ? 'undefined' : nice}, { info: log('info'), warn: log('warn') });
      console.log(JSON.stringify({ before, after: getPriority(), lines }));`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    return JSON.parse(run.stdout) as { before: number; after: number; lines: { level: string; fields: Record<string, unknown>; message: string }[] };
  }

  it('leaves the priority alone when unset', () => {
    const run = inChild(undefined);
    expect(run.after).toBe(run.before);
    expect(run.lines).toEqual([]);
  });

  it('lowers it (always allowed) and says so', () => {
    const run = inChild(19);
    expect(run.after).toBe(19);
    expect(run.lines).toEqual([expect.objectContaining({ level: 'info', fields: { nice: 19 } })]);
  });

  it('raises it with CAP_SYS_NICE, and otherwise runs on and warns with what to do', () => {
    const run = inChild(-5);
    if (run.after === -5) expect(run.lines[0]?.level).toBe('info');
    else {
      expect(run.after).toBe(run.before);
      expect(run.lines[0]).toMatchObject({ level: 'warn', fields: { nice: -5, running: run.before } });
      expect(run.lines[0]?.message).toMatch(/CAP_SYS_NICE/);
    }
  });
});
