/**
 * IAM (per environment). AccessPolicies builds the seed's three policies, scoped to the environment
 * and, for the read-only ones, to exactly what each service reads:
 * `mono-repo-<env>-<service>-ParameterStoreReadOnly`, `mono-repo-<env>-<service>-SecretsManagerReadOnly`,
 * `mono-repo-<env>-SecretsManagerRotation`, plus `mono-repo-<env>-AuditReadOnly`.
 * ServiceRoles builds the roles `mono-repo-<env>-<service>` (EKS pod roles through IRSA, an EC2
 * instance profile, a CodeBuild role, a cross-account audit role) and attaches the policies.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import {
  AUDIT_ROLE,
  ROTATION_ROLE,
  KEYS,
  PROJECT,
  SERVICES,
  parameterPath,
  parameterSpec,
  roleName,
  secretKeyName,
  secretName,
  secretSpec,
  serviceParameters,
  type Environment,
  type KeyName,
  type ServiceSpec,
} from './catalogue.ts';
import type { AccountConfig } from './config.ts';
import {
  environmentParametersPattern,
  environmentSecretsPattern,
  parameterArn,
  policy,
  secretArnPattern,
  tags,
  viaService,
  type PolicyDocument,
  type Statement,
} from './naming.ts';

export const PARAMETER_READ_ACTIONS = ['ssm:GetParameter', 'ssm:GetParameters'] as const;
export const PARAMETER_PATH_ACTIONS = ['ssm:GetParametersByPath'] as const;
export const SECRET_READ_ACTIONS = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:ListSecretVersionIds'] as const;
/** The seed's SecretsManagerRotation; its "CreateNewVersion" is no IAM action: a new version is PutSecretValue. */
export const ROTATION_ACTIONS = ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'] as const;

export interface PolicyContext {
  readonly env: Environment;
  readonly account: AccountConfig;
  readonly keyArns: Readonly<Record<KeyName, pulumi.Input<string>>>;
}

function decryptVia(ctx: PolicyContext, sid: string, keys: readonly KeyName[], via: 'ssm' | 'secretsmanager', actions: readonly string[] = ['kms:Decrypt']): Statement {
  const context: Record<string, string> =
    via === 'ssm'
      ? { 'kms:EncryptionContext:PARAMETER_ARN': environmentParametersPattern(ctx.account, ctx.env) }
      : { 'kms:EncryptionContext:SecretARN': environmentSecretsPattern(ctx.account, ctx.env) };
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: [...actions],
    Resource: keys.map((k) => ctx.keyArns[k]),
    Condition: { StringEquals: { 'kms:ViaService': viaService(via, ctx.account.region) }, StringLike: context },
  };
}

const DENY_SECRET_VALUES: Statement = {
  Sid: 'DenyEverySecretValue',
  Effect: 'Deny',
  Action: ['secretsmanager:GetSecretValue', 'kms:Decrypt'],
  Resource: '*',
};

/** ParameterStoreReadOnly of one service, or undefined when it reads no parameter. */
export function parameterReadPolicy(ctx: PolicyContext, svc: ServiceSpec): PolicyDocument | undefined {
  const rels = serviceParameters(svc);
  if (rels.length === 0) return undefined;
  const statements: Statement[] = [
    { Sid: 'ReadParameters', Effect: 'Allow', Action: [...PARAMETER_READ_ACTIONS], Resource: rels.map((rel) => parameterArn(ctx.account, parameterPath(ctx.env, rel))) },
  ];
  if (svc.parameterFolders.length > 0) {
    statements.push({
      Sid: 'ReadParameterFoldersAtStartup',
      Effect: 'Allow',
      Action: [...PARAMETER_PATH_ACTIONS],
      Resource: [...svc.parameterFolders].sort().map((f) => parameterArn(ctx.account, parameterPath(ctx.env, f))),
    });
  }
  if (rels.some((rel) => parameterSpec(rel).type === 'SecureString')) statements.push(decryptVia(ctx, 'DecryptSecureStringsViaSsm', ['parameter-store'], 'ssm'));
  if (svc.nonSecretOnly) statements.push(DENY_SECRET_VALUES);
  return policy(statements);
}

/** SecretsManagerReadOnly of one service, or undefined when it reads no secret. */
export function secretReadPolicy(ctx: PolicyContext, svc: ServiceSpec): PolicyDocument | undefined {
  const rels = [...svc.secrets[ctx.env]].sort();
  if (rels.length === 0) return undefined;
  const keys = KEYS.map((k) => k.name).filter((k) => rels.some((rel) => secretKeyName(secretSpec(rel)) === k));
  return policy([
    { Sid: 'ReadOwnSecrets', Effect: 'Allow', Action: [...SECRET_READ_ACTIONS], Resource: rels.map((rel) => secretArnPattern(ctx.account, secretName(ctx.env, rel))) },
    decryptVia(ctx, 'DecryptSecretsViaSecretsManager', keys, 'secretsmanager'),
  ]);
}

