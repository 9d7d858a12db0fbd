/**
 * The store of derived facts over an Estate: built once per run and read by the compliance rules,
 * the views and the docs, so that each fact is computed in one place with one rule.
 *
 * - Lookups by URN (and principals by id) throw a GeneratorError naming the missing key.
 * - An entity's environment: its `Environment` tag, else (parameters and secrets) the environment a
 *   path segment names, else its stack's environment; only environments that exist in the estate.
 * - The audit pieces (trails, alarms, event rules, topics) that serve a stack: its own, and those of
 *   the stacks it references and of its project's account-level stacks (no environment) that are
 *   not tied to another environment of the estate.
 * - The keys a stack uses: the keys it owns and those its SecureStrings, secrets and trails are
 *   encrypted with, wherever they are defined; key ids that resolve to no key of the estate.
 * - Rotation functions and their roles; the readers of every parameter, secret and key.
 */

import { isAwsManagedKeyId } from './iam/arn.ts';
import { GeneratorError } from '../errors.ts';
import { UNKNOWN } from '../graph/types.ts';
import { compareStrings } from '../util/collections.ts';
import { NOT_ENVIRONMENTS } from './environments.ts';
import type {
  AccessItem,
  Alarm,
  Audit,
  Estate,
  EventRule,
  ExternalPrincipal,
  IamGroup,
  IamPolicy,
  IamUser,
  KeyAccess,
  KmsKey,
  LambdaFunction,
  Parameter,
  ParameterRead,
  PrincipalAccess,
  PrincipalKind,
  Role,
  Secret,
  StackSummary,
  Topic,
  Trail,
} from './model.ts';

export type Entity = Parameter | Secret | KmsKey | IamPolicy | Role | IamUser | IamGroup | LambdaFunction | Trail | Alarm | EventRule | Topic;
export type EntityKind = 'parameter' | 'secret' | 'key' | 'policy' | 'role' | 'user' | 'group' | 'function' | 'trail' | 'alarm' | 'eventRule' | 'topic';

/** A principal of the estate (role, user, group) or outside it. */
export interface PrincipalEntry {
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly arn?: string;
  /** The stack of an estate principal; undefined for an external one. */
  readonly stack?: string;
  readonly role?: Role;
  readonly user?: IamUser;
  readonly group?: IamGroup;
  readonly external?: ExternalPrincipal;
}

/** One way a principal reaches a resource. */
export type ReadKind = 'parameter' | 'secret-value' | 'secret-metadata' | 'secret-write' | 'key';

export interface Reader {
  readonly principal: string;
  readonly kind: ReadKind;
  readonly item: AccessItem | ParameterRead | KeyAccess;
}

export interface KeyScope {
  /** Keys the stack owns plus keys of other stacks its SecureStrings, secrets and trails use, in estate order. */
  readonly keys: readonly KmsKey[];
  /** How many of `keys` the stack's own SecureStrings, secrets and trails use (its own keys or other stacks'). */
  readonly usedCount: number;
  /** Key ids those resources name that resolve to no key of the estate (AWS-managed ones aside), sorted. */
  readonly unresolved: readonly string[];
  /** How many of the stack's resources use such a key. */
  readonly unresolvedUsers: number;
  /** How many of the stack's resources name a key whose id is not known before deployment (UNKNOWN): any key, this stack's own or AWS-managed included. */
  readonly unknownUsers: number;
}

export { isAwsManagedKeyId };

export class Store {
  readonly estate: Estate;
  private readonly byUrn = new Map<string, { kind: EntityKind; entity: Entity }>();
  private readonly envCache = new WeakMap<object, string>();
  private readonly principalById = new Map<string, PrincipalEntry>();
  private readonly accessById = new Map<string, PrincipalAccess>();
  private readonly summaryByKey = new Map<string, StackSummary>();
  private readonly envs: ReadonlySet<string>;
  private readersIndex: ReaderIndex | undefined;
  private readonly auditCache = new Map<string, Audit>();
  private readonly keyScopeCache = new Map<string, KeyScope>();
  private rotationRoleMap: Map<string, Set<string>> | undefined;
  private rotationFunctionList: readonly LambdaFunction[] | undefined;
  private readonly stackGroups = new WeakMap<readonly { readonly stack: string }[], Map<string, { readonly stack: string }[]>>();
  private readonly stacksReadCache = new WeakMap<PrincipalAccess, ReadonlySet<string>>();
  private readonly reachingCache = new Map<string, ReadonlySet<string>>();
  private readonly protectsCache = new WeakMap<KmsKey, ReadonlyMap<string, number>>();
  private stackByUrnPrefix: Map<string, string> | undefined;
  readonly principals: readonly PrincipalEntry[];

