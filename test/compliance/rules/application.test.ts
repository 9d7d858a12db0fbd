/**
 * Application security (diagrams/compliance/rules/application.ts): SEC-030 service roles
 * least-privilege, SEC-031 build roles read no secrets, SEC-032 rotation functions can rotate
 * their secrets. Expected details follow from the policies written in each case.
 */

import { describe, expect, it } from 'vitest';
import { allow, deny, EstateFixture, type FixtureStack, type Ref } from '../../fixtures/estates.ts';
import { expectNotApplicable, expectSubjects, finding } from '../helpers.ts';

const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ_ONLY_OK = 'no write, delete or service-wide action on parameters, secrets or keys';

describe('SEC-030 service roles least-privilege', () => {
  it('is met for a role that only reads named parameters, secrets and keys', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const k = s.key('data-key');
    s.parameter('/app/dev/db/host');
    s.secret('app/dev/db', { key: k });
    s.policy('api-read', [allow(['ssm:GetParameter', 'ssm:GetParametersByPath'], s.paramArn('/app/dev/*')), allow('secretsmanager:GetSecretValue', s.secretArn('app/dev/db')), allow('kms:Decrypt', k.arn)], { roles: [s.role('api-dev')] });
    expectSubjects(finding(f, 'dev', 'SEC-030'), { met: [`api-dev: ${READ_ONLY_OK}`] });
  });

  it('names writes, deletes, key administration and service-wide wildcards, AWS-managed ones included', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.parameter('/app/dev/db/host');
    s.policy('writer-p', [allow(['ssm:GetParameter', 'ssm:PutParameter'], s.paramArn('/app/dev/*'))], { roles: [s.role('writer')] });
    s.policy('deleter-p', [allow('secretsmanager:DeleteSecret', s.secretArn('app/dev/*', '*'))], { roles: [s.role('deleter')] });
    s.policy('key-admin-p', [allow('kms:ScheduleKeyDeletion', '*')], { roles: [s.role('key-admin')] });
    s.inlinePolicy('role', s.role('ssm-star'), 'ssm-star-p', [allow('ssm:*', s.paramArn('/app/dev/*'))]);
    s.role('admin', { managed: [ADMIN] });
    expectSubjects(finding(f, 'dev', 'SEC-030'), {
      notMet: [
        'admin: more than reading: action * (AWS-managed AdministratorAccess)',
        'deleter: more than reading: secretsmanager:DeleteSecret',
        'key-admin: more than reading: kms:ScheduleKeyDeletion',
        'ssm-star: more than reading: action ssm:*',
        'writer: more than reading: ssm:PutParameter',
      ],
    });
  });

  it('names the secrets a service role can write', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/db');
    s.policy('stager-p', [allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'], s.secretArn('app/dev/db'))], { roles: [s.role('stager')] });
    expectSubjects(finding(f, 'dev', 'SEC-030'), { notMet: ['stager: more than reading: secretsmanager:PutSecretValue, writes app/dev/db'] });
  });

  it('judges the effective permissions under a permissions boundary', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const readOnly = s.policy('read-boundary', [allow(['ssm:GetParameter', 'secretsmanager:GetSecretValue'], '*')]);
    const putOnly = s.policy('put-boundary', [allow(['ssm:GetParameter', 'ssm:PutParameter'], '*')]);
    const secretsWhole = s.policy('secrets-boundary', [allow('secretsmanager:*', '*')]);
    s.role('bounded-admin', { managed: [ADMIN], boundary: readOnly.arn });
    s.role('put-bounded', { inline: { everything: [allow('ssm:*', '*')] }, boundary: putOnly.arn });
    s.role('secrets-bounded', { managed: [ADMIN], boundary: secretsWhole.arn });
    const e = f.estate();
    expectSubjects(finding(e, 'dev', 'SEC-030'), {
      notMet: [
        'put-bounded: more than reading: ssm:PutParameter',
        'secrets-bounded: more than reading: action * (AWS-managed AdministratorAccess)',
      ],
      met: [`bounded-admin: ${READ_ONLY_OK}`],
    });
  });

  it('leaves rotation roles to SEC-023 and roles that touch no store out', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const rot = s.role('rotation-role');
    s.secret('app/dev/db', { rotationDays: 30, rotationLambda: s.lambda('rotator', rot) });
    s.policy('rotation-p', [allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], s.secretArn('app/dev/db'))], { roles: [rot] });
    s.policy('logs-p', [allow('logs:*', '*')], { roles: [s.role('logger')] });
    expectNotApplicable(finding(f, 'dev', 'SEC-030'));
  });

  it('reads aws-native roles', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.nativeRole('native-writer', { inline: { put: [allow('ssm:PutParameter', s.paramArn('/app/dev/*'))] } });
    expectSubjects(finding(f, 'dev', 'SEC-030'), { notMet: ['native-writer: more than reading: ssm:PutParameter'] });
  });
});

