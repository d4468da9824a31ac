/** An agent's WebSocket as a test drives it. */
import { WebSocket } from 'ws';

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
