/**
 * The change review as Markdown for a pull request comment:
 *   1. one summary line (`Change review: 3 principals gain read access; 1 new high finding; +$0.80/month`);
 *   2. a hidden marker line (`<!-- mono-repo-secrets-docs:diff -->`) by which a CI job finds and
 *      updates its own comment;
 *   3. what was compared, and a short table of the changed stacks;
 *   4. per changed stack, <details> blocks: access, findings, resources, other types, cost; then
 *      environment parity.
 * The text stays below a hard limit (60,000 characters by default, under GitHub's 65,536 for a
 * comment): blocks that do not fit are left out whole (a long list is cut at an item), and a last
 * line says what was left out and where the full report is. Every piece of estate text goes
 * through the escaping of diagrams/docs/escape.ts; no secret value is in the report to begin with.
 */

import { SEVERITIES } from '../compliance/types.ts';
import { code, md } from '../docs/escape.ts';
import { PRINCIPAL_LABEL } from '../views/style.ts';
import type { DiffReport, FindingChange, ParityChange, PrincipalChange, PropertyChange, ReadChange, ResourceChange, StackDiff, TypeCountChange, ViaRef } from './types.ts';

export const DIFF_MARKER = '<!-- mono-repo-secrets-docs:diff -->';
export const DEFAULT_LIMIT = 60_000;

