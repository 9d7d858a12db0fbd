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
  /** Stack name the resource belongs to. */
  readonly stack: string;
  /** A human name: the AWS name where known (parameter path, secret name, role name), else the logical name. */
  readonly name: string;
  /** ARN where known (output, or derived from id + account + region); undefined or UNKNOWN otherwise. */
  readonly arn?: string;
  readonly tags: Tags;
  readonly protect: boolean;
  readonly description?: string;
}

export interface StackSummary {
  readonly project: string;
  readonly stack: string;
  /** Environment this stack serves (`dev`, `uat`, `prod`), from tags or the stack name; undefined for shared/account-level stacks. */
  readonly environment?: string;
  readonly source: GraphSource;
  readonly deployedAt?: string;
  readonly pulumiVersion?: string;
  readonly resourceCount: number;
  /** Count of resources by type token, sorted by type. */
  readonly resourceTypes: Readonly<Record<string, number>>;
  /** Stacks this one references through StackReference (`pulumi:pulumi:StackReference`), by stack name. */
  readonly references: readonly string[];
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
}

// ─── KMS ────────────────────────────────────────────────────────────────────────────

export interface KmsReplica {
  readonly urn: string;
  readonly stack: string;
  readonly region?: string;
  readonly arn?: string;
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
  readonly policy?: PolicyDocument;
  /** Region of the key (resource `region` input or provider config), where known. */
  readonly region?: string;
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
  /** `managed`: aws:iam/policy:Policy; `inline`: aws:iam/rolePolicy:RolePolicy or a role's inlinePolicies. */
  readonly kind: 'managed' | 'inline';
  readonly document: PolicyDocument;
  /** Role URNs the policy is attached to (through attachments or as inline policy). */
  readonly attachedTo: readonly string[];
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
  readonly crossAccount?: {
    readonly accountId: string;
    /** True when the trust requires `sts:ExternalId`. The id itself is shown only if not secret. */
    readonly requiresExternalId: boolean;
  };
  readonly conditions: readonly Condition[];
}

export interface Role extends EntityBase {
  readonly trust: Trust;
  /** Policies of the estate attached to or inlined in this role (IamPolicy URNs), sorted. */
  readonly policies: readonly string[];
  /** ARNs of attached policies that are not in the estate (AWS-managed ones), sorted. */
  readonly externalPolicies: readonly string[];
  readonly instanceProfiles: readonly string[];
  /** The service this role serves (Service.id), when known. */
  readonly service?: string;
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
  /** From the `Service` tag, else from role names. */
  readonly derivedFrom: 'tag' | 'role-name';
  readonly description?: string;
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
  /** Event sources/names the trail's selectors record, readable (e.g. `management events (read+write)`). */
  readonly events: readonly string[];
}

/** What an alarm or event rule is watching for. */
export type Watch = 'access-denied' | 'rotation-failure' | 'other';

export interface Alarm extends EntityBase {
  readonly metricName?: string;
  readonly namespace?: string;
  readonly watches: Watch;
  /** SNS topic URNs notified. */
  readonly topics: readonly string[];
}

