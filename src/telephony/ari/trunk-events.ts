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
 * The same subscription says whether the trunk can carry calls: Asterisk
 * sends EndpointStateChange when the carrier's endpoint goes offline (every
 * contact unreachable: qualify unanswered) and online again, and the state
 * is read once when the trunk is first followed (and again after the event
 * stream comes back, Asterisk having perhaps restarted). Each change is said
 * once, in one log line and one port event (`trunk.down`, `trunk.up`); the
 * engines stop counting a trunk that is down.
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
  readonly report: (event: Extract<TelephonyEvent, { type: 'trunk.down' | 'trunk.up' }>) => void;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class TrunkEvents {
  private readonly subscriptions = new Map<string, Promise<boolean>>();
  /** The trunks followed, by their endpoint (`PJSIP/carrier`). */
  private readonly trunkOn = new Map<string, string>();
  /** Why each trunk that is down is down. */
  private readonly down = new Map<string, string>();

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
    for (const trunk of trunks) void this.heard(trunk);
  }

  /** EndpointStateChange: about a trunk followed, its state may have changed. */
  endpointChanged(endpoint: string, state: string | undefined): void {
    const trunk = this.trunkOn.get(endpoint);
    if (trunk === undefined) return;
    if (state === 'offline') this.isDown(trunk, `its endpoint ${endpoint} is offline: the carrier does not answer qualify`);
    else if (state === 'online') this.isUp(trunk);
  }

  private isDown(trunk: string, why: string): void {
    if (this.down.get(trunk) === why) return;
    const wasUp = !this.down.has(trunk);
    this.down.set(trunk, why);
    if (!wasUp) return;
    this.o.logger.error({ trunk, why }, `trunk ${trunk} down: ${why}; its lines are not counted until it is back`);
    this.o.report({ type: 'trunk.down', trunk: TrunkId(trunk), at: this.o.clock.now(), why });
  }

  private isUp(trunk: string): void {
    if (!this.down.delete(trunk)) return;
    this.o.logger.info({ trunk }, `trunk ${trunk} up again: dialing on it resumes`);
    this.o.report({ type: 'trunk.up', trunk: TrunkId(trunk), at: this.o.clock.now() });
  }

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
      // What changed before the subscription was not heard: ask once.
      void endpointState(endpoint, (tech, resource) => this.o.gate.run('trunk state', () => this.o.rest().getEndpoint(tech, resource))).then((state) => {
        if (typeof state === 'string') this.endpointChanged(endpoint, state);
      });
      return true;
    } catch (err) {
      this.o.logger.warn({ trunk, source, err: describeError(err) }, 'trunk endpoint not followed: customers are dialed straight into the application');
      return false;
    }
  }
}
