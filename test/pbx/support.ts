/**
 * What the real-PBX suites share: the lab's settings, a database of their own,
 * `outpace run` started as a user starts it, an observer of everything
 * Asterisk reports, and what is in a recording.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { WebSocket } from 'ws';
import { createApiKey } from '../../src/api/keys.js';
import { assignCampaigns, upsertAgent } from '../../src/campaigns/agents.js';
import { changeCampaignState } from '../../src/campaigns/campaign-store.js';
import type { Campaign } from '../../src/campaigns/campaign.js';
import { AgentId, type CampaignId } from '../../src/domain/ids.js';
import type { Db } from '../../src/storage/db.js';
import { runMigrations } from '../../src/storage/migrate.js';
import { openPostgres } from '../../src/storage/postgres.js';
import { AgentClient } from '../support/agent-client.js';
import { addLeads, makeCampaign, zoneAtNoon } from '../support/fixtures.js';

const run = promisify(execFile);

/** The lab `npm run pbx:up` started (its variables, from vitest.pbx.config.ts). */
export const lab = {
  ariUrl: need('ARI_URL'),
  username: need('ARI_USERNAME'),
  password: need('ARI_PASSWORD'),
  dir: need('OUTPACE_LAB_DIR'),
  agents: Number(need('OUTPACE_LAB_AGENTS')),
  recordings: need('OUTPACE_LAB_RECORDINGS'),
  asterisk: need('OUTPACE_LAB_ASTERISK'),
  /** The lab's second PBX (OUTPACE_LAB_PBXS=2, the default): its ARI, the agents whose softphones are on it, its recordings folder. */
  pbx2: process.env['OUTPACE_LAB_PBX2_ARI_URL']
    ? {
        ariUrl: process.env['OUTPACE_LAB_PBX2_ARI_URL'],
        agents: need('OUTPACE_LAB_PBX2_AGENTS').split(',').map(Number),
        recordings: need('OUTPACE_LAB_PBX2_RECORDINGS'),
      }
    : undefined,
  /** Where the carrier's answering machines keep what they recorded. */
  get machineMessages() {
    return join(this.dir, 'carrier', 'machine-msgs');
  },
};

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: the real-PBX suites run with npm run test:pbx after npm run pbx:up`);
  return value;
}

/** Lab agent n (softphone PJSIP/agent<n>) as a person at a desk: stored, assigned to the campaign, with an agent key. */
export async function labAgent(db: Db, n: number, campaignId: CampaignId): Promise<{ agentId: AgentId; endpoint: string; key: string }> {
  const agentId = AgentId(`agent${n}`);
  await upsertAgent(db, { id: agentId, name: `Agent ${n}`, redList: false });
  await assignCampaigns(db, agentId, [campaignId]);
  return { agentId, endpoint: `PJSIP/agent${n}`, key: await createApiKey(db, { name: `agent ${n}`, role: 'agent', agentId }) };
}

export interface AttemptRow {
  readonly id: string;
  readonly phone: string;
  readonly connected: boolean;
  readonly ended: boolean;
  readonly outcome: string | null;
  readonly abandoned: boolean;
  readonly agent_id: string | null;
  readonly engine_id: string;
  readonly disposition: string | null;
}

/** The campaign's attempts in the order they were dialed, as the real-PBX tests check them. */
export async function campaignAttempts(db: Db, campaignId: CampaignId): Promise<AttemptRow[]> {
  const { rows } = await db.query<AttemptRow>(
    `SELECT id, phone, connected_at IS NOT NULL AS connected, ended_at IS NOT NULL AS ended, outcome, abandoned, agent_id, engine_id, disposition
       FROM attempts WHERE campaign_id = $1 ORDER BY originated_at`,
    [campaignId],
  );
  return rows;
}

/**
 * An agent at their desk on the engine: logged in with the lab's softphone
 * agent{n} (again, while the engine is still taking the campaign over), and
 * dispositioning every call it wraps up with `code`.
 */
export async function agentAtDesk(engine: EngineProcess, key: string, n: number, code = 'survey-completed'): Promise<AgentClient> {
  const desk = await AgentClient.open(engine.agentSocketUrl, key);
  await desk.next('hello');
  await desk.logIn({ endpoint: `PJSIP/agent${n}` });
  const dispositionEach = (): void =>
    void desk.next('wrap-up').then((m) => {
      desk.send({ type: 'disposition', attemptId: m['attemptId'], code });
      dispositionEach();
    }, () => undefined);
  dispositionEach();
  return desk;
}

/**
 * A campaign on the lab's PBX for a test that kills engines under it: its
 * own database, an ARI observer, the lab agents assigned to it and their
 * desks, the engines started for it; close() leaves nothing behind.
 */
export class CampaignUnderTest {
  readonly desks: AgentClient[] = [];
  private readonly engines: EngineProcess[] = [];

  private constructor(
    readonly database: Awaited<ReturnType<typeof freshDatabase>>,
    readonly observer: AriObserver,
    readonly campaign: Campaign,
    private readonly agents: ReadonlyArray<{ n: number; key: string }>,
  ) {}

  static async open(o: { name: string; pacing: Partial<Campaign['pacing']>; leads: ReadonlyArray<{ phone: string; priority?: number }>; agents: readonly number[] }): Promise<CampaignUnderTest> {
    const database = await freshDatabase();
    const campaign = await makeCampaign(database.db, { name: o.name, pacing: o.pacing });
    await addLeads(database.db, campaign, o.leads.map((l) => ({ ...l, timeZone: zoneAtNoon() })));
    await changeCampaignState(database.db, campaign.id, 'start', 'test');
    const agents = [];
    for (const n of o.agents) agents.push({ n, key: (await labAgent(database.db, n, campaign.id)).key });
    return new CampaignUnderTest(database, await AriObserver.open(), campaign, agents);
  }

  get db(): Db {
    return this.database.db;
  }

  attempts(): Promise<AttemptRow[]> {
    return campaignAttempts(this.db, this.campaign.id);
  }

  async startEngine(engineId: string, env?: Record<string, string>): Promise<EngineProcess> {
    const engine = await EngineProcess.start({ campaigns: [this.campaign.id], databaseUrl: this.database.url, engineId, ...(env ? { env } : {}) });
    this.engines.push(engine);
    return engine;
  }

  /** Every agent at their desk on the engine, or those of `only`. */
  async logIn(engine: EngineProcess, only?: readonly number[]): Promise<void> {
    for (const { n, key } of this.agents) if (!only || only.includes(n)) this.desks.push(await agentAtDesk(engine, key, n));
  }

  /** The agents' desks lost with their engine. */
  dropDesks(): void {
    for (const desk of this.desks.splice(0)) desk.close();
  }

  /** The customer channels of the engine that the observer has seen, and those of them that entered a bridge. */
  customersOf(engineId: string): { seen: Set<string>; bridged: Set<string> } {
    const customer = new RegExp(`^${engineId}-c-[0-9a-f-]{36}$`); // not the snoop channels recording them
    const seen = new Set<string>();
    const bridged = new Set<string>();
    for (const e of this.observer.events) {
      if (!e.channel || !customer.test(e.channel.id)) continue;
      seen.add(e.channel.id);
      if (e.type === 'ChannelEnteredBridge') bridged.add(e.channel.id);
    }
    return { seen, bridged };
  }

  async close(engineIds: readonly string[]): Promise<void> {
    this.dropDesks();
    for (const e of this.engines) if (e.child.exitCode === null && e.child.signalCode === null) await e.stop('SIGKILL');
    this.observer.close();
    for (const id of engineIds) await clearPbx(id);
    await this.database.drop();
  }
}

/** Runs an Asterisk CLI command on the lab's PBX, its second PBX or its carrier. */
export async function asteriskCli(instance: 'pbx' | 'pbx2' | 'carrier', command: string): Promise<string> {
  const { stdout } = await run(lab.asterisk, ['-C', join(lab.dir, instance, 'etc', 'asterisk.conf'), '-rx', command]);
  return stdout;
}

/** Waits until `condition` holds (a failing check counts as not yet), at most `withinMs`; returns how long it took. */
export async function until(what: string, condition: () => Promise<boolean>, withinMs: number): Promise<number> {
  const from = Date.now();
  while (!(await condition().catch(() => false))) {
    if (Date.now() - from > withinMs) throw new Error(`${what}: not within ${withinMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return Date.now() - from;
}