export interface MarkdownOptions {
  /** Hard limit on the length of the text (default 60,000). */
  readonly limit?: number;
  /** Where the full report is (a CI run's page), for the truncation line. */
  readonly detailsUrl?: string;
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** `+$0.80`, `-$1.20`, `$0.00`; a change below a cent as `+<$0.01`. */
export function money(delta: number): string {
  if (delta === 0) return '$0.00';
  const sign = delta > 0 ? '+' : '-';
  const abs = Math.abs(delta);
  return abs < 0.005 ? `${sign}<$0.01` : `${sign}$${abs.toFixed(2)}`;
}

// ─── Summary ────────────────────────────────────────────────────────────────────────

function findingsPhrase(r: DiffReport): string | undefined {
  const parts = SEVERITIES.filter((s) => r.summary.newFindings[s] !== undefined).map((s) => `${r.summary.newFindings[s]} ${s}`);
  if (parts.length === 0) return undefined;
  const n = SEVERITIES.reduce((a, s) => a + (r.summary.newFindings[s] ?? 0), 0);
  return `${parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]} new ${n === 1 ? 'finding' : 'findings'}`;
}

/** The first line. */
export function summaryLine(r: DiffReport): string {
  const s = r.summary;
  const stacks = r.stacks.length;
  if (r.unchanged) return `Change review: no change to access, findings, resources, cost or parity in ${plural(stacks, 'stack')}.`;
  const parts: string[] = [];
  if (s.principalsGaining > 0) parts.push(`${plural(s.principalsGaining, 'principal')} ${s.principalsGaining === 1 ? 'gains' : 'gain'} read access`);
  if (s.principalsLosing > 0) parts.push(`${plural(s.principalsLosing, 'principal')} ${s.principalsLosing === 1 ? 'loses' : 'lose'} access`);
  const f = findingsPhrase(r);
  if (f !== undefined) parts.push(f);
  if (s.resolvedFindings > 0) parts.push(`${plural(s.resolvedFindings, 'finding')} resolved`);
  if (s.newlyNotApplicable > 0) parts.push(`${plural(s.newlyNotApplicable, 'rule')} newly not applicable`);
  if (s.resourcesChanged > 0) parts.push(`${plural(s.resourcesChanged, 'resource')} changed`);
  if (s.otherResourcesChanged > 0) parts.push(`${plural(s.otherResourcesChanged, 'other resource')} changed`);
  if (s.stacksAdded > 0) parts.push(`${plural(s.stacksAdded, 'stack')} added`);
  if (s.stacksRemoved > 0) parts.push(`${plural(s.stacksRemoved, 'stack')} removed`);
  if (s.parityChanges > 0) parts.push(`${plural(s.parityChanges, 'parity change')}`);
  if (s.costDelta !== 0) parts.push(`${money(s.costDelta)}/month`);
  if (parts.length === 0) parts.push(`${plural(s.stacksChanged, 'stack')} changed`);
  return `Change review: ${parts.join('; ')}.`;
}

// ─── Pieces of text ─────────────────────────────────────────────────────────────────

function viaText(v: ViaRef): string {
  const sid = v.sid !== undefined ? ` statement ${code(v.sid)}` : '';
  const what =
    v.kind === 'identity'
      ? `policy ${code(v.name)}${sid}${v.group !== undefined ? ` through group ${code(v.group)}` : ''}`
      : v.kind === 'boundary'
        ? `boundary ${code(v.name)}`
        : `${md(v.name)}${sid}`;
  return v.changed ? `${what} (**new or changed**)` : what;
}

/** Names listed on one line of reads before `and N more` (the JSON report lists them all). */
const MAX_NAMES = 12;

/** Grants in the order a reader looks for them: what the principal holds, then what the resource allows. */
const VIA_ORDER = ['identity', 'boundary', 'resource-policy', 'grant', 'key-policy', 'aws-managed-key'];

const NOUN: Readonly<Record<ReadChange['kind'], [string, string]>> = {
  parameter: ['parameter', 'parameters'],
  secret: ['secret', 'secrets'],
  key: ['decrypt with key', 'decrypt with keys'],
  'secret-write': ['write (rotate) secret', 'write (rotate) secrets'],
};

function readName(r: ReadChange): string {
  return r.count !== undefined ? `${code(r.name)} (all ${r.count} parameters)` : code(r.name);
}

/**
 * One line per kind, stack, certainty and grants: `gains secrets `a`, `b`: certain; via policy `p`
 * statement `S` (**new or changed**), key policy of alias/k statement `K``.
 */
function readLines(list: readonly ReadChange[], verb: string): string[] {
  const groups = new Map<string, ReadChange[]>();
  for (const r of list) {
    const texts = r.via.map((v) => ({ changed: v.changed, rank: VIA_ORDER.indexOf(v.kind), text: viaText(v) }));
    const via = texts
      .sort((a, b) => Number(b.changed) - Number(a.changed) || a.rank - b.rank || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0))
      .map((v) => v.text)
      .join(', ');
    const k = `${r.kind}\u0000${r.stack ?? ''}\u0000${r.certainty}\u0000${via}`;
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(r);
  }
  return [...groups.entries()].map(([k, rs]) => {
    const r = rs[0]!;
    const via = k.split('\u0000')[3]!;
    const n = rs.reduce((a, x) => a + (x.count ?? 1), 0);
    const where = r.stack !== undefined ? ` (in ${md(r.stack)})` : '';
    const names = rs.slice(0, MAX_NAMES).map(readName);
    if (rs.length > MAX_NAMES) names.push(`and ${rs.length - MAX_NAMES} more`);
    return `${verb} ${NOUN[r.kind][n === 1 ? 0 : 1]} ${names.join(', ')}${where}: ${r.certainty}${via ? `; via ${via}` : ''}`;
  });
}

const valueText = (v: string | undefined): string => (v === undefined || v === '' ? 'none' : code(v));

/** `boundary: `arn…` → none`; `policies: + `a`, − `b``. */
export function propertyText(p: PropertyChange): string {
  if (p.added !== undefined || p.removed !== undefined) {
    const parts = [...(p.added ?? []).map((v) => `+ ${code(v)}`), ...(p.removed ?? []).map((v) => `− ${code(v)}`)];
    return `${md(p.property)}: ${parts.join(', ')}`;
  }
  const note = p.property === 'type' && p.base === 'SecureString' && p.head !== 'SecureString' ? ' (**no longer encrypted**)' : '';
  return `${md(p.property)}: ${valueText(p.base)} → ${valueText(p.head)}${note}`;
}

function principalHead(p: PrincipalChange, stack: StackDiff): string {
  const where = p.stack !== undefined && p.stack !== stack.stack && p.stack !== `${stack.project}/${stack.stack}` ? ` (of ${md(p.stack)})` : '';
  const label = PRINCIPAL_LABEL[p.kind as keyof typeof PRINCIPAL_LABEL] ?? md(p.kind);
  const change = p.change === 'added' ? ' (new)' : p.change === 'removed' ? ' (removed)' : '';
  return `- **${label}** ${code(p.name)}${where}${change}`;
}