  private static readonly cache = new WeakMap<Estate, Store>();

  /** The store of an estate (built once per estate). */
  static of(estate: Estate): Store {
    let s = Store.cache.get(estate);
    if (s === undefined) {
      s = new Store(estate);
      Store.cache.set(estate, s);
    }
    return s;
  }

  private constructor(estate: Estate) {
    this.estate = estate;
    const add = (kind: EntityKind, list: readonly Entity[]): void => {
      for (const e of list) if (!this.byUrn.has(e.urn)) this.byUrn.set(e.urn, { kind, entity: e });
    };
    add('parameter', estate.parameters);
    add('secret', estate.secrets);
    add('key', estate.keys);
    add('policy', estate.policies);
    add('role', estate.roles);
    add('user', estate.users);
    add('group', estate.groups);
    add('function', estate.functions);
    add('trail', estate.audit.trails);
    add('alarm', estate.audit.alarms);
    add('eventRule', estate.audit.eventRules);
    add('topic', estate.audit.topics);
    for (const s of estate.stacks) this.summaryByKey.set(s.key, s);
    const principals: PrincipalEntry[] = [];
    for (const r of estate.roles) principals.push({ id: r.urn, kind: 'role', name: r.name, ...(r.arn ? { arn: r.arn } : {}), stack: r.stack, role: r });
    for (const u of estate.users) principals.push({ id: u.urn, kind: 'user', name: u.name, ...(u.arn ? { arn: u.arn } : {}), stack: u.stack, user: u });
    for (const g of estate.groups) principals.push({ id: g.urn, kind: 'group', name: g.name, ...(g.arn ? { arn: g.arn } : {}), stack: g.stack, group: g });
    for (const x of estate.externalPrincipals) principals.push({ id: x.id, kind: x.kind, name: x.name, ...(x.arn ? { arn: x.arn } : {}), external: x });
    for (const p of principals) this.principalById.set(p.id, p);
    this.principals = principals;
    for (const a of estate.access) this.accessById.set(a.principal, a);
    const envs = new Set<string>();
    for (const s of estate.stacks) if (s.environment !== undefined) envs.add(s.environment.toLowerCase());
    for (const list of [estate.parameters, estate.secrets, estate.keys, estate.roles, estate.users, estate.audit.trails, estate.audit.alarms]) {
      for (const x of list as readonly { tags: Readonly<Record<string, string>> }[]) {
        const t = envTag(x.tags);
        if (t !== undefined && !NOT_ENVIRONMENTS.has(t)) envs.add(t);
      }
    }
    this.envs = envs;
  }

  // ─── Lookups ──────────────────────────────────────────────────────────────────────

  /**
   * The items of `xs` that belong to `stack`, in list order, as a new array. A list is grouped by
   * stack once (kept by identity: meant for the estate's lists, which are frozen), so that asking
   * each of many stacks for its share costs the share, not the whole list.
   */
  inStack<T extends { readonly stack: string }>(xs: readonly T[], stack: string): T[] {
    let groups = this.stackGroups.get(xs);
    if (groups === undefined) {
      groups = new Map();
      for (const x of xs) (groups.get(x.stack) ?? groups.set(x.stack, []).get(x.stack)!).push(x);
      if (Object.isFrozen(xs)) this.stackGroups.set(xs, groups);
    }
    return [...((groups.get(stack) ?? []) as T[])];
  }

  private missing(what: string, key: string): GeneratorError {
    return new GeneratorError('input', `no ${what} '${key}' in the estate`);
  }

  find(urn: string): Entity | undefined {
    return this.byUrn.get(urn)?.entity;
  }

  entity(urn: string): Entity {
    const hit = this.byUrn.get(urn);
    if (!hit) throw this.missing('entity with URN', urn);
    return hit.entity;
  }

  kindOf(urn: string): EntityKind {
    const hit = this.byUrn.get(urn);
    if (!hit) throw this.missing('entity with URN', urn);
    return hit.kind;
  }

