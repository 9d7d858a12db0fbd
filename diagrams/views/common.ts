/**
 * Lookups and naming shared by the four views. Pure.
 */

import type { Estate, KmsKey, Role, RoleAccess, Service } from '../estate/model.ts';
import { byString } from './d2text.ts';

/** Past this many boxes a view aggregates (VIEWS.md: about 60). */
export const MAX_BOXES = 60;
/** A folder or group with more leaves than this is drawn as one aggregated box. */
export const MAX_LEAVES_PER_FOLDER = 12;
/** Client-side secret cache TTL the services use (the seed's SecretCache default, 900 s). */
export const CACHE_TTL_LABEL = 'TTL 15 min';

export interface Lookup {
  readonly roleByUrn: ReadonlyMap<string, Role>;
  readonly keyByUrn: ReadonlyMap<string, KmsKey>;
  readonly accessByRole: ReadonlyMap<string, RoleAccess>;
  readonly serviceById: ReadonlyMap<string, Service>;
}

export function lookup(estate: Estate): Lookup {
  return {
    roleByUrn: new Map(estate.roles.map((r) => [r.urn, r])),
    keyByUrn: new Map(estate.keys.map((k) => [k.urn, k])),
    accessByRole: new Map(estate.access.map((a) => [a.roleUrn, a])),
    serviceById: new Map(estate.services.map((s) => [`${s.stack}\u0000${s.id}`, s])),
  };
}

/** The label a stack goes by in titles: its environment, else its name. */
export function stackLabel(estate: Estate, stack: string): string {
  return estate.stacks.find((s) => s.stack === stack)?.environment ?? stack;
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
  const m = /(alias\/.+)$/.exec(keyId);
  if (m) return m[1]!.replace(/^alias\//, '');
  const id = keyId.replace(/^arn:aws[^:]*:kms:[^:]*:\d+:key\//, '');
  return `key/${id.length > 14 ? `${id.slice(0, 12)}…` : id}`;
}

/** A key name without the prefix all the estate's keys share (`mono-repo-`), for narrow boxes. */
export function shortKeyName(l: Lookup, name: string): string {
  const names = [...l.keyByUrn.values()].map(keyName);
  const p = commonPrefix(names, '-');
  return names.length > 1 && p && name.startsWith(p) && name.length > p.length ? name.slice(p.length) : name;
}

/** Roles of `stack`, sorted by name. */
export function stackRoles(estate: Estate, stack: string): Role[] {
  return estate.roles.filter((r) => r.stack === stack).sort(byString((r) => r.name));
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
  if (known.length === 1) return `every ${known[0]} d`;
  return `every ${known[0]}-${known[known.length - 1]} d`;
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

export function countBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
}

/** Keeps the first `max` items and says how many more there are. */
export function listWithMore(items: readonly string[], max: number): string[] {
  if (items.length <= max) return [...items];
  return [...items.slice(0, max - 1), `+ ${items.length - (max - 1)} more`];
}

/** Index of the first path >= prefix in sorted paths. */
export function lowerBound(sorted: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether some path of the sorted list starts with prefix. */
export function hasPathUnder(sorted: readonly string[], prefix: string): boolean {
  const i = lowerBound(sorted, prefix);
  return i < sorted.length && sorted[i]!.startsWith(prefix);
}
