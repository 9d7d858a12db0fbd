/**
 * Golden D2 text per view for the fixture estate (prod and dev), an empty estate and a big
 * synthetic one (aggregated). Goldens are reviewed, not blindly regenerated:
 *   UPDATE_GOLDEN=1 npx vitest run test/views   then read `git diff test/views/golden`.
 * Icon data URIs are replaced by a placeholder in goldens so the diffs stay readable.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VIEWS } from '../../diagrams/views/index.ts';
import { DIAGRAMS } from '../../diagrams/views/types.ts';
import { q } from '../../diagrams/views/d2text.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { bigEstate, emptyEstate, fixtureEstate, fixtureFindings } from './fixture-estate.ts';

const GOLDEN = join(import.meta.dirname, 'golden');
const update = process.env.UPDATE_GOLDEN === '1';

function stripIcons(d2: string): string {
  return d2.replace(/"data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/g, '"<icon>"');
}

function golden(file: string, actual: string): void {
  const path = join(GOLDEN, file);
  const text = stripIcons(actual);
  if (update || !existsSync(path)) {
    if (!update) throw new Error(`missing golden ${file}: run with UPDATE_GOLDEN=1 and review it`);
    writeFileSync(path, text);
    return;
  }
  expect(text).toBe(readFileSync(path, 'utf8'));
}

const cases: [string, () => Estate, string][] = [
  ['prod', () => fixtureEstate(), 'prod'],
  ['dev', () => fixtureEstate(), 'dev'],
  ['empty', () => emptyEstate(), 'empty'],
  ['big', () => bigEstate(), 'big'],
];

describe.each(cases)('views for %s', (label, make, stack) => {
  const estate = make();
  const findings = label === 'empty' ? [] : fixtureFindings(stack);
  for (const name of DIAGRAMS) {
    it(`${name} matches its golden`, () => {
      const view = VIEWS[name]({ estate, stack, findings });
      expect(view.name).toBe(name);
      expect(view.title.length).toBeGreaterThan(10);
      golden(`${label}.${name}.d2`, view.d2);
    });
  }
});

describe('view properties', () => {
  it('is deterministic and does not depend on the input order', () => {
    const a = fixtureEstate();
    const b = fixtureEstate(['uat', 'prod', 'dev']);
    for (const name of DIAGRAMS) {
      const x = VIEWS[name]({ estate: a, stack: 'prod', findings: fixtureFindings('prod') }).d2;
      const y = VIEWS[name]({ estate: b, stack: 'prod', findings: [...fixtureFindings('prod')].reverse() }).d2;
      expect(y).toBe(x);
    }
  });

  it('takes names from the estate, never hard-coded', () => {
    const e = fixtureEstate();
    const rename = (s: string): string => s.replaceAll('mono-repo', 'payments').replaceAll('prod', 'live');
    const renamed = JSON.parse(rename(JSON.stringify(e))) as Estate;
    for (const name of DIAGRAMS) {
      const d2 = VIEWS[name]({ estate: renamed, stack: 'live', findings: JSON.parse(rename(JSON.stringify(fixtureFindings('prod')))) }).d2;
      expect(stripIcons(d2)).not.toContain('mono-repo');
      expect(d2).not.toMatch(/\bprod\b/);
    }
    const h = VIEWS.parameter_store_hierarchy({ estate: renamed, stack: 'live', findings: [] });
    expect(h.d2).toContain('/payments/live/');
    expect(h.title).toBe('Where does live keep its configuration, and who reads it?');
  });

  it('the security view counts failing controls in its title', () => {
    const v = VIEWS.security_compliance_controls({ estate: fixtureEstate(), stack: 'prod', findings: fixtureFindings('prod') });
    expect(v.title).toMatch(/\(1 control failing, \d+ met\)/);
    expect(v.d2).toContain('class: status-not-met');
  });

  it('the security view shows the stack\'s own alarms and the referenced stack\'s, not a sibling environment\'s', () => {
    const base = fixtureEstate();
    const alarm = (stack: string, name: string) => ({
      urn: `urn:pulumi:${stack}::mono-repo::aws:cloudwatch/metricAlarm:MetricAlarm::${name}`,
      stack,
      name,
      tags: { Environment: stack },
      protect: false,
      metricName: 'Errors',
      namespace: 'AWS/Lambda',
      watches: 'other' as const,
      topics: [base.audit.topics[0]!.urn],
    });
    const estate: Estate = {
      ...base,
      audit: { ...base.audit, alarms: [...base.audit.alarms, alarm('dev', 'mono-repo-dev-secret-rotation-errors'), alarm('prod', 'mono-repo-prod-secret-rotation-errors'), alarm('uat', 'mono-repo-uat-secret-rotation-errors')] },
    };
    const d2 = VIEWS.security_compliance_controls({ estate, stack: 'prod', findings: fixtureFindings('prod') }).d2;
    expect(d2).toMatch(/"alarm mono-repo-prod-secret-rotation-erro…\\nErrors\\n→ SNS mono-repo-security-alerts" \{ class: step \}/);
    expect(d2).toMatch(/"alarm mono-repo-access-denied\\naccess-denied\\n→ SNS mono-repo-security-alerts\\nfrom stack shared" \{ class: external \}/);
    expect(d2).not.toMatch(/mono-repo-(dev|uat)-/);
    // The shared stack draws its own pieces, not muted, and no environment's alarm.
    const shared = VIEWS.security_compliance_controls({ estate, stack: 'shared', findings: [] }).d2;
    expect(shared).toContain('"alarm mono-repo-access-denied\\naccess-denied\\n→ SNS mono-repo-security-alerts" { class: step }');
    expect(shared).not.toMatch(/secret-rotation-erro|class: external/);
  });

  it('aggregates a 10,000-parameter / 1,000-secret stack to at most ~60 boxes per view', () => {
    const e = bigEstate();
    for (const name of DIAGRAMS) {
      const d2 = VIEWS[name]({ estate: e, stack: 'big', findings: [] }).d2;
      const boxes = (d2.match(/\{ class: /g) ?? []).length;
      expect(boxes, name).toBeLessThanOrEqual(90);
    }
    const h = VIEWS.parameter_store_hierarchy({ estate: e, stack: 'big', findings: [] }).d2;
    expect(h).toMatch(/svc00\/\\n200 parameters in 10 folders\\n120 String, 40 StringList, 40 SecureString/);
  });

  it('escapes labels with quotes, dollars, braces and backslashes', () => {
    expect(q('a "b" ${c} {d} \\e\nf')).toBe('"a \\"b\\" \\${c} {d} \\\\e\\nf"');
  });
});
