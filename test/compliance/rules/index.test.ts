/**
 * The rule registry (diagrams/compliance/rules/index.ts): what every rule declares, how a rule's
 * subjects become a Finding, `failsAt`/`failing` for `--fail-on`, and evaluation per stack.
 */

import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_OPTIONS, RULES, RuleContext, evaluateRule, evaluateRules, failing, failsAt, findingNote, type Rule } from '../../../diagrams/compliance/rules/index.ts';
import { fw } from '../../../diagrams/compliance/rules/context.ts';
import type { ControlLayer, Finding, FindingSubject, Severity } from '../../../diagrams/compliance/types.ts';
import { GeneratorError } from '../../../diagrams/errors.ts';
import { EstateFixture, secretValue } from '../../fixtures/estates.ts';

const IDS = [
  'SEC-001', 'SEC-002', 'SEC-003', 'SEC-004', 'SEC-005', 'SEC-006',
  'SEC-010', 'SEC-011',
  'SEC-020', 'SEC-021', 'SEC-022', 'SEC-023', 'SEC-024', 'SEC-025', 'SEC-026', 'SEC-027',
  'SEC-030', 'SEC-031', 'SEC-032',
  'SEC-040', 'SEC-041', 'SEC-042', 'SEC-043',
  'SEC-050', 'SEC-051', 'SEC-052', 'SEC-053',
];

describe('the registry', () => {
  it('holds every rule once, in id order', () => {
    expect(RULES.map((r) => r.id)).toEqual(IDS);
    expect(new Set(RULES.map((r) => r.slug)).size).toBe(RULES.length);
    expect(Object.isFrozen(RULES)).toBe(true);
  });

  it.each(RULES.map((r) => [r.id, r] as const))('%s declares what the docs and the policy pack show', (_id, r) => {
    expect(r.slug).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(r.title.length).toBeGreaterThan(10);
    expect(r.title.length).toBeLessThanOrEqual(70);
    expect(['critical', 'high', 'medium', 'low']).toContain(r.severity);
    expect(['in-transit', 'iam', 'application', 'at-rest', 'audit']).toContain(r.layer);
    expect(r.rationale.length).toBeGreaterThan(40);
    expect(r.remediation.length).toBeGreaterThan(40);
    for (const controls of [r.frameworks.soc2, r.frameworks.iso27001, r.frameworks.gdpr]) expect(controls.length).toBeGreaterThan(0);
    expect(r.frameworks.soc2.every((c) => /^(CC|A|C)\d+\.\d+$/.test(c))).toBe(true);
    expect(r.frameworks.iso27001.every((c) => /^A\.\d+\.\d+$/.test(c))).toBe(true);
    expect(r.frameworks.gdpr.every((c) => /^Art\. \d+/.test(c))).toBe(true);
  });

  it('gives every layer of the security view at least one rule', () => {
    const layers: ControlLayer[] = ['in-transit', 'iam', 'application', 'at-rest', 'audit'];
    for (const l of layers) expect(RULES.filter((r) => r.layer === l).length, l).toBeGreaterThan(0);
  });
});

/** A rule whose subjects are given: to test how a Finding is assembled. */
function fixedRule(subjects: FindingSubject[], note?: string): Rule {
  return {
    id: 'SEC-999',
    slug: 'fixed',
    title: 'A rule for the tests',
    severity: 'medium',
    layer: 'audit',
    rationale: 'r',
    remediation: 'm',
    frameworks: fw(['CC1.1'], ['A.1.1'], ['Art. 1']),
    evaluate: () => subjects,
    ...(note !== undefined ? { note: () => note } : {}),
  };
}

const subj = (name: string, status: 'met' | 'not-met', stack = 'dev'): FindingSubject => ({ urn: `urn:pulumi:${stack}::app::t::${name}`, name, stack, status, detail: `${name} detail` });

function context(): RuleContext {
  const f = new EstateFixture();
  f.stack('dev').parameter('/app/dev/host');
  return new RuleContext(f.estate(), 'dev', DEFAULT_RULE_OPTIONS);
}

describe('evaluateRule', () => {
  it('is not applicable without subjects, met when all are met, not met when any is not', () => {
    const ctx = context();
    expect(evaluateRule(fixedRule([]), ctx).status).toBe('not-applicable');
    expect(evaluateRule(fixedRule([subj('a', 'met'), subj('b', 'met')]), ctx).status).toBe('met');
    expect(evaluateRule(fixedRule([subj('a', 'met'), subj('b', 'not-met')]), ctx).status).toBe('not-met');
  });

  it('orders subjects not met first, then by stack and name, and carries the rule\'s declarations and stack', () => {
    const f = evaluateRule(fixedRule([subj('z', 'met'), subj('b', 'not-met', 'shared'), subj('a', 'met'), subj('c', 'not-met')]), context());
    expect(f.subjects.map((s) => `${s.status} ${s.stack} ${s.name}`)).toEqual(['not-met dev c', 'not-met shared b', 'met dev a', 'met dev z']);
    expect(f).toMatchObject({ ruleId: 'SEC-999', title: 'A rule for the tests', severity: 'medium', layer: 'audit', rationale: 'r', remediation: 'm', stack: 'dev' });
    expect(Object.isFrozen(f)).toBe(true);
    expect(Object.isFrozen(f.subjects[0])).toBe(true);
  });

  it('puts a non-empty note on the finding, and none otherwise', () => {
    const ctx = context();
    const noted = evaluateRule(fixedRule([], 'keys of stack shared are not judged here'), ctx);
    expect(noted.note).toBe('keys of stack shared are not judged here');
    expect(findingNote(noted)).toBe('keys of stack shared are not judged here');
    expect('note' in evaluateRule(fixedRule([], ''), ctx)).toBe(false);
    expect(findingNote(evaluateRule(fixedRule([]), ctx))).toBeUndefined();
  });
});

