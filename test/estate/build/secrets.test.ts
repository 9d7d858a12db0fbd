/**
 * Secrets Manager secrets (build/secrets.ts): category, environment, key, rotation (SecretRotation,
 * RotationSchedule or the legacy inline settings), replicas, recovery window, versions, resource
 * policy; the aws-native Secret, ResourcePolicy and RotationSchedule shapes.
 */
import { describe, expect, it } from 'vitest';
import { REDACTED } from '../../../diagrams/graph/types.ts';
import { ACCOUNT, allow, EstateFixture } from '../../fixtures/estates.ts';
import { named } from '../helpers.ts';

describe('secrets (AWS provider)', () => {
  const f = new EstateFixture('mono');
  const key = f.stack('shared').key('secrets');
  const s = f.stack('prod');
  const rotRole = s.role('rotation-role');
  const fn = s.lambda('rotation', rotRole);
  const rds = s.secret('mono/prod/rds/master-password', { key, rotationDays: 30, rotationLambda: fn, recoveryWindowInDays: 7, tags: { RotationStrategy: 'postgres-single-user' } });
  s.add('aws:secretsmanager/secretVersion:SecretVersion', 'rds-v1', { secretId: rds.arn, secretString: REDACTED }, { id: `${rds.arn}|v1` });
  s.add('aws:secretsmanager/secretVersion:SecretVersion', 'rds-v2', { secretId: rds.arn, secretString: REDACTED }, { id: `${rds.arn}|v2` });
  s.add('aws:secretsmanager/secret:Secret', 'legacy', { name: 'mono/prod/monitoring/api-key', kmsKeyId: key.id, rotationLambdaArn: fn.arn, rotationRules: [{ scheduleExpression: 'rate(48 hours)' }], replicas: [{ region: 'eu-central-1', kmsKeyId: 'alias/secrets' }] }, { id: s.secretArn('mono/prod/monitoring/api-key'), arn: s.secretArn('mono/prod/monitoring/api-key') });
  const jwt = s.secret('mono/prod/api/jwt-signing-key', { tags: { Category: 'Application' } });
  s.secretPolicy(jwt, [allow('secretsmanager:GetSecretValue', '*', { Principal: { AWS: 'arn:aws:iam::444455556666:root' } })]);
  s.secret('stuff', { policy: [allow('secretsmanager:DescribeSecret', '*', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } })] });
  const e = f.estate();

  it('category, environment, key across stacks, recovery window, rotation strategy, versions', () => {
    expect(named(e.secrets, 'mono/prod/rds/master-password')).toMatchObject({ category: 'database', environment: 'prod', keyId: key.arn, keyUrn: key.urn, recoveryWindowDays: 7, rotationStrategy: 'postgres-single-user', versions: 2 });
    expect(named(e.secrets, 'stuff')).toMatchObject({ category: 'other', environment: 'prod', versions: 0 });
  });

  it('rotation from a SecretRotation resource, with its function', () => {
    const r = named(e.secrets, 'mono/prod/rds/master-password').rotation;
    expect(r).toMatchObject({ enabled: true, intervalDays: 30, functionArn: fn.arn, functionUrn: fn.urn });
    expect(r.rotationUrn).toBe(s.urn('aws:secretsmanager/secretRotation:SecretRotation', 'mono/prod/rds/master-password-rotation'));
    expect(named(e.functions, 'rotation').purpose).toBe('rotation');
  });

  it('the legacy inline rotation with a schedule in hours; replicas with their keys', () => {
    const m = named(e.secrets, 'mono/prod/monitoring/api-key');
    expect(m.rotation).toMatchObject({ enabled: true, intervalDays: 2, scheduleExpression: 'rate(48 hours)', functionUrn: fn.urn });
    expect(m.rotation.rotationUrn).toBeUndefined();
    expect(m.keyUrn).toBe(key.urn);
    expect(m.replicas).toEqual([{ region: 'eu-central-1', keyId: 'alias/secrets' }]);
    expect(m.category).toBe('service');
  });

  it('no rotation, AWS-managed key, a Category tag; the resource policy from a SecretPolicy or the secret itself', () => {
    const j = named(e.secrets, 'mono/prod/api/jwt-signing-key');
    expect(j).toMatchObject({ category: 'application', rotation: { enabled: false }, policyUrn: s.urn('aws:secretsmanager/secretPolicy:SecretPolicy', 'mono/prod/api/jwt-signing-key-policy') });
    expect([j.keyId, j.keyUrn]).toEqual([undefined, undefined]);
    expect(j.policy?.statements[0]?.principals?.AWS).toEqual(['arn:aws:iam::444455556666:root']);
    const own = named(e.secrets, 'stuff');
    expect(own.policyUrn).toBe(own.urn);
    expect(own.policy?.statements[0]?.actions).toEqual(['secretsmanager:DescribeSecret']);
  });
});