/** Log group of the rotation Lambda, `/aws/lambda/mono-repo-<env>-secret-rotation`. */
export function rotationLogGroupName(env: Environment): string {
  return `/aws/lambda/${roleName(env, ROTATION_ROLE)}`;
}

export function rotationPolicy(ctx: PolicyContext): PolicyDocument {
  const logGroupArn = `arn:aws:logs:${ctx.account.region}:${ctx.account.accountId}:log-group:${rotationLogGroupName(ctx.env)}`;
  return policy([
    { Sid: 'RotateEnvironmentSecrets', Effect: 'Allow', Action: [...ROTATION_ACTIONS], Resource: environmentSecretsPattern(ctx.account, ctx.env) },
    // GetRandomPassword has no resource type: it can only be granted on `*`.
    { Sid: 'GeneratePasswords', Effect: 'Allow', Action: ['secretsmanager:GetRandomPassword'], Resource: '*' },
    decryptVia(ctx, 'UseSecretKeysViaSecretsManager', ['database', 'secrets-manager'], 'secretsmanager', ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey']),
    { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroupArn}:*` },
  ]);
}

export function auditPolicy(ctx: PolicyContext): PolicyDocument {
  return policy([
    {
      Sid: 'DescribeEnvironmentSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetResourcePolicy', 'secretsmanager:ListSecretVersionIds'],
      Resource: environmentSecretsPattern(ctx.account, ctx.env),
    },
    { Sid: 'ListParameterTags', Effect: 'Allow', Action: ['ssm:ListTagsForResource'], Resource: environmentParametersPattern(ctx.account, ctx.env) },
    {
      Sid: 'DescribeKeys',
      Effect: 'Allow',
      Action: ['kms:DescribeKey', 'kms:GetKeyPolicy', 'kms:GetKeyRotationStatus', 'kms:ListResourceTags'],
      Resource: KEYS.map((k) => ctx.keyArns[k.name]),
    },
    // Listing APIs have no resource-level permissions: `*` is the only resource they take.
    {
      Sid: 'ListWithoutValues',
      Effect: 'Allow',
      Action: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:LookupEvents', 'secretsmanager:ListSecrets', 'ssm:DescribeParameters'],
      Resource: '*',
    },
    { ...DENY_SECRET_VALUES, Action: ['kms:Decrypt', 'secretsmanager:GetSecretValue', 'ssm:GetParameter', 'ssm:GetParameterHistory', 'ssm:GetParameters', 'ssm:GetParametersByPath'] },
  ]);
}

export type AccessPoliciesArgs = PolicyContext;

export class AccessPolicies extends pulumi.ComponentResource {
  /** `<service>/ParameterStoreReadOnly`, `<service>/SecretsManagerReadOnly`. */
  public readonly servicePolicies: Readonly<Record<string, readonly aws.iam.Policy[]>>;
  public readonly rotation: aws.iam.Policy;
  public readonly audit: aws.iam.Policy;

  constructor(name: string, args: AccessPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    for (const k of KEYS) if (args.keyArns[k.name] === undefined) throw new Error(`${name}: no ARN for key ${k.name}`);
    super('mono-repo:iam:AccessPolicies', name, {}, opts);
    const make = (id: string, kind: string, doc: PolicyDocument, service: string, description: string) =>
      new aws.iam.Policy(
        `${name}-${id}`,
        { name: `${PROJECT}-${args.env}-${kind}`, description, policy: pulumi.jsonStringify(doc), tags: tags(args.env, service, 'access-control') },
        { parent: this },
      );

    const servicePolicies: Record<string, aws.iam.Policy[]> = {};
    for (const svc of SERVICES) {
      const list: aws.iam.Policy[] = [];
      const params = parameterReadPolicy(args, svc);
      if (params !== undefined) {
        list.push(make(`${svc.id}-parameters`, `${svc.id}-ParameterStoreReadOnly`, params, svc.id, `ParameterStoreReadOnly: the ${args.env} parameters ${svc.name} reads`));
      }
      const secrets = secretReadPolicy(args, svc);
      if (secrets !== undefined) {
        list.push(make(`${svc.id}-secrets`, `${svc.id}-SecretsManagerReadOnly`, secrets, svc.id, `SecretsManagerReadOnly: the ${args.env} secrets ${svc.name} reads`));
      }
      servicePolicies[svc.id] = list;
    }
    this.servicePolicies = servicePolicies;
    this.rotation = make('rotation', 'SecretsManagerRotation', rotationPolicy(args), 'secret-rotation', `SecretsManagerRotation: rotate the ${args.env} secrets`);
    this.audit = make('audit', 'AuditReadOnly', auditPolicy(args), 'audit', `Describe and list ${args.env} secrets, parameters and keys; never a value`);
    this.registerOutputs({ rotationPolicyArn: this.rotation.arn, auditPolicyArn: this.audit.arn });
  }
}

export interface ServiceRolesArgs {
  readonly env: Environment;
  readonly account: AccountConfig;
  readonly policies: AccessPolicies;
  readonly eksOidcProviderArn: string;
  readonly eksOidcIssuer: string;
  readonly auditAccountId: string;
  readonly auditExternalId: pulumi.Input<string>;
}

function trustPolicy(args: ServiceRolesArgs, svc: ServiceSpec): PolicyDocument {
  switch (svc.trust.kind) {
    case 'eks-pod':
      return policy([
        {
          Sid: 'EksServiceAccount',
          Effect: 'Allow',
          Principal: { Federated: args.eksOidcProviderArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${args.eksOidcIssuer}:sub`]: `system:serviceaccount:${svc.trust.namespace}:${svc.trust.serviceAccount}`,
              [`${args.eksOidcIssuer}:aud`]: 'sts.amazonaws.com',
            },
          },
        },
      ]);
    case 'ec2':
      return policy([{ Sid: 'Ec2Instances', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    case 'ci-build':
      return policy([
        {
          Sid: 'CodeBuildProject',
          Effect: 'Allow',
          Principal: { Service: 'codebuild.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': args.account.accountId },
            ArnLike: { 'aws:SourceArn': `arn:aws:codebuild:${args.account.region}:${args.account.accountId}:project/${roleName(args.env, svc.id)}` },
          },
        },
      ]);
    case 'cross-account':
      throw new Error(`service ${svc.id}: cross-account trust is only for the audit role`);
  }
}

