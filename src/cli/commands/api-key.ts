import { z } from 'zod';
import { createApiKey, ROLES } from '../../api/keys.js';
import { AgentId } from '../../domain/ids.js';
import { audit } from '../../storage/audit.js';
import { openMigratedDatabase } from './database.js';

const args = z.tuple([z.string().min(1), z.enum(ROLES)]).rest(z.string());

/**
 * `outpace api-key NAME ROLE [AGENT_ID]`: creates a user (or changes their role)
 * and prints a new key for them. The key is shown once; only its hash is kept.
 */
export async function apiKeyCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = args.safeParse(argv);
  if (!parsed.success) {
    console.error(`usage: outpace api-key NAME ROLE [AGENT_ID]   (ROLE: ${ROLES.join(', ')})`);
    return 2;
  }
  const [name, role, agentId] = parsed.data;
  const db = await openMigratedDatabase(env);
  try {
    const key = await createApiKey(db, { name, role, agentId: agentId ? AgentId(agentId) : null });
    await audit(db, { actor: 'cli', action: 'create-key', entity: 'user', entityId: name, details: { role } });
    console.log(key);
    return 0;
  } finally {
    await db.close();
  }
}
