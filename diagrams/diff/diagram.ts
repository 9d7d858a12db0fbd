/**
 * The "what changes" diagram of one stack (D2 text): only the principals whose access changes, the
 * parameters (folded to folders as in the report), secrets and keys they gain or lose, and one edge
 * per change: gained in green, lost in red and dashed, with the certainty on the edge when it is not
 * certain. Shapes and colours of principals and resources are those of the four views
 * (diagrams/views/style.ts); the legend is drawn in the diagram, with the two edge colours. Past
 * MAX_PRINCIPALS principals or MAX_RESOURCES resources the rest are counted in a note.
 */

import { byString, clip, D2Text, Ids, plural, q } from '../views/d2text.ts';
import { CLASSES, compose, PRINCIPAL_LABEL, TRUST_LABEL, paramClass, secretClass, trustClass, TYPE, type ClassName } from '../views/style.ts';
import type { ParameterType, SecretCategory, TrustKind } from '../estate/model.ts';
import type { EstateDoc, PrincipalChange, ReadChange, StackDiff } from './types.ts';

export const GAINED_COLOR = '#1E8449';
export const LOST_COLOR = '#C0392B';
const MAX_PRINCIPALS = 25;
const MAX_RESOURCES = 40;
const LABEL_WIDTH = 48;

/**
 * Where the diagram looks up a parameter's type and a secret's category: the stack's documents
 * (head first), and the other documents of both sides for resources of other stacks (by key).
 */
export interface DiagramFacts {
  readonly base?: EstateDoc;
  readonly head?: EstateDoc;
  readonly others?: readonly EstateDoc[];
}

/** Legend texts that differ from the views' meaning of a class. */
const MEANING: Partial<Record<ClassName, string>> = { 'param-aggregate': 'folder: every parameter in it changes alike' };

const TRUSTS: readonly TrustKind[] = ['eks-pod', 'lambda', 'ec2', 'cross-account', 'ci-build', 'service', 'other'];
const PARAM_TYPES: readonly ParameterType[] = ['String', 'StringList', 'SecureString'];
const CATEGORIES: readonly SecretCategory[] = ['database', 'application', 'service', 'other'];

function principalClass(p: PrincipalChange): ClassName {
  if (p.kind === 'role') return trustClass(TRUSTS.includes(p.trust as TrustKind) ? (p.trust as TrustKind) : 'other');
  if (p.kind === 'user' || p.kind === 'group' || p.kind === 'account' || p.kind === 'service' || p.kind === 'any') return `principal-${p.kind}`;
  return 'trust-other';
}

function principalLabel(p: PrincipalChange): string {
  const kind = p.kind === 'role' ? TRUST_LABEL[TRUSTS.includes(p.trust as TrustKind) ? (p.trust as TrustKind) : 'other'] : (PRINCIPAL_LABEL[p.kind as keyof typeof PRINCIPAL_LABEL] ?? p.kind);
  const change = p.change === 'added' ? ' (new)' : p.change === 'removed' ? ' (removed)' : '';
  return `${clip(p.name, LABEL_WIDTH)}\n${kind}${change}`;
}

interface Node {
  readonly id: string;
  readonly group: 'parameters' | 'secrets' | 'keys';
  readonly label: string;
  readonly cls: ClassName;
}

function resourceNode(r: ReadChange, facts: DiagramFacts, ids: Ids): Node {
  const where = r.stack !== undefined ? `\n(in ${r.stack})` : '';
  // A secret read and written is one box.
  const kind = r.kind === 'secret-write' ? 'secret' : r.kind;
  const id = ids.id(`${kind}\u0000${r.stack ?? ''}\u0000${r.name}`, `${kind}_${r.name}`);
  const docs = r.stack === undefined ? [facts.head, facts.base] : (facts.others ?? []).filter((d) => d.key === r.stack);
  const find = <T extends { name: string }>(list: (d: EstateDoc) => readonly T[]) => docs.flatMap((d) => (d ? list(d) : [])).find((x) => x.name === r.name);
  if (r.kind === 'parameter') {
    if (r.count !== undefined) return { id, group: 'parameters', label: `${clip(r.name, LABEL_WIDTH)}\n${plural(r.count, 'parameter')}${where}`, cls: 'param-aggregate' };
    const type = find((d) => d.parameters)?.type;
    return { id, group: 'parameters', label: `${clip(r.name, LABEL_WIDTH)}${where}`, cls: paramClass(PARAM_TYPES.includes(type as ParameterType) ? (type as ParameterType) : 'unknown') };
  }
  if (r.kind === 'key') return { id, group: 'keys', label: `${clip(r.name, LABEL_WIDTH)}${where}`, cls: 'key' };
  const cat = find((d) => d.secrets)?.category;
  return { id, group: 'secrets', label: `${clip(r.name, LABEL_WIDTH)}${where}`, cls: secretClass(CATEGORIES.includes(cat as SecretCategory) ? (cat as SecretCategory) : 'other') };
}

