/**
 * IAM access control (diagrams/compliance/rules/iam.ts): SEC-011 key policies scope decrypt, SEC-020
 * no read of every parameter or secret, SEC-021 no read across environments, SEC-022 the audit role
 * reads no secret value, SEC-023 the rotation role touches only its secrets, SEC-024 secret policies
 * share only inside the account, SEC-025 key policies name their principals, SEC-026 no kms:Decrypt
 * on every key, SEC-027 no full administrator. Expected details follow AWS's evaluation: identity
 * policies (inline, attached, AWS-managed, through groups) intersected with permissions boundaries.
 */

import { describe, expect, it } from 'vitest';
import { ACCOUNT, allow, deny, EstateFixture, OTHER_ACCOUNT, UNKNOWN_VALUE, type FixtureStack, type Statement } from '../../fixtures/estates.ts';
import { expectNotApplicable, expectSubjects, finding } from '../helpers.ts';

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const SM_READ_WRITE = 'arn:aws:iam::aws:policy/SecretsManagerReadWrite';
const READ_ONLY = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const POWER_USER = 'arn:aws:iam::aws:policy/PowerUserAccess';
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const OTHER_ROOT = `arn:aws:iam::${OTHER_ACCOUNT}:root`;
const keyAdmin: Statement = { Sid: 'Admins', Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'kms:*', Resource: '*' };
const via = (service: string): Statement => ({ Condition: { StringEquals: { 'kms:ViaService': `${service}.eu-west-1.amazonaws.com` } } });

