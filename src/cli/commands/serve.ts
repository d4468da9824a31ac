import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { Api } from '../../api/context.js';
import { buildApi } from '../../api/server.js';
import type { Coordination } from '../../coordination/coordination.js';
import { openCoordinationFromEnv } from '../../coordination/open.js';
import { wallClockScheduler } from '../../engine/scheduler.js';
import { HealthParts } from '../../api/health-parts.js';
import { OutpaceMetrics } from '../../metrics/metrics.js';
import { keepRollupCaughtUp } from '../../reports/rollup.js';
import type { Db } from '../../storage/db.js';
import { openMigratedDatabase } from './database.js';
import { loadServersConfig } from '../../telephony/servers/servers-config.js';

/** The engine as `serve` drives it; the lead's engine implements this. */
export interface ServedEngine {
  /**
   * Starts once the API listens; the API is given for what the engine serves
   * on it (the agent socket), and the API's database and coordination to
   * share (the embedded database may be opened once per process), and the
   * process's metrics, which the API serves at /metrics, and the health its parts report, which /health serves.
   */
  start(api: Api, shared: { readonly db: Db; readonly coordination: Coordination; readonly metrics: OutpaceMetrics; readonly health: HealthParts }): Promise<void>;
  /** Stop dialing, let the calls in progress finish, then resolve. */
  drain(): Promise<void>;
}

/** Where the API listens, and how much it logs. */
export const serveEnv = z.object({
  PORT: z.coerce.number({ error: 'the port (--port or PORT) must be a number from 0 to 65535' }).int().min(0).max(65_535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** --port and --host, where a server starts: they win over PORT and HOST (a busy 8080 needs no variable). */
export const LISTEN_OPTIONS = { port: { type: 'string' }, host: { type: 'string' } } as const;

export function withListenOptions(env: NodeJS.ProcessEnv, options: { port?: string | undefined; host?: string | undefined }): NodeJS.ProcessEnv {
  return { ...env, ...(options.port === undefined ? {} : { PORT: options.port }), ...(options.host === undefined ? {} : { HOST: options.host }) };
}

export interface Serving {
  readonly api: Api;
  /** Settles once everything has shut down. */
  readonly stopped: Promise<void>;
}

/**
 * The API (and the engine, when given) until `stop` settles; then no new
 * calls or requests, the engine drains its calls in progress, requests in
 * progress finish, and everything closes. Refuses an unmigrated database.
 */
export async function serve(env: NodeJS.ProcessEnv, stop: Promise<unknown>, engine?: ServedEngine): Promise<Serving> {
  const settings = serveEnv.parse(env);
  const db = await openMigratedDatabase(env);
  const coordination = openCoordinationFromEnv(env);
  const metrics = new OutpaceMetrics();
  const health = new HealthParts();
  const api = await buildApi(
    { db, coordination, clock: wallClockScheduler, metrics, health, pbxServers: loadServersConfig(env)?.servers.map((s) => s.name) },
    // Keys travel in headers, which the request serializer never logs; redact them anyway should a log add them.
    { logger: { level: settings.LOG_LEVEL, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] } },
  );
  await api.listen({ port: settings.PORT, host: settings.HOST });
  await engine?.start(api, { db, coordination, metrics, health });
  const stopRollup = keepRollupCaughtUp(db, (err) => api.log.error({ err }, "the reports' rollup did not catch up: the reports read the attempts meanwhile"));
  const stopped = stop.then(async () => {
    api.log.info('shutting down: no new calls, waiting for calls and requests in progress');
    await engine?.drain();
    await stopRollup();
    await api.close();
    await coordination.close();
    await db.close();
  });
  return { api, stopped };
}

/**
 * `outpace serve`: the API and the engine on PORT (default 8080) until SIGTERM
 * or SIGINT, then a graceful shutdown, so a deploy drops no call. Resolves with
 * the exit code once shut down.
 */
export async function serveCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, engine?: ServedEngine): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: LISTEN_OPTIONS });
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const { stopped } = await serve(withListenOptions(env, values), signal, engine);
  await stopped;
  return 0;
}
