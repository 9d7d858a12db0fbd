/**
 * View 1, parameter_store_hierarchy: "Where does <env> keep its configuration, and who reads it?"
 *
 * Two drawings, chosen by size:
 * - Matrix (the usual case): the parameter tree as the rows of a table (a folder row, then its
 *   parameters), the reader roles as the columns (trust kind as shape and colour), and in each cell
 *   how the role reads it: at startup (GetParametersByPath on the folder) or at runtime
 *   (GetParameter). A folder row sums up the role's access to the folder, the one "edge per folder"
 *   VIEWS.md asks for, without a tangle of crossing edges. The KMS keys sit on the right.
 * - Overview (many folders or many readers): the tree as a grid of folder boxes, aggregated with
 *   counts by type, and the readers (per trust kind when there are many) with one edge each to the
 *   tree.
 */

import type { Estate, KmsKey, Parameter, Role } from '../estate/model.ts';
import {
  commonPrefix,
  countBy,
  countLabel,
  keyIdName,
  keyName,
  listWithMore,
  lookup,
  lowerBound,
  MAX_BOXES,
  MAX_LEAVES_PER_FOLDER,
  roleService,
  shortKeyName,
  stackLabel,
  type Lookup,
} from './common.ts';
import { byString, clip, D2Text, gridColumns, Ids, plural, q } from './d2text.ts';
import { compose, composeEmpty, legendBlock, paramClass, TRUST_LABEL, trustClass, type ClassName, type LegendEntry } from './style.ts';
import type { View, ViewInput } from './types.ts';

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

function folderOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i + 1);
}

/** Groups parameters by a key, keeping the input order inside each group. */
function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

/**
 * Chooses how to draw the tree: detailed folders, or aggregated at the deepest level below the
 * root that keeps the number of boxes readable.
 */
