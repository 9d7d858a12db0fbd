/**
 * What every extractor of the estate builder reads: the graphs indexed once (resources by kind and
 * URN, property edges, provider regions, the stack's account, region and environment), the rows of
 * one kind across all graphs, and the common fields of an entity.
 */

import type { Resource, ResourceGraph } from '../../graph/types.ts';
import { REDACTED, UNKNOWN } from '../../graph/types.ts';
import { mostCommon, type Mutable } from '../../util/collections.ts';
import type { EntityBase } from '../model.ts';
import { splitArn } from '../iam/arn.ts';
import { knownStr, obj, propAny, realString, str, strList, tagsOf } from '../props.ts';
import { KIND_OF, type Kind } from './kinds.ts';
import { environmentOfStackName, NOT_ENVIRONMENTS } from '../environments.ts';

export interface Row {
  readonly r: Resource;
  readonly g: GraphCtx;
}

export interface GraphCtx {
  readonly graph: ResourceGraph;
  /** The stack's key in the estate (what every entity's `stack` holds). */
  readonly stack: string;
  /** The stack's own name. */
  readonly stackName: string;
  readonly project: string;
  readonly account?: string;
  readonly region?: string;
  readonly environment?: string;
  /** Distinct values of the `Environment` tags of the stack's resources, lower-cased. */
  readonly environmentTags: readonly string[];
  /** Region by provider URN. */
  readonly providerRegion: ReadonlyMap<string, string>;
  /** Property edges: from URN -> property -> target URNs. */
  readonly propertyEdges: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  readonly byKind: ReadonlyMap<Kind, readonly Resource[]>;
  readonly byUrn: ReadonlyMap<string, Resource>;
}


/** The kind of a resource type token; tolerant of case (old tokens). */
export function kindOf(type: string): Kind | undefined {
  return KIND_OF.get(type.toLowerCase());
}

function collectArns(v: unknown, out: string[]): void {
  if (typeof v === 'string') {
    if (v.startsWith('arn:')) out.push(v);
  } else if (Array.isArray(v)) v.forEach((x) => collectArns(x, out));
}

/** Each graph's stack key: the stack name when all graphs are of one project, else `<project>/<stack>`. */
export function stackKeys(graphs: readonly ResourceGraph[]): string[] {
  const projects = new Set(graphs.map((g) => g.stack.project));
  return graphs.map((g) => (projects.size > 1 ? `${g.stack.project}/${g.stack.stack}` : g.stack.stack));
}

/** A preview's resource that the update takes out of the stack: deleted, or discarded (left in AWS, no longer managed). */
export function leavesStack(r: Resource): boolean {
  return r.plannedOp === 'delete' || r.plannedOp === 'discard';
}

export function graphContext(graph: ResourceGraph, key: string): GraphCtx {
  const byKind = new Map<Kind, Resource[]>();
  const byUrn = new Map<string, Resource>();
  const providerRegion = new Map<string, string>();
  const accounts: string[] = [];
  const regions: string[] = [];
  const envTags: string[] = [];
  /** Resources that carry tags at all (the ones an Environment tag could be on). */
  let tagged = 0;
  for (const r of graph.resources) {
    byUrn.set(r.urn, r);
    const k = kindOf(r.type);
    // A preview documents the stack as the update leaves it: what it deletes is not extracted.
    if (k && !leavesStack(r)) {
      let l = byKind.get(k);
      if (!l) byKind.set(k, (l = []));
      l.push(r);
    }
    if (r.type.startsWith('pulumi:providers:aws')) {
      const region = knownStr(r, 'region');
      if (region) {
        providerRegion.set(r.urn, region);
        regions.push(region);
        // The default provider's region is the stack's (`aws:region`): it outweighs a few explicit providers.
        if (r.name.startsWith('default')) regions.push(region, region);
      }
      for (const a of strList(propAny(r, 'allowedAccountIds'))) if (/^\d{12}$/.test(a)) accounts.push(a, a, a);
    }
    if (accounts.length < 64) {
      // A sample of ARNs is enough to know the account.
      const arns: string[] = [];
      collectArns(r.outputs['arn'], arns);
      for (const a of arns) {
        const s = splitArn(a);
        if (s?.account && /^\d{12}$/.test(s.account)) accounts.push(s.account);
      }
    }
    const t = obj(r.outputs['tags']) ?? obj(r.inputs['tags']);
    if (t !== undefined && Object.keys(t).length > 0) tagged++;
    const env = t ? (t['Environment'] ?? t['environment']) : undefined;
    if (typeof env === 'string' && env !== UNKNOWN) envTags.push(env.toLowerCase());
  }
  const propertyEdges = new Map<string, Map<string, string[]>>();
  for (const e of graph.edges) {
    if (e.kind !== 'property' || e.property === undefined) continue;
    let m = propertyEdges.get(e.from);
    if (!m) propertyEdges.set(e.from, (m = new Map()));
    let l = m.get(e.property);
    if (!l) m.set(e.property, (l = []));
    l.push(e.to);
  }
  const stack = graph.stack.stack;
  // The environment the stack's name names (`dev`, `payments-prod`); else the Environment tag of
  // most of its tagged resources (at least two), unless that is an account-level one (`shared`).
  const top = mostCommon(envTags);
  const topCount = top === undefined ? 0 : envTags.filter((e) => e === top).length;
  const byTags = top !== undefined && !NOT_ENVIRONMENTS.has(top) && topCount >= 2 && topCount * 2 > tagged ? top : undefined;
  const environment = environmentOfStackName(stack) ?? byTags;
  const ctx: Mutable<GraphCtx> = {
    graph,
    stack: key,
    stackName: stack,
    project: graph.stack.project,
    environmentTags: [...new Set(envTags)].sort(),
    providerRegion,
    propertyEdges,
    byKind,
    byUrn,
  };
  const account = mostCommon(accounts);
  if (account) ctx.account = account;
  // The configured default region when the source carries it (a preview's config), else the providers'.
  const region = graph.stack.region ?? mostCommon(regions);
  if (region) ctx.region = region;
  if (environment) ctx.environment = environment;
  return ctx;
}

