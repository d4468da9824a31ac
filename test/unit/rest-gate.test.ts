import { describe, expect, it } from 'vitest';
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

  it('fails a request Asterisk never answers, instead of waiting forever', async () => {
    const gate = new RestGate({ maxConcurrent: 1, timeoutMs: 20, callsPerSecond: () => 1000 });
    await expect(gate.run('originate', () => new Promise(() => undefined))).rejects.toBeInstanceOf(AriRequestTimeout);
    // The slot is free again for the next request.
    await expect(gate.run('get', async () => 'ok')).resolves.toBe('ok');
  });
});
