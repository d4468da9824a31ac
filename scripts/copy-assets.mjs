// tsc compiles only .ts: copy the SQL migrations, Redis Lua scripts and the agent page that the
// compiled code reads beside itself (src/x/y.sql -> dist/x/y.sql), and make the `outpace` command
// executable (tsc writes it 0644; `npx outpace` in a clone runs the file itself).
import { chmod, cp, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

const ASSET = /\.(sql|lua|html|css|js)$/;
for (const entry of await readdir('src', { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !ASSET.test(entry.name)) continue;
  const from = join(entry.parentPath, entry.name);
  const to = join('dist', relative('src', from));
  await cp(from, to, { recursive: false, force: true });
}
await chmod('dist/cli/main.js', 0o755);
