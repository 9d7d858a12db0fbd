/**
 * View 1, parameter_store_hierarchy: "Where does <env> keep its configuration, and who reads it?"
 *
 * Two drawings, chosen by size:
 * - Matrix (the usual case): the parameter tree as the rows of a table (a folder row, then its
 *   parameters), the reader roles as the columns (trust kind as shape and colour), and in each cell
 *   how the principal may read it: by path (GetParametersByPath on the folder, the bulk read of
 *   a startup) or by name (GetParameter). A role is drawn by its trust kind, other principals
 *   (users, groups) by their kind. A folder row sums up the role's access to the folder, the one "edge per folder"
 *   a reader needs, without a tangle of crossing edges. The KMS keys sit on the right.
 * - Overview (many folders or many readers): the tree as a grid of folder boxes, aggregated with
 *   counts by type, and the readers (per trust kind when there are many) with one edge each to the
 *   tree.
 */

import type { KmsKey, Parameter } from '../estate/model.ts';
import type { PrincipalEntry } from '../estate/store.ts';
import {
  commonPrefix,
  countBy,
  countLabel,
  certaintyMark,
  CONDITIONAL_NOTE,
  groupMarks,
  keyBoxText,
  keyIdName,
  keyName,
  listWithMore,
  lookup,
  MAX_BOXES,
  MAX_LEAVES_PER_FOLDER,
  principalClass,
  principalKindPlural,
  principalLine,
  readerTitle,
  servedLabel,
  shortKeyName,
  StackContainers,
  type Lookup,
  UNKNOWN_NOTE,
} from './common.ts';
import { byString, clip, D2Text, gridColumns, Ids, plural, q } from './d2text.ts';
import { compose, legendBlock, paramClass, TYPE, type ClassName, type LegendEntry } from './style.ts';
import type { View, ViewInput } from './types.ts';
import { isAwsManagedKeyId } from '../estate/store.ts';
import { groupBy } from '../util/collections.ts';

const TYPE_ORDER = ['String', 'StringList', 'SecureString', 'unknown'];
/** Past this many folders in detailed mode, folders are aggregated one level up. */
const MAX_FOLDERS = 24;
/** The matrix has at most this many reader columns... */
const MAX_MATRIX_READERS = 10;
/** ...and this many rows (folder rows plus parameter rows). */
const MAX_MATRIX_ROWS = 40;
/** In the overview, past this many reader roles, readers are drawn per trust kind. */
const MAX_READERS = 20;

interface Unit {
  /** Folder path with trailing `/`. */
  readonly path: string;
  readonly id: string;
  readonly params: readonly Parameter[];
  /** Drawn as one aggregated box. */
  readonly aggregated: boolean;
  /** Number of distinct folders inside (aggregated units). */
  readonly folders: number;
  /** The "+ N more folders" box. */
  readonly more?: boolean;
}

/** How the tree is drawn: its root folder, the units below it, and whether any unit is aggregated. */
interface Plan {
  readonly root: string;
  readonly units: Unit[];
  readonly aggregated: boolean;
}

function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i + 1);
}

/**
 * Chooses how to draw the tree: detailed folders, or aggregated at the deepest level below the
 * root that keeps the number of boxes readable.
 */
