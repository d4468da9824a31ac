import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { HealthParts } from './health-parts.js';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Coordination } from '../coordination/coordination.js';
import type { Clock } from '../engine/scheduler.js';
import type { OutpaceMetrics } from '../metrics/metrics.js';
import type { Db } from '../storage/db.js';
import type { KeyHolder, Role } from './keys.js';

/** What every route reads: storage, coordination and the clock. */
export interface ApiContext {
  readonly db: Db;
  readonly coordination: Coordination;
  readonly clock: Clock;
  /** The process's metrics, served at /metrics; absent, /metrics is not served. */
  readonly metrics?: OutpaceMetrics;
  /** What the engine's parts say of their health (a trunk down), reported by /health. */
  readonly health?: HealthParts;
  /** The names of the Asterisk servers agents are placed on (OUTPACE_SERVERS); absent with one server (ARI_URL), which every agent is on. */
  readonly pbxServers?: readonly string[];
}

export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles allowed on the route; absent: the route is public (health, OpenAPI). */
    roles?: readonly Role[];
  }
  interface FastifyRequest {
    keyHolder: KeyHolder | null;
  }
}

/** Role sets the routes share. */
export const READERS: readonly Role[] = ['admin', 'campaign-manager', 'supervisor', 'qa'];
export const MANAGERS: readonly Role[] = ['admin', 'campaign-manager'];
export const SUPERVISORS: readonly Role[] = ['admin', 'campaign-manager', 'supervisor'];
export const EVERYONE: readonly Role[] = ['admin', 'campaign-manager', 'supervisor', 'qa', 'agent'];

/** The acting user's name for the audit log. */
export function actor(request: { keyHolder: KeyHolder | null }): string {
  return request.keyHolder?.name ?? 'anonymous';
}
