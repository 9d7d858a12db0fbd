/**
 * Secrets Manager's four-step rotation protocol, as AWS's rotation templates implement it:
 * the staging checks, then createSecret / setSecret / testSecret / finishSecret, with the
 * strategy for the secret (generic key, PostgreSQL single user, PostgreSQL alternating users)
 * chosen from the secret's tags.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  UpdateSecretVersionStageCommand,
  type DescribeSecretCommandOutput,
  type GetSecretValueCommandOutput,
  type PutSecretValueCommandOutput,
  type UpdateSecretVersionStageCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { RotationError, awsErrorName, describeAwsError } from './errors.ts';
import { consoleLogger, type RotationLogger } from './log.ts';
import { FORMAT_DESCRIPTION, SECRET_FORMATS, generateSecret, isSecretFormat, validateSecret, type SecretFormat } from './generic.ts';
import {
  alternateUsername,
  describeDbError,
  generatePassword,
  MAX_ROLE_NAME,
  parsePgSecret,
  passwordClause,
  pgConnect,
  quoteIdent,
  type Connect,
  type DbClient,
  type PgSecret,
} from './postgres.ts';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';
export const ROTATION_STEPS: readonly RotationStep[] = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'];

export interface RotationEvent {
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  readonly Step: RotationStep;
}

/** The part of SecretsManagerClient the rotation uses (the real client satisfies it). */
export interface SecretsApi {
  send(command: DescribeSecretCommand): Promise<DescribeSecretCommandOutput>;
  send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput>;
  send(command: PutSecretValueCommand): Promise<PutSecretValueCommandOutput>;
  send(command: UpdateSecretVersionStageCommand): Promise<UpdateSecretVersionStageCommandOutput>;
}

export interface HandlerDeps {
  readonly client: SecretsApi;
  /** How to open a PostgreSQL connection (default: node-postgres). */
  readonly connect?: Connect;
  readonly log?: RotationLogger;
}