export function planUnits(params: readonly Parameter[]): Plan {
  const byFolder = groupBy(params, (p) => folderOf(p.path));
  const folders = [...byFolder.keys()].sort();
  let root = commonPrefix(folders.map((f) => `${f}x`));
  if (folders.length === 1 && root === folders[0] && root !== '/') root = folderOf(root.slice(0, -1));
  if (root === '') root = '/';
  const ids = new Ids('u_');
  const detailed: Unit[] = folders.map((f) => {
    const ps = byFolder.get(f)!;
    return { path: f, id: ids.id(f), params: ps, aggregated: ps.length > MAX_LEAVES_PER_FOLDER, folders: 1 };
  });
  const boxes = detailed.reduce((n, u) => n + (u.aggregated ? 1 : u.params.length), 0);
  if (boxes <= MAX_BOXES && detailed.length <= MAX_FOLDERS) return { root, units: detailed, aggregated: detailed.some((u) => u.aggregated) };

  // Aggregate by the first `depth` segments below the root, as deep as stays within MAX_FOLDERS.
  const rel = params.map((p) => p.path.slice(root.length).split('/').slice(0, -1));
  const unitPathAt = (segs: readonly string[], depth: number): string =>
    segs.length === 0 ? root : `${root}${segs.slice(0, depth).join('/')}/`;
  let depth = 1;
  const maxDepth = Math.max(1, ...rel.map((r) => r.length));
  while (depth < maxDepth && new Set(rel.map((r) => unitPathAt(r, depth + 1))).size <= MAX_FOLDERS) depth++;
  const top = new Map<string, Parameter[]>();
  params.forEach((p, i) => {
    const path = unitPathAt(rel[i]!, depth);
    const list = top.get(path);
    if (list) list.push(p);
    else top.set(path, [p]);
  });
  const ids2 = new Ids('a_');
  const paths = [...top.keys()].sort();
  const keep = paths.length > MAX_BOXES ? paths.slice(0, MAX_BOXES - 1) : paths;
  const units: Unit[] = keep.map((path) => {
    const ps = top.get(path)!;
    return { path, id: ids2.id(path), params: ps, aggregated: true, folders: new Set(ps.map((p) => folderOf(p.path))).size };
  });
  if (keep.length < paths.length) {
    const rest = paths.slice(keep.length).flatMap((p) => top.get(p)!);
    units.push({ path: `${root}…`, id: 'a_more', params: rest, aggregated: true, folders: paths.length - keep.length, more: true });
  }
  return { root, units, aggregated: true };
}

function relative(root: string, path: string): string {
  const r = path.startsWith(root) ? path.slice(root.length) : path;
  return r === '' ? './' : r;
}

/** How the access engine says the principal may read: by path (GetParametersByPath on a folder), or one by one. */
type Mode = 'path' | 'name';

interface Read {
  mode: Mode;
  conditional: boolean;
  unknown: boolean;
}

interface Reader {
  readonly principal: PrincipalEntry;
  /** Parameter URN -> how the principal may read it. */
  readonly reads: Map<string, Read>;
}

/** The eight kinds of read, shared (a large stack has a read per principal and parameter). */
const READS: readonly Read[] = Array.from({ length: 8 }, (_, i) => Object.freeze({ mode: i & 4 ? 'path' : 'name', conditional: (i & 2) !== 0, unknown: (i & 1) !== 0 }));

/** Who may read which parameter of the stack, and how (every kind of principal). */
function findReaders(l: Lookup, params: readonly Parameter[]): Reader[] {
  const byUrn = new Map(params.map((p) => [p.urn, p]));
  const readers: Reader[] = [];
  const reading = l.store.principalsWith(byUrn.keys(), ['parameter']);
  for (const principal of l.store.principals) {
    const a = reading.has(principal.id) ? l.access.get(principal.id) : undefined;
    if (!a) continue;
    const reads = new Map<string, Read>();
    for (const e of a.parameters) {
      const p = byUrn.get(e.resourceUrn);
      if (!p) continue;
      reads.set(p.urn, READS[(e.byPath !== undefined ? 4 : 0) + (e.certainty === 'conditional' ? 2 : 0) + (e.certainty === 'unknown' ? 1 : 0)]!);
    }
    if (reads.size) readers.push({ principal, reads });
  }
  return readers;
}

/** Box height for `lines` lines of text at `fontSize` (D2's default box is 66 px whatever its text). */
function heightFor(lines: number, fontSize: number): number {
  return Math.ceil(lines * fontSize * 1.3 + 14);
}

function mark(r: Read): string {
  return `${r.mode === 'path' ? 'by path' : 'by name'}${r.conditional ? ' *' : ''}${r.unknown ? ' ?' : ''}`;
}

