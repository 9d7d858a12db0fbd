/**
 * IAM matching helpers for the compliance rules: action and resource globs, the actions that read
 * or write parameters and secrets, and the names that say a parameter holds a secret.
 *
 * Pure functions over the Estate's parsed policy statements; nothing here knows a stack or a rule.
 * Matching is deliberately conservative: a `NotAction` or `NotResource` in an Allow is treated as
 * granting everything it does not exclude.
 */

import type { PolicyStatement } from '../estate/model.ts';

/** IAM glob (`*` any run, `?` one character) as an anchored regular expression. */
function globRegex(pattern: string, caseInsensitive: boolean): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

/** Compiled globs by pattern, one map per case mode (no key string to build on the hot path). */
const regexCacheCs = new Map<string, RegExp>();
const regexCacheCi = new Map<string, RegExp>();

/** The compiled, anchored regular expression of an IAM glob (cached by pattern). */
function globRegexCached(pattern: string, caseInsensitive = false): RegExp {
  const cache = caseInsensitive ? regexCacheCi : regexCacheCs;
  let re = cache.get(pattern);
  if (re === undefined) {
    re = globRegex(pattern, caseInsensitive);
    cache.set(pattern, re);
  }
  return re;
}

/** Whether an IAM glob matches a value. Actions are case-insensitive in IAM; ARNs are not. */
export function globMatch(pattern: string, value: string, caseInsensitive = false): boolean {
  return globRegexCached(pattern, caseInsensitive).test(value);
}

/** Does the statement's Action/NotAction cover this action (e.g. `secretsmanager:GetSecretValue`)? */
export function coversAction(st: PolicyStatement, action: string): boolean {
  if (st.actions !== undefined) return st.actions.some((a) => globMatch(a, action, true));
  if (st.notActions !== undefined) return !st.notActions.some((a) => globMatch(a, action, true));
  return false;
}

/** The actions of `candidates` that an Allow statement grants. */
export function grantedActions(st: PolicyStatement, candidates: readonly string[]): string[] {
  if (st.effect !== 'Allow') return [];
  return candidates.filter((a) => coversAction(st, a));
}

export const PARAMETER_READ = [
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'ssm:GetParameterHistory',
] as const;

export const SECRET_READ = ['secretsmanager:GetSecretValue', 'secretsmanager:BatchGetSecretValue'] as const;

/** Actions that change a secret's value or stages: what a rotation needs, and nobody else. */
export const SECRET_ROTATE = ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'] as const;

export const SECRET_WRITE = [
  ...SECRET_ROTATE,
  'secretsmanager:UpdateSecret',
  'secretsmanager:DeleteSecret',
  'secretsmanager:CreateSecret',
  'secretsmanager:RestoreSecret',
  'secretsmanager:RotateSecret',
  'secretsmanager:PutResourcePolicy',
  'secretsmanager:DeleteResourcePolicy',
  'secretsmanager:RemoveRegionsFromReplication',
  'secretsmanager:ReplicateSecretToRegions',
] as const;

export const PARAMETER_WRITE = [
  'ssm:PutParameter',
  'ssm:DeleteParameter',
  'ssm:DeleteParameters',
  'ssm:LabelParameterVersion',
  'ssm:UnlabelParameterVersion',
] as const;

export const KEY_ADMIN = [
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:PutKeyPolicy',
  'kms:DisableKeyRotation',
  'kms:CreateGrant',
] as const;

/** Action wildcards that grant a whole service (or everything) at once. */
export function serviceWildcards(st: PolicyStatement): string[] {
  if (st.effect !== 'Allow') return [];
  if (st.notActions !== undefined) return [`NotAction ${st.notActions.join(',')}`];
  return (st.actions ?? []).filter((a) => /^(\*|(ssm|secretsmanager|kms):\*)$/i.test(a));
}

// ─── Resources ──────────────────────────────────────────────────────────────────────

export type Store = 'ssm' | 'secretsmanager';

interface ParsedArn {
  readonly service: string;
  readonly resource: string;
}

