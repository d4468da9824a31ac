import { describe, expect, it, vi } from 'vitest';
import { AriRequestTimeout, RestGate } from '../../src/telephony/ari/rest-gate.js';

describe('the REST gate toward Asterisk', () => {
  it('never runs more requests at once than allowed', async () => {
    const gate = new RestGate({ maxConcurrent: 3, timeoutMs: 1000, callsPerSecond: () => 1000 });
    let running = 0;
    let most = 0;
    const work = () =>
      gate.run('x', async () => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 2));
        running--;
      });
    await Promise.all(Array.from({ length: 20 }, work));
    expect(most).toBe(3);
  });

  it('starts an urgent request (a person waiting for an agent) before every request still queued', async () => {
    const gate = new RestGate({ maxConcurrent: 1, timeoutMs: 1000, callsPerSecond: () => 1000 });
    const order: string[] = [];
    let release!: () => void;
    const busy = gate.run('busy', () => new Promise<void>((r) => (release = r)));
    const queued = ['originate 1', 'originate 2', 'record'].map((label) => gate.run(label, async () => void order.push(label)));
    const connect = gate.run('bridge addChannel', async () => void order.push('bridge addChannel'), { urgent: true });
    release();
    await Promise.all([busy, ...queued, connect]);
    expect(order).toEqual(['bridge addChannel', 'originate 1', 'originate 2', 'record']);
  });

  it('fails a request Asterisk never answers, instead of waiting forever', async () => {
    const gate = new RestGate({ maxConcurrent: 1, timeoutMs: 20, callsPerSecond: () => 1000 });
    await expect(gate.run('originate', () => new Promise(() => undefined))).rejects.toBeInstanceOf(AriRequestTimeout);
    // The slot is free again for the next request.
    await expect(gate.run('get', async () => 'ok')).resolves.toBe('ok');
  });
});

describe('the per-trunk call rate', () => {
  it('starts originates on a trunk no faster than its calls per second, each trunk on its own', async () => {
    vi.useFakeTimers();
    try {
      const gate = new RestGate({ maxConcurrent: 10, timeoutMs: 60_000, callsPerSecond: (trunk) => (trunk === 'slow' ? 2 : 1000) });
      const started: string[] = [];
      const dial = (trunk: string, n: number) => gate.originate(trunk, 'originate', async () => void started.push(`${trunk}${n}`));
      const all = [1, 2, 3, 4, 5].map((n) => dial('slow', n)).concat([dial('fast', 1), dial('fast', 2)]);
      await vi.advanceTimersByTimeAsync(0);
      expect(started.filter((s) => s.startsWith('slow'))).toEqual(['slow1']);
      expect(started).toContain('fast1');
      await vi.advanceTimersByTimeAsync(1000);
      // Slots are spread over the second (every 500 ms at 2/s), not spent in a burst; the fast trunk never waited on the slow one.
      expect(started.filter((s) => s.startsWith('slow'))).toEqual(['slow1', 'slow2', 'slow3']);
      expect(started.filter((s) => s.startsWith('fast'))).toEqual(['fast1', 'fast2']);
      await vi.advanceTimersByTimeAsync(1000);
      await Promise.all(all);
      expect(started.filter((s) => s.startsWith('slow'))).toHaveLength(5);
    } finally {
      vi.useRealTimers();
    }
  });
});