/** The summary cell of a reader for a folder (or an aggregated folder). */
function folderCell(reads: readonly Read[], total: number): { label: string; cls: ClassName } | undefined {
  if (reads.length === 0) return undefined;
  const s = reads.filter((r) => r.mode === 'path').length;
  const r = reads.length - s;
  // A mark of one read never covers the others: `*` when all are conditional, `(1 *)` when one is.
  const flags = groupMarks(reads.length, reads.filter((x) => x.conditional).length, reads.filter((x) => x.unknown).length);
  if (s === total) return { label: `by path${flags}`, cls: 'read-by-path' };
  if (s > 0) return { label: `by path ${s} of ${total}${r ? `, ${r} by name` : ''}${flags}`, cls: 'read-by-path' };
  return { label: `${r === total ? `all ${total}` : `${r} of ${total}`} by name${flags}`, cls: 'read-by-name' };
}

/** A reader's title and kind; `wrap` (the matrix's narrow columns) wraps the kind line at about 16 characters. */
function readerHeader(l: Lookup, p: PrincipalEntry, stack: string, sharedService: boolean, wrap = true): string {
  const lines = readerTitle(l, p, sharedService, 28);
  const kind = principalLine(p);
  lines.push(...(!wrap ? [kind] : kind.split(' ').reduce<string[]>((acc, w) => {
    const last = acc[acc.length - 1];
    if (last !== undefined && last.length + 1 + w.length <= 16) acc[acc.length - 1] = `${last} ${w}`;
    else acc.push(w);
    return acc;
  }, [])));
  if (p.stack !== undefined && p.stack !== stack) lines.push(`stack ${p.stack}`);
  return lines.join('\n');
}

interface KeyUse {
  key?: KmsKey;
  keyId?: string;
  name: string;
  count: number;
  decrypters: Set<string>;
}

/** What the drawing's steps share: the lookup, the stack, the tree's plan, its readers and the legend. */
interface Drawing {
  readonly l: Lookup;
  readonly stack: string;
  readonly plan: Plan;
  /** The stack's own principals first, then by name. */
  readonly readers: readonly Reader[];
  /** The legend's entries, in the order the drawing meets them. */
  readonly legend: LegendEntry[];
  /** Where the store and readers boxes are: `tree.` in the overview (see `layoutRow`), the top level in the matrix. */
  readonly at: '' | 'tree.';
}

/** The KMS keys of the SecureStrings, and who can decrypt through SSM. */
function keysInUse(l: Lookup, params: readonly Parameter[], readers: readonly Reader[]): Map<string, KeyUse> {
  const usedKeys = new Map<string, KeyUse>();
  for (const p of params) {
    if (p.type !== 'SecureString') continue;
    const k = p.keyUrn ? l.keyByUrn.get(p.keyUrn) : undefined;
    // The AWS-managed key, however the parameter names it (no key id, the alias, its ARN): one key.
    const id = k ? k.urn : p.keyId === undefined || p.keyId === '' || isAwsManagedKeyId(p.keyId) ? 'aws-managed' : `id:${p.keyId}`;
    const cur = usedKeys.get(id) ?? { ...(k ? { key: k } : {}), ...(p.keyId !== undefined ? { keyId: p.keyId } : {}), name: k ? keyName(k) : keyIdName(p.keyId, 'aws/ssm'), count: 0, decrypters: new Set<string>() };
    cur.count++;
    usedKeys.set(id, cur);
  }
  for (const r of readers) {
    for (const ka of l.access.get(r.principal.id)!.keys) {
      const k = usedKeys.get(ka.resourceUrn);
      if (!k || !(ka.paths.includes('ssm') || ka.paths.includes('direct'))) continue;
      // The same marks as the reads: * under undecidable conditions, ? not known before deployment.
      // A decrypt allowed only directly (not through ssm) is said so: the box's line reads "via ssm".
      k.decrypters.add(`${readerTitle(l, r.principal, false, 40)[0]}${ka.paths.includes('ssm') ? '' : ' (direct)'}${certaintyMark(ka.certainty)}`);
    }
  }
  return usedKeys;
}

/** The short name of a SecureString's key, as its box shows it. */
function keyLabel(l: Lookup, p: Parameter): string {
  const k = p.keyUrn ? l.keyByUrn.get(p.keyUrn) : undefined;
  return clip(k ? shortKeyName(l, keyName(k)) : keyIdName(p.keyId, 'aws/ssm'), 24);
}

