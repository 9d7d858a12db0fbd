/**
 * The Estate: the AWS domain model built from one or more ResourceGraphs.
 *
 * Knows AWS, nothing about drawing. Fully readonly; built by ./build.ts, never mutated after.
 * Every collection is sorted (by stack, then name, then URN) so that everything downstream is
 * deterministic. Entities from several stacks live side by side; each carries its `stack`.
 * References across stacks (an environment's parameter encrypted with the shared stack's key) are
 * resolved by ARN, key id or alias into `...Urn` fields.
 *
 * Values that cannot be known (an output of a preview) are the UNKNOWN marker of the graph, or a
 * `certainty: 'unknown'` on derived facts. Secret values never appear: the graph has none.
 */

import type { GraphSource } from '../graph/types.ts';

export const ESTATE_SCHEMA_VERSION = 1 as const;

export type Tags = Readonly<Record<string, string>>;

/** Fields every entity has. */
export interface EntityBase {
  /** URN of the resource in its graph: the entity's identity across the whole pipeline. */
  readonly urn: string;
  /**
   * The key of the stack the resource belongs to (`StackSummary.key`): the stack name when every
   * loaded stack is of one project, else `<project>/<stack>`.
   */
  readonly stack: string;
  /** A human name: the AWS name where known (parameter path, secret name, role name), else the logical name. */
  readonly name: string;
  /** ARN where known (output, or derived from id + account + region); undefined or UNKNOWN otherwise. */
  readonly arn?: string;
  readonly tags: Tags;
  readonly protect: boolean;
  /** `retainOnDelete`: Pulumi leaves the cloud resource in place when it deletes it from the stack. */
  readonly retainOnDelete?: true;
  /** Read by the stack (`.get()`, `external` in the state), not managed by it: no rule judges it here. */
  readonly readOnly?: true;
  readonly description?: string;
  /** The AWS account the resource lives in, where known (its ARN, else its stack's). */
  readonly account?: string;
  /** The region the resource lives in, where known (its own, its provider's, its ARN's or its stack's). */
  readonly region?: string;
}

/** What a stack holds and how much of it the generator models. */
export interface Coverage {
  /** Custom resources of the stack (providers excluded). */
  readonly resources: number;
  /** Of those, resources whose type the generator reads. */
  readonly modelled: number;
  /** Component resources (groupings such as awsx or user components; their children are counted above). */
  readonly components: number;
  /** Custom resource types the generator does not read, with counts, sorted by type. */
  readonly unmodelled: Readonly<Record<string, number>>;
  /** A preview's resources that the update deletes or discards (takes out of the stack): left out of the estate (and of the counts above). */
  readonly plannedDeletes?: number;
  /** Old copies of replaced resources that a state holds for deletion (`delete: true`): they still exist in AWS, not documented. */
  readonly pendingDeletes?: number;
}

export interface StackSummary {
  /** The stack's identity in the estate: its name when every loaded stack is of one project, else `<project>/<stack>`. */
  readonly key: string;
  /** The URN of the stack's root resource (`urn:pulumi:<stack>::<project>::pulumi:pulumi:Stack::<project>-<stack>`). */
  readonly urn: string;
  readonly project: string;
  /** The stack's own name. */
  readonly stack: string;
  /** Environment this stack serves (`dev`, `uat`, `prod`), from tags or the stack name; undefined for shared/account-level stacks. */
  readonly environment?: string;
  readonly source: GraphSource;
  readonly deployedAt?: string;
  readonly pulumiVersion?: string;
  readonly resourceCount: number;
  /** Count of resources by type token, sorted by type. */
  readonly resourceTypes: Readonly<Record<string, number>>;
  /** Stacks this one references through StackReference (`pulumi:pulumi:StackReference`): keys of loaded stacks, else the name as given. */
  readonly references: readonly string[];
  /** The stack's AWS account and region, where known. */
  readonly account?: string;
  readonly region?: string;
  readonly coverage: Coverage;
}

// ─── Parameter Store ────────────────────────────────────────────────────────────────

