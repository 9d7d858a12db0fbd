/**
 * IAM condition evaluation against what is known of a request offline.
 *
 * A request context says, for each condition key (case-insensitive), one of three things: its
 * value(s) (`kms:ViaService` of a read through Parameter Store, `aws:PrincipalArn`), that it is
 * absent from the request (`kms:ViaService` of a direct call), or nothing: the key is not known
 * offline (`aws:SourceIp`, an encryption context the caller chooses). A condition on a known key is
 * decided (true or false) as IAM decides it, including `...IfExists`, `Null`, the negated operators
 * and the `ForAnyValue:` / `ForAllValues:` set operators; a condition on a key that is not known is
 * 'unknown', never guessed, and is carried along by the engine as "conditional".
 */

import type { Condition } from '../model.ts';
import { wildcardRegex } from './arn.ts';

export type Tri = 'true' | 'false' | 'unknown';

/** Absent from the request (as opposed to not known). */
export const ABSENT = Symbol('absent');

export type ContextValue = string | readonly string[] | typeof ABSENT;

/** Condition keys to values; keys are matched case-insensitively. A key not in it is not known. */
export interface RequestContext {
  get(key: string): ContextValue | undefined;
}

/** A context from a plain record (keys lower-cased once); keys it lacks are asked of `fallback`. */
export function contextOf(values: Readonly<Record<string, ContextValue | undefined>>, fallback?: RequestContext): RequestContext {
  const m = new Map<string, ContextValue>();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) m.set(k.toLowerCase(), v);
  return {
    get(key) {
      const v = m.get(key.toLowerCase());
      return v !== undefined ? v : fallback?.get(key);
    },
  };
}

/**
 * A context in layers, first match wins: `top` (a plain record with lower-cased keys: a key present
 * with the value undefined hides the lower layers, as in an object spread), then each of `layers`
 * (maps with keys lower-cased, e.g. one built once per resource and one per principal).
 */
export function layeredContext(top: Readonly<Record<string, ContextValue | undefined>>, layers: readonly ReadonlyMap<string, ContextValue>[]): RequestContext {
  return {
    get(key) {
      const k = key.toLowerCase();
      if (Object.prototype.hasOwnProperty.call(top, k)) return top[k];
      for (const m of layers) {
        const v = m.get(k);
        if (v !== undefined) return v;
      }
      return undefined;
    },
  };
}

/** A record's defined values by lower-cased key. */
export function lowerCasedMap(values: Readonly<Record<string, ContextValue | undefined>>): Map<string, ContextValue> {
  const m = new Map<string, ContextValue>();
  for (const [k, v] of Object.entries(values)) if (v !== undefined) m.set(k.toLowerCase(), v);
  return m;
}

function valuesOf(v: Exclude<ContextValue, typeof ABSENT>): readonly string[] {
  return typeof v === 'string' ? [v] : v;
}

type Base =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'
  | 'ArnEquals'
  | 'ArnLike'
  | 'ArnNotEquals'
  | 'ArnNotLike'
  | 'Bool'
  | 'NumericEquals'
  | 'NumericNotEquals'
  | 'NumericLessThan'
  | 'NumericLessThanEquals'
  | 'NumericGreaterThan'
  | 'NumericGreaterThanEquals'
  | 'Null';

const BASES: ReadonlyMap<string, Base> = new Map(
  (
    [
      'StringEquals', 'StringNotEquals', 'StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase', 'StringLike', 'StringNotLike',
      'ArnEquals', 'ArnLike', 'ArnNotEquals', 'ArnNotLike', 'Bool', 'NumericEquals', 'NumericNotEquals', 'NumericLessThan',
      'NumericLessThanEquals', 'NumericGreaterThan', 'NumericGreaterThanEquals', 'Null',
    ] as Base[]
  ).map((b) => [b.toLowerCase(), b]),
);

const NEGATED: ReadonlySet<Base> = new Set(['StringNotEquals', 'StringNotEqualsIgnoreCase', 'StringNotLike', 'ArnNotEquals', 'ArnNotLike', 'NumericNotEquals']);

interface Operator {
  readonly base: Base | undefined;
  readonly ifExists: boolean;
  readonly set?: 'any' | 'all';
}

function parseOperator(op: string): Operator {
  let s = op;
  let set: 'any' | 'all' | undefined;
  const lower = s.toLowerCase();
  if (lower.startsWith('foranyvalue:')) (set = 'any'), (s = s.slice('ForAnyValue:'.length));
  else if (lower.startsWith('forallvalues:')) (set = 'all'), (s = s.slice('ForAllValues:'.length));
  let ifExists = false;
  if (s.toLowerCase().endsWith('ifexists')) (ifExists = true), (s = s.slice(0, -'IfExists'.length));
  return { base: BASES.get(s.toLowerCase()), ifExists, ...(set !== undefined ? { set } : {}) };
}