/** A parameter's box: its leaf name, then its type, a tier other than Standard, and a SecureString's key. */
function leafLabel(l: Lookup, p: Parameter): string {
  const tier = p.tier === 'Advanced' || p.tier === 'Intelligent-Tiering' ? ` · ${p.tier}` : '';
  const key = p.type === 'SecureString' ? ` · ${keyLabel(l, p)}` : '';
  return `${clip(p.leaf, 30)}\n${p.type}${tier}${key}`;
}

/** An aggregated unit's box: its path below the root, its counts by type and its first sub-folders. */
function unitLabel(root: string, u: Unit): string {
  const counts = countLabel(countBy(u.params, (p) => p.type), TYPE_ORDER);
  const head = u.more ? `+ ${plural(u.folders, 'more folder')}` : relative(root, u.path);
  const sub = !u.more && u.folders > 1 ? ` in ${plural(u.folders, 'folder')}` : '';
  // What is inside, one level down: the first few sub-folders by name.
  const inside = u.more ? [] : [...new Set(u.params.map((p) => p.path.slice(u.path.length).split('/')).filter((x) => x.length > 1).map((x) => `${x[0]}/`))].sort();
  const insideLine = inside.length > 1 ? `\n${listWithMore(inside, 4).join(', ')}` : '';
  return `${head}\n${plural(u.params.length, 'parameter')}${sub}\n${counts}${insideLine}`;
}

/** The key under which a role reader's service is counted (undefined for principals without one). */
function serviceKey(l: Lookup, r: Reader): string | undefined {
  const s = r.principal.role ? l.serviceById.get(`${r.principal.role.stack}\u0000${r.principal.role.service ?? ''}`) : undefined;
  return s ? `${s.stack}\u0000${s.id}` : undefined;
}

/** Roughly how tall the matrix is drawn, in px: its header row, its rows and the store's padding. */
function matrixHeight(plan: Plan): number {
  let h = heightFor(4, TYPE.cell) + 120;
  for (const u of plan.units) {
    h += (u.aggregated ? heightFor(unitLabel(plan.root, u).split('\n').length, TYPE.cell) : heightFor(1, TYPE.cell)) + 6;
    if (!u.aggregated) h += u.params.length * (heightFor(2, TYPE.cell) + 6);
  }
  return h;
}

/** Roughly how tall the side column is drawn, in px: the key boxes in their containers, then a legend of `entries` samples and its notes. */
function sideHeight(usedKeys: ReadonlyMap<string, KeyUse>, entries: number): number {
  const containers = new Set([...usedKeys.values()].map((k) => k.key?.stack ?? '')).size;
  let h = containers * 120;
  for (const k of usedKeys.values()) h += (3 + Math.min(k.decrypters.size, 4)) * 21 + 40;
  return h + 24 + 80 + entries * 34 + 4 * 15;
}

/**
 * The matrix: a header row (the corner, then a column per reader), then a row per folder and
 * per parameter of a detailed folder, with a cell per reader.
 */
function drawMatrix(d: Drawing, rows: number, t: D2Text): void {
  const { l, stack, plan, readers, legend } = d;
  // Readers per service: a service with several reading roles names the role in the header too.
  const sharedService = new Map<string, number>();
  for (const r of readers) {
    const s = serviceKey(l, r);
    if (s) sharedService.set(s, (sharedService.get(s) ?? 0) + 1);
  }
  const readerIds = new Ids('r_');
  t.block(`store: ${q(plan.root)}`, (b) => {
    b.line('class: group');
    b.line('icon: ${icon_ssm}');
    b.line(`style.font-size: ${TYPE.heading}`);
    // Both counts, rows first: D2 then fills row by row (one count alone balances columns).
    b.line(`grid-rows: ${rows + 1}`);
    b.line(`grid-columns: ${readers.length + 1}`);
    b.line('horizontal-gap: 6');
    b.line('vertical-gap: 6');
    b.line(`corner: ${q('path  ·  read by →')} { shape: text; style.font-size: ${TYPE.small} }`);
    for (const r of readers) {
      legend.push({ cls: principalClass(r.principal) });
      const s = serviceKey(l, r);
      const shared = !!s && (sharedService.get(s) ?? 0) > 1;
      b.line(`${readerIds.id(r.principal.id, r.principal.name)}: ${q(readerHeader(l, r.principal, stack, shared))} { class: ${principalClass(r.principal)}; style.font-size: ${TYPE.cell}; height: ${heightFor(4, TYPE.cell)} }`);
    }
    matrixRows(d, b);
  });
  const all = readers.flatMap((r) => [...r.reads.values()]);
  if (all.some((r) => r.mode === 'path')) legend.push({ cls: 'read-by-path' });
  if (all.some((r) => r.mode === 'name')) legend.push({ cls: 'read-by-name' });
}

