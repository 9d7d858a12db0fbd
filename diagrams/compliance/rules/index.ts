/**
 * The compliance rules: written once, used by the generator (findings drawn on the security view and
 * listed in the docs, `--fail-on`) and by the CrossGuard policy pack in policy/ (the same rules at
 * deploy time). One module per defence-in-depth layer holds its rules as objects; this registry
 * collects them in id order and evaluates them per stack. Each rule yields one Finding: `met`,
 * `not-met` (some subject fails) or `not-applicable` (the stack has nothing the rule judges).
 * Subjects carry one-line details made of names, key aliases and numbers: never a secret value.
 */

import type { Estate } from '../../estate/model.ts';
import { GeneratorError } from '../../errors.ts';
import { compareStrings } from '../../util/collections.ts';
import { SEVERITIES, type Finding, type FindingSubject, type FindingVerdict, type Severity } from '../types.ts';
import { cmkEncryption, keyReplicas, keyRotation, plaintextSecretParameter, prodDeletion, secretRotation } from './at-rest.ts';
import { buildRoleNoSecrets, leastPrivilege, rotationWired } from './application.ts';
import { accessDeniedAlarm, rotationFailureAlarm, trailRule, trailStorage } from './audit.ts';
import { DEFAULT_RULE_OPTIONS, RuleContext, type Rule, type RuleOptions } from './context.ts';
import {
  auditRoleNoSecrets,
  environmentIsolation,
  keyPolicyPrincipals,
  kmsViaService,
  noDecryptEverything,
  noFullAdmin,
  noWildcardReads,
  rotationRoleScope,
  secretPolicyScope,
} from './iam.ts';
import { tlsInTransit } from './in-transit.ts';
import { managedDatabasePasswords, noPlaintextState, noSecretEnvironment, stateHeldSecrets } from './exposures.ts';

export { DEFAULT_RULE_OPTIONS, RuleContext, type Rule, type RuleOptions } from './context.ts';

/** Every rule, in id order. */
export const RULES: readonly Rule[] = Object.freeze(
  [
    cmkEncryption,
    secretRotation,
    keyRotation,
    keyReplicas,
    prodDeletion,
    plaintextSecretParameter,
    tlsInTransit,
    kmsViaService,
    noWildcardReads,
    environmentIsolation,
    auditRoleNoSecrets,
    rotationRoleScope,
    secretPolicyScope,
    keyPolicyPrincipals,
    noDecryptEverything,
    noFullAdmin,
    leastPrivilege,
    buildRoleNoSecrets,
    rotationWired,
    trailRule,
    trailStorage,
    accessDeniedAlarm,
    rotationFailureAlarm,
    noSecretEnvironment,
    managedDatabasePasswords,
    noPlaintextState,
    stateHeldSecrets,
  ].sort((a, b) => compareStrings(a.id, b.id)),
);

function sortSubjects(xs: readonly FindingSubject[]): FindingSubject[] {
  return [...xs].sort(
    (a, b) =>
      (a.status === b.status ? 0 : a.status === 'not-met' ? -1 : 1) ||
      compareStrings(a.stack, b.stack) ||
      compareStrings(a.name, b.name) ||
      compareStrings(a.urn, b.urn),
  );
}

/** Evaluate one rule for one stack. */
export function evaluateRule(rule: Rule, ctx: RuleContext): Finding {
  const subjects = sortSubjects(rule.evaluate(ctx));
  const status = subjects.length === 0 ? 'not-applicable' : subjects.some((s) => s.status === 'not-met') ? 'not-met' : 'met';
  const note = rule.note?.(ctx);
  return Object.freeze({
    ruleId: rule.id,
    title: rule.title,
    severity: rule.severity,
    layer: rule.layer,
    rationale: rule.rationale,
    remediation: rule.remediation,
    frameworks: rule.frameworks,
    status,
    stack: ctx.stack,
    subjects: Object.freeze(subjects.map((s) => Object.freeze(s))),
    ...(note !== undefined && note !== '' ? { note } : {}),
  });
}

/** One Finding per rule (in RULES order) for `stack`. Throws GeneratorError (usage) when the stack is not in the estate. */
export function evaluateRules(estate: Estate, stack: string, options: Partial<RuleOptions> = {}): Finding[] {
  const ctx = new RuleContext(estate, stack, { ...DEFAULT_RULE_OPTIONS, ...options });
  return RULES.map((r) => evaluateRule(r, ctx));
}

/** The note of a finding, if any. */
export function findingNote(f: Finding): string | undefined {
  return f.note !== undefined && f.note !== '' ? f.note : undefined;
}

/** The index of a severity in SEVERITIES; a usage error for any other value. */
function severityLimit(severity: Severity): number {
  const limit = SEVERITIES.indexOf(severity);
  if (limit < 0) throw new GeneratorError('usage', `unknown severity '${String(severity)}'`, { expected: SEVERITIES.join(', ') });
  return limit;
}

/** True when a finding is not met at `severity` or above (critical > high > medium > low). */
export function failsAt(findings: readonly FindingVerdict[], severity: Severity): boolean {
  return failing(findings, severity).length > 0;
}

/** The findings at or above a severity that are not met, as `SEC-020 (critical)`. Throws a usage error for an unknown severity. */
export function failing(findings: readonly FindingVerdict[], severity: Severity): string[] {
  const limit = severityLimit(severity);
  return findings.filter((x) => x.status === 'not-met' && SEVERITIES.indexOf(x.severity) <= limit).map((x) => `${x.ruleId} (${x.severity})`);
}
