import type { LightMyRequestResponse } from 'fastify';
import type { Api, ApiContext } from '../../src/api/context.js';
import { createApiKey, ROLES, type Role } from '../../src/api/keys.js';
import { buildApi } from '../../src/api/server.js';
import { upsertAgent } from '../../src/campaigns/agents.js';
import { memoryCoordination } from '../../src/coordination/memory.js';
import { AgentId } from '../../src/domain/ids.js';
import type { EpochMs } from '../../src/domain/time.js';
import type { Db } from '../../src/storage/db.js';

export interface TestApi {
  readonly api: Api;
  /** A key of each role; the agent's works as agent "desk". */
  readonly keys: Record<Role, string>;
  /** A request under /api/v1 with the role's key, from a client address. */
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, role?: Role, payload?: unknown, ip?: string): Promise<LightMyRequestResponse>;
}

/** The API on `db` at a fixed time, with a key for each role. */
export async function startTestApi(db: Db, now: EpochMs, failedAuthLimit: number, context: Pick<ApiContext, 'pbxServers'> = {}): Promise<TestApi> {
  const clock = { now: () => now };
  const api = await buildApi({ db, coordination: memoryCoordination(clock), clock, ...context }, { failedAuthLimit });
  await upsertAgent(db, { id: AgentId('desk'), name: 'Desk agent', redList: false });
  const keys = {} as Record<Role, string>;
  for (const role of ROLES) keys[role] = await createApiKey(db, { name: `${role} user`, role, agentId: role === 'agent' ? AgentId('desk') : null });
  return {
    api,
    keys,
    call: (method, url, role, payload, ip = '10.0.0.1') =>
      api.inject({
        method,
        url: `/api/v1${url}`,
        remoteAddress: ip,
        headers: role ? { authorization: `Bearer ${keys[role]}` } : {},
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
  };
}