/** Tag names and values that choose the strategy (E1 tags the estate's secrets this way). */
export const STRATEGY_TAG = 'RotationStrategy';
export const FORMAT_TAG = 'SecretFormat';
export const STRATEGIES = ['generic', 'postgres-single-user', 'postgres-alternating-users'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

type Stage = 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';

interface StepContext {
  readonly secretId: string;
  readonly token: string;
  readonly step: RotationStep;
  readonly log: RotationLogger;
  readonly connect: Connect;
  fail(what: string): never;
  /** The value at a stage (and version), or undefined when the service has none (ResourceNotFound). */
  getValue(stage: Stage, versionId?: string, secretId?: string): Promise<string | undefined>;
}

interface Strategy {
  readonly name: string;
  /** From the AWSCURRENT value, the value of the new version. */
  createValue(ctx: StepContext, current: string): Promise<string> | string;
  /** Why the value is not acceptable for this strategy, or undefined. No I/O. */
  validate(value: string): string | undefined;
  setSecret(ctx: StepContext, pending: string): Promise<void>;
  testSecret(ctx: StepContext, pending: string): Promise<void>;
}

export function createHandler(deps: HandlerDeps): (event: RotationEvent) => Promise<void> {
  const log = deps.log ?? consoleLogger;
  // pg itself is loaded on the first connection only (generic secrets never load it); the TLS
  // mode is read from the environment then, so a bad ROTATION_DB_TLS fails that step clearly.
  const connect: Connect = deps.connect ?? ((cfg) => pgConnect()(cfg));
  return async (event) => rotate(deps.client, connect, log, event);
}

async function rotate(client: SecretsApi, connect: Connect, log: RotationLogger, event: RotationEvent): Promise<void> {
  const e = (event ?? {}) as Partial<Record<keyof RotationEvent, unknown>>;
  const secretId = typeof e.SecretId === 'string' && e.SecretId !== '' ? e.SecretId : undefined;
  const step = typeof e.Step === 'string' ? e.Step : '(missing)';
  if (secretId === undefined) throw new RotationError('(missing)', step, 'the event has no SecretId');
  if (!(ROTATION_STEPS as readonly string[]).includes(step)) {
    throw new RotationError(secretId, step, `invalid Step "${step}" (expected one of ${ROTATION_STEPS.join(', ')})`);
  }
  if (typeof e.ClientRequestToken !== 'string' || e.ClientRequestToken === '') {
    throw new RotationError(secretId, step, 'the event has no ClientRequestToken');
  }
  const token = e.ClientRequestToken;
  const fields = { secretId, step, versionId: token };

  const fail = (what: string): never => {
    log.error(what, fields);
    throw new RotationError(secretId, step, what);
  };
  const aws = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      return fail(`${what}: ${describeAwsError(err)}`);
    }
  };

  // The checks every AWS template makes before any step.
  const meta = await aws('DescribeSecret failed', () => client.send(new DescribeSecretCommand({ SecretId: secretId })));
  if (meta.RotationEnabled !== true) fail('rotation is not enabled for the secret');
  const versions = meta.VersionIdsToStages ?? {};
  const stages = versions[token];
  if (stages === undefined) fail(`version ${token} is not a version of the secret with a staging label`);
  if (stages!.includes('AWSCURRENT')) {
    log.info('version is already AWSCURRENT; nothing to do', fields);
    return;
  }
  if (!stages!.includes('AWSPENDING')) fail(`version ${token} is not staged AWSPENDING`);

  const ctx: StepContext = {
    secretId,
    token,
    step: step as RotationStep,
    log,
    connect,
    fail,
    getValue: async (stage, versionId, otherId) => {
      const id = otherId ?? secretId;
      try {
        const r = await client.send(
          new GetSecretValueCommand({ SecretId: id, VersionStage: stage, ...(versionId !== undefined ? { VersionId: versionId } : {}) }),
        );
        if (r.SecretString === undefined) fail(`the ${stage} version of ${id} has no SecretString (binary secrets are not rotated)`);
        return r.SecretString;
      } catch (err) {
        if (err instanceof RotationError) throw err;
        if (awsErrorName(err) === 'ResourceNotFoundException') return undefined;
        return fail(`GetSecretValue ${stage} of ${id} failed: ${describeAwsError(err)}`);
      }
    },
  };

  const strategy = await chooseStrategy(ctx, meta.Tags ?? []);
  const sfields = { ...fields, strategy: strategy.name };

  switch (step as RotationStep) {
    case 'createSecret': {
      const current = await ctx.getValue('AWSCURRENT');
      if (current === undefined) fail('the secret has no AWSCURRENT value to rotate from');
      const existing = await ctx.getValue('AWSPENDING', token);
      if (existing !== undefined) {
        log.info('createSecret: the AWSPENDING version already has a value; keeping it', sfields);
        return;
      }
      const next = await strategy.createValue(ctx, current!);
      const bad = strategy.validate(next);
      if (bad !== undefined) fail(`internal: the generated value is not valid: ${bad}`);
      await aws('PutSecretValue failed', () =>
        client.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: next, VersionStages: ['AWSPENDING'] })),
      );
      log.info('createSecret: stored the new value as AWSPENDING', sfields);
      return;
    }
    case 'setSecret':
    case 'testSecret': {
      const pending = await ctx.getValue('AWSPENDING', token);
      if (pending === undefined) fail(`version ${token} has no AWSPENDING value (run createSecret first)`);
      const bad = strategy.validate(pending!);
      if (bad !== undefined) fail(`the AWSPENDING value is not valid: ${bad}`);
      if (step === 'setSecret') await strategy.setSecret(ctx, pending!);
      else await strategy.testSecret(ctx, pending!);
      log.info(`${step}: done`, sfields);
      return;
    }
    case 'finishSecret': {
      // Never promote a version that does not hold a valid value, even if called out of order.
      const pending = await ctx.getValue('AWSPENDING', token);
      if (pending === undefined) fail(`version ${token} has no AWSPENDING value; not promoting it`);
      const bad = strategy.validate(pending!);
      if (bad !== undefined) fail(`the AWSPENDING value is not valid, not promoting it: ${bad}`);
      let currentVersion: string | undefined;
      for (const [v, labels] of Object.entries(versions)) {
        if (labels.includes('AWSCURRENT')) {
          currentVersion = v;
          break;
        }
      }
      await aws('UpdateSecretVersionStage failed', () =>
        client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: secretId,
            VersionStage: 'AWSCURRENT',
            MoveToVersionId: token,
            ...(currentVersion !== undefined ? { RemoveFromVersionId: currentVersion } : {}),
          }),
        ),
      );
      log.info(`finishSecret: moved AWSCURRENT to the new version (from ${currentVersion ?? 'none'})`, sfields);
      return;
    }
  }
}

