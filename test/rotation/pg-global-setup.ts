/**
 * vitest global setup of the `postgres` project (vitest.config.ts): one PostgreSQL server for the
 * run (see pg-launch.ts), passed to the test files as `inject('postgres')`. A server that cannot be
 * started is passed as its error, so that the PostgreSQL tests fail with it and the others run.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres, type PostgresServer } from './pg-launch.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: { readonly server: PostgresServer } | { readonly error: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  try {
    const started = await startPostgres();
    project.provide('postgres', { server: started.server });
    return () => started.stop();
  } catch (e) {
    project.provide('postgres', { error: e instanceof Error ? e.message : String(e) });
    return async () => undefined;
  }
}