/** The matrix's rows below the header: each folder's row of summary cells, then its parameters' rows. */
function matrixRows(d: Drawing, b: D2Text): void {
  const { l, plan, readers } = d;
  let blank = 0;
  // Explicit heights: D2's default box is 66 px tall whatever its text.
  const cell = (label: string | undefined, cls: ClassName | undefined, h: number): void => {
    if (label === undefined || cls === undefined) b.line(`e${blank++}: "" { class: read-none; height: ${h} }`);
    else b.line(`e${blank++}: ${q(label)} { class: ${cls}; height: ${h} }`);
  };
  for (const u of plan.units) {
    const h = u.aggregated ? heightFor(unitLabel(plan.root, u).split('\n').length, TYPE.cell) : heightFor(1, TYPE.cell);
    if (u.aggregated) b.line(`${u.id}: ${q(unitLabel(plan.root, u))} { class: param-aggregate; height: ${h} }`);
    else b.line(`${u.id}: ${q(`${relative(plan.root, u.path)}  (${u.params.length})`)} { class: folder; height: ${h} }`);
    for (const r of readers) {
      const reads = u.params.map((p) => r.reads.get(p.urn)).filter((x): x is Read => x !== undefined);
      const c = folderCell(reads, u.params.length);
      cell(c?.label, c?.cls, h);
    }
    if (u.aggregated) continue;
    const leafIds = new Ids(`${u.id}_`);
    const lh = heightFor(2, TYPE.cell);
    for (const p of u.params) {
      b.line(`${leafIds.id(p.urn, p.leaf)}: ${q(leafLabel(l, p))} { class: ${paramClass(p.type)}; style.font-size: ${TYPE.cell}; height: ${lh} }`);
      for (const r of readers) {
        const x = r.reads.get(p.urn);
        cell(x ? mark(x) : undefined, x ? (x.mode === 'path' ? 'read-by-path' : 'read-by-name') : undefined, lh);
      }
    }
  }
}

/** The overview: readers (per trust kind when many) with one edge each to the tree. Returns those edges. */
function drawOverview(d: Drawing, t: D2Text): string[] {
  const edgeLabels = overviewReaders(d, t);
  overviewTree(d, t);
  return [...edgeLabels].sort(byString(([f]) => f)).map(([from, labels]) => `${from} -> ${d.at}store: ${q([...labels].join('\n'))} { class: caption }`);
}

