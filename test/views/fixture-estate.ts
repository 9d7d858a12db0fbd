/**
 * A hand-made Estate shaped like the built-in mono-repo estate (stacks shared/dev/uat/prod), and
 * findings shaped per model.ts. Used by the golden tests so that they do not depend on the
 * estate builder; `bigEstate()` makes the aggregated synthetic case.
 */

import type {
  AccessEntry,
  Estate,
  Finding,
  KeyAccess,
  KmsKey,
  LambdaFunction,
  Parameter,
  ParameterType,
  PrefixGrant,
  Role,
  RoleAccess,
  Secret,
  SecretCategory,
  Service,
  TrustKind,
} from '../../diagrams/estate/model.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const P = 'mono-repo';
const urn = (stack: string, type: string, name: string): string => `urn:pulumi:${stack}::${P}::${type}::${name}`;
const base = (stack: string, type: string, name: string, tags: Record<string, string> = {}) => ({
  urn: urn(stack, type, name),
  stack,
  name,
  tags: { ManagedBy: 'pulumi', ...tags },
  protect: stack === 'prod',
});

const byUrn = <T extends { urn: string }>(a: T, b: T): number => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0);
const byStackName = <T extends { stack: string; name: string }>(a: T, b: T): number =>
  a.stack === b.stack ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.stack < b.stack ? -1 : 1;

function key(alias: string): KmsKey {
  return {
    ...base('shared', 'aws:kms/key:Key', alias),
    arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${alias}-id`,
    keyId: `${alias}-id`,
    aliases: [`alias/${alias}`],
    rotationEnabled: true,
    rotationPeriodDays: 365,
    multiRegion: true,
    replicas: [{ urn: urn('shared', 'aws:kms/replicaKey:ReplicaKey', `${alias}-replica`), stack: 'shared', region: 'eu-central-1' }],
    deletionWindowDays: 30,
    region: REGION,
  };
}

export const KEYS = {
  params: key('mono-repo-parameter-store-key'),
  secrets: key('mono-repo-secrets-manager-key'),
  database: key('mono-repo-database-key'),
};

function param(env: string, path: string, type: ParameterType, prefix = `/${P}/${env}`): Parameter {
  const full = `${prefix}/${path}`;
  const segments = full.split('/').filter((s) => s !== '');
  return {
    ...base(env, 'aws:ssm/parameter:Parameter', full, { Environment: env, Category: segments[2] ?? '' }),
    arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${full}`,
    path: full,
    segments,
    environment: env,
    category: segments[2],
    leaf: segments[segments.length - 1]!,
    type,
    tier: 'Standard',
    ...(type === 'SecureString'
      ? { keyId: 'alias/mono-repo-parameter-store-key', keyUrn: KEYS.params.urn }
      : {}),
  };
}

const ENV_PARAMS: readonly [string, ParameterType][] = [
  ['database/host', 'String'],
  ['database/port', 'String'],
  ['database/name', 'String'],
  ['api/external-url', 'String'],
  ['api/rate-limit', 'String'],
  ['features/risk-analysis-v2', 'String'],
  ['features/dashboard-beta', 'String'],
];
const PROD_PARAMS: readonly [string, ParameterType][] = [
  ['database/host', 'String'],
  ['database/port', 'String'],
  ['database/password', 'SecureString'],
  ['database/connection-string', 'SecureString'],
  ['api/jwt-signing-key', 'SecureString'],
  ['api/external-api-key', 'SecureString'],
  ['features/risk-analysis-v2', 'String'],
  ['features/dashboard-beta', 'String'],
  ['services/allowed-origins', 'StringList'],
  ['services/notification-emails', 'StringList'],
];

const INTERVAL: Record<SecretCategory, number> = { database: 30, application: 60, service: 90, other: 90 };

