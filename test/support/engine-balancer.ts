/**
 * A load balancer in front of several outpace engines' APIs, as a site puts
 * nginx or HAProxy there (docs/scaling.md, "Agents find the engine"): plain
 * requests go to the first engine; a socket asking for an engine by name
 * (`?engine=`) goes to that engine, any other to the first. It remembers
 * which engine took each socket.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export class EngineBalancer {
  /** The engine each socket went to, in order. */
  readonly sockets: string[] = [];
  private readonly server: Server;
  private readonly open = new Set<Socket>();

  private constructor(private readonly engines: ReadonlyMap<string, number>) {
    const first = [...engines.values()][0]!;
    this.server = createServer((req, res) => {
      const upstream = request({ host: '127.0.0.1', port: first, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    this.server.on('upgrade', (req: IncomingMessage, client: Socket, head: Buffer) => this.upgrade(req, client, head, first));
  }

  /** `engines`: each engine's name and the port its API listens on; the first takes what names none. */
  static async start(engines: ReadonlyMap<string, number>): Promise<EngineBalancer> {
    const balancer = new EngineBalancer(engines);
    await new Promise<void>((resolve) => balancer.server.listen(0, '127.0.0.1', resolve));
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private upgrade(req: IncomingMessage, client: Socket, head: Buffer, first: number): void {
    const asked = new URL(req.url ?? '/', 'http://x').searchParams.get('engine');
    const name = asked !== null && this.engines.has(asked) ? asked : [...this.engines.keys()][0]!;
    this.sockets.push(name);
    const upstream = connect(asked !== null ? (this.engines.get(asked) ?? first) : first, '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const s of [client, upstream]) {
      this.open.add(s);
      s.on('error', () => (client.destroy(), upstream.destroy()));
      s.on('close', () => this.open.delete(s));
    }
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
