import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration suites share PostgreSQL and Redis; files still run in parallel
    // because each uses its own schema / key prefix.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
