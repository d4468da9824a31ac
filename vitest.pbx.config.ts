/**
 * `npm run test:pbx`: the suites that need the real-PBX lab (test/pbx/lab.sh,
 * `npm run pbx:up`), one file at a time since they share one PBX, its agents'
 * softphones and its carrier. The lab's variables come from the environment,
 * or from the env file `pbx:up` writes.
 */
import { defineConfig } from 'vitest/config';
import { labEnvOrExplain } from './test/pbx/lab-env.js';

export default defineConfig({
  test: {
    include: ['test/pbx/**/*.test.ts', 'test/integration/ari-telephony.test.ts'],
    env: { ...labEnvOrExplain(), ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('ARI_'))) },
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
});
