/**
 * The docs and the findings agree: for every stack of the mono-repo-like estate, the foreign estate
 * and an estate big enough that failing subjects are counted, every finding of evaluateRules is one
 * row of the compliance table with its status and severity, every not-met finding has a remediation
 * entry that names its failing subjects (or counts those past the list), every note is listed, the
 * summary counts match, and the index counts the not-met findings of each stack.
 */

import { describe, expect, it } from 'vitest';
import type { Finding } from '../../diagrams/compliance/types.ts';
import { code, md } from '../../diagrams/docs/escape.ts';
import { buildIndex, indexStack } from '../../diagrams/docs/viewmodel.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { foreignEstate } from '../fixtures/foreign.ts';
import { bigEstate, monoEstate } from '../fixtures/mono.ts';
import { section, stackPage, templates } from './helpers.ts';

/** How the page shows a status: written here, apart from the docs code. */
const SHOWN: Readonly<Record<Finding['status'], string>> = { 'not-met': '**NOT MET**', met: 'met', 'not-applicable': 'n/a' };

/** The compliance table rows by rule id: [status, severity]. */
function tableRows(compliance: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  for (const line of compliance.split('\n')) {
    const m = /^\| (.+?) \| (\w+) \| .* \(`(SEC-\d+)`\) \| [\w-]+ \| .* \|$/.exec(line);
    if (m) {
      expect(out.has(m[3]!), `${m[3]} listed twice`).toBe(false);
      out.set(m[3]!, [m[1]!, m[2]!]);
    }
  }
  return out;
}

function remediationLine(compliance: string, f: Finding): string {
  const lines = compliance.split('\n').filter((l) => l.startsWith(`- **${md(f.title)}** (${f.severity}): `));
  expect(lines, f.ruleId).toHaveLength(1);
  return lines[0]!;
}

const estates: [string, () => Estate, boolean][] = [
  ['mono', monoEstate, false],
  ['foreign', foreignEstate, false],
  ['big', bigEstate, true],
];

describe.each(estates)('docs and findings of the %s estate', (_label, make, countsSubjects) => {
  const estate = make();
  let counted = 0;
  for (const { key: stack } of estate.stacks) {
    it(`${stack}: every finding is on the page with its status, severity, failing subjects and note`, async () => {
      const { findings, markdown } = await stackPage(estate, stack);
      const compliance = section(markdown, 'Compliance findings');
      const rows = tableRows(compliance);
      expect([...rows.keys()].sort()).toEqual(findings.map((f) => f.ruleId).sort());
      const count = (s: Finding['status']) => findings.filter((f) => f.status === s).length;
      const applies = count('met') + count('not-met') > 0;
      expect(compliance).toContain(
        applies ? `${count('not-met')} not met, ${count('met')} met, ${count('not-applicable')} not applicable.` : `No control applies to this stack: the ${findings.length} controls are not applicable.`,
      );
      for (const f of findings) {
        expect(rows.get(f.ruleId), f.ruleId).toEqual([SHOWN[f.status], f.severity]);
        if (f.note !== undefined) expect(compliance, f.ruleId).toContain(`- **${md(f.title)}** (${code(f.ruleId)}): ${md(f.note)}.`);
        if (f.status !== 'not-met') {
          expect(compliance.includes(`- **${md(f.title)}** (${f.severity}): `), f.ruleId).toBe(false);
          continue;
        }
        const line = remediationLine(compliance, f);
        const failing = f.subjects.filter((s) => s.status === 'not-met');
        const named = failing.filter((s) => line.includes(`${code(s.name)}: ${md(s.detail)}`));
        // Listed one by one, or the first ones listed and the rest counted.
        if (named.length < failing.length) {
          expect(line, f.ruleId).toContain(`and ${failing.length - named.length} more.`);
          counted++;
        }
        else {
          // Nothing counted after the last subject (a subject's own detail may end in `and N more`).
          const texts = named.map((s) => `${code(s.name)}: ${md(s.detail)}`);
          const end = Math.max(...texts.map((t) => line.lastIndexOf(t) + t.length));
          expect(line.slice(end), f.ruleId).not.toMatch(/and \d+ more/);
        }
        expect(named.length, f.ruleId).toBeGreaterThan(0);
        // A met subject is never named among the failing ones.
        for (const s of f.subjects.filter((x) => x.status === 'met')) expect(line.includes(`${code(s.name)}: ${md(s.detail)}`), `${f.ruleId} ${s.name}`).toBe(false);
      }
    });
  }

  it(countsSubjects ? 'has a finding whose failing subjects are partly counted' : 'lists every failing subject by name', () => {
    expect(counted > 0).toBe(countsSubjects);
  });

  it('the index counts the not-met findings of each stack', async () => {
    const store = Store.of(estate);
    const pages = await Promise.all(estate.stacks.map(async (s) => ({ s, page: await stackPage(estate, s.key) })));
    const index = (await templates()).renderIndex(buildIndex({ stacks: pages.map(({ s, page }) => indexStack(store, s.key, page.findings, page.views, `${s.key}/README.md`)) }).model);
    for (const { s, page } of pages) {
      const row = index.split('\n').find((l) => l.startsWith(`| [${md(s.stack)}](${s.key}/README.md) |`))!;
      expect(row.split(' | ')[5], s.key).toBe(String(page.findings.filter((f) => f.status === 'not-met').length));
    }
  });
});
