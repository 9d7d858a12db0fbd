/**
 * Tags and ARNs. ARNs of parameters and secrets are built from names (not from resource outputs),
 * so that policies are deterministic, readable in a preview and never `*`.
 */
import type * as pulumi from '@pulumi/pulumi';
import { PROJECT, type Environment } from './catalogue.ts';
import type { AccountConfig } from './config.ts';

/** Environment is `shared` for account-level resources. */
export type TagEnvironment = Environment | 'shared';

export interface Tags {
  readonly Environment: TagEnvironment;
  readonly Service: string;
  readonly Category: string;
  readonly ManagedBy: 'pulumi';
  readonly [extra: string]: string;
}

export function tags(environment: TagEnvironment, service: string, category: string, extra: Record<string, string> = {}): Tags {
  return { ...extra, Environment: environment, Service: service, Category: category, ManagedBy: 'pulumi' };
}

export function parameterArn(a: AccountConfig, path: string): string {
  if (!path.startsWith('/')) throw new Error(`parameter path '${path}' must start with '/'`);
  return `arn:aws:ssm:${a.region}:${a.accountId}:parameter${path}`;
}

/** A secret's ARN pattern: Secrets Manager appends `-` and six random characters to the name. */
export function secretArnPattern(a: AccountConfig, name: string): string {
  return `arn:aws:secretsmanager:${a.region}:${a.accountId}:secret:${name}-??????`;
}

/** Every secret of an environment, `mono-repo/<env>/*`. */
export function environmentSecretsPattern(a: AccountConfig, env: Environment): string {
  return `arn:aws:secretsmanager:${a.region}:${a.accountId}:secret:${PROJECT}/${env}/*`;
}

export function environmentParametersPattern(a: AccountConfig, env: Environment): string {
  return `arn:aws:ssm:${a.region}:${a.accountId}:parameter/${PROJECT}/${env}/*`;
}

export function rolePattern(a: AccountConfig, env: Environment, suffix = '*'): string {
  return `arn:aws:iam::${a.accountId}:role/${PROJECT}-${env}-${suffix}`;
}

export function viaService(service: 'ssm' | 'secretsmanager', region: string): string {
  return `${service}.${region}.amazonaws.com`;
}

// ─── Policy documents ───────────────────────────────────────────────────────────────

export type ConditionBlock = Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource?: pulumi.Input<string> | readonly pulumi.Input<string>[];
  readonly Principal?: '*' | Record<string, pulumi.Input<string> | readonly pulumi.Input<string>[]>;
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Statement[];
}

/**
 * The statement every secret and key policy carries: a request without TLS is denied, whoever makes
 * it (`service` is `secretsmanager` or `kms`).
 */
export function denyWithoutTls(service: 'secretsmanager' | 'kms'): Statement {
  return { Sid: 'DenyRequestsWithoutTls', Effect: 'Deny', Principal: '*', Action: `${service}:*`, Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } };
}

export function policy(statements: readonly Statement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}