export type ParameterType = 'String' | 'StringList' | 'SecureString' | 'unknown';
export type ParameterTier = 'Standard' | 'Advanced' | 'Intelligent-Tiering' | 'unknown';

export interface Parameter extends EntityBase {
  /** Full path, e.g. `/mono-repo/prod/database/host`. (Also `name`.) */
  readonly path: string;
  /** Path split on `/`, empty parts dropped: `['mono-repo', 'prod', 'database', 'host']`. */
  readonly segments: readonly string[];
  /** The environment the path names (a segment equal to a known environment), else the stack's. */
  readonly environment?: string;
  /** The segment after the environment (`database`, `api`, `features`, `services`), if any. */
  readonly category?: string;
  /** Last path segment. */
  readonly leaf: string;
  readonly type: ParameterType;
  readonly tier: ParameterTier;
  /** KMS key as the resource gives it (`alias/...`, key id or ARN); SecureString only. Undefined means the AWS-managed `alias/aws/ssm`. */
  readonly keyId?: string;
  /** The estate's KMS key entity that keyId resolves to, when it does. */
  readonly keyUrn?: string;
}

// ─── Secrets Manager ────────────────────────────────────────────────────────────────

export type SecretCategory = 'database' | 'application' | 'service' | 'other';

export interface SecretRotation {
  readonly enabled: boolean;
  /** `automaticallyAfterDays`, or derived from a `rate(N days)` schedule expression. */
  readonly intervalDays?: number;
  readonly scheduleExpression?: string;
  /** ARN of the rotation Lambda as configured. */
  readonly functionArn?: string;
  /** The estate's function entity, when the ARN resolves to one. */
  readonly functionUrn?: string;
  /** URN of the `aws:secretsmanager/secretRotation:SecretRotation` resource, if any. */
  readonly rotationUrn?: string;
}

export interface SecretReplica {
  readonly region: string;
  readonly keyId?: string;
}

export interface Secret extends EntityBase {
  readonly category: SecretCategory;
  readonly environment?: string;
  /** KMS key as given; undefined means the AWS-managed `aws/secretsmanager` key. */
  readonly keyId?: string;
  readonly keyUrn?: string;
  readonly rotation: SecretRotation;
  readonly replicas: readonly SecretReplica[];
  readonly recoveryWindowDays?: number;
  /** Rotation strategy declared by the secret (e.g. tag `RotationStrategy`: `generic`, `postgres-single-user`, ...). */
  readonly rotationStrategy?: string;
  /** Number of `aws:secretsmanager/secretVersion:SecretVersion` resources holding its value (values themselves are never here). */
  readonly versions: number;
  /** The secret's resource policy (the Secret's `policy`, a SecretPolicy or a ResourcePolicy resource). */
  readonly policy?: PolicyDocument;
  /** URN of the resource that sets the policy (the secret itself or a separate policy resource). */
  readonly policyUrn?: string;
}

// ─── KMS ────────────────────────────────────────────────────────────────────────────

export interface KmsReplica {
  readonly urn: string;
  readonly stack: string;
  readonly region?: string;
  readonly arn?: string;
  /** The replica's own key policy, when it sets one (a replica's policy need not be its primary's). */
  readonly policy?: PolicyDocument;
}

export interface KmsKey extends EntityBase {
  readonly keyId?: string;
  /** `alias/...` names pointing at this key, sorted. */
  readonly aliases: readonly string[];
  readonly rotationEnabled: boolean | 'unknown';
  readonly rotationPeriodDays?: number;
  readonly multiRegion: boolean;
  /** Replica keys (`aws:kms/replicaKey:ReplicaKey`) of this primary. */
  readonly replicas: readonly KmsReplica[];
  readonly deletionWindowDays?: number;
  readonly keyUsage?: string;
  /** `SYMMETRIC_DEFAULT`, `RSA_2048`, `HMAC_256`, ... (`keySpec`, or the older `customerMasterKeySpec`), when set. */
  readonly keySpec?: string;
  /** The key's material is in a custom key store (`customKeyStoreId`): KMS cannot rotate it. */
  readonly customKeyStore?: boolean;
  /** Key material imported into KMS (`aws:kms/externalKey:ExternalKey`): KMS cannot rotate it automatically. */
  readonly importedMaterial?: boolean;
  readonly policy?: PolicyDocument;
  /** KMS grants on the key (`aws:kms/grant:Grant`), sorted by URN. */
  readonly grants: readonly KmsGrant[];
  /** Every resource whose inputs or outputs name the key (by ARN, id or alias), by type, sorted. */
  readonly protects: readonly { readonly type: string; readonly urns: readonly string[] }[];
}

