/**
 * Malformed input from the PBX (issue 15, item 6): fast-check feeds the ARI
 * adapter, over its real WebSocket, events with fields missing or of the
 * wrong type, unknown types, copies of a finished call's events again and in
 * any order, and huge payloads. The adapter logs what it cannot read, and
 * survives: a real call made after each run is reported right, and a
 * finished call's outcome is never told twice or changed by late copies.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ariEventSchema, ARI_EVENT_TYPES } from '../../src/telephony/ari/ari-events.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import { dialRequest, Heard, type TelephonyLab, testServerLab } from './telephony-lab.js';

const ENGINE = 'props';
/** The event types Asterisk 22 describes (the events.json the test server serves, as Asterisk does): ari-client places only these. */
const ASTERISK_TYPES = new Set(Object.keys((JSON.parse(readFileSync(new URL('../ari-server/api-docs/events.json', import.meta.url), 'utf8')) as { models: object }).models));
const APP = `outpace-${ENGINE}`;

describe('the ARI adapter fed malformed, repeated, late and huge events', () => {
  let lab: TelephonyLab;
  let telephony: AriTelephony;
  let heard: Heard;
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
  beforeAll(async () => {
    lab = await testServerLab();
    telephony = await AriTelephony.connect({ config: lab.config(ENGINE), logger });
    heard = new Heard(lab.patienceMs);
    telephony.subscribe((e) => heard.push(e));
  });
  afterAll(async () => {
    telephony?.close();
    await lab?.close();
  });

  /** A real busy call, start to end: the adapter still works, and every event sent before it has been handled (one ordered socket). */
  async function aRealCallIsStillRight(): Promise<void> {
    const request = dialRequest(lab.numberFor({ kind: 'busy' }));
    telephony.originate(request);
    expect(await heard.next('call.failed', request.attemptId)).toMatchObject({ outcome: 'busy', cause: { code: 17 } });
  }

  const huge = fc.constantFrom(1_000, 100_000, 2_000_000).map((n) => 'x'.repeat(n));
  const anyChannel = fc.record({ id: fc.oneof(fc.string(), huge), state: fc.string() }, { requiredKeys: [] });
  /** An event of a type the adapter reads, with its fields made wrong: missing, of another type, or huge. */
  const brokenKnown = fc.record(
    {
      type: fc.constantFrom(...ARI_EVENT_TYPES),
      channel: fc.oneof(anyChannel, fc.jsonValue()),
      peer: fc.oneof(anyChannel, fc.jsonValue()),
      cause: fc.oneof(fc.integer(), fc.string(), fc.double()),
      cause_txt: fc.oneof(fc.string(), huge, fc.integer()),
      args: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
      dialstatus: fc.oneof(fc.string(), fc.integer()),
      digit: fc.oneof(fc.string(), fc.integer()),
      recording: fc.jsonValue(),
      playback: fc.jsonValue(),
      endpoint: fc.jsonValue(),
      duration: fc.oneof(fc.integer(), fc.string()),
    },
    { requiredKeys: ['type'] },
  );
  const unknownType = fc.record({ type: fc.string(), channel: anyChannel }, { requiredKeys: [] });
  const notAnEvent = fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.array(fc.jsonValue(), { maxLength: 3 }));
  const anyEvent = fc.oneof({ weight: 4, arbitrary: brokenKnown }, unknownType, notAnEvent);

  let sent = 0;
  /** An event the adapter reads and finds broken, or one ari-client cannot place; an event of a type the adapter does not read passes unsaid. */
  const isUnreadable = (e: unknown) =>
    typeof e !== 'object' || e === null || Array.isArray(e) || ARI_EVENT_TYPES.includes((e as { type?: never }).type!) || !ASTERISK_TYPES.has(String((e as { type?: unknown }).type));

  it('logs each event it cannot read, and goes on serving calls', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(anyEvent, { maxLength: 12 }), async (generated) => {
        // Each object made unique (an extra field changes nothing else): the adapter drops exact repeats on purpose.
        const events = generated.map((e) => (typeof e === 'object' && e !== null && !Array.isArray(e) ? { ...e, probe: ++sent } : e));
        const before = warnings.length;
        for (const event of events) lab.server!.sendRaw(APP, event);
        await aRealCallIsStillRight();
        // Whatever it cannot read is said, one line an event, never acted on in silence.
        const unreadable = events.filter((e) => !ariEventSchema.safeParse(e).success && isUnreadable(e));
        expect(warnings.slice(before).filter((m) => / not understood; ignored$/.test(m)).length).toBe(unreadable.length);
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it("tells a finished call's outcome once, whatever copies of its events come again, in any order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<'busy' | 'no-answer' | 'congestion' | 'rejected'>('busy', 'no-answer', 'congestion', 'rejected'),
        fc.infiniteStream(fc.nat()),
        async (kind, draws) => {
          const request = dialRequest(lab.numberFor(kind === 'no-answer' ? { kind, ringMs: 300 } : { kind }), { ringTimeoutSec: 15 });
          const sentBefore = lab.server!.emitted.length;
          telephony.originate(request);
          const told = await heard.next('call.failed', request.attemptId);
          const own = lab.server!.emitted.slice(sentBefore).filter((e) => e.application === APP && JSON.stringify(e.event).includes(request.attemptId));
          expect(own.length).toBeGreaterThan(1);
          // The call's own events again: some twice, in a shuffled order, after its end.
          const again = own.flatMap((e, i) => (draws.next().value % 3 === 0 ? [e.event, e.event] : i % 2 === 0 ? [e.event] : []));
          for (let i = again.length - 1; i > 0; i--) {
            const j = draws.next().value % (i + 1);
            [again[i], again[j]] = [again[j]!, again[i]!];
          }
          for (const event of again) lab.server!.sendRaw(APP, event);
          await aRealCallIsStillRight();
          const terminal = heard.about(request.attemptId).filter((e) => e.type === 'call.failed' || e.type === 'call.ended' || e.type === 'call.answered');
          expect(terminal).toEqual([told]);
        },
      ),
      { numRuns: 20 },
    );
  }, 120_000);
});
