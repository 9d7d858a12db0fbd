/**
 * The view model of the Markdown docs: what each template section shows, already computed, sorted,
 * formatted and escaped. Templates only iterate (`each`) and branch on prepared flags (`if`); every
 * field is always present (templates compile in strict mode). Inventories too long for a page that
 * people can open go to CSV files beside it (`Attachment`), linked from the page.
 */

import type { DiagramName } from '../views/types.ts';

export interface Table {
  /** Header row `| a | b |` and separator, ready to print. */
  readonly header: string;
  readonly rows: readonly string[];
  readonly empty: boolean;
}

export function table(headers: readonly string[], rows: readonly (readonly string[])[]): Table {
  return {
    header: `| ${headers.join(' | ')} |\n|${headers.map(() => ' --- |').join('')}`,
    rows: rows.map((r) => `| ${r.map((c) => (c === '' ? ' ' : c)).join(' | ')} |`),
    empty: rows.length === 0,
  };
}

/** A file written beside a page (a CSV inventory), relative to the page's directory. */
export interface Attachment {
  readonly name: string;
  readonly contents: string;
}

/** A link to an attachment, or nothing. */
export interface AttachmentLink {
  readonly has: boolean;
  /** Markdown link to the file. */
  readonly link: string;
  /** The sentence that says what is in it. */
  readonly text: string;
}

export interface DiagramModel {
  readonly name: DiagramName;
  readonly title: string;
  readonly purpose: string;
  /** Drawn: there is something to show. Otherwise `absent` says what is missing. */
  readonly drawn: boolean;
  readonly absent: string;
  readonly hasSvg: boolean;
  readonly svg: string;
  readonly hasPng: boolean;
  readonly png: string;
  readonly hasD2: boolean;
  readonly d2: string;
}

export interface SecretGroupModel {
  readonly label: string;
  readonly table: Table;
}

export interface OverviewSection {
  readonly overview: Table;
  readonly hasReferences: boolean;
  readonly references: string;
  readonly coverage: string;
  readonly hasUnmodelled: boolean;
  readonly unmodelledTable: Table;
}

export interface DiagramsSection {
  readonly diagrams: readonly DiagramModel[];
  readonly hasDiagrams: boolean;
}

export interface ParametersSection {
  readonly hasParameters: boolean;
  readonly parameterSummary: string;
  readonly parameterTree: string;
  /** The fence around the tree: longer than any backtick run in it. */
  readonly treeFence: string;
  readonly treeNote: string;
  readonly hasParameterTable: boolean;
  readonly parameterTable: Table;
  readonly parametersCsv: AttachmentLink;
}

export interface SecretsSection {
  readonly hasSecrets: boolean;
  readonly secretGroups: readonly SecretGroupModel[];
  readonly secretsCsv: AttachmentLink;
  readonly hasExposures: boolean;
  readonly exposureTable: Table;
}

export interface EncryptionSection {
  readonly hasKeys: boolean;
  readonly keyTable: Table;
  readonly keyIntro: string;
  /** The sentence when the stack owns and uses no customer-managed key. */
  readonly noKeys: string;
  /** The AWS-managed keys the stack's SecureStrings and secrets use, as a sentence; '' when none. */
  readonly awsManagedKeys: string;
  /** The key ids the stack's resources name that no loaded stack defines, as a sentence; '' when none. */
  readonly unresolvedKeys: string;
}

export interface AccessSection {
  readonly hasPolicies: boolean;
  readonly policyTable: Table;
  readonly policiesCsv: AttachmentLink;
  readonly hasPrincipals: boolean;
  readonly principalTable: Table;
  readonly principalsCsv: AttachmentLink;
  readonly hasMatrix: boolean;
  readonly matrix: Table;
  /** The sentence above the matrix: its legend, and how it is laid out. */
  readonly matrixIntro: string;
  readonly accessCsv: AttachmentLink;
  readonly accessNotes: readonly string[];
  readonly hasAccessNotes: boolean;
  readonly engineNote: string;
}

