/**
 * The Markdown report: goldens (reviewed line by line, regenerated only with UPDATE_GOLDEN=1 and read
 * in `git diff test/diff/golden`), the hard size limit with its truncation line, escaping of estate
 * text, and the JSON report beside it.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffJson } from '../../diagrams/diff/json.ts';
import { DIFF_MARKER, money, renderMarkdown } from '../../diagrams/diff/markdown.ts';
import { diffSides } from '../../diagrams/diff/report.ts';
import { render, scanHtml } from '../docs/html.ts';
import { allow, EstateFixture } from '../fixtures/estates.ts';
import { lines } from './helpers.ts';
import { documents, fixture, reportOf } from './scenario.ts';

const GOLDEN = path.join(import.meta.dirname, 'golden');

function golden(file: string, actual: string): void {
  const p = path.join(GOLDEN, file);
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(p, actual);
    return;
  }
  if (!existsSync(p)) throw new Error(`missing golden ${file}: run with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(readFileSync(p, 'utf8'));
}

describe('goldens', () => {
  it('several changes at once', () => {
    golden('several-changes.md', renderMarkdown(reportOf(fixture(), fixture('widen', 'boundary-removed', 'shared', 'rotation-removed', 'plain-type'))));
  });
  it('a stack added', () => {
    golden('stack-added.md', renderMarkdown(reportOf(fixture(), fixture('stack-added'))));
  });
});

/** An estate whose prod stack has `n` roles each reading its own secret (each a change when added). */
function many(n: number): EstateFixture {
  const f = new EstateFixture('big');
  const s = f.stack('prod');
  for (let i = 0; i < n; i++) {
    const name = `svc-${String(i).padStart(4, '0')}`;
    s.secret(`big/prod/${name}`);
    const r = s.role(`${name}-role-with-a-rather-long-name-to-fill-the-report`, { trust: 'lambda' });
    s.policy(`${name}-read`, [allow('secretsmanager:GetSecretValue', s.secretArn(`big/prod/${name}`, '*'))], { roles: [r] });
  }
  return f;
}

describe('the size limit', () => {
  const SUMMARY = 'Change review: 400 principals gain read access; 4 high, 2 medium and 1 low new findings; 1200 resources changed; 400 other resources changed; 1 stack added; +$165.76/month.';
  const report = diffSides({ label: 'empty', docs: [] }, { label: 'big', docs: documents(many(400), 'big') });
  it('stays under the limit, cuts a list at an item, and says what was left out and where the rest is', () => {
    const text = renderMarkdown(report, { limit: 20_000, detailsUrl: 'https://example.com/run/1' });
    expect(text.length).toBeLessThanOrEqual(20_000);
    const md = lines(text);
    expect(md[0]).toBe(SUMMARY);
    expect(md[1]).toBe(DIFF_MARKER);
    const cut = md.find((l) => l.startsWith('- … and '));
    expect(cut).toMatch(/^- … and \d+ more principals \(left out\)$/);
    const last = md.filter((l) => l !== '').pop()!;
    expect(last).toBe(`**Report cut to stay under 20,000 characters**: left out ${cut!.match(/\d+/)![0]} principals of the access of prod, findings of prod, resources of prod, other resources of prod, cost of prod; see [the full report](https://example.com/run/1).`);
    // Every <details> that was opened is closed.
    expect(md.filter((l) => l === '<details>').length).toBe(md.filter((l) => l === '</details>').length);
  });
  it('the default limit is under GitHub’s 65,536 characters for a comment', () => {
    expect(renderMarkdown(report).length).toBeLessThanOrEqual(60_000);
    expect(renderMarkdown(report, { limit: 1_000_000 })).not.toContain('Report cut');
  });
});

