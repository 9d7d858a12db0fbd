/**
 * Access entries grouped and folded: the entries of one principal that differ only by resource
 * (same stack, certainty, actions, policies, conditions, path read) form one group, and a group that
 * holds every parameter (or secret) of its stack under a folder names the folder instead of its
 * members. An estate where each role reads its environment's folders stays a few lines per role
 * however many parameters the folders hold; estate.json and the access inventory are written from
 * these groups.
 *
 * Folders are name prefixes ending in `/`: `/app/prod/db/` for parameters (the root is `/`),
 * `app/prod/db/` for secrets (the root is ``, every secret of the stack). A folder is named only
 * when it holds at least two resources and its parent folder is not named. Parameters fold by
 * class: SecureStrings (read with a decrypt, so granted differently) apart from String and
 * StringList parameters; a folder then stands for every parameter of its class under it.
 */

import type { AccessItem, Condition, Via } from './model.ts';
import type { Store } from './store.ts';
import { compareStrings } from '../util/collections.ts';

export type FoldKind = 'parameter' | 'secret';

/** What a folder stands for: its resources of a class. Parameters: `SecureString` or `String` (String and StringList); secrets: `` (all). */
export type FoldClass = 'SecureString' | 'String' | '';

export interface FoldedFolder {
  readonly folder: string;
  readonly count: number;
  readonly class: FoldClass;
}

export interface AccessGroup<T extends AccessItem> {
  /** The stack of the group's resources. */
  readonly stack: string;
  /** One of the group's entries (every entry has its certainty, actions, via, conditions and byPath). */
  readonly shape: T;
  /** Folders whose every resource (of the class) is in the group, with their resource counts, sorted. */
  readonly folders: readonly FoldedFolder[];
  /** The names of the group's resources outside those folders, sorted. */
  readonly names: readonly string[];
  /** Every entry of the group, sorted by resource name. */
  readonly items: readonly T[];
}

/** The folders above a name: `/a/b/c` -> `/`, `/a/`, `/a/b/`; `a/b/c` -> ``, `a/`, `a/b/`. */
export function foldersAbove(name: string): string[] {
  const out: string[] = [name.startsWith('/') ? '/' : ''];
  for (let i = name.indexOf('/', 1); i >= 0 && i < name.length - 1; i = name.indexOf('/', i + 1)) out.push(name.slice(0, i + 1));
  return out;
}

const universes = new WeakMap<Store, Map<string, Map<string, number>>>();

/** How many of a stack's parameters (or secrets) each folder holds. */
function folderCounts(store: Store, stack: string, kind: FoldKind): Map<string, number> {
  let byStack = universes.get(store);
  if (byStack === undefined) universes.set(store, (byStack = new Map()));
  const key = `${kind}\u0000${stack}`;
  let counts = byStack.get(key);
  if (counts !== undefined) return counts;
  counts = new Map();
  const named: { name: string; cls: FoldClass }[] =
    kind === 'parameter'
      ? store.estate.parameters.filter((p) => p.stack === stack).map((p) => ({ name: p.path, cls: classOf(p.type) }))
      : store.estate.secrets.filter((s) => s.stack === stack).map((s) => ({ name: s.name, cls: '' }));
  for (const { name, cls } of named) for (const f of foldersAbove(name)) counts.set(`${cls}\u0000${f}`, (counts.get(`${cls}\u0000${f}`) ?? 0) + 1);
  byStack.set(key, counts);
  return counts;
}

function classOf(type: string): FoldClass {
  return type === 'SecureString' ? 'SecureString' : 'String';
}

const viaKeys = new WeakMap<readonly Via[], string>();
const conditionKeys = new WeakMap<readonly Condition[], string>();

function viaKey(vs: readonly Via[]): string {
  let k = viaKeys.get(vs);
  if (k === undefined) viaKeys.set(vs, (k = vs.map((v) => `${v.kind}\u0001${v.ref}\u0001${v.sid ?? ''}\u0001${v.group ?? ''}`).join('\u0002')));
  return k;
}

