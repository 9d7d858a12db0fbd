/**
 * IAM policy documents: parsing and matching.
 *
 * - `parsePolicyDocument` reads a document given as a JSON string or an object (Statement object or
 *   array, Action/NotAction string or array, Principal `*` or map, Condition map). It never throws:
 *   an unreadable or unknown document comes back with `unknown: true`.
 * - `actionMatcher` / `ResourcePattern` compile IAM wildcards once (actions case-insensitive,
 *   resource ARNs field by field with `*` and `?`), so that a statement is matched against thousands
 *   of resources without recompiling. `ResourceIndex` finds the candidates of a pattern by the
 *   literal prefix of its resource part (binary search), not by scanning every resource.
 * - `keyPolicyDecision` evaluates a KMS key policy for one principal and action.
 */

import type { Condition, PolicyDocument, PolicyStatement, Principals } from './model.ts';
import { REDACTED, UNKNOWN } from '../graph/types.ts';

// ─── Parsing ────────────────────────────────────────────────────────────────────────

const EMPTY_DOC: PolicyDocument = Object.freeze({ statements: Object.freeze([]), unknown: true });

function asList(v: unknown): { values: string[]; unknown: boolean } {
  if (v === undefined || v === null) return { values: [], unknown: false };
  if (typeof v === 'string') return { values: [v], unknown: v === UNKNOWN || v === REDACTED };
  if (Array.isArray(v)) {
    let unknown = false;
    const values: string[] = [];
    for (const x of v) {
      if (typeof x === 'string') {
        values.push(x);
        if (x === UNKNOWN || x === REDACTED) unknown = true;
      } else if (typeof x === 'number') values.push(String(x));
      else unknown = true;
    }
    return { values, unknown };
  }
  return { values: [], unknown: true };
}

function parsePrincipals(v: unknown): { p?: Principals; unknown: boolean } {
  if (v === undefined || v === null) return { unknown: false };
  if (v === '*') return { p: { any: true }, unknown: false };
  if (typeof v === 'string') return { p: {}, unknown: true };
  if (typeof v !== 'object' || Array.isArray(v)) return { p: {}, unknown: true };
  const o = v as Record<string, unknown>;
  let unknown = false;
  const p: { AWS?: string[]; Service?: string[]; Federated?: string[]; any?: boolean } = {};
  for (const k of Object.keys(o)) {
    const l = asList(o[k]);
    unknown ||= l.unknown;
    const key = k.toLowerCase();
    if (key === 'aws') {
      p.AWS = l.values.slice().sort();
      if (l.values.includes('*')) p.any = true;
    } else if (key === 'service') p.Service = l.values.slice().sort();
    else if (key === 'federated') p.Federated = l.values.slice().sort();
    // CanonicalUser and others are not modelled
  }
  return { p, unknown };
}

function parseConditions(v: unknown): { conditions: Condition[]; unknown: boolean } {
  if (v === undefined || v === null) return { conditions: [], unknown: false };
  if (typeof v !== 'object' || Array.isArray(v)) return { conditions: [], unknown: true };
  const conditions: Condition[] = [];
  let unknown = false;
  const ops = v as Record<string, unknown>;
  for (const operator of Object.keys(ops).sort()) {
    const keys = ops[operator];
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) {
      unknown = true;
      continue;
    }
    for (const key of Object.keys(keys as object).sort()) {
      const raw = (keys as Record<string, unknown>)[key];
      const l = typeof raw === 'boolean' ? { values: [String(raw)], unknown: false } : asList(raw);
      unknown ||= l.unknown;
      conditions.push({ operator, key, values: l.values });
    }
  }
  return { conditions, unknown };
}

function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(o)) if (k.toLowerCase() === lower) return o[k];
  return undefined;
}

/**
 * Parse a policy document given as a JSON string or an object. Never throws.
 * `unknown` is true when any part could not be read (UNKNOWN or REDACTED markers, bad JSON).
 */
