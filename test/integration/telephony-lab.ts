/**
 * Where the ARI integration suite runs: against the ARI test server (the
 * default, with scripted far ends on a fast clock), or against a real
 * Asterisk when ARI_URL is set: the lab's (test/pbx/lab.sh), dialing its
 * carrier's number scheme (test/pbx/carrier/extensions.conf) and its
 * auto-answering agent softphones.
 */
import { pino } from 'pino';
import { type AgentId, AttemptId, CampaignId, type E164, LeadId, TrunkId } from '../../src/domain/ids.js';
import type { EpochMs } from '../../src/domain/time.js';
import { wallClockScheduler, type Scheduler } from '../../src/engine/scheduler.js';
import { AriTelephony } from '../../src/telephony/ari/ari-telephony.js';
import { type AriConfig, loadAriConfig } from '../../src/telephony/ari/config.js';
import type { TrunkLineCount } from '../../src/telephony/trunk-shares.js';
import type { TrunkSettings } from '../../src/pacing/settings.js';
import type { OriginateRequest, TelephonyEvent } from '../../src/telephony/port.js';
import { type CallScript, farEnd } from '../ari-server/call-script.js';
import { type CarrierFarEnd, carrierNumber } from '../pbx/carrier-scheme.js';
import { AriTestServer, type AriTestServerOptions } from '../ari-server/server.js';

/** Far ends a test asks for, in the carrier's terms. Times in ms. */
export type FarEnd =
  | { kind: 'human'; ringMs: number; talkMs?: number }
  | { kind: 'machine'; ringMs: number; greetingMs?: number; detectionMs?: number; talkMs?: number }
  | { kind: 'busy' | 'congestion' | 'unallocated' | 'rejected' | 'never-answers' }
  | { kind: 'no-answer'; ringMs: number };

export interface TelephonyLab {
  /** The test server, when the suite runs against it; undefined against a real Asterisk. */
  readonly server: AriTestServer | undefined;
  readonly config: (engineId: string) => AriConfig;
  /** A number whose far end behaves as asked. */
  numberFor(farEnd: FarEnd): E164;
  agentEndpoint(n: number): string;
  /** How long to wait for an event: scripted times shrink on the test server. */
  readonly patienceMs: number;
  close(): Promise<void>;
}

export async function testServerLab(options: AriTestServerOptions = {}): Promise<TelephonyLab> {
  const server = await AriTestServer.start({ timeScale: 0.01, ...options });
  for (let n = 1; n <= 24; n++) server.pbx.registerAgentPhone(`agent${n}`, 500);
  let numbers = 0;
  return {
    server,
    config: (engineId) =>
      loadAriConfig({
        ARI_URL: server.url,
        ARI_USERNAME: server.credentials.username,
        ARI_PASSWORD: server.credentials.password,
        // Asterisk serves each application on one WebSocket: every engine gets its own.
        ARI_APP: `outpace-${engineId}`,
        ARI_TRUNK_ENDPOINT: 'PJSIP/{number}@{trunk}',
        OUTPACE_ENGINE_ID: engineId,
        ARI_REQUEST_TIMEOUT_MS: '2000',
      }),
    numberFor(f) {
      const number = `+1555${String(++numbers).padStart(7, '0')}` as E164;
      server.pbx.script(number, scriptFor(f));
      return number;
    },
    agentEndpoint: (n) => `PJSIP/agent${n}`,
    patienceMs: 5000,
    close: () => server.close(),
  };
}

function scriptFor(f: FarEnd): CallScript {
  switch (f.kind) {
    case 'human':
      return farEnd.human(f);
    case 'machine':
      return farEnd.machine(f);
    case 'no-answer':
      return farEnd.noAnswer(f.ringMs);
    case 'never-answers':
      return farEnd.neverAnswers();
    default:
      return farEnd[f.kind]();
  }
}