export function planUnits(params: readonly Parameter[]): { root: string; units: Unit[]; aggregated: boolean } {
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

type Mode = 'startup' | 'runtime';

interface Read {
  mode: Mode;
  conditional: boolean;
  unknown: boolean;
}

interface Reader {
  readonly role: Role;
  /** Parameter URN -> how the role reads it. */
  readonly reads: Map<string, Read>;
}


/** Who reads which parameter, and how. Linear in the grants and the parameters they reach. */
function findReaders(estate: Estate, l: Lookup, params: readonly Parameter[]): Reader[] {
  const paths = params.map((p) => p.path); // params are sorted by path
  const byUrn = new Map(params.map((p) => [p.urn, p]));
  const readers: Reader[] = [];
  for (const role of estate.roles) {
    const a = l.accessByRole.get(role.urn);
    if (!a) continue;
    const reads = new Map<string, Read>();
    const put = (p: Parameter, mode: Mode, conditional: boolean, unknown: boolean): void => {
      const cur = reads.get(p.urn);
      if (!cur) reads.set(p.urn, { mode, conditional, unknown });
      else {
        if (mode === 'startup') cur.mode = 'startup';
        cur.conditional ||= conditional;
        cur.unknown ||= unknown;
      }
    };
    for (const g of a.parameterPrefixes) {
      for (let i = lowerBound(paths, g.prefix); i < paths.length && paths[i]!.startsWith(g.prefix); i++) {
        put(params[i]!, g.byPath ? 'startup' : 'runtime', g.conditions.length > 0, g.certainty === 'unknown');
      }
    }
    for (const e of a.parameters) {
      const p = byUrn.get(e.resourceUrn);
      if (!p || reads.has(p.urn)) continue;
      put(p, e.actions.includes('ssm:GetParametersByPath') ? 'startup' : 'runtime', e.conditions.length > 0, e.certainty === 'unknown');
    }
    if (reads.size) readers.push({ role, reads });
  }
  return readers;
}

/** Box height for `lines` lines of text at `fontSize` (D2's default box is 66 px whatever its text). */
function heightFor(lines: number, fontSize: number): number {
  return Math.ceil(lines * fontSize * 1.3 + 14);
}

function mark(r: Read): string {
  return `${r.mode}${r.conditional ? ' *' : ''}${r.unknown ? ' ?' : ''}`;
}

/** The summary cell of a reader for a folder (or an aggregated folder). */
function folderCell(reads: readonly Read[], total: number): { label: string; cls: ClassName } | undefined {
  if (reads.length === 0) return undefined;
  const s = reads.filter((r) => r.mode === 'startup').length;
  const r = reads.length - s;
  const flags = `${reads.some((x) => x.conditional) ? ' *' : ''}${reads.some((x) => x.unknown) ? ' ?' : ''}`;
  if (s === total) return { label: `ByPath, startup${flags}`, cls: 'read-startup' };
  if (s > 0) return { label: `ByPath ${s} of ${total}${r ? `, ${r} runtime` : ''}${flags}`, cls: 'read-startup' };
  return { label: `${r === total ? `all ${total}` : `${r} of ${total}`}, runtime${flags}`, cls: 'read-runtime' };
}

function readerHeader(estate: Estate, l: Lookup, role: Role, stack: string, sharedService: boolean): string {
  const svc = roleService(estate, l, role);
  const lines = [svc ? svc.name : clip(role.name, 28)];
  if (svc && sharedService) lines.push(clip(role.name, 28));
  lines.push(...trustLine(role).split(' ').reduce<string[]>((acc, w) => {
    // Wrap the trust line at about 16 characters: narrow columns.
    const last = acc[acc.length - 1];
    if (last !== undefined && last.length + 1 + w.length <= 16) acc[acc.length - 1] = `${last} ${w}`;
    else acc.push(w);
    return acc;
  }, []));
  if (role.stack !== stack) lines.push(`stack ${role.stack}`);
  return lines.join('\n');
}

function trustLine(role: Role): string {
  const trust = role.trust;
  if (trust.kind === 'eks-pod' && trust.eks) {
    const { namespace, serviceAccount } = trust.eks;
    return namespace && namespace === serviceAccount ? `EKS ${namespace}` : `EKS ${[namespace, serviceAccount].filter(Boolean).join('/') || 'pod'}`;
  }
  if (trust.kind === 'cross-account' && trust.crossAccount) {
    return `account ${trust.crossAccount.accountId}${trust.crossAccount.requiresExternalId ? ' + ext. id' : ''}`;
  }
  return TRUST_LABEL[trust.kind];
}

interface KeyUse {
  key?: KmsKey;
  name: string;
  count: number;
  decrypters: Set<string>;
}

export function parameterStoreHierarchy(input: ViewInput): View {
  const { estate, stack } = input;
  const env = stackLabel(estate, stack);
  const title = `Where does ${env} keep its configuration, and who reads it?`;
  const purpose = `The SSM Parameter Store tree of ${env} with each parameter's type and key, and which roles read which folders at startup and at runtime.`;
  const params = estate.parameters.filter((p) => p.stack === stack).sort(byString((p) => p.path));
  let t = new D2Text();

  if (params.length === 0) {
    return { name: 'parameter_store_hierarchy', title, purpose, d2: composeEmpty(title, `Stack ${stack} has no SSM Parameter Store parameters.`) };
  }

  const l = lookup(estate);
  const plan = planUnits(params);
  const readers = findReaders(estate, l, params).sort(byString((r) => `${r.role.stack === stack ? 0 : 1}${r.role.name}`));
  const rows = plan.units.reduce((n, u) => n + 1 + (u.aggregated ? 0 : u.params.length), 0);
  const matrix = readers.length > 0 && readers.length <= MAX_MATRIX_READERS && rows <= MAX_MATRIX_ROWS;

  const legendEntries: LegendEntry[] = [];
  const typesPresent = [...new Set(params.map((p) => p.type))].sort((a, b) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
  for (const ty of typesPresent) legendEntries.push({ cls: paramClass(ty) });
  if (plan.aggregated) legendEntries.push({ cls: 'param-aggregate' });

  // KMS keys of the SecureStrings, and who can decrypt through SSM.
  const usedKeys = new Map<string, KeyUse>();
  for (const p of params) {
    if (p.type !== 'SecureString') continue;
    const k = p.keyUrn ? l.keyByUrn.get(p.keyUrn) : undefined;
    const id = k ? k.urn : `id:${p.keyId ?? 'aws/ssm'}`;
    const cur = usedKeys.get(id) ?? { ...(k ? { key: k } : {}), name: k ? keyName(k) : keyIdName(p.keyId, 'aws/ssm'), count: 0, decrypters: new Set<string>() };
    cur.count++;
    usedKeys.set(id, cur);
  }
  for (const r of readers) {
    for (const ka of l.accessByRole.get(r.role.urn)!.keys) {
      const k = usedKeys.get(ka.resourceUrn);
      if (!k) continue;
      const viaSsm = ka.viaServices.length === 0 || ka.viaServices.some((v) => v.startsWith('ssm.'));
      if (!viaSsm || ka.keyPolicyAllows === false) continue;
      const svc = roleService(estate, l, r.role);
      k.decrypters.add(`${svc ? svc.name : r.role.name}${ka.certainty === 'unknown' ? ' (unknown)' : ''}`);
    }
  }
  const keyLabel = (p: Parameter): string => {
    const k = p.keyUrn ? l.keyByUrn.get(p.keyUrn) : undefined;
    return clip(k ? shortKeyName(l, keyName(k)) : keyIdName(p.keyId, 'aws/ssm'), 24);
  };
  const leafLabel = (p: Parameter): string => {
    const tier = p.tier === 'Advanced' || p.tier === 'Intelligent-Tiering' ? ` · ${p.tier}` : '';
    const key = p.type === 'SecureString' ? ` · ${keyLabel(p)}` : '';
    return `${clip(p.leaf, 30)}\n${p.type}${tier}${key}`;
  };
  const unitLabel = (u: Unit): string => {
    const counts = countLabel(countBy(u.params, (p) => p.type), TYPE_ORDER);
    const head = u.more ? `+ ${plural(u.folders, 'more folder')}` : relative(plan.root, u.path);
    const sub = !u.more && u.folders > 1 ? ` in ${plural(u.folders, 'folder')}` : '';
    // What is inside, one level down: the first few sub-folders by name.
    const inside = u.more ? [] : [...new Set(u.params.map((p) => p.path.slice(u.path.length).split('/')).filter((x) => x.length > 1).map((x) => `${x[0]}/`))].sort();
    const insideLine = inside.length > 1 ? `\n${listWithMore(inside, 4).join(', ')}` : '';
    return `${head}\n${plural(u.params.length, 'parameter')}${sub}\n${counts}${insideLine}`;
  };

  const notes: string[] = [];
  const readerEdges: string[] = [];
  let readersText = false;
  let flagged = { conditional: false, unknown: false };

  if (matrix) {
    const sharedService = new Map<string, number>();
    for (const r of readers) {
      const s = roleService(estate, l, r.role);
      if (s) sharedService.set(`${s.stack}\u0000${s.id}`, (sharedService.get(`${s.stack}\u0000${s.id}`) ?? 0) + 1);
    }
    const readerIds = new Ids('r_');
    t.block(`store: ${q(plan.root)}`, (b) => {
      b.line('class: group');
      b.line('icon: ${icon_ssm}');
      b.line('style.font-size: 20');
      // Both counts, rows first: D2 then fills row by row (one count alone balances columns).
      b.line(`grid-rows: ${rows + 1}`);
      b.line(`grid-columns: ${readers.length + 1}`);
      b.line('horizontal-gap: 6');
      b.line('vertical-gap: 6');
      b.line(`corner: ${q('path  ·  read by →')} { shape: text; style.font-size: 14; style.italic: true }`);
      for (const r of readers) {
        legendEntries.push({ cls: trustClass(r.role.trust.kind) });
        const s = roleService(estate, l, r.role);
        const shared = !!s && (sharedService.get(`${s.stack}\u0000${s.id}`) ?? 0) > 1;
        b.line(`${readerIds.id(r.role.urn, r.role.name)}: ${q(readerHeader(estate, l, r.role, stack, shared))} { class: ${trustClass(r.role.trust.kind)}; style.font-size: 14; height: ${heightFor(4, 14)} }`);
      }
      let blank = 0;
      // Explicit heights: D2's default box is 66 px tall whatever its text.
      const cell = (label: string | undefined, cls: ClassName | undefined, h: number): void => {
        if (label === undefined || cls === undefined) b.line(`e${blank++}: "" { class: read-none; height: ${h} }`);
        else b.line(`e${blank++}: ${q(label)} { class: ${cls}; height: ${h} }`);
      };
      for (const u of plan.units) {
        const h = u.aggregated ? heightFor(unitLabel(u).split('\n').length, 13) : heightFor(1, 15);
        if (u.aggregated) b.line(`${u.id}: ${q(unitLabel(u))} { class: param-aggregate; height: ${h} }`);
        else b.line(`${u.id}: ${q(`${relative(plan.root, u.path)}  (${u.params.length})`)} { class: folder; height: ${h} }`);
        for (const r of readers) {
          const reads = u.params.map((p) => r.reads.get(p.urn)).filter((x): x is Read => x !== undefined);
          const c = folderCell(reads, u.params.length);
          cell(c?.label, c?.cls, h);
        }
        if (u.aggregated) continue;
        const leafIds = new Ids(`${u.id}_`);
        const lh = heightFor(2, 14);
        for (const p of u.params) {
          b.line(`${leafIds.id(p.urn, p.leaf)}: ${q(leafLabel(p))} { class: ${paramClass(p.type)}; style.font-size: 14; height: ${lh} }`);
          for (const r of readers) {
            const x = r.reads.get(p.urn);
            cell(x ? mark(x) : undefined, x ? (x.mode === 'startup' ? 'read-startup' : 'read-runtime') : undefined, lh);
          }
        }
      }
    });
    const all = readers.flatMap((r) => [...r.reads.values()]);
    if (all.some((r) => r.mode === 'startup')) legendEntries.push({ cls: 'read-startup' });
    if (all.some((r) => r.mode === 'runtime')) legendEntries.push({ cls: 'read-runtime' });
    flagged = { conditional: all.some((r) => r.conditional), unknown: all.some((r) => r.unknown) };
  } else {
    // Overview: readers (per trust kind when many) with one edge each to the tree.
    const aggregateReaders = readers.length > MAX_READERS;
    const readerIds = new Ids('r_');
    const edgeLabels = new Map<string, Set<string>>();
    const addEdge = (from: string, label: string): void => {
      const set = edgeLabels.get(from) ?? new Set<string>();
      set.add(label);
      edgeLabels.set(from, set);
    };
    if (readers.length) {
      readersText = true;
      t.block(`readers: ${q('Readers (IAM roles)')}`, (b) => {
        b.line('class: group');
        b.line('icon: ${icon_iam}');
        b.line(`grid-columns: ${aggregateReaders ? 1 : gridColumns(readers.length, 3)}`);
        b.line('grid-gap: 10');
        if (aggregateReaders) {
          const byKind = groupBy(readers, (r) => r.role.trust.kind);
          for (const [kind, rs] of [...byKind].sort(byString(([k]) => k))) {
            const tk = kind as Role['trust']['kind'];
            legendEntries.push({ cls: trustClass(tk) });
            const id = readerIds.id(kind);
            b.line(`${id}: ${q(`${rs.length} × ${TRUST_LABEL[tk]}`)} { class: ${trustClass(tk)} }`);
            const startup = rs.filter((r) => [...r.reads.values()].some((x) => x.mode === 'startup')).length;
            const runtime = rs.filter((r) => [...r.reads.values()].some((x) => x.mode === 'runtime')).length;
            if (startup) addEdge(`readers.${id}`, `${startup === rs.length ? 'each' : plural(startup, 'role')}: GetParametersByPath (startup)`);
            if (runtime) addEdge(`readers.${id}`, `${runtime === rs.length ? 'each' : plural(runtime, 'role')}: GetParameter (runtime)`);
          }
        } else {
          for (const r of readers) {
            legendEntries.push({ cls: trustClass(r.role.trust.kind) });
            const id = readerIds.id(r.role.urn, r.role.name);
            b.line(`${id}: ${q(readerHeader(estate, l, r.role, stack, false))} { class: ${trustClass(r.role.trust.kind)} }`);
            const reads = [...r.reads.values()];
            const s = reads.filter((x) => x.mode === 'startup').length;
            const rt = reads.length - s;
            addEdge(`readers.${id}`, [s ? `ByPath ${s} (startup)` : '', rt ? `GetParameter ${rt} (runtime)` : ''].filter(Boolean).join(', '));
          }
        }
      });
    }
    t.block(`store: ${q(plan.root)}`, (b) => {
      b.line('class: group');
      b.line('icon: ${icon_ssm}');
      b.line('style.font-size: 20');
      b.line(`grid-columns: ${gridColumns(plan.units.length, 6)}`);
      b.line('grid-gap: 16');
      for (const u of plan.units) {
        if (u.aggregated) {
          b.line(`${u.id}: ${q(unitLabel(u))} { class: param-aggregate }`);
          continue;
        }
        b.block(`${u.id}: ${q(relative(plan.root, u.path))}`, (f) => {
          f.line('class: group');
          f.line(`grid-columns: ${gridColumns(u.params.length, 3)}`);
          f.line('grid-gap: 8');
          const leafIds = new Ids('p_');
          for (const p of u.params) f.line(`${leafIds.id(p.urn)}: ${q(leafLabel(p))} { class: ${paramClass(p.type)} }`);
        });
      }
    });
    for (const [from, labels] of [...edgeLabels].sort(byString(([f]) => f))) readerEdges.push(`${from} -> store: ${q([...labels].join('\n'))}`);
    const all = readers.flatMap((r) => [...r.reads.values()]);
    flagged = { conditional: all.some((r) => r.conditional), unknown: all.some((r) => r.unknown) };
  }

  const typeCounts = countLabel(countBy(params, (p) => p.type), TYPE_ORDER);
  const tierCounts = countLabel(countBy(params, (p) => p.tier), ['Standard', 'Advanced', 'Intelligent-Tiering', 'unknown']);
  notes.push(`${plural(params.length, 'parameter')}: ${typeCounts}; tier: ${tierCounts}`);
  if (flagged.conditional) notes.push('* granted under IAM conditions (shown, not evaluated)');
  if (flagged.unknown) notes.push('? not known before deployment');
  if (plan.aggregated) {
    notes.push(`folders over ${MAX_LEAVES_PER_FOLDER} parameters, or trees over ${MAX_BOXES} boxes, are drawn as one box with counts by type`);
  }
  if (!matrix && readers.length > MAX_READERS) notes.push(`over ${MAX_READERS} reader roles: drawn per trust kind`);

  // Side column: the KMS keys (own and from other stacks), then the legend.
  if (usedKeys.size) legendEntries.push({ cls: 'key' });
  const side = new D2Text();
  const keyIds = new Ids('k_');
  const keyEntries = [...usedKeys.entries()].sort(byString(([, v]) => `${v.key?.stack ?? ''}\u0000${v.name}`));
  const keyEdges: string[] = [];
  const groups = groupBy(keyEntries, ([, v]) => (v.key && v.key.stack !== stack ? v.key.stack : ''));
  for (const [g, list] of [...groups].sort(byString(([g]) => g))) {
    const container = g ? `from_${g.replace(/[^A-Za-z0-9]/g, '_')}` : 'keys';
    side.block(`${container}: ${q(g ? `KMS keys from stack ${g}` : 'KMS keys')}`, (b) => {
      b.line(`class: ${g ? 'external' : 'group'}`);
      b.line('icon: ${icon_kms}');
      b.line('style.font-size: 16');
      b.line('grid-columns: 1');
      b.line('grid-gap: 10');
      for (const [id, v] of list) {
        const k = v.key;
        const facts = k
          ? [k.rotationEnabled === true ? `rotates every ${k.rotationPeriodDays ?? 365} d` : k.rotationEnabled === 'unknown' ? 'rotation unknown' : 'NO rotation', k.multiRegion ? 'multi-region' : '']
              .filter(Boolean)
              .join(' · ')
          : 'from a stack not loaded';
        const dec = [...v.decrypters].sort();
        const decLine = dec.length ? `\nkms:Decrypt via ssm:\n${listWithMore(dec, 4).join(', ')}` : '';
        const kid = keyIds.id(id, v.name);
        side.line(`${kid}: ${q(`${clip(v.name, 36)}\n${facts}${decLine}`)} { class: key }`);
        keyEdges.push(`store -> side.${container}.${kid}: ${q(`encrypts ${plural(v.count, 'SecureString')}`)}`);
      }
    });
  }
  legendBlock(side, 'legend', { legend: legendEntries, notes });

  // One row: [readers] | tree | keys and legend. Edges between the cells are short and straight.
  const body = new D2Text();
  // The diagram itself is the grid (the title is `near`, outside it): no wrapper container and
  // its padding.
  body.line('grid-rows: 1');
  body.line(`grid-columns: ${readersText ? 3 : 2}`);
  body.line('horizontal-gap: 120');
  body.embed(t);
  body.block('side: ""', (c) => {
    c.line('grid-columns: 1');
    c.line('vertical-gap: 24');
    c.line('style.opacity: 0');
    c.embed(side);
  });
  for (const e of [...readerEdges, ...keyEdges]) body.line(e);
  t = body;

  const d2 = compose({ title, direction: 'right', layout: 'elk', pad: 20 }, t);
  return { name: 'parameter_store_hierarchy', title, purpose, d2 };
}