  private typed<T extends Entity>(urn: string, kind: EntityKind, label: string): T {
    const hit = this.byUrn.get(urn);
    if (!hit || hit.kind !== kind) throw this.missing(label, urn);
    return hit.entity as T;
  }

  parameter(urn: string): Parameter {
    return this.typed(urn, 'parameter', 'parameter');
  }
  secret(urn: string): Secret {
    return this.typed(urn, 'secret', 'secret');
  }
  key(urn: string): KmsKey {
    return this.typed(urn, 'key', 'KMS key');
  }
  policy(urn: string): IamPolicy {
    return this.typed(urn, 'policy', 'IAM policy');
  }
  role(urn: string): Role {
    return this.typed(urn, 'role', 'role');
  }
  fn(urn: string): LambdaFunction {
    return this.typed(urn, 'function', 'Lambda function');
  }
  topic(urn: string): Topic {
    return this.typed(urn, 'topic', 'SNS topic');
  }

  /** A key of the estate, or undefined (a key referenced but not loaded). */
  findKey(urn: string | undefined): KmsKey | undefined {
    if (urn === undefined) return undefined;
    const hit = this.byUrn.get(urn);
    return hit?.kind === 'key' ? (hit.entity as KmsKey) : undefined;
  }

  findRole(urn: string | undefined): Role | undefined {
    if (urn === undefined) return undefined;
    const hit = this.byUrn.get(urn);
    return hit?.kind === 'role' ? (hit.entity as Role) : undefined;
  }

  findFunction(urn: string | undefined): LambdaFunction | undefined {
    if (urn === undefined) return undefined;
    const hit = this.byUrn.get(urn);
    return hit?.kind === 'function' ? (hit.entity as LambdaFunction) : undefined;
  }

  principal(id: string): PrincipalEntry {
    const p = this.principalById.get(id);
    if (!p) throw this.missing('principal', id);
    return p;
  }

  findPrincipal(id: string): PrincipalEntry | undefined {
    return this.principalById.get(id);
  }

  /** The access analysis of a principal; throws when the estate has none for it. */
  accessOf(id: string): PrincipalAccess {
    const a = this.accessById.get(id);
    if (!a) throw this.missing('access analysis for principal', id);
    return a;
  }

  findAccess(id: string): PrincipalAccess | undefined {
    return this.accessById.get(id);
  }

  /** The summary of a stack by key; throws listing the stacks there are. */
  stack(key: string): StackSummary {
    const s = this.summaryByKey.get(key);
    if (!s) {
      throw new GeneratorError('usage', `no stack '${key}' in the estate`, {
        expected: this.estate.stacks.length ? `one of ${this.estate.stacks.map((x) => x.key).join(', ')}` : 'a stack (the estate has none)',
      });
    }
    return s;
  }

  findStack(key: string): StackSummary | undefined {
    return this.summaryByKey.get(key);
  }

  /** The name a stack goes by in titles: its environment, else its key. */
  stackLabel(key: string): string {
    return this.summaryByKey.get(key)?.environment ?? key;
  }

  // ─── Environments ─────────────────────────────────────────────────────────────────

  /** Environments that exist in the estate (of loaded stacks, or declared by an Environment tag), sorted. */
  environments(): string[] {
    return [...this.envs].sort(compareStrings);
  }

  isEnvironment(e: string): boolean {
    return this.envs.has(e.toLowerCase());
  }

  /** An entity's environment: tag, else (parameter, secret) path segment, else its stack's. */
  environmentOf(x: { readonly stack: string; readonly tags: Readonly<Record<string, string>>; readonly environment?: string }): string | undefined {
    // Views, pages and rules ask it of each of a stack's entities, several times.
    const hit = this.envCache.get(x);
    if (hit !== undefined) return hit === NO_ENV ? undefined : hit;
    const env = this.environmentOfUncached(x);
    this.envCache.set(x, env ?? NO_ENV);
    return env;
  }

  private environmentOfUncached(x: { readonly stack: string; readonly tags: Readonly<Record<string, string>>; readonly environment?: string }): string | undefined {
    const t = envTag(x.tags);
    if (t !== undefined) return t;
    if (x.environment !== undefined && x.environment !== UNKNOWN && this.envs.has(x.environment.toLowerCase())) return x.environment.toLowerCase();
    return this.summaryByKey.get(x.stack)?.environment?.toLowerCase();
  }

