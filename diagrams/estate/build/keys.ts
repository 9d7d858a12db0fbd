/**
 * KMS keys: keys with their aliases, replicas, key policies (the key's own `policy`, a KeyPolicy
 * resource, or aws-native's `keyPolicy`) and grants; and the resolver every other extractor uses to
 * find the key a property names (alias name, alias ARN, key id or key ARN, else the property edge).
 */

import { compareStrings, type Mutable } from '../../util/collections.ts';
import { UNKNOWN } from '../../graph/types.ts';
import type { KmsGrant, KmsKey, KmsReplica, PolicyDocument } from '../model.ts';
import { parsePolicyDocument } from '../iam/policy.ts';
import { arr, bool, knownStr, num, obj, prop, propAny, str, strList } from '../props.ts';
import { arnOf, edgeTargets, entityBase, idOf, regionOf, RefIndex, rows, type GraphCtx, type Row } from './context.ts';

export interface KeyRegistry {
  readonly keys: KmsKey[];
  /** Resolves a key reference held in one of a row's properties (value first, then property edges). */
  resolve(row: Row, ...props: string[]): string | undefined;
  /** Resolves a key reference value (alias name or ARN, key id or ARN). */
  resolveValue(ref: string | undefined): string | undefined;
  /** Every value that names a key (ids, ARNs, alias names and ARNs), with the key's URN. */
  readonly refs: ReadonlyMap<string, string>;
}

