/**
 * Assertion helpers shared by the compliance tests: the finding of one rule for one stack, and its
 * subjects as `name: detail` lines split by status, so that a test states the exact expectation.
 */

import { expect } from 'vitest';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import type { RuleOptions } from '../../diagrams/compliance/rules/index.ts';
import type { Finding } from '../../diagrams/compliance/types.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import type { EstateFixture } from '../fixtures/estates.ts';

/** The finding of `ruleId` for `stack` (the fixture's estate is built on each call). */
export function finding(estate: Estate | EstateFixture, stack: string, ruleId: string, options: Partial<RuleOptions> = {}): Finding {
  const e = 'estate' in estate && typeof estate.estate === 'function' ? estate.estate() : (estate as Estate);
  const f = evaluateRules(e, stack, options).find((x) => x.ruleId === ruleId);
  if (f === undefined) throw new Error(`no finding ${ruleId}`);
  return f;
}

/** `name: detail` of the subjects not met, in the finding's order. */
export function notMet(f: Finding): string[] {
  return f.subjects.filter((s) => s.status === 'not-met').map((s) => `${s.name}: ${s.detail}`);
}

/** `name: detail` of the subjects met, in the finding's order. */
export function met(f: Finding): string[] {
  return f.subjects.filter((s) => s.status === 'met').map((s) => `${s.name}: ${s.detail}`);
}

/** The finding has exactly these subjects, not met and met, and the status they add up to. */
export function expectSubjects(f: Finding, expected: { notMet?: string[]; met?: string[] }): void {
  const want = { notMet: expected.notMet ?? [], met: expected.met ?? [] };
  expect({ notMet: notMet(f), met: met(f) }).toEqual(want);
  expect(f.status).toBe(want.notMet.length > 0 ? 'not-met' : want.met.length > 0 ? 'met' : 'not-applicable');
}

/** The rule has nothing to judge in the stack. */
export function expectNotApplicable(f: Finding): void {
  expect(f.subjects).toEqual([]);
  expect(f.status).toBe('not-applicable');
}