  // ─── Audit ────────────────────────────────────────────────────────────────────────

  /** Stacks whose audit pieces may serve `stack`: itself, what it references, its project's account-level stacks. */
  auditStacks(stack: string): Set<string> {
    const summary = this.stack(stack);
    const out = new Set<string>([stack]);
    for (const r of summary.references) if (this.summaryByKey.has(r)) out.add(r);
    for (const s of this.estate.stacks) if (s.project === summary.project && s.environment === undefined) out.add(s.key);
    return out;
  }

  /**
   * Does an audit piece serve `stack`? Its own always. A trail records every call of its account (all
   * regions when multi-region), whatever stack defines it: where both accounts are known, that
   * decides. Otherwise, another serving stack's piece unless it is tied to another environment.
   */
  serves(stack: string, x: { readonly stack: string; readonly name: string; readonly tags: Readonly<Record<string, string>>; readonly account?: string; readonly region?: string; readonly multiRegion?: boolean | 'unknown'; readonly organization?: true }): boolean {
    if (x.stack === stack) return true;
    const here = this.summaryByKey.get(stack);
    if (x.multiRegion !== undefined && x.account !== undefined && here?.account !== undefined) {
      // An organization trail records the calls of the organization's other accounts too.
      return (x.account === here.account || x.organization === true) && (x.multiRegion !== false || x.region === undefined || here.region === undefined || x.region === here.region);
    }
    if (!this.auditStacks(stack).has(x.stack)) return false;
    const mine = this.summaryByKey.get(stack)?.environment?.toLowerCase();
    const env = envTag(x.tags) ?? this.summaryByKey.get(x.stack)?.environment?.toLowerCase();
    if (env !== undefined) return env === mine || !this.envs.has(env);
    const other = x.name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .find((seg) => this.envs.has(seg) && seg !== mine);
    return other === undefined;
  }

  /** The audit pieces that serve a stack (estate order); topics also when an included alarm or rule notifies them. */
  auditOf(stack: string): Audit {
    const hit = this.auditCache.get(stack);
    if (hit) return hit;
    const serves = (x: Trail | Alarm | EventRule | Topic) => this.serves(stack, x);
    const trails = this.estate.audit.trails.filter(serves);
    const alarms = this.estate.audit.alarms.filter(serves);
    const eventRules = this.estate.audit.eventRules.filter(serves);
    const notified = new Set<string>();
    for (const w of [...alarms, ...eventRules]) for (const t of w.topics) notified.add(t);
    const topics = this.estate.audit.topics.filter((t) => notified.has(t.urn) || serves(t));
    const out = Object.freeze({ trails, alarms, eventRules, topics });
    this.auditCache.set(stack, out);
    return out;
  }

  // ─── Keys ─────────────────────────────────────────────────────────────────────────

  keysUsedBy(stack: string): KeyScope {
    const hit = this.keyScopeCache.get(stack);
    if (hit) return hit;
    const used = new Set<string>();
    const unresolved = new Set<string>();
    let unresolvedUsers = 0;
    let unknownUsers = 0;
    const use = (keyUrn: string | undefined, keyId: string | undefined): void => {
      if (keyUrn !== undefined && this.findKey(keyUrn) !== undefined) {
        used.add(keyUrn);
        return;
      }
      if (keyId === UNKNOWN) {
        unknownUsers++;
        return;
      }
      if (keyId === undefined || keyId === '' || isAwsManagedKeyId(keyId)) return;
      unresolved.add(keyId);
      unresolvedUsers++;
    };
    for (const p of this.inStack(this.estate.parameters, stack)) if (p.type === 'SecureString') use(p.keyUrn, p.keyId);
    for (const s of this.inStack(this.estate.secrets, stack)) use(s.keyUrn, s.keyId);
    for (const t of this.inStack(this.estate.audit.trails, stack)) use(t.keyUrn, t.kmsKeyId);
    const keys = this.estate.keys.filter((k) => k.stack === stack || used.has(k.urn));
    const out = Object.freeze({ keys: Object.freeze(keys), usedCount: used.size, unresolved: Object.freeze([...unresolved].sort(compareStrings)), unresolvedUsers, unknownUsers });
    this.keyScopeCache.set(stack, out);
    return out;
  }