export class ServiceRoles extends pulumi.ComponentResource {
  /** By service id, plus `audit`. */
  public readonly roles: Readonly<Record<string, aws.iam.Role>>;
  public readonly instanceProfile: aws.iam.InstanceProfile;

  constructor(name: string, args: ServiceRolesArgs, opts?: pulumi.ComponentResourceOptions) {
    if (args.auditAccountId === args.account.accountId) throw new Error(`${name}: the audit account must be another account`);
    if (!args.eksOidcProviderArn.endsWith(`oidc-provider/${args.eksOidcIssuer}`)) throw new Error(`${name}: issuer ${args.eksOidcIssuer} does not match ${args.eksOidcProviderArn}`);
    super('mono-repo:iam:ServiceRoles', name, {}, opts);
    const roles: Record<string, aws.iam.Role> = {};
    let profile: aws.iam.InstanceProfile | undefined;

    for (const svc of SERVICES) {
      const role = new aws.iam.Role(
        `${name}-${svc.id}`,
        {
          name: roleName(args.env, svc.id),
          description: `${svc.name} (${args.env}): ${svc.description}`,
          assumeRolePolicy: pulumi.jsonStringify(trustPolicy(args, svc)),
          tags: tags(args.env, svc.id, 'access-control', { TrustKind: svc.trust.kind, ServiceName: svc.name, ...(svc.secretCacheTtl !== undefined ? { SecretCacheTtl: svc.secretCacheTtl } : {}) }),
        },
        { parent: this },
      );
      (args.policies.servicePolicies[svc.id] ?? []).forEach((p, i) => {
        new aws.iam.RolePolicyAttachment(`${name}-${svc.id}-policy-${i + 1}`, { role: role.name, policyArn: p.arn }, { parent: this });
      });
      if (svc.trust.kind === 'ec2') {
        profile = new aws.iam.InstanceProfile(`${name}-${svc.id}-profile`, { name: roleName(args.env, svc.id), role: role.name, tags: tags(args.env, svc.id, 'access-control') }, { parent: this });
      }
      roles[svc.id] = role;
    }

    const audit = new aws.iam.Role(
      `${name}-${AUDIT_ROLE}`,
      {
        name: roleName(args.env, AUDIT_ROLE),
        description: `Audit (${args.env}): assumed from account ${args.auditAccountId} with an external id; describes and lists, never reads a value`,
        assumeRolePolicy: pulumi.jsonStringify(
          policy([
            {
              Sid: 'AuditAccount',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${args.auditAccountId}:root` },
              Action: 'sts:AssumeRole',
              Condition: { StringEquals: { 'sts:ExternalId': args.auditExternalId } },
            },
          ]),
        ),
        maxSessionDuration: 3600,
        tags: tags(args.env, AUDIT_ROLE, 'access-control', { TrustKind: 'cross-account', TrustedAccount: args.auditAccountId }),
      },
      { parent: this },
    );
    new aws.iam.RolePolicyAttachment(`${name}-${AUDIT_ROLE}-policy`, { role: audit.name, policyArn: args.policies.audit.arn }, { parent: this });
    roles[AUDIT_ROLE] = audit;

    if (profile === undefined) throw new Error(`${name}: the catalogue has no EC2 service for the instance profile`);
    this.instanceProfile = profile;
    this.roles = roles;
    this.registerOutputs({ roleArns: Object.fromEntries(Object.entries(roles).map(([id, r]) => [id, r.arn])) });
  }
}
