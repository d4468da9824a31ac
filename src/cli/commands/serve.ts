import { z } from 'zod';
import { buildApi } from '../../api/server.js';
import { openCoordinationFromEnv } from '../../coordination/open.js';
import { wallClockScheduler } from '../../engine/scheduler.js';
import { openMigratedDatabase } from './database.js';

/** The engine as `serve` drives it; the lead's engine implements this. */
export interface ServedEngine {
  start(): Promise<void>;
  /** Stop dialing, let the calls in progress finish, then resolve. */
  drain(): Promise<void>;
}

const serveEnv = z.object({
  PORT: z.coerce.number().int().min(1).max(65_535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/**
 * `outpace serve`: the API (and the engine, when given) on PORT. Refuses to
 * start on an unmigrated database. On SIGTERM or SIGINT: stop taking requests
 * and dialing, let calls and requests in progress finish, then exit, so a
 * deploy drops no call. Resolves with the exit code once shut down.
 */
export async function serveCommand(_argv: readonly string[], env: NodeJS.ProcessEnv = process.env, engine?: ServedEngine): Promise<number> {
  const settings = serveEnv.parse(env);
  const db = await openMigratedDatabase(env);
  const coordination = openCoordinationFromEnv(env);
  const api = await buildApi(
    { db, coordination, clock: wallClockScheduler },
    // Keys travel in headers, which the request serializer never logs; redact them anyway should a log add them.
    { logger: { level: settings.LOG_LEVEL, redact: ['req.headers.authorization', 'req.headers["x-api-key"]'] } },
  );
  await api.listen({ port: settings.PORT, host: settings.HOST });
  await engine?.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      api.log.info({ signal }, 'shutting down: no new calls, waiting for calls and requests in progress');
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  await engine?.drain();
  await api.close();
  await coordination.close();
  await db.close();
  return 0;
}
