/**
 * The HTTP API for campaign managers, supervisors, QA and agents: versioned
 * REST under /api/v1, every body and query validated with zod, the OpenAPI
 * document at /api/v1/openapi.json, API keys with roles on every route.
 */
import swagger from '@fastify/swagger';
import fastify, { type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Api, ApiContext } from './context.js';
import { errorHandler, notFoundHandler, sendError } from './errors.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { findKeyHolder, keyPrefix } from './keys.js';
import { describeCsvUploads, documentRoute } from './openapi.js';
import { agentDeskRoutes } from './routes/agent-desk.js';
import { attemptRoutes } from './routes/attempts.js';
import { campaignRoutes } from './routes/campaigns.js';
import { callbackRoutes } from './routes/callbacks.js';
import { leadRoutes } from './routes/leads.js';
import { listRoutes } from './routes/lists.js';
import { liveRoutes } from './routes/live.js';
import { metricsRoutes } from './routes/metrics.js';
import { numberListRoutes } from './routes/number-lists.js';
import { qaRoutes } from './routes/qa.js';
import { recordingRoutes } from './routes/recordings.js';
import { peopleRoutes } from './routes/people.js';
import { reportRoutes } from './routes/reports.js';
import { scriptRoutes } from './routes/scripts.js';
import { supervisorRoutes } from './routes/supervisor.js';
import { leadFieldRoutes } from './routes/lead-fields.js';
import { webLayerRoutes, webPageRoutes } from './web/serve.js';

export const API_PREFIX = '/api/v1';

export interface ApiOptions {
  /** Pino options, or false for none (tests). Keys never reach the log: headers are not logged. */
  readonly logger?: FastifyServerOptions['logger'];
  readonly failedAuthLimit?: number;
}

export async function buildApi(context: ApiContext, options: ApiOptions = {}): Promise<Api> {
  const app = fastify({
    logger: options.logger ?? false,
    // Uploaded lead files are streamed, not held; this bounds JSON bodies only.
    bodyLimit: 10 * 2 ** 20,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  // Response schemas document the answers (see openapi.ts); answers are written as plain JSON.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook('onRoute', (route) => documentRoute(route, API_PREFIX));
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  // CSV uploads reach the route as the raw request stream.
  app.addContentTypeParser(['text/csv', 'application/octet-stream'], (_request, payload, done) => done(null, payload));

  await app.register(swagger, {
    openapi: {
      info: { title: 'outpace', description: 'Outbound dialer: campaigns, lists, leads, scripts, attempts, do-not-call, callbacks, agents', version: '1' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => {
      const openapi = 'openapiObject' in document ? document.openapiObject : document.swaggerObject;
      describeCsvUploads(openapi as Parameters<typeof describeCsvUploads>[0]);
      return openapi;
    },
  });

  const limiter = new FailedAuthLimiter(context.clock, options.failedAuthLimit ?? 10);
  app.decorateRequest('keyHolder', null);
  app.addHook('onRequest', async (request, reply) => {
    const roles = request.routeOptions.config.roles;
    if (!roles) return;
    const key = bearerKey(request.headers.authorization) ?? headerValue(request.headers['x-api-key']);
    if (!key) {
      return sendError(reply, 401, { error: 'unauthorized', message: 'send an API key as "Authorization: Bearer KEY"' });
    }
    const holder = await findKeyHolder(context.db, key);
    if (!holder) {
      const prefix = keyPrefix(key);
      const wait = limiter.retryAfterSeconds(request.ip, prefix);
      if (wait > 0) {
        reply.header('retry-after', String(wait));
        return sendError(reply, 429, { error: 'too-many-failures', message: `too many wrong API keys from this address: wait ${wait} s` });
      }
      limiter.recordFailure(request.ip, prefix);
      return sendError(reply, 401, { error: 'unauthorized', message: 'the API key is unknown or revoked' });
    }
    if (!roles.includes(holder.role)) {
      return sendError(reply, 403, { error: 'forbidden', message: `role ${holder.role} may not do this; allowed: ${roles.join(', ')}` });
    }
    request.keyHolder = holder;
  });

  await app.register(
    async (api) => {
      const routes = api.withTypeProvider<ZodTypeProvider>();
      // Degraded names each part that fails (503), so that a monitor sees what to fix.
      routes.get('/health', { schema: { hide: true } }, async (_request, reply) => {
        const degraded: Array<{ part: string; problem: string }> = [];
        await context.db.query('SELECT 1').catch((err: unknown) => degraded.push({ part: 'database', problem: err instanceof Error ? err.message : String(err) }));
        const coordination = context.coordination.health();
        if (!coordination.reachable) degraded.push({ part: 'redis', problem: coordination.problem });
        degraded.push(...(context.health?.list() ?? []));
        if (degraded.length === 0) return { status: 'ok', database: context.db.kind };
        return reply.code(503).send({ status: 'degraded', database: context.db.kind, degraded });
      });
      routes.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      for (const register of [
        campaignRoutes,
        listRoutes,
        leadRoutes,
        numberListRoutes,
        callbackRoutes,
        peopleRoutes,
        scriptRoutes,
        leadFieldRoutes,
        attemptRoutes,
        agentDeskRoutes,
        liveRoutes,
        supervisorRoutes,
        reportRoutes,
        recordingRoutes,
        qaRoutes,
      ]) {
        register(routes, context);
      }
    },
    { prefix: API_PREFIX },
  );
  webLayerRoutes(app);
  webPageRoutes(app, { path: '/agent', title: 'agent', folder: new URL('./agent-page/', import.meta.url), files: ['agent.js', 'call.js', 'script.js', 'agent.css'] });
  webPageRoutes(app, { path: '/qa', title: 'QA', folder: new URL('./qa-page/', import.meta.url), files: ['qa.js', 'qa.css'] });
  webPageRoutes(app, {
    path: '/supervisor',
    title: 'supervisor',
    folder: new URL('./supervisor-page/', import.meta.url),
    files: ['supervisor.js', 'charts.js', 'supervisor.css'],
    vendorStyles: ['/web/vendor/uplot.css'],
  });
  // At the root, where Prometheus looks by default.
  metricsRoutes(app, context);
  return app;
}

function bearerKey(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
