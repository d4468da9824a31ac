/**
 * Several Asterisk servers, named in OUTPACE_SERVERS (a JSON array, in the
 * environment or in the OUTPACE_CONFIG file): each with its ARI address and
 * credentials and its trunks with their limits. The ARI_* settings that are
 * not per server (timeouts, agent connection, contexts) apply to every one;
 * each server gets its own Stasis application name only if given one.
 *
 * A server's `link` is the endpoint through which it calls another server
 * of the site (the inter-PBX trunk: asterisk-config/pjsip.conf's link templates), for a
 * customer put through to an agent on another server: with
 * OUTPACE_CROSS_SERVER_AFTER_MS (500 by default once links are given), a
 * customer waiting that long with no agent free on their own server crosses
 * to one free on another (docs/scaling.md).
 */
import { z } from 'zod';
import { trunkSettingsSchema, type TrunkSettings } from '../../pacing/settings.js';
import { type AriConfig, loadAriConfig } from '../ari/config.js';

const serverSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a server name holds letters, digits, - and _ (agents are placed on it by that name)'),
    ariUrl: z.string().min(1, 'ariUrl: the http(s) address of the server\'s ARI, such as http://pbx1:8088'),
    username: z.string().min(1, 'username: a user of the server\'s ari.conf'),
    password: z.string().min(1, 'password: that user\'s password'),
    /** The Stasis application on this server; default ARI_APP. */
    app: z.string().optional(),
    /** The endpoint to another server of the site, {server} its name and {attempt} the call's attempt (the extension dialed there). */
    link: z
      .string()
      .regex(/^[A-Za-z0-9]+\/.+/, 'link: an endpoint such as PJSIP/{attempt}@outpace-link-{server} (a technology, a slash, then the dial string)')
      .refine((t) => t.includes('{attempt}'), 'link: the dial string must carry {attempt}, the extension the other server\'s [outpace-from-pbx] context hands to Stasis')
      .optional(),
    trunks: z.array(trunkSettingsSchema).min(1, 'trunks: at least one, such as {"id": "carrier", "maxLines": 30, "maxCallsPerSecond": 5}'),
  })
  .strict();

const serversSchema = z
  .array(serverSchema)
  .min(1)
  .superRefine((servers, ctx) => {
    const seen = new Set<string>();
    for (const [i, s] of servers.entries()) {
      if (seen.has(s.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `${s.name} is named twice: each server needs its own name` });
      seen.add(s.name);
    }
  });

const downAfterSchema = z.coerce
  .number()
  .int()
  .min(500, 'OUTPACE_SERVER_DOWN_AFTER_MS below 500 ms would take agents out at every blip of the socket')
  .max(60_000)
  .default(3000);

/** off: a customer meets only agents on their own server; a number: after waiting that long, any server's agent (0: at once). */
const crossAfterSchema = z
  .union([z.literal('off'), z.coerce.number().int().min(0).max(10_000, 'OUTPACE_CROSS_SERVER_AFTER_MS above 10000 ms is past any connect deadline: use off')])
  .optional();

/**
 * Unset, with links: the fallback the measurements support (docs/scaling.md: it removed the abandons of thinly spread
 * agents for a crossing in eight connects, and crosses almost never when each server holds many agents).
 */
export const CROSS_AFTER_DEFAULT_MS = 500;

export interface PbxServerConfig {
  readonly name: string;
  /** The endpoint template to the other servers (the inter-PBX trunk): none, and no call crosses from this server. */
  readonly link?: string;
  readonly ari: AriConfig;
  readonly trunks: readonly TrunkSettings[];
}

export interface PbxServersConfig {
  readonly servers: readonly PbxServerConfig[];
  /** How long a server's event socket may stay gone before its agents leave ready and its trunks leave the pacer's limits. */
  readonly downAfterMs: number;
  /** How long an answered customer waits for an agent on their own server before one on another server may take them; off: never. */
  readonly crossAfterMs: number | 'off';
}

/** The endpoint on `from`'s server that reaches server `to` for the call `attemptId`. */
export function linkEndpoint(template: string, to: string, attemptId: string): string {
  return template.replaceAll('{server}', to).replaceAll('{attempt}', attemptId);
}

/** The servers of OUTPACE_SERVERS, or undefined when it is not set (one server, ARI_URL). Throws listing every problem. */
export function loadServersConfig(env: Record<string, string | undefined>): PbxServersConfig | undefined {
  const raw = env['OUTPACE_SERVERS'];
  if (raw === undefined || raw.trim() === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`OUTPACE_SERVERS is not JSON (${(err as Error).message}): set it to an array such as [{"name":"pbx1","ariUrl":"http://pbx1:8088","username":"outpace","password":"...","trunks":[{"id":"carrier","maxLines":30,"maxCallsPerSecond":5}]}]`);
  }
  const parsed = serversSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - servers.${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`OUTPACE_SERVERS does not describe the Asterisk servers:\n${problems}`);
  }
  const downAfter = downAfterSchema.safeParse(env['OUTPACE_SERVER_DOWN_AFTER_MS']);
  if (!downAfter.success) throw new Error(`OUTPACE_SERVER_DOWN_AFTER_MS: ${downAfter.error.issues[0]!.message}`);
  const crossAfter = crossAfterSchema.safeParse(env['OUTPACE_CROSS_SERVER_AFTER_MS']?.trim() || undefined);
  if (!crossAfter.success) throw new Error(`OUTPACE_CROSS_SERVER_AFTER_MS: ${crossAfter.error.issues.at(-1)!.message} (off, or milliseconds from 0 to 10000)`);
  const linked = parsed.data.some((s) => s.link !== undefined);
  if (crossAfter.data !== undefined && crossAfter.data !== 'off' && !linked) {
    throw new Error('OUTPACE_CROSS_SERVER_AFTER_MS is set but no server in OUTPACE_SERVERS has a link: give each server its "link" endpoint to the others (such as "PJSIP/{attempt}@outpace-link-{server}"), or set it to off');
  }
  return {
    downAfterMs: downAfter.data,
    crossAfterMs: crossAfter.data ?? (linked ? CROSS_AFTER_DEFAULT_MS : 'off'),
    servers: parsed.data.map((s) => ({
      name: s.name,
      ...(s.link ? { link: s.link } : {}),
      trunks: s.trunks,
      ari: loadAriConfig({ ...env, ARI_URL: s.ariUrl, ARI_USERNAME: s.username, ARI_PASSWORD: s.password, ...(s.app ? { ARI_APP: s.app } : {}) }),
    })),
  };
}