// --- ARI, as an observer ----------------------------------------------------------

/** A request to the ARI of the lab's PBX, or of the PBX at `ariUrl` (the second one). */
export async function ari<T = unknown>(method: string, path: string, ariUrl = lab.ariUrl): Promise<T> {
  const res = await fetch(`${ariUrl}/ari${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`${lab.username}:${lab.password}`).toString('base64')}` },
  });
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 || res.status === 404 ? undefined : await res.json()) as T;
}

export interface AriEvent {
  readonly type: string;
  readonly timestamp: string;
  readonly channel?: { id: string; name: string; state: string; dialplan?: { context: string } };
  readonly playback?: { id: string; media_uri: string; target_uri: string; state: string };
  readonly recording?: { name: string; state: string; target_uri: string; cause?: string };
  readonly cause?: number;
  readonly digit?: string;
  readonly [field: string]: unknown;
}

/** Every event Asterisk emits (an application subscribed to all), kept in order with when each was sent. */
export class AriObserver {
  readonly events: AriEvent[] = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.events.push(JSON.parse(String(data)) as AriEvent));
  }

  static async open(app = `observer-${randomBytes(3).toString('hex')}`, ariUrl = lab.ariUrl): Promise<AriObserver> {
    const url = new URL(`${ariUrl.replace(/^http/, 'ws')}/ari/events`);
    url.searchParams.set('api_key', `${lab.username}:${lab.password}`);
    url.searchParams.set('app', app);
    url.searchParams.set('subscribeAll', 'true');
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new AriObserver(ws);
  }

  /** The events about one channel, in order. */
  about(channelId: string): AriEvent[] {
    return this.events.filter((e) => e.channel?.id === channelId || e.playback?.target_uri === `channel:${channelId}`);
  }

  close(): void {
    this.ws.close();
  }
}

