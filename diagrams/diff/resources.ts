/**
 * Resource changes of one stack: parameters, secrets (with their rotation and resource policy), keys
 * (rotation, deletion window, grants, key policy), policies (statement by statement) matched by
 * name; roles, users and groups added, removed or replaced (their trust, policies and boundary are
 * reported with their access); everything else counted by type. A resource whose name stays but
 * whose Pulumi URN changes is `replaced` (Pulumi deletes and creates it unless an alias is set).
 * With a preview, the engine's op and the properties Pulumi names are kept, and a resource Pulumi
 * updates is listed even when no property the review models changed.
 */

import { compareStrings } from '../util/collections.ts';
import { statementChanges } from './statements.ts';
import type { DocKey, DocParameter, DocPolicy, DocSecret, EstateDoc, PreviewChange, PropertyChange, ResourceChange, ResourceKind, TypeCountChange } from './types.ts';

/** Property values: one string, or a set of strings (compared as a set: what is added and removed). */
type Props = Readonly<Record<string, string | readonly string[] | undefined>>;

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const days = (n: number | undefined): string | undefined => (n === undefined ? undefined : `${n} d`);

/** Types reported one by one (or as part of another resource): left out of the counts by type. */
const ITEMISED = new Set([
  'aws:ssm/parameter:Parameter',
  'aws:secretsmanager/secret:Secret',
  'aws:secretsmanager/secretRotation:SecretRotation',
  'aws:secretsmanager/secretPolicy:SecretPolicy',
  'aws:kms/key:Key',
  'aws:kms/externalKey:ExternalKey',
  'aws:iam/policy:Policy',
  'aws:iam/rolePolicy:RolePolicy',
  'aws:iam/userPolicy:UserPolicy',
  'aws:iam/groupPolicy:GroupPolicy',
  'aws:iam/role:Role',
  'aws:iam/user:User',
  'aws:iam/group:Group',
]);

/** Planned ops that change nothing. */
const NO_CHANGE = new Set(['same', 'read', 'refresh']);

function parameterProps(p: DocParameter): Props {
  return { type: p.type, tier: p.tier, key: p.type === 'SecureString' ? p.key : undefined, protect: yesNo(p.protect) };
}

function secretProps(s: DocSecret): Props {
  return {
    category: s.category,
    key: s.key,
    rotation: s.rotation.label,
    'rotation function': s.rotation.function,
    replicas: s.replicas,
    'recovery window': days(s.recoveryWindowDays),
    protect: yesNo(s.protect),
  };
}

function keyProps(k: DocKey): Props {
  const rot = k.rotation.enabled === 'unknown' ? 'unknown' : k.rotation.enabled ? (k.rotation.periodDays !== undefined ? `every ${k.rotation.periodDays} d` : 'on') : 'off';
  const grants = Object.fromEntries(k.grants.map((g) => [`grant ${g.name}`, `${g.grantee}: ${[...g.operations].sort(compareStrings).join(', ')}`]));
  return { rotation: rot, 'multi-region': yesNo(k.multiRegion), replicas: k.replicas, 'deletion window': days(k.deletionWindowDays), protect: yesNo(k.protect), ...grants };
}

function policyProps(p: DocPolicy): Props {
  return { kind: p.kind, 'attached to': p.attachedTo, 'boundary of': p.boundaryOf, document: p.unknown ? 'partly unknown' : 'known' };
}

function propChanges(b: Props, h: Props): PropertyChange[] {
  const out: PropertyChange[] = [];
  for (const k of [...new Set([...Object.keys(b), ...Object.keys(h)])]) {
    const x = b[k];
    const y = h[k];
    if (Array.isArray(x) || Array.isArray(y)) {
      const xs: readonly string[] = Array.isArray(x) ? x : [];
      const ys: readonly string[] = Array.isArray(y) ? y : [];
      const added = ys.filter((v) => !xs.includes(v)).sort(compareStrings);
      const removed = xs.filter((v) => !ys.includes(v)).sort(compareStrings);
      if (added.length || removed.length) out.push({ property: k, ...(added.length ? { added } : {}), ...(removed.length ? { removed } : {}) });
    } else if (x !== y) out.push({ property: k, ...(x !== undefined ? { base: x as string } : {}), ...(y !== undefined ? { head: y as string } : {}) });
  }
  return out;
}

interface Kind<T> {
  readonly kind: ResourceKind;
  readonly props: (x: T) => Props;
  readonly statements?: (b: T | undefined, h: T | undefined) => PropertyChange[];
}

function previewOf(step: PreviewChange | undefined): ResourceChange['preview'] {
  return step === undefined ? undefined : { op: step.op, properties: step.detailedDiff.map((d) => d.path), replaceReasons: step.replaceReasons };
}

function changeOf(b: { urn: string } | undefined, h: { urn: string } | undefined, step: PreviewChange | undefined, changed: boolean): ResourceChange['change'] | undefined {
  if (b === undefined) return 'added';
  if (h === undefined) return 'removed';
  if (step?.op === 'replace' || b.urn !== h.urn) return 'replaced';
  if (changed || (step !== undefined && !NO_CHANGE.has(step.op))) return 'updated';
  return undefined;
}

