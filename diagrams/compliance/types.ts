/**
 * What the compliance rules and the cost estimate produce: findings per stack (with the framework
 * controls they map to) and the monthly cost estimate. The estate knows nothing of these.
 */

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

/** What deciding `--fail-on` needs of a finding (the run memo keeps no more). */
export type FindingVerdict = Pick<Finding, 'ruleId' | 'severity' | 'status'>;

export function verdictOf(f: FindingVerdict): FindingVerdict {
  return { ruleId: f.ruleId, severity: f.severity, status: f.status };
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