describe('evaluateRules', () => {
  it('gives one finding per rule, in registry order, for the stack', () => {
    const findings = evaluateRules(context().estate, 'dev');
    expect(findings.map((f) => f.ruleId)).toEqual(IDS);
    expect(findings.every((f) => f.stack === 'dev')).toBe(true);
  });

  it('rejects a stack that is not in the estate with a usage error naming the ones there are', () => {
    const f = new EstateFixture();
    f.stack('dev');
    f.stack('prod');
    let err: unknown;
    try {
      evaluateRules(f.estate(), 'qa');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GeneratorError);
    expect((err as GeneratorError).kind).toBe('usage');
    expect((err as GeneratorError).message).toBe("stack: stack 'qa' is not in the estate (expected one of: dev, prod)");
  });

  it('judges stacks of several projects by their `<project>/<stack>` keys', () => {
    const f = new EstateFixture();
    f.stack('dev', { project: 'orders' }).secret('orders/dev/db');
    f.stack('dev', { project: 'billing' }).parameter('/billing/dev/host');
    const e = f.estate();
    expect(e.stacks.map((s) => s.key)).toEqual(['billing/dev', 'orders/dev']);
    const orders = evaluateRules(e, 'orders/dev');
    const trail = orders.find((x) => x.ruleId === 'SEC-040')!;
    expect(trail.subjects.map((s) => [s.name, s.urn, s.detail])).toEqual([['stack orders/dev', 'urn:pulumi:dev::orders::pulumi:pulumi:Stack::orders-dev', "no CloudTrail trail records access to this stack's secrets"]]);
    expect(orders.find((x) => x.ruleId === 'SEC-001')!.subjects.map((s) => s.name)).toEqual(['orders/dev/db']);
    expect(evaluateRules(e, 'billing/dev').find((x) => x.ruleId === 'SEC-001')!.status).toBe('not-applicable');
  });

  it('never puts a secret value into a finding', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const canary = 'canary-value-7f3a';
    s.lambda('api', s.role('api-role'), { environment: { DB_PASSWORD: canary, TOKEN_BLOB: secretValue(canary, { plaintext: true }) } });
    s.database('orders', { password: canary });
    const secret = s.secret('app/dev/db');
    s.add('aws:secretsmanager/secretVersion:SecretVersion', 'db-v1', { secretId: secret.arn, secretString: canary }, { id: 'v1' });
    const findings = evaluateRules(f.estate(), 'dev');
    expect(findings.filter((x) => x.status === 'not-met').map((x) => x.ruleId)).toEqual(expect.arrayContaining(['SEC-050', 'SEC-051', 'SEC-052']));
    expect(JSON.stringify(findings)).not.toContain(canary);
  });
});

/** Findings of the given severities and statuses (only those two fields matter to failsAt). */
function findings(...xs: [string, Severity, Finding['status']][]): Finding[] {
  return xs.map(([ruleId, severity, status]) => ({ ruleId, severity, status }) as Finding);
}

describe('failsAt and failing', () => {
  const medium = findings(['SEC-003', 'medium', 'not-met'], ['SEC-020', 'critical', 'met'], ['SEC-040', 'high', 'not-applicable']);

  it('fails at or above a severity only for findings not met', () => {
    expect([failsAt(medium, 'low'), failsAt(medium, 'medium'), failsAt(medium, 'high'), failsAt(medium, 'critical')]).toEqual([true, true, false, false]);
    expect(failsAt([], 'low')).toBe(false);
    expect(failsAt(findings(['SEC-020', 'critical', 'not-met']), 'critical')).toBe(true);
  });

  it('lists the failing findings as `id (severity)`', () => {
    const xs = findings(['SEC-001', 'high', 'not-met'], ['SEC-003', 'medium', 'not-met'], ['SEC-020', 'critical', 'not-met'], ['SEC-010', 'low', 'met']);
    expect(failing(xs, 'high')).toEqual(['SEC-001 (high)', 'SEC-020 (critical)']);
    expect(failing(xs, 'low')).toEqual(['SEC-001 (high)', 'SEC-003 (medium)', 'SEC-020 (critical)']);
  });

  it('rejects an unknown severity with a usage error listing the accepted ones', () => {
    expect(() => failsAt(medium, 'severe' as Severity)).toThrow(GeneratorError);
    expect(() => failsAt(medium, 'severe' as Severity)).toThrow("unknown severity 'severe' (expected critical, high, medium, low)");
    expect(() => failing(medium, 'severe' as Severity)).toThrow("unknown severity 'severe' (expected critical, high, medium, low)");
  });
});
