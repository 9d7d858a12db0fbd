/**
 * What each KMS key protects (build/protects.ts): every resource whose inputs or outputs name the
 * key by ARN, id, alias name or alias ARN, by type; not the key's own machinery, not a
 * StackReference that passes its ARN along, not an IAM policy that grants its use.
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT, allow, EstateFixture, REGION } from '../../fixtures/estates.ts';

describe('key protects', () => {
  const f = new EstateFixture('data');
  const shared = f.stack('shared');
  const key = shared.key('data');
  const other = shared.key('other');
  shared.grant(key, 'g', `arn:aws:iam::${ACCOUNT}:role/x`, ['Decrypt']);
  shared.add('aws:kms/keyPolicy:KeyPolicy', 'kp', { keyId: key.id, policy: '{}' }, { id: key.id });
  const prod = f.stack('prod');
  prod.stackReference('organization/data/shared', { dataKeyArn: key.arn });
  const eks = prod.add('aws:eks/cluster:Cluster', 'cluster', { name: 'main', encryptionConfig: { provider: { keyArn: key.arn }, resources: ['secrets'] } }, { id: 'main' });
  const rds = prod.add('aws:rds/instance:Instance', 'db', { identifier: 'db', storageEncrypted: true, kmsKeyId: key.arn, manageMasterUserPassword: true }, { id: 'db' });
  const table = prod.add('aws:dynamodb/table:Table', 'orders', { name: 'orders', serverSideEncryption: { enabled: true, kmsKeyArn: key.arn } }, { id: 'orders' });
  prod.bucket('data-bucket', { encryption: 'alias/data', blocked: false });
  const sse = prod.urn('aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2', 'data-bucket-sse');
  const nativeBucket = prod.add('aws-native:s3:Bucket', 'native-bucket', { bucketName: 'native-bucket', bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/data` } }] } }, { id: 'native-bucket' });
  const logs = prod.add('aws:cloudwatch/logGroup:LogGroup', 'logs', { name: '/app/logs', kmsKeyId: key.arn }, { id: '/app/logs' });
  const topic = prod.add('aws:sns/topic:Topic', 'events', { name: 'events', kmsMasterKeyId: 'alias/data' }, { id: `arn:aws:sns:${REGION}:${ACCOUNT}:events` });
  const fn = prod.add('aws:lambda/function:Function', 'fn', { name: 'fn', role: prod.roleArn('fn-role'), kmsKeyArn: key.arn }, { id: 'fn' });
  const param = prod.parameter('/data/prod/secret', { type: 'SecureString', key: key.id });
  const secret = prod.secret('data/prod/db', { key });
  prod.policy('use-key', [allow('kms:Decrypt', key.arn)]);
  prod.add('aws-native:iam:ManagedPolicy', 'native-use-key', { managedPolicyName: 'native-use-key', policyDocument: { Version: '2012-10-17', Statement: [allow('kms:Decrypt', key.arn)] } }, { id: `arn:aws:iam::${ACCOUNT}:policy/native-use-key` });
  prod.role('key-user', { inline: { use: [allow('kms:Decrypt', key.arn)] } });
  const e = f.estate();
  const protects = (urn: string) => e.keys.find((k) => k.urn === urn)!.protects;

  it('lists every resource that names it, by type, sorted', () => {
    expect(protects(key.urn)).toEqual([
      { type: 'aws-native:s3:Bucket', urns: [nativeBucket] },
      { type: 'aws:cloudwatch/logGroup:LogGroup', urns: [logs] },
      { type: 'aws:dynamodb/table:Table', urns: [table] },
      { type: 'aws:eks/cluster:Cluster', urns: [eks] },
      { type: 'aws:lambda/function:Function', urns: [fn] },
      { type: 'aws:rds/instance:Instance', urns: [rds] },
      { type: 'aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2', urns: [sse] },
      { type: 'aws:secretsmanager/secret:Secret', urns: [secret.urn] },
      { type: 'aws:sns/topic:Topic', urns: [topic] },
      { type: 'aws:ssm/parameter:Parameter', urns: [param.urn] },
    ]);
  });

  it('a key nothing names protects nothing', () => {
    expect(protects(other.urn)).toEqual([]);
  });
});
