/**
 * KMS (shared stack): the three customer-managed keys of the seed, multi-region with a replica in a
 * second region, annual rotation, 30-day deletion window, and key policies that let each
 * environment's roles use a key only through its owning service and only for that environment's
 * parameters or secrets (encryption context).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { KEYS, ROTATION_ROLE, type Environment, type KeyName, type KeySpec } from './catalogue.ts';
import type { AccountConfig } from './config.ts';
import {
  environmentParametersPattern,
  environmentSecretsPattern,
  policy,
  rolePattern,
  tags,
  viaService,
  type PolicyDocument,
  type Statement,
  denyWithoutTls,
} from './naming.ts';

export const KEY_DELETION_WINDOW_DAYS = 30;
export const KEY_ROTATION_PERIOD_DAYS = 365;

/** Administrative actions of the account root: everything except using the key for data. */
const ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:Create*',
  'kms:Delete*',
  'kms:Describe*',
  'kms:Disable*',
  'kms:Enable*',
  'kms:Get*',
  'kms:List*',
  'kms:Put*',
  'kms:ReplicateKey',
  'kms:Revoke*',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:Update*',
];

export interface EncryptionKeysArgs {
  readonly account: AccountConfig;
  readonly replicaRegion: string;
  /** Provider of the replica region. */
  readonly replicaProvider: aws.Provider;
  readonly environments: readonly Environment[];
  readonly deployerRoleArns: readonly string[];
  /** The CloudTrail trail allowed to encrypt its logs with the secrets-manager key. */
  readonly trailName: string;
  readonly protect: boolean;
}

export interface KeyResources {
  readonly spec: KeySpec;
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;
  readonly replica: aws.kms.ReplicaKey;
  readonly replicaAlias: aws.kms.Alias;
}

const root = (a: AccountConfig) => ({ AWS: `arn:aws:iam::${a.accountId}:root` });

function sid(env: Environment, what: string): string {
  return `${env.charAt(0).toUpperCase()}${env.slice(1)}${what}`;
}

/** The key policy of `spec` as seen from `region` (the primary's or the replica's). */
export function keyPolicy(spec: KeySpec, args: Omit<EncryptionKeysArgs, 'replicaProvider' | 'protect' | 'replicaRegion'>, region: string): PolicyDocument {
  const a = { ...args.account, region };
  const via = viaService(spec.via, region);
  const statements: Statement[] = [
    { Sid: 'AccountRootAdministersKey', Effect: 'Allow', Principal: root(a), Action: ADMIN_ACTIONS, Resource: '*' },
    {
      Sid: 'DeployerUsesKeyThroughService',
      Effect: 'Allow',
      Principal: root(a),
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:ViaService': via }, StringLike: { 'aws:PrincipalArn': [...args.deployerRoleArns] } },
    },
  ];
  for (const env of args.environments) {
    if (spec.via === 'ssm') {
      statements.push({
        Sid: sid(env, 'RolesDecryptOwnParameters'),
        Effect: 'Allow',
        Principal: root(a),
        Action: ['kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': via },
          StringLike: { 'aws:PrincipalArn': rolePattern(a, env), 'kms:EncryptionContext:PARAMETER_ARN': environmentParametersPattern(a, env) },
        },
      });
    } else {
      const context = { 'kms:EncryptionContext:SecretARN': environmentSecretsPattern(a, env) };
      statements.push(
        {
          Sid: sid(env, 'RolesDecryptOwnSecrets'),
          Effect: 'Allow',
          Principal: root(a),
          Action: ['kms:Decrypt'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': via }, StringLike: { 'aws:PrincipalArn': rolePattern(a, env), ...context } },
        },
        {
          Sid: sid(env, 'RotationEncryptsOwnSecrets'),
          Effect: 'Allow',
          Principal: root(a),
          Action: ['kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: '*',
          Condition: { StringEquals: { 'kms:ViaService': via }, StringLike: { 'aws:PrincipalArn': rolePattern(a, env, ROTATION_ROLE), ...context } },
        },
      );
    }
  }
  if (spec.name === 'secrets-manager') {
    const trailArn = `arn:aws:cloudtrail:${args.account.region}:${a.accountId}:trail/${args.trailName}`;
    statements.push(
      {
        Sid: 'CloudTrailEncryptsLogs',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['kms:GenerateDataKey*'],
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:SourceArn': trailArn },
          StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:aws:cloudtrail:*:${a.accountId}:trail/*` },
        },
      },
      {
        Sid: 'CloudTrailDescribesKey',
        Effect: 'Allow',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
        Action: ['kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
      },
    );
  }
  statements.push(denyWithoutTls('kms'));
  return policy(statements);
}

export class EncryptionKeys extends pulumi.ComponentResource {
  public readonly keys: Readonly<Record<KeyName, KeyResources>>;

  constructor(name: string, args: EncryptionKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.environments.length === 0) throw new Error(`${name}: at least one environment is needed for the key policies`);
    if (args.replicaRegion === args.account.region) throw new Error(`${name}: the replica region must differ from ${args.account.region}`);
    super('mono-repo:kms:EncryptionKeys', name, {}, opts);

    const keys: Partial<Record<KeyName, KeyResources>> = {};
    for (const spec of KEYS) {
      const keyTags = tags('shared', 'kms', 'encryption', { Name: spec.keyName, UsedBy: spec.via });
      const key = new aws.kms.Key(
        `${name}-${spec.name}`,
        {
          description: `${spec.keyName}: ${spec.description}`,
          keyUsage: 'ENCRYPT_DECRYPT',
          customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
          enableKeyRotation: true,
          rotationPeriodInDays: KEY_ROTATION_PERIOD_DAYS,
          multiRegion: true,
          deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
          policy: pulumi.jsonStringify(keyPolicy(spec, args, args.account.region)),
          tags: keyTags,
        },
        { parent: this, protect: args.protect },
      );
      const alias = new aws.kms.Alias(`${name}-${spec.name}-alias`, { name: spec.alias, targetKeyId: key.keyId }, { parent: this });
      const replica = new aws.kms.ReplicaKey(
        `${name}-${spec.name}-replica`,
        {
          description: `${spec.keyName} (replica in ${args.replicaRegion}): ${spec.description}`,
          primaryKeyArn: key.arn,
          deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
          policy: pulumi.jsonStringify(keyPolicy(spec, args, args.replicaRegion)),
          tags: { ...keyTags, ReplicaOf: spec.keyName },
        },
        { parent: this, provider: args.replicaProvider, protect: args.protect },
      );
      const replicaAlias = new aws.kms.Alias(
        `${name}-${spec.name}-replica-alias`,
        { name: spec.alias, targetKeyId: replica.keyId },
        { parent: this, provider: args.replicaProvider },
      );
      keys[spec.name] = { spec, key, alias, replica, replicaAlias };
    }
    this.keys = keys as Record<KeyName, KeyResources>;
    this.registerOutputs(
      Object.fromEntries(KEYS.map((k) => [k.name, { arn: this.keys[k.name].key.arn, alias: k.alias, replicaArn: this.keys[k.name].replica.arn }])),
    );
  }
}
