/**
 * KMS keys (build/keys.ts): aliases, replicas, key policies, grants, the aws-native shapes, and the
 * resolver that finds the key a property names by alias name, alias ARN, key id or key ARN (across
 * stacks), or through a property edge when the value is not known.
 */
import { describe, expect, it } from 'vitest';
import { UNKNOWN } from '../../../diagrams/graph/types.ts';
import { ACCOUNT, allow, doc, EstateFixture, REGION } from '../../fixtures/estates.ts';
import { named } from '../helpers.ts';

describe('KMS keys', () => {
  it('a key with its alias, rotation, deletion window, replica and protect flag', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const k = s.key('app-key', { multiRegion: true, replicaRegion: 'eu-central-1', protect: true, deletionWindowInDays: 7 });
    const e = f.estate();
    expect(e.keys).toHaveLength(1);
    expect(e.keys[0]).toMatchObject({ urn: k.urn, name: 'alias/app-key', aliases: ['alias/app-key'], keyId: k.id, arn: k.arn, rotationEnabled: true, multiRegion: true, deletionWindowDays: 7, keyUsage: 'ENCRYPT_DECRYPT', protect: true, stack: 'shared' });
    expect(e.keys[0]!.replicas.map((r) => r.region)).toEqual(['eu-central-1']);
    expect(e.keys[0]!.policy).toBeUndefined();
  });

  it('other stacks name it by alias name, alias ARN, key id or key ARN', () => {
    const f = new EstateFixture();
    const k = f.stack('shared').key('app-key');
    const dev = f.stack('dev');
    for (const [leaf, ref] of [['by-alias', 'alias/app-key'], ['by-alias-arn', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/app-key`], ['by-id', k.id], ['by-arn', k.arn]] as const) {
      dev.parameter(`/app/dev/${leaf}`, { type: 'SecureString', key: ref });
    }
    dev.parameter('/app/dev/elsewhere', { type: 'SecureString', key: 'alias/not-loaded' });
    const e = f.estate();
    expect(e.parameters.map((p) => [p.leaf, p.keyUrn])).toEqual([
      ['by-alias', k.urn],
      ['by-alias-arn', k.urn],
      ['by-arn', k.urn],
      ['by-id', k.urn],
      ['elsewhere', undefined],
    ]);
  });

  it('aws-native: keyPolicy, pendingWindowInDays, rotationPeriodInDays, tags as a list, Alias aliasName/targetKeyId', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const id = 'native-0000-0000-0000-000000000000';
    const policy = { Version: '2012-10-17', Statement: [{ Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }] };
    const urn = s.add(
      'aws-native:kms:Key',
      'native',
      { description: 'native key', enableKeyRotation: true, rotationPeriodInDays: 180, pendingWindowInDays: 10, keyPolicy: policy, keyUsage: 'ENCRYPT_DECRYPT', tags: [{ key: 'Team', value: 'platform' }], keyId: id },
      { id, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}` },
    );
    s.add('aws-native:kms:Alias', 'native-alias', { aliasName: 'alias/native', targetKeyId: id }, { id: 'alias/native' });
    const k = f.estate().keys[0]!;
    expect(k).toMatchObject({ urn, name: 'alias/native', aliases: ['alias/native'], rotationEnabled: true, rotationPeriodDays: 180, deletionWindowDays: 10, tags: { Team: 'platform' }, description: 'native key' });
    expect(k.policy?.statements.map((st) => [st.sid, st.effect, st.actions])).toEqual([['Root', 'Allow', ['kms:*']]]);
  });

  it('a KeyPolicy resource is the key\'s policy; grants with their constraints', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const k = s.key('app-key', { policy: [allow('kms:*', '*', { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } })] });
    s.add('aws:kms/keyPolicy:KeyPolicy', 'app-key-policy', { keyId: k.id, policy: doc(allow('kms:Decrypt', '*', { Sid: 'Separate', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } })) }, { id: k.id });
    s.grant(k, 'lambda-grant', `arn:aws:iam::${ACCOUNT}:role/fn`, ['GenerateDataKey', 'Decrypt'], [{ encryptionContextEquals: { app: 'x', env: 'dev' } }]);
    const key = f.estate().keys[0]!;
    expect(key.policy?.statements.map((st) => st.sid)).toEqual(['Separate']);
    expect(key.grants).toEqual([
      { urn: s.urn('aws:kms/grant:Grant', 'lambda-grant'), stack: 'shared', name: 'lambda-grant', grantee: `arn:aws:iam::${ACCOUNT}:role/fn`, operations: ['Decrypt', 'GenerateDataKey'], constraints: [{ kind: 'equals', context: { app: 'x', env: 'dev' } }] },
    ]);
  });

  it('a preview: an alias whose target is not known yet resolves through the property edge', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const key = s.add('aws:kms/key:Key', 'k', { enableKeyRotation: false }, { outputs: {} });
    s.add('aws:kms/alias:Alias', 'k-alias', { name: 'alias/preview', targetKeyId: UNKNOWN }, { outputs: {}, deps: { targetKeyId: [key] } });
    s.add('aws:ssm/parameter:Parameter', 'p', { name: '/dev/p', type: 'SecureString', keyId: 'alias/preview' }, { outputs: {} });
    const e = f.estate();
    expect(e.keys[0]).toMatchObject({ urn: key, aliases: ['alias/preview'], rotationEnabled: false });
    expect(named(e.parameters, '/dev/p').keyUrn).toBe(key);
  });
});

describe('aliases of replica keys', () => {
  it('an alias that targets a replica key (by its id or ARN) is an alias of the primary key', () => {
    const f = new EstateFixture();
    const s = f.stack('shared');
    const k = s.key('data', { multiRegion: true, replicaRegion: 'eu-central-1' });
    const replicaArn = k.arn.replace('eu-west-1', 'eu-central-1');
    s.add('aws:kms/alias:Alias', 'data-replica-alias', { name: 'alias/data-eu-central', targetKeyId: `${k.id}-r` }, { id: 'alias/data-eu-central' });
    s.add('aws:kms/alias:Alias', 'data-replica-alias-arn', { name: 'alias/data-eu-central-2', targetKeyId: replicaArn }, { id: 'alias/data-eu-central-2' });
    const key = f.estate().keys.find((x) => x.urn === k.urn)!;
    expect(key.aliases).toEqual(['alias/data', 'alias/data-eu-central', 'alias/data-eu-central-2']);
  });
});
