import { configDefaults, defineConfig } from 'vitest/config';

/** Test files that need the PostgreSQL server the `postgres` project's global setup starts. */
const POSTGRES_TESTS = ['test/rotation/postgres.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'main', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, ...POSTGRES_TESTS] } },
      // Its own project so that the server (about 1 s to start) is started only when one of these runs.
      { extends: true, test: { name: 'postgres', include: POSTGRES_TESTS, globalSetup: ['test/rotation/pg-global-setup.ts'] } },
    ],
  },
});
