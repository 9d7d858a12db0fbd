/**
 * The `shared` stack: account-level resources every environment uses (KMS keys, audit trail, alerts).
 * Environment stacks read its outputs through a StackReference (see ./outputs.ts for the names).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { KEYS } from './catalogue.ts';
import { readSharedConfig } from './config.ts';
import { Alerts, AuditTrail } from './audit.ts';
import { EncryptionKeys } from './kms.ts';
import { SHARED_OUTPUTS } from './outputs.ts';

export async function sharedStack(): Promise<Record<string, pulumi.Input<unknown>>> {
  const cfg = readSharedConfig();
  const replicaProvider = new aws.Provider('replica-region', { region: cfg.replicaRegion, allowedAccountIds: [cfg.accountId] });

  // Every environment's data depends on these keys, prod's included: they are protected.
  const kms = new EncryptionKeys('kms', {
    account: cfg,
    replicaRegion: cfg.replicaRegion,
    replicaProvider,
    environments: cfg.environments,
    deployerRoleArns: cfg.deployerRoleArns,
    trailName: cfg.trailName,
    protect: true,
  });
  const trailKey = kms.keys['secrets-manager'].key;
  const audit = new AuditTrail('audit', {
    account: cfg,
    trailName: cfg.trailName,
    kmsKeyArn: trailKey.arn,
    logRetentionDays: cfg.logRetentionDays,
    protect: true,
  }, { dependsOn: [kms] });
  const alerts = new Alerts('alerts', { account: cfg, notificationEmails: cfg.notificationEmails, trailLogGroupName: audit.logGroup.name });

  const outputs: Record<string, pulumi.Input<unknown>> = {
    [SHARED_OUTPUTS.region]: cfg.region,
    [SHARED_OUTPUTS.replicaRegion]: cfg.replicaRegion,
    [SHARED_OUTPUTS.alertTopicArn]: alerts.topic.arn,
    [SHARED_OUTPUTS.trailArn]: audit.trail.arn,
    [SHARED_OUTPUTS.trailBucket]: audit.bucket.id,
  };
  for (const spec of KEYS) {
    const k = kms.keys[spec.name];
    outputs[spec.outputs.arn] = k.key.arn;
    outputs[spec.outputs.id] = k.key.keyId;
    outputs[spec.outputs.alias] = k.alias.name;
    outputs[spec.outputs.replicaArn] = k.replica.arn;
  }
  return outputs;
}