export function parsePolicyDocument(value: unknown): PolicyDocument {
  let v: unknown = value;
  if (v === undefined || v === null || v === '') return EMPTY_DOC;
  if (typeof v === 'string') {
    if (v === UNKNOWN || v === REDACTED) return EMPTY_DOC;
    try {
      v = JSON.parse(v);
    } catch {
      return EMPTY_DOC;
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return EMPTY_DOC;
  const doc = v as Record<string, unknown>;
  let unknown = false;
  const rawStatements = field(doc, 'Statement');
  const list: unknown[] =
    rawStatements === undefined ? [] : Array.isArray(rawStatements) ? rawStatements : [rawStatements];
  if (rawStatements === UNKNOWN || rawStatements === REDACTED) unknown = true;
  const statements: PolicyStatement[] = [];
  for (const raw of list) {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      unknown = true;
      continue;
    }
    const s = raw as Record<string, unknown>;
    const effectRaw = field(s, 'Effect');
    if (effectRaw !== 'Allow' && effectRaw !== 'Deny') {
      unknown = true;
      continue;
    }
    const st: {
      sid?: string;
      effect: 'Allow' | 'Deny';
      actions?: string[];
      notActions?: string[];
      resources?: string[];
      notResources?: string[];
      principals?: Principals;
      notPrincipals?: Principals;
      conditions: Condition[];
    } = { effect: effectRaw, conditions: [] };
    const sid = field(s, 'Sid');
    if (typeof sid === 'string' && sid !== '') st.sid = sid;
    const action = field(s, 'Action');
    const notAction = field(s, 'NotAction');
    if (action !== undefined) {
      const l = asList(action);
      st.actions = l.values;
      unknown ||= l.unknown;
    } else if (notAction !== undefined) {
      const l = asList(notAction);
      st.notActions = l.values;
      unknown ||= l.unknown;
    } else {
      st.actions = [];
    }
    const resource = field(s, 'Resource');
    const notResource = field(s, 'NotResource');
    if (resource !== undefined) {
      const l = asList(resource);
      st.resources = l.values;
      unknown ||= l.unknown;
    } else if (notResource !== undefined) {
      const l = asList(notResource);
      st.notResources = l.values;
      unknown ||= l.unknown;
    }
    const pr = parsePrincipals(field(s, 'Principal'));
    if (pr.p) st.principals = pr.p;
    unknown ||= pr.unknown;
    const npr = parsePrincipals(field(s, 'NotPrincipal'));
    if (npr.p) st.notPrincipals = npr.p;
    unknown ||= npr.unknown;
    const c = parseConditions(field(s, 'Condition'));
    st.conditions = c.conditions;
    unknown ||= c.unknown;
    statements.push(st);
  }
  const version = field(doc, 'Version');
  const out: { version?: string; statements: PolicyStatement[]; unknown: boolean } = { statements, unknown };
  if (typeof version === 'string') out.version = version;
  return out;
}

/** True when the statement holds an UNKNOWN or REDACTED marker in its actions or resources. */
export function statementHasUnknown(s: PolicyStatement): boolean {
  const lists = [s.actions, s.notActions, s.resources, s.notResources];
  return lists.some((l) => l?.some((x) => x === UNKNOWN || x === REDACTED) ?? false);
}

// ─── Wildcards ──────────────────────────────────────────────────────────────────────

function escapeRegex(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** Compiled wildcards by pattern, one map per case mode. */
const wildcardCacheCs = new Map<string, RegExp>();
const wildcardCacheCi = new Map<string, RegExp>();

/**
 * `*` and `?` wildcards to an anchored regular expression, compiled once per pattern and mode and
 * shared (no `g`/`y` flag, so `test` keeps no state between calls).
 */
export function wildcardRegex(pattern: string, caseInsensitive: boolean): RegExp {
  const cache = caseInsensitive ? wildcardCacheCi : wildcardCacheCs;
  let re = cache.get(pattern);
  if (re === undefined) {
    const src = escapeRegex(pattern).replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${src}$`, caseInsensitive ? 'is' : 's');
    cache.set(pattern, re);
  }
  return re;
}

/** The literal part of a wildcard pattern before its first `*` or `?`. */
export function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?]/);
  return i < 0 ? pattern : pattern.slice(0, i);
}

/** IAM action matching: `ssm:Get*`, `secretsmanager:*`, `*`, case-insensitive. */
export function actionMatches(pattern: string, action: string): boolean {
  if (pattern === '*') return true;
  return wildcardRegex(pattern, true).test(action);
}

/**
 * The subset of `candidates` that a statement's Action / NotAction covers.
 * `unknown` when an action value is an UNKNOWN marker (could be anything).
 */
export function coveredActions(
  s: Pick<PolicyStatement, 'actions' | 'notActions'>,
  candidates: readonly string[],
): { actions: string[]; unknown: boolean } {
  if (s.actions) {
    const known = s.actions.filter((a) => a !== UNKNOWN && a !== REDACTED);
    const unknown = known.length !== s.actions.length;
    const res = known.map((p) => (p === '*' ? null : wildcardRegex(p, true)));
    return { actions: candidates.filter((c) => res.some((r) => r === null || r.test(c))), unknown };
  }
  if (s.notActions) {
    const known = s.notActions.filter((a) => a !== UNKNOWN && a !== REDACTED);
    const unknown = known.length !== s.notActions.length;
    const res = known.map((p) => (p === '*' ? null : wildcardRegex(p, true)));
    return { actions: candidates.filter((c) => !res.some((r) => r === null || r.test(c))), unknown };
  }
  return { actions: [], unknown: false };
}

// ─── Resource ARNs ──────────────────────────────────────────────────────────────────

/** A resource as the matcher sees it: its ARN split into fields. Undefined region/account: not known. */
export interface ArnSubject {
  readonly partition: string;
  readonly service: string;
  readonly region?: string;
  readonly account?: string;
  /** Everything after the fifth colon, e.g. `parameter/mono-repo/prod/x`, `secret:name-AbCdEf`, `key/1234`. */
  readonly resource: string;
  /**
   * For a secret whose ARN is not known: the 6-character random suffix is unknown, and `resource`
   * ends with `-` and six `\u0001` placeholders.
   */
  readonly unknownSuffix?: boolean;
  /** Other names the resource answers to (a key's alias resources `alias/x`): matched with certainty unknown. */
  readonly aliases?: readonly string[];
}

export const SECRET_SUFFIX_PLACEHOLDER = '\u0001'.repeat(6);

export function splitArn(arn: string): ArnSubject | undefined {
  if (!arn.startsWith('arn:')) return undefined;
  const parts = arn.split(':');
  if (parts.length < 6) return undefined;
  const [, partition, service, region, account] = parts as [string, string, string, string, string];
  const out: { partition: string; service: string; region?: string; account?: string; resource: string } = {
    partition,
    service,
    resource: parts.slice(5).join(':'),
  };
  if (region !== '' && region !== UNKNOWN) out.region = region;
  if (account !== '' && account !== UNKNOWN) out.account = account;
  return out;
}

export type MatchResult = false | 'sure' | 'maybe';

function fieldMatcher(p: string): ((v: string | undefined) => MatchResult) | undefined {
  if (p === '*' || p === '') return undefined; // empty: IAM and S3-style ARNs leave region/account empty
  const re = wildcardRegex(p, false);
  // An unknown field of the resource (no region/account known) is assumed to be the same account/region.
  return (v) => (v === undefined ? 'sure' : re.test(v) ? 'sure' : false);
}

/** One compiled `Resource`/`NotResource` pattern. */
export class ResourcePattern {
  readonly source: string;
  /** Matches any resource (`*`). */
  readonly any: boolean;
  /** An UNKNOWN/REDACTED value: could match anything. */
  readonly unknown: boolean;
  /** Service field (lower-case) when literal, e.g. `ssm`; undefined if wildcard. */
  readonly service?: string;
  /** Literal prefix of the resource part, for index lookups ('' = no narrowing). */
  readonly resourcePrefix: string;
  private readonly partitionM?: (v: string | undefined) => MatchResult;
  private readonly serviceM?: (v: string | undefined) => MatchResult;
  private readonly regionM?: (v: string | undefined) => MatchResult;
  private readonly accountM?: (v: string | undefined) => MatchResult;
  private readonly resourceRe?: RegExp;
  private readonly resourcePattern: string;

  constructor(pattern: string) {
    this.source = pattern;
    this.unknown = pattern === UNKNOWN || pattern === REDACTED;
    this.any = pattern === '*' || this.unknown;
    this.resourcePattern = '*';
    this.resourcePrefix = '';
    if (this.any) return;
    const parts = pattern.split(':');
    if (parts[0] !== 'arn' || parts.length < 6) {
      // Not an ARN: match it against the whole ARN string.
      this.resourcePattern = pattern;
      this.resourceRe = wildcardRegex(pattern, false);
      return;
    }
    const [, partition, service, region, account] = parts as [string, string, string, string, string];
    this.partitionM = fieldMatcher(partition);
    const serviceRe = service === '*' ? undefined : wildcardRegex(service, true);
    this.serviceM = serviceRe === undefined ? undefined : (v) => (v !== undefined && serviceRe.test(v) ? 'sure' : false);
    if (!/[*?]/.test(service)) this.service = service.toLowerCase();
    this.regionM = fieldMatcher(region);
    this.accountM = fieldMatcher(account);
    this.resourcePattern = parts.slice(5).join(':');
    this.resourceRe = wildcardRegex(this.resourcePattern, false);
    this.resourcePrefix = literalPrefix(this.resourcePattern);
  }

  /** Whether this pattern matches the subject: 'sure', 'maybe' (unknown parts), or false. */
  match(s: ArnSubject): MatchResult {
    if (this.unknown) return 'maybe';
    if (this.any) return 'sure';
    if (!this.partitionM && !this.serviceM && !this.regionM && !this.accountM && this.resourcePattern === this.source) {
      // non-ARN pattern: compare with the rebuilt ARN
      const arn = `arn:${s.partition}:${s.service}:${s.region ?? ''}:${s.account ?? ''}:${s.resource}`;
      return this.resourceRe!.test(arn) ? 'sure' : false;
    }
    // Field by field, without building a list per call (this runs once per candidate resource).
    if (this.partitionM !== undefined && this.partitionM(s.partition) === false) return false;
    if (this.serviceM !== undefined && this.serviceM(s.service) === false) return false;
    if (this.regionM !== undefined && this.regionM(s.region) === false) return false;
    if (this.accountM !== undefined && this.accountM(s.account) === false) return false;
    if (this.resourceRe!.test(s.resource)) return 'sure';
    if (s.unknownSuffix) {
      // `secret:name-AbCdEf` given literally while the subject's suffix is not known.
      const m = /^(.*-)[A-Za-z0-9?]{6}$/.exec(this.resourcePattern);
      const base = s.resource.slice(0, -6);
      if (m && wildcardRegex(m[1]!, false).test(base)) return 'maybe';
    }
    if (s.aliases) {
      for (const a of s.aliases) if (this.resourceRe!.test(a)) return 'maybe';
    }
    return false;
  }
}

/**
 * Resources of one kind sorted by their ARN resource part, so that a pattern's candidates are found
 * by the literal prefix of its resource part (binary search) instead of a scan.
 */
export class ResourceIndex<T> {
  private readonly items: readonly { readonly subject: ArnSubject; readonly item: T }[];
  private readonly aliased: readonly { readonly subject: ArnSubject; readonly item: T }[];

  constructor(entries: readonly { subject: ArnSubject; item: T }[]) {
    this.items = entries.slice().sort((a, b) => (a.subject.resource < b.subject.resource ? -1 : a.subject.resource > b.subject.resource ? 1 : 0));
    this.aliased = this.items.filter((e) => (e.subject.aliases?.length ?? 0) > 0);
  }

  get size(): number {
    return this.items.length;
  }

  all(): readonly { readonly subject: ArnSubject; readonly item: T }[] {
    return this.items;
  }

  /** Every item the pattern matches, with how sure the match is. */
  matches(p: ResourcePattern): { item: T; subject: ArnSubject; match: 'sure' | 'maybe' }[] {
    const out: { item: T; subject: ArnSubject; match: 'sure' | 'maybe' }[] = [];
    const seen = new Set<T>();
    const consider = (e: { subject: ArnSubject; item: T }): void => {
      if (seen.has(e.item)) return;
      const m = p.match(e.subject);
      if (m) {
        seen.add(e.item);
        out.push({ item: e.item, subject: e.subject, match: m });
      }
    };
    const prefix = p.resourcePrefix;
    if (prefix === '') {
      for (const e of this.items) consider(e);
    } else {
      // A literal secret suffix may not be in the subject (placeholder): shorten the prefix by 7.
      const lookup = /-[A-Za-z0-9]{6}$/.test(prefix) ? prefix.slice(0, -7) : prefix;
      let lo = 0;
      let hi = this.items.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.items[mid]!.subject.resource < lookup) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < this.items.length && this.items[i]!.subject.resource.startsWith(lookup); i++) consider(this.items[i]!);
      for (const e of this.aliased) consider(e);
    }
    return out;
  }
}

// ─── Key policies ───────────────────────────────────────────────────────────────────

/** The account id of an IAM ARN, or of a bare 12-digit account principal. */
export function accountOf(arnOrAccount: string): string | undefined {
  if (/^\d{12}$/.test(arnOrAccount)) return arnOrAccount;
  const s = splitArn(arnOrAccount);
  return s?.account;
}

const PRINCIPAL_ARN_OPERATORS = new Set(['stringlike', 'arnlike', 'stringequals', 'arnequals', 'stringequalsignorecase']);

export interface KeyPolicyDecision {
  readonly allows: boolean | 'unknown';
  /** `kms:ViaService` values of the statements that allow it. */
  readonly viaServices: readonly string[];
  /** Conditions of the allowing statements other than those evaluated, carried along. */
  readonly conditions: readonly Condition[];
  /** True when a statement names the principal itself (not the account root): the key policy alone grants it. */
  readonly grantsDirectly: boolean;
}

type PrincipalMatch = false | 'root' | 'direct' | 'maybe';

function principalMatch(p: Principals | undefined, roleArn: string | undefined): PrincipalMatch {
  if (!p) return false;
  if (p.any) return 'direct';
  let best: PrincipalMatch = false;
  for (const a of p.AWS ?? []) {
    if (a === UNKNOWN || a === REDACTED) {
      best = best || 'maybe';
      continue;
    }
    if (roleArn === undefined) {
      best = best || 'maybe';
      continue;
    }
    if (a === roleArn) return 'direct';
    const root = /^arn:[^:]+:iam::([^:]*):root$/.exec(a);
    const principalAccount = /^\d{12}$/.test(a) ? a : root?.[1];
    if (principalAccount === undefined) continue;
    const acct = accountOf(roleArn);
    // `*` (the default policy of a key whose account is not known) or the role's own account
    if (principalAccount === '*' || acct === undefined || principalAccount === acct) best = 'root';
  }
  return best;
}

/**
 * Whether a KMS key policy lets the principal (a role ARN) call `action` (e.g. `kms:Decrypt`).
 * An explicit Deny wins. A statement naming the account root delegates to IAM: counted as allowing
 * (the identity policy decides). `aws:PrincipalArn` conditions (StringLike/ArnLike/...Equals) are
 * matched against the role ARN; other conditions are carried along, not evaluated.
 */
export function keyPolicyDecision(doc: PolicyDocument | undefined, roleArn: string | undefined, action: string): KeyPolicyDecision {
  if (!doc) return { allows: 'unknown', viaServices: [], conditions: [], grantsDirectly: false };
  let allows: boolean | 'unknown' = false;
  let grantsDirectly = false;
  const via = new Set<string>();
  const conditions: Condition[] = [];
  let denied = false;
  let maybe = doc.unknown;
  for (const s of doc.statements) {
    const cov = coveredActions(s, [action]);
    if (cov.actions.length === 0 && !cov.unknown) continue;
    const pm = principalMatch(s.principals, roleArn);
    if (!pm) continue;
    let condOk: boolean | 'maybe' = true;
    const carried: Condition[] = [];
    for (const c of s.conditions) {
      const op = c.operator.toLowerCase().replace(/^foranyvalue:|^forallvalues:/, '').replace(/ifexists$/, '');
      if (c.key.toLowerCase() === 'aws:principalarn' && PRINCIPAL_ARN_OPERATORS.has(op)) {
        if (roleArn === undefined) condOk = 'maybe';
        else {
          const ci = op === 'stringequalsignorecase';
          const hit = c.values.some((v) => (op.endsWith('like') ? wildcardRegex(v, ci).test(roleArn) : ci ? v.toLowerCase() === roleArn.toLowerCase() : v === roleArn));
          if (!hit) condOk = false;
        }
      } else carried.push(c);
    }
    if (condOk === false) continue;
    const sure = pm !== 'maybe' && condOk === true && !cov.unknown;
    if (s.effect === 'Deny') {
      if (sure && carried.length === 0) denied = true;
      continue;
    }
    if (sure) {
      allows = true;
      if (pm === 'direct') grantsDirectly = true;
    } else maybe = true;
    for (const c of carried) {
      if (c.key.toLowerCase() === 'kms:viaservice') c.values.forEach((v) => via.add(v));
      conditions.push(c);
    }
  }
  if (denied) return { allows: false, viaServices: [], conditions: [], grantsDirectly: false };
  if (allows === false && maybe) allows = 'unknown';
  return { allows, viaServices: [...via].sort(), conditions, grantsDirectly };
}

/** The AWS default key policy: the account root may do everything (delegation to IAM). */
export function defaultKeyPolicy(account: string | undefined): PolicyDocument {
  return {
    version: '2012-10-17',
    statements: [
      {
        sid: 'Enable IAM User Permissions',
        effect: 'Allow',
        principals: { AWS: [`arn:aws:iam::${account ?? '*'}:root`] },
        actions: ['kms:*'],
        resources: ['*'],
        conditions: [],
      },
    ],
    unknown: false,
  };
}
