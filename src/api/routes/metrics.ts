/**
 * /metrics: the process's metrics in Prometheus' text format (metrics.ts says
 * what is there). Behind a key like every route but health: a scrape job sends
 * one (`authorization: { credentials: KEY }` in prometheus.yml), and an agent's
 * key gets nothing. docs/running.md shows the scrape job; docs/grafana-dashboard.json a dashboard.
 */
import type { Api, ApiContext } from '../context.js';
import { SUPERVISORS } from '../context.js';

export function metricsRoutes(app: Api, { metrics }: ApiContext): void {
  if (!metrics) return;
  app.get('/metrics', { config: { roles: SUPERVISORS }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(metrics.contentType).send(await metrics.scrape()),
  );
}