/** A real Asterisk: the lab's (test/pbx/lab.sh), dialing the lab carrier's number scheme (test/pbx/carrier-scheme.ts). */
export async function asteriskLab(): Promise<TelephonyLab> {
  const sec = (ms: number) => Math.round(ms / 1000);
  let serial = 0;
  return {
    server: undefined,
    config: (engineId) =>
      loadAriConfig({ ...process.env, ARI_APP: `${process.env['ARI_APP'] ?? 'outpace'}-${engineId}`, OUTPACE_ENGINE_ID: engineId }),
    numberFor(f) {
      const farEnd = ((): CarrierFarEnd => {
        switch (f.kind) {
          case 'human':
            return { kind: 'person', ringSec: sec(f.ringMs), talkSec: sec(f.talkMs ?? 0) };
          case 'machine':
            return { kind: 'machine', ringSec: sec(f.ringMs), recordSec: 0 };
          case 'no-answer':
            return { kind: 'no-answer', ringSec: sec(f.ringMs) };
          case 'never-answers':
            return { kind: 'no-answer', ringSec: 0 };
          case 'busy':
            return { kind: 'busy', ringSec: 0 };
          case 'congestion':
            return { kind: 'failure', failure: 'congestion' };
          case 'unallocated':
            return { kind: 'failure', failure: 'unallocated' };
          case 'rejected':
            return { kind: 'failure', failure: 'rejected' };
        }
      })();
      return carrierNumber(farEnd, serial++);
    },
    agentEndpoint: (n) => `PJSIP/agent${n}`,
    patienceMs: 60_000,
    close: async () => undefined,
  };
}

/** A clock that starts at `start` (a time inside the calling windows) and moves with the wall clock: the engine's timers stay real. */
export function campaignClock(start: EpochMs): Scheduler {
  const startedAt = Date.now();
  return { now: () => start + (Date.now() - startedAt), after: wallClockScheduler.after };
}

export const quietLogger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });

export async function connectEngine(
  lab: TelephonyLab,
  engineId: string,
  o: { config?: Partial<AriConfig>; trunks?: TrunkSettings[]; trunkLines?: TrunkLineCount; deposed?: (app: string) => void } = {},
): Promise<{ telephony: AriTelephony; heard: Heard }> {
  const config = { ...lab.config(engineId), ...o.config };
  const { trunks, trunkLines, deposed } = o;
  const telephony = await AriTelephony.connect({ config, logger: quietLogger, ...(trunks ? { trunks } : {}), ...(trunkLines ? { trunkLines } : {}), ...(deposed ? { deposed } : {}) });
  const heard = new Heard(lab.patienceMs);
  telephony.subscribe((e) => heard.push(e));
  return { telephony, heard };
}

/** What the port reported, with a way to wait for what is still to come. */
export class Heard {
  readonly events: TelephonyEvent[] = [];
  private waiters: Array<{ test: (e: TelephonyEvent) => boolean; resolve: (e: TelephonyEvent) => void }> = [];

  constructor(private readonly patienceMs: number) {}

  push(e: TelephonyEvent): void {
    this.events.push(e);
    this.waiters = this.waiters.filter((w) => !(w.test(e) && (w.resolve(e), true)));
  }

  /** The first event, heard already or still to come, of this type (and attempt or agent, if given). */
  async next<T extends TelephonyEvent['type']>(type: T, about?: string): Promise<Extract<TelephonyEvent, { type: T }>> {
    const test = (e: TelephonyEvent) => e.type === type && (about === undefined || subjectOf(e) === about);
    const seen = this.events.find(test);
    if (seen) return seen as Extract<TelephonyEvent, { type: T }>;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type}${about ? ` for ${about}` : ''} heard; heard: ${this.events.map((e) => e.type).join(', ')}`)),
        this.patienceMs,
      );
      this.waiters.push({
        test,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as Extract<TelephonyEvent, { type: T }>);
        },
      });
    });
  }

  about(subject: string): TelephonyEvent[] {
    return this.events.filter((e) => subjectOf(e) === subject);
  }
}

function subjectOf(e: TelephonyEvent): string {
  return 'attemptId' in e ? e.attemptId : 'agentId' in e ? e.agentId : e.trunk;
}

let attempts = 0;

export function dialRequest(number: E164, o: Partial<OriginateRequest> = {}): OriginateRequest {
  return {
    attemptId: AttemptId(`att${++attempts}-${Date.now().toString(36)}`),
    campaignId: CampaignId('camp-ari'),
    leadId: LeadId(`lead${attempts}`),
    number,
    callerId: '"outpace" <5551000>',
    trunk: TrunkId('carrier'),
    ringTimeoutSec: 25,
    machineDetection: false,
    ...o,
  };
}

export type { AgentId };
