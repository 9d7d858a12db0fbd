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
import { MAX_FOLDER_DEPTH } from './iam/engine.ts';

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

/**
 * The folders above a name: `/a/b/c` -> `/`, `/a/`, `/a/b/`; `a/b/c` -> ``, `a/`, `a/b/`; at most
 * MAX_FOLDER_DEPTH below the root (as the access engine looks at), so that a name of thousands of
 * levels costs memory linear, not quadratic, in its length.
 */
export function foldersAbove(name: string): string[] {
  const out: string[] = [name.startsWith('/') ? '/' : ''];
  for (let i = name.indexOf('/', 1); i >= 0 && i < name.length - 1 && out.length <= MAX_FOLDER_DEPTH; i = name.indexOf('/', i + 1)) out.push(name.slice(0, i + 1));
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

/** A resource as groups see it: its stack, name, class, and the keys (`<class>\u0000<folder>`) of the folders above it, outermost first. */
interface Resource {
  readonly stack: string;
  readonly name: string;
  readonly cls: FoldClass;
  readonly keys: readonly string[];
  /** Its name's place among the names of every resource of its kind (sorting by number, not by string). */
  readonly rank: number;
}

interface Member<T> {
  readonly r: Resource;
  readonly item: T;
}

type Named = { readonly urn: string; readonly stack: string; readonly name: string; readonly path?: string; readonly type?: string };

/** Per store and kind: each resource of the estate (by URN) as groups see it, computed once however many principals reach it. */
const resourcesOf = new WeakMap<Store, Map<FoldKind, ReadonlyMap<string, Resource>>>();

function resourceIndex(store: Store, kind: FoldKind): ReadonlyMap<string, Resource> {
  let byKind = resourcesOf.get(store);
  if (byKind === undefined) resourcesOf.set(store, (byKind = new Map()));
  let index = byKind.get(kind);
  if (index !== undefined) return index;
  const all: readonly Named[] = kind === 'parameter' ? store.estate.parameters : store.estate.secrets;
  const nameOf = (e: Named): string => (kind === 'parameter' ? (e.path ?? e.name) : e.name);
  const ranks = new Map([...new Set(all.map(nameOf))].sort(compareStrings).map((n, i) => [n, i]));
  const m = new Map<string, Resource>();
  // Resources of one folder share its key strings (there are far fewer folders than resources).
  const folderKeys = new Map<string, string>();
  const keyOf = (k: string): string => folderKeys.get(k) ?? (folderKeys.set(k, k), k);
  for (const e of all) {
    if (m.has(e.urn)) continue;
    const name = nameOf(e);
    const cls: FoldClass = kind === 'parameter' ? classOf(e.type ?? '') : '';
    m.set(e.urn, { stack: e.stack, name, cls, keys: foldersAbove(name).map((f) => keyOf(`${cls}\u0000${f}`)), rank: ranks.get(name)! });
  }
  byKind.set(kind, (index = m));
  return index;
}

/**
 * Shape ids, per store: entries with equal certainty, actions, via and conditions share one, found
 * by the identity of their (shared) arrays, so that grouping builds no string per entry.
 */
interface ShapeIds {
  readonly ids: Map<string, number>;
  readonly byArrays: WeakMap<readonly string[], WeakMap<readonly Via[], WeakMap<readonly Condition[], Map<string, number>>>>;
}
const shapeIdsOf = new WeakMap<Store, ShapeIds>();

function shapeId(store: Store, item: AccessItem): number {
  let s = shapeIdsOf.get(store);
  if (s === undefined) shapeIdsOf.set(store, (s = { ids: new Map(), byArrays: new WeakMap() }));
  let byVia = s.byArrays.get(item.actions);
  if (byVia === undefined) s.byArrays.set(item.actions, (byVia = new WeakMap()));
  let byConditions = byVia.get(item.via);
  if (byConditions === undefined) byVia.set(item.via, (byConditions = new WeakMap()));
  let byCertainty = byConditions.get(item.conditions);
  if (byCertainty === undefined) byConditions.set(item.conditions, (byCertainty = new Map()));
  let id = byCertainty.get(item.certainty);
  if (id === undefined) {
    const key = shapeKey(item);
    id = s.ids.get(key);
    if (id === undefined) s.ids.set(key, (id = s.ids.size));
    byCertainty.set(item.certainty, id);
  }
  return id;
}

/** What an entry's group is told by, besides its stack and path read: certainty, actions, via, conditions. */
function shapeKey(item: AccessItem): string {
  return `${item.certainty}\u0000${item.actions.join(',')}\u0000${viaKey(item.via)}\u0000${conditionKey(item.conditions)}`;
}

/** The folders to name for a group: maximal folders wholly in it (within each member's class), of at least two resources. */
function foldNames(members: readonly Member<unknown>[], universe: ReadonlyMap<string, number>): { folders: FoldedFolder[]; names: string[] } {
  const inGroup = new Map<string, number>();
  for (const { r } of members) for (const k of r.keys) inGroup.set(k, (inGroup.get(k) ?? 0) + 1);
  const folders = new Map<string, FoldedFolder>();
  const rest: string[] = [];
  for (const { r } of members) {
    let top: string | undefined;
    for (const k of r.keys) {
      const n = universe.get(k) ?? 0;
      if (n >= 2 && inGroup.get(k) === n) {
        top = k;
        break;
      }
    }
    if (top === undefined) rest.push(r.name);
    else if (!folders.has(top)) folders.set(top, { folder: top.slice(top.indexOf('\u0000') + 1), count: universe.get(top)!, class: r.cls });
  }
  return {
    folders: [...folders.values()].sort((a, b) => compareStrings(a.folder, b.folder) || compareStrings(a.class, b.class)),
    names: rest.sort(compareStrings),
  };
}

/**
 * Groups one principal's entries on parameters or secrets, and folds each group. `nameOf` gives a
 * resource's name (a parameter's path) and stack; entries on unknown resources are left out.
 */
export function groupAccess<T extends AccessItem>(store: Store, items: readonly T[], kind: FoldKind): AccessGroup<T>[] {
  // stack -> shape id -> path read -> group
  const groups = new Map<string, Map<number, Map<string, { stack: string; shape: T; items: Member<T>[] }>>>();
  const index = resourceIndex(store, kind);
  // Consecutive entries mostly share their shape's arrays: its id is looked up only when they change.
  let last: T | undefined;
  let lastId = -1;
  for (const item of items) {
    const r = index.get(item.resourceUrn);
    if (r === undefined) continue;
    const byPath = (item as { byPath?: string }).byPath ?? '';
    const byShape = groups.get(r.stack) ?? groups.set(r.stack, new Map()).get(r.stack)!;
    const same = last !== undefined && last.actions === item.actions && last.via === item.via && last.conditions === item.conditions && last.certainty === item.certainty;
    const id = same ? lastId : shapeId(store, item);
    last = item;
    lastId = id;
    const byPaths = byShape.get(id) ?? byShape.set(id, new Map()).get(id)!;
    let g = byPaths.get(byPath);
    if (g === undefined) byPaths.set(byPath, (g = { stack: r.stack, shape: item, items: [] }));
    g.items.push({ r, item });
  }
  const out: (AccessGroup<T> & { key: string })[] = [];
  for (const byShape of groups.values()) {
    for (const byPaths of byShape.values()) {
      for (const [byPath, g] of byPaths) {
        g.items.sort((a, b) => a.r.rank - b.r.rank);
        const folded = foldNames(g.items, folderCounts(store, g.stack, kind));
        const key = `${g.stack}\u0000${shapeKey(g.shape)}\u0000${byPath}`;
        out.push({ key, stack: g.stack, shape: g.shape, folders: folded.folders, names: folded.names, items: g.items.map((x) => x.item) });
      }
    }
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
