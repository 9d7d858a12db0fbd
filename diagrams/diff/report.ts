/**
 * The change review of a base and a head: stacks matched by project and stack (one on one side only
 * is added or removed as a whole), then per stack the access, finding, resource, other-type and
 * cost changes, and across stacks the environment parity changes; the summary counts; and what
 * `--fail-on` decides from them.
 */

import { SEVERITIES, type Severity } from '../compliance/types.ts';
import { stackDirs } from '../pipeline/paths.ts';
import { expandFolders } from './document.ts';
import { compareStrings } from '../util/collections.ts';
import { compareAccess } from './access.ts';
import { compareFindings, isNewFinding } from './findings.ts';
import { compareParity } from './parity.ts';
import { compareOthers, compareResources } from './resources.ts';
import { SideIndex } from './side-index.ts';
import type { DiffReport, DiffSummary, EstateDoc, PreviewChange, PrincipalChange, ResourceChange, Side, StackDiff } from './types.ts';

export interface StackPair {
  readonly project: string;
  readonly stack: string;
  readonly base?: EstateDoc;
  readonly head?: EstateDoc;
}

/** Stacks of both sides by project and stack, sorted. */
export function matchStacks(base: readonly EstateDoc[], head: readonly EstateDoc[]): StackPair[] {
  const m = new Map<string, { project: string; stack: string; base?: EstateDoc; head?: EstateDoc }>();
  const slot = (d: EstateDoc) => {
    const k = `${d.project}\u0000${d.stack}`;
    return m.get(k) ?? m.set(k, { project: d.project, stack: d.stack }).get(k)!;
  };
  for (const d of base) slot(d).base = d;
  for (const d of head) slot(d).head = d;
  return [...m.values()].sort((a, b) => compareStrings(a.project, b.project) || compareStrings(a.stack, b.stack));
}

const round = (x: number): number => Math.round(x * 10000) / 10000;

/**
 * The grants the change adds or edits, so that a read through them is marked: a policy's URN (a new
 * policy, or a statement without a sid changed), `<urn>#<sid>` (one statement changed), the same by
 * name for resource and key policies (`policy of <secret>#<sid>`), and `grant <name>` (a KMS grant
 * added or changed).
 */
function changedGrants(pair: StackPair, resources: readonly ResourceChange[]): Set<string> {
  const out = new Set<string>();
  const urns = (kind: string, name: string): string[] => {
    const find = (d: EstateDoc | undefined) => (kind === 'policy' ? d?.policies : kind === 'secret' ? d?.secrets : d?.keys)?.find((x) => x.name === name)?.urn;
    return [...new Set([find(pair.head), find(pair.base)].filter((u): u is string => u !== undefined))];
  };
  for (const r of resources) {
    if (r.kind !== 'policy' && r.kind !== 'secret' && r.kind !== 'key') continue;
    const targets = urns(r.kind, r.name);
    if (r.kind === 'policy' && (r.change === 'added' || r.change === 'replaced')) for (const u of targets) out.add(u);
    // A resource or key policy is named in a grant as `policy of <secret>` / `key policy of <key>`.
    const named = r.kind === 'secret' ? `policy of ${r.name}` : r.kind === 'key' ? `key policy of ${r.name}` : undefined;
    for (const p of r.properties) {
      const st = /(?:^|policy )statement(?: (.+))?$/.exec(p.property);
      if (st) for (const u of [...targets, ...(named !== undefined ? [named] : [])]) out.add(st[1] === undefined ? u : `${u}#${st[1]}`);
      const grant = /^grant (.+)$/.exec(p.property);
      if (grant) out.add(`grant ${grant[1]}`);
    }
  }
  return out;
}

function stackDiff(pair: StackPair, base: SideIndex, head: SideIndex, preview: readonly PreviewChange[], dirs: ReadonlyMap<string, string>): StackDiff {
  const doc = (pair.head ?? pair.base)!;
  const steps = preview.filter((s) => s.urn.startsWith(`urn:pulumi:${pair.stack}::${pair.project}::`));
  const resources = compareResources(pair.base, pair.head, steps);
  const access = compareAccess(pair.base, pair.head, { base, head, changedGrants: changedGrants(pair, resources) });
  const findings = compareFindings(pair.base, pair.head);
  const others = compareOthers(pair.base, pair.head, steps);
  const cost = { ...(pair.base?.cost !== undefined ? { base: pair.base.cost } : {}), ...(pair.head?.cost !== undefined ? { head: pair.head.cost } : {}), delta: round((pair.head?.cost ?? 0) - (pair.base?.cost ?? 0)) };
  const any = access.length + findings.length + resources.length + (others?.length ?? 0) > 0 || cost.delta !== 0;
  const change = pair.base === undefined ? 'added' : pair.head === undefined ? 'removed' : any ? 'changed' : 'unchanged';
  return { project: pair.project, stack: pair.stack, dir: dirs.get(doc.key)!, change, access, findings, resources, ...(others !== undefined ? { others } : {}), cost };
}

