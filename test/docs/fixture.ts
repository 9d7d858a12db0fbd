/** A small hand-built Estate (shared + dev + prod) and stand-ins for views, rules and cost. */
import type { CostEstimate, Estate, Finding, KmsKey, Parameter, Role, Secret, StackSummary } from '../../diagrams/estate/model.ts';
import { DIAGRAMS, type DiagramName, type ViewFn } from '../../diagrams/views/types.ts';

const base = { tags: {}, protect: false };
const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::mono-repo::${type}::${name}`;

function stack(name: string, environment?: string): StackSummary {
  return {
    project: 'mono-repo',
    stack: name,
    ...(environment ? { environment } : {}),
    source: { kind: 'state', location: `${name}.json`, format: 'export v3' },
    deployedAt: '2025-09-25T13:52:15Z',
    resourceCount: 10,
    resourceTypes: {},
    references: environment ? ['shared'] : [],
  };
}

const key = (alias: string): KmsKey => ({
  ...base,
  urn: urn('shared', 'aws:kms/key:Key', alias),
  stack: 'shared',
  name: alias,
  aliases: [`alias/${alias}`],
  rotationEnabled: true,
  multiRegion: true,
  replicas: [{ urn: urn('shared', 'aws:kms/replicaKey:ReplicaKey', `${alias}-r`), stack: 'shared', region: 'eu-central-1' }],
});
const psKey = key('mono-repo-parameter-store-key');
const smKey = key('mono-repo-secrets-manager-key');

function param(env: string, cat: string, leaf: string, type: Parameter['type']): Parameter {
  const path = `/mono-repo/${env}/${cat}/${leaf}`;
  return {
    ...base,
    urn: urn(env, 'aws:ssm/parameter:Parameter', path),
    stack: env,
    name: path,
    path,
    segments: path.split('/').filter(Boolean),
    environment: env,
    category: cat,
    leaf,
    type,
    tier: 'Standard',
    ...(type === 'SecureString' ? { keyId: 'alias/mono-repo-parameter-store-key', keyUrn: psKey.urn } : {}),
  };
}

function secret(env: string, group: string, name: string, category: Secret['category'], rotate: boolean): Secret {
  const n = `mono-repo/${env}/${group}/${name}`;
  return {
    ...base,
    urn: urn(env, 'aws:secretsmanager/secret:Secret', n),
    stack: env,
    name: n,
    category,
    environment: env,
    keyId: smKey.arn,
    keyUrn: smKey.urn,
    rotation: rotate ? { enabled: true, intervalDays: 30, functionUrn: urn(env, 'aws:lambda/function:Function', 'rotator') } : { enabled: false },
    replicas: [],
    versions: 1,
  };
}

const role = (env: string, name: string): Role => ({
  ...base,
  urn: urn(env, 'aws:iam/role:Role', name),
  stack: env,
  name,
  trust: { kind: 'eks-pod', principals: ['Federated:arn:aws:iam::123456789012:oidc-provider/x'], eks: { oidcProvider: 'x', namespace: 'risk', serviceAccount: 'risk-api' }, conditions: [] },
  policies: [urn(env, 'aws:iam/policy:Policy', `${env}-read`)],
  externalPolicies: [],
  instanceProfiles: [],
  service: 'risk-api',
});

export function makeEstate(): Estate {
  const params = [
    param('dev', 'database', 'host', 'String'),
    param('dev', 'api', 'rate-limit', 'String'),
    param('prod', 'database', 'host', 'String'),
    param('prod', 'database', 'password', 'SecureString'),
    param('prod', 'api', 'rate-limit', 'String'),
    param('prod', 'services', 'allowed|origins', 'StringList'),
  ];
  const secrets = [secret('prod', 'rds', 'master-password', 'database', true), secret('prod', 'api', 'jwt-signing-key', 'application', false), secret('dev', 'rds', 'master-password', 'database', false)];
  const prodRole = role('prod', 'risk-api-role');
  const prodParams = params.filter((p) => p.stack === 'prod');
  return {
    schemaVersion: 1,
    stacks: [stack('dev', 'dev'), stack('prod', 'prod'), stack('shared')],
    parameters: params,
    secrets,
    keys: [psKey, smKey],
    policies: [
      {
        ...base,
        urn: urn('prod', 'aws:iam/policy:Policy', 'prod-read'),
        stack: 'prod',
        name: 'ParameterStoreReadOnly',
        kind: 'managed',
        document: {
          statements: [
            { effect: 'Allow', actions: ['ssm:GetParameter', 'ssm:GetParametersByPath'], resources: ['arn:aws:ssm:eu-west-1:123456789012:parameter/mono-repo/prod/*'], conditions: [] },
          ],
          unknown: false,
        },
        attachedTo: [prodRole.urn],
      },
    ],
    roles: [prodRole, role('dev', 'risk-api-role')],
    functions: [{ ...base, urn: urn('prod', 'aws:lambda/function:Function', 'rotator'), stack: 'prod', name: 'mono-repo-prod-rotation', purpose: 'rotation', invokePrincipals: ['secretsmanager.amazonaws.com'] }],
    services: [],
    audit: {
      trails: [],
      alarms: [
        { ...base, urn: urn('prod', 'aws:cloudwatch/metricAlarm:MetricAlarm', 'denied'), stack: 'prod', name: 'access-denied', watches: 'access-denied', topics: [urn('prod', 'aws:sns/topic:Topic', 'alerts')] },
      ],
      eventRules: [],
      topics: [{ ...base, urn: urn('prod', 'aws:sns/topic:Topic', 'alerts'), stack: 'prod', name: 'security-alerts', subscriptions: [{ protocol: 'email', endpoint: 'sec@example.com' }] }],
    },
    access: [
      {
        roleUrn: prodRole.urn,
        parameters: prodParams.map((p) => ({ resourceUrn: p.urn, actions: ['ssm:GetParameter'], conditions: [], certainty: 'known' as const, grantedBy: [] })),
        parameterPrefixes: [{ prefix: '/mono-repo/prod/', actions: ['ssm:GetParametersByPath'], byPath: true, conditions: [], certainty: 'known' }],
        secretValues: [{ resourceUrn: secrets[0]!.urn, actions: ['secretsmanager:GetSecretValue'], conditions: [], certainty: 'known', grantedBy: [] }],
        secretMetadata: [],
        secretWrites: [],
        keys: [{ resourceUrn: psKey.urn, actions: ['kms:Decrypt'], conditions: [], certainty: 'known', grantedBy: [], viaServices: ['ssm.eu-west-1.amazonaws.com'], keyPolicyAllows: true }],
        notes: [],
      },
    ],
  };
}

export function fakeFindings(stack: string): Finding[] {
  return [
    {
      ruleId: 'kms-rotation',
      title: 'KMS keys rotate',
      severity: 'high',
      layer: 'at-rest',
      rationale: 'r',
      remediation: 'Set enableKeyRotation: true.',
      frameworks: { soc2: ['CC6.1'], iso27001: [], gdpr: [] },
      status: stack === 'prod' ? 'not-met' : 'met',
      stack,
      subjects: [{ urn: 'u', name: 'k', stack, status: stack === 'prod' ? 'not-met' : 'met', detail: 'rotation off' }],
    },
  ];
}

export function fakeCost(stack?: string): CostEstimate {
  return { ...(stack ? { stack } : {}), lines: [{ item: 'Secrets Manager secrets', quantity: 2, unitPrice: 0.4, monthly: 0.8 }], total: 0.8, pricesAsOf: '2025-09-25', assumptions: ['10,000 API calls'] };
}

export const fakeViews: Readonly<Record<DiagramName, ViewFn>> = Object.fromEntries(
  DIAGRAMS.map((name) => [
    name,
    ({ stack, estate }: { stack: string; estate: Estate }) => ({
      name,
      title: `${name} of ${stack}`,
      purpose: `Purpose of ${name}.`,
      d2: `# ${name}\n${stack}: ${estate.parameters.filter((p) => p.stack === stack).length} parameters\n`,
    }),
  ]),
) as unknown as Readonly<Record<DiagramName, ViewFn>>;
