/** An agent's socket as a test drives it: messages kept in order, awaited by type. */
import { WebSocket } from 'ws';

export type Message = Record<string, unknown> & { type: string };

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

  close(): void {
    this.ws.close();
  }
}