/** The overview's readers box, if any reader; returns the labels of each reader box's edge to the tree. */
function overviewReaders(d: Drawing, t: D2Text): Map<string, Set<string>> {
  const { l, stack, readers, legend } = d;
  const aggregateReaders = readers.length > MAX_READERS;
  const readerIds = new Ids('r_');
  const edgeLabels = new Map<string, Set<string>>();
  const addEdge = (from: string, label: string): void => {
    const set = edgeLabels.get(from) ?? new Set<string>();
    set.add(label);
    edgeLabels.set(from, set);
  };
  if (readers.length === 0) return edgeLabels;
  t.block(`readers: ${q('Readers (IAM principals)')}`, (b) => {
    b.line('class: group');
    b.line('icon: ${icon_iam}');
    b.line(`grid-columns: ${aggregateReaders ? 1 : gridColumns(readers.length, 3)}`);
    b.line('grid-gap: 10');
    if (aggregateReaders) {
      const byKind = groupBy(readers, (r) => principalClass(r.principal));
      for (const [cls, rs] of [...byKind].sort(byString(([k]) => k))) {
        legend.push({ cls: cls as ClassName });
        const id = readerIds.id(cls);
        b.line(`${id}: ${q(`${rs.length} ${principalKindPlural(rs[0]!.principal)}`)} { class: ${cls} }`);
        const byPath = rs.filter((r) => [...r.reads.values()].some((x) => x.mode === 'path')).length;
        const byName = rs.filter((r) => [...r.reads.values()].some((x) => x.mode === 'name')).length;
        if (byPath) addEdge(`${d.at}readers.${id}`, `${byPath === rs.length ? 'each' : plural(byPath, 'principal')}: may read by path`);
        if (byName) addEdge(`${d.at}readers.${id}`, `${byName === rs.length ? 'each' : plural(byName, 'principal')}: may read by name`);
      }
    } else {
      // Each box says which folders its principal may read and how (an edge per reader ended at
      // the whole store, its label naming no folder; a dozen of them crossed each other's labels):
      // one edge from the readers to the store.
      for (const r of readers) {
        legend.push({ cls: principalClass(r.principal) });
        const id = readerIds.id(r.principal.id, r.principal.name);
        const lines = [readerHeader(l, r.principal, stack, false, false), ...readsByUnit(d.plan, r)];
        b.line(`${id}: ${q(lines.join('\n'))} { class: ${principalClass(r.principal)} }`);
      }
      addEdge(`${d.at}readers`, 'may read');
    }
  });
  return edgeLabels;
}

/** Past this many folders, a reader's box in the overview names the first ones and counts the rest. */
const MAX_READER_FOLDERS = 3;

/** A reader's reads in the overview, one line per folder box of the tree it reads from: `db/: by path`, `api/: 2 of 7 by name`. */
function readsByUnit(plan: Plan, r: Reader): string[] {
  const rows: { line: string; folders: number; reads: Read[]; complete: boolean }[] = [];
  for (const u of plan.units) {
    const reads = u.params.map((p) => r.reads.get(p.urn)).filter((x): x is Read => x !== undefined);
    const c = folderCell(reads, u.params.length);
    if (!c) continue;
    // Folders as the tree's boxes count them: one per box, the "+ N more folders" box its N.
    rows.push({ line: `${u.more ? `${plural(u.folders, 'more folder')}` : clip(relative(plan.root, u.path), 24)}: ${c.label}`, folders: u.more ? u.folders : 1, reads, complete: reads.length === u.params.length });
  }
  const marks = (reads: readonly Read[]): string => groupMarks(reads.length, reads.filter((x) => x.conditional).length, reads.filter((x) => x.unknown).length);
  // Every parameter of the tree, all read one way: one line.
  const all = rows.flatMap((x) => x.reads);
  if (rows.length > 1 && rows.length === plan.units.length && rows.every((x) => x.complete)) {
    if (all.every((x) => x.mode === 'path')) return [`every folder: by path${marks(all)}`];
    if (all.every((x) => x.mode === 'name')) return [`every parameter: by name${marks(all)}`];
  }
  if (rows.length <= MAX_READER_FOLDERS) return rows.map((x) => x.line);
  // The rest counted as folder boxes (the "+ N more folders" box as its N), with their marks.
  const hidden = rows.slice(MAX_READER_FOLDERS - 1);
  const hiddenReads = hidden.flatMap((x) => x.reads);
  return [...rows.slice(0, MAX_READER_FOLDERS - 1).map((x) => x.line), `+ ${plural(hidden.reduce((n, x) => n + x.folders, 0), 'more folder')}${marks(hiddenReads)}`];
}

/** The overview's tree: a grid of folder boxes, each with its parameters or aggregated with counts. */
function overviewTree(d: Drawing, t: D2Text): void {
  const { l, plan } = d;
  t.block(`store: ${q(plan.root)}`, (b) => {
    b.line('class: group');
    b.line('icon: ${icon_ssm}');
    b.line(`style.font-size: ${TYPE.heading}`);
    b.line(`grid-columns: ${gridColumns(plan.units.length, 6)}`);
    b.line('grid-gap: 16');
    for (const u of plan.units) {
      if (u.aggregated) {
        b.line(`${u.id}: ${q(unitLabel(plan.root, u))} { class: param-aggregate }`);
        continue;
      }
      b.block(`${u.id}: ${q(relative(plan.root, u.path))}`, (f) => {
        f.line('class: group');
        f.line(`grid-columns: ${gridColumns(u.params.length, 3)}`);
        f.line('grid-gap: 8');
        const leafIds = new Ids('p_');
        for (const p of u.params) f.line(`${leafIds.id(p.urn)}: ${q(leafLabel(l, p))} { class: ${paramClass(p.type)} }`);
      });
    }
  });
}

