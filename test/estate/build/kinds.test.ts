/** The resource types the builder reads (build/kinds.ts): AWS provider tokens and their aws-native equivalents. */
import { describe, expect, it } from 'vitest';
import { kindOf } from '../../../diagrams/estate/build/context.ts';
import { isModelledType, isNative } from '../../../diagrams/estate/build/kinds.ts';

describe('kinds', () => {
  it('each aws-native equivalent is read as the same kind as the AWS provider type', () => {
    const pairs: [string, string][] = [
      ['aws-native:ssm:Parameter', 'aws:ssm/parameter:Parameter'],
      ['aws-native:secretsmanager:Secret', 'aws:secretsmanager/secret:Secret'],
      ['aws-native:secretsmanager:ResourcePolicy', 'aws:secretsmanager/secretPolicy:SecretPolicy'],
      ['aws-native:secretsmanager:RotationSchedule', 'aws:secretsmanager/secretRotation:SecretRotation'],
      ['aws-native:kms:Key', 'aws:kms/key:Key'],
      ['aws-native:kms:Alias', 'aws:kms/alias:Alias'],
      ['aws-native:iam:Role', 'aws:iam/role:Role'],
      ['aws-native:iam:RolePolicy', 'aws:iam/rolePolicy:RolePolicy'],
      ['aws-native:iam:ManagedPolicy', 'aws:iam/policy:Policy'],
      ['aws-native:iam:User', 'aws:iam/user:User'],
      ['aws-native:iam:Group', 'aws:iam/group:Group'],
      ['aws-native:lambda:Function', 'aws:lambda/function:Function'],
      ['aws-native:cloudtrail:Trail', 'aws:cloudtrail/trail:Trail'],
    ];
    for (const [native, aws] of pairs) {
      expect([native, kindOf(native)]).toEqual([native, kindOf(aws)]);
      expect(kindOf(native)).toBeDefined();
      expect(isNative(native)).toBe(true);
      expect(isNative(aws)).toBe(false);
    }
  });

  it('token case does not matter (old state files)', () => {
    expect(kindOf('aws:SSM/parameter:Parameter')).toBe('parameter');
    expect(kindOf('aws:ec2/vpc:Vpc')).toBeUndefined();
  });

  it('modelled: the kinds, the databases, Kubernetes Secrets and random secrets read for exposures; not other random or unknown types', () => {
    for (const t of ['aws:rds/cluster:Cluster', 'aws:docdb/cluster:Cluster', 'aws:redshift/cluster:Cluster', 'aws-native:rds:DBInstance', 'kubernetes:core/v1:Secret', 'random:index/randomPassword:RandomPassword', 'random:index/randomBytes:RandomBytes']) {
      expect([t, isModelledType(t)]).toEqual([t, true]);
    }
    for (const t of ['random:index/randomPet:RandomPet', 'random:index/randomUuid:RandomUuid', 'aws:ec2/vpc:Vpc', 'aws:dynamodb/table:Table']) {
      expect([t, isModelledType(t)]).toEqual([t, false]);
    }
  });
});
