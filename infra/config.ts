/**
 * Stack configuration, read and validated once per stack run. Errors name the config key and what
 * is accepted; they never print a secret value.
 */
import * as pulumi from '@pulumi/pulumi';
import {
  DEFAULT_ROTATION_DAYS,
  ENVIRONMENTS,
  PARAMETERS,
  PROJECT,
  ROTATION_DAYS_RANGE,
  isEnvironment,
  parameterKey,
  type Environment,
  type SecretCategory,
} from './catalogue.ts';

export interface AccountConfig {
  readonly region: string;
  readonly accountId: string;
}

function configError(key: string, problem: string): Error {
  return new Error(`config ${key}: ${problem} (stack ${pulumi.getStack()}, file Pulumi.${pulumi.getStack()}.yaml)`);
}

export function readAccount(): AccountConfig {
  const aws = new pulumi.Config('aws');
  const region = aws.require('region');
  const accounts = aws.requireObject<unknown>('allowedAccountIds');
  if (!Array.isArray(accounts) || accounts.length !== 1 || typeof accounts[0] !== 'string' || !/^\d{12}$/.test(accounts[0])) {
    throw configError('aws:allowedAccountIds', 'expected a list of exactly one 12-digit account id');
  }
  return { region, accountId: accounts[0] };
}

function stringList(cfg: pulumi.Config, key: string, pattern: RegExp, what: string): string[] {
  const value = cfg.requireObject<unknown>(key);
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && pattern.test(v))) {
    throw configError(`${PROJECT}:${key}`, `expected a non-empty list of ${what}`);
  }
  return value as string[];
}

export interface SharedConfig extends AccountConfig {
  readonly replicaRegion: string;
  readonly environments: readonly Environment[];
  readonly notificationEmails: readonly string[];
  /** Roles that run `pulumi up` (they write SecureStrings and secret values through ssm/secretsmanager). */
  readonly deployerRoleArns: readonly string[];
  readonly trailName: string;
  readonly logRetentionDays: number;
}

export function readSharedConfig(): SharedConfig {
  const account = readAccount();
  const cfg = new pulumi.Config(PROJECT);
  const replicaRegion = cfg.require('replicaRegion');
  if (replicaRegion === account.region) throw configError(`${PROJECT}:replicaRegion`, `must differ from aws:region (${account.region})`);
  const environments = stringList(cfg, 'environments', /^[a-z]+$/, `environments (${ENVIRONMENTS.join(', ')})`);
  for (const env of environments) {
    if (!isEnvironment(env)) throw configError(`${PROJECT}:environments`, `unknown environment '${env}'; accepted: ${ENVIRONMENTS.join(', ')}`);
  }
  const logRetentionDays = cfg.getNumber('logRetentionDays') ?? 365;
  return {
    ...account,
    replicaRegion,
    environments: environments as Environment[],
    notificationEmails: stringList(cfg, 'notificationEmails', /^[^@\s]+@[^@\s]+$/, 'email addresses'),
    deployerRoleArns: stringList(cfg, 'deployerRoleArns', /^arn:aws:iam::\d{12}:role\/\S+$/, 'IAM role ARNs'),
    trailName: cfg.get('trailName') ?? `${PROJECT}-audit-trail`,
    logRetentionDays,
  };
}

export interface EnvironmentConfig extends AccountConfig {
  readonly env: Environment;
  readonly sharedStack: string;
  readonly eksOidcProviderArn: string;
  /** Issuer host/path of the OIDC provider (the ARN after `oidc-provider/`), used in trust conditions. */
  readonly eksOidcIssuer: string;
  readonly auditAccountId: string;
  readonly auditExternalId: pulumi.Output<string>;
  readonly rotationDays: Readonly<Record<SecretCategory, number>>;
  /** Non-secret parameter values, by relative path (`database/host`); StringList values as lists. */
  readonly parameterValues: Readonly<Record<string, string | readonly string[]>>;
  readonly config: pulumi.Config;
}

export function readEnvironmentConfig(env: Environment): EnvironmentConfig {
  const account = readAccount();
  const cfg = new pulumi.Config(PROJECT);
  const eksOidcProviderArn = cfg.require('eksOidcProviderArn');
  const oidc = /^arn:aws:iam::(\d{12}):oidc-provider\/(.+)$/.exec(eksOidcProviderArn);
  if (oidc === null) throw configError(`${PROJECT}:eksOidcProviderArn`, 'expected arn:aws:iam::<account>:oidc-provider/<issuer>');
  const auditAccountId = cfg.require('auditAccountId');
  if (!/^\d{12}$/.test(auditAccountId)) throw configError(`${PROJECT}:auditAccountId`, 'expected a 12-digit account id');
  if (auditAccountId === account.accountId) throw configError(`${PROJECT}:auditAccountId`, 'must be another account than aws:allowedAccountIds');

  const overrides = cfg.getObject<Record<string, unknown>>('rotationDays') ?? {};
  const rotationDays = { ...DEFAULT_ROTATION_DAYS };
  for (const [category, days] of Object.entries(overrides)) {
    if (!(category in rotationDays)) throw configError(`${PROJECT}:rotationDays`, `unknown category '${category}'; accepted: ${Object.keys(rotationDays).join(', ')}`);
    if (typeof days !== 'number' || !Number.isInteger(days) || days < ROTATION_DAYS_RANGE.min || days > ROTATION_DAYS_RANGE.max) {
      throw configError(`${PROJECT}:rotationDays.${category}`, `expected an integer from ${ROTATION_DAYS_RANGE.min} to ${ROTATION_DAYS_RANGE.max}`);
    }
    rotationDays[category as SecretCategory] = days;
  }

  const values = cfg.requireObject<Record<string, unknown>>('parameters');
  const parameterValues: Record<string, string | readonly string[]> = {};
  const known = new Set(PARAMETERS.map(parameterKey));
  for (const key of Object.keys(values)) {
    if (!known.has(key)) throw configError(`${PROJECT}:parameters`, `unknown parameter '${key}'; accepted: ${PARAMETERS.filter((p) => p.source.kind === 'config').map(parameterKey).join(', ')}`);
  }
  for (const p of PARAMETERS) {
    const key = parameterKey(p);
    const value = values[key];
    if (p.source.kind !== 'config') {
      if (value !== undefined) throw configError(`${PROJECT}:parameters.${key}`, `${p.type} values never live in plain config; remove the entry`);
      continue;
    }
    if (p.type === 'StringList') {
      if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '' && !v.includes(','))) {
        throw configError(`${PROJECT}:parameters.${key}`, 'expected a non-empty list of strings without commas');
      }
      parameterValues[key] = value as string[];
    } else {
      if (typeof value !== 'string' || value === '') throw configError(`${PROJECT}:parameters.${key}`, 'expected a non-empty string');
      parameterValues[key] = value;
    }
  }

  return {
    ...account,
    env,
    sharedStack: cfg.get('sharedStack') ?? `organization/${PROJECT}/shared`,
    eksOidcProviderArn,
    eksOidcIssuer: oidc[2] as string,
    auditAccountId,
    auditExternalId: cfg.requireSecret('auditExternalId'),
    rotationDays,
    parameterValues,
    config: cfg,
  };
}
