/**
 * Lookups and naming shared by the four views. Pure.
 */

import type { Certainty, Estate, KmsKey, PrincipalAccess, Role, Service } from '../estate/model.ts';
import { isAwsManagedKeyId, Store, type PrincipalEntry } from '../estate/store.ts';
import { byString, clip, plural } from './d2text.ts';
import { PRINCIPAL_LABEL, TRUST_LABEL, trustClass, type ClassName } from './style.ts';
import { UNKNOWN } from '../graph/types.ts';
import { daysText } from '../util/collections.ts';

export { countBy, hasPrefixIn as hasPathUnder, lowerBound } from '../util/collections.ts';

/** Past this many boxes a view aggregates: a diagram readable at normal zoom holds about 60. */
export const MAX_BOXES = 60;
/** A folder or group with more leaves than this is drawn as one aggregated box. */
export const MAX_LEAVES_PER_FOLDER = 12;
/** A secret cache TTL as the estate declares it for a role (`SecretCacheTtl` tag), e.g. `TTL 15 min`; undefined when not declared. */
export function cacheTtlLabel(role: Role): string | undefined {
  const s = role.secretCacheTtlSeconds;
  if (s === undefined) return undefined;
  if (s % 3600 === 0 && s > 0) return `TTL ${s / 3600} h`;
  if (s % 60 === 0 && s > 0) return `TTL ${s / 60} min`;
  return `TTL ${s} s`;
}

export interface Lookup {
  readonly store: Store;
  readonly roleByUrn: ReadonlyMap<string, Role>;
  readonly keyByUrn: ReadonlyMap<string, KmsKey>;
  /** The access engine's result by principal id (a role's is its URN). */
  readonly access: ReadonlyMap<string, PrincipalAccess>;
  readonly serviceById: ReadonlyMap<string, Service>;
}

const lookups = new WeakMap<Estate, Lookup>();

/** The lookups of an estate, built once per estate (every view of every stack reads them). */
export function lookup(estate: Estate): Lookup {
  let l = lookups.get(estate);
  if (l === undefined) {
    l = {
      store: Store.of(estate),
      roleByUrn: new Map(estate.roles.map((r) => [r.urn, r])),
      keyByUrn: new Map(estate.keys.map((k) => [k.urn, k])),
      access: new Map(estate.access.map((a) => [a.principal, a])),
      serviceById: new Map(estate.services.map((s) => [`${s.stack}\u0000${s.id}`, s])),
    };
    lookups.set(estate, l);
  }
  return l;
}

/** The label a stack goes by in titles: its environment, else its key. */
export function stackLabel(estate: Estate, stack: string): string {
  return Store.of(estate).stackLabel(stack);
}

/** What a view says of a key that is not in the estate: AWS-managed, or defined outside the loaded stacks. */
export function outsideKeyFacts(keyId: string | undefined): string {
  // An id unknown before deployment may be any key, one of the loaded stacks' included.
  if (keyId === UNKNOWN) return 'not known before deployment';
  return keyId === undefined || keyId === '' || isAwsManagedKeyId(keyId) ? 'AWS-managed key' : 'defined outside the loaded stacks';
}

/**
 * A key's facts as every view words them: its rotation, and whether it is multi-region with the
 * regions of its replicas; or, for a key outside the estate, what its id says of it.
 */
export function keyFacts(key: KmsKey | undefined, keyId: string | undefined): string {
  if (!key) return outsideKeyFacts(keyId);
  const rotation = key.rotationEnabled === true ? `rotates every ${key.rotationPeriodDays ?? 365} d` : key.rotationEnabled === 'unknown' ? 'rotation unknown' : 'NO key rotation';
  const regions = key.multiRegion ? `multi-region${key.replicas.length ? ` + ${key.replicas.map((r) => r.region ?? '?').join(', ')}` : ''}` : '';
  const facts = regions ? `${rotation} · ${regions}` : rotation;
  const grants = grantsLine(key);
  return grants ? `${facts}\n${grants}` : facts;
}

/** A key box's name and facts; an AWS-managed key's name already says so. */
export function keyBoxText(name: string, key: KmsKey | undefined, keyId: string | undefined): string {
  const facts = keyFacts(key, keyId);
  return name.endsWith('(AWS managed)') && facts === 'AWS-managed key' ? name : `${name}\n${facts}`;
}

/**
 * A key's KMS grants, which let their grantees use it whatever its policy says: `grant to
 * shop-batch (Decrypt)` for one, `3 grants (2 with Decrypt)` for several; '' for none.
 */
function grantsLine(key: KmsKey): string {
  const gs = key.grants;
  if (gs.length === 0) return '';
  const decrypts = gs.filter((g) => g.operations.some((o) => /^decrypt$/i.test(o))).length;
  if (gs.length === 1) {
    const g = gs[0]!;
    const who = clip(g.grantee.replace(/^arn:[^:]+:iam::\d{12}:(?:role|user)\/(?:.*\/)?/, ''), 28);
    return `grant to ${who}${decrypts ? ' (Decrypt)' : ''}`;
  }
  return `${gs.length} grants${decrypts ? ` (${decrypts === gs.length ? 'each' : decrypts} with Decrypt)` : ''}`;
}

