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
 */
import type { Logger } from 'pino';
import type { AriRest } from './ari-connection.js';
import { describeError } from './ari-errors.js';
import { trunkEventSource } from './config.js';
import type { RestGate } from './rest-gate.js';

export class TrunkEvents {
  private readonly subscriptions = new Map<string, Promise<boolean>>();

  constructor(
    private readonly gate: RestGate,
    private readonly rest: () => AriRest,
    private readonly template: string,
    private readonly logger: Logger,
  ) {}

  /** Resolves true once the application hears every channel on the trunk. */
  heard(trunk: string): Promise<boolean> {
    let subscribed = this.subscriptions.get(trunk);
    if (!subscribed) {
      subscribed = this.subscribe(trunk);
      this.subscriptions.set(trunk, subscribed);
    }
    return subscribed;
  }

  /** The event stream came back (or the application was registered again): subscriptions are made anew on the next call. */
  forget(): void {
    this.subscriptions.clear();
  }

  private async subscribe(trunk: string): Promise<boolean> {
    const source = trunkEventSource(this.template, trunk);
    if (!source) {
      this.logger.warn({ trunk, template: this.template }, 'the trunk endpoint cannot be told from ARI_TRUNK_ENDPOINT: customers are dialed straight into the application, and one answering while no engine listens is hung up in silence');
      return false;
    }
    try {
      await this.gate.run('trunk subscribe', () => this.rest().subscribe(source));
      return true;
    } catch (err) {
      this.logger.warn({ trunk, source, err: describeError(err) }, 'trunk endpoint not followed: customers are dialed straight into the application');
      return false;
    }
  }
}
