/**
 * The agent desk of a running engine: whatever speaks for the agents (the
 * agent API, a test's scripted agents) publishes here, and the engine and the
 * attempt store listen.
 */
import type { AgentDesk, AgentDeskEvent, AgentDeskListener } from './desk.js';

export class DeskHub implements AgentDesk {
  private readonly listeners = new Set<AgentDeskListener>();

  subscribe(listener: AgentDeskListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: AgentDeskEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
