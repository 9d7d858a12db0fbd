/**
 * Compliance findings: status, severity, layer and frameworks of each control; for those not met,
 * the remediation and the resources that fail it (up to the page limit, the rest counted); and what
 * a control could not judge in this stack.
 */

import type { Finding } from '../../compliance/types.ts';
import { findingNote } from '../../compliance/rules/index.ts';
import { code, md, mdWithCode } from '../escape.ts';
import { SEVERITY_RANK, STATUS_LABEL } from '../format.ts';
import { table, type ComplianceSection } from '../model.ts';
import type { PageContext } from './context.ts';

/** Failing subjects listed per control before the rest are counted. */
const SUBJECTS_SHOWN = 20;

export function complianceSection(c: PageContext): ComplianceSection {
  const findings = [...c.input.findings].sort((a, b) => {
    const s = (f: Finding) => (f.status === 'not-met' ? 0 : f.status === 'met' ? 1 : 2);
    return s(a) - s(b) || SEVERITY_RANK[a.severity]! - SEVERITY_RANK[b.severity]! || (a.ruleId < b.ruleId ? -1 : 1);
  });
  const count = (st: string) => findings.filter((f) => f.status === st).length;
  const findingTable = table(
    ['Status', 'Severity', 'Control', 'Layer', 'Frameworks'],
    findings.map((f) => [
      STATUS_LABEL[f.status] ?? f.status,
      f.severity,
      `${md(f.title)} (${code(f.ruleId)})`,
      f.layer,
      md([...f.frameworks.soc2.map((x) => `SOC 2 ${x}`), ...f.frameworks.iso27001.map((x) => `ISO 27001 ${x}`), ...f.frameworks.gdpr.map((x) => `GDPR ${x}`)].join(', ')),
    ]),
  );
  const failing = findings
    .filter((f) => f.status === 'not-met')
    .map((f) => {
      const bad = f.subjects.filter((s) => s.status === 'not-met');
      const shown = bad.slice(0, SUBJECTS_SHOWN).map((s) => `${code(s.name)}: ${md(s.detail)}`);
      if (bad.length > shown.length) shown.push(`and ${bad.length - shown.length} more`);
      return { title: md(f.title), severity: f.severity, remediation: mdWithCode(f.remediation), subjects: shown.join('; ') };
    });
  const findingNotes = findings.flatMap((f) => {
    const note = findingNote(f);
    return note === undefined ? [] : [{ title: md(f.title), ruleId: code(f.ruleId), note: md(note) }];
  });
  return {
    hasFindings: findings.length > 0,
    findingSummary:
      count('not-met') + count('met') === 0
        ? `No control applies to this stack: the ${findings.length} controls are not applicable`
        : `${count('not-met')} not met, ${count('met')} met, ${count('not-applicable')} not applicable`,
    findingTable,
    failing,
    hasFailing: failing.length > 0,
    findingNotes,
    hasFindingNotes: findingNotes.length > 0,
  };
}