  // ─── Rotation ─────────────────────────────────────────────────────────────────────

  /** Rotation functions: marked so (a rotation names them), or named by any secret's rotation; in estate order (frozen). */
  rotationFunctions(): readonly LambdaFunction[] {
    if (this.rotationFunctionList === undefined) {
      const named = new Set(this.estate.secrets.map((s) => s.rotation.functionUrn).filter((u): u is string => u !== undefined));
      this.rotationFunctionList = Object.freeze(this.estate.functions.filter((f) => f.purpose === 'rotation' || named.has(f.urn)));
    }
    return this.rotationFunctionList;
  }

  /** Roles that execute a rotation function, with the URNs of the secrets that function rotates. */
  rotationRoles(): ReadonlyMap<string, ReadonlySet<string>> {
    if (this.rotationRoleMap) return this.rotationRoleMap;
    const out = new Map<string, Set<string>>();
    for (const f of this.rotationFunctions()) {
      if (f.roleUrn === undefined) continue;
      const set = out.get(f.roleUrn) ?? new Set<string>();
      for (const s of this.estate.secrets) if (s.rotation.functionUrn === f.urn) set.add(s.urn);
      out.set(f.roleUrn, set);
    }
    this.rotationRoleMap = out;
    return out;
  }

  isRotationRole(urn: string): boolean {
    return this.rotationRoles().has(urn);
  }

  /**
   * Whether a principal's decrypt with a key reaches a stack's data: the key is the stack's own, or
   * the principal decrypts with it directly (any ciphertext), or it reads a parameter or secret of
   * the stack. Through a service, a shared key used for another stack's data does not.
   */
  keyReachesStack(a: PrincipalAccess, k: KeyAccess, stack: string): boolean {
    const key = this.findKey(k.resourceUrn);
    if (key === undefined) return false;
    if (key.stack === stack || k.paths.includes('direct')) return true;
    return this.stacksRead(a).has(stack);
  }

  /** The stacks whose parameters or secret values a principal reads. */
  private stacksRead(a: PrincipalAccess): ReadonlySet<string> {
    let out = this.stacksReadCache.get(a);
    if (out === undefined) {
      const stacks = new Set<string>();
      for (const x of [...a.parameters, ...a.secretValues]) {
        const s = this.find(x.resourceUrn)?.stack;
        if (s !== undefined) stacks.add(s);
      }
      this.stacksReadCache.set(a, (out = stacks));
    }
    return out;
  }

  /** Ids of the principals with an access item of one of `kinds` on one of `urns`. */
  principalsWith(urns: Iterable<string>, kinds: readonly ReadKind[]): Set<string> {
    const out = new Set<string>();
    const idx = this.readers();
    const wanted = READ_KINDS.map((k) => kinds.includes(k));
    for (const urn of urns) {
      const n = idx.place.get(urn);
      if (n === undefined) continue;
      for (let i = idx.start[n]!; i < idx.end[n]!; i++) if (wanted[idx.kinds[i]!]) out.add(idx.principals[i]!);
    }
    return out;
  }

  /**
   * Ids of the principals that reach a stack's data: they read, describe or write one of its
   * parameters or secrets, or decrypt with a key the stack uses in a way that reaches the stack's
   * data (`keyReachesStack`).
   */
  principalsReaching(stack: string): ReadonlySet<string> {
    const hit = this.reachingCache.get(stack);
    if (hit) return hit;
    const own = [...this.inStack(this.estate.parameters, stack), ...this.inStack(this.estate.secrets, stack)].map((x) => x.urn);
    const out = this.principalsWith(own, ['parameter', 'secret-value', 'secret-metadata', 'secret-write']);
    for (const k of this.keysUsedBy(stack).keys) {
      for (const r of this.readersOf(k.urn)) {
        const a = r.kind === 'key' && !out.has(r.principal) ? this.findAccess(r.principal) : undefined;
        if (a !== undefined && this.keyReachesStack(a, r.item as KeyAccess, stack)) out.add(r.principal);
      }
    }
    this.reachingCache.set(stack, out);
    return out;
  }

