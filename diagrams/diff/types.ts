/**
 * The change review's types: the part of an estate.json document (diagrams/json/estate-json.ts) the
 * comparison reads, and the report it produces (rendered as Markdown, JSON and D2 by the other
 * modules of this folder). No secret value is anywhere in either: estate.json holds none.
 */

import type { Severity } from '../compliance/types.ts';
import type { Certainty } from '../estate/model.ts';

// ─── What is read of an estate.json document ────────────────────────────────────────

export interface DocVia {
  readonly kind: string;
  readonly name: string;
  readonly ref: string;
  readonly sid?: string;
  readonly group?: string;
}

export interface DocRead {
  /** The resource's name; for a folder of another stack not expanded (that stack is not on the side), `<folder>*`. */
  readonly name: string;
  /** The resource's URN where the document lists it, else ''. */
  readonly urn: string;
  /** The stack of the resource when it is not the document's. */
  readonly stack?: string;
  readonly certainty: Certainty;
  readonly via: readonly DocVia[];
  /** A folder of another stack's resources, kept until that stack's document expands it. */
  readonly folder?: { readonly kind: 'parameter' | 'secret'; readonly path: string; readonly secure?: boolean };
}

export interface DocPrincipal {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly arn?: string;
  /** The stack (key) of an estate principal; absent for one outside the estate. */
  readonly stack?: string;
  readonly trust?: { readonly kind: string; readonly principals: readonly string[] };
  readonly policies: readonly string[];
  readonly boundary?: string;
  readonly groups: readonly string[];
  readonly members: readonly string[];
  readonly admin: boolean;
  readonly complete: boolean;
  readonly reads: { readonly parameters: readonly DocRead[]; readonly secrets: readonly DocRead[]; readonly keys: readonly DocRead[] };
  readonly rotates: readonly DocRead[];
}

export interface DocParameter {
  readonly name: string;
  readonly urn: string;
  readonly type: string;
  readonly tier: string;
  readonly key?: string;
  readonly environment?: string;
  readonly protect: boolean;
}

export interface DocSecret {
  readonly name: string;
  readonly urn: string;
  readonly category: string;
  readonly key: string;
  readonly rotation: { readonly enabled: boolean; readonly label: string; readonly intervalDays?: number; readonly function?: string };
  readonly replicas: readonly string[];
  readonly recoveryWindowDays?: number;
  readonly policy?: readonly unknown[];
  readonly protect: boolean;
  readonly environment?: string;
}

export interface DocKey {
  readonly name: string;
  readonly urn: string;
  readonly stack?: string;
  readonly rotation: { readonly enabled: boolean | 'unknown'; readonly periodDays?: number };
  readonly multiRegion: boolean;
  readonly replicas: readonly string[];
  readonly deletionWindowDays?: number;
  readonly protect: boolean;
  readonly grants: readonly { readonly name: string; readonly grantee: string; readonly operations: readonly string[] }[];
  readonly policy?: readonly unknown[];
}

export interface DocPolicy {
  readonly name: string;
  readonly urn: string;
  readonly kind: string;
  readonly attachedTo: readonly string[];
  readonly boundaryOf: readonly string[];
  readonly unknown: boolean;
  readonly statements: readonly unknown[];
}

export type DocFindingStatus = 'met' | 'not met' | 'not applicable';

export interface DocFinding {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly status: DocFindingStatus;
  readonly resources: readonly { readonly name: string; readonly urn: string; readonly status: 'met' | 'not met'; readonly detail: string }[];
}

/** One stack's estate.json, as the comparison reads it. */
export interface EstateDoc {
  /** Where it came from, for messages: a file path, or `<side> (in memory)`. */
  readonly origin: string;
  readonly key: string;
  readonly project: string;
  readonly stack: string;
  readonly environment?: string;
  /** Resources by type token (absent in documents written before it was added). */
  readonly resourceTypes?: Readonly<Record<string, number>>;
  readonly parameters: readonly DocParameter[];
  readonly secrets: readonly DocSecret[];
  readonly keys: readonly DocKey[];
  readonly policies: readonly DocPolicy[];
  readonly principals: readonly DocPrincipal[];
  readonly findings: readonly DocFinding[];
  /** Monthly estimate in USD; undefined when the document has none. */
  readonly cost?: number;
}

/** A preview step as the change review keeps it (`diff --preview <file>` alone). */
export interface PreviewChange {
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  /** The engine's op (`create`, `update`, `replace`, `delete`, ...), the strongest of the URN's steps. */
  readonly op: string;
  /** Property paths of Pulumi's `detailedDiff`, with their kind (`update`, `add`, `delete`, `update-replace`, ...). */
  readonly detailedDiff: readonly { readonly path: string; readonly kind: string }[];
  readonly diffReasons: readonly string[];
  readonly replaceReasons: readonly string[];
}

/** One side of the comparison: the stacks' documents, and what they are (for the report). */
export interface Side {
  /** e.g. `committed docs in docs/architecture`, `origin/main (3f2a9c1)`, `the program in .`. */
  readonly label: string;
  readonly docs: readonly EstateDoc[];
}

// ─── The report ─────────────────────────────────────────────────────────────────────

export const DIFF_JSON_SCHEMA_VERSION = 1;

export type ReadKind = 'parameter' | 'secret' | 'key' | 'secret-write';

export interface ViaRef {
  /** As in estate.json: `identity`, `boundary`, `resource-policy`, `key-policy`, `grant`, `aws-managed-key`. */
  readonly kind: string;
  /** The policy's name; `policy of <secret>`; `key policy of <alias>`; `grant <name>`. */
  readonly name: string;
  readonly sid?: string;
  /** For an identity policy that applies through a group: the group's name. */
  readonly group?: string;
  /** The grant itself was added or changed by this change (a new attachment, a policy edited). */
  readonly changed: boolean;
}