describe('SEC-011 key policies scope decrypt to a service', () => {
  it('is met for the default policy, the account root, and decrypts scoped by kms:ViaService or an encryption context', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.key('default-key');
    s.key('scoped-key', {
      policy: [
        keyAdmin,
        { Effect: 'Allow', Principal: { AWS: s.roleArn('api') }, Action: 'kms:Decrypt', Resource: '*', ...via('secretsmanager') },
        { Effect: 'Allow', Principal: { AWS: s.roleArn('worker') }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': s.paramArn('/app/x') } } },
      ],
    });
    s.key('account-id-key', { policy: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'kms:*', Resource: '*' }] });
    expectSubjects(finding(f, 'shared', 'SEC-011'), {
      met: [
        'alias/account-id-key: decrypt scoped by kms:ViaService / encryption context, or only for full administrators',
        "alias/default-key: no key policy in the estate: the default delegates to the account's IAM policies; no loaded principal but a full administrator decrypts directly",
        'alias/scoped-key: decrypt scoped by kms:ViaService / encryption context, or only for full administrators',
      ],
    });
  });

  it('names the principals that decrypt without a scope: a role, `*`, another account\'s root, a negated ViaService', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.key('open-key', {
      policy: [
        keyAdmin,
        { Effect: 'Allow', Principal: { AWS: s.roleArn('api') }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*' },
        { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT } } },
      ],
    });
    s.key('shared-out-key', { policy: [keyAdmin, { Effect: 'Allow', Principal: { AWS: OTHER_ROOT }, Action: 'kms:Decrypt', Resource: '*' }] });
    s.key('negated-key', { policy: [keyAdmin, { Effect: 'Allow', Principal: { AWS: s.roleArn('api') }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEquals: { 'kms:ViaService': 'ssm.eu-west-1.amazonaws.com' } } }] });
    s.key('unknown-key', { policy: UNKNOWN_VALUE });
    expectSubjects(finding(f, 'shared', 'SEC-011'), {
      notMet: [
        'alias/negated-key: decrypt without ViaService or encryption context for api',
        'alias/open-key: decrypt without ViaService or encryption context for *, api',
        `alias/shared-out-key: decrypt without ViaService or encryption context for ${OTHER_ROOT}`,
        'alias/unknown-key: key policy could not be read completely',
      ],
    });
  });

  it('judges the shared keys an environment uses, marked with their stack, and the aws-native key policy', () => {
    const f = new EstateFixture();
    const k = f.stack('shared').key('data-key', { policy: [keyAdmin, { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*' }] });
    const dev = f.stack('dev');
    dev.secret('app/dev/db', { key: k });
    dev.nativeKey('native-key', { policy: [keyAdmin, { Effect: 'Allow', Principal: { AWS: dev.roleArn('api') }, Action: 'kms:Decrypt', Resource: '*' }] });
    expectSubjects(finding(f, 'dev', 'SEC-011'), {
      // Subjects are sorted by stack, then name: the dev key first.
      notMet: ['native-key: decrypt without ViaService or encryption context for api', 'alias/data-key: decrypt without ViaService or encryption context for * (stack shared)'],
    });
  });

  it('is not applicable without keys in use', () => {
    const f = new EstateFixture();
    f.stack('dev').secret('app/dev/db');
    expectNotApplicable(finding(f, 'dev', 'SEC-011'));
  });
});

describe('SEC-020 no read of every parameter or secret', () => {
  it('judges customer-managed and inline policies: scoped reads are met, `*`, service-wide patterns and NotResource are not', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const r = s.role('api-dev');
    s.policy('scoped', [allow(['ssm:GetParameter', 'ssm:GetParametersByPath'], s.paramArn('/app/dev/*')), allow('secretsmanager:GetSecretValue', s.secretArn('app/dev/db'))], { roles: [r] });
    s.policy('all-secrets', [allow('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:*:${ACCOUNT}:secret:*`)], { roles: [r] });
    s.policy('all-parameters', [allow('ssm:GetParametersByPath', 'arn:aws:ssm:*:*:parameter/*')], { roles: [r] });
    s.policy('not-resource', [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', NotResource: s.secretArn('app/prod/*', '*') }], { roles: [r] });
    s.inlinePolicy('role', r, 'inline-star', [allow('ssm:GetParameter', '*')]);
    s.policy('describe-only', [allow('secretsmanager:DescribeSecret', '*')], { roles: [r] });
    expectSubjects(finding(f, 'dev', 'SEC-020'), {
      notMet: [
        `all-parameters: grants ssm:GetParametersByPath on arn:aws:ssm:*:*:parameter/* (all parameters)`,
        `all-secrets: grants secretsmanager:GetSecretValue on arn:aws:secretsmanager:*:${ACCOUNT}:secret:* (all secrets)`,
        'inline-star: grants ssm:GetParameter on * (all parameters)',
        `not-resource: grants secretsmanager:GetSecretValue on NotResource ${s.secretArn('app/prod/*', '*')} (all secrets)`,
      ],
      met: ['scoped: reads scoped to named paths or secrets'],
    });
  });

  it('is not met for an attached policy that could not be read, and ignores it while unattached', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.policy('later', UNKNOWN_VALUE, { roles: [s.role('api-dev')] });
    s.policy('loose', UNKNOWN_VALUE);
    expectSubjects(finding(f, 'dev', 'SEC-020'), { notMet: ['later: policy document could not be read completely'] });
  });

  it('names the AWS-managed policies that read everything, on roles, users and groups (and the group\'s members)', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.role('admin-role', { managed: [ADMIN] });
    s.role('viewer', { managed: [READ_ONLY] });
    s.attach(s.user('alice'), 'user', SM_READ_WRITE);
    const ops = s.group('ops');
    s.membership(ops, [s.user('bob')]);
    s.attach(ops, 'group', ADMIN);
    const both = 'secretsmanager:GetSecretValue on * (all secrets), ssm:GetParameter ... on * (all parameters)';
    expectSubjects(finding(f, 'dev', 'SEC-020'), {
      notMet: [
        `admin-role: AWS-managed AdministratorAccess grants ${both}`,
        'alice: AWS-managed SecretsManagerReadWrite grants secretsmanager:GetSecretValue on * (all secrets)',
        `bob: AWS-managed AdministratorAccess (through group ops) grants ${both}`,
        `ops: AWS-managed AdministratorAccess grants ${both}`,
        'viewer: AWS-managed ReadOnlyAccess grants ssm:GetParameter ... on * (all parameters)',
      ],
    });
  });

  it('keeps only what a permissions boundary lets through', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const narrow = s.policy('narrow-boundary', [allow('ssm:GetParameter', s.paramArn('/app/dev/*'))]);
    const secretsOnly = s.policy('secrets-boundary', [allow('secretsmanager:*', '*')]);
    s.role('bounded-admin', { managed: [ADMIN], boundary: narrow.arn });
    s.role('secrets-admin', { managed: [ADMIN], boundary: secretsOnly.arn });
    s.attach(s.user('carol', { boundary: narrow.arn }), 'user', SM_READ_WRITE);
    s.role('managed-boundary', { managed: [ADMIN], boundary: 'arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess' });
    s.role('unknown-boundary', { managed: [SM_READ_WRITE], boundary: `arn:aws:iam::${ACCOUNT}:policy/defined-elsewhere` });
    expectSubjects(finding(f, 'dev', 'SEC-020'), {
      notMet: [
        'managed-boundary: AWS-managed AdministratorAccess grants ssm:GetParameter ... on * (all parameters)',
        'secrets-admin: AWS-managed AdministratorAccess grants secretsmanager:GetSecretValue on * (all secrets)',
        'unknown-boundary: AWS-managed SecretsManagerReadWrite grants secretsmanager:GetSecretValue on * (all secrets)',
      ],
    });
    // A policy used only as a boundary grants nothing: it is not judged as a grant.
  });

  it('notes the principals whose attached policies are not known', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.role('mystery', { managed: ['arn:aws:iam::aws:policy/NoSuchManagedPolicy'] });
    s.attach(s.role('elsewhere'), 'role', `arn:aws:iam::${ACCOUNT}:policy/from-another-stack`);
    const fd = finding(f, 'dev', 'SEC-020');
    expectNotApplicable(fd);
    expect(fd.note).toBe(
      `what AWS-managed NoSuchManagedPolicy (not in the snapshot), arn:aws:iam::${ACCOUNT}:policy/from-another-stack (not in the loaded stacks) grant is not known: elsewhere, mystery may read more than is judged here`,
    );
  });

  it('reads aws-native roles (managed ARNs and inline policies)', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.nativeRole('native', { managed: [SM_READ_WRITE], inline: { reads: [allow('ssm:GetParameters', '*')] } });
    expectSubjects(finding(f, 'dev', 'SEC-020'), {
      notMet: ['native: AWS-managed SecretsManagerReadWrite grants secretsmanager:GetSecretValue on * (all secrets)', 'reads: grants ssm:GetParameters on * (all parameters)'],
    });
  });

  it('is not applicable where nothing reads parameters or secrets', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.policy('logs', [allow('logs:PutLogEvents', '*')], { roles: [s.role('api-dev')] });
    expectNotApplicable(finding(f, 'dev', 'SEC-020'));
  });
});

/** dev and prod stacks of one account, each with a String parameter, and a shared key for their secrets. */
function twoEnvironments() {
  const f = new EstateFixture();
  const key = f.stack('shared').key('data-key');
  const prod = f.stack('prod');
  prod.parameter('/app/prod/db/host');
  prod.secret('app/prod/db', { key });
  const dev = f.stack('dev');
  dev.parameter('/app/dev/db/host');
  dev.secret('app/dev/db', { key });
  return { f, key, prod, dev };
}

describe('SEC-021 no read across environments', () => {
  it('is met for a principal that reads only its own environment', () => {
    const { f, key, dev } = twoEnvironments();
    const r = dev.role('web-dev');
    dev.policy('web-dev-read', [allow('ssm:GetParameter', dev.paramArn('/app/dev/*')), allow('secretsmanager:GetSecretValue', dev.secretArn('app/dev/*', '*')), allow('kms:Decrypt', key.arn)], { roles: [r] });
    expectSubjects(finding(f, 'dev', 'SEC-021'), { met: ['web-dev: dev role reads only dev parameters and secrets'] });
  });

  it('names what a dev role, user (through its group) or admin reads of prod, and a pattern spanning the environment segment', () => {
    const { f, key, dev, prod } = twoEnvironments();
    const api = dev.role('api-dev');
    dev.policy('api-dev-read', [allow('ssm:GetParameter', dev.paramArn('/app/*/db/*'))], { roles: [api] });
    const devs = dev.group('devs');
    dev.membership(devs, [dev.user('dev-person')]);
    dev.policy('devs-read', [allow('secretsmanager:GetSecretValue', prod.secretArn('app/prod/db')), allow('kms:Decrypt', key.arn)], { groups: [devs] });
    dev.role('dev-admin', { managed: [ADMIN] });
    expectSubjects(finding(f, 'dev', 'SEC-021'), {
      notMet: [
        `api-dev: dev role: can read /app/prod/db/host (prod); its policy pattern ${dev.paramArn('/app/*/db/*')} spans the environment segment`,
        'dev-admin: dev role: can read /app/prod/db/host (prod), app/prod/db (prod)',
        'dev-person: dev user: can read app/prod/db (prod)',
      ],
    });
  });

  it('says when a read holds only under a condition decided at request time', () => {
    const { f, key, dev, prod } = twoEnvironments();
    const r = dev.role('office-dev');
    const fromOffice = { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } };
    dev.policy('office-read', [allow('secretsmanager:GetSecretValue', prod.secretArn('app/prod/db'), fromOffice), allow('kms:Decrypt', key.arn)], { roles: [r] });
    expectSubjects(finding(f, 'dev', 'SEC-021'), { notMet: ['office-dev: dev role: can read app/prod/db (prod, conditional)'] });
  });

  it('takes a principal\'s environment from its Environment tag, and skips principals of no environment', () => {
    const { f, dev } = twoEnvironments();
    // The stack's environment is its resources' most common Environment tag: dev, here.
    dev.parameter('/app/dev/a', { tags: { Environment: 'dev' } });
    dev.parameter('/app/dev/b', { tags: { Environment: 'dev' } });
    const tagged = dev.role('prod-tagged', { tags: { Environment: 'prod' } });
    dev.policy('prod-tagged-read', [allow('ssm:GetParameter', dev.paramArn('/app/dev/db/host'))], { roles: [tagged] });
    const sharedRole = f.stack('shared').role('platform');
    f.stack('shared').policy('platform-read', [allow('ssm:GetParameter', '*')], { roles: [sharedRole] });
    const e = f.estate();
    expectSubjects(finding(e, 'dev', 'SEC-021'), { notMet: ['prod-tagged: prod role: can read /app/dev/db/host (dev)'] });
    expectNotApplicable(finding(e, 'shared', 'SEC-021'));
  });

  it('is not applicable where no environment principal reads anything', () => {
    const { f, dev } = twoEnvironments();
    dev.policy('logs', [allow('logs:*', '*')], { roles: [dev.role('api-dev')] });
    expectNotApplicable(finding(f, 'dev', 'SEC-021'));
  });
});

describe('SEC-022 on roles another account may assume, whatever else trusts them', () => {
  it('a Lambda role also trusted by another account, a trust to any principal, one to any principal of an organization', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/db');
    const assume = (principal: unknown, extra: Statement = {}): Statement => ({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra });
    const both = s.role('both', { trust: [assume({ Service: 'lambda.amazonaws.com' }), assume({ AWS: OTHER_ROOT })] });
    const anyone = s.role('anyone', { trust: [assume({ AWS: '*' })] });
    const org = s.role('org', { trust: [assume('*', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } })] });
    s.policy('read', [allow('secretsmanager:GetSecretValue', '*')], { roles: [both, anyone, org] });
    expectSubjects(finding(f, 'prod', 'SEC-022'), {
      notMet: ['anyone: can read secret values: app/prod/db; trust has no sts:ExternalId', 'both: can read secret values: app/prod/db; trust has no sts:ExternalId', 'org: can read secret values: app/prod/db; trust has no sts:ExternalId'],
    });
    expect(f.estate().roles.find((r) => r.name === 'both')!.trust.kind).toBe('lambda');
  });

  it('a trust to any principal limited to this account (aws:PrincipalAccount, aws:PrincipalArn) is not cross-account', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/db');
    const own = s.role('own', { trust: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }] });
    const admin = s.role('from-admin', { trust: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Condition: { ArnEquals: { 'aws:PrincipalArn': s.roleArn('admin') } } }] });
    s.policy('read', [allow('secretsmanager:GetSecretValue', '*')], { roles: [own, admin] });
    expectNotApplicable(finding(f, 'prod', 'SEC-022'));
  });
});

describe('SEC-022 audit role reads no secret value', () => {
  it('is met for a cross-account role that describes and lists, with an external id', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/db');
    s.policy('audit-read', [allow(['secretsmanager:DescribeSecret', 'secretsmanager:ListSecrets', 'ssm:DescribeParameters'], '*')], { roles: [s.role('audit', { trust: { account: OTHER_ACCOUNT, externalId: true } })] });
    expectSubjects(finding(f, 'prod', 'SEC-022'), { met: ['audit: describe and list only; no secret value'] });
  });

  it('names the values a cross-account role reads (secrets, SecureStrings, direct decrypts) and a trust without an external id', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    const k = s.key('data-key');
    s.secret('app/prod/db', { key: k });
    s.parameter('/app/prod/token', { type: 'SecureString', key: k });
    s.parameter('/app/prod/host');
    const reader = s.role('audit-reader', { trust: { account: OTHER_ACCOUNT, externalId: true } });
    s.policy('audit-reader-p', [allow(['secretsmanager:GetSecretValue', 'ssm:GetParameter'], '*'), allow('kms:Decrypt', k.arn)], { roles: [reader] });
    s.role('audit-open', { trust: { account: OTHER_ACCOUNT } });
    expectSubjects(finding(f, 'prod', 'SEC-022'), {
      notMet: ['audit-open: reads no secret value; trust has no sts:ExternalId', 'audit-reader: can read secret values: /app/prod/token, app/prod/db, kms:Decrypt on alias/data-key'],
    });
  });

  it('says which of the values it reads are conditional', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    const k = s.key('data-key');
    s.secret('app/prod/db', { key: k });
    s.secret('app/prod/api', { key: k });
    const reader = s.role('audit', { trust: { account: OTHER_ACCOUNT, externalId: true } });
    s.policy('audit-p', [
      allow('secretsmanager:GetSecretValue', s.secretArn('app/prod/db')),
      allow('secretsmanager:GetSecretValue', s.secretArn('app/prod/api'), { Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } }),
      allow('kms:Decrypt', k.arn, { Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } }),
    ], { roles: [reader] });
    expectSubjects(finding(f, 'prod', 'SEC-022'), { notMet: ['audit: can read secret values: app/prod/api (conditional), app/prod/db'] });
  });

  it('is not applicable without cross-account roles', () => {
    const f = new EstateFixture();
    f.stack('prod').role('api', { managed: [ADMIN] });
    expectNotApplicable(finding(f, 'prod', 'SEC-022'));
  });
});