export const at = (e: AriEvent): number => Date.parse(e.timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));

/** Channels and bridges an engine left on the PBX (its id starts them all). */
export async function leftOnPbx(engineId: string, ariUrl = lab.ariUrl): Promise<{ channels: string[]; bridges: string[] }> {
  const channels = (await ari<{ id: string; name: string }[]>('GET', '/channels', ariUrl)) ?? [];
  const bridges = (await ari<{ id: string }[]>('GET', '/bridges', ariUrl)) ?? [];
  return {
    channels: channels.filter((c) => c.id.startsWith(`${engineId}-`)).map((c) => `${c.id} (${c.name})`),
    bridges: bridges.filter((b) => b.id.startsWith(`${engineId}-`)).map((b) => b.id),
  };
}

/** Hangs up and destroys what an engine left, so the next suite finds the lab's softphones free. */
export async function clearPbx(engineId: string, ariUrl = lab.ariUrl): Promise<void> {
  const channels = (await ari<{ id: string }[]>('GET', '/channels', ariUrl)) ?? [];
  const bridges = (await ari<{ id: string }[]>('GET', '/bridges', ariUrl)) ?? [];
  await Promise.all([
    ...channels.filter((c) => c.id.startsWith(`${engineId}-`)).map((c) => ari('DELETE', `/channels/${c.id}`, ariUrl)),
    ...bridges.filter((b) => b.id.startsWith(`${engineId}-`)).map((b) => ari('DELETE', `/bridges/${b.id}`, ariUrl)),
  ]);
}

