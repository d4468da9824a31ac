/** The agent socket served for a test, and an agent's socket as the test drives it: messages kept in order, awaited by type. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { AGENT_SOCKET_PATH, AgentSockets, type AgentSocketsOptions } from '../../src/api/agent-sockets.js';

export type Message = Record<string, unknown> & { type: string };

/** The agent socket on a server of its own, on a free port. */
export async function serveAgentSockets(options: AgentSocketsOptions): Promise<{ readonly url: string; close(): Promise<void> }> {
  const sockets = new AgentSockets(options);
  const server = createServer();
  sockets.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}${AGENT_SOCKET_PATH}`,
    async close() {
      sockets.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export class AgentClient {
  private readonly received: Message[] = [];
  private wake?: () => void;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(String(data)) as Message);
      this.wake?.();
    });
  }

  /** Opens the socket at `url` (with `?ticket=` for a browser's way in, or a key in the header). */
  static open(url: string, key?: string): Promise<AgentClient> {
    const ws = new WebSocket(url, key ? { headers: { authorization: `Bearer ${key}` } } : {});
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new AgentClient(ws)));
      ws.once('unexpected-response', (_request, response) => reject(new Error(`refused with ${response.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(message));
  }

  /**
   * The next message, or the next of one of these types: messages of other
   * types before it (such as state changes) are passed over.
   */
  async next(...types: string[]): Promise<Message> {
    for (;;) {
      const index = this.received.findIndex((m) => types.length === 0 || types.includes(m.type));
      if (index >= 0) return this.received.splice(0, index + 1).at(-1)!;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /**
   * Logs in and waits for the first state, logging in again while the engine
   * refuses because another engine runs the campaign or it is taking it over
   * (as the agent's page does); any other refusal throws.
   */
  async logIn(login: Record<string, unknown>): Promise<void> {
    for (;;) {
      this.send({ type: 'login', ...login });
      const answer = await this.next('error', 'state');
      if (answer.type === 'state') return;
      if (answer['rule'] !== 'campaign-run-elsewhere') throw new Error(`login refused: ${String(answer['message'])}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  close(): void {
    this.ws.close();
  }
}
