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

/** The keys' reference index as it grows: every value that names a key, and which alias or replica belongs to which key. */
class KeyIndex {
  private readonly keyRefs = new RefIndex();
  readonly allRefs = new Map<string, string>();
  readonly keyIdOf = new Map<string, string | undefined>();
  readonly keyArnOf = new Map<string, string | undefined>();
  /** alias URN -> key URN */
  readonly aliasOwner = new Map<string, string>();
  /** replica key URN -> primary key URN */
  readonly replicaOwner = new Map<string, string>();
  /** Records a value that names the key `urn`. */
  addRef(v: string | undefined, urn: string): void {
    this.keyRefs.add(v, urn);
    if (v !== undefined && v !== '' && v !== UNKNOWN && !this.allRefs.has(v)) this.allRefs.set(v, urn);
  }
  /** Resolves a key reference value (alias name or ARN, key id or ARN). */
  readonly resolveValue = (ref: string | undefined): string | undefined => {
    if (ref === undefined || ref === UNKNOWN) return undefined;
    const direct = this.keyRefs.get(ref);
    if (direct) return direct;
    const m = /^arn:[^:]+:kms:[^:]*:[^:]*:(key\/(.+)|(alias\/.+))$/.exec(ref);
    if (m) return this.keyRefs.get(m[2] ?? m[3]);
    return undefined;
  };
  /** Resolves a key reference held in one of a row's properties (value first, then property edges). */
  readonly resolve = (row: Row, ...props: string[]): string | undefined => {
    for (const p of props) {
      const hit = this.resolveValue(str(row.r, p));
      if (hit) return hit;
    }
    for (const p of props) {
      for (const to of edgeTargets(row, p)) {
        if (this.keyArnOf.has(to)) return to;
        const via = this.aliasOwner.get(to) ?? this.replicaOwner.get(to);
        if (via) return via;
      }
    }
    return undefined;
  };
}

/** Indexes the keys themselves: each key's id and ARN (built from account and region when absent). */
function indexKeys(keyRows: readonly Row[], idx: KeyIndex): void {
  for (const row of keyRows) {
    const keyId = knownStr(row.r, 'keyId') ?? idOf(row.r);
    let arn = arnOf(row.r);
    const region = regionOf(row);
    if (arn === undefined && keyId && row.g.account && region) arn = `arn:aws:kms:${region}:${row.g.account}:key/${keyId}`;
    idx.keyIdOf.set(row.r.urn, keyId);
    idx.keyArnOf.set(row.r.urn, arn);
    idx.addRef(keyId, row.r.urn);
    idx.addRef(arn, row.r.urn);
  }
}

/** The replicas of each primary key; a replica's ARN and id are indexed as naming its primary. */
function collectReplicas(ctxs: readonly GraphCtx[], idx: KeyIndex): Map<string, KmsReplica[]> {
  const replicasOf = new Map<string, KmsReplica[]>();
  for (const row of rows(ctxs, 'replicaKey')) {
    const primary = idx.resolve(row, 'primaryKeyArn');
    if (!primary) continue;
    const rep: Mutable<KmsReplica> = { urn: row.r.urn, stack: row.g.stack };
    const region = regionOf(row);
    if (region) rep.region = region;
    const arn = arnOf(row.r);
    if (arn) rep.arn = arn;
    const policy = prop(row.r, 'policy');
    if (policy !== undefined && policy !== null && policy !== '') rep.policy = parsePolicyDocument(policy);
    (replicasOf.get(primary) ?? replicasOf.set(primary, []).get(primary)!).push(rep);
    idx.replicaOwner.set(row.r.urn, primary);
    idx.addRef(arn, primary);
    idx.addRef(knownStr(row.r, 'keyId') ?? idOf(row.r), primary);
  }
  return replicasOf;
}

/** The alias names (`alias/...`) of each key; an alias's name, full name and ARN are indexed as naming its key. */
function collectAliases(ctxs: readonly GraphCtx[], idx: KeyIndex): Map<string, string[]> {
  const aliasesOf = new Map<string, string[]>();
  for (const row of rows(ctxs, 'alias')) {
    const keyUrn = idx.resolve(row, 'targetKeyId', 'targetKeyArn');
    if (!keyUrn) continue;
    const name = knownStr(row.r, 'name', 'aliasName') ?? row.r.name;
    idx.aliasOwner.set(row.r.urn, keyUrn);
    const full = name.startsWith('alias/') ? name : `alias/${name}`;
    (aliasesOf.get(keyUrn) ?? aliasesOf.set(keyUrn, []).get(keyUrn)!).push(full);
    idx.addRef(name, keyUrn);
    idx.addRef(full, keyUrn);
    idx.addRef(arnOf(row.r), keyUrn);
  }
  return aliasesOf;
}