/** The six fields of an ARN (`arn`, partition, service, region, account, resource: the rest, colons included); undefined for fewer. */
function arnFields(s: string): string[] | undefined {
  const parts = s.split(':');
  return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function arnFieldsMatch(policy: string, value: string): boolean {
  const p = arnFields(policy);
  const v = arnFields(value);
  return p !== undefined && v !== undefined && p.every((f, i) => wildcardRegex(f, false).test(v[i]!));
}

/** One request value against one policy value, for a positive (not negated) base operator. */
function matchOne(base: Base, policy: string, value: string): boolean | undefined {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return policy === value;
    // IAM's ARN operators (Equals and Like alike): each of the six colon-separated fields matched
    // apart, case-sensitively, each with * and ?; a value or pattern of fewer fields matches nothing.
    case 'ArnEquals':
    case 'ArnNotEquals':
    case 'ArnLike':
    case 'ArnNotLike':
      return arnFieldsMatch(policy, value);
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
      return policy.toLowerCase() === value.toLowerCase();
    case 'StringLike':
    case 'StringNotLike':
      return wildcardRegex(policy, false).test(value);
    case 'Bool':
      return policy.toLowerCase() === value.toLowerCase();
    default: {
      const a = Number(value);
      const b = Number(policy);
      if (!Number.isFinite(a) || !Number.isFinite(b)) return undefined;
      switch (base) {
        case 'NumericEquals':
        case 'NumericNotEquals':
          return a === b;
        case 'NumericLessThan':
          return a < b;
        case 'NumericLessThanEquals':
          return a <= b;
        case 'NumericGreaterThan':
          return a > b;
        case 'NumericGreaterThanEquals':
          return a >= b;
        default:
          return undefined;
      }
    }
  }
}

/**
 * Policy values with `${...}` variables resolved from the context: undefined when one is not known.
 * A value whose variable names a key absent from the request has no value (null): it is left out,
 * so that it matches no request value (IAM: a condition with it "doesn't match", while an inverted
 * operator such as StringNotEquals "does match against a null value").
 */
function resolveValues(values: readonly string[], ctx: RequestContext): string[] | undefined {
  const out: string[] = [];
  for (const v of values) {
    if (!v.includes('${')) {
      out.push(v);
      continue;
    }
    let ok = true;
    let absent = false;
    const r = v.replace(/\$\{([^}]*)\}/g, (m, name: string) => {
      if (m === '${*}') return '*';
      if (m === '${?}') return '?';
      if (m === '${$}') return '$';
      const x = ctx.get(name);
      if (typeof x === 'string') return x;
      if (x === ABSENT) absent = true;
      else ok = false;
      return '';
    });
    if (!ok) return undefined;
    if (!absent) out.push(r);
  }
  return out;
}

/** Decides one condition (one operator, one key, its values) against the context. */
export function evaluateCondition(c: Condition, ctx: RequestContext, variables = true): Tri {
  const op = parseOperator(c.operator);
  if (op.base === undefined) return 'unknown'; // Date, IpAddress, Binary...: not modelled
  const raw = ctx.get(c.key);
  if (op.base === 'Null') {
    if (raw === undefined) return 'unknown';
    const absent = raw === ABSENT || valuesOf(raw).length === 0;
    const want = c.values.some((v) => v.toLowerCase() === 'true');
    return absent === want ? 'true' : 'false';
  }
  if (raw === undefined) return 'unknown';
  const negated = NEGATED.has(op.base);
  if (raw === ABSENT || valuesOf(raw).length === 0) {
    if (op.ifExists) return 'true';
    if (op.set === 'all') return 'true'; // ForAllValues over an empty set is vacuously true
    return negated && op.set === undefined ? 'true' : 'false';
  }
  // Policy variables only in a 2012-10-17 document; in an older (or unversioned) one `${...}` is text.
  const policy = variables ? resolveValues(c.values, ctx) : c.values;
  if (policy === undefined) return 'unknown';
  const values = valuesOf(raw);
  // For a value: does any policy value match it (positive reading)?
  const hits: (boolean | undefined)[] = values.map((v) => {
    let unknown = false;
    for (const p of policy) {
      const m = matchOne(op.base!, p, v);
      if (m === true) return true;
      if (m === undefined) unknown = true;
    }
    return unknown ? undefined : false;
  });
  if (hits.includes(undefined)) return 'unknown';
  const positive = (h: boolean | undefined): boolean => (negated ? !h : h === true);
  let result: boolean;
  if (op.set === 'all') result = hits.every(positive);
  else if (op.set === 'any') result = hits.some(positive);
  else result = negated ? hits.every(positive) : hits.some(positive);
  return result ? 'true' : 'false';
}

/**
 * All conditions of a statement (they are ANDed): 'false' when one is false, 'true' when all are
 * true, else 'unknown' with the conditions that could not be decided.
 */
export function evaluateConditions(conditions: readonly Condition[], ctx: RequestContext, variables = true): { result: Tri; undecided: Condition[] } {
  const undecided: Condition[] = [];
  for (const c of conditions) {
    const r = evaluateCondition(c, ctx, variables);
    if (r === 'false') return { result: 'false', undecided: [] };
    if (r === 'unknown') undecided.push(c);
  }
  return { result: undecided.length > 0 ? 'unknown' : 'true', undecided };
}