function principalItem(p: PrincipalChange, stack: StackDiff): string {
  const lines = [principalHead(p, stack)];
  for (const x of p.properties) lines.push(`  - ${propertyText(x)}`);
  for (const l of readLines(p.gained, 'gains')) lines.push(`  - ${l}`);
  for (const l of readLines(p.lost, 'loses')) lines.push(`  - ${l}`);
  for (const c of p.certainty) lines.push(`  - ${c.kind} ${code(c.name)}: ${c.base} → ${c.head}`);
  return lines.join('\n');
}

function findingRow(f: FindingChange): string {
  // A rule met (or with nothing to judge) lists what was not met before.
  const was = f.change === 'newly not met' || f.change === 'more resources not met' ? '' : 'was not met: ';
  const res = f.resources.map((r) => `${was}${code(r.name)}: ${md(r.detail)}`).join('<br>') || '—';
  return `| ${md(f.id)} ${md(f.title)} | ${f.severity} | ${f.change} | ${res} |`;
}

function resourceItem(r: ResourceChange): string {
  const props = r.properties.map(propertyText);
  const pv = r.preview
    ? [`Pulumi plans ${md(r.preview.op)}${r.preview.properties.length ? ` of ${r.preview.properties.map(code).join(', ')}` : ''}${r.preview.replaceReasons.length ? ` (replaced for ${r.preview.replaceReasons.map(code).join(', ')})` : ''}`]
    : [];
  const detail = [...props, ...pv];
  const head = `- ${r.kind} ${code(r.name)} ${r.change}`;
  return detail.length === 0 ? head : detail.length === 1 ? `${head}: ${detail[0]}` : [`${head}:`, ...detail.map((d) => `  - ${d}`)].join('\n');
}

/** Updated or replaced resources listed in a cell of the other types' table. */
const MAX_UPDATES = 5;

function othersRow(t: TypeCountChange, planned: boolean): string {
  const listed = (t.updates ?? []).slice(0, MAX_UPDATES).map((u) => `${code(u.name)}${u.properties.length ? ` (${u.properties.map(code).join(', ')})` : ''}${u.op === 'replace' ? ' replaced' : ''}`);
  const more = (t.updates?.length ?? 0) > MAX_UPDATES ? [`and ${(t.updates?.length ?? 0) - MAX_UPDATES} more`] : [];
  const counts = t.ops ? Object.entries(t.ops).map(([op, n]) => `${n} ${md(op)}`).join(', ') : '—';
  const ops = listed.length > 0 ? `${counts}: ${[...listed, ...more].join(', ')}` : counts;
  return `| ${code(t.type)} | ${t.base} | ${t.head} |${planned ? ` ${ops} |` : ''}`;
}

function parityCell(p: ParityChange, env: string): string {
  const b = p.base[env];
  const h = p.head[env];
  if (b === h) return b === undefined ? '—' : md(b);
  return `${b === undefined ? '—' : md(b)} → ${h === undefined ? '—' : md(h)}`;
}

// ─── Blocks ─────────────────────────────────────────────────────────────────────────

/** A part of the report that is kept or left out whole, or cut at an item. */
interface Block {
  /** What it is, for the truncation line (`access of prod`). */
  readonly what: string;
  readonly head: readonly string[];
  readonly items: readonly string[];
  readonly tail: readonly string[];
  /** The item kind, for `… and 3 more principals`. */
  readonly unit: string;
}

function details(summary: string, what: string, unit: string, before: string[], items: string[], after: string[] = []): Block {
  return { what, unit, head: ['<details>', `<summary>${summary}</summary>`, '', ...before], items, tail: [...after, '', '</details>', ''] };
}

