/**
 * Lambda functions: a registry that resolves function references (name, ARN, either with a
 * qualifier) for the secrets' rotation and the invoke permissions, then the entities once roles and
 * rotations are known.
 */

import { compareStrings, type Mutable } from '../../util/collections.ts';
import { UNKNOWN } from '../../graph/types.ts';
import type { LambdaFunction } from '../model.ts';
import { knownStr, str } from '../props.ts';
import { arnOf, awsName, edgeTargets, entityBase, regionOf, RefIndex, rows, type GraphCtx, type Row } from './context.ts';

export interface FunctionRegistry {
  readonly rows: readonly Row[];
  /** The function a value names (name or ARN, with or without qualifier), else a property edge's target. */
  resolve(row: Row, value: string | undefined, ...props: string[]): string | undefined;
  arnOf(urn: string): string | undefined;
}

export function functionRegistry(ctxs: readonly GraphCtx[]): FunctionRegistry {
  const refs = new RefIndex();
  const fnRows = rows(ctxs, 'function');
  const fnArn = new Map<string, string | undefined>();
  for (const row of fnRows) {
    const name = awsName(row.r, 'name', 'functionName');
    let arn = arnOf(row.r);
    const region = regionOf(row);
    if (arn === undefined && row.g.account && region) arn = `arn:aws:lambda:${region}:${row.g.account}:function:${name}`;
    fnArn.set(row.r.urn, arn);
    refs.add(arn, row.r.urn);
    refs.add(name, row.r.urn);
    refs.add(arnOf(row.r)?.replace(/:[^:]+$/, ''), row.r.urn);
  }
  const resolve = (row: Row, value: string | undefined, ...props: string[]): string | undefined => {
    if (value !== undefined && value !== UNKNOWN) {
      const hit = refs.get(value) ?? refs.get(value.replace(/^(arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+):.*$/, '$1'));
      if (hit) return hit;
    }
    for (const p of props) for (const to of edgeTargets(row, p)) if (fnArn.has(to)) return to;
    return undefined;
  };
  return { rows: fnRows, resolve, arnOf: (urn) => fnArn.get(urn) };
}

/** Who may invoke each function: the `principal` of each Lambda permission whose `function` is it. */
function invokers(ctxs: readonly GraphCtx[], fns: FunctionRegistry): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const row of rows(ctxs, 'permission')) {
    const principal = knownStr(row.r, 'principal');
    if (principal === undefined) continue;
    const ref = knownStr(row.r, 'function', 'functionName');
    const target =
      fns.resolve(row, ref, 'function', 'functionName') ??
      (ref !== undefined && !ref.startsWith('arn:') && ref.includes(':') ? fns.resolve(row, ref.slice(0, ref.indexOf(':'))) : undefined);
    if (target === undefined) continue;
    (out.get(target) ?? out.set(target, new Set()).get(target)!).add(principal);
  }
  return out;
}

export function buildFunctions(
  ctxs: readonly GraphCtx[],
  fns: FunctionRegistry,
  rotationFunctions: ReadonlySet<string>,
  resolveRole: (row: Row, value: string | undefined, prop: string) => string | undefined,
): LambdaFunction[] {
  const invokedBy = invokers(ctxs, fns);
  return fns.rows.map((row) => {
    const roleArn = str(row.r, 'role');
    const f: Mutable<LambdaFunction> = {
      ...entityBase(row, awsName(row.r, 'name', 'functionName'), fns.arnOf(row.r.urn)),
      purpose: rotationFunctions.has(row.r.urn) ? 'rotation' : 'other',
      invokePrincipals: [...(invokedBy.get(row.r.urn) ?? [])].sort(compareStrings),
    };
    if (roleArn !== undefined && roleArn !== '') f.roleArn = roleArn;
    const roleUrn = resolveRole(row, roleArn, 'role');
    if (roleUrn) f.roleUrn = roleUrn;
    const runtime = knownStr(row.r, 'runtime');
    if (runtime) f.runtime = runtime;
    const handler = knownStr(row.r, 'handler');
    if (handler) f.handler = handler;
    return f;
  });
}
