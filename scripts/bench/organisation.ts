/**
 * A synthetic organisation: many projects, each with a dev, a uat and a prod stack, and one shared
 * stack for the whole organisation (project `platform`, stack `shared`) that holds the KMS keys
 * and the CloudTrail trail. Every project stack reads the shared stack through a StackReference
 * (`organization/platform/shared`) and encrypts its SecureStrings and secrets with the shared keys
 * (by ARN, as a StackReference output passes them along). Each project stack has `parameters`
 * parameters under /<project>/<env>/<category>/<name>, `secrets` secrets under
 * <project>/<env>/<category>/<name> rotated by the stack's own Lambda, a rotation role and a
 * service role reading the stack's parameters and secrets; both decrypt with the shared keys only
 * through Parameter Store and Secrets Manager (`kms:ViaService`), so that no role of one project
 * reaches another project's data.
 *
 * Environments do not all match: in every fourth project prod's last `feature` parameter
 * (`feature/flag-09` at 40 parameters) is a String where dev and uat keep a SecureString; in
 * projects 3, 13, 23... dev has `feature/experiment` instead of that parameter (so each stack
 * keeps its count); in projects 1, 7, 13... dev does not rotate its signing key. The index's
 * parity tables have something to show.
 *
 * Deterministic: the same options give the same files, byte for byte. One `pulumi stack export`
 * (version 3) per stack, as `<project>.<stack>.json`.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hex, secretEnvelope } from './synthetic.ts';

export interface OrganisationOptions {
  /** Number of projects (default 100), named app-000, app-001... */
  readonly projects?: number;
  /** Environments per project (default dev, uat, prod): one stack each. */
  readonly environments?: readonly string[];
  /** Parameters per stack (default 40; at least 10). */
  readonly parameters?: number;
  /** Secrets per stack (default 5; at most 5). */
  readonly secrets?: number;
}

export const SHARED_PROJECT = 'platform';
export const SHARED_STACK = 'shared';
const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const TIME = '2026-01-01T00:00:00.000Z';

interface Row {
  urn: string;
  custom: boolean;
  type: string;
  id?: string;
  parent?: string;
  provider?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
}

/** Rows of one stack: its root, its provider, and a helper that adds custom resources under them. */
function stackRows(project: string, stack: string, outputs: Record<string, unknown> = {}) {
  const urn = (type: string, name: string): string => `urn:pulumi:${stack}::${project}::${type}::${name}`;
  const root = urn('pulumi:pulumi:Stack', `${project}-${stack}`);
  const providerUrn = urn('pulumi:providers:aws', 'default_7_48_0');
  const providerId = `${hex(`${project}/${stack}/provider`, 8)}-0000-4000-8000-${hex(`${project}/${stack}/p2`, 12)}`;
  const rows: Row[] = [
    { urn: root, custom: false, type: 'pulumi:pulumi:Stack', outputs },
    { urn: providerUrn, custom: true, type: 'pulumi:providers:aws', id: providerId, inputs: { region: REGION }, outputs: { region: REGION } },
  ];
  const add = (type: string, name: string, id: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}, custom = true): Row => {
    const row: Row = { urn: urn(type, name), custom, type, id, parent: root, ...(custom ? { provider: `${providerUrn}::${providerId}` } : {}), inputs, outputs: { ...inputs, id, ...outputs } };
    rows.push(row);
    return row;
  };
  return { rows, add };
}

function exportOf(rows: Row[]): unknown {
  return {
    version: 3,
    deployment: {
      manifest: { time: TIME, magic: 'synthetic', version: 'v3.270.0' },
      secrets_providers: { type: 'passphrase', state: { salt: 'v1:synthetic' } },
      resources: rows,
    },
  };
}

