/**
 * Small, pure helpers over collections and text that every stage uses: code-unit ordering (never
 * the locale's), grouping and counting, binary search over sorted strings, deep freezing, and the
 * `n thing(s)` / `a, b and 2 more` wording.
 */

/** Code-unit order: deterministic and locale-independent. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A comparator on a string key, in code-unit order. */
export function byString<T>(key: (x: T) => string): (a: T, b: T) => number {
  return (a, b) => compareStrings(key(a), key(b));
}

/** Entities sorted by stack, then name, then URN. */
export function byStackNameUrn<T extends { readonly stack: string; readonly name: string; readonly urn: string }>(a: T, b: T): number {
  return compareStrings(a.stack, b.stack) || compareStrings(a.name, b.name) || compareStrings(a.urn, b.urn);
}

/** Groups by a key, keeping the input order inside each group and the order of first appearance. */
export function groupBy<T>(xs: Iterable<T>, key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/** Counts by a key. */
export function countBy<T>(xs: Iterable<T>, key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) {
    const k = key(x);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/** The value that occurs most often (ties: the smallest in code-unit order); undefined for none. */
export function mostCommon(values: readonly string[]): string | undefined {
  let best: string | undefined;
  let n = 0;
  for (const [v, c] of [...countBy(values, (x) => x)].sort((a, b) => compareStrings(a[0], b[0]))) if (c > n) [best, n] = [v, c];
  return best;
}

/** Index of the first string >= `probe` in a sorted list. */
export function lowerBound(sorted: readonly string[], probe: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < probe) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether some string of the sorted list starts with `prefix`. */
export function hasPrefixIn(sorted: readonly string[], prefix: string): boolean {
  const i = lowerBound(sorted, prefix);
  return i < sorted.length && sorted[i]!.startsWith(prefix);
}

/** Freezes a value and everything reachable from it (iteratively: no depth limit). Returns it. */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) continue;
    Object.freeze(v);
    for (const x of Object.values(v as object)) if (x !== null && typeof x === 'object') stack.push(x);
  }
  return value;
}

/** Sorted, distinct strings. */
export function sortedUnique(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort(compareStrings);
}

/** `1 secret`, `3 secrets`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `a, b, c and 2 more`. */
export function listWithMore(xs: readonly string[], max = 3): string {
  const shown = xs.slice(0, max).join(', ');
  return xs.length > max ? `${shown} and ${xs.length - max} more` : shown;
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A rotation interval in days as people write it: `30 d`, or in hours below a day or off a whole day (`4 h`, `36 h`). */
export function daysText(days: number): string {
  return Number.isInteger(days) ? `${days} d` : `${Math.round(days * 24)} h`;
}