// --- the carrier's own account -------------------------------------------------------

/** What the carrier says it did, per number, in order: `PERSON ...`, `MACHINE ...` (test/pbx/carrier/extensions.conf). */
export function carrierLog(): Map<string, string[]> {
  const byNumber = new Map<string, string[]>();
  const text = readFileSync(join(lab.dir, 'carrier', 'log', 'messages'), 'utf8');
  for (const [, number, what] of text.matchAll(/app_verbose\.c: carrier (\+\d+): (.*)$/gm)) {
    byNumber.set(number!, [...(byNumber.get(number!) ?? []), what!]);
  }
  return byNumber;
}

// --- storage and the engine process --------------------------------------------------------

/** A database of its own on the PostgreSQL server at DATABASE_URL, migrated; dropped by `drop`. */
export async function freshDatabase(): Promise<{ url: string; db: Db; drop(): Promise<void> }> {
  const server = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `outpace_pbx_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = openPostgres({ url: url.toString() });
  await runMigrations(db);
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.close();
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `outpace run --campaign ...` in a process of its own, as a user starts it (the built CLI). */
export class EngineProcess {
  private output = '';
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly apiUrl: string,
    /** Where its whole log goes: the lab's folder, beside the PBX's own logs. */
    readonly logFile: string,
  ) {
    const file = createWriteStream(logFile, { flags: 'a' });
    const keep = (d: Buffer) => {
      this.output += String(d);
      file.write(d);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.once('exit', () => file.end());
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? null : 0))));
  }

  static async start(o: { campaigns: readonly string[]; databaseUrl: string; engineId: string; env?: Record<string, string> }): Promise<EngineProcess> {
    const cli = new URL('../../dist/cli/main.js', import.meta.url).pathname;
    if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run build (npm run test:pbx builds first)`);
    const port = await freePort();
    const child = spawn(process.execPath, [cli, 'run', ...o.campaigns.flatMap((c) => ['--campaign', c])], {
      env: {
        PATH: process.env['PATH'],
        DATABASE_URL: o.databaseUrl,
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        ARI_URL: lab.ariUrl,
        ARI_USERNAME: lab.username,
        ARI_PASSWORD: lab.password,
        ARI_APP: `outpace-${o.engineId}`,
        OUTPACE_ENGINE_ID: o.engineId,
        OUTPACE_TRUNK: 'carrier',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
        ...o.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    mkdirSync(join(lab.dir, 'engines'), { recursive: true });
    const engine = new EngineProcess(child, `http://127.0.0.1:${port}`, join(lab.dir, 'engines', `${o.engineId}.log`));
    // The API listens first; the engine serves the agent socket once its campaigns have started.
    for (let tries = 0; ; tries++) {
      if ((await upgradeStatus(engine.agentSocketUrl)) === 401) return engine;
      if (child.exitCode !== null || tries > 300) throw new Error(`outpace run did not come up (${engine.logFile}):\n${engine.log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  get agentSocketUrl(): string {
    return `${this.apiUrl.replace(/^http/, 'ws')}/api/v1/agent`;
  }

  get log(): string {
    return this.output.split('\n').slice(-40).join('\n');
  }

  /** Every line of the engine's log so far. */
  get allLines(): string[] {
    return this.output.split('\n');
  }

  /** Lines of the engine's log (pino JSON) that are warnings or worse. */
  get problems(): string[] {
    return this.output
      .split('\n')
      .filter((l) => /"level":(40|50|60)/.test(l))
      .map((l) => l.slice(0, 400));
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}

/** How the server answers a WebSocket upgrade without a key: 401 once the agent socket is served, 404 before. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      resolve(101);
      ws.close();
    });
    ws.once('error', () => resolve(0));
  });
}