async function chooseStrategy(ctx: StepContext, tags: readonly { Key?: string; Value?: string }[]): Promise<Strategy> {
  const tag = (k: string) => tags.find((t) => t.Key === k)?.Value;
  const name = tag(STRATEGY_TAG);
  if (name === undefined) {
    // Fallback: a PostgreSQL secret is recognised by its value, as AWS's templates expect it.
    const current = await ctx.getValue('AWSCURRENT');
    const parsed = current === undefined ? undefined : parsePgSecret(current);
    if (parsed !== undefined && typeof parsed !== 'string') {
      return parsed.masterarn !== undefined ? alternatingUsers : singleUser;
    }
    return ctx.fail(
      `the secret has no ${STRATEGY_TAG} tag (expected one of ${STRATEGIES.join(', ')}) and its value is not a PostgreSQL secret`,
    );
  }
  switch (name) {
    case 'generic': {
      const format = tag(FORMAT_TAG);
      if (format === undefined || !isSecretFormat(format)) {
        return ctx.fail(
          `${STRATEGY_TAG}=generic needs a ${FORMAT_TAG} tag (got ${format === undefined ? 'none' : `"${format}"`}; expected one of ${SECRET_FORMATS.join(', ')})`,
        );
      }
      return generic(format);
    }
    case 'postgres-single-user':
      return singleUser;
    case 'postgres-alternating-users':
      return alternatingUsers;
    default:
      return ctx.fail(`tag ${STRATEGY_TAG}="${name}" is not accepted (expected one of ${STRATEGIES.join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Generic keys

function generic(format: SecretFormat): Strategy {
  const check = (ctx: StepContext, value: string) => {
    const bad = validateSecret(format, value);
    if (bad !== undefined) ctx.fail(`the AWSPENDING value is not ${FORMAT_DESCRIPTION[format]}: ${bad}`);
  };
  return {
    name: `generic/${format}`,
    createValue: () => generateSecret(format),
    validate: (v) => validateSecret(format, v),
    // Nothing to set elsewhere: consumers read the secret. Validation only.
    setSecret: async (ctx, pending) => check(ctx, pending),
    testSecret: async (ctx, pending) => check(ctx, pending),
  };
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

function pg(ctx: StepContext, value: string, which: string, requireMaster = false): PgSecret {
  const p = parsePgSecret(value, { requireMaster });
  if (typeof p === 'string') return ctx.fail(`the ${which} value is not a PostgreSQL secret: ${p}`);
  return p;
}

async function stageSecret(ctx: StepContext, stage: Stage, which: string, versionId?: string, requireMaster = false): Promise<PgSecret> {
  const v = await ctx.getValue(stage, versionId);
  if (v === undefined) return ctx.fail(`the secret has no ${which} value`);
  return pg(ctx, v, which, requireMaster);
}

type Login = { ok: true; client: DbClient } | { ok: false; reason: string };

async function login(ctx: StepContext, s: PgSecret): Promise<Login> {
  try {
    const client = await ctx.connect({ host: s.host, port: s.port, user: s.username, password: s.password, database: s.dbname });
    return { ok: true, client };
  } catch (e) {
    // Login errors name the user and the SQLSTATE, never the password.
    return { ok: false, reason: describeDbError(e, true) };
  }
}

async function close(c: DbClient): Promise<void> {
  await c.end().catch(() => undefined);
}

function where(s: PgSecret): string {
  return `postgres ${s.host}:${s.port}/${s.dbname} as "${s.username}"`;
}

async function testLogin(ctx: StepContext, pending: string): Promise<void> {
  const p = pg(ctx, pending, 'AWSPENDING');
  const l = await login(ctx, p);
  if (!l.ok) ctx.fail(`cannot log in to ${where(p)} with the AWSPENDING credentials (${l.reason})`);
  const c = (l as { client: DbClient }).client;
  try {
    const r = await c.query('SELECT 1 AS ok');
    if (r.rows.length !== 1 || Number(r.rows[0]!.ok) !== 1) ctx.fail(`SELECT 1 as "${p.username}" returned an unexpected result`);
  } catch (e) {
    if (e instanceof RotationError) throw e;
    ctx.fail(`SELECT 1 as "${p.username}" failed (${describeDbError(e, true)})`);
  } finally {
    await close(c);
  }
  ctx.log.info('testSecret: logged in with the AWSPENDING credentials', { secretId: ctx.secretId, step: ctx.step, versionId: ctx.token, dbUser: p.username });
}

function sameServer(a: PgSecret, b: PgSecret): boolean {
  return a.host === b.host && a.port === b.port && a.dbname === b.dbname;
}

const singleUser: Strategy = {
  name: 'postgres-single-user',
  createValue: (ctx, current) => {
    const c = pg(ctx, current, 'AWSCURRENT');
    return JSON.stringify({ ...c.raw, password: generatePassword() });
  },
  validate: (v) => {
    const p = parsePgSecret(v);
    return typeof p === 'string' ? p : undefined;
  },
  setSecret: async (ctx, pendingValue) => {
    const pending = pg(ctx, pendingValue, 'AWSPENDING');
    const already = await login(ctx, pending);
    if (already.ok) {
      await close(already.client);
      ctx.log.info('setSecret: the AWSPENDING password already works', { secretId: ctx.secretId, step: ctx.step, versionId: ctx.token, dbUser: pending.username });
      return;
    }
    const current = await stageSecret(ctx, 'AWSCURRENT', 'AWSCURRENT');
    if (current.username !== pending.username || !sameServer(current, pending)) {
      ctx.fail('the AWSPENDING value names another user, host, port or database than AWSCURRENT (single-user rotation changes only the password)');
    }
    // Log in with the current password; after a crash between ALTER and finishSecret, or when the
    // previous rotation set the password but was not finished, try AWSPREVIOUS too (as AWS does).
    const reasons: string[] = [`pending: ${already.reason}`];
    let l = await login(ctx, current);
    if (!l.ok) {
      reasons.push(`current: ${l.reason}`);
      const prevValue = await ctx.getValue('AWSPREVIOUS');
      const prev = prevValue === undefined ? undefined : parsePgSecret(prevValue);
      if (prev !== undefined && typeof prev !== 'string' && prev.username === pending.username && sameServer(prev, pending)) {
        l = await login(ctx, prev);
        if (!l.ok) reasons.push(`previous: ${l.reason}`);
      }
    }
    if (!l.ok) ctx.fail(`cannot log in to ${where(pending)} with the pending, current or previous credentials (${reasons.join('; ')})`);
    const c = (l as { client: DbClient }).client;
    try {
      await c.query(`ALTER ROLE ${quoteIdent(pending.username)} WITH ${passwordClause(pending.password)}`);
    } catch (e) {
      ctx.fail(`ALTER ROLE "${pending.username}" failed (${describeDbError(e, false)})`);
    } finally {
      await close(c);
    }
    ctx.log.info('setSecret: changed the role password', { secretId: ctx.secretId, step: ctx.step, versionId: ctx.token, dbUser: pending.username });
  },
  testSecret: testLogin,
};

const alternatingUsers: Strategy = {
  name: 'postgres-alternating-users',
  createValue: (ctx, current) => {
    const c = pg(ctx, current, 'AWSCURRENT', true);
    const username = alternateUsername(c.username);
    if (username.length > MAX_ROLE_NAME) {
      ctx.fail(`the alternate user name for "${c.username}" would be longer than ${MAX_ROLE_NAME} characters`);
    }
    return JSON.stringify({ ...c.raw, username, password: generatePassword() });
  },
  validate: (v) => {
    const p = parsePgSecret(v, { requireMaster: true });
    return typeof p === 'string' ? p : undefined;
  },
  setSecret: async (ctx, pendingValue) => {
    const fields = { secretId: ctx.secretId, step: ctx.step, versionId: ctx.token };
    const pending = pg(ctx, pendingValue, 'AWSPENDING', true);
    const already = await login(ctx, pending);
    if (already.ok) {
      await close(already.client);
      ctx.log.info('setSecret: the AWSPENDING user already logs in', { ...fields, dbUser: pending.username });
      return;
    }
    // The current credentials must work: this guards against a confused deputy (a secret that
    // points the master at a role it was never meant to manage).
    const current = await stageSecret(ctx, 'AWSCURRENT', 'AWSCURRENT', undefined, true);
    if (pending.username !== alternateUsername(current.username) || !sameServer(current, pending)) {
      ctx.fail(`the AWSPENDING user must be "${alternateUsername(current.username)}" on the same host, port and database as AWSCURRENT`);
    }
    const cur = await login(ctx, current);
    if (!cur.ok) ctx.fail(`cannot log in to ${where(current)} with the AWSCURRENT credentials (${cur.reason})`);
    await close((cur as { client: DbClient }).client);

    const masterValue = await ctx.getValue('AWSCURRENT', undefined, current.masterarn);
    if (masterValue === undefined) ctx.fail(`the master secret ${current.masterarn} has no AWSCURRENT value`);
    const master = parsePgSecret(masterValue!);
    if (typeof master === 'string') ctx.fail(`the master secret ${current.masterarn} is not a PostgreSQL secret: ${master}`);
    const m = master as PgSecret;
    if (m.host !== current.host || m.port !== current.port) {
      ctx.log.warn('setSecret: the master secret names another host or port than the user secret', fields);
    }
    const ml = await login(ctx, { ...m, dbname: current.dbname });
    if (!ml.ok) ctx.fail(`cannot log in as the master user "${m.username}" from ${current.masterarn} (${ml.reason})`);
    const c = (ml as { client: DbClient }).client;
    let stage = 'BEGIN';
    try {
      await c.query('BEGIN');
      stage = 'looking up the role';
      const exists = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [pending.username])).rows.length > 0;
      if (!exists) {
        stage = `CREATE ROLE "${pending.username}"`;
        await c.query(`CREATE ROLE ${quoteIdent(pending.username)} WITH LOGIN ${passwordClause(pending.password)}`);
        // As AWS's template: the clone is a member of the user it clones, so it has its privileges.
        stage = `GRANT "${current.username}" TO "${pending.username}"`;
        await c.query(`GRANT ${quoteIdent(current.username)} TO ${quoteIdent(pending.username)}`);
      } else {
        stage = `ALTER ROLE "${pending.username}"`;
        await c.query(`ALTER ROLE ${quoteIdent(pending.username)} WITH LOGIN ${passwordClause(pending.password)}`);
      }
      // The same role membership as the current user (roles granted since the last rotation too).
      stage = 'copying role membership';
      const missing = await c.query(
        `SELECT g.rolname FROM pg_auth_members m
           JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member
          WHERE u.rolname = $1 AND g.rolname <> $2
            AND NOT EXISTS (SELECT 1 FROM pg_auth_members m2 JOIN pg_roles u2 ON u2.oid = m2.member
                             WHERE u2.rolname = $2 AND m2.roleid = m.roleid)
          ORDER BY g.rolname`,
        [current.username, pending.username],
      );
      for (const row of missing.rows) {
        const role = String(row.rolname);
        stage = `GRANT "${role}" TO "${pending.username}"`;
        await c.query(`GRANT ${quoteIdent(role)} TO ${quoteIdent(pending.username)}`);
      }
      stage = 'COMMIT';
      await c.query('COMMIT');
      ctx.log.info(exists ? 'setSecret: changed the alternate user password' : 'setSecret: created the alternate user', {
        ...fields,
        dbUser: pending.username,
      });
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      ctx.fail(`${stage} as the master user failed (${describeDbError(e, false)})`);
    } finally {
      await close(c);
    }
  },
  testSecret: testLogin,
};