/** A grant's encryption-context constraints (equals and subset), context keys sorted. */
function grantConstraints(row: Row): KmsGrant['constraints'] {
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
  return constraints;
}

/** The grants of each key. */
function collectGrants(ctxs: readonly GraphCtx[], idx: KeyIndex): Map<string, KmsGrant[]> {
  const grantsOf = new Map<string, KmsGrant[]>();
  for (const row of rows(ctxs, 'grant')) {
    const k = idx.resolve(row, 'keyId');
    if (!k) continue;
    const g: KmsGrant = {
      urn: row.r.urn,
      stack: row.g.stack,
      name: knownStr(row.r, 'name') ?? row.r.name,
      grantee: str(row.r, 'granteePrincipal') ?? '',
      operations: strList(propAny(row.r, 'operations')).sort(compareStrings),
      constraints: grantConstraints(row),
    };
    (grantsOf.get(k) ?? grantsOf.set(k, []).get(k)!).push(g);
  }
  return grantsOf;
}

/** What was collected about the keys from other resources, by key URN. */
interface KeyParts {
  readonly replicasOf: ReadonlyMap<string, KmsReplica[]>;
  readonly aliasesOf: ReadonlyMap<string, string[]>;
  readonly keyPolicyOf: ReadonlyMap<string, PolicyDocument>;
  readonly grantsOf: ReadonlyMap<string, KmsGrant[]>;
}

/** One key with its aliases, rotation, replicas, grants, deletion window, usage and key policy (a KeyPolicy resource first). */
function toKey(row: Row, idx: KeyIndex, parts: KeyParts): KmsKey {
  const arn = idx.keyArnOf.get(row.r.urn);
  const aliases = [...new Set(parts.aliasesOf.get(row.r.urn) ?? [])].sort(compareStrings);
  const k: Mutable<KmsKey> = Object.assign(entityBase(row, aliases[0] ?? row.r.name, arn), {
    aliases,
    rotationEnabled: bool(row.r, false, 'enableKeyRotation'),
    multiRegion: bool(row.r, false, 'multiRegion') === true,
    replicas: (parts.replicasOf.get(row.r.urn) ?? []).sort((a, b) => compareStrings(a.region ?? '', b.region ?? '') || compareStrings(a.urn, b.urn)),
    grants: (parts.grantsOf.get(row.r.urn) ?? []).sort((a, b) => compareStrings(a.urn, b.urn)),
    protects: [],
  });
  const keyId = idx.keyIdOf.get(row.r.urn);
  if (keyId) k.keyId = keyId;
  const period = num(row.r, 'rotationPeriodInDays');
  if (period !== undefined && k.rotationEnabled !== false) k.rotationPeriodDays = period;
  const win = num(row.r, 'deletionWindowInDays', 'pendingWindowInDays');
  if (win !== undefined) k.deletionWindowDays = win;
  const usage = knownStr(row.r, 'keyUsage');
  if (usage) k.keyUsage = usage;
  const spec = knownStr(row.r, 'keySpec', 'customerMasterKeySpec');
  if (spec) k.keySpec = spec;
  const store = knownStr(row.r, 'customKeyStoreId');
  if (store) k.customKeyStore = true;
  if (row.r.type === 'aws:kms/externalKey:ExternalKey') k.importedMaterial = true;
  const policyValue = propAny(row.r, 'policy', 'keyPolicy');
  let policy: PolicyDocument | undefined = parts.keyPolicyOf.get(row.r.urn);
  if (!policy && policyValue !== undefined && policyValue !== null && policyValue !== '') policy = parsePolicyDocument(policyValue);
  if (policy) k.policy = policy;
  return k;
}

/** The estate's keys, and the resolver of key references (built as aliases and replicas are found). */
export function buildKeys(ctxs: readonly GraphCtx[]): KeyRegistry {
  const idx = new KeyIndex();
  const keyRows = rows(ctxs, 'key');
  indexKeys(keyRows, idx);
  // Replicas first: an alias in a replica's region names the replica (its ARN or id), which is the primary's key.
  const replicasOf = collectReplicas(ctxs, idx);
  const aliasesOf = collectAliases(ctxs, idx);
  const keyPolicyOf = new Map<string, PolicyDocument>();
  for (const row of rows(ctxs, 'keyPolicy')) {
    const k = idx.resolve(row, 'keyId');
    if (k) keyPolicyOf.set(k, parsePolicyDocument(prop(row.r, 'policy')));
  }
  const grantsOf = collectGrants(ctxs, idx);
  const parts: KeyParts = { replicasOf, aliasesOf, keyPolicyOf, grantsOf };
  const keys = keyRows.map((row) => toKey(row, idx, parts));
  return { keys, resolve: idx.resolve, resolveValue: idx.resolveValue, refs: idx.allRefs };
}