describe('SEC-023 rotation role touches only its secrets', () => {
  function rotation(resources: (s: FixtureStack) => string[]) {
    const f = new EstateFixture();
    const s = f.stack('prod');
    const role = s.role('rotation-role');
    const fn = s.lambda('rotator', role);
    s.secret('app/prod/rotated', { rotationDays: 30, rotationLambda: fn });
    s.secret('app/prod/other');
    s.policy('rotation-p', [allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:DescribeSecret'], resources(s)), allow('secretsmanager:GetRandomPassword', '*')], { roles: [role] });
    return f;
  }

  it('is met when the role reaches only the secrets its function rotates (GetRandomPassword on * is fine)', () => {
    expectSubjects(finding(rotation((s) => [s.secretArn('app/prod/rotated')]), 'prod', 'SEC-023'), { met: ['rotation-role: reaches only the 1 secret it rotates'] });
  });

  it('names the other secrets it reaches, and a pattern on every secret', () => {
    expectSubjects(finding(rotation((s) => [s.secretArn('app/prod/*', '*')]), 'prod', 'SEC-023'), { notMet: ['rotation-role: reaches secrets it does not rotate: app/prod/other'] });
    expectSubjects(finding(rotation(() => ['*']), 'prod', 'SEC-023'), {
      notMet: ['rotation-role: reaches secrets it does not rotate: app/prod/other, secretsmanager:GetSecretValue on *'],
    });
  });

  it('is not applicable without rotation functions', () => {
    const f = new EstateFixture();
    f.stack('prod').secret('app/prod/db');
    expectNotApplicable(finding(f, 'prod', 'SEC-023'));
  });
});

describe('SEC-024 secret policies share only inside the account', () => {
  const get = (principal: unknown, extra: Statement = {}): Statement => ({ Effect: 'Allow', Principal: principal, Action: 'secretsmanager:GetSecretValue', Resource: '*', ...extra });

  it('is met without a policy, for principals of the account, and for `*` limited to the account or an organisation', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/none');
    s.secret('app/prod/own', { policy: [get({ AWS: s.roleArn('api') }), deny('secretsmanager:*', '*', { Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })] });
    s.secret('app/prod/account', { policy: [get('*', { Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } })] });
    s.secret('app/prod/arn', { policy: [get('*', { Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/app-*` } } })] });
    s.secret('app/prod/org', { policy: [get('*', { Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } })] });
    expectSubjects(finding(f, 'prod', 'SEC-024'), {
      met: [
        'app/prod/account: resource policy allows principals of this account only',
        'app/prod/arn: resource policy allows principals of this account only',
        "app/prod/none: no resource policy: only this account's IAM decides",
        'app/prod/org: resource policy allows principals of this account and of organisation o-abc123 only',
        'app/prod/own: resource policy allows principals of this account only',
      ],
    });
  });

  it('names another account, its role, `*`, `*` limited to another account, and a condition that does not limit', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/role', { policy: [get({ AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader` })] });
    s.secret('app/prod/account-id', { policy: [get({ AWS: OTHER_ACCOUNT })] });
    const open = s.secret('app/prod/open');
    s.secretPolicy(open, [get('*')]);
    s.secret('app/prod/other-account', { policy: [get('*', { Condition: { StringEquals: { 'aws:PrincipalAccount': OTHER_ACCOUNT } } })] });
    s.secret('app/prod/negated', { policy: [get('*', { Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } } })] });
    s.secret('app/prod/if-exists', { policy: [get('*', { Condition: { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } } })] });
    s.secret('app/prod/any-arn', { policy: [get('*', { Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/*' } } })] });
    s.secret('app/prod/unknown', { policy: UNKNOWN_VALUE });
    s.nativeSecret('app/prod/native', { policy: [get({ AWS: OTHER_ROOT })] });
    expectSubjects(finding(f, 'prod', 'SEC-024'), {
      notMet: [
        `app/prod/account-id: resource policy allows ${OTHER_ACCOUNT}`,
        'app/prod/any-arn: resource policy allows * (any AWS principal)',
        'app/prod/if-exists: resource policy allows * (any AWS principal)',
        `app/prod/native: resource policy allows ${OTHER_ROOT}`,
        'app/prod/negated: resource policy allows * (any AWS principal)',
        'app/prod/open: resource policy allows * (any AWS principal)',
        `app/prod/other-account: resource policy allows * in account ${OTHER_ACCOUNT}`,
        `app/prod/role: resource policy allows arn:aws:iam::${OTHER_ACCOUNT}:role/reader`,
        'app/prod/unknown: resource policy could not be read completely',
      ],
    });
  });

  it('judges each secret against its own account', () => {
    const f = new EstateFixture();
    const s = f.stack('prod', { account: OTHER_ACCOUNT });
    s.secret('app/prod/db', { policy: [get({ AWS: OTHER_ROOT }), get({ AWS: ROOT })] });
    expectSubjects(finding(f, 'prod', 'SEC-024'), { notMet: [`app/prod/db: resource policy allows ${ROOT}`] });
  });

  it('is not applicable without secrets', () => {
    const f = new EstateFixture();
    f.stack('prod').key('k');
    expectNotApplicable(finding(f, 'prod', 'SEC-024'));
  });
});

describe('SEC-025 key policies name who may use the key', () => {
  it('is met for the default policy, named principals, and `*` limited to the account or an organisation', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.key('default-key');
    s.key('named-key', { policy: [keyAdmin, { Effect: 'Allow', Principal: { AWS: s.roleArn('api') }, Action: 'kms:Decrypt', Resource: '*' }] });
    s.key('caller-key', { policy: [keyAdmin, { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': ACCOUNT, 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } }] });
    s.key('org-key', { policy: [keyAdmin, { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } }] });
    expectSubjects(finding(f, 'shared', 'SEC-025'), {
      met: [
        'alias/caller-key: key policy names its principals or limits them to the account',
        'alias/default-key: default key policy: the account root only',
        'alias/named-key: key policy names its principals or limits them to the account',
        'alias/org-key: key policy names its principals or limits them to the account and organisation o-abc123',
      ],
    });
  });

  it('names `*` without a limiting condition and other accounts, with the statements\' Sids', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    s.key('open-key', {
      policy: [
        keyAdmin,
        { Sid: 'Anyone', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', ...via('ssm') },
        { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: OTHER_ROOT }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    s.key('nosid-key', { policy: [keyAdmin, { Effect: 'Allow', Principal: '*', Action: 'kms:*', Resource: '*' }] });
    s.key('unknown-key', { policy: UNKNOWN_VALUE });
    expectSubjects(finding(f, 'shared', 'SEC-025'), {
      notMet: [
        'alias/nosid-key: key policy allows * (any AWS principal)',
        `alias/open-key: key policy allows * (any AWS principal), ${OTHER_ROOT} (Anyone, Partner)`,
        'alias/unknown-key: key policy could not be read completely',
      ],
    });
  });

  it('is not applicable without keys in use', () => {
    const f = new EstateFixture();
    f.stack('dev').parameter('/app/dev/token', { type: 'SecureString' });
    expectNotApplicable(finding(f, 'dev', 'SEC-025'));
  });
});

describe('SEC-011 and SEC-025 on what the key policy delegates and what grants give', () => {
  it('SEC-011: a role whose IAM policy allows kms:Decrypt under the root delegation, and an unconstrained grant, decrypt directly: not met', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const k = s.key('app-key', { policy: [keyAdmin] });
    const d = s.key('default-key');
    const iamRole = s.role('iam-decrypter');
    s.policy('dec', [allow('kms:Decrypt', [k.arn, d.arn])], { roles: [iamRole] });
    const granted = s.role('granted');
    s.grant(k, 'g', granted.arn, ['Decrypt']);
    const scoped = s.role('scoped');
    s.policy('sc', [allow('kms:Decrypt', [k.arn], { Condition: { StringEquals: { 'kms:EncryptionContext:PARAMETER_ARN': s.paramArn('/app/x') } } })], { roles: [scoped] });
    s.role('admin', { managed: [ADMIN] });
    expectSubjects(finding(f, 'shared', 'SEC-011'), {
      notMet: [
        "alias/default-key: no key policy in the estate: the default delegates to the account's IAM policies; decrypt without ViaService or encryption context for iam-decrypter",
        'alias/app-key: decrypt without ViaService or encryption context for granted, iam-decrypter',
      ].sort(),
    });
  });

  it('SEC-025: a grant to another account is named; a foreign account is never taken for this one when the resource account is not known', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const k = s.key('granted-key', { policy: [keyAdmin] });
    s.grant(k, 'partner', `arn:aws:iam::${OTHER_ACCOUNT}:role/reader`, ['Decrypt']);
    s.grant(k, 'own', s.roleArn('api'), ['Decrypt']);
    expectSubjects(finding(f, 'shared', 'SEC-025'), { notMet: [`alias/granted-key: grant partner to arn:aws:iam::${OTHER_ACCOUNT}:role/reader`] });
    const g = new EstateFixture();
    const t = g.stack('shared', { account: UNKNOWN_VALUE });
    t.key('foreign-key', { policy: [{ Effect: 'Allow', Principal: { AWS: OTHER_ROOT }, Action: 'kms:*', Resource: '*' }] });
    expectSubjects(finding(g, 'shared', 'SEC-025'), { notMet: [`alias/foreign-key: key policy allows ${OTHER_ROOT} (the resource's account is not known)`] });
  });

  it('SEC-024: a service principal without aws:SourceAccount acts for any account; with it, for this one', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/svc', { policy: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    s.secret('app/prod/svc-own', { policy: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }] });
    expectSubjects(finding(f, 'prod', 'SEC-024'), {
      notMet: ['app/prod/svc: resource policy allows service lambda.amazonaws.com (for any account: no aws:SourceAccount or aws:SourceArn)'],
      met: ['app/prod/svc-own: resource policy allows principals of this account only'],
    });
    const g = new EstateFixture();
    const t = g.stack('prod');
    const svc = (Condition: Record<string, unknown>) => [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition }];
    t.secret('app/prod/by-arn', { policy: svc({ ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::my-bucket' } }) });
    t.secret('app/prod/by-org', { policy: svc({ StringEquals: { 'aws:SourceOrgID': 'o-abc123' } }) });
    expect(finding(g, 'prod', 'SEC-024').status).toBe('met');
  });

  it('SEC-011: a grant limited to an encryption context is scoped', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const k = s.key('app-key', { policy: [keyAdmin] });
    s.grant(k, 'g1', s.roleArn('worker'), ['Decrypt'], [{ encryptionContextSubset: { app: 'x' } }]);
    s.role('worker');
    expectSubjects(finding(f, 'shared', 'SEC-011'), { met: ['alias/app-key: decrypt scoped by kms:ViaService / encryption context, or only for full administrators'] });
  });

  it("SEC-011 and SEC-025 judge a replica key's own key policy (a replica's policy need not be its primary's)", () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const k = s.key('mr-key', { multiRegion: true, policy: [keyAdmin] });
    const open = JSON.stringify({ Version: '2012-10-17', Statement: [keyAdmin, { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*' }] });
    s.add('aws:kms/replicaKey:ReplicaKey', 'mr-key-us', { primaryKeyArn: k.arn, policy: open }, { id: `${k.id}-us`, arn: k.arn.replace('eu-west-1', 'us-east-1'), provider: s.awsProvider('us', 'us-east-1') });
    expectSubjects(finding(f, 'shared', 'SEC-011'), { notMet: ['alias/mr-key: decrypt without ViaService or encryption context for * (replica in us-east-1)'] });
    expectSubjects(finding(f, 'shared', 'SEC-025'), { notMet: ['alias/mr-key: replica in us-east-1 allows * (any AWS principal)'] });
  });

  it("SEC-024: ForAllValues on a single-valued key holds when the key is absent: it limits no caller", () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.secret('app/prod/fav', { policy: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { 'ForAllValues:StringEquals': { 'aws:PrincipalOrgID': 'o-abc123' } } }] });
    s.secret('app/prod/any', { policy: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:PrincipalOrgID': 'o-abc123' } } }] });
    expectSubjects(finding(f, 'prod', 'SEC-024'), {
      notMet: ['app/prod/fav: resource policy allows * (any AWS principal)'],
      met: ['app/prod/any: resource policy allows principals of this account and of organisation o-abc123 only'],
    });
  });
});

describe('SEC-026 no kms:Decrypt on every key', () => {
  it('judges customer policies: named keys or a ViaService condition are met, `*` and key/* are not', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const k = s.key('data-key');
    s.policy('named', [allow('kms:Decrypt', k.arn)]);
    s.policy('via-service', [allow('kms:Decrypt', '*', via('secretsmanager'))]);
    s.policy('everything', [allow('kms:Decrypt', '*')]);
    s.policy('every-key', [allow(['kms:Decrypt', 'kms:Encrypt'], `arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`)]);
    s.policy('no-decrypt', [allow('kms:DescribeKey', '*')]);
    expectSubjects(finding(f, 'dev', 'SEC-026'), {
      notMet: [`every-key: grants kms:Decrypt on arn:aws:kms:eu-west-1:${ACCOUNT}:key/*`, 'everything: grants kms:Decrypt on *'],
      met: ['named: kms:Decrypt scoped to named keys or by condition', 'via-service: kms:Decrypt scoped to named keys or by condition'],
    });
  });

  it('names AWS-managed policies that decrypt with every key, unless a boundary leaves no such decrypt', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.attach(s.user('alice'), 'user', ADMIN);
    s.role('bounded', { managed: [ADMIN], boundary: s.policy('ssm-boundary', [allow('ssm:GetParameter', '*')]).arn });
    s.role('secrets-rw', { managed: [SM_READ_WRITE] });
    expectSubjects(finding(f, 'dev', 'SEC-026'), { notMet: ['alice: AWS-managed AdministratorAccess grants kms:Decrypt on *'] });
  });

  it('is not applicable where nothing decrypts', () => {
    const f = new EstateFixture();
    f.stack('dev').role('viewer', { managed: [READ_ONLY] });
    expectNotApplicable(finding(f, 'dev', 'SEC-026'));
  });
});

describe('SEC-027 no full administrator in the stack', () => {
  it('names full administrators: AWS-managed or inline `*` on `*`, on roles, users and groups', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.role('admin-role', { managed: [ADMIN] });
    s.role('inline-admin', { inline: { everything: [allow('*', '*')] } });
    const ops = s.group('ops');
    s.membership(ops, [s.user('bob')]);
    s.attach(ops, 'group', ADMIN);
    s.role('power', { managed: [POWER_USER] });
    s.role('viewer', { managed: [READ_ONLY] });
    const narrow = s.policy('narrow', [allow('ssm:GetParameter', '*')]);
    s.role('bounded-admin', { managed: [ADMIN], boundary: narrow.arn });
    const full = 'can read every secret, parameter and key';
    expectSubjects(finding(f, 'prod', 'SEC-027'), {
      notMet: [
        `admin-role: full administrator (AdministratorAccess): ${full}`,
        `bob: full administrator (AdministratorAccess through group ops): ${full}`,
        `inline-admin: full administrator (everything): ${full}`,
        `ops: full administrator (AdministratorAccess): ${full}`,
      ],
      met: ['bounded-admin: not a full administrator', 'power: not a full administrator', 'viewer: not a full administrator'],
    });
  });

  it('does not judge a principal whose policies are not known, and says so', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.role('mystery', { managed: ['arn:aws:iam::aws:policy/NoSuchManagedPolicy'] });
    s.role('mystery-admin', { managed: [ADMIN, 'arn:aws:iam::aws:policy/NoSuchManagedPolicy'] });
    s.role('plain');
    const fd = finding(f, 'prod', 'SEC-027');
    expectSubjects(fd, { notMet: ['mystery-admin: full administrator (AdministratorAccess): can read every secret, parameter and key'], met: ['plain: not a full administrator'] });
    expect(fd.note).toBe('what AWS-managed NoSuchManagedPolicy (not in the snapshot) grants is not known: mystery not judged');
  });

  it('is not applicable without principals', () => {
    const f = new EstateFixture();
    f.stack('prod').secret('app/prod/db');
    expectNotApplicable(finding(f, 'prod', 'SEC-027'));
  });
});