function parseArnPattern(pattern: string): ParsedArn | undefined {
  if (!pattern.startsWith('arn:')) return undefined;
  const parts = pattern.split(':');
  if (parts.length < 6) return undefined;
  return { service: parts[2] ?? '', resource: parts.slice(5).join(':') };
}

/**
 * Does an Allow statement's resource pattern reach every parameter (ssm) or every secret
 * (secretsmanager) of the account? `*`, a service wildcard, `parameter/*`, `secret:*`, or a
 * NotResource all count.
 */
export function wideResources(st: PolicyStatement, store: Store): string[] {
  if (st.notResources !== undefined) return [`NotResource ${st.notResources.join(',')}`];
  const out: string[] = [];
  for (const r of st.resources ?? []) {
    if (r === '*') {
      out.push(r);
      continue;
    }
    const arn = parseArnPattern(r);
    if (arn === undefined || !globMatch(arn.service, store)) continue;
    const probe = store === 'ssm' ? 'parameter/__any__/__path__' : 'secret:__any__/__name__-AbCdEf';
    const probeNoSlash = store === 'ssm' ? 'parameter__any__' : 'secret:__any__';
    if (globMatch(arn.resource, probe) || globMatch(arn.resource, probeNoSlash)) out.push(r);
  }
  return out;
}

/** A parameter path as the resource part of its ARN (`parameter/a/b` for `/a/b`). */
function parameterResource(path: string): string {
  return `parameter${path.startsWith('/') ? '' : '/'}${path}`;
}

/** The ARN candidates a name is matched as (a secret ARN ends in a random six-character suffix). */
function nameCandidates(store: Store, name: string): string[] {
  return store === 'ssm' ? [parameterResource(name)] : [`secret:${name}`, `secret:${name}-AbCdEf`];
}

/** A resource pattern parsed once: `*`, not an ARN (reaches nothing), or service + resource glob. */
interface CompiledResource {
  readonly any: boolean;
  /** Whether the service field matches each store (case-sensitive, as the ARN is). */
  readonly stores: Readonly<Record<Store, boolean>>;
  /** The resource part's glob; undefined when the pattern is not an ARN. */
  readonly re?: RegExp;
  /** The literal text of the resource part before its first `*` or `?`. */
  readonly prefix: string;
}

const NOTHING: CompiledResource = Object.freeze({ any: false, stores: Object.freeze({ ssm: false, secretsmanager: false }), prefix: '' });
const compiledResources = new Map<string, CompiledResource>();

/** Parse and compile a resource pattern once (cached by the pattern string). */
function compileResource(pattern: string): CompiledResource {
  let c = compiledResources.get(pattern);
  if (c !== undefined) return c;
  if (pattern === '*') c = { any: true, stores: { ssm: true, secretsmanager: true }, prefix: '' };
  else {
    const arn = parseArnPattern(pattern);
    if (arn === undefined) c = NOTHING;
    else {
      const stores = { ssm: globMatch(arn.service, 'ssm'), secretsmanager: globMatch(arn.service, 'secretsmanager') };
      const i = arn.resource.search(/[*?]/);
      c = { any: false, stores, re: globRegexCached(arn.resource), prefix: i < 0 ? arn.resource : arn.resource.slice(0, i) };
    }
  }
  compiledResources.set(pattern, c);
  return c;
}

function patternHits(pattern: string, store: Store, candidates: readonly string[]): boolean {
  const c = compileResource(pattern);
  if (c.any) return true;
  if (c.re === undefined || !c.stores[store]) return false;
  return candidates.some((x) => c.re!.test(x));
}

/**
 * Does a statement's resource list reach this parameter path or secret name, whatever the
 * region and account? Secret ARNs end in a random six-character suffix, matched both ways.
 */
export function reachesName(st: PolicyStatement, store: Store, name: string): boolean {
  const candidates = nameCandidates(store, name);
  if (st.notResources !== undefined) return !st.notResources.some((p) => patternHits(p, store, candidates));
  return (st.resources ?? []).some((p) => patternHits(p, store, candidates));
}

