/**
 * The PostgreSQL server of the rotation tests: the one the `postgres` project's global setup
 * started for the run (pg-global-setup.ts), on a free 127.0.0.1 port. Its failure to start fails
 * these tests with its message; nothing is skipped.
 */
import { inject } from 'vitest';
import pg from 'pg';
import type { PostgresServer } from './pg-launch.ts';

const provided = inject('postgres');
const server: PostgresServer | undefined = provided !== undefined && 'server' in provided ? provided.server : undefined;

export const PG_URL = server?.url ?? '';
export const PG_PORT = server?.port ?? 0;
export const PG_SERVER_LOG = server?.log ?? '';
/** `npm` or `system`, and the binaries' description. */
export const PG_FROM = server?.from;
export const PG_LABEL = server?.label ?? '';

export async function ensurePostgres(): Promise<string> {
  if (provided === undefined) {
    throw new Error('no PostgreSQL server for this test file: it must be in the `postgres` project of vitest.config.ts (whose global setup starts one)');
  }
  if ('error' in provided) throw new Error(`The PostgreSQL tests could not start a server: ${provided.error}`);
  return PG_URL;
}

export async function admin(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  return c;
}

/** Try to log in; returns 'ok' or the SQLSTATE of the failure. */
export async function tryLogin(user: string, password: string): Promise<string> {
  const c = new pg.Client({ host: '127.0.0.1', port: PG_PORT, user, password, database: 'postgres', connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT 1');
    return 'ok';
  } catch (e) {
    return String((e as { code?: string }).code ?? (e as Error).message);
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Log in and read the test table (the privilege that comes through role membership). */
export async function canRead(user: string, password: string, table: string): Promise<boolean> {
  const c = new pg.Client({ host: '127.0.0.1', port: PG_PORT, user, password, database: 'postgres', connectionTimeoutMillis: 3000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    const r = await c.query(`SELECT n FROM ${table}`);
    return r.rows.length === 1;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}