export interface KmsGrant {
  readonly urn: string;
  readonly stack: string;
  readonly name: string;
  /** The grantee as given (an ARN, an account, a service principal). */
  readonly grantee: string;
  /** Operations, e.g. `Decrypt`, `GenerateDataKey`, sorted. */
  readonly operations: readonly string[];
  /** `encryptionContextEquals` / `encryptionContextSubset` constraints, as given. */
  readonly constraints: readonly { readonly kind: 'equals' | 'subset'; readonly context: Readonly<Record<string, string>> }[];
}

// ─── IAM ────────────────────────────────────────────────────────────────────────────

export interface Condition {
  /** e.g. `StringEquals`, `StringLike`, `ForAnyValue:StringEquals`. */
  readonly operator: string;
  /** e.g. `kms:ViaService`, `kms:EncryptionContext:PARAMETER_ARN`. */
  readonly key: string;
  readonly values: readonly string[];
}

export interface Principals {
  readonly AWS?: readonly string[];
  readonly Service?: readonly string[];
  readonly Federated?: readonly string[];
  /** `"Principal": "*"`. */
  readonly any?: boolean;
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  /** Exactly one of actions/notActions is set. */
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  /** Identity policies: exactly one of resources/notResources. Key and trust policies may have neither. */
  readonly resources?: readonly string[];
  readonly notResources?: readonly string[];
  readonly principals?: Principals;
  readonly notPrincipals?: Principals;
  readonly conditions: readonly Condition[];
}

export interface PolicyDocument {
  readonly version?: string;
  readonly statements: readonly PolicyStatement[];
  /** True when the document (or part of it) was unknown or unparseable; statements then hold what could be read. */
  readonly unknown: boolean;
}

export interface IamPolicy extends EntityBase {
  /** `managed`: a customer-managed policy; `inline`: a role's, user's or group's own policy. */
  readonly kind: 'managed' | 'inline';
  readonly document: PolicyDocument;
  /** URNs of the roles, users and groups the policy is attached to (through attachments or inline), sorted. */
  readonly attachedTo: readonly string[];
  /** URNs of the roles and users whose permissions boundary it is, sorted. */
  readonly boundaryOf: readonly string[];
}

/** What runs with a role's permissions: the workload that assumes it. */
export interface Workload {
  readonly kind: 'lambda' | 'ecs-task' | 'ecs-service' | 'eks-service-account' | 'ec2-instance-profile';
  readonly name: string;
  readonly urn?: string;
}

export type TrustKind = 'eks-pod' | 'lambda' | 'ec2' | 'cross-account' | 'ci-build' | 'service' | 'other';

export interface Trust {
  readonly kind: TrustKind;
  /** Every principal of the trust policy's Allow statements, flattened (`Service:lambda.amazonaws.com`, `AWS:arn:...`, `Federated:arn:...`). */
  readonly principals: readonly string[];
  readonly eks?: {
    readonly oidcProvider: string;
    readonly namespace?: string;
    readonly serviceAccount?: string;
  };
  /** Set when another account may assume the role (`*`: any account), whatever its kind. */
  readonly crossAccount?: {
    /** The other account, or `*` when the trust allows any principal. */
    readonly accountId: string;
    /** True when the trust requires `sts:ExternalId`. The id itself is shown only if not secret. */
    readonly requiresExternalId: boolean;
  };
  readonly conditions: readonly Condition[];
}

