import { describe, expect, it } from 'vitest';
import { RepeatedEvents } from '../../src/telephony/ari/repeated-events.js';

const dtmf = (digit: string, timestamp: string) => ({ type: 'ChannelDtmfReceived', timestamp, digit, duration_ms: 250, channel: { id: 'c1' } });

describe('events Asterisk sends twice (once per subscription)', () => {
  it('lets the first through and drops its byte-for-byte copy', () => {
    const repeated = new RepeatedEvents();
    expect(repeated.isNew(dtmf('1', '2026-12-07T02:59:45.790+0000'))).toBe(true);
    expect(repeated.isNew(dtmf('1', '2026-12-07T02:59:45.790+0000'))).toBe(false);
  });

  it('keeps the same key pressed again later: a new event, with its own time', () => {
    const repeated = new RepeatedEvents();
    expect(repeated.isNew(dtmf('2', '2026-12-07T02:59:45.790+0000'))).toBe(true);
    expect(repeated.isNew(dtmf('2', '2026-12-07T02:59:47.120+0000'))).toBe(true);
  });

  it('remembers only the last events, so its memory stays bounded', () => {
    const repeated = new RepeatedEvents(2);
    const first = dtmf('1', 't1');
    expect(repeated.isNew(first)).toBe(true);
    expect(repeated.isNew(dtmf('2', 't2'))).toBe(true);
    expect(repeated.isNew(dtmf('3', 't3'))).toBe(true);
    expect(repeated.isNew(first)).toBe(true);
  });
});