/** The legend's notes: counts by type and tier, what the flags mean, and what is drawn aggregated. */
function notesFor(params: readonly Parameter[], plan: Plan, readers: readonly Reader[], matrix: boolean, usedKeys: ReadonlyMap<string, KeyUse>): string[] {
  const notes: string[] = [];
  const decrypters = [...usedKeys.values()].flatMap((k) => [...k.decrypters]);
  const all = [...readers.flatMap((r) => [...r.reads.values()]), ...decrypters.map((x) => ({ conditional: x.endsWith(' *'), unknown: x.endsWith(' ?') }))];
  const typeCounts = countLabel(countBy(params, (p) => p.type), TYPE_ORDER);
  const tierCounts = countLabel(countBy(params, (p) => p.tier), ['Standard', 'Advanced', 'Intelligent-Tiering', 'unknown']);
  notes.push(`${plural(params.length, 'parameter')}: ${typeCounts}; tier: ${tierCounts}`);
  if (all.some((r) => r.conditional)) notes.push(CONDITIONAL_NOTE);
  if (all.some((r) => r.unknown)) notes.push(UNKNOWN_NOTE);
  if (plan.aggregated) {
    notes.push(`folders over ${MAX_LEAVES_PER_FOLDER} parameters, or trees over ${MAX_BOXES} boxes, are drawn as one box with counts by type`);
  }
  if (!matrix && readers.length > MAX_READERS) notes.push(`over ${MAX_READERS} readers: drawn per kind`);
  return notes;
}

/** The side column: the KMS keys (own and from other stacks), then the legend; with the tree's edges to the keys. */
function sideColumn(d: Drawing, usedKeys: ReadonlyMap<string, KeyUse>, notes: readonly string[]): { side: D2Text; keyEdges: string[] } {
  const { stack, legend } = d;
  if (usedKeys.size) legend.push({ cls: 'key' });
  const side = new D2Text();
  const keyIds = new Ids('k_');
  const keyEntries = [...usedKeys.entries()].sort(byString(([, v]) => `${v.key?.stack ?? ''}\u0000${v.name}`));
  const keyEdges: string[] = [];
  const groups = groupBy(keyEntries, ([, v]) => (v.key && v.key.stack !== stack ? v.key.stack : ''));
  const containers = new StackContainers();
  for (const [g, list] of [...groups].sort(byString(([g]) => g))) {
    const container = g ? containers.id(g) : 'keys';
    side.block(`${container}: ${q(g ? `KMS keys from stack ${g}` : 'KMS keys')}`, (b) => {
      b.line(`class: ${g ? 'external' : 'group'}`);
      b.line('icon: ${icon_kms}');
      b.line(`style.font-size: ${TYPE.heading}`);
      b.line('grid-columns: 1');
      b.line('grid-gap: 10');
      for (const [id, v] of list) {
        const dec = [...v.decrypters].sort();
        const decLine = dec.length ? `\nkms:Decrypt via ssm:\n${listWithMore(dec, 4).join(', ')}` : '';
        const kid = keyIds.id(id, v.name);
        b.line(`${kid}: ${q(`${keyBoxText(clip(v.name, 36), v.key, v.keyId)}${decLine}`)} { class: key }`);
        keyEdges.push(`${d.at}store -> side.${container}.${kid}: ${q(`encrypts ${plural(v.count, 'SecureString')}`)} { class: caption }`);
      }
    });
  }
  legendBlock(side, 'legend', { legend, notes });
  return { side, keyEdges };
}