describe('long lists of reads', () => {
  it('name at most twelve resources on a line of the Markdown, all of them in the JSON', () => {
    const make = (wide: boolean) => {
      const f = new EstateFixture('app');
      const s = f.stack('prod');
      for (let i = 0; i < 20; i++) s.secret(`app/prod/s${String(i).padStart(2, '0')}`);
      const r = s.role('reader', { trust: 'lambda' });
      s.policy('read', [allow('secretsmanager:GetSecretValue', wide ? s.secretArn('app/prod/*', '*') : s.secretArn('app/prod/s00', '*'))], { roles: [r] });
      return f;
    };
    const report = diffSides({ label: 'b', docs: documents(make(false), 'b') }, { label: 'h', docs: documents(make(true), 'h') });
    const line = lines(renderMarkdown(report)).find((l) => l.startsWith('  - gains secrets'))!;
    expect(line).toBe(
      '  - gains secrets `app/prod/s01`, `app/prod/s02`, `app/prod/s03`, `app/prod/s04`, `app/prod/s05`, `app/prod/s06`, `app/prod/s07`, `app/prod/s08`, `app/prod/s09`, `app/prod/s10`, `app/prod/s11`, `app/prod/s12`, and 7 more: certain; via policy `read` (**new or changed**), AWS-managed key aws/secretsmanager statement `Allow access through the service for all principals in the account that are authorized to use it`',
    );
    expect(report.stacks[0]!.access[0]!.gained).toHaveLength(19);
  });
});

describe('escaping', () => {
  it('estate names cannot break out of code spans, tables or the details blocks', () => {
    const f = () => {
      const e = new EstateFixture('app');
      return e;
    };
    const base = f();
    base.stack('prod');
    const head = f();
    const s = head.stack('prod');
    const evil = 'x`|</details><img src=x onerror=alert(1)>';
    s.secret(`app/prod/${evil}`);
    const r = s.role(`role-${evil}`.slice(0, 60), { trust: 'lambda' });
    s.policy('p', [allow('secretsmanager:GetSecretValue', '*')], { roles: [r] });
    const text = renderMarkdown(diffSides({ label: 'b', docs: documents(base, 'b') }, { label: 'h', docs: documents(head, 'h') }));
    expect(text).toContain('- secret ``app/prod/x`\\|</details><img src=x onerror=alert(1)>`` added');
    // Rendered as a permissive viewer does, only the report's own tags come out.
    const tags = new Set(scanHtml(render(text)).tags.map((t) => t.name));
    expect([...tags].filter((t) => !['details', 'summary', 'b', 'p', 'ul', 'li', 'code', 'strong', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'h3', 'br'].includes(t))).toEqual([]);
    expect(scanHtml(render(text)).tags.filter((t) => t.name === 'details' && !t.closing).length).toBe(text.split('\n').filter((l) => l === '<details>').length);
  });
  it('money', () => {
    expect([money(0), money(0.8), money(-1.2), money(0.001), money(-0.004)]).toEqual(['$0.00', '+$0.80', '-$1.20', '+<$0.01', '-<$0.01']);
  });
});

describe('JSON', () => {
  it('is versioned, deterministic and holds what the Markdown says', () => {
    const report = reportOf(fixture(), fixture('shared'));
    const a = diffJson(report, ['x']);
    expect(a).toBe(diffJson(reportOf(fixture(), fixture('shared')), ['x']));
    const j = JSON.parse(a) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['schemaVersion', 'generator', 'kind', 'base', 'head', 'unchanged', 'summary', 'failures', 'stacks', 'parity']);
    expect(j.schemaVersion).toBe(1);
    expect(j.failures).toEqual(['x']);
    const prod = (j.stacks as { stack: string; access: { kind: string; name: string; change: string; gained: { kind: string; name: string; certainty: string; sensitive: boolean }[] }[] }[]).find((s) => s.stack === 'prod')!;
    expect(prod.access.map((p) => [p.kind, p.name, p.change])).toEqual([['account', 'account 444455556666', 'added']]);
    expect(prod.access[0]!.gained.map((g) => [g.kind, g.name, g.certainty, g.sensitive])).toEqual([['secret', 'app/prod/api', 'conditional', true]]);
  });
});