function secret(env: string, rest: string, category: SecretCategory, fn: LambdaFunction): Secret {
  const name = `${P}/${env}/${rest}`;
  const k = category === 'database' ? KEYS.database : KEYS.secrets;
  return {
    ...base(env, 'aws:secretsmanager/secret:Secret', name, { Environment: env, Category: category }),
    arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`,
    category,
    environment: env,
    keyId: k.aliases[0]!,
    keyUrn: k.urn,
    rotation: {
      enabled: true,
      intervalDays: INTERVAL[category],
      functionArn: fn.arn!,
      functionUrn: fn.urn,
      rotationUrn: urn(env, 'aws:secretsmanager/secretRotation:SecretRotation', `${name}-rotation`),
    },
    replicas: [],
    recoveryWindowDays: env === 'prod' ? 30 : 7,
    rotationStrategy: category === 'database' ? 'postgres-single-user' : 'generic',
    versions: 1,
  };
}

function role(env: string, name: string, kind: TrustKind, service?: string): Role {
  return {
    ...base(env, 'aws:iam/role:Role', `${name}-${env}`, service ? { Service: service, Environment: env } : { Environment: env }),
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}-${env}`,
    trust: {
      kind,
      principals:
        kind === 'eks-pod'
          ? [`Federated:arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/EXAMPLE`]
          : kind === 'lambda'
            ? ['Service:lambda.amazonaws.com']
            : kind === 'ec2'
              ? ['Service:ec2.amazonaws.com']
              : kind === 'ci-build'
                ? ['Service:codebuild.amazonaws.com']
                : ['AWS:arn:aws:iam::210987654321:root'],
      ...(kind === 'eks-pod'
        ? { eks: { oidcProvider: `oidc.eks.${REGION}.amazonaws.com/id/EXAMPLE`, namespace: service ?? 'default', serviceAccount: service ?? name } }
        : {}),
      ...(kind === 'cross-account' ? { crossAccount: { accountId: '210987654321', requiresExternalId: true } } : {}),
      conditions: [],
    },
    policies: [],
    externalPolicies: [],
    instanceProfiles: kind === 'ec2' ? [`${name}-${env}-profile`] : [],
    ...(service ? { service } : {}),
  };
}

const entry = (resourceUrn: string, actions: string[]): AccessEntry => ({
  resourceUrn,
  actions,
  conditions: [],
  certainty: 'known',
  grantedBy: [],
});
const prefix = (p: string, byPath: boolean): PrefixGrant => ({
  prefix: p,
  actions: byPath ? ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'] : ['ssm:GetParameter'],
  byPath,
  conditions: [],
  certainty: 'known',
});
const keyAccess = (k: KmsKey, via: string): KeyAccess => ({
  ...entry(k.urn, ['kms:Decrypt']),
  viaServices: [`${via}.${REGION}.amazonaws.com`],
  keyPolicyAllows: true,
});

interface EnvParts {
  params: Parameter[];
  secrets: Secret[];
  roles: Role[];
  fns: LambdaFunction[];
  services: Service[];
  access: RoleAccess[];
}

