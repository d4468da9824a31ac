/**
 * The engine hears its customers' channels from their creation by
 * subscribing its application to the trunk's endpoint (every channel on an
 * endpoint reports to the applications subscribed to it), once per trunk.
 * That is what lets a customer be originated into the dialplan rather than
 * straight into the application: the dialplan enters the application on
 * answer, and falls back to the abandon message when no engine listens,
 * while no event before the answer is lost (a subscription made after each
 * originate would race the call's first events). A trunk whose endpoint
 * cannot be named, or whose subscription Asterisk refuses, is dialed
 * straight into the application, as before.
 *
 * The same subscription says whether the trunk can carry calls: when qualify
 * finds the carrier's contact unreachable and the endpoint goes offline with
 * it, Asterisk sends ContactStatusChange (Unreachable, the endpoint offline);
 * when it answers again, Reachable and EndpointStateChange online. An
 * endpoint's `offline` alone says little: a started (or restarted) Asterisk
 * reports a trunk offline until it first qualifies it, up to
 * qualify_frequency later, with the contact usable all along, and repeats
 * that state in EndpointStateChange whenever a channel on the endpoint comes
 * or goes. So the state read when the trunk is followed (and again when the
 * event stream comes back) counts when online; offline, the trunk is taken
 * as down only if it still is one qualify later. Each change is said once,
 * in one log line and one port event (`trunk.down`, `trunk.up`); the engines
 * stop counting a trunk that is down.
 */
import type { Logger } from 'pino';
import { TrunkId } from '../../domain/ids.js';
import type { Clock } from '../../engine/scheduler.js';
import type { TelephonyEvent } from '../port.js';
import { endpointState } from './agent-endpoints.js';
import type { AriRest } from './ari-connection.js';
import { describeError } from './ari-errors.js';
import { trunkEventSource } from './config.js';
import type { RestGate } from './rest-gate.js';

export interface TrunkEventsOptions {
  readonly gate: RestGate;
  readonly rest: () => AriRest;
  /** ARI_TRUNK_ENDPOINT, from which a trunk's endpoint is named. */
  readonly template: string;
  /** ARI_TRUNK_QUALIFY_SEC, in ms: how long after a reconnect a trunk read offline is looked at again. */
  readonly qualifyMs: number;
  readonly report: (event: Extract<TelephonyEvent, { type: 'trunk.down' | 'trunk.up' }>) => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** Beyond qualify_frequency: qualify's own timeout (3 s by default) and some room. */
const QUALIFY_TIMEOUT_MS = 5000;

const offline = (endpoint: string) => `its endpoint ${endpoint} is offline: the carrier does not answer qualify`;

export class TrunkEvents {
  private readonly subscriptions = new Map<string, Promise<boolean>>();
  /** The trunks followed, by their endpoint (`PJSIP/carrier`). */
  private readonly trunkOn = new Map<string, string>();
  /** Why each trunk that is down is down. */
  private readonly down = new Map<string, string>();
  /** Looks again at trunks read offline just after the event stream came back. */
  private readonly rechecks = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly o: TrunkEventsOptions) {}

  /** Resolves true once the application hears every channel on the trunk. */
  heard(trunk: string): Promise<boolean> {
    let subscribed = this.subscriptions.get(trunk);
    if (!subscribed) {
      subscribed = this.subscribe(trunk);
      this.subscriptions.set(trunk, subscribed);
    }
    return subscribed;
  }

  /**
   * The event stream came back (or the application was registered again):
   * the trunks followed are subscribed to anew at once, and their state read
   * again (a trunk that is down is not dialed, so no call would renew it).
   */
  renew(): void {
    const trunks = [...this.subscriptions.keys()];
    this.subscriptions.clear();
    for (const trunk of trunks) this.subscriptions.set(trunk, this.subscribe(trunk));
  }

  close(): void {
    for (const timer of this.rechecks.values()) clearTimeout(timer);
    this.rechecks.clear();
  }