describe('secrets (aws-native)', () => {
  const f = new EstateFixture('mono');
  const s = f.stack('dev');
  const key = s.key('secrets');
  const arn = s.secretArn('mono/dev/rds/app-user');
  const secret = s.add('aws-native:secretsmanager:Secret', 'app-user', { name: 'mono/dev/rds/app-user', kmsKeyId: 'alias/secrets', replicaRegions: [{ region: 'us-east-1' }], tags: [{ key: 'Owner', value: 'data' }] }, { id: arn, outputs: { name: 'mono/dev/rds/app-user', kmsKeyId: 'alias/secrets', replicaRegions: [{ region: 'us-east-1' }], tags: [{ key: 'Owner', value: 'data' }], awsId: arn } });
  const fn = s.lambda('rotator', s.role('rotator-role'));
  s.add('aws-native:secretsmanager:RotationSchedule', 'app-user-rotation', { secretId: arn, rotationLambdaArn: fn.arn, rotationRules: { automaticallyAfterDays: 45 } }, { id: `${arn}|rotation` });
  s.add('aws-native:secretsmanager:ResourcePolicy', 'app-user-policy', { secretId: arn, resourcePolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:DeleteSecret', Resource: '*' }] }, blockPublicPolicy: true }, { id: `${arn}|policy` });
  const hostedArn = s.secretArn('mono/dev/rds/master');
  s.add('aws-native:secretsmanager:Secret', 'master', { name: 'mono/dev/rds/master' }, { id: hostedArn });
  s.add('aws-native:secretsmanager:RotationSchedule', 'master-rotation', { secretId: hostedArn, hostedRotationLambda: { rotationType: 'PostgreSQLSingleUser' }, rotationRules: { scheduleExpression: 'rate(10 days)' } }, { id: `${hostedArn}|rotation` });
  const e = f.estate();

  it('the ARN from the id, key by alias, replica regions, tags as a list', () => {
    expect(named(e.secrets, 'mono/dev/rds/app-user')).toMatchObject({ urn: secret, arn, keyId: 'alias/secrets', keyUrn: key.urn, replicas: [{ region: 'us-east-1' }], tags: { Owner: 'data' }, category: 'database', environment: 'dev' });
  });

  it('RotationSchedule: interval and function; a hosted rotation Lambda with a schedule expression', () => {
    expect(named(e.secrets, 'mono/dev/rds/app-user').rotation).toMatchObject({ enabled: true, intervalDays: 45, functionUrn: fn.urn });
    const hosted = named(e.secrets, 'mono/dev/rds/master').rotation;
    expect(hosted).toMatchObject({ enabled: true, intervalDays: 10, scheduleExpression: 'rate(10 days)' });
    expect(hosted.functionUrn).toBeUndefined();
  });

  it('ResourcePolicy: the policy document as an object', () => {
    const p = named(e.secrets, 'mono/dev/rds/app-user');
    expect(p.policyUrn).toBe(s.urn('aws-native:secretsmanager:ResourcePolicy', 'app-user-policy'));
    expect(p.policy?.statements.map((st) => [st.effect, st.actions, st.principals?.any])).toEqual([['Deny', ['secretsmanager:DeleteSecret'], true]]);
  });
});