function envParts(env: string): EnvParts {
  const prod = env === 'prod';
  const params = (prod ? PROD_PARAMS : ENV_PARAMS).map(([p, t]) => param(env, p, t));
  const rotRole = role(env, 'secrets-rotation', 'lambda');
  const fn: LambdaFunction = {
    ...base(env, 'aws:lambda/function:Function', `mono-repo-secrets-rotation-${env}`, { Environment: env }),
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:mono-repo-secrets-rotation-${env}`,
    roleArn: rotRole.arn!,
    roleUrn: rotRole.urn,
    invokePrincipals: ['secretsmanager.amazonaws.com'],
    runtime: 'nodejs20.x',
    handler: 'index.handler',
    purpose: 'rotation',
  };
  const secretDefs: [string, SecretCategory][] = prod
    ? [
        ['rds/master-password', 'database'],
        ['rds/readonly-user', 'database'],
        ['rds/app-user', 'database'],
        ['api/jwt-signing-key', 'application'],
        ['api/external-service-key', 'application'],
        ['encryption/data-key', 'application'],
        ['airflow/fernet-key', 'service'],
        ['dash/session-key', 'service'],
        ['monitoring/api-key', 'service'],
      ]
    : [
        ['rds/master-password', 'database'],
        ['rds/app-user', 'database'],
        ['api/jwt-signing-key', 'application'],
      ];
  const secrets = secretDefs.map(([n, c]) => secret(env, n, c, fn));
  const s = (rest: string): Secret | undefined => secrets.find((x) => x.name === `${P}/${env}/${rest}`);
  const pre = `/${P}/${env}/`;
  const roles = [
    role(env, 'risk-api', 'eks-pod', 'risk-api'),
    role(env, 'dash-analytics', 'eks-pod', 'dash-analytics'),
    role(env, 'airflow', 'eks-pod', 'airflow'),
    role(env, 'web-app-build', 'ci-build', 'web-app'),
    role(env, 'ops-runner', 'ec2', 'ops-runner'),
    role(env, 'audit-readonly', 'cross-account'),
    rotRole,
  ];
  const [risk, dash, airflow, web, ops, audit] = roles as [Role, Role, Role, Role, Role, Role, Role];
  const reads = (names: string[]): AccessEntry[] =>
    names.flatMap((n) => {
      const x = s(n);
      return x ? [entry(x.urn, ['secretsmanager:GetSecretValue'])] : [];
    });
  const paramsUnder = (p: string, types?: ParameterType[]): AccessEntry[] =>
    params.filter((x) => x.path.startsWith(p) && (!types || types.includes(x.type))).map((x) => entry(x.urn, ['ssm:GetParameter']));
  const access: RoleAccess[] = [
    {
      roleUrn: risk.urn,
      parameters: [...paramsUnder(`${pre}database/`), ...paramsUnder(`${pre}api/`)],
      parameterPrefixes: [prefix(`${pre}api/`, true), prefix(`${pre}database/`, true)],
      secretValues: reads(['rds/app-user', 'api/jwt-signing-key', 'api/external-service-key', 'encryption/data-key']),
      secretMetadata: [],
      secretWrites: [],
      keys: [keyAccess(KEYS.database, 'secretsmanager'), keyAccess(KEYS.params, 'ssm'), keyAccess(KEYS.secrets, 'secretsmanager')],
      notes: [],
    },
    {
      roleUrn: dash.urn,
      parameters: [...paramsUnder(`${pre}database/`), ...paramsUnder(`${pre}features/`)],
      parameterPrefixes: [prefix(`${pre}database/`, true), prefix(`${pre}features/`, true)],
      secretValues: reads(['rds/readonly-user', 'dash/session-key', 'rds/app-user'].filter((n) => prod || n === 'rds/app-user')),
      secretMetadata: [],
      secretWrites: [],
      keys: [keyAccess(KEYS.database, 'secretsmanager'), keyAccess(KEYS.params, 'ssm'), keyAccess(KEYS.secrets, 'secretsmanager')],
      notes: [],
    },
    {
      roleUrn: airflow.urn,
      parameters: paramsUnder(pre),
      parameterPrefixes: [prefix(pre, true)],
      secretValues: reads(['airflow/fernet-key', 'monitoring/api-key', 'rds/app-user']),
      secretMetadata: [],
      secretWrites: [],
      keys: [keyAccess(KEYS.database, 'secretsmanager'), keyAccess(KEYS.params, 'ssm'), keyAccess(KEYS.secrets, 'secretsmanager')],
      notes: [],
    },
    {
      roleUrn: web.urn,
      parameters: [...paramsUnder(`${pre}features/`), ...paramsUnder(`${pre}api/`, ['String', 'StringList'])],
      parameterPrefixes: [prefix(`${pre}features/`, true)],
      secretValues: [],
      secretMetadata: [],
      secretWrites: [],
      keys: [],
      notes: [],
    },
    {
      roleUrn: ops.urn,
      parameters: paramsUnder(`${pre}services/`),
      parameterPrefixes: [prefix(`${pre}services/`, false)],
      secretValues: [],
      secretMetadata: [],
      secretWrites: [],
      keys: [],
      notes: [],
    },
    {
      roleUrn: audit.urn,
      parameters: [],
      parameterPrefixes: [],
      secretValues: [],
      secretMetadata: secrets.map((x) => entry(x.urn, ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'])),
      secretWrites: [],
      keys: [],
      notes: [],
    },
    {
      roleUrn: rotRole.urn,
      parameters: [],
      parameterPrefixes: [],
      secretValues: secrets.map((x) => entry(x.urn, ['secretsmanager:GetSecretValue'])),
      secretMetadata: [],
      secretWrites: secrets.map((x) => entry(x.urn, ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'])),
      keys: [keyAccess(KEYS.database, 'secretsmanager'), keyAccess(KEYS.secrets, 'secretsmanager')],
      notes: [],
    },
  ];
  const svc = (id: string, name: string, r: Role): Service => ({ id, name, stack: env, roles: [r.urn], derivedFrom: 'tag' });
  const services = [
    svc('airflow', 'Airflow', airflow),
    svc('dash-analytics', 'Dash Analytics', dash),
    svc('ops-runner', 'Ops Runner', ops),
    svc('risk-api', 'Risk API', risk),
    svc('web-app', 'Web App', web),
  ];
  return { params, secrets, roles, fns: [fn], services, access };
}

function sharedAudit(): Estate['audit'] {
  const topic = {
    ...base('shared', 'aws:sns/topic:Topic', 'mono-repo-security-alerts'),
    subscriptions: [
      { protocol: 'email', endpoint: 'platform-team@example.com' },
      { protocol: 'email', endpoint: 'security@example.com' },
    ],
  };
  return {
    trails: [
      {
        ...base('shared', 'aws:cloudtrail/trail:Trail', 'mono-repo-audit-trail'),
        multiRegion: true,
        logFileValidation: true,
        kmsKeyId: KEYS.secrets.arn!,
        keyUrn: KEYS.secrets.urn,
        bucket: 'mono-repo-audit-trail-logs',
        bucketPublicAccessBlocked: true,
        events: ['management events (read+write)'],
      },
    ],
    alarms: [
      {
        ...base('shared', 'aws:cloudwatch/metricAlarm:MetricAlarm', 'mono-repo-access-denied'),
        metricName: 'AccessDeniedCount',
        namespace: 'MonoRepo/Security',
        watches: 'access-denied',
        topics: [topic.urn],
      },
    ],
    eventRules: [
      {
        ...base('shared', 'aws:cloudwatch/eventRule:EventRule', 'mono-repo-rotation-failed'),
        pattern: '{"source":["aws.secretsmanager"]}',
        watches: 'rotation-failure',
        topics: [topic.urn],
      },
    ],
    topics: [topic],
  };
}

/** Stacks of the estate; pass a subset to leave some out. */
export function fixtureEstate(envs: readonly string[] = ['dev', 'prod', 'uat']): Estate {
  const parts = envs.map(envParts);
  const all = <K extends keyof EnvParts>(k: K): EnvParts[K] => parts.flatMap((p) => p[k] as unknown[]) as EnvParts[K];
  const stacks = ['shared', ...envs].sort().map((stack) => ({
    project: P,
    stack,
    ...(stack === 'shared' ? {} : { environment: stack }),
    source: 'program' as const,
    resourceCount: 0,
    resourceTypes: {},
    references: stack === 'shared' ? [] : ['shared'],
  }));
  return {
    schemaVersion: 1,
    stacks,
    parameters: all('params').sort(byStackName),
    secrets: all('secrets').sort(byStackName),
    keys: [KEYS.database, KEYS.params, KEYS.secrets].sort(byStackName),
    policies: [],
    roles: all('roles').sort(byStackName),
    functions: all('fns').sort(byStackName),
    services: all('services').sort((a, b) => (a.stack === b.stack ? (a.id < b.id ? -1 : 1) : a.stack < b.stack ? -1 : 1)),
    audit: sharedAudit(),
    access: all('access').sort((a, b) => (a.roleUrn < b.roleUrn ? -1 : 1)),
  } as unknown as Estate;
}

/** An estate with no parameters, secrets or roles for `stack` (like a corpus stack of other things). */
export function emptyEstate(stack = 'empty'): Estate {
  return {
    schemaVersion: 1,
    stacks: [{ project: 'other', stack, source: 'state', resourceCount: 3, resourceTypes: { 'aws:s3/bucket:Bucket': 3 }, references: [] }],
    parameters: [],
    secrets: [],
    keys: [],
    policies: [],
    roles: [],
    functions: [],
    services: [],
    audit: { trails: [], alarms: [], eventRules: [], topics: [] },
    access: [],
  } as unknown as Estate;
}

/**
 * A synthetic stack `big` of `nParams` parameters (in 50 services x folders) and `nSecrets` secrets,
 * with one reader role per service: the aggregation case.
 */
export function bigEstate(nParams = 10_000, nSecrets = 1_000): Estate {
  const env = 'big';
  const fn: LambdaFunction = {
    ...base(env, 'aws:lambda/function:Function', 'rotator'),
    arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rotator`,
    invokePrincipals: ['secretsmanager.amazonaws.com'],
    purpose: 'rotation',
  };
  const types: ParameterType[] = ['String', 'String', 'String', 'StringList', 'SecureString'];
  const params: Parameter[] = [];
  for (let i = 0; i < nParams; i++) {
    const svc = `svc${String(i % 50).padStart(2, '0')}`;
    const folder = `f${String(Math.floor(i / 50) % 10)}`;
    params.push(param(env, `${svc}/${folder}/p${String(i).padStart(5, '0')}`, types[Math.floor(i / 50) % types.length]!, `/bigco/${env}`));
  }
  const cats: SecretCategory[] = ['database', 'application', 'service'];
  const secrets: Secret[] = [];
  for (let i = 0; i < nSecrets; i++) {
    const cat = cats[i % 3]!;
    const s = secret(env, `team${String(i % 20).padStart(2, '0')}/s${String(i).padStart(4, '0')}`, cat, fn);
    secrets.push({ ...s, name: `bigco/${env}/team${String(i % 20).padStart(2, '0')}/s${String(i).padStart(4, '0')}` });
  }
  const roles: Role[] = [];
  const services: Service[] = [];
  const access: RoleAccess[] = [];
  for (let r = 0; r < 50; r++) {
    const id = `svc${String(r).padStart(2, '0')}`;
    const ro = role(env, id, r % 2 ? 'eks-pod' : 'ec2', id);
    roles.push(ro);
    services.push({ id, name: id.toUpperCase(), stack: env, roles: [ro.urn], derivedFrom: 'tag' });
    access.push({
      roleUrn: ro.urn,
      parameters: [],
      parameterPrefixes: [prefix(`/bigco/${env}/${id}/`, true)],
      secretValues: secrets.filter((_, i) => i % 50 === r).map((x) => entry(x.urn, ['secretsmanager:GetSecretValue'])),
      secretMetadata: [],
      secretWrites: [],
      keys: [keyAccess(KEYS.params, 'ssm'), keyAccess(KEYS.secrets, 'secretsmanager')],
      notes: [],
    });
  }
  const stacks = [
    { project: 'bigco', stack: env, environment: env, source: 'state', resourceCount: nParams + nSecrets, resourceTypes: {}, references: ['shared'] },
    { project: 'bigco', stack: 'shared', source: 'state', resourceCount: 3, resourceTypes: {}, references: [] },
  ].sort((a, b) => (a.stack < b.stack ? -1 : 1));
  return {
    schemaVersion: 1,
    stacks,
    parameters: params.sort(byStackName),
    secrets: secrets.sort(byStackName),
    keys: [KEYS.database, KEYS.params, KEYS.secrets].sort(byStackName),
    policies: [],
    roles: roles.sort(byStackName),
    functions: [fn],
    services,
    audit: { trails: [], alarms: [], eventRules: [], topics: [] },
    access: access.sort(byUrn.bind(null) as never),
  } as unknown as Estate;
}

