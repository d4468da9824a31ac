// tsc compiles only .ts: copy the SQL migrations, Redis Lua scripts and the agent page that the
// compiled code reads beside itself (src/x/y.sql -> dist/x/y.sql).
import { cp, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

const ASSET = /\.(sql|lua|html|css|js)$/;
for (const entry of await readdir('src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !ASSET.test(entry.name)) continue;
  const from = join(entry.parentPath, entry.name);
  const to = join('dist', relative('src', from));
  await cp(from, to, { recursive: false, force: true });
}