export interface EventRule extends EntityBase {
  readonly pattern?: string;
  readonly watches: Watch;
  readonly topics: readonly string[];
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

export type Certainty = 'known' | 'unknown';

export interface AccessEntry {
  /** The parameter, secret or key of the estate that the role can reach. */
  readonly resourceUrn: string;
  /** Granted actions relevant to the resource, sorted (`ssm:GetParameter`, `secretsmanager:GetSecretValue`, `kms:Decrypt`). */
  readonly actions: readonly string[];
  /** Conditions attached to the granting statements, carried along, not evaluated. */
  readonly conditions: readonly Condition[];
  readonly certainty: Certainty;
  /** URNs (estate policies) or ARNs (external) of the policies that grant it, sorted. */
  readonly grantedBy: readonly string[];
}

/** A parameter path prefix a role can read (for drawing an edge to a folder, not to each leaf). */
export interface PrefixGrant {
  /** e.g. `/mono-repo/prod/` or `/mono-repo/prod/database/`; `/` for everything. */
  readonly prefix: string;
  readonly actions: readonly string[];
  /** True when `ssm:GetParametersByPath` is granted (bulk read at startup). */
  readonly byPath: boolean;
  readonly conditions: readonly Condition[];
  readonly certainty: Certainty;
}

export interface KeyAccess extends AccessEntry {
  /** `kms:ViaService` values that restrict the decrypt (e.g. `ssm.eu-west-1.amazonaws.com`), sorted. */
  readonly viaServices: readonly string[];
  /** Whether the key policy allows it too (both are needed): true, false, or unknown when no key policy is known. */
  readonly keyPolicyAllows: boolean | 'unknown';
}

export interface RoleAccess {
  readonly roleUrn: string;
  /** Parameters the role can read (GetParameter/GetParameters/GetParametersByPath). */
  readonly parameters: readonly AccessEntry[];
  readonly parameterPrefixes: readonly PrefixGrant[];
  /** Secrets whose value the role can read (GetSecretValue). */
  readonly secretValues: readonly AccessEntry[];
  /** Secrets the role can describe or list versions of, without reading the value. */
  readonly secretMetadata: readonly AccessEntry[];
  /** Secrets the role can write or re-stage (PutSecretValue, UpdateSecretVersionStage): rotation. */
  readonly secretWrites: readonly AccessEntry[];
  readonly keys: readonly KeyAccess[];
  /** Human-readable notes on what was treated conservatively (NotAction, NotResource, unknown documents). */
  readonly notes: readonly string[];
}

// ─── The whole ──────────────────────────────────────────────────────────────────────

export interface Estate {
  readonly schemaVersion: typeof ESTATE_SCHEMA_VERSION;
  /** Sorted by stack name. */
  readonly stacks: readonly StackSummary[];
  readonly parameters: readonly Parameter[];
  readonly secrets: readonly Secret[];
  readonly keys: readonly KmsKey[];
  readonly policies: readonly IamPolicy[];
  readonly roles: readonly Role[];
  readonly functions: readonly LambdaFunction[];
  readonly services: readonly Service[];
  readonly audit: Audit;
  /** One entry per role, sorted by role URN. */
  readonly access: readonly RoleAccess[];
}

// ─── Compliance and cost (computed from the Estate by diagrams/compliance) ────────────

export type Severity = 'critical' | 'high' | 'medium' | 'low';
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];

export type FindingStatus = 'met' | 'not-met' | 'not-applicable';

/** The defence-in-depth layer a rule belongs to (bands of the security view). */
export type ControlLayer = 'in-transit' | 'iam' | 'application' | 'at-rest' | 'audit';

export interface FrameworkMapping {
  readonly soc2: readonly string[];
  readonly iso27001: readonly string[];
  readonly gdpr: readonly string[];
}

export interface FindingSubject {
  readonly urn: string;
  readonly name: string;
  readonly stack: string;
  readonly status: 'met' | 'not-met';
  /** Why, in one line, without any secret value. */
  readonly detail: string;
}

export interface Finding {
  readonly ruleId: string;
  readonly title: string;
  readonly severity: Severity;
  readonly layer: ControlLayer;
  readonly rationale: string;
  readonly remediation: string;
  readonly frameworks: FrameworkMapping;
  /** Aggregate: `not-met` if any subject is, `not-applicable` if there are no subjects. */
  readonly status: FindingStatus;
  /** Stack this finding is evaluated for; findings are computed per stack. */
  readonly stack: string;
  readonly subjects: readonly FindingSubject[];
  /** What the rule could not judge in this stack and why (e.g. keys of a stack that is not loaded). */
  readonly note?: string;
}

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  /** USD per unit per month. */
  readonly unitPrice: number;
  readonly monthly: number;
  readonly note?: string;
}

export interface CostEstimate {
  /** Stack name, or undefined for the whole estate. */
  readonly stack?: string;
  readonly lines: readonly CostLine[];
  readonly total: number;
  /** Date of the price table, e.g. `2025-09-25`. */
  readonly pricesAsOf: string;
  readonly assumptions: readonly string[];
}