describe('SEC-031 build roles read no secrets', () => {
  it('is met for a build role that reads String parameters only, or is denied secrets', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const k = s.key('data-key');
    s.parameter('/app/dev/features/flag');
    s.parameter('/app/dev/db/password', { type: 'SecureString', key: k });
    s.secret('app/dev/db', { key: k });
    s.policy('build-p', [allow('ssm:GetParameter', s.paramArn('/app/dev/features/*'))], { roles: [s.role('web-build', { trust: 'codebuild' })] });
    s.policy('denied-build-p', [allow(['ssm:GetParameter', 'secretsmanager:GetSecretValue', 'kms:Decrypt'], '*'), deny(['secretsmanager:GetSecretValue', 'kms:Decrypt'], '*')], { roles: [s.role('denied-build', { trust: 'codebuild' })] });
    expectSubjects(finding(f, 'dev', 'SEC-031'), { met: ['denied-build: reads non-secret configuration only', 'web-build: reads non-secret configuration only'] });
  });

  it('names the secrets, SecureStrings and direct decrypts a build role reaches', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const k = s.key('data-key');
    s.parameter('/app/dev/db/password', { type: 'SecureString', key: k });
    s.secret('app/dev/db', { key: k });
    s.policy('build-p', [allow(['ssm:GetParameter', 'secretsmanager:GetSecretValue'], '*'), allow('kms:Decrypt', k.arn)], { roles: [s.role('web-build', { trust: 'codebuild' })] });
    expectSubjects(finding(f, 'dev', 'SEC-031'), { notMet: ['web-build: can read secret values: /app/dev/db/password, app/dev/db, kms:Decrypt on alias/data-key'] });
  });

  it('is not applicable without build roles', () => {
    const f = new EstateFixture();
    f.stack('dev').role('api', { managed: [ADMIN] });
    expectNotApplicable(finding(f, 'dev', 'SEC-031'));
  });
});

/** A rotation function with its role, rotating one secret on a customer key; `grants` are the role's statements. */
function rotationSetup(opts: { grants?: (s: FixtureStack, k: Ref) => Record<string, unknown>[]; invoke?: string | false; roleInEstate?: boolean } = {}) {
  const f = new EstateFixture();
  const s = f.stack('dev');
  const k = s.key('secrets-key');
  const role = opts.roleInEstate === false ? { urn: 'none', arn: s.roleArn('gone'), id: 'gone', name: 'gone' } : s.role('rotation-role');
  const fn = s.lambda('rotator', role);
  if (opts.invoke !== false) s.permission(fn, opts.invoke ?? 'secretsmanager.amazonaws.com');
  const secret = s.secret('app/dev/db', { key: k, rotationDays: 30, rotationLambda: fn });
  const grants = opts.grants?.(s, k) ?? [
    allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:DescribeSecret'], secret.arn),
    allow(['kms:Decrypt', 'kms:GenerateDataKey'], k.arn, { Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } } }),
  ];
  if (opts.roleInEstate !== false) s.policy('rotation-p', grants, { roles: [role] });
  return { f, s };
}

describe('SEC-032 rotation functions can rotate their secrets', () => {
  it('is met when the role can read, write, re-stage and decrypt, and Secrets Manager may invoke the function', () => {
    expectSubjects(finding(rotationSetup().f, 'dev', 'SEC-032'), { met: ['rotator: role can rotate its 1 secret (kms:GenerateDataKey with the customer-managed keys of the secrets is not checked); Secrets Manager may invoke it'] });
  });

  it('names what the role lacks', () => {
    const noPut = rotationSetup({ grants: (s, k) => [allow(['secretsmanager:GetSecretValue', 'secretsmanager:UpdateSecretVersionStage'], s.secretArn('app/dev/db')), allow('kms:Decrypt', k.arn)] });
    expectSubjects(finding(noPut.f, 'dev', 'SEC-032'), { notMet: ['rotator: role lacks: app/dev/db (PutSecretValue)'] });
    const noKey = rotationSetup({ grants: (s) => [allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], s.secretArn('app/dev/db'))] });
    expectSubjects(finding(noKey.f, 'dev', 'SEC-032'), { notMet: ['rotator: role lacks: app/dev/db (GetSecretValue, decrypt with alias/secrets-key)'] });
  });

  it('names an invoke permission for another principal, or none while the estate records permissions', () => {
    expectSubjects(finding(rotationSetup({ invoke: 'events.amazonaws.com' }).f, 'dev', 'SEC-032'), {
      notMet: ['rotator: Secrets Manager may not invoke it (invoke permission only for events.amazonaws.com)'],
    });
    const other = rotationSetup({ invoke: false });
    other.s.permission(other.s.lambda('unrelated', other.s.role('unrelated-role')), 'events.amazonaws.com');
    expectSubjects(finding(other.f, 'dev', 'SEC-032'), { notMet: ['rotator: Secrets Manager may not invoke it (no invoke permission)'] });
  });

  it('says the invoke permission is unknown when the estate records none', () => {
    expectSubjects(finding(rotationSetup({ invoke: false }).f, 'dev', 'SEC-032'), {
      met: ['rotator: role can rotate its 1 secret (kms:GenerateDataKey with the customer-managed keys of the secrets is not checked); invoke permission unknown (no Lambda permission in the estate)'],
    });
  });

  it('is not met when the execution role is not in the estate', () => {
    expectSubjects(finding(rotationSetup({ roleInEstate: false }).f, 'dev', 'SEC-032'), { notMet: ['rotator: execution role is not in the estate'] });
  });

  it('is not applicable without rotation functions', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.lambda('api', s.role('api-role'));
    expectNotApplicable(finding(f, 'dev', 'SEC-032'));
    expect(finding(f, 'dev', 'SEC-032').note).toBeUndefined();
  });
});
