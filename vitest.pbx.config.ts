/**
 * `npm run test:pbx`: the suites that need the real-PBX lab (test/pbx/lab.sh,
 * `npm run pbx:up`), one file at a time since they share one PBX, its agents'
 * softphones and its carrier. The lab's variables come from the environment,
 * or from the env file `pbx:up` writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

function labEnvironment(): Record<string, string> {
  const file = join(process.env['OUTPACE_LAB_DIR'] ?? '/tmp/outpace-lab', 'env');
  if (!existsSync(file)) {
    if (process.env['ARI_URL'] && process.env['OUTPACE_LAB_DIR']) return {};
    throw new Error(`the real-PBX lab is not up (no ${file}): start it with npm run pbx:up, then npm run test:pbx`);
  }
  const pairs = readFileSync(file, 'utf8').matchAll(/^export (\w+)=(?:'([^']*)'|(.*))$/gm);
  return Object.fromEntries([...pairs].map(([, name, quoted, plain]) => [name!, quoted ?? plain ?? '']));
}

export default defineConfig({
  test: {
    include: ['test/pbx/**/*.test.ts', 'test/integration/ari-telephony.test.ts'],
    env: { ...labEnvironment(), ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ARI_'))) },
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
