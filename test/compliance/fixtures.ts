/**
 * Hand-built Estates for the compliance tests: a compliant mono-repo-like estate (stacks shared,
 * dev, prod) and `plant(...)` to introduce one violation at a time. Built by hand so the rules are
 * tested on exactly the facts they read, independent of the readers and the estate builder.
 */

import type {
  AccessEntry,
  Alarm,
  Estate,
  EventRule,
  IamPolicy,
  KeyAccess,
  KmsKey,
  LambdaFunction,
  Parameter,
  PolicyStatement,
  Role,
  RoleAccess,
  Secret,
  StackSummary,
  Topic,
  Trail,
} from '../../diagrams/estate/model.ts';

export type DeepMutable<T> = T extends (infer U)[]
  ? DeepMutable<U>[]
  : T extends readonly (infer U)[]
    ? DeepMutable<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: DeepMutable<T[K]> }
      : T;

export type MutableEstate = DeepMutable<Estate>;

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const DR_REGION = 'eu-central-1';
const PROJECT = 'mono-repo';

export function urn(stack: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::${PROJECT}::${type}::${name}`;
}

function stackSummary(stack: string, environment: string | undefined, references: string[] = []): DeepMutable<StackSummary> {
  return {
    project: PROJECT,
    stack,
    environment,
    source: { kind: 'program', location: '.', format: 'program (mocks)' },
    resourceCount: 0,
    resourceTypes: {},
    references,
  };
}

const tags = (env: string, service: string, category: string) => ({ Environment: env, Service: service, Category: category, ManagedBy: 'pulumi' });

// ─── shared: keys, trail, alarms, audit role ────────────────────────────────────────

function key(alias: string): KmsKey {
  const name = alias.replace('alias/', '');
  const u = urn('shared', 'mono-repo:kms:Keys$aws:kms/key:Key', name);
  return {
    urn: u,
    stack: 'shared',
    name,
    arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/mrk-${name}`,
    tags: tags('shared', 'platform', 'kms'),
    protect: true,
    keyId: `mrk-${name}`,
    aliases: [alias],
    rotationEnabled: true,
    rotationPeriodDays: 365,
    multiRegion: true,
    replicas: [{ urn: urn('shared', 'mono-repo:kms:Keys$aws:kms/replicaKey:ReplicaKey', `${name}-replica`), stack: 'shared', region: DR_REGION }],
    deletionWindowDays: 30,
    keyUsage: 'ENCRYPT_DECRYPT',
    region: REGION,
    policy: {
      version: '2012-10-17',
      unknown: false,
      statements: [
        { sid: 'Admin', effect: 'Allow', actions: ['kms:*'], resources: ['*'], principals: { AWS: [`arn:aws:iam::${ACCOUNT}:root`] }, conditions: [] },
        {
          sid: 'DecryptViaService',
          effect: 'Allow',
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          principals: { AWS: [`arn:aws:iam::${ACCOUNT}:role/risk-api-dev`, `arn:aws:iam::${ACCOUNT}:role/risk-api-prod`] },
          conditions: [{ operator: 'StringEquals', key: 'kms:ViaService', values: [`ssm.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] }],
        },
      ],
    },
  };
}

export const PS_KEY = key('alias/mono-repo-parameter-store-key');
export const SM_KEY = key('alias/mono-repo-secrets-manager-key');
export const DB_KEY = key('alias/mono-repo-database-key');

const topic: Topic = {
  urn: urn('shared', 'mono-repo:audit:Audit$aws:sns/topic:Topic', 'alerts'),
  stack: 'shared',
  name: 'mono-repo-alerts',
  tags: tags('shared', 'platform', 'audit'),
  protect: false,
  subscriptions: [{ protocol: 'email', endpoint: 'platform@example.com' }],
};

const trail: Trail = {
  urn: urn('shared', 'mono-repo:audit:Audit$aws:cloudtrail/trail:Trail', 'trail'),
  stack: 'shared',
  name: 'mono-repo-trail',
  tags: tags('shared', 'platform', 'audit'),
  protect: false,
  multiRegion: true,
  logFileValidation: true,
  kmsKeyId: 'alias/mono-repo-secrets-manager-key',
  bucket: 'mono-repo-trail-logs',
  bucketPublicAccessBlocked: true,
  events: ['management events (read+write)'],
};

const alarm: Alarm = {
  urn: urn('shared', 'mono-repo:audit:Audit$aws:cloudwatch/metricAlarm:MetricAlarm', 'access-denied'),
  stack: 'shared',
  name: 'mono-repo-access-denied',
  tags: tags('shared', 'platform', 'audit'),
  protect: false,
  metricName: 'SecretAccessDenied',
  namespace: 'MonoRepo/Security',
  watches: 'access-denied',
  topics: [topic.urn],
};

const rotationRule: EventRule = {
  urn: urn('shared', 'mono-repo:audit:Audit$aws:cloudwatch/eventRule:EventRule', 'rotation-failed'),
  stack: 'shared',
  name: 'mono-repo-rotation-failed',
  tags: tags('shared', 'platform', 'audit'),
  protect: false,
  pattern: '{"source":["aws.secretsmanager"],"detail":{"eventName":["RotationFailed"]}}',
  watches: 'rotation-failure',
  topics: [topic.urn],
};

function policy(stack: string, name: string, statements: PolicyStatement[], attachedTo: string[], env = stack): IamPolicy {
  return {
    urn: urn(stack, 'mono-repo:iam:Policies$aws:iam/policy:Policy', name),
    stack,
    name,
    tags: tags(env, 'platform', 'iam'),
    protect: false,
    kind: 'managed',
    document: { version: '2012-10-17', statements, unknown: false },
    attachedTo,
  };
}

function role(stack: string, name: string, kind: Role['trust']['kind'], service: string | undefined, env = stack): DeepMutable<Role> {
  return {
    urn: urn(stack, 'mono-repo:iam:Roles$aws:iam/role:Role', name),
    stack,
    name,
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    tags: tags(env, service ?? 'platform', 'iam'),
    protect: false,
    trust: {
      kind,
      principals: [],
      conditions: [],
      ...(kind === 'cross-account' ? { crossAccount: { accountId: '210987654321', requiresExternalId: true } } : {}),
    },
    policies: [],
    externalPolicies: [],
    instanceProfiles: [],
    service,
  };
}

const auditRole = role('shared', 'mono-repo-audit', 'cross-account', 'audit', 'shared');
const auditPolicy = policy(
  'shared',
  'mono-repo-audit-describe',
  [
    {
      effect: 'Allow',
      actions: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecrets', 'ssm:DescribeParameters', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: [],
    },
  ],
  [auditRole.urn],
  'shared',
);
auditRole.policies.push(auditPolicy.urn);

// ─── environments ────────────────────────────────────────────────────────────────────

function param(stack: string, path: string, type: Parameter['type'], keyed?: KmsKey): Parameter {
  const segments = path.split('/').filter((s) => s !== '');
  return {
    urn: urn(stack, 'mono-repo:ssm:Parameters$aws:ssm/parameter:Parameter', path),
    stack,
    name: path,
    arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${path}`,
    tags: tags(stack, 'platform', segments[2] ?? ''),
    protect: stack === 'prod',
    path,
    segments,
    environment: segments[1],
    category: segments[2],
    leaf: segments[segments.length - 1] ?? '',
    type,
    tier: 'Standard',
    ...(keyed !== undefined ? { keyId: keyed.aliases[0], keyUrn: keyed.urn } : {}),
  };
}

function secret(stack: string, name: string, category: Secret['category'], k: KmsKey, days: number, fn: LambdaFunction): Secret {
  return {
    urn: urn(stack, 'mono-repo:secrets:Secrets$aws:secretsmanager/secret:Secret', name),
    stack,
    name,
    arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`,
    tags: tags(stack, 'platform', category),
    protect: stack === 'prod',
    category,
    environment: stack,
    keyId: k.aliases[0],
    keyUrn: k.urn,
    rotation: {
      enabled: true,
      intervalDays: days,
      functionArn: fn.arn,
      functionUrn: fn.urn,
      rotationUrn: urn(stack, 'mono-repo:secrets:Secrets$aws:secretsmanager/secretRotation:SecretRotation', name),
    },
    replicas: [],
    recoveryWindowDays: stack === 'prod' ? 30 : 7,
    versions: 1,
  };
}

function entry(resourceUrn: string, actions: string[], grantedBy: string[]): AccessEntry {
  return { resourceUrn, actions, conditions: [], certainty: 'known', grantedBy };
}

function keyEntry(k: KmsKey, grantedBy: string[]): KeyAccess {
  return { ...entry(k.urn, ['kms:Decrypt'], grantedBy), viaServices: [`secretsmanager.${REGION}.amazonaws.com`, `ssm.${REGION}.amazonaws.com`], keyPolicyAllows: true };
}

const READ_PARAMS = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'];
const READ_SECRETS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'];
const ROTATE = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'];

interface EnvParts {
  parameters: Parameter[];
  secrets: Secret[];
  policies: IamPolicy[];
  roles: Role[];
  functions: LambdaFunction[];
  access: RoleAccess[];
}

function environment(env: 'dev' | 'prod'): EnvParts {
  const parr = (p: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/mono-repo/${env}/${p}`;
  const sarr = (p: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:mono-repo/${env}/${p}`;
  const service = role(env, `risk-api-${env}`, 'eks-pod', 'risk-api');
  const build = role(env, `web-app-build-${env}`, 'ci-build', 'web-app');
  const rotRole = role(env, `rotation-${env}`, 'lambda', 'rotation');
  const fn: LambdaFunction = {
    urn: urn(env, 'mono-repo:rotation:Rotation$aws:lambda/function:Function', `rotation-${env}`),
    stack: env,
    name: `mono-repo-${env}-rotation`,
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:mono-repo-${env}-rotation`,
    tags: tags(env, 'rotation', 'lambda'),
    protect: false,
    roleArn: rotRole.arn,
    roleUrn: rotRole.urn,
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    purpose: 'rotation',
    invokePrincipals: ['secretsmanager.amazonaws.com'],
  };
  const parameters = [
    param(env, `/mono-repo/${env}/database/host`, 'String'),
    param(env, `/mono-repo/${env}/database/port`, 'String'),
    param(env, `/mono-repo/${env}/api/external-url`, 'String'),
    param(env, `/mono-repo/${env}/services/allowed-origins`, 'StringList'),
    ...(env === 'prod' ? [param(env, '/mono-repo/prod/database/password', 'SecureString', PS_KEY)] : []),
  ];
  const secrets = [
    secret(env, `mono-repo/${env}/rds/master-password`, 'database', DB_KEY, 30, fn),
    secret(env, `mono-repo/${env}/api/jwt-signing-key`, 'application', SM_KEY, 60, fn),
  ];
  const psRead = policy(
    env,
    `${env}-ParameterStoreReadOnly`,
    [{ effect: 'Allow', actions: READ_PARAMS, resources: [parr('*')], conditions: [] }],
    [service.urn],
  );
  const smRead = policy(
    env,
    `${env}-SecretsManagerReadOnly`,
    [{ effect: 'Allow', actions: READ_SECRETS, resources: [sarr('*')], conditions: [] }],
    [service.urn],
  );
  const buildRead = policy(
    env,
    `${env}-WebAppBuildConfig`,
    [{ effect: 'Allow', actions: ['ssm:GetParameter', 'ssm:GetParameters'], resources: [parr('api/*'), parr('services/*')], conditions: [] }],
    [build.urn],
  );
  const rotation = policy(
    env,
    `${env}-SecretsManagerRotation`,
    [
      { effect: 'Allow', actions: ROTATE, resources: [sarr('*')], conditions: [] },
      { effect: 'Allow', actions: ['secretsmanager:GetRandomPassword'], resources: ['*'], conditions: [] },
    ],
    [rotRole.urn],
  );
  service.policies.push(psRead.urn, smRead.urn);
  build.policies.push(buildRead.urn);
  rotRole.policies.push(rotation.urn);
  const stringParams = parameters.filter((p) => p.type !== 'SecureString');
  const access: RoleAccess[] = [
    {
      roleUrn: service.urn,
      parameters: parameters.map((p) => entry(p.urn, READ_PARAMS, [psRead.urn])),
      parameterPrefixes: [{ prefix: `/mono-repo/${env}/`, actions: READ_PARAMS, byPath: true, conditions: [], certainty: 'known' }],
      secretValues: secrets.map((s) => entry(s.urn, ['secretsmanager:GetSecretValue'], [smRead.urn])),
      secretMetadata: secrets.map((s) => entry(s.urn, ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'], [smRead.urn])),
      secretWrites: [],
      keys: [keyEntry(DB_KEY, [psRead.urn]), keyEntry(SM_KEY, [smRead.urn]), ...(env === 'prod' ? [keyEntry(PS_KEY, [psRead.urn])] : [])],
      notes: [],
    },
    {
      roleUrn: build.urn,
      parameters: stringParams.filter((p) => p.category !== 'database').map((p) => entry(p.urn, ['ssm:GetParameter', 'ssm:GetParameters'], [buildRead.urn])),
      parameterPrefixes: [],
      secretValues: [],
      secretMetadata: [],
      secretWrites: [],
      keys: [],
      notes: [],
    },
    {
      roleUrn: rotRole.urn,
      parameters: [],
      parameterPrefixes: [],
      secretValues: secrets.map((s) => entry(s.urn, ['secretsmanager:GetSecretValue'], [rotation.urn])),
      secretMetadata: secrets.map((s) => entry(s.urn, ['secretsmanager:DescribeSecret'], [rotation.urn])),
      secretWrites: secrets.map((s) => entry(s.urn, ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], [rotation.urn])),
      keys: [keyEntry(DB_KEY, [rotation.urn]), keyEntry(SM_KEY, [rotation.urn])],
      notes: [],
    },
  ];
  return { parameters, secrets, policies: [psRead, smRead, buildRead, rotation], roles: [service, build, rotRole], functions: [fn], access };
}

/** A compliant estate: stacks shared (keys, trail, alarms, audit role), dev and prod. */
export function compliantEstate(): MutableEstate {
  const dev = environment('dev');
  const prod = environment('prod');
  const estate: Estate = {
    schemaVersion: 1,
    stacks: [stackSummary('dev', 'dev', ['organization/mono-repo/shared']), stackSummary('prod', 'prod', ['organization/mono-repo/shared']), stackSummary('shared', undefined)],
    parameters: [...dev.parameters, ...prod.parameters],
    secrets: [...dev.secrets, ...prod.secrets],
    keys: [DB_KEY, PS_KEY, SM_KEY],
    policies: [...dev.policies, ...prod.policies, auditPolicy],
    roles: [...dev.roles, ...prod.roles, auditRole],
    functions: [...dev.functions, ...prod.functions],
    services: [],
    audit: { trails: [trail], alarms: [alarm], eventRules: [rotationRule], topics: [topic] },
    access: [
      ...dev.access,
      ...prod.access,
      { roleUrn: auditRole.urn, parameters: [], parameterPrefixes: [], secretValues: [], secretMetadata: [], secretWrites: [], keys: [], notes: [] },
    ],
  };
  return structuredClone(estate) as MutableEstate;
}

/** A copy of `estate` with `change` applied: one violation planted. */
export function plant(change: (e: MutableEstate) => void, base: MutableEstate = compliantEstate()): MutableEstate {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

// Finders for the planting functions.
export const find = {
  param: (e: MutableEstate, path: string) => must(e.parameters.find((p) => p.path === path), path),
  secret: (e: MutableEstate, name: string) => must(e.secrets.find((s) => s.name === name), name),
  key: (e: MutableEstate, alias: string) => must(e.keys.find((k) => k.aliases.includes(alias)), alias),
  role: (e: MutableEstate, name: string) => must(e.roles.find((r) => r.name === name), name),
  policy: (e: MutableEstate, name: string) => must(e.policies.find((p) => p.name === name), name),
  access: (e: MutableEstate, roleName: string) => {
    const r = find.role(e, roleName);
    return must(e.access.find((a) => a.roleUrn === r.urn), roleName);
  },
  fn: (e: MutableEstate, name: string) => must(e.functions.find((f) => f.name === name), name),
};

function must<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new Error(`fixture has no ${what}`);
  return x;
}

/** An estate with one stack and nothing secret in it (a random corpus stack). */
export function unrelatedEstate(): MutableEstate {
  return {
    schemaVersion: 1,
    stacks: [stackSummary('web', undefined)],
    parameters: [],
    secrets: [],
    keys: [],
    policies: [],
    roles: [],
    functions: [],
    services: [],
    audit: { trails: [], alarms: [], eventRules: [], topics: [] },
    access: [],
  };
}
