/**
 * An environment stack (`dev`, `uat`, `prod`): parameters, secrets with their rotation, the rotation
 * Lambda, the IAM policies and roles of the environment's services. Keys and the alert topic come
 * from the shared stack through a StackReference.
 */
import * as pulumi from '@pulumi/pulumi';
import { KEYS, PARAMETERS, parameterKey, parameterPath, type Environment, type KeyName } from './catalogue.ts';
import { readEnvironmentConfig } from './config.ts';
import { AccessPolicies, ServiceRoles } from './iam.ts';
import { SHARED_OUTPUTS } from './outputs.ts';
import { ParameterCatalogue } from './parameters.ts';
import { RotationFunction } from './rotation-function.ts';
import { SecretsCatalogue } from './secrets.ts';

/** Recovery window of deleted secrets: 30 days in prod, 7 elsewhere. */
export function recoveryWindowDays(env: Environment): number {
  return env === 'prod' ? 30 : 7;
}

export async function environmentStack(env: Environment): Promise<Record<string, pulumi.Input<unknown>>> {
  const cfg = readEnvironmentConfig(env);
  const protect = env === 'prod';
  const shared = new pulumi.StackReference('shared', { name: cfg.sharedStack });
  const sharedString = (output: string) => shared.requireOutput(output) as pulumi.Output<string>;
  const keyArns = Object.fromEntries(KEYS.map((k) => [k.name, sharedString(k.outputs.arn)])) as Record<KeyName, pulumi.Output<string>>;
  const secretConfig = (key: string) => cfg.config.requireSecret(key);

  const parameters = new ParameterCatalogue('parameters', {
    env,
    keyArn: keyArns['parameter-store'],
    values: cfg.parameterValues,
    secretConfig,
    protect,
  });

  const policies = new AccessPolicies('access-policies', { env, account: cfg, keyArns });

  const vpc = cfg.config.getObject<{ subnetIds: string[]; securityGroupIds: string[] }>('rotationVpc');
  const rotation = new RotationFunction('rotation', {
    env,
    account: cfg,
    rotationPolicyArn: policies.rotation.arn,
    alertTopicArn: sharedString(SHARED_OUTPUTS.alertTopicArn),
    logRetentionDays: cfg.config.getNumber('logRetentionDays') ?? 365,
    ...(vpc !== undefined ? { vpc } : {}),
  });

  const port = Number(cfg.parameterValues['database/port']);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`config mono-repo:parameters.database/port: expected a TCP port (stack ${env})`);
  const secrets = new SecretsCatalogue('secrets', {
    env,
    keyArns: { database: keyArns.database, 'secrets-manager': keyArns['secrets-manager'] },
    rotationFunctionArn: rotation.function.arn,
    rotationDays: cfg.rotationDays,
    recoveryWindowInDays: recoveryWindowDays(env),
    database: { host: String(cfg.parameterValues['database/host']), port, dbname: String(cfg.parameterValues['database/name']) },
    secretConfig,
    protect,
    rotationDependsOn: [rotation.permission],
  });

  const roles = new ServiceRoles('service-roles', {
    env,
    account: cfg,
    policies,
    eksOidcProviderArn: cfg.eksOidcProviderArn,
    eksOidcIssuer: cfg.eksOidcIssuer,
    auditAccountId: cfg.auditAccountId,
    auditExternalId: cfg.auditExternalId,
  });

  return {
    environment: env,
    parameterNames: PARAMETERS.map((p) => parameterPath(env, parameterKey(p))),
    parameterArns: Object.fromEntries(Object.entries(parameters.parameters).map(([rel, p]) => [rel, p.arn])),
    secretArns: Object.fromEntries(Object.entries(secrets.secrets).map(([rel, s]) => [rel, s.secret.arn])),
    roleArns: Object.fromEntries(Object.entries(roles.roles).map(([id, r]) => [id, r.arn])),
    rotationFunctionArn: rotation.function.arn,
    opsRunnerInstanceProfile: roles.instanceProfile.name,
  };
}