/** `mono-repo-parameter-store-key` from `alias/mono-repo-parameter-store-key`; else the key's name. */
export function keyName(k: KmsKey): string {
  const alias = k.aliases[0];
  return alias ? alias.replace(/^alias\//, '') : k.name;
}

/**
 * A key given as the resource gives it (alias, id or ARN), for keys not in the estate: the alias if
 * the resource names one, else a shortened key id (`key/mrk-7b1346d0…`).
 */
export function keyIdName(keyId: string | undefined, awsManaged: string): string {
  if (keyId === undefined || keyId === '') return `${awsManaged} (AWS managed)`;
  if (keyId === UNKNOWN) return 'key (id unknown)';
  if (isAwsManagedKeyId(keyId)) return `${keyId.replace(/^.*alias\//, '')} (AWS managed)`;
  const m = /(alias\/.+)$/.exec(keyId);
  if (m) return m[1]!.replace(/^alias\//, '');
  const id = keyId.replace(/^arn:aws[^:]*:kms:[^:]*:\d+:key\//, '');
  return `key/${id.length > 14 ? `${id.slice(0, 12)}…` : id}`;
}

/** The prefix all the estate's key names share, by lookup (computed once per estate). */
const keyPrefixes = new WeakMap<Lookup, string>();

/** A key name without the prefix all the estate's keys share (`mono-repo-`), for narrow boxes. */
export function shortKeyName(l: Lookup, name: string): string {
  let shared = keyPrefixes.get(l);
  if (shared === undefined) {
    const names = [...l.keyByUrn.values()].map(keyName);
    keyPrefixes.set(l, (shared = names.length > 1 ? commonPrefix(names, '-') : ''));
  }
  return shared && name.startsWith(shared) && name.length > shared.length ? name.slice(shared.length) : name;
}

/** Roles of `stack`, sorted by name. */
export function stackRoles(estate: Estate, stack: string): Role[] {
  return Store.of(estate).inStack(estate.roles, stack).sort(byString((r) => r.name));
}

/** Service display name of a role, when it has one. */
export function roleService(estate: Estate, l: Lookup, role: Role): Service | undefined {
  if (role.service) {
    const s = l.serviceById.get(`${role.stack}\u0000${role.service}`);
    if (s) return s;
  }
  return estate.services.find((s) => s.stack === role.stack && s.roles.includes(role.urn));
}

/** Longest common prefix of path-like names, cut at a `/`. */
export function commonPrefix(names: readonly string[], sep = '/'): string {
  if (names.length === 0) return '';
  let p = names[0]!;
  for (const n of names) {
    while (!n.startsWith(p)) p = p.slice(0, -1);
    if (p === '') break;
  }
  const cut = p.lastIndexOf(sep);
  return cut < 0 ? '' : p.slice(0, cut + 1);
}

/** `every 30 d`, `every 30-90 d`, or `no rotation`. */
export function intervalLabel(days: readonly (number | undefined)[]): string {
  const known = [...new Set(days.filter((d): d is number => d !== undefined))].sort((a, b) => a - b);
  if (known.length === 0) return 'rotates (interval unknown)';
  if (known.length === 1) return `every ${daysText(known[0]!)}`;
  const [lo, hi] = [known[0]!, known[known.length - 1]!];
  return Number.isInteger(lo) && Number.isInteger(hi) ? `every ${lo}-${hi} d` : `every ${daysText(lo)} to ${daysText(hi)}`;
}

/** Counts as `40 String, 2 SecureString` in a fixed type order. */
export function countLabel(counts: ReadonlyMap<string, number>, order: readonly string[]): string {
  const parts: string[] = [];
  for (const t of order) {
    const n = counts.get(t);
    if (n) parts.push(`${n} ${t}`);
  }
  for (const [t, n] of [...counts].sort(byString(([t]) => t))) if (!order.includes(t) && n) parts.push(`${n} ${t}`);
  return parts.join(', ');
}

/** Keeps the first `max` items and says how many more there are. */
export function listWithMore(items: readonly string[], max: number): string[] {
  if (items.length <= max) return [...items];
  return [...items.slice(0, max - 1), `+ ${items.length - (max - 1)} more`];
}

/** The D2 class of a principal: a role by its trust kind, others by their kind. */
export function principalClass(p: PrincipalEntry): ClassName {
  if (p.role) return trustClass(p.role.trust.kind);
  switch (p.kind) {
    case 'user':
      return 'principal-user';
    case 'group':
      return 'principal-group';
    case 'service':
      return 'principal-service';
    case 'any':
      return 'principal-any';
    default:
      return 'principal-account';
  }
}

/** What a principal is, in a few words: `EKS risk/risk-api`, `IAM user`, `account 210987654321`. */
export function principalLine(p: PrincipalEntry): string {
  if (p.role) {
    const trust = p.role.trust;
    if (trust.kind === 'eks-pod' && trust.eks) {
      const { namespace, serviceAccount } = trust.eks;
      return namespace && namespace === serviceAccount ? `EKS ${namespace}` : `EKS ${[namespace, serviceAccount].filter(Boolean).join('/') || 'pod'}`;
    }
    if (trust.kind === 'cross-account' && trust.crossAccount) return `account ${trust.crossAccount.accountId}${trust.crossAccount.requiresExternalId ? ' + ext. id' : ''}`;
    return TRUST_LABEL[trust.kind];
  }
  if (p.user) return 'IAM user';
  if (p.group) return `IAM group (${plural(p.group.members.length, 'member')})`;
  return PRINCIPAL_LABEL[p.kind];
}

/** What a group of principals of one class is, in the plural: `EKS pod roles`, `IAM users`, `other accounts`. */
export function principalKindPlural(p: PrincipalEntry): string {
  if (p.role) return `${TRUST_LABEL[p.role.trust.kind]}s`;
  if (p.user) return 'IAM users';
  if (p.group) return 'IAM groups';
  return p.kind === 'account' ? 'other accounts' : p.kind === 'service' ? 'AWS services' : p.kind === 'any' ? '× any AWS principal' : `${PRINCIPAL_LABEL[p.kind]}s`;
}

/** The first lines of a reader's box: its service (and role name when several roles share it), else its name. */
export function readerTitle(l: Lookup, p: PrincipalEntry, sharedService: boolean, width: number): string[] {
  const svc = p.role ? roleService(l.store.estate, l, p.role) : undefined;
  const lines = [svc ? svc.name : clip(p.name, width)];
  if (svc && sharedService) lines.push(clip(p.name, width));
  return lines;
}

/**
 * The environments the given entities of a stack serve, for a title: one (`prod`), several
 * (`dev, uat and prod`), or, when none has an environment, the stack's label.
 */
export function servedLabel(store: Store, stack: string, xs: readonly { readonly stack: string; readonly tags: Readonly<Record<string, string>>; readonly environment?: string }[]): string {
  const envs = [...new Set(xs.map((x) => store.environmentOf(x)).filter((e): e is string => e !== undefined))].sort(envOrder);
  const label = envs.length === 0 ? store.stackLabel(stack) : envs.length === 1 ? envs[0]! : `${envs.slice(0, -1).join(', ')} and ${envs[envs.length - 1]}`;
  // Stacks of several projects: `dev` alone would not say which; the stack's key does.
  const summary = store.stack(stack);
  if (summary.key === summary.stack || label === summary.key) return label;
  return label === summary.stack ? summary.key : `${label} of ${summary.key}`;
}

const ENV_ORDER = ['dev', 'development', 'test', 'qa', 'uat', 'staging', 'stage', 'preprod', 'prod', 'production'];
function envOrder(a: string, b: string): number {
  const ia = ENV_ORDER.indexOf(a);
  const ib = ENV_ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The marks of access that is not certain, as every view writes them after a name, and their legend notes. */
export const CONDITIONAL_NOTE = '* only under IAM conditions that cannot be decided offline';
/** What `?` means: the engine's `unknown`, a value not known before deployment or something it needs that the loaded stacks do not hold. */
export const UNKNOWN_NOTE = '? not known from the loaded stacks: a value not known before deployment, or a policy, key or boundary they do not hold';

const CERTAINTY_RANK: Readonly<Record<Certainty, number>> = { certain: 0, conditional: 1, unknown: 2 };

/** The surer of two certainties (certain before conditional before unknown); `b` when `a` is not given. */
export function surer(a: Certainty | undefined, b: Certainty): Certainty {
  return a === undefined || CERTAINTY_RANK[b] < CERTAINTY_RANK[a] ? b : a;
}

/** ` *` (conditional), ` ?` (not known before deployment) or nothing. */
export function certaintyMark(c: Certainty): string {
  return c === 'conditional' ? ' *' : c === 'unknown' ? ' ?' : '';
}

/** The marks of a group of `total` items of which `conditional` and `unknown` are so: ` *` when all are, ` (1 *)` when some are. */
export function groupMarks(total: number, conditional: number, unknown: number): string {
  const one = (n: number, m: string): string => (n === 0 ? '' : n === total ? ` ${m}` : ` (${n} ${m})`);
  return `${one(conditional, '*')}${one(unknown, '?')}`;
}

/**
 * Ids of the containers of things from other stacks (`from_shared`): one per stack, distinct even
 * where two stack names differ only in punctuation (`shared-kms`, `shared_kms`), the first met
 * keeping the plain id.
 */
export class StackContainers {
  private readonly byStack = new Map<string, string>();
  private readonly used = new Set<string>();
  id(stack: string): string {
    const known = this.byStack.get(stack);
    if (known) return known;
    const base = `from_${stack.replace(/[^A-Za-z0-9]/g, '_')}`;
    let id = base;
    for (let i = 2; this.used.has(id); i++) id = `${base}_${i}`;
    this.used.add(id);
    this.byStack.set(stack, id);
    return id;
  }
}