/**
 * One row: the tree (the matrix; or the overview's readers and store) | keys and legend. Edges
 * between the cells are short and straight. D2 stretches every cell of a grid row to the row's
 * height: the overview's readers and store sit in an invisible cell of their own (`tree`), so that
 * a legend taller than them stretches that cell, not their boxes (an aggregated tree is one row of
 * folder boxes, which would otherwise sit in a store box as tall as the legend). A matrix taller
 * than the side column is drawn without it (the cell's padding would widen it), a shorter one in it.
 */
function layoutRow(tree: D2Text, side: D2Text, edges: readonly string[], at: Drawing['at'], withReaders: boolean): D2Text {
  const body = new D2Text();
  // The diagram itself is the grid (the title is `near`, outside it): no wrapper container and
  // its padding.
  body.line('grid-rows: 1');
  body.line('grid-columns: 2');
  // The edges to the keys cross the gap, and the padding of the invisible cells on either side.
  body.line(`horizontal-gap: ${at === '' ? 120 : 40}`);
  if (at === '') body.embed(tree);
  else {
    body.block('tree: ""', (c) => {
      c.line('grid-rows: 1');
      c.line(`grid-columns: ${withReaders ? 2 : 1}`);
      c.line('horizontal-gap: 120');
      c.line('style.opacity: 0');
      c.embed(tree);
    });
  }
  body.block('side: ""', (c) => {
    c.line('grid-columns: 1');
    c.line('vertical-gap: 24');
    c.line('style.opacity: 0');
    c.embed(side);
  });
  for (const e of edges) body.line(e);
  return body;
}

export function parameterStoreHierarchy(input: ViewInput): View {
  const { estate, stack } = input;
  const params = lookup(estate).store.inStack(estate.parameters, stack).sort(byString((p) => p.path));
  const l = lookup(estate);
  const env = servedLabel(l.store, stack, params);
  const title = env.includes(' and ') ? `Where do ${env} keep their configuration, and who reads it?` : `Where does ${env} keep its configuration, and who reads it?`;
  const purpose = `The SSM Parameter Store tree of ${env} with each parameter's type and key, and which principals may read which folders by path and which parameters by name.`;

  if (params.length === 0) {
    return { name: 'parameter_store_hierarchy', title, purpose, d2: undefined, absent: `Stack ${stack} has no SSM Parameter Store parameters; this diagram would show their tree with types and keys, and who may read which folder.` };
  }

  const plan = planUnits(params);
  const readers = findReaders(l, params).sort(byString((r) => `${r.principal.stack === stack ? 0 : 1}${r.principal.name}`));
  const rows = plan.units.reduce((n, u) => n + 1 + (u.aggregated ? 0 : u.params.length), 0);
  const matrix = readers.length > 0 && readers.length <= MAX_MATRIX_READERS && rows <= MAX_MATRIX_ROWS;

  const legend: LegendEntry[] = [];
  const typesPresent = [...new Set(params.map((p) => p.type))].sort((a, b) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
  for (const ty of typesPresent) legend.push({ cls: paramClass(ty) });
  if (plan.aggregated) legend.push({ cls: 'param-aggregate' });
  const usedKeys = keysInUse(l, params, readers);

  // A matrix shorter than the keys and legend beside it sits in a cell of its own, as the overview
  // does: D2 stretches a grid row's cells to its height, and the store box would be mostly empty.
  const principalKinds = new Set(readers.map((r) => principalClass(r.principal))).size;
  const wrapMatrix = matrix && matrixHeight(plan) < sideHeight(usedKeys, typesPresent.length + principalKinds + 3);
  const d: Drawing = { l, stack, plan, readers, legend, at: matrix && !wrapMatrix ? '' : 'tree.' };
  const tree = new D2Text();
  let readerEdges: string[] = [];
  if (matrix) drawMatrix(d, rows, tree);
  else readerEdges = drawOverview(d, tree);
  const { side, keyEdges } = sideColumn(d, usedKeys, notesFor(params, plan, readers, matrix, usedKeys));
  const body = layoutRow(tree, side, [...readerEdges, ...keyEdges], d.at, !matrix && readers.length > 0);

  const d2 = compose({ title, direction: 'right', layout: 'elk', pad: 20 }, body);
  return { name: 'parameter_store_hierarchy', title, purpose, d2 };
}
