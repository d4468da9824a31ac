/**
 * The ARI adapter's configuration, read from the environment and checked at
 * start: a wrong URL or a missing password is reported before any call is
 * made, with what to set.
 */
import { hostname } from 'node:os';
import { z } from 'zod';

/** Asterisk's HTTP server serves at most `sessionlimit` (default 100) requests at once; stay well under it. */
const ASTERISK_SESSION_LIMIT = 100;

export const AGENT_CONNECTIONS = ['nailed-up', 'ring-per-call'] as const;
export type AgentConnection = (typeof AGENT_CONNECTIONS)[number];

export const ariConfigSchema = z.object({
  ARI_URL: z
    .url({ protocol: /^https?$/, error: 'ARI_URL must be the http(s) address of Asterisk\'s HTTP server, such as http://pbx:8088' }),
  ARI_USERNAME: z.string({ error: 'ARI_USERNAME must name a user of ari.conf' }).min(1, 'ARI_USERNAME must not be empty'),
  ARI_PASSWORD: z.string({ error: 'ARI_PASSWORD must be that ari.conf user\'s password' }).min(1, 'ARI_PASSWORD must not be empty'),
  /** Asterisk gives each application one WebSocket: every engine needs its own name. */
  ARI_APP: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'ARI_APP must be a Stasis application name: letters, digits, - and _')
    .default('outpace'),
  /** How a customer's number becomes a dial string; {number} and {trunk} are replaced. */
  ARI_TRUNK_ENDPOINT: z
    .string()
    .refine((s) => s.includes('{number}'), 'ARI_TRUNK_ENDPOINT must contain {number}, such as PJSIP/{number}@{trunk}')
    .default('PJSIP/{number}@{trunk}'),
  /**
   * The dialplan context an answered customer enters (dialplan/outpace.conf):
   * it puts the call into the engine's Stasis application and, when no engine
   * listens (it was lost), plays the abandon message and leaves a record the
   * next engine reads, rather than hanging up in silence.
   */
  ARI_CUSTOMER_CONTEXT: z.string().min(1).default('outpace-customer'),
  /** The dialplan context that runs AMD() and returns to Stasis (dialplan/outpace.conf). */
  ARI_AMD_CONTEXT: z.string().min(1).default('outpace-amd'),
  /**
   * How agents are reached: a leg held open for the whole login (the fastest
   * connect), or the agent's softphone rung for each customer (no channel
   * held per idle agent). Set per engine, so per campaign.
   */
  ARI_AGENT_CONNECTION: z
    .enum(AGENT_CONNECTIONS, { error: `ARI_AGENT_CONNECTION must be one of ${AGENT_CONNECTIONS.join(', ')}` })
    .default('nailed-up'),
  /** ring-per-call: how long an agent's softphone may ring for a customer before the agent is reported unavailable. */
  ARI_AGENT_ANSWER_TIMEOUT_SEC: z.coerce
    .number()
    .int('ARI_AGENT_ANSWER_TIMEOUT_SEC must be whole seconds: Asterisk\'s originate timeout is')
    .min(1)
    .max(30)
    .default(3),
  ARI_MAX_CONCURRENT_REQUESTS: z.coerce
    .number()
    .int()
    .min(1)
    .max(ASTERISK_SESSION_LIMIT / 2, `ARI_MAX_CONCURRENT_REQUESTS must stay at or below ${ASTERISK_SESSION_LIMIT / 2}: Asterisk drops requests beyond its HTTP session limit`)
    .default(20),
  ARI_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /**
   * How often the PBX qualifies the trunks (pjsip.conf's qualify_frequency;
   * 30 in asterisk-config/). A started Asterisk reports a trunk offline
   * until its first qualify: a trunk read offline (when it is first
   * followed, and when the event stream comes back) is taken as down only if
   * it still is one qualify (and 5 s) later, or when qualify says so.
   */
  ARI_TRUNK_QUALIFY_SEC: z.coerce.number().min(0).max(3600).default(30),
  /** Call attempts per second per trunk, unless the trunk's own settings say otherwise. */
  ARI_CALLS_PER_SECOND: z.coerce.number().min(0.1).max(10_000).default(20),
  /** Names this engine on the channels it creates, so that two engines never drive each other's calls. */
  OUTPACE_ENGINE_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'OUTPACE_ENGINE_ID may hold letters, digits, - and _')
    .default(`${hostname().replace(/[^A-Za-z0-9_-]/g, '')}-${process.pid}`),
});

export type AriConfig = z.infer<typeof ariConfigSchema>;

/** Reads and checks the ARI settings; throws one error listing every problem. */
export function loadAriConfig(env: Record<string, string | undefined> = process.env): AriConfig {
  const parsed = ariConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`).join('\n');
  throw new Error(`outpace cannot reach Asterisk with this configuration:\n${problems}\nSet these environment variables and start again.`);
}

/**
 * The ARI event source of the endpoint a trunk's calls go out on, when the
 * dial string names it (`PJSIP/{number}@{trunk}` goes out on `PJSIP/{trunk}`);
 * undefined for dial strings whose endpoint cannot be told from the template.
 */
export function trunkEventSource(template: string, trunk: string): string | undefined {
  const m = /^([A-Za-z0-9_]+)\/\{number\}@([^/{}]*\{trunk\}[^/{}]*)$/.exec(template);
  return m ? `endpoint:${m[1]}/${m[2]!.replaceAll('{trunk}', trunk)}` : undefined;
}

/** The dial string for a customer's number on a trunk. */
export function trunkEndpoint(template: string, number: string, trunk: string): string {
  return template.replaceAll('{number}', number).replaceAll('{trunk}', trunk);
}