  /**
   * How many of the resources whose properties name a key (`protects`) are of `stack`: entities of
   * the stack, and resources whose URN names the stack's project and name.
   */
  protectedInStack(k: KmsKey, stack: string): number {
    let counts = this.protectsCache.get(k);
    if (counts === undefined) {
      this.stackByUrnPrefix ??= new Map(this.estate.stacks.map((s) => [`urn:pulumi:${s.stack}::${s.project}::`, s.key]));
      const m = new Map<string, number>();
      for (const p of k.protects) {
        for (const u of p.urns) {
          const end = u.indexOf('::', u.indexOf('::', 'urn:pulumi:'.length) + 2);
          const stacks = new Set<string>();
          const owner = this.find(u)?.stack;
          if (owner !== undefined) stacks.add(owner);
          const named = end === -1 ? undefined : this.stackByUrnPrefix.get(u.slice(0, end + 2));
          if (named !== undefined) stacks.add(named);
          for (const s of stacks) m.set(s, (m.get(s) ?? 0) + 1);
        }
      }
      this.protectsCache.set(k, (counts = m));
    }
    return counts.get(stack) ?? 0;
  }

  // ─── Readers ──────────────────────────────────────────────────────────────────────

  /** Who reaches a parameter, secret or key, and how (every principal, sorted by principal id). */
  readersOf(resourceUrn: string): readonly Reader[] {
    const idx = this.readers();
    const n = idx.place.get(resourceUrn);
    if (n === undefined) return [];
    const out: Reader[] = [];
    for (let i = idx.start[n]!; i < idx.end[n]!; i++) out.push({ principal: idx.principals[i]!, kind: READ_KINDS[idx.kinds[i]!]!, item: idx.items[i]! });
    return out;
  }

  /**
   * The readers of every resource in flat columns, a resource's readers side by side (an estate at
   * Parameter Store's limit has millions of entries: no object, nor array, for each).
   */
  private readers(): ReaderIndex {
    if (this.readersIndex !== undefined) return this.readersIndex;
    const lists = (a: PrincipalAccess): readonly (readonly AccessItem[])[] => [a.parameters, a.secretValues, a.secretMetadata, a.secretWrites, a.keys];
    // Pass 1: how many readers each resource has, in the order resources are first met.
    const place = new Map<string, number>();
    const counts: number[] = [];
    for (const a of this.estate.access) {
      for (const items of lists(a)) {
        for (const item of items) {
          const n = place.get(item.resourceUrn);
          if (n === undefined) {
            place.set(item.resourceUrn, counts.length);
            counts.push(1);
          } else counts[n]!++;
        }
      }
    }
    // Pass 2: each resource's readers in its slice, in the order they are met (principal id order).
    const start = new Float64Array(counts.length);
    const end = new Float64Array(counts.length);
    let total = 0;
    for (let n = 0; n < counts.length; n++) {
      start[n] = end[n] = total;
      total += counts[n]!;
    }
    const principals = new Array<string>(total);
    const kinds = new Uint8Array(total);
    const items = new Array<AccessItem | ParameterRead | KeyAccess>(total);
    for (const a of this.estate.access) {
      for (const [k, list] of lists(a).entries()) {
        for (const item of list) {
          const n = place.get(item.resourceUrn)!;
          const at = end[n]!++;
          principals[at] = a.principal;
          kinds[at] = k;
          items[at] = item;
        }
      }
    }
    return (this.readersIndex = { place, start, end, principals, kinds, items });
  }
}

/** The kinds of reach, in the order of a principal's lists (`ReaderIndex.kinds` holds their places). */
const READ_KINDS: readonly ReadKind[] = ['parameter', 'secret-value', 'secret-metadata', 'secret-write', 'key'];

/** Every resource's readers: those of the resource at `place` n are at `start[n]`..`end[n]` of the columns. */
interface ReaderIndex {
  readonly place: ReadonlyMap<string, number>;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly principals: readonly string[];
  readonly kinds: Uint8Array;
  readonly items: readonly (AccessItem | ParameterRead | KeyAccess)[];
}

/** `environmentOf`'s cached answer for an entity without an environment. */
const NO_ENV = '\u0000none';

/** The `Environment` tag, lower-cased; undefined when absent or not known. */
export function envTag(tags: Readonly<Record<string, string>>): string | undefined {
  const t = tags['Environment'] ?? tags['environment'];
  if (t === undefined || t === UNKNOWN || t.trim() === '') return undefined;
  const e = t.toLowerCase();
  return NOT_ENVIRONMENTS.has(e) ? undefined : e;
}
