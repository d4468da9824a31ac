/**
 * Whether an agent rung per call can be reached, from the state Asterisk
 * keeps for the agent's endpoint (GET /endpoints/{tech}/{resource}). With
 * ring-per-call no channel proves the softphone is there while the agent
 * waits, so the login asks Asterisk instead: an endpoint pjsip.conf does not
 * know is refused (404), and PJSIP reports `offline` while no softphone is
 * registered (or qualify finds none answering).
 */
import { z } from 'zod';
import type { HangupCause } from '../../domain/outcomes.js';
import { describeError } from './ari-errors.js';

const endpointSchema = z.object({
  technology: z.string(),
  resource: z.string(),
  state: z.enum(['unknown', 'offline', 'online']).optional(),
});

/** `PJSIP/agent1` → { tech: 'PJSIP', resource: 'agent1' }; undefined for what is not a TECH/resource name. */
export function endpointName(endpoint: string): { tech: string; resource: string } | undefined {
  const m = /^([A-Za-z0-9_]+)\/([^/]+)$/.exec(endpoint);
  return m ? { tech: m[1]!, resource: m[2]! } : undefined;
}

/**
 * Why the endpoint cannot take calls, or undefined if it can. `unknown` counts
 * as reachable: Asterisk says it when it cannot tell (an endpoint without
 * qualify), and the first call not taken reports the agent down anyway.
 */
export async function unreachableReason(endpoint: string, getEndpoint: GetEndpoint): Promise<string | undefined> {
  const state = await endpointState(endpoint, getEndpoint);
  if (typeof state !== 'string') return state.problem;
  if (state === 'offline') return `${endpoint} is offline: no softphone registered`;
  return undefined;
}

type GetEndpoint = (tech: string, resource: string) => Promise<unknown>;

/** The state Asterisk keeps for the endpoint (absent: `unknown`), or why it could not be had. */
export async function endpointState(endpoint: string, getEndpoint: GetEndpoint): Promise<'unknown' | 'offline' | 'online' | { problem: string }> {
  const name = endpointName(endpoint);
  if (!name) return { problem: `${endpoint} is not an endpoint name such as PJSIP/agent1` };
  let payload: unknown;
  try {
    payload = await getEndpoint(name.tech, name.resource);
  } catch (err) {
    return { problem: `${endpoint}: ${describeError(err)}` };
  }
  const parsed = endpointSchema.safeParse(payload);
  if (!parsed.success) return { problem: `${endpoint}: Asterisk described the endpoint in a form outpace does not understand` };
  return parsed.data.state ?? 'unknown';
}

export function unreachableCause(reason: string): HangupCause {
  return { code: 0, text: `Agent endpoint unreachable: ${reason}` };
}