const keyId = (name: string): string => `${hex(name, 8)}-${hex(`${name}1`, 4)}-4${hex(`${name}2`, 3)}-8${hex(`${name}3`, 3)}-${hex(`${name}4`, 12)}`;
const KEYS = { parameters: keyId('platform-parameters'), secrets: keyId('platform-secrets') };
const keyArn = (id: string): string => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}`;
const policy = (statements: unknown[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

/** The organisation's shared stack: the two keys, the trail, its topic and alarm. */
function sharedStack(): unknown {
  const outputs = { parameterKeyArn: keyArn(KEYS.parameters), secretsKeyArn: keyArn(KEYS.secrets) };
  const { rows, add } = stackRows(SHARED_PROJECT, SHARED_STACK, outputs);
  for (const [name, id] of Object.entries(KEYS)) {
    const arn = keyArn(id);
    add('aws:kms/key:Key', `platform-${name}-key`, id, { description: `Organisation ${name} key`, enableKeyRotation: true, rotationPeriodInDays: 365, deletionWindowInDays: 30, tags: { Environment: 'shared', ManagedBy: 'pulumi' } }, { arn, keyId: id });
    add('aws:kms/alias:Alias', `platform-${name}-alias`, `alias/platform-${name}`, { name: `alias/platform-${name}`, targetKeyId: id }, { arn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/platform-${name}`, targetKeyArn: arn });
  }
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:platform-security-alerts`;
  add('aws:sns/topic:Topic', 'platform-security-alerts', topicArn, { name: 'platform-security-alerts' }, { arn: topicArn });
  add('aws:cloudtrail/trail:Trail', 'platform-trail', 'platform-trail', { name: 'platform-trail', isMultiRegionTrail: true, enableLogFileValidation: true, kmsKeyId: keyArn(KEYS.secrets), s3BucketName: 'platform-audit-logs' }, { arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/platform-trail` });
  add('aws:cloudwatch/metricAlarm:MetricAlarm', 'platform-access-denied', 'platform-access-denied', {
    name: 'platform-access-denied',
    metricName: 'SecretsAccessDenied',
    namespace: 'platform/Security',
    alarmActions: [topicArn],
    comparisonOperator: 'GreaterThanOrEqualToThreshold',
    threshold: 1,
    evaluationPeriods: 1,
    period: 300,
    statistic: 'Sum',
  });
  return exportOf(rows);
}

const CATEGORIES = ['app', 'db', 'feature', 'integration'] as const;
const SECRETS = [
  ['database', 'primary', 30],
  ['database', 'replica', 30],
  ['application', 'api-key', 60],
  ['application', 'signing-key', 60],
  ['service', 'webhook', 90],
] as const;

/** The name of a stack's parameter `i` (of `count`), with the planned differences between environments. */
function parameterName(n: number, env: string, i: number, count: number): { category: string; leaf: string; type: string } {
  const category = CATEGORIES[i % CATEGORIES.length]!;
  const slot = Math.floor(i / CATEGORIES.length);
  const leaf = category === 'feature' ? `flag-${String(slot).padStart(2, '0')}` : `${category}-setting-${String(slot).padStart(2, '0')}`;
  const r = i % 10;
  let type = r < 6 ? 'String' : r < 7 ? 'StringList' : 'SecureString';
  // The stack's last `feature` parameter (index 2, 6, 10...) is the one that varies.
  const last = i === Math.floor((count - 3) / 4) * 4 + 2;
  if (last && n % 4 === 0 && env === 'prod') type = type === 'SecureString' ? 'String' : 'SecureString';
  if (last && n % 10 === 3 && env === 'dev') return { category, leaf: 'experiment', type };
  return { category, leaf, type };
}

