/**
 * Finding changes of one stack pair, per rule: newly not met (with the resources and why), more
 * resources not met, newly met, fewer resources not met, newly not applicable. Resources are matched
 * by URN, then name. A stack that is removed reports no finding change (it goes as a whole); one
 * that is added reports every rule it does not meet.
 */

import { SEVERITIES } from '../compliance/types.ts';
import type { DocFinding, EstateDoc, FindingChange, FindingChangeKind } from './types.ts';

type NotMet = Map<string, { name: string; detail: string }>;

function notMet(f: DocFinding | undefined): NotMet {
  const m: NotMet = new Map();
  for (const r of f?.resources ?? []) if (r.status === 'not met') m.set(r.urn || r.name, { name: r.name, detail: r.detail });
  return m;
}

function kindOf(b: DocFinding | undefined, h: DocFinding, added: number, resolved: number): FindingChangeKind | undefined {
  const bs = b?.status;
  if (h.status === 'not met') return bs !== 'not met' ? 'newly not met' : added > 0 ? 'more resources not met' : resolved > 0 ? 'fewer resources not met' : undefined;
  if (bs === 'not met') return h.status === 'met' ? 'newly met' : 'newly not applicable';
  if (h.status === 'not applicable' && bs === 'met') return 'newly not applicable';
  return undefined;
}

export function compareFindings(base: EstateDoc | undefined, head: EstateDoc | undefined): FindingChange[] {
  if (head === undefined) return [];
  const byId = new Map((base?.findings ?? []).map((f) => [f.id, f]));
  const out: FindingChange[] = [];
  for (const h of head.findings) {
    const b = byId.get(h.id);
    const bn = notMet(b);
    const hn = notMet(h);
    const added = [...hn].filter(([k]) => !bn.has(k)).map(([, v]) => v);
    const resolved = [...bn].filter(([k]) => !hn.has(k)).map(([, v]) => v);
    const change = kindOf(b, h, added.length, resolved.length);
    if (change === undefined) continue;
    const resources = change === 'newly not met' || change === 'more resources not met' ? added : resolved;
    out.push({ id: h.id, title: h.title, severity: h.severity, change, ...(b !== undefined ? { base: b.status } : {}), head: h.status, resources });
  }
  return out.sort((x, y) => SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity) || (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
}

/** Whether a change makes a rule (more) not met: what `--fail-on new-finding` counts. */
export function isNewFinding(c: FindingChange): boolean {
  return c.change === 'newly not met' || c.change === 'more resources not met';
}
