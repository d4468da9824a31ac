/** The agent socket served for a test, and an agent's WebSocket as the test drives it. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { AGENT_SOCKET_PATH, AgentSockets, type AgentSocketsOptions } from '../../src/api/agent-sockets.js';

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

/** An agent's socket, with the messages outpace sent it in order. */
export class AgentClient {
  private readonly received: Record<string, unknown>[] = [];
  private waiting?: () => void;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.received.push(JSON.parse(String(data)));
      this.waiting?.();
    });
  }

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

  async next(): Promise<Record<string, unknown>> {
    while (this.received.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
    return this.received.shift()!;
  }

  /** The next message of this type, passing over the others. */
  async nextOf(type: string): Promise<Record<string, unknown>> {
    for (;;) {
      const message = await this.next();
      if (message.type === type) return message;
    }
  }
}