/** One project stack: its parameters and secrets, the rotation function and its role, a service role. */
function projectStack(n: number, env: string, parameters: number, secrets: number): unknown {
  const project = `app-${String(n).padStart(3, '0')}`;
  const { rows, add } = stackRows(project, env);
  const ref = `organization/${SHARED_PROJECT}/${SHARED_STACK}`;
  add('pulumi:pulumi:StackReference', 'shared', ref, { name: ref }, { name: ref, outputs: { parameterKeyArn: keyArn(KEYS.parameters), secretsKeyArn: keyArn(KEYS.secrets) } });
  const tags = (service: string, category: string) => ({ Environment: env, Service: service, Category: category, ManagedBy: 'pulumi' });
  for (let i = 0; i < parameters; i++) {
    const { category, leaf, type } = parameterName(n, env, i, parameters);
    const name = `/${project}/${env}/${category}/${leaf}`;
    const value = type === 'SecureString' ? secretEnvelope(name) : type === 'StringList' ? 'a,b,c' : `value-${i}`;
    add('aws:ssm/parameter:Parameter', `${category}-${leaf}`, name, { name, type, tier: 'Standard', value, ...(type === 'SecureString' ? { keyId: keyArn(KEYS.parameters) } : {}), tags: tags(project, category) }, { arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}` });
  }
  const rotationRole = `${project}-${env}-rotation`;
  add('aws:iam/role:Role', rotationRole, rotationRole, { name: rotationRole, assumeRolePolicy: policy([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]), tags: tags('rotation', 'iam') }, { arn: `arn:aws:iam::${ACCOUNT}:role/${rotationRole}` });
  const secretArn = (name: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${hex(name, 6)}`;
  add('aws:iam/rolePolicy:RolePolicy', `${rotationRole}-policy`, `${rotationRole}:rotation`, {
    role: rotationRole,
    name: 'rotation',
    policy: policy([
      { Effect: 'Allow', Action: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${project}/${env}/*` },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn(KEYS.secrets), Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } } },
    ]),
  });
  const fn = `${project}-${env}-secret-rotation`;
  const fnArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`;
  add('aws:lambda/function:Function', fn, fn, { name: fn, role: `arn:aws:iam::${ACCOUNT}:role/${rotationRole}`, runtime: 'nodejs20.x', handler: 'index.handler', tags: tags('rotation', 'lambda') }, { arn: fnArn });
  for (const [category, leaf, days] of SECRETS.slice(0, secrets)) {
    const name = `${project}/${env}/${category}/${leaf}`;
    const arn = secretArn(name);
    const secret = add('aws:secretsmanager/secret:Secret', `${category}-${leaf}`, arn, { name, kmsKeyId: keyArn(KEYS.secrets), recoveryWindowInDays: env === 'prod' ? 30 : 7, tags: tags(project, category) }, { arn });
    add('aws:secretsmanager/secretVersion:SecretVersion', `${category}-${leaf}-version`, `${arn}|v1`, { secretId: arn, secretString: secretEnvelope(arn) });
    if (leaf === 'signing-key' && env === 'dev' && n % 6 === 1) continue;
    add('aws:secretsmanager/secretRotation:SecretRotation', `${category}-${leaf}-rotation`, arn, { secretId: arn, rotationLambdaArn: fnArn, rotationRules: { automaticallyAfterDays: days } }).dependencies = [secret.urn];
  }
  const serviceRole = `${project}-${env}-service`;
  add('aws:iam/role:Role', serviceRole, serviceRole, {
    name: serviceRole,
    assumeRolePolicy: policy([{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }]),
    tags: tags(project, 'iam'),
  }, { arn: `arn:aws:iam::${ACCOUNT}:role/${serviceRole}` });
  add('aws:iam/rolePolicy:RolePolicy', `${serviceRole}-read`, `${serviceRole}:read`, {
    role: serviceRole,
    name: 'read',
    policy: policy([
      { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'], Resource: [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${project}/${env}`, `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/${project}/${env}/*`] },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${project}/${env}/application/*` },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: [keyArn(KEYS.parameters), keyArn(KEYS.secrets)], Condition: { StringEquals: { 'kms:ViaService': [`ssm.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] } } },
    ]),
  });
  return exportOf(rows);
}

export interface OrganisationStack {
  readonly project: string;
  readonly stack: string;
  /** `<project>.<stack>.json` */
  readonly file: string;
  readonly export: unknown;
}

/** The organisation's stacks: the shared stack first, then each project's environments. */
export function syntheticOrganisation(opts: OrganisationOptions = {}): OrganisationStack[] {
  const projects = opts.projects ?? 100;
  const envs = opts.environments ?? ['dev', 'uat', 'prod'];
  const parameters = opts.parameters ?? 40;
  const secrets = opts.secrets ?? 5;
  if (parameters < 10 || secrets < 0 || secrets > SECRETS.length) throw new Error(`syntheticOrganisation: parameters must be at least 10 and secrets 0 to ${SECRETS.length}`);
  const out: OrganisationStack[] = [{ project: SHARED_PROJECT, stack: SHARED_STACK, file: `${SHARED_PROJECT}.${SHARED_STACK}.json`, export: sharedStack() }];
  for (let n = 0; n < projects; n++) {
    const project = `app-${String(n).padStart(3, '0')}`;
    for (const env of envs) out.push({ project, stack: env, file: `${project}.${env}.json`, export: projectStack(n, env, parameters, secrets) });
  }
  return out;
}

/** Writes one export file per stack into `dir` (created); returns the files' paths, shared stack first. */
export function writeSyntheticOrganisation(dir: string, opts: OrganisationOptions = {}): string[] {
  mkdirSync(dir, { recursive: true });
  return syntheticOrganisation(opts).map((s) => {
    const file = join(dir, s.file);
    writeFileSync(file, JSON.stringify(s.export));
    return file;
  });
}
