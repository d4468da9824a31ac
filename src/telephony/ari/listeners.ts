/**
 * The adapter's subscribers to one kind of event. A listener that throws is
 * logged and the others still hear the event: one faulty consumer must not
 * make the engine deaf to a call's end.
 */
import type { Logger } from 'pino';
import { describeError } from './ari-errors.js';

export class Listeners<E extends { readonly type: string }> {
  private readonly listeners = new Set<(event: E) => void>();

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
  ) {}

  add(listener: (event: E) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: E): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err: describeError(err), event: event.type }, `${this.what} listener threw`);
      }
    }
  }
}