const principalId = (p: PrincipalChange): string => `${p.kind}\u0000${p.stack ?? ''}\u0000${p.name}`;

function summarise(stacks: readonly StackDiff[], parityChanges: number): DiffSummary {
  const gaining = new Set<string>();
  const losing = new Set<string>();
  const sensitive = new Set<string>();
  const newFindings: Partial<Record<Severity, number>> = {};
  let resolved = 0;
  let notApplicable = 0;
  for (const s of stacks) {
    for (const p of s.access) {
      if (p.gained.length > 0) gaining.add(principalId(p));
      if (p.lost.length > 0) losing.add(principalId(p));
      if (p.gained.some((r) => r.sensitive)) sensitive.add(principalId(p));
    }
    for (const f of s.findings) {
      if (isNewFinding(f)) newFindings[f.severity] = (newFindings[f.severity] ?? 0) + 1;
      else if (f.change === 'newly not applicable') notApplicable++;
      else resolved++;
    }
  }
  const ordered = Object.fromEntries(SEVERITIES.filter((x) => newFindings[x] !== undefined).map((x) => [x, newFindings[x]!]));
  return {
    principalsGaining: gaining.size,
    principalsLosing: losing.size,
    principalsGainingSensitive: sensitive.size,
    newFindings: ordered,
    resolvedFindings: resolved,
    newlyNotApplicable: notApplicable,
    resourcesChanged: stacks.reduce((n, s) => n + s.resources.length, 0),
    otherResourcesChanged: stacks.reduce((n, s) => n + (s.others ?? []).reduce((m, t) => m + (t.ops ? Object.values(t.ops).reduce((a, x) => a + x, 0) : Math.abs(t.head - t.base)), 0), 0),
    stacksAdded: stacks.filter((s) => s.change === 'added').length,
    stacksRemoved: stacks.filter((s) => s.change === 'removed').length,
    stacksChanged: stacks.filter((s) => s.change === 'changed').length,
    parityChanges,
    costDelta: round(stacks.reduce((n, s) => n + s.cost.delta, 0)),
  };
}

/** The change review of `head` against `base`; `preview`: the steps of a preview compared alone. */
export function diffSides(baseSide: Side, headSide: Side, preview: readonly PreviewChange[] = []): DiffReport {
  // Folders of another stack's resources, expanded against that stack's document on the same side.
  const base = { ...baseSide, docs: expandFolders(baseSide.docs) };
  const head = { ...headSide, docs: expandFolders(headSide.docs) };
  const bi = new SideIndex(base.docs);
  const hi = new SideIndex(head.docs);
  const named = new Map([...base.docs, ...head.docs].map((d) => [d.key, { key: d.key, project: d.project, stack: d.stack }]));
  const dirs = stackDirs([...named.values()]);
  const stacks = matchStacks(base.docs, head.docs).map((p) => stackDiff(p, bi, hi, preview, dirs));
  const parity = compareParity(base.docs, head.docs);
  const summary = summarise(stacks, parity.length);
  return { base: base.label, head: head.label, stacks, parity, summary, unchanged: stacks.every((s) => s.change === 'unchanged') && parity.length === 0 };
}

/** A `--fail-on` condition: any principal gains a sensitive read, or a finding at or above a severity is newly not met. */
export type FailOn = { readonly kind: 'new-access' } | { readonly kind: 'new-finding'; readonly severity: Severity };

/** Why the report fails the conditions (one line each); empty when it does not. */
export function failures(report: DiffReport, conditions: readonly FailOn[]): string[] {
  const out: string[] = [];
  for (const c of conditions) {
    if (c.kind === 'new-access') {
      const n = report.summary.principalsGainingSensitive;
      if (n > 0) out.push(`new-access: ${n} principal${n === 1 ? '' : 's'} gain${n === 1 ? 's' : ''} read access to a secret, a SecureString or a key`);
    } else {
      const limit = SEVERITIES.indexOf(c.severity);
      const ids = report.stacks.flatMap((s) => s.findings.filter((f) => isNewFinding(f) && SEVERITIES.indexOf(f.severity) <= limit).map((f) => `${s.stack}: ${f.id} (${f.severity})`));
      if (ids.length > 0) out.push(`new-finding=${c.severity}: ${ids.join(', ')}`);
    }
  }
  return out;
}