/** What an edge stands for: `read`, `decrypt`, `write`, with the certainty when it is not certain. */
function edgeWord(r: ReadChange): string {
  const what = r.kind === 'key' ? 'decrypt' : r.kind === 'secret-write' ? 'write' : 'read';
  return r.certainty === 'certain' ? what : `${what} (${r.certainty})`;
}

/** A plain certain read needs no label (the colour says gained or lost); anything else says what it is. */
function edgeLabel(words: ReadonlySet<string>): string | undefined {
  const list = [...words].sort();
  return list.length === 1 && list[0] === 'read' ? undefined : list.join(', ');
}

const GROUPS: readonly [Node['group'], string][] = [
  ['parameters', 'Parameters'],
  ['secrets', 'Secrets'],
  ['keys', 'Keys'],
];

function legend(t: D2Text, classes: readonly ClassName[]): void {
  t.block('legend: "Legend"', (b) => {
    b.line('class: legend');
    b.line('grid-columns: 1');
    b.line('grid-gap: 6');
    b.line(`gained: ${q('━━▶ gained by this change')} { shape: text; style.font-size: ${TYPE.cell}; style.bold: true; style.font-color: "${GAINED_COLOR}" }`);
    b.line(`lost: ${q('- - ▶ lost by this change')} { shape: text; style.font-size: ${TYPE.cell}; style.bold: true; style.font-color: "${LOST_COLOR}" }`);
    classes.forEach((c, i) => b.line(`l${i}: ${q(MEANING[c] ?? CLASSES[c].meaning)} { class: ${c}; style.font-size: ${TYPE.small}; style.bold: false; height: 28 }`));
  });
}

/** The diagram's D2 text; undefined when no principal's reads change in the stack. */
export function whatChangesD2(s: StackDiff, facts: DiagramFacts): string | undefined {
  const all = s.access.filter((p) => p.gained.length + p.lost.length > 0);
  if (all.length === 0) return undefined;
  const principals = all.slice(0, MAX_PRINCIPALS);
  const ids = new Ids();
  const nodes = new Map<string, Node>();
  const edges = new Map<string, { from: string; to: string; words: Set<string>; gained: boolean }>();
  let hiddenEdges = 0;
  const t = new D2Text();
  t.block('principals: "Principals whose access changes"', (g) => {
    g.line('class: group');
    g.line('direction: down');
    for (const p of principals) {
      const pid = ids.id(`principal\u0000${p.kind}\u0000${p.stack ?? ''}\u0000${p.name}`, `p_${p.name}`);
      g.line(`${pid}: ${q(principalLabel(p))} { class: ${principalClass(p)} }`);
      for (const [list, gained] of [[p.gained, true], [p.lost, false]] as const) {
        for (const r of list) {
          const n = resourceNode(r, facts, ids);
          if (!nodes.has(n.id) && nodes.size >= MAX_RESOURCES) {
            hiddenEdges++;
            continue;
          }
          nodes.set(n.id, n);
          // One edge per principal, resource and direction (a read and a write of a secret together).
          const k = `${pid}\u0000${n.id}\u0000${gained}`;
          const e = edges.get(k) ?? edges.set(k, { from: `principals.${pid}`, to: `${n.group}.${n.id}`, words: new Set(), gained }).get(k)!;
          e.words.add(edgeWord(r));
        }
      }
    }
  });
  for (const [group, title] of GROUPS) {
    const members = [...nodes.values()].filter((n) => n.group === group).sort(byString((n) => n.label));
    if (members.length === 0) continue;
    t.block(`${group}: ${q(title)}`, (g) => {
      g.line('class: group');
      g.line('direction: down');
      for (const n of members) g.line(`${n.id}: ${q(n.label)} { class: ${n.cls} }`);
    });
  }
  for (const e of edges.values()) {
    const label = edgeLabel(e.words);
    const style = e.gained ? `style.stroke: "${GAINED_COLOR}"; style.stroke-width: 3; style.font-color: "${GAINED_COLOR}"` : `style.stroke: "${LOST_COLOR}"; style.stroke-width: 3; style.stroke-dash: 5; style.font-color: "${LOST_COLOR}"`;
    t.line(`${e.from} -> ${e.to}${label !== undefined ? `: ${q(label)}` : ''} { ${style}${label !== undefined ? '; class: caption' : ''} }`);
  }
  const used = [...new Set([...principals.map(principalClass), ...[...nodes.values()].map((n) => n.cls)])];
  legend(t, used);
  const notes = [
    ...(all.length > principals.length ? [`${plural(all.length - principals.length, 'more principal')} whose access changes (see the report)`] : []),
    ...(hiddenEdges > 0 ? [`${plural(hiddenEdges, 'more change')} of access to resources not drawn (see the report)`] : []),
  ];
  return compose({ title: `What changes in ${s.stack}: who gains and loses access`, direction: 'right', layout: 'elk', pad: 24, ...(notes.length ? { notes } : {}) }, t);
}
