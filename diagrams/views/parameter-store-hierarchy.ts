/**
 * View 1, parameter_store_hierarchy: "Where does <env> keep its configuration, and who reads it?"
 * Readers (left) -> the parameter tree as folders with a grid of leaves (centre) -> KMS keys (right).
 */

import type { Estate, KmsKey, Parameter, PrefixGrant, Role } from '../estate/model.ts';
import {
  commonPrefix,
  countBy,
  countLabel,
  keyIdName,
  keyName,
  listWithMore,
  lookup,
  MAX_BOXES,
  MAX_LEAVES_PER_FOLDER,
  roleService,
  stackLabel,
  type Lookup,
} from './common.ts';
import { byString, clip, D2Text, gridColumns, Ids, plural, q } from './d2text.ts';
import { compose, paramClass, TRUST_LABEL, trustClass, type LegendEntry } from './style.ts';
import type { View, ViewInput } from './types.ts';

const TYPE_ORDER = ['String', 'StringList', 'SecureString', 'unknown'];
/** Past this many folders in detailed mode, folders are aggregated one level up. */
const MAX_FOLDERS = 24;
/** Past this many reader roles, readers are drawn per trust kind. */
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

/** Chooses how to draw the tree: detailed folders, or aggregated one level below the root. */
export function planUnits(params: readonly Parameter[]): { root: string; units: Unit[]; aggregated: boolean } {
  const folders = [...new Set(params.map((p) => folderOf(p.path)))].sort();
  let root = commonPrefix(folders.map((f) => `${f}x`));
  if (folders.length === 1 && root === folders[0] && root !== '/') root = folderOf(root.slice(0, -1));
  if (root === '') root = '/';
  const ids = new Ids('u_');
  const byFolder = new Map<string, Parameter[]>();
  for (const p of params) {
    const f = folderOf(p.path);
    const list = byFolder.get(f) ?? [];
    list.push(p);
    byFolder.set(f, list);
  }
  const detailed: Unit[] = folders.map((f) => {
    const ps = byFolder.get(f)!;
    return { path: f, id: ids.id(f), params: ps, aggregated: ps.length > MAX_LEAVES_PER_FOLDER, folders: 1 };
  });
  const boxes = detailed.reduce((n, u) => n + (u.aggregated ? 1 : u.params.length), 0);
  if (boxes <= MAX_BOXES && detailed.length <= MAX_FOLDERS) return { root, units: detailed, aggregated: detailed.some((u) => u.aggregated) };

  // Aggregate one level below the root: `<root><segment>/` with counts.
  const top = new Map<string, Parameter[]>();
  for (const p of params) {
    const rest = p.path.slice(root.length);
    const seg = rest.split('/')[0]!;
    const unitPath = rest.includes('/') ? `${root}${seg}/` : root;
    const list = top.get(unitPath) ?? [];
    list.push(p);
    top.set(unitPath, list);
  }
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

function unitFor(units: readonly Unit[], path: string): Unit | undefined {
  let best: Unit | undefined;
  for (const u of units) {
    if (u.more) continue;
    if (path.startsWith(u.path) && (!best || u.path.length > best.path.length)) best = u;
  }
  if (best) return best;
  return units.find((u) => u.more && u.params.some((p) => p.path.startsWith(path)));
}

function accessLabel(byPath: boolean, prefix: string | undefined, conditional: boolean, unknown: boolean): string {
  const base = byPath ? 'GetParametersByPath (startup)' : 'GetParameter (runtime)';
  const parts = [base];
  if (prefix) parts[0] = `${byPath ? 'GetParametersByPath' : 'GetParameter'} ${prefix} (${byPath ? 'startup' : 'runtime'})`;
  if (conditional) parts.push('if conditions hold');
  if (unknown) parts.push('unknown');
  return parts.join(', ');
}

interface Edge {
  from: string;
  to: string;
  labels: Set<string>;
  dashed: boolean;
}

export function parameterStoreHierarchy(input: ViewInput): View {
  const { estate, stack } = input;
  const env = stackLabel(estate, stack);
  const title = `Where does ${env} keep its configuration, and who reads it?`;
  const purpose = `The SSM Parameter Store tree of ${env} with each parameter's type and key, and which roles read which folders at startup and at runtime.`;
  const params = estate.parameters.filter((p) => p.stack === stack).sort(byString((p) => p.path));
  const t = new D2Text();

  if (params.length === 0) {
    t.line(`empty: ${q(`Stack ${stack} has no SSM Parameter Store parameters.`)} { class: note; icon: \${icon_ssm} }`);
    return { name: 'parameter_store_hierarchy', title, purpose, d2: compose({ title, direction: 'right', layout: 'dagre' }, t) };
  }

  const l = lookup(estate);
  const plan = planUnits(params);
  const paramUrns = new Set(params.map((p) => p.urn));
  const legendEntries: LegendEntry[] = [];
  const typesPresent = [...new Set(params.map((p) => p.type))].sort((a, b) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
  for (const ty of typesPresent) {
    legendEntries.push({ cls: paramClass(ty) });
  }
  if (plan.aggregated) {
    legendEntries.push({ cls: 'param-aggregate' });
  }

  // Readers and their edges.
  const edges = new Map<string, Edge>();
  const addEdge = (from: string, to: string, label: string, dashed = false): void => {
    const k = `${from}\u0000${to}`;
    const e = edges.get(k) ?? { from, to, labels: new Set<string>(), dashed };
    e.labels.add(label);
    e.dashed = e.dashed || dashed;
    edges.set(k, e);
  };
  const targetOf = (u: Unit): string => `store.${u.id}`;

  interface Reader {
    role: Role;
    prefixes: PrefixGrant[];
    singles: Parameter[];
  }
  const readers: Reader[] = [];
  for (const role of estate.roles) {
    const a = l.accessByRole.get(role.urn);
    if (!a) continue;
    const prefixes = a.parameterPrefixes.filter((g) => params.some((p) => p.path.startsWith(g.prefix)));
    const covered = (p: Parameter): boolean => prefixes.some((g) => p.path.startsWith(g.prefix));
    const singles = a.parameters
      .filter((e) => paramUrns.has(e.resourceUrn))
      .map((e) => params.find((p) => p.urn === e.resourceUrn)!)
      .filter((p) => !covered(p));
    if (prefixes.length || singles.length) readers.push({ role, prefixes, singles });
  }
  readers.sort(byString((r) => `${r.role.stack === stack ? 0 : 1}${r.role.name}`));

  const readerIds = new Ids('r_');
  const aggregateReaders = readers.length > MAX_READERS;
  const usedKeys = new Map<string, { key?: KmsKey; name: string; count: number; decrypters: Set<string> }>();
  for (const p of params) {
    if (p.type !== 'SecureString') continue;
    const k = p.keyUrn ? l.keyByUrn.get(p.keyUrn) : undefined;
    const id = k ? k.urn : `id:${p.keyId ?? 'aws/ssm'}`;
    const cur = usedKeys.get(id) ?? { ...(k ? { key: k } : {}), name: k ? keyName(k) : keyIdName(p.keyId, 'aws/ssm'), count: 0, decrypters: new Set<string>() };
    cur.count++;
    usedKeys.set(id, cur);
  }
  const keyIds = new Ids('k_');
  const keyNode = (id: string): string => {
    const k = usedKeys.get(id)!;
    const external = k.key && k.key.stack !== stack;
    return `${external ? `from_${k.key!.stack.replace(/[^A-Za-z0-9]/g, '_')}` : 'keys'}.${keyIds.id(id, usedKeys.get(id)!.name)}`;
  };

  const readerNode = (r: Reader): string =>
    aggregateReaders ? `readers.${readerIds.id(r.role.trust.kind)}` : `readers.${readerIds.id(r.role.urn, r.role.name)}`;
  for (const r of readers) {
    legendEntries.push({ cls: trustClass(r.role.trust.kind) });
    const from = readerNode(r);
    for (const g of [...r.prefixes].sort(byString((g) => g.prefix))) {
      const conditional = g.conditions.length > 0;
      const unknown = g.certainty === 'unknown';
      if (aggregateReaders || g.prefix.length <= plan.root.length) {
        addEdge(from, 'store', accessLabel(g.byPath, g.prefix.length < plan.root.length ? g.prefix : undefined, conditional, unknown), unknown);
        continue;
      }
      const u = unitFor(plan.units, g.prefix);
      if (u && (u.path === g.prefix || g.prefix.startsWith(u.path))) {
        addEdge(from, targetOf(u), accessLabel(g.byPath, u.path === g.prefix ? undefined : relative(plan.root, g.prefix), conditional, unknown), unknown);
      } else {
        const inside = plan.units.filter((x) => x.path.startsWith(g.prefix));
        for (const x of inside.length <= 6 ? inside : []) addEdge(from, targetOf(x), accessLabel(g.byPath, undefined, conditional, unknown), unknown);
        if (inside.length > 6) addEdge(from, 'store', accessLabel(g.byPath, relative(plan.root, g.prefix), conditional, unknown), unknown);
      }
    }
    const singleUnits = new Map<string, Unit>();
    for (const p of r.singles) {
      const u = unitFor(plan.units, p.path);
      if (u) singleUnits.set(u.id, u);
    }
    for (const u of [...singleUnits.values()].sort(byString((u) => u.path))) addEdge(from, targetOf(u), 'GetParameter (runtime)');
    // Decrypt through SSM on the keys of this view: listed on the key, not drawn as edges
    // (they would cross the tree).
    const a = l.accessByRole.get(r.role.urn)!;
    for (const ka of a.keys) {
      const k = usedKeys.get(ka.resourceUrn);
      if (!k) continue;
      const viaSsm = ka.viaServices.length === 0 || ka.viaServices.some((v) => v.startsWith('ssm.'));
      if (!viaSsm || ka.keyPolicyAllows === false) continue;
      const svc = roleService(estate, l, r.role);
      k.decrypters.add(`${svc ? svc.name : r.role.name}${ka.certainty === 'unknown' ? ' (unknown)' : ''}`);
    }
  }

  if (usedKeys.size) legendEntries.push({ cls: 'key' });

  const typeCounts = countLabel(countBy(params, (p) => p.type), TYPE_ORDER);
  const tierCounts = countLabel(countBy(params, (p) => p.tier), ['Standard', 'Advanced', 'Intelligent-Tiering', 'unknown']);
  const notes = [`${plural(params.length, 'parameter')}: ${typeCounts}`, `tier: ${tierCounts}`];
  if (plan.aggregated) {
    notes.push(
      `folders over ${MAX_LEAVES_PER_FOLDER} parameters, or views over ${MAX_BOXES} boxes, are drawn as one box with counts by type`,
    );
  }


  // Readers.
  if (readers.length) {
    t.block(`readers: ${q('Readers (IAM roles)')}`, (b) => {
      b.line('class: group');
      b.line('icon: ${icon_iam}');
      b.line('direction: down');
      if (aggregateReaders) {
        const byKind = countBy(readers, (r) => r.role.trust.kind);
        for (const [kind, n] of [...byKind].sort(byString(([k]) => k))) {
          b.line(`${readerIds.id(kind)}: ${q(`${n} × ${TRUST_LABEL[kind as Role['trust']['kind']]}`)} { class: ${trustClass(kind as Role['trust']['kind'])} }`);
        }
      } else {
        for (const r of readers) b.line(`${readerIds.id(r.role.urn, r.role.name)}: ${q(roleLabel(estate, l, r.role, stack))} { class: ${trustClass(r.role.trust.kind)} }`);
      }
    });
  }

  // The tree.
  t.block(`store: ${q(plan.root)}`, (b) => {
    b.line('class: group');
    b.line('icon: ${icon_ssm}');
    b.line('style.font-size: 18');
    // Edges into grid cells make D2 drop the left-to-right direction: a grid only when the
    // boxes are aggregated (edges then go to the container) or there are no edges into cells.
    if (plan.units.every((u) => u.aggregated)) {
      b.line(`grid-columns: ${gridColumns(plan.units.length, 6)}`);
      b.line('grid-gap: 24');
    }
    for (const u of plan.units) {
      if (u.aggregated) {
        const counts = countLabel(countBy(u.params, (p) => p.type), TYPE_ORDER);
        const head = u.more ? `+ ${plural(u.folders, 'more folder')}` : `${relative(plan.root, u.path)}`;
        const sub = !u.more && u.folders > 1 ? ` in ${plural(u.folders, 'folder')}` : '';
        b.line(`${u.id}: ${q(`${head}\n${plural(u.params.length, 'parameter')}${sub}\n${counts}`)} { class: param-aggregate }`);
        continue;
      }
      b.block(`${u.id}: ${q(relative(plan.root, u.path))}`, (f) => {
        f.line('class: group');
        f.line(`grid-columns: ${gridColumns(u.params.length, 3)}`);
        f.line('grid-gap: 10');
        const leafIds = new Ids('p_');
        for (const p of u.params) {
          const k = p.type === 'SecureString' ? (p.keyUrn ? l.keyByUrn.get(p.keyUrn) : undefined) : undefined;
          const keyText = p.type === 'SecureString' ? `\nkey: ${clip(k ? keyName(k) : keyIdName(p.keyId, 'aws/ssm'), 34)}` : '';
          const tier = p.tier === 'Advanced' || p.tier === 'Intelligent-Tiering' ? ` · ${p.tier}` : '';
          f.line(`${leafIds.id(p.urn)}: ${q(`${clip(p.leaf, 34)}\n${p.type}${tier}${keyText}`)} { class: ${paramClass(p.type)} }`);
        }
      });
    }
  });

  // Keys, own and from other stacks.
  const keyEntries = [...usedKeys.entries()].sort(byString(([, v]) => `${v.key?.stack ?? ''}\u0000${v.name}`));
  const groups = new Map<string, [string, { key?: KmsKey; name: string; count: number; decrypters: Set<string> }][]>();
  for (const e of keyEntries) {
    const g = e[1].key && e[1].key.stack !== stack ? e[1].key.stack : '';
    groups.set(g, [...(groups.get(g) ?? []), e]);
  }
  for (const [g, list] of [...groups].sort(byString(([g]) => g))) {
    const container = g ? `from_${g.replace(/[^A-Za-z0-9]/g, '_')}` : 'keys';
    t.block(`${container}: ${q(g ? `KMS keys from stack ${g}` : 'KMS keys')}`, (b) => {
      b.line(`class: ${g ? 'external' : 'group'}`);
      b.line('icon: ${icon_kms}');
      b.line('grid-columns: 1');
      for (const [id, v] of list) {
        const k = v.key;
        const facts = k
          ? [k.rotationEnabled === true ? `rotation ${k.rotationPeriodDays ? `every ${k.rotationPeriodDays} d` : 'on'}` : k.rotationEnabled === 'unknown' ? 'rotation unknown' : 'no rotation', k.multiRegion ? 'multi-region' : '']
              .filter(Boolean)
              .join(' · ')
          : 'not in this estate';
        const dec = [...v.decrypters].sort();
        const decLine = dec.length ? `\nkms:Decrypt via ssm: ${listWithMore(dec, 4).join(', ')}` : '';
        b.line(`${keyIds.id(id, usedKeys.get(id)!.name)}: ${q(`${v.name}\n${facts}${decLine}`)} { class: key }`);
      }
    });
  }
  for (const [id, v] of keyEntries) {
    addEdge('store', keyNode(id), `encrypts ${plural(v.count, 'SecureString')}`);
  }

  for (const e of [...edges.values()].sort(byString((e) => `${e.from}\u0000${e.to}`))) {
    const style = e.dashed ? ' { style.stroke-dash: 4 }' : '';
    t.line(`${e.from} -> ${e.to}: ${q([...e.labels].sort().join('\n'))}${style}`);
  }

  const d2 = compose({ title, direction: 'right', layout: 'elk', legend: legendEntries, notes }, t);
  return { name: 'parameter_store_hierarchy', title, purpose, d2 };
}

export function roleLabel(estate: Estate, l: Lookup, role: Role, stack: string): string {
  const svc = roleService(estate, l, role);
  const lines = [clip(role.name, 36)];
  const trust = role.trust;
  if (trust.kind === 'eks-pod' && trust.eks) {
    const { namespace, serviceAccount } = trust.eks;
    lines.push(namespace && namespace === serviceAccount ? `EKS ${namespace}` : `EKS ${[namespace, serviceAccount].filter(Boolean).join('/') || 'pod'}`);
  } else if (trust.kind === 'cross-account' && trust.crossAccount) {
    lines.push(`account ${trust.crossAccount.accountId}${trust.crossAccount.requiresExternalId ? ' + external id' : ''}`);
  } else {
    lines.push(TRUST_LABEL[trust.kind]);
  }
  if (svc) lines.unshift(svc.name);
  if (role.stack !== stack) lines.push(`stack ${role.stack}`);
  return lines.join('\n');
}
