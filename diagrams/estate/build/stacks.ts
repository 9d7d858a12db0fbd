/**
 * Stack summaries: identity (key, project, name), environment, source, counts by type, coverage
 * (what the generator models), account and region, and the stacks each references through a
 * StackReference, resolved to the keys of loaded stacks.
 */

import { compareStrings, type Mutable } from '../../util/collections.ts';
import type { Coverage, StackSummary } from '../model.ts';
import { knownStr } from '../props.ts';
import { leavesStack, type GraphCtx } from './context.ts';
import { isModelledType } from './kinds.ts';

function sortedCounts(m: ReadonlyMap<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort(compareStrings)) out[k] = m.get(k)!;
  return out;
}

function coverageOf(c: GraphCtx): Coverage {
  let resources = 0;
  let modelled = 0;
  let components = 0;
  let deletes = 0;
  const unmodelled = new Map<string, number>();
  for (const r of c.graph.resources) {
    if (leavesStack(r)) {
      if (r.custom && !r.type.startsWith('pulumi:')) deletes++;
      continue;
    }
    if (r.type.startsWith('pulumi:providers:')) continue;
    if (r.type === 'pulumi:pulumi:Stack') continue;
    if (r.type === 'pulumi:pulumi:StackReference') continue;
    if (!r.custom) {
      components++;
      continue;
    }
    resources++;
    if (isModelledType(r.type)) modelled++;
    else unmodelled.set(r.type, (unmodelled.get(r.type) ?? 0) + 1);
  }
  const pending = c.graph.metadata.pendingDeletes.length;
  return { resources, modelled, components, unmodelled: sortedCounts(unmodelled), ...(deletes > 0 ? { plannedDeletes: deletes } : {}), ...(pending > 0 ? { pendingDeletes: pending } : {}) };
}

/**
 * A StackReference name resolved to a loaded stack's key. `org/project/stack` names the project;
 * `org/stack` and `stack` mean the referencing stack's project. A stack that is not loaded (or of a
 * project that is not) keeps the name as given.
 */
export function resolveReference(name: string, from: GraphCtx, all: readonly GraphCtx[]): string {
  const parts = name.split('/');
  const stack = parts[parts.length - 1]!;
  const project = parts.length >= 3 ? parts[parts.length - 2]! : from.project;
  return all.find((g) => g.stackName === stack && g.project === project)?.stack ?? name;
}

export function buildStacks(ctxs: readonly GraphCtx[]): StackSummary[] {
  const out = ctxs.map((c) => {
    const types = new Map<string, number>();
    for (const r of c.graph.resources) types.set(r.type, (types.get(r.type) ?? 0) + 1);
    const refs = new Set<string>();
    for (const r of c.byKind.get('stackReference') ?? []) refs.add(resolveReference(knownStr(r, 'name') ?? r.name, c, ctxs));
    const root = c.graph.resources.find((r) => r.type === 'pulumi:pulumi:Stack');
    const s: Mutable<StackSummary> = {
      key: c.stack,
      urn: root?.urn ?? `urn:pulumi:${c.stackName}::${c.project}::pulumi:pulumi:Stack::${c.project}-${c.stackName}`,
      project: c.project,
      stack: c.stackName,
      source: c.graph.stack.source,
      resourceCount: c.graph.stack.resourceCount,
      resourceTypes: sortedCounts(types),
      references: [...refs].sort(compareStrings),
      coverage: coverageOf(c),
    };
    if (c.environment) s.environment = c.environment;
    if (c.graph.stack.deployedAt) s.deployedAt = c.graph.stack.deployedAt;
    if (c.graph.stack.pulumiVersion) s.pulumiVersion = c.graph.stack.pulumiVersion;
    if (c.account) s.account = c.account;
    if (c.region) s.region = c.region;
    return s;
  });
  return out.sort((a, b) => compareStrings(a.key, b.key));
}