/** The rows of one kind across the graphs, in graph order. */
export function rows(ctxs: readonly GraphCtx[], kind: Kind): Row[] {
  const out: Row[] = [];
  for (const g of ctxs) for (const r of g.byKind.get(kind) ?? []) out.push({ r, g });
  return out;
}

export function arnOf(r: Resource): string | undefined {
  const a = str(r, 'arn');
  if (a === UNKNOWN) return UNKNOWN;
  return realString(a);
}

export function idOf(r: Resource): string | undefined {
  return r.id !== undefined && r.id !== '' && r.id !== UNKNOWN ? r.id : undefined;
}

/**
 * The region a resource lives in: its own `region` input (AWS provider 7 lets a resource override
 * it), else its provider's region (an explicit provider, e.g. a replica-region aws.Provider, is where
 * AWS puts the resource, whatever a source wrote into the outputs), else the `region` output, else the
 * region of its ARN, else the stack's region.
 */
export function regionOf(row: Row): string | undefined {
  const input = row.r.inputs['region'];
  if (typeof input === 'string' && input !== '' && input !== UNKNOWN && input !== REDACTED) return input;
  if (row.r.provider) {
    const p = row.g.providerRegion.get(row.r.provider);
    if (p) return p;
  }
  const own = knownStr(row.r, 'region');
  if (own) return own;
  const arn = arnOf(row.r);
  const fromArn = arn ? splitArn(arn)?.region : undefined;
  if (fromArn) return fromArn;
  return row.g.region;
}

/** The targets of a resource's property edges for one input property. */
export function edgeTargets(row: Row, property: string): readonly string[] {
  return row.g.propertyEdges.get(row.r.urn)?.get(property) ?? [];
}

/** The AWS name of a resource: `name` (output, then input), else the logical name. */
export function awsName(r: Resource, ...props: string[]): string {
  return knownStr(r, ...(props.length > 0 ? props : ['name'])) ?? r.name;
}

/** The fields every entity has; the account from the ARN, else the stack's. */
export function entityBase(row: Row, name: string, arn: string | undefined): Mutable<EntityBase> {
  const b: Mutable<EntityBase> = {
    urn: row.r.urn,
    stack: row.g.stack,
    name,
    tags: tagsOf(row.r),
    protect: row.r.protect,
  };
  if (row.r.retainOnDelete === true) b.retainOnDelete = true;
  if (row.r.external) b.readOnly = true;
  if (arn !== undefined) b.arn = arn;
  const d = str(row.r, 'description', 'alarmDescription');
  if (d !== undefined && d !== '') b.description = d;
  const fromArn = arn !== undefined && arn !== UNKNOWN ? splitArn(arn)?.account : undefined;
  const account = fromArn !== undefined && /^\d{12}$/.test(fromArn) ? fromArn : row.g.account;
  if (account !== undefined) b.account = account;
  const region = regionOf(row);
  if (region !== undefined) b.region = region;
  return b;
}

/** A first-come map from reference values (ARN, id, name) to URNs; empty and UNKNOWN keys ignored. */
export class RefIndex {
  private readonly m = new Map<string, string>();
  add(key: string | undefined, urn: string): void {
    if (key === undefined || key === '' || key === UNKNOWN) return;
    if (!this.m.has(key)) this.m.set(key, urn);
  }
  get(key: string | undefined): string | undefined {
    return key === undefined ? undefined : this.m.get(key);
  }
}
