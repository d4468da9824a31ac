import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-PBX suites need the lab: npm run pbx:up, then npm run test:pbx (vitest.pbx.config.ts).
    exclude: ['test/pbx/**', 'node_modules/**'],
    // Integration suites share PostgreSQL and Redis; files still run in parallel
    // because each uses its own schema / key prefix.
    // Many suites mostly wait (engine processes, the fault runs' outages, the browser): on 2 cores vitest's default
    // of cores - 1 workers runs every file one after another.
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