function accessSummary(s: StackDiff): string {
  const gain = s.access.filter((p) => p.gained.length > 0).length;
  const sens = s.access.filter((p) => p.gained.some((r) => r.sensitive)).length;
  const lose = s.access.filter((p) => p.lost.length > 0).length;
  const other = s.access.length - s.access.filter((p) => p.gained.length > 0 || p.lost.length > 0).length;
  const parts = [
    ...(gain > 0 ? [`${plural(gain, 'principal')} ${gain === 1 ? 'gains' : 'gain'} access${sens > 0 ? ` (${sens} to a secret, SecureString or key)` : ''}`] : []),
    ...(lose > 0 ? [`${plural(lose, 'principal')} ${lose === 1 ? 'loses' : 'lose'} access`] : []),
    ...(other > 0 ? [`${plural(other, 'other principal')} changed`] : []),
  ];
  return `<b>Access</b>: ${parts.join(', ')}`;
}

function stackBlocks(s: StackDiff): Block[] {
  const name = md(s.stack);
  const blocks: Block[] = [];
  const heading = `### ${name}${s.change === 'added' ? ' (added)' : s.change === 'removed' ? ' (removed)' : ''}`;
  blocks.push({ what: `heading of ${s.stack}`, unit: 'line', head: [heading, ''], items: [], tail: [] });
  if (s.access.length > 0) blocks.push(details(accessSummary(s), `access of ${s.stack}`, 'principal', [], s.access.map((p) => principalItem(p, s))));
  if (s.findings.length > 0) {
    const newly = s.findings.filter((f) => f.change === 'newly not met' || f.change === 'more resources not met').length;
    const summary = `<b>Findings</b>: ${plural(newly, 'rule')} newly not met, ${plural(s.findings.length - newly, 'other change')}`;
    blocks.push(details(summary, `findings of ${s.stack}`, 'rule', ['| Rule | Severity | Change | Resources |', '| --- | --- | --- | --- |'], s.findings.map(findingRow)));
  }
  if (s.resources.length > 0) blocks.push(details(`<b>Resources</b>: ${plural(s.resources.length, 'change')}`, `resources of ${s.stack}`, 'resource', ['Roles, users and groups that change otherwise are under Access.', ''], s.resources.map(resourceItem)));
  if ((s.others?.length ?? 0) > 0) {
    const planned = s.others!.some((t) => t.ops !== undefined);
    const header = planned ? ['| Type | Base | Head | Preview |', '| --- | --- | --- | --- |'] : ['| Type | Base | Head |', '| --- | --- | --- |'];
    blocks.push(details(`<b>Other resources</b>: ${plural(s.others!.length, 'type')} changed`, `other resources of ${s.stack}`, 'type', header, s.others!.map((t) => othersRow(t, planned))));
  }
  if (s.cost.delta !== 0) blocks.push({ what: `cost of ${s.stack}`, unit: 'line', head: [`Cost: ${s.cost.base !== undefined ? `$${s.cost.base.toFixed(2)}` : '—'} → ${s.cost.head !== undefined ? `$${s.cost.head.toFixed(2)}` : '—'} a month (${money(s.cost.delta)}).`, ''], items: [], tail: [] });
  return blocks;
}

function parityBlock(r: DiffReport): Block | undefined {
  if (r.parity.length === 0) return undefined;
  const envs = [...new Set(r.parity.flatMap((p) => [...Object.keys(p.base), ...Object.keys(p.head)]))].sort();
  const many = new Set(r.parity.map((p) => p.project)).size > 1;
  const header = [`| ${many ? 'Project | ' : ''}Kind | Name (relative to the environment) | ${envs.map(md).join(' | ')} |`, `| ${many ? '--- | ' : ''}--- | --- | ${envs.map(() => '---').join(' | ')} |`];
  const rows = r.parity.map((p) => `| ${many ? `${md(p.project)} | ` : ''}${p.kind} | ${code(p.name)} | ${envs.map((e) => parityCell(p, e)).join(' | ')} |`);
  const b = details(`<b>Environment parity</b>: ${plural(r.parity.length, 'change')}`, 'environment parity', 'row', header, rows);
  return { ...b, head: ['### Environment parity', '', ...b.head] };
}