export interface RotationSection {
  readonly hasRotation: boolean;
  readonly rotationTable: Table;
  readonly rotationFunctions: string;
  readonly hasRotatingSecrets: boolean;
}

export interface MonitoringSection {
  readonly hasTrails: boolean;
  readonly trailTable: Table;
  readonly hasAlarms: boolean;
  readonly alarmTable: Table;
  readonly monitoringIntro: string;
  readonly noTrails: string;
  readonly noAlarms: string;
}

export interface ComplianceSection {
  readonly hasFindings: boolean;
  readonly findingSummary: string;
  readonly findingTable: Table;
  readonly failing: readonly { readonly title: string; readonly severity: string; readonly remediation: string; readonly subjects: string }[];
  readonly hasFailing: boolean;
  /** What a check could not judge in this stack and why (e.g. keys of a stack not loaded). */
  readonly findingNotes: readonly { readonly title: string; readonly ruleId: string; readonly note: string }[];
  readonly hasFindingNotes: boolean;
}

export interface CostSection {
  readonly hasCost: boolean;
  readonly costTable: Table;
  readonly costTotal: string;
  readonly costPricesAsOf: string;
  readonly costScope: string;
  readonly costAssumptions: readonly string[];
  readonly noCost: string;
}

export interface OperationsSection {
  readonly hasProcedures: boolean;
  readonly procedures: readonly { readonly title: string; readonly steps: readonly string[] }[];
  readonly hasTroubleshooting: boolean;
  readonly troubleshooting: readonly { readonly issue: string; readonly checks: readonly string[] }[];
}

export interface PageModel
  extends OverviewSection,
    DiagramsSection,
    ParametersSection,
    SecretsSection,
    EncryptionSection,
    AccessSection,
    RotationSection,
    MonitoringSection,
    ComplianceSection,
    CostSection,
    OperationsSection {
  readonly project: string;
  readonly stack: string;
  readonly title: string;
  /** What the page was generated from: kind and format, project/stack, deployment time, Pulumi version; never a path. */
  readonly generatedFrom: string;
}

export interface IndexStackGroup {
  readonly project: string;
  readonly showProject: boolean;
  readonly stackTable: Table;
}

export interface IndexModel {
  readonly project: string;
  readonly title: string;
  /** A project's page: the sentence linking back to the estate's index; '' on the index itself. */
  readonly up: string;
  readonly hasStacks: boolean;
  /** Many projects: one row per project (its stacks, counts, parity), each project on a page of its own. */
  readonly hasProjectTable: boolean;
  readonly projectTable: Table;
  /** A table of stacks per project (empty when there is a project table). */
  readonly groups: readonly IndexStackGroup[];
  readonly stackCount: string;
  /** With a project table: what the parity of the projects comes to, in a sentence; '' otherwise. */
  readonly parityOverview: string;
  /** The environments compared, when there are at least two; '' otherwise. */
  readonly environments: string;
  /** With several projects: what `n/a` means in the parity tables, when a project has no stack in an environment; '' otherwise. */
  readonly parityAbsent: string;
  /** Why there is no parity to show. */
  readonly noParity: string;
  readonly hasParameterParity: boolean;
  readonly parameterParity: Table;
  readonly parameterDifferences: number;
  readonly parameterParityRows: number;
  readonly parityCsv: AttachmentLink;
  readonly hasSecretParity: boolean;
  readonly secretParity: Table;
  readonly secretDifferences: number;
  readonly secretParityRows: number;
  /** `Cost estimate for the whole estate`, or `... for the project` on a project's page. */
  readonly costHeading: string;
  readonly hasCost: boolean;
  readonly costTable: Table;
  readonly costTotal: string;
  /** What the page says when there is nothing to bill. */
  readonly noCost: string;
}
