/**
 * An HTTP and WebSocket server that speaks Asterisk 22's ARI well enough for
 * ari-client and outpace: it serves the real resource descriptions (basePath
 * rewritten to itself), checks credentials, answers the REST operations
 * outpace uses with Asterisk's status codes and bodies, and streams the
 * simulated PBX's events on /ari/events.
 *
 *   const ari = await AriTestServer.start({ timeScale: 0.01 });
 *   ari.pbx.script('+15550001', farEnd.busy());
 */
import { readFileSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import { ariTimestamp } from './models.js';
import { AriRequestError, type LinkMessage, SimPbx } from './pbx.js';
import { type Route, routes } from './routes.js';

export interface AriTestServerOptions {
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
  /** Real ms per scripted ms (default 0.01: a 4 s ring lasts 40 ms). */
  readonly timeScale?: number;
  readonly amdContext?: string;
  readonly customerContext?: string;
  readonly promptMs?: number;
  /** Trunk endpoints that exist (default: carrier, as in the lab's pjsip.conf). */
  readonly trunks?: readonly string[];
  /** Keep every event and request in `emitted` / `requests` (default true; off for long benchmark runs). */
  readonly keepLog?: boolean;
  /** ari.conf's `channelvars`: the variables listed with every channel (default: the shipped asterisk-config/ari.conf's). */
  readonly channelvars?: readonly string[];
}

/** The `channelvars` of the ari.conf outpace ships, which the lab's PBX runs. */
export function shippedChannelvars(): readonly string[] {
  const conf = readFileSync(new URL('../../asterisk-config/ari.conf', import.meta.url), 'utf8');
  return /^channelvars\s*=\s*(.*)$/m.exec(conf)?.[1]?.split(',').map((name) => name.trim()).filter(Boolean) ?? [];
}

export interface EmittedEvent {
  readonly application: string;
  readonly event: Record<string, unknown>;
}

const API_DOCS = fileURLToPath(new URL('./api-docs/', import.meta.url));
const ASTERISK_ID = '02:fc:00:00:00:01';

export class AriTestServer {
  readonly pbx: SimPbx;
  /** Every event sent on any socket, in order: what the event-model test checks. */
  readonly emitted: EmittedEvent[] = [];
  /** Every REST request served: `METHOD /path?query -> status`. */
  readonly requests: string[] = [];
  /** Events sent, counted even when not kept. */
  eventCount = 0;
  /**
   * The WebSocket serving each application. Asterisk keeps one per name: a
   * newer connection for the same application takes its events, and the older
   * one, still open, is sent ApplicationReplaced and hears nothing more.
   */
  private readonly appSockets = new Map<string, WebSocket>();
  private readonly sockets = new Set<WebSocket>();
  private eventsSuspended = false;
  private readonly http: Server;
  /** See hangRequests(). */
  private hangingUntil = 0;
  private readonly hanging: ServerResponse[] = [];
  /** See hangNext(). */
  private readonly hangingNext: Array<{ readonly request: RegExp; left: number }> = [];
  private readonly wss: WebSocketServer;
  private readonly routes: readonly Route[];

  private constructor(private readonly options: Required<Omit<AriTestServerOptions, 'port'>>) {
    this.pbx = new SimPbx({
      timeScale: options.timeScale,
      amdContext: options.amdContext,
      customerContext: options.customerContext,
      promptMs: options.promptMs,
      trunks: options.trunks,
      channelvars: options.channelvars,
      appIsConnected: (app) => this.appSockets.has(app),
      emit: (app, type, fields) => this.emit(app, type, fields),
      toPeer: (peer, message) => toPeer(peer, message),
      ownAddress: () => this.url,
    });
    this.routes = routes(this.pbx, () => this.connectedApps());
    this.http = createServer((req, res) => void this.serve(req, res));
    this.wss = new WebSocketServer({ noServer: true });
    this.http.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://ari');
      const apps = url.searchParams.get('app')?.split(',').filter(Boolean) ?? [];
      if (url.pathname !== '/ari/events' || !this.authorised(req, url) || apps.length === 0 || this.eventsSuspended) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        this.sockets.add(ws);
        for (const app of apps) {
          const older = this.appSockets.get(app);
          this.appSockets.set(app, ws);
          // As Asterisk does: the newer socket wins, the older one is told so once, then hears nothing more of it.
          if (older && older !== ws) older.send(JSON.stringify({ type: 'ApplicationReplaced', timestamp: ariTimestamp(), asterisk_id: ASTERISK_ID, application: app }));
        }
        ws.on('close', () => {
          this.sockets.delete(ws);
          for (const app of apps) if (this.appSockets.get(app) === ws) this.appSockets.delete(app);
        });
      });
    });
  }

  static async start(options: AriTestServerOptions = {}): Promise<AriTestServer> {
    const server = new AriTestServer({
      username: options.username ?? 'outpace',
      password: options.password ?? 'outpace',
      timeScale: options.timeScale ?? 0.01,
      amdContext: options.amdContext ?? 'outpace-amd',
      customerContext: options.customerContext ?? 'outpace-customer',
      promptMs: options.promptMs ?? 1500,
      trunks: options.trunks ?? ['carrier'],
      keepLog: options.keepLog ?? true,
      channelvars: options.channelvars ?? shippedChannelvars(),
    });
    await new Promise<void>((resolve) => server.http.listen(options.port ?? 0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  get credentials(): { username: string; password: string } {
    return { username: this.options.username, password: this.options.password };
  }

  /** Applications with a WebSocket connected now. */
  connectedApps(): string[] {
    return [...this.appSockets.keys()];
  }

  /** Drops every event WebSocket and refuses new ones until resumeEvents(): events meanwhile are lost, as with Asterisk. */
  suspendEvents(): void {
    this.eventsSuspended = true;
    for (const ws of this.sockets) ws.terminate();
    this.sockets.clear();
    this.appSockets.clear();
  }

  resumeEvents(): void {
    this.eventsSuspended = false;
  }

  /**
   * Sends `event` as it is, no field added, to the application's socket: what
   * a broken or hostile PBX might send (fields missing, types unknown, events
   * repeated or late, huge payloads), for the adapter's property tests.
   */
  sendRaw(app: string, event: unknown): void {
    this.appSockets.get(app)?.send(JSON.stringify(event));
  }

  /**
   * REST requests made in the next `ms` hang: never served, their connections
   * closed when the time is up, as when Asterisk's HTTP server has reached its
   * sessionlimit. The event WebSockets go on.
   */
  hangRequests(ms: number): void {
    this.hangingUntil = Date.now() + ms;
    setTimeout(() => {
      for (const res of this.hanging.splice(0)) res.destroy();
    }, ms);
  }

  /**
   * The next `times` REST requests whose `METHOD /path` (without /ari)
   * matches `request` hang, never served: a loaded Asterisk that does not
   * answer one kind of request in time, while the others go on.
   */
  hangNext(request: RegExp, times: number): void {
    this.hangingNext.push({ request, left: times });
  }

  async close(): Promise<void> {
    for (const res of this.hanging.splice(0)) res.destroy();
    this.pbx.close();
    for (const ws of this.sockets) ws.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private emit(app: string | undefined, type: string, fields: Record<string, unknown>): void {
    const targets = app === undefined ? [...this.appSockets] : this.appSockets.has(app) ? [[app, this.appSockets.get(app)!] as const] : [];
    for (const [application, ws] of targets) {
      const event = { type, timestamp: ariTimestamp(), ...fields, asterisk_id: ASTERISK_ID, application };
      this.eventCount++;
      if (this.options.keepLog) this.emitted.push({ application, event });
      ws.send(JSON.stringify(event));
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://ari');
    const reply = (status: number, body?: unknown, contentType?: string) => {
      if (this.options.keepLog) this.requests.push(`${req.method} ${url.pathname}${url.search} -> ${status}`);
      // A file goes out as its bytes with their length, as Asterisk's HTTP server sends a response's file (no Range support).
      if (contentType && Buffer.isBuffer(body)) return void res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length }).end(body);
      res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (Date.now() < this.hangingUntil) return void this.hanging.push(res);
    if (url.pathname.startsWith('/ari/api-docs/')) return this.serveApiDocs(url.pathname, req, res);
    if (url.pathname === LINK_PATH) return this.serveLink((await readJsonBody(req)) as LinkMessage, reply);
    if (!this.authorised(req, url)) return reply(401, { message: 'Authentication required' });

    const body = await readJsonBody(req);
    const path = url.pathname.replace(/^\/ari/, '');
    const hang = this.hangingNext.find((h) => h.left > 0 && h.request.test(`${req.method} ${path}`));
    if (hang) {
      hang.left--;
      return void this.hanging.push(res);
    }
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const match = route.path.exec(path);
      if (!match) continue;
      try {
        const { status, body: out, contentType } = await route.handle(match.slice(1).map(decodeURIComponent), url.searchParams, body);
        return reply(status, out, contentType);
      } catch (err) {
        if (err instanceof AriRequestError) return reply(err.status, { message: err.message });
        throw err;
      }
    }
    reply(404, { message: 'Resource not found' });
  }

  /** A message of the link from another test server (pbx.ts, "the link"): not ARI, so no credentials. */
  private serveLink(m: LinkMessage, reply: (status: number, body?: unknown) => void): void {
    try {
      if (m.type === 'invite') return reply(200, { channelId: this.pbx.incomingFromLink(m) });
      if (m.type === 'answered') this.pbx.linkAnswered(m.channelId);
      else this.pbx.linkEnded(m.channelId, m.cause);
      reply(200, {});
    } catch (err) {
      if (err instanceof AriRequestError) return reply(err.status, { message: err.message });
      throw err;
    }
  }

  private serveApiDocs(pathname: string, req: IncomingMessage, res: ServerResponse): void {
    const file = /^\/ari\/api-docs\/(\w+)\.json$/.exec(pathname)?.[1];
    let text: string;
    try {
      text = readFileSync(`${API_DOCS}${file}.json`, 'utf8');
    } catch {
      res.writeHead(404).end();
      return;
    }
    const base = `http://${req.headers.host}/ari`;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(text.replace('"basePath": "http://localhost:8088/ari"', `"basePath": "${base}"`));
  }

  private authorised(req: IncomingMessage, url: URL): boolean {
    const expected = `${this.options.username}:${this.options.password}`;
    const apiKey = url.searchParams.get('api_key');
    if (apiKey !== null) return apiKey === expected;
    const header = req.headers.authorization ?? '';
    return header.startsWith('Basic ') && Buffer.from(header.slice(6), 'base64').toString() === expected;
  }
}

/** Where a test server hears its peers over the link. */
const LINK_PATH = '/_link';

async function toPeer(peer: string, message: LinkMessage): Promise<{ channelId?: string }> {
  const res = await fetch(`${peer}${LINK_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(message) });
  const body = (await res.json()) as { channelId?: string; message?: string };
  if (!res.ok) throw new Error(`the link's other side answered ${res.status}: ${body.message ?? ''}`);
  return body;
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