function conditionKey(cs: readonly Condition[]): string {
  let k = conditionKeys.get(cs);
  if (k === undefined) conditionKeys.set(cs, (k = cs.map((c) => `${c.operator}\u0001${c.key}\u0001${c.values.join('\u0003')}`).join('\u0002')));
  return k;
}

/** The folders to name for a group: maximal folders wholly in it (within each member's class), of at least two resources. */
function foldNames(members: readonly { name: string; cls: FoldClass }[], universe: ReadonlyMap<string, number>): { folders: FoldedFolder[]; names: string[] } {
  const inGroup = new Map<string, number>();
  for (const m of members) for (const f of foldersAbove(m.name)) inGroup.set(`${m.cls}\u0000${f}`, (inGroup.get(`${m.cls}\u0000${f}`) ?? 0) + 1);
  const full = (k: string): boolean => (universe.get(k) ?? 0) >= 2 && inGroup.get(k) === universe.get(k);
  const folders = new Map<string, FoldedFolder>();
  const rest: string[] = [];
  for (const m of members) {
    const top = foldersAbove(m.name).find((f) => full(`${m.cls}\u0000${f}`));
    if (top === undefined) rest.push(m.name);
    else folders.set(`${top}\u0000${m.cls}`, { folder: top, count: universe.get(`${m.cls}\u0000${top}`)!, class: m.cls });
  }
  return {
    folders: [...folders.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, f]) => f),
    names: rest.sort(compareStrings),
  };
}

/**
 * Groups one principal's entries on parameters or secrets, and folds each group. `nameOf` gives a
 * resource's name (a parameter's path) and stack; entries on unknown resources are left out.
 */
export function groupAccess<T extends AccessItem>(store: Store, items: readonly T[], kind: FoldKind): AccessGroup<T>[] {
  const groups = new Map<string, { key: string; stack: string; shape: T; items: { name: string; cls: FoldClass; item: T }[] }>();
  for (const item of items) {
    const e = store.find(item.resourceUrn);
    if (e === undefined) continue;
    const param = kind === 'parameter' ? (e as { path?: string; type?: string }) : undefined;
    const name = param?.path ?? e.name;
    const cls: FoldClass = param !== undefined ? classOf(param.type ?? '') : '';
    const byPath = (item as { byPath?: string }).byPath ?? '';
    const key = `${e.stack}\u0000${item.certainty}\u0000${item.actions.join(',')}\u0000${viaKey(item.via)}\u0000${conditionKey(item.conditions)}\u0000${byPath}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { key, stack: e.stack, shape: item, items: [] }));
    g.items.push({ name, cls, item });
  }
  const out: (AccessGroup<T> & { key: string })[] = [];
  for (const g of groups.values()) {
    g.items.sort((a, b) => compareStrings(a.name, b.name));
    const folded = foldNames(g.items, folderCounts(store, g.stack, kind));
    out.push({ key: g.key, stack: g.stack, shape: g.shape, folders: folded.folders, names: folded.names, items: g.items.map((x) => x.item) });
  }
  const first = (g: AccessGroup<T>): string => g.folders[0]?.folder ?? g.names[0] ?? '';
  out.sort((a, b) => compareStrings(a.stack, b.stack) || compareStrings(first(a), first(b)) || compareStrings(a.key, b.key));
  return out.map(({ key: _key, ...g }) => g);
}

export type GroupedList = 'parameters' | 'secretValues' | 'secretMetadata' | 'secretWrites';

const grouped = new WeakMap<Store, Map<string, AccessGroup<AccessItem>[]>>();

/** `groupAccess` of one of a principal's lists (all stacks), computed once per store. */
export function groupedAccess(store: Store, principal: string, list: GroupedList): readonly AccessGroup<AccessItem>[] {
  let byKey = grouped.get(store);
  if (byKey === undefined) grouped.set(store, (byKey = new Map()));
  const key = `${list}\u0000${principal}`;
  let gs = byKey.get(key);
  if (gs === undefined) {
    const a = store.findAccess(principal);
    gs = a === undefined ? [] : groupAccess(store, a[list], list === 'parameters' ? 'parameter' : 'secret');
    byKey.set(key, gs);
  }
  return gs;
}
