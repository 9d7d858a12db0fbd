/**
 * The estate under mocks: every stack (shared first, its outputs fed to the environments'
 * StackReference), checked for inventory, least privilege, protection, windows, tags and wiring.
 * Expected values are written out here, not derived from infra/catalogue.ts, so that a change to
 * the catalogue shows up as a failing test.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import program from '../../infra/index.ts';
import { ROTATION_LAMBDA_RUNTIME, bundleRotationHandlerSync } from '../../infra/rotation/bundle.ts';
import { REPO, byName, isSecretValue, ofType, readStackConfig, runStack, startupError, type Recorded, type StackRun } from './harness.ts';
import { allows, globMatch, list, wildcardGrants, type Doc } from './iam-eval.ts';

const ACCOUNT = '123456789012';
const REGION = 'eu-west-1';
const REPLICA_REGION = 'eu-central-1';
const SHARED_REF = 'organization/mono-repo/shared';
const ENVS = ['dev', 'uat', 'prod'] as const;
type Env = (typeof ENVS)[number];

const PARAMETERS: Record<string, 'String' | 'StringList' | 'SecureString'> = {
  'database/host': 'String',
  'database/port': 'String',
  'database/name': 'String',
  'database/password': 'SecureString',
  'database/connection-string': 'SecureString',
  'api/external-url': 'String',
  'api/rate-limit': 'String',
  'api/jwt-signing-key': 'SecureString',
  'api/external-api-key': 'SecureString',
  'features/risk-analysis-v2': 'String',
  'features/dashboard-beta': 'String',
  'services/allowed-origins': 'StringList',
  'services/notification-emails': 'StringList',
};

// name -> [key, rotation days, strategy, format]
const SECRETS: Record<Env, Record<string, [string, number, string, string | undefined]>> = {
  dev: {
    'rds/master-password': ['database', 30, 'postgres-single-user', undefined],
    'rds/app-user': ['database', 30, 'postgres-alternating-users', undefined],
    'api/jwt-signing-key': ['secretsManager', 60, 'generic', 'jwt-hmac'],
  },
  uat: {
    'rds/master-password': ['database', 30, 'postgres-single-user', undefined],
    'rds/app-user': ['database', 30, 'postgres-alternating-users', undefined],
    'api/jwt-signing-key': ['secretsManager', 60, 'generic', 'jwt-hmac'],
  },
  prod: {
    'rds/master-password': ['database', 30, 'postgres-single-user', undefined],
    'rds/readonly-user': ['database', 30, 'postgres-alternating-users', undefined],
    'rds/app-user': ['database', 30, 'postgres-alternating-users', undefined],
    'api/jwt-signing-key': ['secretsManager', 60, 'generic', 'jwt-hmac'],
    'api/external-service-key': ['secretsManager', 60, 'generic', 'api-key'],
    'encryption/data-key': ['secretsManager', 60, 'generic', 'data-key'],
    'airflow/fernet-key': ['secretsManager', 90, 'generic', 'fernet'],
    'dash/session-key': ['secretsManager', 90, 'generic', 'session-key'],
    'monitoring/api-key': ['secretsManager', 90, 'generic', 'api-key'],
  },
};

const NON_SECURE = Object.keys(PARAMETERS).filter((p) => PARAMETERS[p] !== 'SecureString');

/** The intended access table (docs/access.md): parameters and secret values each role reads. */
const ACCESS: Record<string, { params: string[]; secrets: Record<Env, string[]> }> = {
  'risk-api': {
    params: [...Object.keys(PARAMETERS).filter((p) => p.startsWith('database/') || p.startsWith('api/')), 'features/risk-analysis-v2', 'services/allowed-origins'],
    secrets: {
      dev: ['rds/app-user', 'api/jwt-signing-key'],
      uat: ['rds/app-user', 'api/jwt-signing-key'],
      prod: ['rds/app-user', 'api/jwt-signing-key', 'api/external-service-key', 'encryption/data-key'],
    },
  },
  'dash-analytics': {
    params: ['database/host', 'database/port', 'database/name', 'features/dashboard-beta', 'services/allowed-origins'],
    secrets: { dev: ['rds/app-user'], uat: ['rds/app-user'], prod: ['rds/readonly-user', 'dash/session-key'] },
  },
  airflow: {
    params: ['database/host', 'database/port', 'database/name', 'api/external-url', 'services/notification-emails'],
    secrets: { dev: ['rds/app-user'], uat: ['rds/app-user'], prod: ['rds/app-user', 'airflow/fernet-key', 'monitoring/api-key'] },
  },
  'web-app-build': { params: ['api/external-url', 'features/risk-analysis-v2', 'features/dashboard-beta'], secrets: { dev: [], uat: [], prod: [] } },
  'ops-runner': { params: NON_SECURE, secrets: { dev: [], uat: [], prod: [] } },
  audit: { params: [], secrets: { dev: [], uat: [], prod: [] } },
  'secret-rotation': { params: [], secrets: { dev: Object.keys(SECRETS.dev), uat: Object.keys(SECRETS.uat), prod: Object.keys(SECRETS.prod) } },
};