  /** ContactStatusChange: qualify's verdict on a contact of a trunk followed, and the endpoint's state after it. */
  contactChanged(endpoint: string, status: string, endpointState: string | undefined): void {
    const trunk = this.trunkOn.get(endpoint);
    if (trunk === undefined) return;
    // One contact of several unreachable leaves the trunk up: the endpoint says.
    if (status === 'Unreachable' && endpointState === 'offline') this.isDown(trunk, offline(endpoint));
    else if (status === 'Reachable' || status === 'NonQualified') this.isUp(trunk);
  }

  /** EndpointStateChange: a trunk followed that is online can carry calls (offline: see contactChanged). */
  endpointChanged(endpoint: string, state: string | undefined): void {
    const trunk = this.trunkOn.get(endpoint);
    if (trunk !== undefined && state === 'online') this.isUp(trunk);
  }

  private isDown(trunk: string, why: string): void {
    clearTimeout(this.rechecks.get(trunk));
    this.rechecks.delete(trunk);
    if (this.down.get(trunk) === why) return;
    const wasUp = !this.down.has(trunk);
    this.down.set(trunk, why);
    if (!wasUp) return;
    this.o.logger.error({ trunk, why }, `trunk ${trunk} down: ${why}; its lines are not counted until it is back`);
    this.o.report({ type: 'trunk.down', trunk: TrunkId(trunk), at: this.o.clock.now(), why });
  }

  private isUp(trunk: string): void {
    clearTimeout(this.rechecks.get(trunk));
    this.rechecks.delete(trunk);
    if (!this.down.delete(trunk)) return;
    this.o.logger.info({ trunk }, `trunk ${trunk} up again: dialing on it resumes`);
    this.o.report({ type: 'trunk.up', trunk: TrunkId(trunk), at: this.o.clock.now() });
  }

  /** The endpoint's state as Asterisk keeps it; undefined when it cannot be had (the next event says). */
  private async read(trunk: string, endpoint: string): Promise<string | undefined> {
    const state = await endpointState(endpoint, (tech, resource) => this.o.gate.run('trunk state', () => this.o.rest().getEndpoint(tech, resource)));
    if (typeof state === 'string') return state;
    this.o.logger.warn({ trunk, problem: state.problem }, "the trunk's state could not be read: it is known from Asterisk's next event");
    return undefined;
  }

  /** Subscribes to the trunk's endpoint and reads its state. */
  private async subscribe(trunk: string): Promise<boolean> {
    const source = trunkEventSource(this.o.template, trunk);
    if (!source) {
      this.o.logger.warn({ trunk, template: this.o.template }, 'the trunk endpoint cannot be told from ARI_TRUNK_ENDPOINT: customers are dialed straight into the application, and one answering while no engine listens is hung up in silence');
      return false;
    }
    try {
      await this.o.gate.run('trunk subscribe', () => this.o.rest().subscribe(source));
      const endpoint = source.slice('endpoint:'.length);
      this.trunkOn.set(endpoint, trunk);
      // What changed before the subscription was not heard: ask.
      void this.read(trunk, endpoint).then((state) => {
        if (state !== 'offline' || this.down.has(trunk)) return this.endpointChanged(endpoint, state);
        // Perhaps Asterisk has not qualified the trunk yet since it started: look again once it has.
        clearTimeout(this.rechecks.get(trunk));
        this.rechecks.set(
          trunk,
          setTimeout(() => {
            this.rechecks.delete(trunk);
            void this.read(trunk, endpoint).then((again) => {
              if (again === 'offline') this.isDown(trunk, offline(endpoint));
              else this.endpointChanged(endpoint, again);
            });
          }, this.o.qualifyMs + QUALIFY_TIMEOUT_MS),
        );
      });
      return true;
    } catch (err) {
      this.o.logger.warn({ trunk, source, err: describeError(err) }, 'trunk endpoint not followed: customers are dialed straight into the application');
      return false;
    }
  }
}