/** Changes of one kind of resource, matched by name. */
function compareKind<T extends { readonly name: string; readonly urn: string }>(k: Kind<T>, base: readonly T[], head: readonly T[], steps: ReadonlyMap<string, PreviewChange>): ResourceChange[] {
  const b = new Map(base.map((x) => [x.name, x]));
  const h = new Map(head.map((x) => [x.name, x]));
  const out: ResourceChange[] = [];
  for (const name of [...new Set([...b.keys(), ...h.keys()])].sort(compareStrings)) {
    const x = b.get(name);
    const y = h.get(name);
    const step = (y && steps.get(y.urn)) ?? (x && steps.get(x.urn));
    const props = x && y ? [...propChanges(k.props(x), k.props(y)), ...(k.statements?.(x, y) ?? [])] : [];
    if (x && y && x.urn !== y.urn) props.push({ property: 'Pulumi URN', base: x.urn, head: y.urn });
    const change = changeOf(x, y, step, props.length > 0);
    if (change === undefined) continue;
    const preview = previewOf(step);
    out.push({ kind: k.kind, name, change, properties: props, ...(preview !== undefined ? { preview } : {}) });
  }
  return out;
}

const PARAMETERS: Kind<DocParameter> = { kind: 'parameter', props: parameterProps };
const SECRETS: Kind<DocSecret> = { kind: 'secret', props: secretProps, statements: (b, h) => statementChanges('resource policy', b?.policy, h?.policy) };
const KEYS: Kind<DocKey> = { kind: 'key', props: keyProps, statements: (b, h) => statementChanges('key policy', b?.policy, h?.policy) };
const POLICIES: Kind<DocPolicy> = { kind: 'policy', props: policyProps, statements: (b, h) => statementChanges('', b?.statements, h?.statements) };

/** The stack's own roles, users and groups, by name and URN (their other properties are under access). */
function iamPrincipals(doc: EstateDoc | undefined, kind: 'role' | 'user' | 'group'): { name: string; urn: string }[] {
  return (doc?.principals ?? []).filter((p) => p.kind === kind && p.stack === doc!.key).map((p) => ({ name: p.name, urn: p.id }));
}

/** Parameter, secret, key, policy and IAM principal changes of a stack pair (one side may be absent). */
export function compareResources(base: EstateDoc | undefined, head: EstateDoc | undefined, preview: readonly PreviewChange[] = []): ResourceChange[] {
  const steps = new Map(preview.map((s) => [s.urn, s]));
  const own = (d: EstateDoc | undefined) => (d?.keys ?? []).filter((k) => k.stack === undefined);
  const iam = (['role', 'user', 'group'] as const).flatMap((kind) => compareKind({ kind, props: () => ({}) }, iamPrincipals(base, kind), iamPrincipals(head, kind), new Map()));
  return [
    ...compareKind(PARAMETERS, base?.parameters ?? [], head?.parameters ?? [], steps),
    ...compareKind(SECRETS, base?.secrets ?? [], head?.secrets ?? [], steps),
    ...compareKind(KEYS, own(base), own(head), steps),
    ...compareKind(POLICIES, base?.policies ?? [], head?.policies ?? [], steps),
    ...iam.filter((c) => c.change !== 'updated'),
  ];
}

/**
 * Resources of the other types: the count of each type on both sides (when both documents have
 * counts by type) and, with a preview, how many resources of the type each op touches. Undefined
 * when neither is known.
 */
export function compareOthers(base: EstateDoc | undefined, head: EstateDoc | undefined, preview: readonly PreviewChange[] = []): TypeCountChange[] | undefined {
  const counted = (base === undefined || base.resourceTypes !== undefined) && (head === undefined || head.resourceTypes !== undefined);
  if (!counted && preview.length === 0) return undefined;
  const ops = new Map<string, Record<string, number>>();
  const updates = new Map<string, { name: string; op: string; properties: string[] }[]>();
  for (const s of preview) {
    if (ITEMISED.has(s.type) || NO_CHANGE.has(s.op) || s.type.startsWith('pulumi:')) continue;
    const m = ops.get(s.type) ?? {};
    m[s.op] = (m[s.op] ?? 0) + 1;
    ops.set(s.type, m);
    if (s.op === 'update' || s.op === 'replace') (updates.get(s.type) ?? updates.set(s.type, []).get(s.type)!).push({ name: s.name, op: s.op, properties: s.detailedDiff.map((d) => d.path) });
  }
  const bt = counted ? (base?.resourceTypes ?? {}) : {};
  const ht = counted ? (head?.resourceTypes ?? {}) : {};
  const types = [...new Set([...Object.keys(bt), ...Object.keys(ht), ...ops.keys()])].filter((t) => !ITEMISED.has(t) && !t.startsWith('pulumi:')).sort(compareStrings);
  const out: TypeCountChange[] = [];
  for (const type of types) {
    const b = bt[type] ?? 0;
    const h = ht[type] ?? 0;
    const o = ops.get(type);
    if (b === h && o === undefined) continue;
    const u = updates.get(type)?.sort((x, y) => compareStrings(x.name, y.name));
    out.push({ type, base: b, head: h, ...(o !== undefined ? { ops: Object.fromEntries(Object.entries(o).sort(([x], [y]) => compareStrings(x, y))) } : {}), ...(u !== undefined ? { updates: u } : {}) });
  }
  return out;
}