const fw = (soc2: string[], iso: string[], gdpr: string[]) => ({ soc2, iso27001: iso, gdpr });

/** Findings for a stack, shaped per model.ts; one fails so the view has something red. */
export function fixtureFindings(stack: string): Finding[] {
  const f = (
    ruleId: string,
    title: string,
    layer: Finding['layer'],
    status: Finding['status'],
    severity: Finding['severity'],
    frameworks = fw(['CC6.1'], ['A.8.24'], ['Art. 32']),
  ): Finding => ({
    ruleId,
    title,
    severity,
    layer,
    rationale: `${title}.`,
    remediation: `Fix: ${title}.`,
    frameworks,
    status,
    stack,
    subjects:
      status === 'not-applicable'
        ? []
        : [
            { urn: `urn:${ruleId}:a`, name: 'a', stack, status: 'met', detail: 'ok' },
            { urn: `urn:${ruleId}:b`, name: 'b', stack, status: status === 'not-met' ? 'not-met' : 'met', detail: status === 'not-met' ? 'missing' : 'ok' },
          ],
  });
  return [
    f('at-rest-cmk', 'Secrets and SecureStrings use customer-managed KMS keys', 'at-rest', 'met', 'high'),
    f('at-rest-key-rotation', 'KMS keys rotate automatically', 'at-rest', 'met', 'medium'),
    f('at-rest-multi-region', 'KMS keys are multi-region with a replica', 'at-rest', 'met', 'low'),
    f('transit-tls', 'API endpoints enforce TLS 1.2+', 'in-transit', 'not-applicable', 'medium', fw(['CC6.7'], ['A.8.20'], ['Art. 32'])),
    f('iam-no-wildcard', 'No wildcard resource on secret or parameter reads', 'iam', 'met', 'critical', fw(['CC6.3'], ['A.5.15'], [])),
    f('iam-env-isolation', 'Roles cannot read other environments', 'iam', 'met', 'critical', fw(['CC6.3'], ['A.5.15'], [])),
    f('iam-audit-no-values', 'Audit role cannot read secret values', 'iam', 'not-met', 'high', fw(['CC6.3'], ['A.5.18'], ['Art. 25'])),
    f('app-rotation', 'Every secret rotates within 90 days', 'application', 'met', 'high', fw(['CC6.1'], ['A.5.17'], [])),
    f('audit-trail', 'CloudTrail multi-region with log validation', 'audit', 'met', 'high', fw(['CC7.2'], ['A.8.15'], ['Art. 30'])),
    f('audit-alarm', 'AccessDenied alarm notifies the team', 'audit', 'met', 'medium', fw(['CC7.3'], ['A.8.16'], [])),
  ].sort((a, b) => (a.ruleId < b.ruleId ? -1 : 1));
}