export interface ReadChange {
  readonly kind: ReadKind;
  /** A parameter path, secret name, key alias; a folder as `/app/prod/db/*` when `count` is set. */
  readonly name: string;
  /** The stack of the resource when it is not the stack reported on. */
  readonly stack?: string;
  /** Parameters folded into one folder entry (every parameter of the folder changed alike). */
  readonly count?: number;
  readonly certainty: Certainty;
  /** For a gain: what grants it on the head side; for a loss: what granted it on the base side. */
  readonly via: readonly ViaRef[];
  /** A read of a secret value, a SecureString or a key decrypt (what `--fail-on new-access` watches). */
  readonly sensitive: boolean;
}

export interface CertaintyChange {
  readonly kind: ReadKind;
  readonly name: string;
  readonly stack?: string;
  readonly base: Certainty;
  readonly head: Certainty;
}

export interface PropertyChange {
  readonly property: string;
  /** A single value: absent when the property has no value on that side (set or unset). */
  readonly base?: string;
  readonly head?: string;
  /** A set of values (policies, trusted principals, groups, members): what the head adds and removes. */
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
}

export interface PrincipalChange {
  readonly kind: string;
  readonly name: string;
  /** The principal's stack (estate principals only). */
  readonly stack?: string;
  /** A role's trust kind (`eks-pod`, `lambda`, `ec2`, `cross-account`, `ci-build`, `service`, `other`). */
  readonly trust?: string;
  readonly change: 'added' | 'removed' | 'changed';
  readonly gained: readonly ReadChange[];
  readonly lost: readonly ReadChange[];
  readonly certainty: readonly CertaintyChange[];
  /** Trust, policies, boundary, groups, members, admin, completeness. */
  readonly properties: readonly PropertyChange[];
}

export type FindingChangeKind = 'newly not met' | 'more resources not met' | 'newly met' | 'fewer resources not met' | 'newly not applicable';

export interface FindingChange {
  readonly id: string;
  readonly title: string;
  readonly severity: Severity;
  readonly change: FindingChangeKind;
  readonly base?: DocFindingStatus;
  readonly head?: DocFindingStatus;
  /** Resources newly not met (with why), or no longer not met. */
  readonly resources: readonly { readonly name: string; readonly detail: string }[];
}

export type ResourceKind = 'parameter' | 'secret' | 'key' | 'policy' | 'role' | 'user' | 'group';

export interface ResourceChange {
  readonly kind: ResourceKind;
  readonly name: string;
  readonly change: 'added' | 'removed' | 'replaced' | 'updated';
  readonly properties: readonly PropertyChange[];
  /** From a preview: the engine's op and the properties Pulumi names (never values). */
  readonly preview?: { readonly op: string; readonly properties: readonly string[]; readonly replaceReasons: readonly string[] };
}

export interface TypeCountChange {
  readonly type: string;
  readonly base: number;
  readonly head: number;
  /** From a preview: how many resources of the type each op touches. */
  readonly ops?: Readonly<Record<string, number>>;
  /** From a preview: the resources of the type Pulumi updates or replaces, with the properties it names. */
  readonly updates?: readonly { readonly name: string; readonly op: string; readonly properties: readonly string[] }[];
}

export interface StackDiff {
  readonly project: string;
  readonly stack: string;
  /** The directory of the stack's files under --out (as generate names it). */
  readonly dir: string;
  readonly change: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly access: readonly PrincipalChange[];
  readonly findings: readonly FindingChange[];
  readonly resources: readonly ResourceChange[];
  /** Other resources, by type; undefined when a side's document has no counts by type. */
  readonly others?: readonly TypeCountChange[];
  readonly cost: { readonly base?: number; readonly head?: number; readonly delta: number };
}

export interface ParityChange {
  readonly project: string;
  readonly kind: 'parameter' | 'secret';
  /** Name relative to the environment, e.g. `api/new-flag`. */
  readonly name: string;
  /** Per environment: what it is there (`String`, `SecureString (alias/k)`), absent where it does not exist. */
  readonly base: Readonly<Record<string, string>>;
  readonly head: Readonly<Record<string, string>>;
  readonly baseSame: boolean;
  readonly headSame: boolean;
}

export interface DiffSummary {
  /** Distinct principals that gain a read (or write) of a parameter, secret or key. */
  readonly principalsGaining: number;
  readonly principalsLosing: number;
  /** Distinct principals that gain a sensitive read (secret value, SecureString, key decrypt). */
  readonly principalsGainingSensitive: number;
  /** Findings newly not met (or with more resources not met), by severity. */
  readonly newFindings: Readonly<Partial<Record<Severity, number>>>;
  /** Rules newly met or with fewer resources not met. */
  readonly resolvedFindings: number;
  /** Rules that have nothing left to judge. */
  readonly newlyNotApplicable: number;
  readonly resourcesChanged: number;
  /** Resources of the other types that change (by a preview's ops, else by the counts by type). */
  readonly otherResourcesChanged: number;
  readonly stacksAdded: number;
  readonly stacksRemoved: number;
  readonly stacksChanged: number;
  readonly parityChanges: number;
  readonly costDelta: number;
}

export interface DiffReport {
  readonly base: string;
  readonly head: string;
  readonly stacks: readonly StackDiff[];
  readonly parity: readonly ParityChange[];
  readonly summary: DiffSummary;
  /** True when nothing the review compares differs. */
  readonly unchanged: boolean;
}