export function buildKeys(ctxs: readonly GraphCtx[]): KeyRegistry {
  const keyRefs = new RefIndex();
  const allRefs = new Map<string, string>();
  const addRef = (v: string | undefined, urn: string): void => {
    keyRefs.add(v, urn);
    if (v !== undefined && v !== '' && v !== UNKNOWN && !allRefs.has(v)) allRefs.set(v, urn);
  };
  const keyRows = rows(ctxs, 'key');
  const keyIdOf = new Map<string, string | undefined>();
  const keyArnOf = new Map<string, string | undefined>();
  for (const row of keyRows) {
    const keyId = knownStr(row.r, 'keyId') ?? idOf(row.r);
    let arn = arnOf(row.r);
    const region = regionOf(row);
    if (arn === undefined && keyId && row.g.account && region) arn = `arn:aws:kms:${region}:${row.g.account}:key/${keyId}`;
    keyIdOf.set(row.r.urn, keyId);
    keyArnOf.set(row.r.urn, arn);
    addRef(keyId, row.r.urn);
    addRef(arn, row.r.urn);
  }
  const resolveValue = (ref: string | undefined): string | undefined => {
    if (ref === undefined || ref === UNKNOWN) return undefined;
    const direct = keyRefs.get(ref);
    if (direct) return direct;
    const m = /^arn:[^:]+:kms:[^:]*:[^:]*:(key\/(.+)|(alias\/.+))$/.exec(ref);
    if (m) return keyRefs.get(m[2] ?? m[3]);
    return undefined;
  };
  const aliasOwner = new Map<string, string>(); // alias URN -> key URN
  const replicaOwner = new Map<string, string>(); // replica key URN -> primary key URN
  const resolve = (row: Row, ...props: string[]): string | undefined => {
    for (const p of props) {
      const hit = resolveValue(str(row.r, p));
      if (hit) return hit;
    }
    for (const p of props) {
      for (const to of edgeTargets(row, p)) {
        if (keyArnOf.has(to)) return to;
        const via = aliasOwner.get(to) ?? replicaOwner.get(to);
        if (via) return via;
      }
    }
    return undefined;
  };
  // Replicas first: an alias in a replica's region names the replica (its ARN or id), which is the primary's key.
  const replicasOf = new Map<string, KmsReplica[]>();
  for (const row of rows(ctxs, 'replicaKey')) {
    const primary = resolve(row, 'primaryKeyArn');
    if (!primary) continue;
    const rep: Mutable<KmsReplica> = { urn: row.r.urn, stack: row.g.stack };
    const region = regionOf(row);
    if (region) rep.region = region;
    const arn = arnOf(row.r);
    if (arn) rep.arn = arn;
    (replicasOf.get(primary) ?? replicasOf.set(primary, []).get(primary)!).push(rep);
    replicaOwner.set(row.r.urn, primary);
    addRef(arn, primary);
    addRef(knownStr(row.r, 'keyId') ?? idOf(row.r), primary);
  }
  const aliasesOf = new Map<string, string[]>();
  for (const row of rows(ctxs, 'alias')) {
    const keyUrn = resolve(row, 'targetKeyId', 'targetKeyArn');
    if (!keyUrn) continue;
    const name = knownStr(row.r, 'name', 'aliasName') ?? row.r.name;
    aliasOwner.set(row.r.urn, keyUrn);
    const full = name.startsWith('alias/') ? name : `alias/${name}`;
    (aliasesOf.get(keyUrn) ?? aliasesOf.set(keyUrn, []).get(keyUrn)!).push(full);
    addRef(name, keyUrn);
    addRef(full, keyUrn);
    addRef(arnOf(row.r), keyUrn);
  }
  const keyPolicyOf = new Map<string, PolicyDocument>();
  for (const row of rows(ctxs, 'keyPolicy')) {
    const k = resolve(row, 'keyId');
    if (k) keyPolicyOf.set(k, parsePolicyDocument(prop(row.r, 'policy')));
  }
  const grantsOf = new Map<string, KmsGrant[]>();
  for (const row of rows(ctxs, 'grant')) {
    const k = resolve(row, 'keyId');
    if (!k) continue;
    const constraints: { kind: 'equals' | 'subset'; context: Record<string, string> }[] = [];
    for (const c of arr(propAny(row.r, 'constraints'))) {
      const o = obj(c);
      if (!o) continue;
      for (const [field, kind] of [['encryptionContextEquals', 'equals'], ['encryptionContextSubset', 'subset']] as const) {
        const ctx = obj(o[field]);
        if (!ctx) continue;
        const context: Record<string, string> = {};
        for (const key of Object.keys(ctx).sort(compareStrings)) if (typeof ctx[key] === 'string') context[key] = ctx[key] as string;
        constraints.push({ kind, context });
      }
    }
    const g: KmsGrant = {
      urn: row.r.urn,
      stack: row.g.stack,
      name: knownStr(row.r, 'name') ?? row.r.name,
      grantee: str(row.r, 'granteePrincipal') ?? '',
      operations: strList(propAny(row.r, 'operations')).sort(compareStrings),
      constraints,
    };
    (grantsOf.get(k) ?? grantsOf.set(k, []).get(k)!).push(g);
  }
  const keys: KmsKey[] = [];
  for (const row of keyRows) {
    const arn = keyArnOf.get(row.r.urn);
    const aliases = [...new Set(aliasesOf.get(row.r.urn) ?? [])].sort(compareStrings);
    const k: Mutable<KmsKey> = {
      ...entityBase(row, aliases[0] ?? row.r.name, arn),
      aliases,
      rotationEnabled: bool(row.r, false, 'enableKeyRotation'),
      multiRegion: bool(row.r, false, 'multiRegion') === true,
      replicas: (replicasOf.get(row.r.urn) ?? []).sort((a, b) => compareStrings(a.region ?? '', b.region ?? '') || compareStrings(a.urn, b.urn)),
      grants: (grantsOf.get(row.r.urn) ?? []).sort((a, b) => compareStrings(a.urn, b.urn)),
      protects: [],
    };
    const keyId = keyIdOf.get(row.r.urn);
    if (keyId) k.keyId = keyId;
    const period = num(row.r, 'rotationPeriodInDays');
    if (period !== undefined && k.rotationEnabled !== false) k.rotationPeriodDays = period;
    const win = num(row.r, 'deletionWindowInDays', 'pendingWindowInDays');
    if (win !== undefined) k.deletionWindowDays = win;
    const usage = knownStr(row.r, 'keyUsage');
    if (usage) k.keyUsage = usage;
    const policyValue = propAny(row.r, 'policy', 'keyPolicy');
    let policy: PolicyDocument | undefined = keyPolicyOf.get(row.r.urn);
    if (!policy && policyValue !== undefined && policyValue !== null && policyValue !== '') policy = parsePolicyDocument(policyValue);
    if (policy) k.policy = policy;
    keys.push(k);
  }
  return { keys, resolve, resolveValue, refs: allRefs };
}