/** Policy attachments shared by roles, users and groups. */
export interface PolicyHolder {
  /** Policies of the estate attached to or inlined in it (IamPolicy URNs), sorted. */
  readonly policies: readonly string[];
  /** ARNs of attached policies that are not in the estate (AWS-managed ones, or defined elsewhere), sorted. */
  readonly externalPolicies: readonly string[];
}

/** A permissions boundary, as given and as resolved. */
export interface Boundary {
  /** The policy ARN as the resource gives it (UNKNOWN when not known before deployment). */
  readonly arn: string;
  /** The estate policy it is, when it is one. */
  readonly policyUrn?: string;
}

export interface Role extends EntityBase, PolicyHolder {
  readonly trust: Trust;
  readonly boundary?: Boundary;
  readonly instanceProfiles: readonly string[];
  /** The workloads that assume the role (Lambda functions, ECS tasks and services, EKS service accounts, instance profiles), sorted. */
  readonly workloads: readonly Workload[];
  /** The service this role serves (Service.id), when known. */
  readonly service?: string;
  /** How long the role's services cache a secret, in seconds, when the estate declares it (tag `SecretCacheTtl`). */
  readonly secretCacheTtlSeconds?: number;
}

export interface IamUser extends EntityBase, PolicyHolder {
  /** URNs of the estate's groups the user is a member of, sorted. */
  readonly groups: readonly string[];
  /** Names of groups the user is a member of that are not in the estate, sorted. */
  readonly otherGroups: readonly string[];
  readonly boundary?: Boundary;
}

export interface IamGroup extends EntityBase, PolicyHolder {
  /** URNs of the estate's users in the group, sorted. */
  readonly members: readonly string[];
}

export type PrincipalKind = 'role' | 'user' | 'group' | 'account' | 'service' | 'any';

/**
 * A principal outside the estate that a secret's resource policy, a key policy or a grant names:
 * another account (`account`), a role or user of another account, a service principal, or `*`.
 */
export interface ExternalPrincipal {
  /** `external:<arn>`, `external:account:<id>`, `external:service:<name>`, `external:*`. */
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly arn?: string;
  readonly account?: string;
  /** URNs of the secrets and keys whose policies or grants name it, sorted. */
  readonly namedBy: readonly string[];
}

export interface LambdaFunction extends EntityBase {
  readonly roleArn?: string;
  readonly roleUrn?: string;
  readonly runtime?: string;
  readonly handler?: string;
  /** `rotation` when a secret's rotation points at it. */
  readonly purpose: 'rotation' | 'other';
  /**
   * Who may invoke it: the `principal` of each `aws:lambda/permission:Permission` whose `function`
   * is this function (name or ARN, with or without a qualifier), sorted, distinct. Empty when no
   * Permission targets it (including estates that hold no Permission resource at all).
   */
  readonly invokePrincipals: readonly string[];
}

export interface Service {
  /** Slug, e.g. `risk-api`. */
  readonly id: string;
  /** Display name, e.g. `Risk API`. */
  readonly name: string;
  readonly stack: string;
  /** Role URNs of this service, sorted. */
  readonly roles: readonly string[];
  /** From the workload that assumes the role, else the `Service` tag, else the role name. */
  readonly derivedFrom: 'workload' | 'tag' | 'role-name';
  readonly description?: string;
}

// ─── Secrets outside Secrets Manager and Parameter Store ────────────────────────────

export type ExposureKind =
  /** A Lambda function's environment variable holds a secret (marked secret, or named like one). */
  | 'lambda-environment'
  /** An ECS container definition's plain `environment` holds a secret instead of `secrets`. */
  | 'ecs-environment'
  /** A database master password is set in the program instead of `manageMasterUserPassword`. */
  | 'database-password'
  /** A Kubernetes Secret's data lives in the Pulumi state. */
  | 'kubernetes-secret'
  /** A `@pulumi/random` value (a generated password or key) lives in the Pulumi state. */
  | 'random-value'
  /** The state file holds a secret value in plain text. */
  | 'plaintext-in-state';

