/**
 * PostgreSQL credentials, in the JSON format of AWS's RDS rotation templates:
 * { engine: "postgres", host, port?, username, password, dbname?, masterarn? }.
 *
 * - single user: the role changes its own password (logging in with the pending, current or
 *   previous credentials), so the previous password stops working at once.
 * - alternating users: the master credentials (secret `masterarn`) create or update the other
 *   user of the pair (`<username>_clone` <-> `<username>`), granted the same role membership, so
 *   the previous user keeps working until the next rotation.
 *
 * Passwords never travel to the server in clear: the role's password is set from a SCRAM-SHA-256
 * verifier computed here (as psql's \password does), so neither statement logs nor error
 * messages can carry it.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, randomInt } from 'node:crypto';

export interface PgSecret {
  readonly engine: 'postgres';
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly dbname: string;
  readonly masterarn?: string;
  /** The parsed JSON, with every field the secret had (kept when a new version is made). */
  readonly raw: Readonly<Record<string, unknown>>;
}

export interface DbConnectConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

export interface DbClient {
  query(sql: string, params?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
}

export type Connect = (config: DbConnectConfig) => Promise<DbClient>;

/** PostgreSQL's NAMEDATALEN - 1. */
export const MAX_ROLE_NAME = 63;
export const CLONE_SUFFIX = '_clone';

/**
 * Parse a PostgreSQL secret value. Returns the reason it is not one (naming the field, never a
 * value) instead of throwing, so the caller can build an error that names the secret and step.
 */
export function parsePgSecret(value: string, opts: { requireMaster?: boolean } = {}): PgSecret | string {
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return 'the value is not JSON (expected {"engine":"postgres","host","port","username","password","dbname"})';
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return 'the value is not a JSON object';
  const o = json as Record<string, unknown>;
  if (o.engine !== 'postgres') return 'field "engine" must be "postgres"';
  for (const f of ['host', 'username', 'password'] as const) {
    if (typeof o[f] !== 'string' || o[f] === '') return `field "${f}" is missing or not a non-empty string`;
  }
  let port = 5432;
  if (o.port !== undefined) {
    const p = typeof o.port === 'number' ? o.port : typeof o.port === 'string' ? Number(o.port) : NaN;
    if (!Number.isInteger(p) || p < 1 || p > 65535) return 'field "port" is not a port number';
    port = p;
  }
  let dbname = 'postgres';
  if (o.dbname !== undefined) {
    if (typeof o.dbname !== 'string' || o.dbname === '') return 'field "dbname" is not a non-empty string';
    dbname = o.dbname;
  }
  if ((o.username as string).length > MAX_ROLE_NAME) return `field "username" is longer than ${MAX_ROLE_NAME} characters`;
  let masterarn: string | undefined;
  if (o.masterarn !== undefined || opts.requireMaster === true) {
    if (typeof o.masterarn !== 'string' || o.masterarn === '') {
      return 'field "masterarn" (the secret holding the master credentials) is missing or not a non-empty string';
    }
    masterarn = o.masterarn;
  }
  return {
    engine: 'postgres',
    host: o.host as string,
    port,
    username: o.username as string,
    password: o.password as string,
    dbname,
    ...(masterarn !== undefined ? { masterarn } : {}),
    raw: o,
  };
}

/** The other user of an alternating pair, as AWS's multi-user template does. */
export function alternateUsername(username: string): string {
  return username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username + CLONE_SUFFIX;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 alphanumeric characters (~190 bits): nothing that needs quoting in a URL, shell or SQL. */
export function generatePassword(length = 32): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/**
 * A SCRAM-SHA-256 verifier (RFC 5802 / 7677, PostgreSQL's stored format) for an ASCII password
 * (SASLprep is the identity on printable ASCII).
 */
export function scramVerifier(password: string, iterations = 4096): string {
  if (!/^[\x20-\x7e]+$/.test(password)) throw new Error('password is not printable ASCII');
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

const VERIFIER = /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/;

/** `PASSWORD '<verifier>'`; the verifier's alphabet needs no escaping, and that is checked. */
export function passwordClause(password: string): string {
  const v = scramVerifier(password);
  if (!VERIFIER.test(v)) throw new Error('internal: unexpected SCRAM verifier shape');
  return `PASSWORD '${v}'`;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A value-free description of a pg error: SQLSTATE and, for login errors, the server message. */
export function describeDbError(e: unknown, includeMessage: boolean): string {
  const code = e !== null && typeof e === 'object' && 'code' in e ? String((e as { code: unknown }).code) : undefined;
  const msg = e instanceof Error ? e.message : String(e);
  if (includeMessage) return code ? `${code} ${msg}` : msg;
  return code ? `SQLSTATE ${code}` : 'error (details withheld)';
}

/** The default connector: node-postgres, 5 s connect timeout, TLS per env ROTATION_DB_TLS. */
export function pgConnect(tls: 'require' | 'no-verify' | 'disable' = tlsFromEnv()): Connect {
  return async (cfg) => {
    const pg = await import('pg');
    const Client = pg.default?.Client ?? (pg as unknown as { Client: typeof import('pg').Client }).Client;
    const client = new Client({
      host: cfg.host,
      port: cfg.port,
      user: cfg.user,
      password: cfg.password,
      database: cfg.database,
      connectionTimeoutMillis: 5000,
      ssl: tls === 'disable' ? false : tls === 'no-verify' ? { rejectUnauthorized: false } : { rejectUnauthorized: true },
    });
    // An error on an idle client must not crash the process.
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
    return {
      query: async (sql, params) => {
        const r = await client.query(sql, params as unknown[] | undefined);
        return { rows: r.rows as Record<string, unknown>[] };
      },
      end: () => client.end(),
    };
  };
}

function tlsFromEnv(): 'require' | 'no-verify' | 'disable' {
  const v = process.env.ROTATION_DB_TLS;
  if (v === undefined || v === '') return 'require';
  if (v === 'require' || v === 'no-verify' || v === 'disable') return v;
  throw new Error(`ROTATION_DB_TLS=${v} is not accepted (expected require, no-verify or disable)`);
}
