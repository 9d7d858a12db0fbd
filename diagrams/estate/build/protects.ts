/**
 * What each KMS key protects: every resource whose inputs or outputs name the key by ARN, id, alias
 * name or alias ARN (EKS secrets encryption, RDS storage, DynamoDB tables, S3 buckets with SSE-KMS,
 * log groups, SNS topics, Lambda environments, parameters, secrets, trails...), by type. Left out:
 * the key's own machinery (the key, its aliases, replicas, key policy, grants), IAM policies and
 * principals (their documents grant the key's use, they are not encrypted with it), and Pulumi's
 * own resources (a StackReference passes the key's ARN along in its outputs).
 */

import { compareStrings } from '../../util/collections.ts';
import type { JsonValue } from '../../graph/types.ts';
import type { KmsKey } from '../model.ts';
import type { GraphCtx } from './context.ts';
import { kindOf, leavesStack } from './context.ts';
import type { KeyRegistry } from './keys.ts';
import type { Kind } from './kinds.ts';

const NOT_PROTECTED: ReadonlySet<Kind> = new Set<Kind>([
  'key',
  'alias',
  'replicaKey',
  'keyPolicy',
  'grant',
  'policy',
  'rolePolicy',
  'userPolicy',
  'groupPolicy',
  'role',
  'user',
  'group',
  'stackReference',
]);

/** The keys a value names, walking objects and arrays iteratively. */
function keysNamed(values: readonly JsonValue[], refs: ReadonlyMap<string, string>, out: Set<string>): void {
  const stack: JsonValue[] = [...values];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (typeof v === 'string') {
      if (v.length >= 8 && v.length <= 2048) {
        const hit = refs.get(v);
        if (hit !== undefined) out.add(hit);
      }
    } else if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) stack.push(x as JsonValue);
  }
}

/** The keys with what they protect. */
export function withProtects(keys: readonly KmsKey[], ctxs: readonly GraphCtx[], registry: KeyRegistry): KmsKey[] {
  if (keys.length === 0) return [];
  const byKey = new Map<string, Map<string, string[]>>();
  const found = new Set<string>();
  for (const g of ctxs) {
    for (const r of g.graph.resources) {
      if (!r.custom || r.type.startsWith('pulumi:') || leavesStack(r)) continue;
      const kind = kindOf(r.type);
      if (kind !== undefined && NOT_PROTECTED.has(kind)) continue;
      found.clear();
      keysNamed([r.inputs, r.outputs], registry.refs, found);
      for (const k of found) {
        const byType = byKey.get(k) ?? byKey.set(k, new Map()).get(k)!;
        (byType.get(r.type) ?? byType.set(r.type, []).get(r.type)!).push(r.urn);
      }
    }
  }
  return keys.map((k) => {
    const byType = byKey.get(k.urn);
    const protects = byType
      ? [...byType.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([type, urns]) => ({ type, urns: [...new Set(urns)].sort(compareStrings) }))
      : [];
    return { ...k, protects };
  });
}