/** A secret held somewhere other than Secrets Manager or Parameter Store: where, never what. */
export interface SecretExposure {
  /** The resource that holds it. */
  readonly urn: string;
  readonly stack: string;
  readonly name: string;
  /** The resource's type token. */
  readonly type: string;
  readonly kind: ExposureKind;
  /** The property path, e.g. `environment.variables.DB_PASSWORD`. */
  readonly path: string;
  /** Why it counts, in words (never the value). */
  readonly detail: string;
}

/** A resource the exposure scan looked at (whether or not it found anything): the subjects of the exposure rules. */
export interface ExposureScan {
  readonly urn: string;
  readonly stack: string;
  readonly name: string;
  readonly type: string;
  /** What was looked at: environment variables of a function or container, or a database's master password. */
  readonly scope: 'environment' | 'database';
}

// ─── Audit and alerting ─────────────────────────────────────────────────────────────

export interface Trail extends EntityBase {
  readonly multiRegion: boolean | 'unknown';
  readonly logFileValidation: boolean | 'unknown';
  readonly kmsKeyId?: string;
  readonly keyUrn?: string;
  readonly bucket?: string;
  /** Whether the trail's bucket has all four public-access blocks on. */
  readonly bucketPublicAccessBlocked: boolean | 'unknown';
  /** The default encryption of the trail's bucket: SSE-KMS (with its key), SSE-S3, or not known. */
  readonly bucketEncryption: { readonly kind: 'sse-kms'; readonly keyId?: string; readonly keyUrn?: string } | { readonly kind: 'sse-s3' } | { readonly kind: 'unknown' };
  /** Event sources/names the trail's selectors record, readable (e.g. `management events (read+write)`). */
  readonly events: readonly string[];
  /** An organization trail (`isOrganizationTrail`): it records the calls of every account of the organization. */
  readonly organization?: true;
  /** Whether the trail is logging (`enableLogging`, true unless set false). */
  readonly logging: boolean | 'unknown';
  /**
   * The reads of secrets, parameters and keys (GetSecretValue, GetParameter, Decrypt: management
   * read events) the trail's selectors leave out, e.g. `read events (WriteOnly)`, `KMS events
   * (excluded)`; empty when it records them all, `unknown` when its selectors are not known.
   */
  readonly missedReads: readonly string[] | 'unknown';
}

/** What an alarm or event rule is watching for. */
export type Watch = 'access-denied' | 'rotation-failure' | 'other';

export interface Alarm extends EntityBase {
  readonly metricName?: string;
  readonly namespace?: string;
  readonly watches: Watch;
  /** SNS topic URNs notified. */
  readonly topics: readonly string[];
  /** Alarm actions that name an SNS topic outside the loaded stacks (an ARN, or a value not known before deployment). */
  readonly otherTopics?: number;
  /** Whether the alarm's actions run (`actionsEnabled`, true unless set false). */
  readonly enabled: boolean | 'unknown';
  /** The function whose `AWS/Lambda` `Errors` metric the alarm watches (its `FunctionName` dimension). */
  readonly lambdaErrorsOf?: string;
}

export interface EventRule extends EntityBase {
  readonly pattern?: string;
  readonly watches: Watch;
  readonly topics: readonly string[];
  /** Whether the rule is enabled (`state` ENABLED, or the older `isEnabled`; true unless set otherwise). */
  readonly enabled: boolean | 'unknown';
}

export interface Topic extends EntityBase {
  readonly subscriptions: readonly { readonly protocol: string; readonly endpoint: string }[];
}

export interface Audit {
  readonly trails: readonly Trail[];
  readonly alarms: readonly Alarm[];
  readonly eventRules: readonly EventRule[];
  readonly topics: readonly Topic[];
}

// ─── Access analysis ────────────────────────────────────────────────────────────────

/**
 * How sure a derived access is: `certain` when every policy that decides it is known and every
 * condition was decided offline; `conditional` when it holds only under conditions that cannot be
 * decided offline (carried along in `conditions`); `unknown` when part of what decides it is not
 * known (a preview's unknown value, an unreadable document, a policy outside the estate).
 */
export type Certainty = 'certain' | 'conditional' | 'unknown';

export type ViaKind = 'identity' | 'boundary' | 'resource-policy' | 'key-policy' | 'grant' | 'aws-managed-key';