const paramArn = (env: Env, rel: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/mono-repo/${env}/${rel}`;
const secretArn = (env: Env, rel: string) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:mono-repo/${env}/${rel}-AbCdEf`;

let shared: StackRun;
const envRuns = {} as Record<Env, StackRun>;

beforeAll(async () => {
  shared = await runStack('shared', program);
  for (const env of ENVS) envRuns[env] = await runStack(env, program, { [SHARED_REF]: shared.outputs });
});

const doc = (s: string): Doc => JSON.parse(s) as Doc;

/** Identity policy documents attached to a role (by role name) in a stack. */
function attachedDocs(run: StackRun, roleName: string): Doc[] {
  const policies = ofType(run, 'aws:iam/policy:Policy');
  return ofType(run, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment')
    .filter((a) => a.inputs.role === roleName)
    .map((a) => {
      const p = policies.find((x) => x.state.arn === a.inputs.policyArn);
      if (p === undefined) throw new Error(`${run.stack}: ${roleName} has a policy that is not in the stack: ${a.inputs.policyArn}`);
      return doc(p.inputs.policy);
    });
}

function readableParameters(docs: Doc[], env: Env): string[] {
  const direct = Object.keys(PARAMETERS).filter((rel) => allows(docs, 'ssm:GetParameter', paramArn(env, rel)));
  const byPath = Object.keys(PARAMETERS).filter((rel) => allows(docs, 'ssm:GetParametersByPath', paramArn(env, rel.split('/')[0] as string)));
  return [...new Set([...direct, ...byPath])].sort();
}

describe('shared stack', () => {
  it('has the three keys with alias, annual rotation, 30-day deletion window, multi-region replica, protected', () => {
    const keys = ofType(shared, 'aws:kms/key:Key');
    expect(keys.map((k) => k.name).sort()).toEqual(['kms-database', 'kms-parameter-store', 'kms-secrets-manager']);
    const replicaProvider = byName(shared, 'pulumi:providers:aws', 'replica-region');
    expect(replicaProvider.inputs.region).toBe(REPLICA_REGION);
    for (const key of keys) {
      expect(key.inputs).toMatchObject({ enableKeyRotation: true, rotationPeriodInDays: 365, multiRegion: true, deletionWindowInDays: 30 });
      expect(key.protect).toBe(true);
      const replica = byName(shared, 'aws:kms/replicaKey:ReplicaKey', `${key.name}-replica`);
      expect(replica.inputs.primaryKeyArn).toBe(key.state.arn);
      expect(replica.inputs.deletionWindowInDays).toBe(30);
      expect(replica.protect).toBe(true);
      expect(replica.provider.startsWith(replicaProvider.urn)).toBe(true);
    }
    const aliases = ofType(shared, 'aws:kms/alias:Alias').filter((a) => a.provider === '' || !a.provider.startsWith(replicaProvider.urn));
    expect(aliases.map((a) => a.inputs.name).sort()).toEqual([
      'alias/mono-repo-database-key',
      'alias/mono-repo-parameter-store-key',
      'alias/mono-repo-secrets-manager-key',
    ]);
    expect(shared.outputs).toMatchObject({
      parameterStoreKeyAlias: 'alias/mono-repo-parameter-store-key',
      secretsManagerKeyAlias: 'alias/mono-repo-secrets-manager-key',
      databaseKeyAlias: 'alias/mono-repo-database-key',
    });
  });

  it('key policies let an environment use a key only through its service and only for its own paths', () => {
    for (const key of [...ofType(shared, 'aws:kms/key:Key'), ...ofType(shared, 'aws:kms/replicaKey:ReplicaKey')]) {
      const region = key.type === 'aws:kms/key:Key' ? REGION : REPLICA_REGION;
      const statements = doc(key.inputs.policy).Statement;
      const dataActions = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:ReEncryptFrom'];
      for (const s of statements.filter((x) => x.Effect === 'Allow')) {
        const usesData = list(s.Action).some((a) => dataActions.some((d) => globMatch(a, d, true)));
        const principal = s.Principal as { AWS?: string; Service?: string };
        if (!usesData) continue;
        if (principal.Service === 'cloudtrail.amazonaws.com') {
          expect(key.name).toMatch(/secrets-manager/);
          expect(s.Condition?.StringEquals?.['aws:SourceArn']).toBe(`arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/mono-repo-audit-trail`);
          continue;
        }
        expect(principal.AWS, `${key.name} ${s.Sid}`).toBe(`arn:aws:iam::${ACCOUNT}:root`);
        const via = s.Condition?.StringEquals?.['kms:ViaService'];
        expect(via, `${key.name} ${s.Sid} must require kms:ViaService`).toBe(key.name.includes('parameter-store') ? `ssm.${region}.amazonaws.com` : `secretsmanager.${region}.amazonaws.com`);
        const principals = list(s.Condition?.StringLike?.['aws:PrincipalArn']);
        expect(principals.length, `${key.name} ${s.Sid} names its principals`).toBeGreaterThan(0);
        if (s.Sid === 'DeployerUsesKeyThroughService') continue;
        // An environment statement: its principals and its encryption context name the same environment.
        const env = ENVS.find((e) => principals.every((p) => p.startsWith(`arn:aws:iam::${ACCOUNT}:role/mono-repo-${e}-`)));
        expect(env, `${key.name} ${s.Sid}: principals of one environment`).toBeDefined();
        const context = { ...s.Condition?.StringLike };
        delete context['aws:PrincipalArn'];
        const values = Object.values(context).flatMap((v) => list(v));
        expect(values.length, `${key.name} ${s.Sid} has an encryption context`).toBe(1);
        expect(values[0]).toMatch(new RegExp(`^arn:aws:(ssm|secretsmanager):${region}:${ACCOUNT}:(parameter|secret:)/?mono-repo/${env}/\\*$`));
      }
      // Each environment has its statement.
      for (const env of ENVS) expect(statements.some((s) => list(s.Condition?.StringLike?.['aws:PrincipalArn']).some((p) => p.includes(`mono-repo-${env}-`)))).toBe(true);
      // The root administers but does not use the key for data.
      const admin = statements.find((s) => s.Sid === 'AccountRootAdministersKey');
      expect(admin).toBeDefined();
      expect(list(admin?.Action).some((a) => dataActions.some((d) => globMatch(a, d, true)))).toBe(false);
    }
  });

  it('audits with a multi-region, validated, encrypted trail into a closed bucket, and alerts by email', () => {
    const trail = byName(shared, 'aws:cloudtrail/trail:Trail', 'audit-trail');
    const smKey = byName(shared, 'aws:kms/key:Key', 'kms-secrets-manager');
    expect(trail.inputs).toMatchObject({ isMultiRegionTrail: true, enableLogFileValidation: true, includeGlobalServiceEvents: true, kmsKeyId: smKey.state.arn });
    const bucket = byName(shared, 'aws:s3/bucket:Bucket', 'audit-bucket');
    expect(trail.inputs.s3BucketName).toBe(bucket.state.bucket);
    const pab = byName(shared, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock', 'audit-bucket-public-access');
    expect(pab.inputs).toMatchObject({ bucket: bucket.state.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    const bucketPolicy = doc(byName(shared, 'aws:s3/bucketPolicy:BucketPolicy', 'audit-bucket-policy').inputs.policy);
    expect(bucketPolicy.Statement.find((s) => s.Effect === 'Deny')?.Condition?.Bool?.['aws:SecureTransport']).toBe('false');
    expect(trail.inputs.cloudWatchLogsGroupArn).toContain(byName(shared, 'aws:cloudwatch/logGroup:LogGroup', 'audit-log-group').state.arn);

    const topic = byName(shared, 'aws:sns/topic:Topic', 'alerts-topic');
    const emails = JSON.parse(readStackConfig('shared').values['mono-repo:notificationEmails'] as string) as string[];
    const subs = ofType(shared, 'aws:sns/topicSubscription:TopicSubscription');
    expect(subs.map((s) => [s.inputs.protocol, s.inputs.endpoint, s.inputs.topic])).toEqual(emails.map((e) => ['email', e, topic.state.arn]));

    const rule = byName(shared, 'aws:cloudwatch/eventRule:EventRule', 'alerts-rotation-failed');
    const pattern = JSON.parse(rule.inputs.eventPattern);
    expect(pattern.source).toEqual(['aws.secretsmanager']);
    expect(pattern.detail.eventName.sort()).toEqual(['RotationAbandoned', 'RotationFailed']);
    const target = byName(shared, 'aws:cloudwatch/eventTarget:EventTarget', 'alerts-rotation-failed-target');
    expect(target.inputs.arn).toBe(topic.state.arn);

    const filter = byName(shared, 'aws:cloudwatch/logMetricFilter:LogMetricFilter', 'alerts-access-denied-filter');
    expect(filter.inputs.logGroupName).toBe('/aws/cloudtrail/mono-repo-audit-trail');
    for (const s of ['AccessDenied', 'secretsmanager.amazonaws.com', 'ssm.amazonaws.com', 'kms.amazonaws.com']) expect(filter.inputs.pattern).toContain(s);
    const alarm = byName(shared, 'aws:cloudwatch/metricAlarm:MetricAlarm', 'alerts-access-denied-alarm');
    expect(alarm.inputs.metricName).toBe(filter.inputs.metricTransformation.name);
    expect(alarm.inputs.namespace).toBe(filter.inputs.metricTransformation.namespace);
    expect(alarm.inputs.alarmActions).toEqual([topic.state.arn]);
  });
});

describe.each(ENVS)('%s stack', (env) => {
  const run = () => envRuns[env];

  it('reads the shared stack through a StackReference', () => {
    const refs = ofType(run(), 'pulumi:pulumi:StackReference');
    expect(refs.map((r) => r.inputs.name)).toEqual([SHARED_REF]);
  });

  it('has every parameter with its type, description, standard tier and key', () => {
    const params = ofType(run(), 'aws:ssm/parameter:Parameter');
    const byPath = Object.fromEntries(params.map((p) => [p.inputs.name, p]));
    expect(Object.keys(byPath).sort()).toEqual(Object.keys(PARAMETERS).map((rel) => `/mono-repo/${env}/${rel}`).sort());
    for (const [rel, type] of Object.entries(PARAMETERS)) {
      const p = byPath[`/mono-repo/${env}/${rel}`] as Recorded;
      expect(p.inputs.type, rel).toBe(type);
      expect(p.inputs.tier).toBe('Standard');
      expect(String(p.inputs.description).length).toBeGreaterThan(10);
      if (type === 'SecureString') {
        expect(p.inputs.keyId).toBe(shared.outputs.parameterStoreKeyArn);
        expect(isSecretValue(p.rawInputs.value), `${rel} value must be secret`).toBe(true);
      } else {
        expect(p.inputs.keyId).toBeUndefined();
        expect(p.inputs.value).toBeUndefined();
        expect(isSecretValue(p.rawInputs.insecureValue)).toBe(false);
      }
    }
    const config = JSON.parse(readStackConfig(env).values['mono-repo:parameters'] as string) as Record<string, string | string[]>;
    expect(byPath[`/mono-repo/${env}/services/allowed-origins`]?.inputs.insecureValue).toBe((config['services/allowed-origins'] as string[]).join(','));
  });

  it('has its secrets with key, rotation schedule, strategy tags, recovery window and a secret initial value', () => {
    const secrets = ofType(run(), 'aws:secretsmanager/secret:Secret');
    const expected = SECRETS[env];
    expect(secrets.map((s) => s.inputs.name).sort()).toEqual(Object.keys(expected).map((rel) => `mono-repo/${env}/${rel}`).sort());
    const fn = byName(run(), 'aws:lambda/function:Function', 'rotation-function');
    for (const s of secrets) {
      const rel = String(s.inputs.name).slice(`mono-repo/${env}/`.length);
      const [key, days, strategy, format] = expected[rel] as [string, number, string, string | undefined];
      expect(s.inputs.kmsKeyId, rel).toBe(shared.outputs[`${key}KeyArn`]);
      expect(s.inputs.recoveryWindowInDays).toBe(env === 'prod' ? 30 : 7);
      expect(s.inputs.tags.RotationStrategy).toBe(strategy);
      expect(s.inputs.tags.SecretFormat).toBe(format);
      expect(s.protect).toBe(env === 'prod');
      const rotation = ofType(run(), 'aws:secretsmanager/secretRotation:SecretRotation').filter((r) => r.inputs.secretId === s.state.arn);
      expect(rotation).toHaveLength(1);
      expect(rotation[0]?.inputs.rotationLambdaArn).toBe(fn.state.arn);
      expect(rotation[0]?.inputs.rotationRules.automaticallyAfterDays).toBe(days);
      const versions = ofType(run(), 'aws:secretsmanager/secretVersion:SecretVersion').filter((v) => v.inputs.secretId === s.state.arn);
      expect(versions).toHaveLength(1);
      expect(isSecretValue(versions[0]?.rawInputs.secretString), `${rel} initial value must be secret`).toBe(true);
      if (strategy === 'postgres-alternating-users') {
        const master = secrets.find((x) => x.inputs.name === `mono-repo/${env}/rds/master-password`);
        expect(JSON.parse(versions[0]?.inputs.secretString).masterarn).toBe(master?.state.arn);
      }
    }
  });

  it('wires the rotation Lambda: bundled handler, role, invoke permission, error alarm', () => {
    const fn = byName(run(), 'aws:lambda/function:Function', 'rotation-function');
    expect(fn.inputs).toMatchObject({ name: `mono-repo-${env}-secret-rotation`, runtime: 'nodejs22.x', handler: 'index.handler' });
    const role = byName(run(), 'aws:iam/role:Role', 'rotation-role');
    expect(fn.inputs.role).toBe(role.state.arn);
    expect(doc(role.inputs.assumeRolePolicy).Statement[0]?.Principal).toEqual({ Service: 'lambda.amazonaws.com' });
    const perm = byName(run(), 'aws:lambda/permission:Permission', 'rotation-invoke');
    expect(perm.inputs).toMatchObject({ action: 'lambda:InvokeFunction', principal: 'secretsmanager.amazonaws.com', function: fn.inputs.name, sourceAccount: ACCOUNT });
    const alarm = byName(run(), 'aws:cloudwatch/metricAlarm:MetricAlarm', 'rotation-errors');
    expect(alarm.inputs.alarmActions).toEqual([shared.outputs.alertTopicArn]);

    const rotationDocs = attachedDocs(run(), role.inputs.name);
    for (const action of ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']) {
      for (const rel of Object.keys(SECRETS[env])) expect(allows(rotationDocs, action, secretArn(env, rel)), `${action} ${rel}`).toBe(true);
      for (const other of ENVS.filter((e) => e !== env)) expect(allows(rotationDocs, action, secretArn(other, 'rds/app-user'))).toBe(false);
    }
    expect(allows(rotationDocs, 'secretsmanager:GetRandomPassword', '*')).toBe(true);
  });

  it('gives each role exactly the parameters and secret values of the access table, nothing of another environment', () => {
    const roles = ofType(run(), 'aws:iam/role:Role').filter((r) => String(r.inputs.name).startsWith(`mono-repo-${env}-`));
    expect(roles.map((r) => String(r.inputs.name).slice(`mono-repo-${env}-`.length)).sort()).toEqual(Object.keys(ACCESS).sort());
    for (const role of roles) {
      const id = String(role.inputs.name).slice(`mono-repo-${env}-`.length);
      const want = ACCESS[id] as (typeof ACCESS)[string];
      const docs = attachedDocs(run(), role.inputs.name);
      expect(readableParameters(docs, env), `${id} parameters`).toEqual([...want.params].sort());
      const values = Object.keys(SECRETS[env]).filter((rel) => allows(docs, 'secretsmanager:GetSecretValue', secretArn(env, rel)));
      expect(values.sort(), `${id} secret values`).toEqual([...want.secrets[env]].sort());
      for (const other of ENVS.filter((e) => e !== env)) {
        expect(readableParameters(docs, other), `${id} reads ${other} parameters`).toEqual([]);
        for (const rel of Object.keys(SECRETS[other])) expect(allows(docs, 'secretsmanager:GetSecretValue', secretArn(other, rel)), `${id} reads ${other} ${rel}`).toBe(false);
      }
      for (const action of ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath', 'secretsmanager:GetSecretValue', 'kms:Decrypt']) {
        expect(wildcardGrants(docs, action), `${id}: ${action} on *`).toEqual([]);
      }
      // Decrypt only keys of what it reads, and only through the owning service, for this environment.
      for (const s of docs.flatMap((d) => d.Statement).filter((x) => x.Effect === 'Allow' && list(x.Action).some((a) => /^kms:(Decrypt|Encrypt|GenerateDataKey)/.test(a)))) {
        expect(s.Condition?.StringEquals?.['kms:ViaService']).toMatch(/^(ssm|secretsmanager)\.eu-west-1\.amazonaws\.com$/);
        const context = Object.values(s.Condition?.StringLike ?? {}).flatMap((v) => list(v));
        expect(context.every((c) => c.includes(`mono-repo/${env}/`))).toBe(true);
      }
      const decryptsParameters = allows(docs, 'kms:Decrypt', shared.outputs.parameterStoreKeyArn);
      expect(decryptsParameters, `${id} decrypts SecureStrings`).toBe(want.params.some((p) => PARAMETERS[p] === 'SecureString'));
    }
  });

  it('keeps the audit role to describe and list, and the Web App build role to non-secret configuration', () => {
    const audit = byName(run(), 'aws:iam/role:Role', 'service-roles-audit');
    const auditDocs = attachedDocs(run(), audit.inputs.name);
    for (const action of ['secretsmanager:GetSecretValue', 'kms:Decrypt', 'ssm:GetParameter', 'ssm:GetParametersByPath']) {
      expect(auditDocs.flatMap((d) => d.Statement).filter((s) => s.Effect === 'Allow' && list(s.Action).some((a) => globMatch(a, action, true))), action).toEqual([]);
    }
    expect(allows(auditDocs, 'secretsmanager:DescribeSecret', secretArn(env, 'rds/app-user'))).toBe(true);
    expect(isSecretValue(audit.rawInputs.assumeRolePolicy), 'the external id is secret').toBe(true);
    const trust = doc(audit.inputs.assumeRolePolicy).Statement[0];
    expect(trust?.Principal).toEqual({ AWS: 'arn:aws:iam::210987654321:root' });
    expect(trust?.Condition?.StringEquals?.['sts:ExternalId']).toBeTruthy();

    const build = byName(run(), 'aws:iam/role:Role', 'service-roles-web-app-build');
    expect(doc(build.inputs.assumeRolePolicy).Statement[0]?.Principal).toEqual({ Service: 'codebuild.amazonaws.com' });
    const buildDocs = attachedDocs(run(), build.inputs.name);
    for (const rel of Object.keys(PARAMETERS).filter((p) => PARAMETERS[p] === 'SecureString')) {
      expect(allows(buildDocs, 'ssm:GetParameter', paramArn(env, rel)), rel).toBe(false);
    }
    for (const keyArn of [shared.outputs.parameterStoreKeyArn, shared.outputs.secretsManagerKeyArn, shared.outputs.databaseKeyArn]) {
      expect(allows(buildDocs, 'kms:Decrypt', keyArn)).toBe(false);
    }
  });

  it('trusts the EKS service accounts, EC2 and CodeBuild as designed', () => {
    const cfg = readStackConfig(env).values;
    const oidc = cfg['mono-repo:eksOidcProviderArn'] as string;
    const issuer = oidc.split('oidc-provider/')[1];
    const pods: Record<string, string> = { 'risk-api': 'risk:risk-api', 'dash-analytics': 'analytics:dash-analytics', airflow: 'airflow:airflow' };
    for (const [id, sa] of Object.entries(pods)) {
      const s = doc(byName(run(), 'aws:iam/role:Role', `service-roles-${id}`).inputs.assumeRolePolicy).Statement[0];
      expect(s?.Principal).toEqual({ Federated: oidc });
      expect(s?.Action).toBe('sts:AssumeRoleWithWebIdentity');
      expect(s?.Condition?.StringEquals).toEqual({ [`${issuer}:sub`]: `system:serviceaccount:${sa}`, [`${issuer}:aud`]: 'sts.amazonaws.com' });
    }
    const ops = byName(run(), 'aws:iam/role:Role', 'service-roles-ops-runner');
    expect(doc(ops.inputs.assumeRolePolicy).Statement[0]?.Principal).toEqual({ Service: 'ec2.amazonaws.com' });
    expect(byName(run(), 'aws:iam/instanceProfile:InstanceProfile', 'service-roles-ops-runner-profile').inputs.role).toBe(ops.inputs.name);
  });

  it('protects prod data and nothing is protected outside prod', () => {
    const dataTypes = ['aws:secretsmanager/secret:Secret', 'aws:secretsmanager/secretVersion:SecretVersion', 'aws:ssm/parameter:Parameter'];
    for (const r of run().resources.filter((x) => dataTypes.includes(x.type))) expect(r.protect, r.name).toBe(env === 'prod');
  });
});

describe('every stack', () => {
  const all = () => [shared, ...ENVS.map((e) => envRuns[e])];

  /** Whether the @pulumi/aws resource's Args interface has a `tags` input, read from its type declarations. */
  const taggable = new Map<string, boolean>();
  function isTaggable(type: string): boolean {
    const cached = taggable.get(type);
    if (cached !== undefined) return cached;
    const m = /^aws:([a-zA-Z0-9]+)\/([a-zA-Z0-9]+):([A-Za-z0-9]+)$/.exec(type);
    if (m === null) return false;
    const file = join(REPO, 'node_modules', '@pulumi', 'aws', m[1] as string, `${m[2]}.d.ts`);
    if (!existsSync(file)) throw new Error(`no type declarations for ${type} at ${file}`);
    const text = readFileSync(file, 'utf8');
    const start = text.indexOf(`export interface ${m[3]}Args {`);
    const body = text.slice(start, text.indexOf('\n}', start));
    const result = start >= 0 && /\n {4}tags\?:/.test(body);
    taggable.set(type, result);
    return result;
  }

  it('tags every taggable resource with Environment, Service, Category and ManagedBy', () => {
    let checked = 0;
    for (const run of all()) {
      for (const r of run.resources.filter((x) => x.custom && isTaggable(x.type))) {
        const t = r.inputs.tags as Record<string, string> | undefined;
        expect(t, `${run.stack} ${r.type} ${r.name}`).toBeDefined();
        expect(t?.Environment, `${run.stack} ${r.name}`).toBe(run.stack);
        expect(t?.ManagedBy).toBe('pulumi');
        expect(t?.Service).toMatch(/^[a-z][a-z0-9-]+$/);
        expect(t?.Category).toMatch(/^[a-z][a-z0-9-]+$/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(isTaggable('aws:kms/alias:Alias')).toBe(false);
    expect(isTaggable('aws:kms/key:Key')).toBe(true);
  });

  it('builds from components: every resource but providers and references has a mono-repo component parent', () => {
    const components = new Set<string>();
    for (const run of all()) {
      const types = new Map(run.resources.map((r) => [r.urn, r.type]));
      for (const r of run.resources) {
        if (r.type.startsWith('mono-repo:')) {
          components.add(r.type);
          expect(types.get(r.parent)).toBe('pulumi:pulumi:Stack');
          continue;
        }
        if (r.type === 'pulumi:pulumi:Stack' || r.type.startsWith('pulumi:providers:') || r.type === 'pulumi:pulumi:StackReference') continue;
        expect(types.get(r.parent), `${run.stack} ${r.type} ${r.name}`).toMatch(/^mono-repo:[a-z]+:[A-Z][A-Za-z]+$/);
        const parentName = run.resources.find((p) => p.urn === r.parent)?.name ?? '';
        expect(r.name.startsWith(`${parentName}-`), `${r.name} is named after ${parentName}`).toBe(true);
      }
    }
    expect([...components].sort()).toEqual([
      'mono-repo:audit:Alerts',
      'mono-repo:audit:AuditTrail',
      'mono-repo:iam:AccessPolicies',
      'mono-repo:iam:ServiceRoles',
      'mono-repo:kms:EncryptionKeys',
      'mono-repo:parameters:ParameterCatalogue',
      'mono-repo:rotation:RotationFunction',
      'mono-repo:secrets:SecretsCatalogue',
    ]);
  });

  it('counts 15 secrets, 39 parameters and 3 keys in all', () => {
    const count = (type: string) => all().reduce((n, run) => n + ofType(run, type).length, 0);
    expect(count('aws:secretsmanager/secret:Secret')).toBe(15);
    expect(count('aws:ssm/parameter:Parameter')).toBe(39);
    expect(count('aws:kms/key:Key')).toBe(3);
  });

  it('never puts a secret value into a stack output', () => {
    for (const run of all()) expect(JSON.stringify(run.rawOutputs)).not.toContain('4dabf18193072939515e22adb298388d');
    for (const run of all()) expect(JSON.stringify(run.outputs)).not.toMatch(/mock-random-password|placeholder-from-secure-config/);
  });
});

describe('the rotation bundle', () => {
  it('is one CommonJS file that loads and exports handler', () => {
    const fn = byName(envRuns.dev, 'aws:lambda/function:Function', 'rotation-function');
    const text = fn.inputs.code?.assets?.['index.js']?.text as string;
    expect(typeof text).toBe('string');
    // The one bundling path: infra/rotation/bundle.ts, with its runtime.
    expect(text).toBe(bundleRotationHandlerSync());
    expect(fn.inputs.runtime).toBe(ROTATION_LAMBDA_RUNTIME);
    const dir = mkdtempSync(join(tmpdir(), 'rotation-bundle-'));
    try {
      writeFileSync(join(dir, 'index.js'), text);
      const mod = createRequire(join(dir, 'index.js'))(join(dir, 'index.js')) as { handler?: unknown };
      expect(typeof mod.handler).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a generic program reader', () => {
  it('can run an environment under mocks that only echo inputs', async () => {
    for (const env of ['prod'] as const) {
      const run = await runStack(env, program, { [SHARED_REF]: shared.outputs }, {}, 'echo');
      expect(ofType(run, 'aws:secretsmanager/secret:Secret')).toHaveLength(Object.keys(SECRETS[env]).length);
    }
  });
});

describe('configuration errors', () => {
  it('refuses a rotation interval outside 30-90 days, naming the key', async () => {
    const bad = JSON.stringify({ database: 7, application: 60, service: 90 });
    const err = await startupError('dev', program, { 'mono-repo:rotationDays': bad });
    expect(err?.message).toMatch(/mono-repo:rotationDays\.database: expected an integer from 30 to 90/);
  });

  it('refuses a plain value for a SecureString parameter', async () => {
    const cfg = JSON.parse(readStackConfig('dev').values['mono-repo:parameters'] as string) as Record<string, unknown>;
    const bad = JSON.stringify({ ...cfg, 'database/password': 'hunter2hunter2' });
    const err = await startupError('dev', program, { 'mono-repo:parameters': bad });
    expect(err?.message).toMatch(/database\/password: SecureString values never live in plain config/);
    expect(err?.message).not.toContain('hunter2');
  });
});
