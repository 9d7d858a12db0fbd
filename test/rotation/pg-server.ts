/**
 * The throwaway PostgreSQL server for the rotation tests: reuse the one that is running
 * (CI starts it with scripts/postgres-test-server.sh), or start it through that script. Missing
 * server binaries fail the tests with the script's message; nothing is skipped silently.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import pg from 'pg';

const SCRIPT = fileURLToPath(new URL('../../scripts/postgres-test-server.sh', import.meta.url));
export const PG_PORT = Number(process.env.PGTEST_PORT ?? 55432);
export const PG_DIR = process.env.PGTEST_DIR ?? `/tmp/mono-repo-pgtest-${PG_PORT}`;
export const PG_SERVER_LOG = path.join(PG_DIR, 'server.log');
export const PG_URL = `postgres://postgres:postgres@127.0.0.1:${PG_PORT}/postgres`;

async function reachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    await c.end().catch(() => undefined);
    return false;
  }
}

export async function ensurePostgres(): Promise<string> {
  if (await reachable()) return PG_URL;
  const r = spawnSync('bash', [SCRIPT, 'start'], { encoding: 'utf8', timeout: 90_000 });
  if (r.status !== 0) {
    throw new Error(
      `The PostgreSQL tests need a local PostgreSQL server and could not start one with scripts/postgres-test-server.sh (exit ${r.status}):\n${r.stderr.trim()}`,
    );
  }
  if (!(await reachable())) throw new Error(`scripts/postgres-test-server.sh started, but ${PG_URL.replace(/:[^:@/]+@/, ':***@')} does not accept connections`);
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