/** One policy statement (or grant) that an access rests on, named so that a reader can find it. */
export interface Via {
  readonly kind: ViaKind;
  /** Estate policy URN, AWS-managed policy ARN, or the URN of the secret, key or grant. */
  readonly ref: string;
  /** Policy name; `policy of <secret>`; `key policy of <alias>`; `grant <name>`. */
  readonly name: string;
  readonly sid?: string;
  /** For an identity policy that applies through a group: the group's name. */
  readonly group?: string;
}

export interface AccessItem {
  /** The parameter, secret or key of the estate. */
  readonly resourceUrn: string;
  /** The granted actions that matter here, sorted. */
  readonly actions: readonly string[];
  readonly certainty: Certainty;
  /** What grants it (allowing statements, resource and key policies, grants), sorted. */
  readonly via: readonly Via[];
  /** Conditions that could not be decided offline, carried along (certainty `conditional`). */
  readonly conditions: readonly Condition[];
}

export interface ParameterRead extends AccessItem {
  /** The path whose GetParametersByPath grants the read (a bulk read by path), when one does. */
  readonly byPath?: string;
}

/** The services through which a key is used for reads: a direct kms:Decrypt, or through Parameter Store or Secrets Manager. */
export type KeyPath = 'direct' | 'ssm' | 'secretsmanager';

export interface KeyAccess extends AccessItem {
  /** How the principal can decrypt with the key, sorted: `direct` (kms:Decrypt of any ciphertext), `ssm`, `secretsmanager`. */
  readonly paths: readonly KeyPath[];
}

export interface PrincipalAccess {
  /** The principal's id (see `principalId`). */
  readonly principal: string;
  /** Parameters whose value the principal can read (for a SecureString: the read and the decrypt). */
  readonly parameters: readonly ParameterRead[];
  /** Secrets whose value the principal can read (GetSecretValue and, for a customer key, its decrypt). */
  readonly secretValues: readonly AccessItem[];
  /** Secrets the principal can describe without reading the value. */
  readonly secretMetadata: readonly AccessItem[];
  /** Secrets the principal can write or re-stage (PutSecretValue, UpdateSecretVersionStage): rotation. */
  readonly secretWrites: readonly AccessItem[];
  /** Keys the principal decrypts with, and how. */
  readonly keys: readonly KeyAccess[];
  /** Identity policies allow every action on every resource, with no boundary that narrows them. */
  readonly admin: boolean;
  /**
   * False when a policy that applies to the principal is not known: an AWS-managed ARN not in the
   * snapshot, a policy outside the estate, an unreadable document. Its access may then be wider or
   * narrower than shown.
   */
  readonly complete: boolean;
  /** What was not known, or treated conservatively, in words. */
  readonly notes: readonly string[];
}

// ─── The whole ──────────────────────────────────────────────────────────────────────

export interface Estate {
  readonly schemaVersion: typeof ESTATE_SCHEMA_VERSION;
  /** Sorted by key. */
  readonly stacks: readonly StackSummary[];
  readonly parameters: readonly Parameter[];
  readonly secrets: readonly Secret[];
  readonly keys: readonly KmsKey[];
  readonly policies: readonly IamPolicy[];
  readonly roles: readonly Role[];
  readonly users: readonly IamUser[];
  readonly groups: readonly IamGroup[];
  /** Principals outside the estate named by resource policies, key policies and grants, sorted by id. */
  readonly externalPrincipals: readonly ExternalPrincipal[];
  readonly functions: readonly LambdaFunction[];
  readonly services: readonly Service[];
  readonly audit: Audit;
  /** Secrets held outside Secrets Manager and Parameter Store, sorted by stack, name, path. */
  readonly exposures: readonly SecretExposure[];
  /** The functions, task definitions and databases the exposure scan looked at, sorted by stack, name, urn. */
  readonly exposureScans: readonly ExposureScan[];
  /** One entry per principal (roles, users, groups, external principals), sorted by principal id. */
  readonly access: readonly PrincipalAccess[];
}
