/**
 * ARNs and IAM wildcards: `wildcardRegex` compiles `*` / `?` patterns once; `splitArn` and
 * `ResourcePattern` match a statement's Resource / NotResource against a resource field by field
 * (partition, service, region, account, then the resource part with its own colons); and
 * `ResourceIndex` finds the resources a pattern can match by the literal prefix of its resource part
 * (binary search), so that a statement is matched against thousands of resources without a scan.
 *
 * IAM policy variables in a pattern (`${aws:username}`) are resolved from the request (`withVariables`):
 * a variable whose value is not known makes the match uncertain ('maybe'); one whose key is absent
 * from the request makes the pattern match no resource.
 */

import { REDACTED, UNKNOWN } from '../../graph/types.ts';

function escapeRegex(s: string): string {
  return s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
}

/** What `wildcardRegex` gives: a compiled pattern that tests a value. */
export interface Wildcard {
  test(value: string): boolean;
}

/** Compiled wildcards by pattern, one map per case mode. */
const wildcardCacheCs = new Map<string, Wildcard>();
const wildcardCacheCi = new Map<string, Wildcard>();

/**
 * Patterns with more `*` than this are matched by `globMatch`, not by a regular expression: a
 * backtracking regular expression of many `.*` takes time exponential in their number on a value
 * that does not match (a policy from the input may hold thousands).
 */
const REGEX_MAX_STARS = 8;

/** `*` (any run) and `?` (one character) against the whole value, in O(pattern × value) steps. */
function globMatch(p: string, v: string): boolean {
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star >= 0) {
      pi = star + 1;
      vi = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/**
 * `*` and `?` wildcards to an anchored regular expression (or, past REGEX_MAX_STARS stars, to
 * `globMatch`), compiled once per pattern and mode and shared (no `g`/`y` flag, so `test` keeps no
 * state between calls).
 */
export function wildcardRegex(pattern: string, caseInsensitive: boolean): Wildcard {
  const cache = caseInsensitive ? wildcardCacheCi : wildcardCacheCs;
  let re = cache.get(pattern);
  if (re === undefined) {
    const stars = pattern.split('*').length - 1;
    if (stars > REGEX_MAX_STARS) {
      const p = caseInsensitive ? pattern.toLowerCase() : pattern;
      re = { test: (v: string) => globMatch(p, caseInsensitive ? v.toLowerCase() : v) };
    } else {
      const src = escapeRegex(pattern).replace(/\*/g, '.*').replace(/\?/g, '.');
      re = new RegExp(`^${src}$`, caseInsensitive ? 'is' : 's');
    }
    cache.set(pattern, re);
  }
  return re;
}

/** The literal part of a wildcard pattern before its first `*` or `?`. */
export function literalPrefix(pattern: string): string {
  const i = pattern.search(/[*?]/);
  return i < 0 ? pattern : pattern.slice(0, i);
}

/** Whether a value matches an IAM wildcard pattern (`*` any run, `?` one character). */
export function wildcardMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  if (pattern === '*') return true;
  return wildcardRegex(pattern, caseInsensitive).test(value);
}

/** IAM's escapes of the wildcard characters inside policy variables: `${*}`, `${?}`, `${$}`. */
const ESCAPES: Readonly<Record<string, string>> = { '${*}': '*', '${?}': '?', '${$}': '$' };

/** What a policy variable resolves to: its value, `null` when the key is absent from the request, undefined when not known. */
export type VariableLookup = (name: string) => string | null | undefined;

/**
 * Resolves the policy variables of a pattern with what is known of the request. Returns the
 * pattern (unchanged when it has none), whether a variable stayed unresolved (not known), and
 * whether one names a key absent from the request: the pattern then matches no resource.
 */
export function withVariables(pattern: string, lookup: VariableLookup): { pattern: string; unresolved: boolean; absent: boolean } {
  if (!pattern.includes('${')) return { pattern, unresolved: false, absent: false };
  let unresolved = false;
  let absent = false;
  const out = pattern.replace(/\$\{([^}]*)\}/g, (m, name: string) => {
    if (m in ESCAPES) return ESCAPES[m]!;
    const v = lookup(name);
    if (v === null) {
      absent = true;
      return '';
    }
    if (v === undefined) {
      unresolved = true;
      return '*';
    }
    return v;
  });
  return { pattern: out, unresolved, absent };
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
  if (p === '*') return undefined;
  // Empty (`arn:aws:ssm:*::parameter/aws/service/*`, the public parameters): only a resource whose field is empty too.
  if (p === '') return (v) => (v === undefined ? 'sure' : false);
  const re = wildcardRegex(p, false);
  // An unknown field of the resource (no region/account known) is assumed to be the same account/region.
  return (v) => (v === undefined ? 'sure' : re.test(v) ? 'sure' : false);
}

/** One compiled `Resource`/`NotResource` pattern. */
/** The resource types of the services the engine reads, as their ARNs' resource parts begin. */
const RESOURCE_TYPES: Readonly<Record<string, readonly string[]>> = { ssm: ['parameter/'], secretsmanager: ['secret:'], kms: ['key/', 'alias/'] };

/**
 * Whether an ARN pattern of six or more fields only makes sense with a `*` that ends a field
 * expanding across colons, as IAM lets it ("If the * wildcard is the last character of a resource
 * ARN segment, it can expand to match beyond the colon boundaries"): `arn:aws:secretsmanager:*:secret:*`
 * (the account field is `secret`), `arn:aws:secretsmanager:eu-west-1:*:pay/*` (the resource part is
 * not a secret's). A pattern whose fields read as they should is matched field by field.
 */
function spansColons(partition: string, service: string, region: string, account: string, resource: string): boolean {
  if (![partition, service, region, account].some((f) => f.endsWith('*'))) return false;
  if (!/^[\d*?]*$/.test(account)) return true;
  const types = RESOURCE_TYPES[service.toLowerCase()];
  return types !== undefined && !/^[*?]/.test(resource) && !types.some((t) => resource.toLowerCase().startsWith(t));
}

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
  private readonly resourceRe?: Wildcard;
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
    if (spansColons(partition, service, region, account, parts.slice(5).join(':'))) {
      // A `*` ending a field expands across colons (IAM): matched against the whole ARN.
      this.resourcePattern = pattern;
      this.resourceRe = wildcardRegex(pattern, false);
      return;
    }
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
      // `secret:name-Ab*`: a literal start that runs into the unknown suffix may match it.
      const lit = literalPrefix(this.resourcePattern);
      if (lit.length > base.length && lit.startsWith(base) && /^[A-Za-z0-9]{1,6}$/.test(lit.slice(base.length))) return 'maybe';
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
  private readonly unknownSuffixed: readonly { readonly subject: ArnSubject; readonly item: T }[];

  constructor(entries: readonly { subject: ArnSubject; item: T }[]) {
    this.items = entries.slice().sort((a, b) => (a.subject.resource < b.subject.resource ? -1 : a.subject.resource > b.subject.resource ? 1 : 0));
    this.aliased = this.items.filter((e) => (e.subject.aliases?.length ?? 0) > 0);
    this.unknownSuffixed = this.items.filter((e) => e.subject.unknownSuffix === true);
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
      // A subject whose secret suffix is not known yet (a preview) may match a prefix that runs into it (`-Ab*`).
      for (const e of this.unknownSuffixed) consider(e);
    }
    return out;
  }
}


/** A key id that names an AWS-managed key: `alias/aws/ssm`, `alias/aws/secretsmanager`, or such an alias's ARN. */
export function isAwsManagedKeyId(keyId: string): boolean {
  return /(^|:)alias\/aws\//.test(keyId);
}