function overview(r: DiffReport): string[] {
  const changed = r.stacks.filter((s) => s.change !== 'unchanged');
  const same = r.stacks.filter((s) => s.change === 'unchanged');
  const lines = [`Base: ${md(r.base)}. Head: ${md(r.head)}.`, ''];
  if (changed.length > 0) {
    lines.push('| Stack | Change | Access | Findings newly not met | Resources | Cost a month |', '| --- | --- | --- | --- | --- | --- |');
    for (const s of changed) {
      const gain = s.access.filter((p) => p.gained.length > 0).length;
      const lose = s.access.filter((p) => p.lost.length > 0).length;
      const access = [gain > 0 ? `${gain} gain` : '', lose > 0 ? `${lose} lose` : ''].filter(Boolean).join(', ') || '—';
      const newly = s.findings.filter((f) => f.change === 'newly not met' || f.change === 'more resources not met');
      const sev = SEVERITIES.map((x) => [x, newly.filter((f) => f.severity === x).length] as const).filter(([, n]) => n > 0).map(([x, n]) => `${n} ${x}`).join(', ') || '—';
      lines.push(`| ${md(s.stack)} | ${s.change} | ${access} | ${sev} | ${s.resources.length || '—'} | ${s.cost.delta !== 0 ? money(s.cost.delta) : '—'} |`);
    }
    lines.push('');
  }
  if (same.length > 0) lines.push(`Unchanged: ${same.map((s) => md(s.stack)).join(', ')}.`, '');
  return lines;
}

// ─── Assembly under the limit ───────────────────────────────────────────────────────

const RESERVE = 1_500;
/** A URL written as a link target as it is: http(s), nothing that could end the link or start markup. */
const SAFE_URL = /^https?:\/\/[A-Za-z0-9\-._~:/?#@!$&'*+,;=%]{1,400}$/;

function truncationLine(left: readonly string[], limit: number, detailsUrl: string | undefined): string {
  const shown = left.slice(0, 8).map((x) => md(x));
  const more = left.length > shown.length ? ` and ${left.length - shown.length} more` : '';
  const where = detailsUrl === undefined ? 'every change is in the JSON report (`--format json`) and in Markdown with a higher `--md-limit`' : SAFE_URL.test(detailsUrl) ? `see [the full report](${detailsUrl})` : `the full report: ${md(detailsUrl)}`;
  return `**Report cut to stay under ${limit.toLocaleString('en-US')} characters**: left out ${shown.join(', ')}${more}; ${where}.`;
}

/** The report as Markdown, at most `limit` characters. */
export function renderMarkdown(r: DiffReport, opts: MarkdownOptions = {}): string {
  const limit = opts.limit ?? DEFAULT_LIMIT;
  const head = [summaryLine(r), DIFF_MARKER];
  if (r.unchanged) return `${head.join('\n')}\n`;
  const out: string[] = [...head, '', ...overview(r)];
  let size = out.reduce((n, l) => n + l.length + 1, 0);
  const budget = limit - RESERVE;
  const left: string[] = [];
  const blocks = [...r.stacks.filter((s) => s.change !== 'unchanged').flatMap(stackBlocks), ...[parityBlock(r)].filter((b): b is Block => b !== undefined)];
  for (const b of blocks) {
    if (left.length > 0) {
      left.push(b.what);
      continue;
    }
    const cost = (lines: readonly string[]) => lines.reduce((n, l) => n + l.length + 1, 0);
    const fixed = cost(b.head) + cost(b.tail) + 80;
    if (size + fixed + cost(b.items) <= budget) {
      out.push(...b.head, ...b.items, ...b.tail);
      size += fixed - 80 + cost(b.items);
      continue;
    }
    const kept: string[] = [];
    let used = size + fixed;
    for (const it of b.items) {
      if (used + it.length + 1 > budget) break;
      kept.push(it);
      used += it.length + 1;
    }
    if (kept.length === 0) {
      left.push(b.what);
      continue;
    }
    const rest = b.items.length - kept.length;
    const cut = `… and ${plural(rest, `more ${b.unit}`)} (left out)`;
    // A table ends at a blank line; a list takes one more item.
    out.push(...b.head, ...kept, ...(b.items[0]!.startsWith('|') ? ['', cut] : [`- ${cut}`]), ...b.tail);
    size = used + 80;
    left.push(`${plural(rest, b.unit)} of the ${b.what}`);
  }
  if (left.length > 0) out.push(truncationLine(left, limit, opts.detailsUrl), '');
  const text = `${out.join('\n').replace(/\n+$/, '')}\n`;
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}\n`;
}
