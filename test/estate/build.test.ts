import { describe, expect, it } from 'vitest';
import { buildEstate, displayName, secretCategory } from '../../diagrams/estate/build.ts';
import { parsePolicyDocument } from '../../diagrams/estate/iam.ts';
import { entityByUrn, stackEntities } from '../../diagrams/estate/lookup.ts';
import { GeneratorError } from '../../diagrams/errors.ts';
import { REDACTED, UNKNOWN } from '../../diagrams/graph/types.ts';
import { ACCOUNT, LAMBDA_TRUST, REGION, StackBuilder, paramArn, policyJson, roleArn, secretArn } from './helpers.ts';

const KEY_ID = 'aaaa1111-2222-3333-4444-555566667777';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;

/** A shared stack (keys, trail, alarms) and a prod stack that uses them by alias, ARN and id. */
function twoStacks() {
  const shared = new StackBuilder('shared', 'mono');
  shared.deployed('aws:kms/key:Key', 'params-key', { arn: KEY_ARN, keyId: KEY_ID, enableKeyRotation: true, multiRegion: true, deletionWindowInDays: 30, tags: { Environment: 'shared' } }, { id: KEY_ID, protect: true });
  shared.deployed('aws:kms/alias:Alias', 'params-alias', { name: 'alias/mono-params', targetKeyId: KEY_ID, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/mono-params` });
  shared.deployed('aws:kms/replicaKey:ReplicaKey', 'params-replica', { primaryKeyArn: KEY_ARN, region: 'eu-central-1', arn: `arn:aws:kms:eu-central-1:${ACCOUNT}:key/mrk-1` });
  const bucket = shared.deployed('aws:s3/bucket:Bucket', 'trail-bucket', { bucket: 'mono-trail-logs' }, { id: 'mono-trail-logs' });
  shared.deployed('aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'pab', { bucket: 'mono-trail-logs', blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, { deps: { bucket: [bucket] } });
  shared.deployed('aws:cloudtrail/trail:Trail', 'trail', { name: 'mono-trail', s3BucketName: 'mono-trail-logs', isMultiRegionTrail: true, enableLogFileValidation: true, kmsKeyId: 'alias/mono-params', eventSelectors: [{ readWriteType: 'All', includeManagementEvents: true, dataResources: [] }] });
  const topicArn = `arn:aws:sns:${REGION}:${ACCOUNT}:security-alerts`;
  shared.deployed('aws:sns/topic:Topic', 'alerts', { name: 'security-alerts', arn: topicArn }, { id: topicArn });
  shared.deployed('aws:sns/topicSubscription:TopicSubscription', 'alerts-email', { topic: topicArn, protocol: 'email', endpoint: 'sec@example.com' });
  shared.deployed('aws:cloudwatch/logMetricFilter:LogMetricFilter', 'denied-filter', { name: 'denied', pattern: '{ ($.errorCode = "AccessDenied") || ($.errorCode = "*UnauthorizedOperation") }', metricTransformation: { name: 'DeniedCalls', namespace: 'Security', value: '1' } });
  shared.deployed('aws:cloudwatch/metricAlarm:MetricAlarm', 'denied-alarm', { name: 'denied-calls', metricName: 'DeniedCalls', namespace: 'Security', alarmActions: [topicArn] });
  shared.deployed('aws:cloudwatch/metricAlarm:MetricAlarm', 'cpu-alarm', { name: 'cpu', metricName: 'CPUUtilization', namespace: 'AWS/EC2' });
  shared.deployed('aws:cloudwatch/eventRule:EventRule', 'rotation-failed', { name: 'rotation-failed', eventPattern: JSON.stringify({ source: ['aws.secretsmanager'], detail: { eventName: ['RotationFailed', 'RotationAbandoned'] } }) });
  shared.deployed('aws:cloudwatch/eventTarget:EventTarget', 'rotation-failed-target', { rule: 'rotation-failed', arn: topicArn });

  const prod = new StackBuilder('prod', 'mono');
  prod.deployed('pulumi:pulumi:StackReference', 'shared', { name: 'org/mono/shared' });
  const tags = (service: string, category = 'config') => ({ Environment: 'prod', Service: service, Category: category });
  prod.deployed('aws:ssm/parameter:Parameter', 'db-host', { name: '/mono/prod/database/host', type: 'String', arn: paramArn('/mono/prod/database/host'), tags: tags('risk-api') });
  prod.deployed('aws:ssm/parameter:Parameter', 'db-password', { name: '/mono/prod/database/password', type: 'SecureString', keyId: 'alias/mono-params', tier: 'Advanced', value: REDACTED, tags: tags('risk-api') });
  prod.deployed('aws:ssm/parameter:Parameter', 'top', { name: 'top-level', type: 'StringList' });
  const fnArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:mono-prod-rotation`;
  prod.deployed('aws:iam/role:Role', 'rotation-role', { name: 'mono-prod-rotation-role', arn: roleArn('mono-prod-rotation-role'), assumeRolePolicy: LAMBDA_TRUST });
  prod.deployed('aws:lambda/function:Function', 'rotation', { name: 'mono-prod-rotation', arn: fnArn, role: roleArn('mono-prod-rotation-role'), runtime: 'nodejs20.x', handler: 'index.handler' });
  const s1 = prod.deployed('aws:secretsmanager/secret:Secret', 'rds-master', { name: 'mono/prod/rds/master-password', arn: secretArn('mono/prod/rds/master-password'), kmsKeyId: KEY_ARN, recoveryWindowInDays: 7, tags: { Environment: 'prod', RotationStrategy: 'postgres-single-user' }, replicas: [{ region: 'eu-central-1', kmsKeyId: 'alias/mono-params' }] }, { id: secretArn('mono/prod/rds/master-password') });
  prod.deployed('aws:secretsmanager/secretRotation:SecretRotation', 'rds-master-rotation', { secretId: secretArn('mono/prod/rds/master-password'), rotationLambdaArn: fnArn, rotationRules: { automaticallyAfterDays: 30 } }, { deps: { secretId: [s1] } });
  prod.deployed('aws:secretsmanager/secretVersion:SecretVersion', 'rds-master-v', { secretId: secretArn('mono/prod/rds/master-password'), secretString: REDACTED });
  // legacy inline rotation, schedule expression, category from the group segment
  prod.deployed('aws:secretsmanager/secret:Secret', 'monitoring', { name: 'mono/prod/monitoring/api-key', kmsKeyId: KEY_ID, rotationLambdaArn: fnArn, rotationRules: [{ scheduleExpression: 'rate(60 days)' }] });
  prod.deployed('aws:secretsmanager/secret:Secret', 'jwt', { name: 'mono/prod/api/jwt-signing-key', tags: { Category: 'application' } });
  // roles: EKS pod, EC2 via instance profile, GitHub CI, cross-account, other service
  const oidc = `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${REGION}.amazonaws.com/id/ABC`;
  prod.deployed('aws:iam/role:Role', 'risk', {
    name: 'mono-prod-risk-api-role',
    arn: roleArn('mono-prod-risk-api-role'),
    tags: { Environment: 'prod' },
    assumeRolePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: oidc }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`oidc.eks.${REGION}.amazonaws.com/id/ABC:sub`]: 'system:serviceaccount:risk:risk-api' } } }] },
  });
  prod.deployed('aws:iam/role:Role', 'dash', { name: 'mono-prod-dash', arn: roleArn('mono-prod-dash'), tags: { Service: 'dash-analytics' }, assumeRolePolicy: policyJson({ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }) });
  prod.deployed('aws:iam/role:Role', 'airflow', { name: 'airflow-node', arn: roleArn('airflow-node'), assumeRolePolicy: policyJson({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }) });
  prod.deployed('aws:iam/instanceProfile:InstanceProfile', 'airflow-profile', { name: 'airflow-profile', role: 'airflow-node' });
  prod.deployed('aws:iam/role:Role', 'ci', { name: 'mono-prod-web-app-build-role', arn: roleArn('mono-prod-web-app-build-role'), assumeRolePolicy: policyJson({ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }, Action: 'sts:AssumeRoleWithWebIdentity' }) });
  prod.deployed('aws:iam/role:Role', 'audit', { name: 'mono-prod-auditor', arn: roleArn('mono-prod-auditor'), assumeRolePolicy: policyJson({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': REDACTED } } }), inlinePolicies: [{ name: '', policy: '' }] });
  prod.deployed('aws:iam/role:Role', 'unknown-trust', { name: 'mono-prod-mystery-role', assumeRolePolicy: UNKNOWN });
  // policies: managed + attachment, inline RolePolicy, PolicyAttachment with roles list, managedPolicyArns
  const polArn = `arn:aws:iam::${ACCOUNT}:policy/risk-read`;
  prod.deployed('aws:iam/policy:Policy', 'risk-read', { name: 'risk-read', arn: polArn, policy: policyJson({ Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: 'arn:aws:ssm:*:*:parameter/mono/prod/*' }) });
  prod.deployed('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'risk-read-attach', { role: 'mono-prod-risk-api-role', policyArn: polArn });
  prod.deployed('aws:iam/policyAttachment:PolicyAttachment', 'shared-attach', { name: 'x', roles: ['mono-prod-dash', 'airflow-node'], policyArn: polArn });
  prod.deployed('aws:iam/rolePolicy:RolePolicy', 'risk-inline', { name: 'risk-secrets', role: 'mono-prod-risk-api-role', policy: policyJson({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:*:*:secret:mono/prod/*' }) });
  prod.deployed('aws:iam/role:Role', 'mp', { name: 'mono-prod-mp-role', arn: roleArn('mono-prod-mp-role'), assumeRolePolicy: LAMBDA_TRUST, managedPolicyArns: [polArn, 'arn:aws:iam::aws:policy/ReadOnlyAccess'] });
  return { shared: shared.graph(), prod: prod.graph() };
}

describe('buildEstate: the domain model', () => {
  const { shared, prod } = twoStacks();
  const inputs = JSON.stringify([shared, prod]);
  const e = buildEstate([prod, shared]);

  it('never mutates its input; output is deeply frozen and sorted', () => {
    expect(JSON.stringify([shared, prod])).toBe(inputs);
    expect(Object.isFrozen(e)).toBe(true);
    expect(Object.isFrozen(e.parameters[0]!.segments)).toBe(true);
    expect(Object.isFrozen(e.access[0]!.parameters)).toBe(true);
    expect(e.stacks.map((s) => s.stack)).toEqual(['prod', 'shared']);
    expect(e.parameters.map((p) => p.name)).toEqual(['/mono/prod/database/host', '/mono/prod/database/password', 'top-level']);
    expect(JSON.stringify(buildEstate([shared, prod]))).toBe(JSON.stringify(e));
  });

  it('stack summaries: environment from tags or name, references, type counts', () => {
    const [p, s] = e.stacks;
    expect(p!.environment).toBe('prod');
    expect(s!.environment).toBeUndefined();
    expect(p!.references).toEqual(['shared']);
    expect(p!.resourceTypes['aws:ssm/parameter:Parameter']).toBe(3);
  });

  it('parameters: hierarchy, environment, category, type, tier, key resolved across stacks by alias', () => {
    const pw = e.parameters.find((p) => p.leaf === 'password')!;
    expect(pw).toMatchObject({ path: '/mono/prod/database/password', segments: ['mono', 'prod', 'database', 'password'], environment: 'prod', category: 'database', type: 'SecureString', tier: 'Advanced', keyId: 'alias/mono-params' });
    expect(pw.keyUrn).toBe(e.keys[0]!.urn);
    expect(e.parameters.find((p) => p.leaf === 'host')!.tier).toBe('Standard');
    const top = e.parameters.find((p) => p.name === 'top-level')!;
    expect(top.category).toBeUndefined();
    expect(top.environment).toBe('prod');
  });

  it('keys: aliases, rotation, multi-region replicas', () => {
    const k = e.keys[0]!;
    expect(k).toMatchObject({ name: 'alias/mono-params', aliases: ['alias/mono-params'], rotationEnabled: true, multiRegion: true, deletionWindowDays: 30, keyId: KEY_ID, protect: true, stack: 'shared' });
    expect(k.replicas.map((r) => r.region)).toEqual(['eu-central-1']);
  });

  it('secrets: category, key by ARN and id, rotation from SecretRotation and the legacy inline form', () => {
    const by = (n: string) => e.secrets.find((s) => s.name === n)!;
    const rds = by('mono/prod/rds/master-password');
    const fn = e.functions[0]!;
    expect(rds).toMatchObject({ category: 'database', environment: 'prod', keyUrn: e.keys[0]!.urn, recoveryWindowDays: 7, rotationStrategy: 'postgres-single-user', versions: 1 });
    expect(rds.rotation).toMatchObject({ enabled: true, intervalDays: 30, functionUrn: fn.urn });
    expect(rds.rotation.rotationUrn).toContain('SecretRotation');
    expect(rds.replicas).toEqual([{ region: 'eu-central-1', keyId: 'alias/mono-params' }]);
    const mon = by('mono/prod/monitoring/api-key');
    expect(mon.category).toBe('service');
    expect(mon.keyUrn).toBe(e.keys[0]!.urn);
    expect(mon.rotation).toMatchObject({ enabled: true, intervalDays: 60, scheduleExpression: 'rate(60 days)', functionUrn: fn.urn });
    expect(by('mono/prod/api/jwt-signing-key')).toMatchObject({ category: 'application', rotation: { enabled: false } });
    expect(by('mono/prod/api/jwt-signing-key').keyId).toBeUndefined();
    expect(fn).toMatchObject({ purpose: 'rotation', runtime: 'nodejs20.x', roleUrn: e.roles.find((r) => r.name === 'mono-prod-rotation-role')!.urn });
  });

  it('roles: trust kinds', () => {
    const by = (n: string) => e.roles.find((r) => r.name === n)!;
    expect(by('mono-prod-risk-api-role').trust).toMatchObject({ kind: 'eks-pod', eks: { namespace: 'risk', serviceAccount: 'risk-api' } });
    expect(by('mono-prod-dash').trust.kind).toBe('service');
    expect(by('airflow-node').trust.kind).toBe('ec2');
    expect(by('airflow-node').instanceProfiles).toEqual(['airflow-profile']);
    expect(by('mono-prod-web-app-build-role').trust.kind).toBe('ci-build');
    expect(by('mono-prod-auditor').trust).toMatchObject({ kind: 'cross-account', crossAccount: { accountId: '444455556666', requiresExternalId: true } });
    expect(by('mono-prod-rotation-role').trust).toMatchObject({ kind: 'lambda', principals: ['Service:lambda.amazonaws.com'] });
    expect(by('mono-prod-mystery-role').trust.kind).toBe('other');
  });

  it('policies: managed, inline (RolePolicy), attachments by role name, role lists and managedPolicyArns', () => {
    const managed = e.policies.find((p) => p.name === 'risk-read')!;
    const roleUrn = (n: string) => e.roles.find((r) => r.name === n)!.urn;
    expect(managed.kind).toBe('managed');
    expect(managed.attachedTo).toEqual([roleUrn('airflow-node'), roleUrn('mono-prod-dash'), roleUrn('mono-prod-mp-role'), roleUrn('mono-prod-risk-api-role')].sort());
    const inline = e.policies.find((p) => p.name === 'risk-secrets')!;
    expect(inline.kind).toBe('inline');
    expect(e.roles.find((r) => r.name === 'mono-prod-risk-api-role')!.policies).toEqual([managed.urn, inline.urn].sort());
    expect(e.roles.find((r) => r.name === 'mono-prod-mp-role')!.externalPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(e.policies.filter((p) => p.urn.includes('auditor'))).toEqual([]); // empty inline policy slot skipped
  });

  it('services from Service tags, else from role names, display names with known words', () => {
    const svc = Object.fromEntries(e.services.map((s) => [s.id, s]));
    expect(svc['dash-analytics']).toMatchObject({ name: 'Dash Analytics', derivedFrom: 'tag', stack: 'prod' });
    expect(svc['risk-api']).toMatchObject({ name: 'Risk API', derivedFrom: 'role-name' });
    expect(svc['web-app-build']).toMatchObject({ name: 'Web App Build' });
    expect(svc['rotation']).toBeUndefined(); // a rotation function's role is not a service
    expect(displayName('web-app')).toBe('Web App');
    expect(displayName('risk-api')).toBe('Risk API');
  });

  it('audit: trail with resolved bucket block and key, alarms and rules watching, topic subscriptions', () => {
    const t = e.audit.trails[0]!;
    expect(t).toMatchObject({ multiRegion: true, logFileValidation: true, bucket: 'mono-trail-logs', bucketPublicAccessBlocked: true, keyUrn: e.keys[0]!.urn, events: ['management events (read+write)'] });
    const topic = e.audit.topics[0]!;
    expect(topic.subscriptions).toEqual([{ protocol: 'email', endpoint: 'sec@example.com' }]);
    const alarm = e.audit.alarms.find((a) => a.name === 'denied-calls')!;
    expect(alarm).toMatchObject({ watches: 'access-denied', topics: [topic.urn] });
    expect(e.audit.alarms.find((a) => a.name === 'cpu')!.watches).toBe('other');
    expect(e.audit.eventRules[0]).toMatchObject({ watches: 'rotation-failure', topics: [topic.urn] });
  });

  it('access across stacks: the key in shared is decryptable through the estate', () => {
    const risk = e.access.find((a) => a.roleUrn === e.roles.find((r) => r.name === 'mono-prod-risk-api-role')!.urn)!;
    expect(risk.parameterPrefixes).toEqual([{ prefix: '/mono/prod/', actions: ['ssm:GetParametersByPath'], byPath: true, conditions: [], certainty: 'known' }]);
    expect(risk.secretValues.map((s) => entityByUrn(e, s.resourceUrn).name)).toEqual(['mono/prod/api/jwt-signing-key', 'mono/prod/monitoring/api-key', 'mono/prod/rds/master-password']);
  });

  it('lookups: entityByUrn throws GeneratorError on a missing URN; stackEntities adds what a stack uses', () => {
    expect(() => entityByUrn(e, 'urn:nope')).toThrow(GeneratorError);
    expect(() => stackEntities(e, 'nope')).toThrow(/no stack 'nope'.*prod, shared/);
    const slice = stackEntities(e, 'prod');
    expect(slice.keys.map((k) => k.stack)).toEqual(['shared']);
    expect(slice.audit.trails.map((t) => t.name)).toEqual(['mono-trail']);
    expect(slice.audit.topics).toHaveLength(1);
    expect(slice.stacks.map((s) => s.stack)).toEqual(['prod', 'shared']);
    const sharedSlice = stackEntities(e, 'shared');
    expect(sharedSlice.parameters).toEqual([]);
    expect(sharedSlice.roles).toEqual([]);
  });
});

describe('policy documents', () => {
  it('parses strings and objects, single statements, string actions, Principal "*" and maps, conditions', () => {
    const d = parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: { Sid: 'A', Effect: 'Allow', Action: 's3:GetObject', Principal: '*', Resource: 'arn:aws:s3:::b/*', Condition: { StringEquals: { 'aws:SourceVpc': ['vpc-1', 'vpc-2'] }, Bool: { 'aws:SecureTransport': true } } } }));
    expect(d.unknown).toBe(false);
    expect(d.statements).toEqual([
      { sid: 'A', effect: 'Allow', actions: ['s3:GetObject'], resources: ['arn:aws:s3:::b/*'], principals: { any: true }, conditions: [{ operator: 'Bool', key: 'aws:SecureTransport', values: ['true'] }, { operator: 'StringEquals', key: 'aws:SourceVpc', values: ['vpc-1', 'vpc-2'] }] },
    ]);
    const o = parsePolicyDocument({ Statement: [{ Effect: 'Deny', NotAction: ['iam:*'], NotResource: '*', Principal: { AWS: ['arn:b', 'arn:a'], Service: 'ec2.amazonaws.com' } }] });
    expect(o.statements[0]).toMatchObject({ effect: 'Deny', notActions: ['iam:*'], notResources: ['*'], principals: { AWS: ['arn:a', 'arn:b'], Service: ['ec2.amazonaws.com'] } });
  });

  it('never throws: bad JSON, UNKNOWN and REDACTED give unknown documents', () => {
    for (const v of ['{not json', UNKNOWN, REDACTED, 42, [1], { Statement: [null, { Effect: 'Maybe' }] }]) {
      expect(parsePolicyDocument(v).unknown).toBe(true);
    }
    expect(parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: UNKNOWN, Resource: '*' }] }).unknown).toBe(true);
  });

  it('secret categories from tags and names', () => {
    const envs = new Set(['dev', 'prod']);
    expect(secretCategory('mono/prod/rds/app-user', {}, envs)).toBe('database');
    expect(secretCategory('mono/prod/encryption/data-key', {}, envs)).toBe('application');
    expect(secretCategory('mono/prod/airflow/fernet-key', {}, envs)).toBe('service');
    expect(secretCategory('mono/prod/monitoring/api-key', {}, envs)).toBe('service');
    expect(secretCategory('stuff', {}, envs)).toBe('other');
    expect(secretCategory('mono/prod/rds/x', { category: 'Service' }, envs)).toBe('service');
  });
});