/**
 * A fixed set of parameter paths or secret names, indexed for resource patterns: the names a
 * pattern reaches are found by binary search on the pattern's literal prefix and cached per
 * pattern. `reachedBy(st)` is exactly `names.filter((n) => reachesName(st, store, n))`, as a set.
 */
export class NameIndex {
  readonly store: Store;
  readonly names: readonly string[];
  /** Every candidate ARN resource of every name, sorted by code unit, with its name. */
  private readonly keys: readonly string[];
  private readonly owners: readonly string[];
  private readonly byPattern = new Map<string, ReadonlySet<string>>();

  constructor(store: Store, names: Iterable<string>) {
    this.store = store;
    this.names = [...new Set(names)].sort();
    const pairs: [string, string][] = [];
    for (const n of this.names) for (const k of nameCandidates(store, n)) pairs.push([k, n]);
    pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.keys = pairs.map(([k]) => k);
    this.owners = pairs.map(([, n]) => n);
  }

  /** The names one resource pattern reaches. */
  matching(pattern: string): ReadonlySet<string> {
    let out = this.byPattern.get(pattern);
    if (out !== undefined) return out;
    const c = compileResource(pattern);
    if (c.any) out = new Set(this.names);
    else if (c.re === undefined || !c.stores[this.store]) out = new Set();
    else {
      const hits = new Set<string>();
      const { keys, owners } = this;
      let lo = 0;
      let hi = keys.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid]! < c.prefix) lo = mid + 1;
        else hi = mid;
      }
      for (let i = lo; i < keys.length && keys[i]!.startsWith(c.prefix); i++) {
        if (c.re.test(keys[i]!)) hits.add(owners[i]!);
      }
      out = hits;
    }
    this.byPattern.set(pattern, out);
    return out;
  }

  /** The names a statement's Resource / NotResource list reaches (actions are not looked at). */
  reachedBy(st: PolicyStatement): Set<string> {
    if (st.notResources !== undefined) {
      const excluded = st.notResources.map((p) => this.matching(p));
      return new Set(this.names.filter((n) => !excluded.some((x) => x.has(n))));
    }
    const out = new Set<string>();
    for (const p of st.resources ?? []) for (const n of this.matching(p)) out.add(n);
    return out;
  }
}

// ─── Names that say "secret" ───────────────────────────────────────────────────────

const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'creds',
  'apikey',
  'privatekey',
  'dsn',
]);

/** Last words that make a name describe a secret rather than hold one (`token-ttl`, `key-id`). */
const METADATA_WORDS: ReadonlySet<string> = new Set([
  'id',
  'ids',
  'arn',
  'alias',
  'name',
  'names',
  'path',
  'length',
  'ttl',
  'expiry',
  'expires',
  'expiration',
  'enabled',
  'version',
  'rotation',
  'days',
  'policy',
  'type',
  'header',
  'url',
  'endpoint',
  'region',
]);

/** Split a name into lower-case words on separators and camelCase boundaries. */
export function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

/**
 * Whether a parameter's last path segment says it holds a secret: a secret word anywhere
 * (`db-password`, `apiToken`), `key` as the last word (`external-api-key`, `signing-key`), or a
 * connection string; unless the last word makes it metadata (`password-min-length`, `kms-key-id`).
 * Returns the words that triggered it, or undefined.
 */
export function secretLikeName(leaf: string): string | undefined {
  const words = nameWords(leaf);
  if (words.length === 0) return undefined;
  const last = words[words.length - 1] as string;
  if (METADATA_WORDS.has(last) || (last === 'min' || last === 'max')) return undefined;
  const hit = words.find((w) => SECRET_WORDS.has(w));
  if (hit !== undefined) return hit;
  if (last === 'key' || last === 'keys') return last;
  for (let i = 0; i + 1 < words.length; i++) {
    if (words[i] === 'connection' && words[i + 1] === 'string') return 'connection string';
  }
  return undefined;
}
