/**
 * Parameter Store structure: counts by type, the tree (aggregated to folders with counts when the
 * whole tree would be longer than a page holds), and the table of every parameter, inline or, past
 * the page limit, in `parameters.csv` beside the page.
 */

import type { Parameter } from '../../estate/model.ts';
import { compareStrings } from '../../util/collections.ts';
import { code, fenceText } from '../escape.ts';
import { attach, AWS_KEY, csv, keyLabel, NO_ATTACHMENT } from '../format.ts';
import { table, type ParametersSection } from '../model.ts';
import type { PageContext } from './context.ts';

interface Node {
  readonly name: string;
  readonly depth: number;
  readonly children: Map<string, Node>;
  leaf?: Parameter;
  /** Parameters at or below this node, by type. */
  readonly counts: Map<string, number>;
  total: number;
}

function newNode(name: string, depth: number): Node {
  return { name, depth, children: new Map(), counts: new Map(), total: 0 };
}

function countsLabel(n: Node): string {
  const order = ['String', 'StringList', 'SecureString', 'unknown'];
  const parts = [...n.counts.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b) || compareStrings(a, b)).map(([t, k]) => `${k} ${t}`);
  return `${n.total} parameter${n.total === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/**
 * The parameters as a text tree (`├──`), with type and, for SecureString, the key. Longer than
 * `maxLines`: folders below the deepest level that fits are collapsed into one line with counts.
 * Iterative: any depth of path.
 */
export function parameterTree(label: (p: Parameter) => string, params: readonly Parameter[], maxLines: number): { text: string; collapsedAt?: number } {
  const root = newNode('/', 0);
  let nodes = 1;
  let maxDepth = 0;
  for (const p of params) {
    let n = root;
    n.total++;
    n.counts.set(p.type, (n.counts.get(p.type) ?? 0) + 1);
    p.segments.forEach((seg, i) => {
      const last = i === p.segments.length - 1;
      const k = last ? seg : `${seg}/`;
      let child = n.children.get(k);
      if (!child) {
        child = newNode(k, i + 1);
        n.children.set(k, child);
        nodes++;
        if (i + 1 > maxDepth) maxDepth = i + 1;
      }
      if (last) child.leaf = p;
      child.total++;
      child.counts.set(p.type, (child.counts.get(p.type) ?? 0) + 1);
      n = child;
    });
  }
  // The deepest level whose lines fit: nodes at depth <= d.
  let collapseAt: number | undefined;
  if (nodes > maxLines) {
    const perDepth = new Array<number>(maxDepth + 1).fill(0);
    const stack: Node[] = [root];
    while (stack.length) {
      const n = stack.pop()!;
      perDepth[n.depth]!++;
      for (const c of n.children.values()) stack.push(c);
    }
    let lines = 0;
    collapseAt = 1;
    for (let d = 0; d <= maxDepth; d++) {
      lines += perDepth[d]!;
      if (lines > maxLines) break;
      collapseAt = Math.max(1, d);
    }
  }
  let widest = 0;
  for (const p of params) widest = Math.max(widest, p.leaf.length + 4 * p.segments.length);
  const width = Math.min(40, widest);
  const out: string[] = ['/'];
  // Depth-first with an explicit stack of (node, prefix, last).
  type Frame = { node: Node; prefix: string; last: boolean };
  const sortedChildren = (n: Node): Node[] => [...n.children.values()].sort((a, b) => compareStrings(a.name, b.name));
  const stack: Frame[] = [];
  const push = (n: Node, prefix: string): void => {
    const kids = sortedChildren(n);
    const shown = kids.length > maxLines ? kids.slice(0, maxLines) : kids;
    if (shown.length < kids.length) stack.push({ node: newNode(`… ${kids.length - shown.length} more`, n.depth + 1), prefix, last: true });
    for (let i = shown.length - 1; i >= 0; i--) stack.push({ node: shown[i]!, prefix, last: i === shown.length - 1 && shown.length === kids.length });
  };
  push(root, '');
  while (stack.length) {
    const { node, prefix, last } = stack.pop()!;
    const head = `${prefix}${last ? '└── ' : '├── '}${fenceText(node.name)}`;
    if (node.leaf) out.push(`${head.padEnd(width)}  # ${fenceText(label(node.leaf))}`);
    else if (collapseAt !== undefined && node.depth >= collapseAt && node.children.size > 0) out.push(`${head.padEnd(width)}  # ${countsLabel(node)}`);
    else {
      out.push(head);
      push(node, prefix + (last ? '    ' : '│   '));
    }
  }
  return { text: out.join('\n'), ...(collapseAt !== undefined ? { collapsedAt: collapseAt } : {}) };
}

/** A fence longer than any backtick run in the text. */
export function fenceFor(text: string): string {
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

export function parametersSection(c: PageContext): ParametersSection {
  const params = c.mine(c.estate.parameters);
  const keyOf = (p: Parameter): string => keyLabel(c.store, p.keyUrn, p.keyId, AWS_KEY.ssm);
  const typeCounts = new Map<string, number>();
  for (const p of params) typeCounts.set(p.type, (typeCounts.get(p.type) ?? 0) + 1);
  const tree = parameterTree((p) => (p.type === 'SecureString' ? `SecureString (${keyOf(p)})` : p.type), params, c.pageRows);
  const inline = params.length <= c.pageRows;
  const rows = params.map((p) => [p.path, p.type, p.tier, p.type === 'SecureString' ? keyOf(p) : '', c.store.environmentOf(p) ?? '']);
  const parametersCsv = inline
    ? NO_ATTACHMENT
    : attach(c.attachments, 'parameters.csv', csv(['path', 'type', 'tier', 'kms_key', 'environment'], rows), `All ${params.length} parameters, with type, tier, key and environment`);
  return {
    hasParameters: params.length > 0,
    parameterSummary: [...typeCounts.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([t, n]) => `${n} ${t}`).join(', '),
    parameterTree: tree.text,
    treeFence: fenceFor(tree.text),
    treeNote: tree.collapsedAt !== undefined ? `Folders below level ${tree.collapsedAt} are shown with their counts; every parameter is in the inventory linked below.` : '',
    hasParameterTable: inline && params.length > 0,
    parameterTable: table(
      ['Path', 'Type', 'Tier', 'KMS key'],
      inline ? params.map((p) => [code(p.path), p.type, p.tier, p.type === 'SecureString' ? code(keyOf(p)) : '']) : [],
    ),
    parametersCsv,
  };
}
