/**
 * Several Asterisk servers, named in OUTPACE_SERVERS (a JSON array, in the
 * environment or in the OUTPACE_CONFIG file): each with its ARI address and
 * credentials and its trunks with their limits. The ARI_* settings that are
 * not per server (timeouts, agent connection, contexts) apply to every one;
 * each server gets its own Stasis application name only if given one.
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

export interface PbxServerConfig {
  readonly name: string;
  readonly ari: AriConfig;
  readonly trunks: readonly TrunkSettings[];
}

export interface PbxServersConfig {
  readonly servers: readonly PbxServerConfig[];
  /** How long a server's event socket may stay gone before its agents leave ready and its trunks leave the pacer's limits. */
  readonly downAfterMs: number;
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
  return {
    downAfterMs: downAfter.data,
    servers: parsed.data.map((s) => ({
      name: s.name,
      trunks: s.trunks,
      ari: loadAriConfig({ ...env, ARI_URL: s.ariUrl, ARI_USERNAME: s.username, ARI_PASSWORD: s.password, ...(s.app ? { ARI_APP: s.app } : {}) }),
    })),
  };
}
