/**
 * The shared visual language: the same colour and shape mean the same thing in every view.
 * Each view declares the D2 classes it uses (from CLASSES), draws a legend of those classes with
 * `legend()`, and a title line with `header()`. Pure text.
 */

import type { FindingStatus } from '../compliance/types.ts';
import type { ParameterType, PrincipalKind, SecretCategory, TrustKind } from '../estate/model.ts';
import { D2Text, q } from './d2text.ts';
import { iconDataUri, iconVar, type IconName } from './icons.ts';

export interface ClassStyle {
  /** What the class means, for the legend. */
  readonly meaning: string;
  /** D2 attributes inside the class body. */
  readonly attrs: readonly string[];
}

/**
 * The type scale: every label of every view is set in one of these faces and sizes (edge labels
 * too: class `caption`). D2 measures text with a glyph atlas per face and size a diagram uses,
 * built again on every render: ~10-15 ms each in the WASM build, next to nothing in the native
 * binary. Keeping to these four (bold 26, bold 16, bold 14, regular 12) took the built-in parameter
 * view from ~300 to ~200 ms a render (the other views 15-25 % less), with native d2 unchanged at
 * ~500 ms (2026-12-01, this machine).
 */
export const TYPE = {
  /** The title line, bold. */
  title: 26,
  /** Containers (a store, a lane, a layer, the legend) and free boxes, bold: D2's size for shapes. */
  heading: 16,
  /** Boxes in a grid or a list (parameters, readers, folders, reads, steps), bold. */
  cell: 14,
  /** Legend samples, notes, captions and edge labels, regular. */
  small: 12,
} as const;

const box = (fill: string, stroke: string, extra: readonly string[] = []): string[] => [
  `style.fill: "${fill}"`,
  `style.stroke: "${stroke}"`,
  'style.border-radius: 4',
  ...extra,
];

/** Every class of every view. Keys are D2 class names. */
export const CLASSES = {
  // Parameter types
  'param-string': { meaning: 'String parameter', attrs: box('#EAF2FB', '#4A7FC1') },
  'param-stringlist': { meaning: 'StringList parameter', attrs: box('#E8F5EC', '#3C8D5A', ['style.multiple: true']) },
  'param-securestring': {
    meaning: 'SecureString parameter (KMS-encrypted)',
    attrs: box('#FDEDEC', '#B03A2E', ['style.stroke-width: 2', 'style.double-border: true']),
  },
  'param-unknown': { meaning: 'parameter of unknown type', attrs: box('#F2F3F4', '#7F8C8D', ['style.stroke-dash: 3']) },
  'param-aggregate': {
    meaning: 'folder drawn aggregated (name and count by type)',
    attrs: box('#F4F6F7', '#566573', ['style.multiple: true', `style.font-size: ${TYPE.cell}`]),
  },
  // Secret categories
  'secret-database': { meaning: 'database secret', attrs: box('#FEF5E7', '#CA6F1E') },
  'secret-application': { meaning: 'application secret', attrs: box('#F4ECF7', '#7D3C98') },
  'secret-service': { meaning: 'service secret', attrs: box('#E8F8F5', '#148F77') },
  'secret-other': { meaning: 'other secret', attrs: box('#F2F3F4', '#7F8C8D') },
  // A role's secret reads, whatever the secrets' categories (the workflow view)
  'secret-read': { meaning: 'secret values it may read (Secrets Manager, any category)', attrs: box('#EBEDEF', '#283747', ['style.stroke-width: 2']) },
  'secret-describe': { meaning: 'secret metadata only (no values)', attrs: box('#FBFCFC', '#85929E', ['style.stroke-dash: 3']) },
  'secret-aggregate': {
    meaning: 'secrets drawn aggregated (prefix and count)',
    attrs: box('#F4F6F7', '#566573', ['style.multiple: true', `style.font-size: ${TYPE.cell}`]),
  },
  // Trust kinds of roles
  'trust-eks-pod': { meaning: 'role: EKS pod (IRSA)', attrs: box('#FDEBD0', '#D35400', ['shape: hexagon']) },
  'trust-lambda': { meaning: 'role: Lambda execution', attrs: box('#FCF3CF', '#B7950B', ['shape: oval']) },
  'trust-ec2': { meaning: 'role: EC2 instance role', attrs: box('#D6EAF8', '#2471A3', ['shape: package']) },
  'trust-cross-account': {
    meaning: 'role: cross-account',
    attrs: box('#EBDEF0', '#6C3483', ['shape: page', 'style.stroke-dash: 4']),
  },
  'trust-ci-build': { meaning: 'role: CI build', attrs: box('#D5F5E3', '#1E8449', ['shape: step']) },
  'trust-service': { meaning: 'role: other AWS service', attrs: box('#EAECEE', '#5D6D7E') },
  'trust-other': { meaning: 'role: other trust', attrs: box('#EAECEE', '#5D6D7E', ['style.stroke-dash: 3']) },
  // Principals other than roles
  'principal-user': { meaning: 'IAM user', attrs: box('#FADBD8', '#922B21', ['shape: person']) },
  'principal-group': { meaning: 'IAM group (what its members get)', attrs: box('#F5EEF8', '#76448A', ['style.multiple: true']) },
  'principal-account': {
    meaning: 'another account (named by a resource or key policy)',
    attrs: box('#FEF9E7', '#7E5109', ['shape: cloud', 'style.stroke-dash: 4']),
  },
  'principal-service': { meaning: 'AWS service principal', attrs: box('#EBF5FB', '#1B4F72', ['shape: circle']) },
  'principal-any': { meaning: 'any AWS principal (*)', attrs: box('#FDEDEC', '#C0392B', ['shape: diamond', 'style.stroke-width: 3']) },
  // Finding status
  'status-met': { meaning: 'control met', attrs: box('#E9F7EF', '#1E8449') },
  'status-not-met': {
    meaning: 'control NOT met',
    attrs: box('#FADBD8', '#C0392B', ['style.stroke-width: 3', 'style.bold: true', 'style.font-color: "#922B21"']),
  },
  'status-not-applicable': {
    meaning: 'control not applicable',
    attrs: box('#F8F9F9', '#AAB7B8', ['style.stroke-dash: 3', 'style.font-color: "#707B7C"']),
  },
  // Reads in the parameter matrix (reader x parameter)
  'read-by-path': {
    meaning: 'may read by path: GetParametersByPath on the folder (a bulk read, e.g. at startup)',
    attrs: box('#1F618D', '#154360', ['style.font-color: "#FFFFFF"', 'style.bold: true', `style.font-size: ${TYPE.cell}`]),
  },
  'read-by-name': {
    meaning: 'may read by name: GetParameter on the parameter',
    attrs: box('#D4E6F1', '#5499C7', [`style.font-size: ${TYPE.cell}`]),
  },
  'read-none': { meaning: 'no read', attrs: ['style.opacity: 0'] },
  folder: { meaning: 'folder (path prefix)', attrs: box('#F2F4F4', '#566573', ['style.bold: true', `style.font-size: ${TYPE.cell}`]) },
  // Building blocks
  // A saturated gold, two px border: the pale yellow of a Lambda function beside it reads as another thing.
  key: { meaning: 'KMS key', attrs: box('#F9E79F', '#7D6608', ['style.stroke-width: 2']) },
  function: { meaning: 'Lambda function', attrs: box('#FCF3CF', '#B7950B') },
  note: { meaning: 'note', attrs: ['shape: text', `style.font-size: ${TYPE.small}`, 'style.font-color: "#4D5656"'] },
  external: {
    meaning: 'from another stack',
    attrs: ['style.fill: "#F8F9F9"', 'style.stroke: "#AAB7B8"', 'style.stroke-dash: 4', 'style.font-color: "#566573"', `style.font-size: ${TYPE.heading}`, 'style.bold: true'],
  },
  legend: {
    meaning: 'legend',
    attrs: ['style.fill: "#FDFEFE"', 'style.stroke: "#B3B6B7"', 'style.border-radius: 4', `style.font-size: ${TYPE.heading}`, 'style.bold: true'],
  },
  // Containers: D2 sizes a container's label by its depth (28, 24, 20 px...) and sets it regular unless told.
  group: { meaning: 'group', attrs: ['style.fill: "#FFFFFF"', 'style.stroke: "#5D6D7E"', 'style.border-radius: 6', `style.font-size: ${TYPE.heading}`, 'style.bold: true'] },
  lane: { meaning: 'lane', attrs: ['style.fill: "#FBFCFC"', 'style.stroke: "#85929E"', 'style.border-radius: 6', `style.font-size: ${TYPE.heading}`, 'style.bold: true'] },
  step: { meaning: 'step', attrs: box('#FFFFFF', '#5D6D7E', [`style.font-size: ${TYPE.cell}`]) },
  warn: { meaning: 'attention', attrs: box('#FDEDEC', '#C0392B', ['style.stroke-width: 2', `style.font-size: ${TYPE.heading}`, 'style.bold: true']) },
  // Edge labels (D2's own: italic 16, a face and size of their own)
  caption: { meaning: 'edge label', attrs: [`style.font-size: ${TYPE.small}`, 'style.italic: false'] },
} as const satisfies Record<string, ClassStyle>;

export type ClassName = keyof typeof CLASSES;

export function paramClass(t: ParameterType): ClassName {
  switch (t) {
    case 'String':
      return 'param-string';
    case 'StringList':
      return 'param-stringlist';
    case 'SecureString':
      return 'param-securestring';
    default:
      return 'param-unknown';
  }
}

export function secretClass(c: SecretCategory): ClassName {
  return `secret-${c}`;
}

export function trustClass(k: TrustKind): ClassName {
  return `trust-${k}`;
}

export function statusClass(s: FindingStatus): ClassName {
  return `status-${s}`;
}

export const TRUST_LABEL: Readonly<Record<TrustKind, string>> = {
  'eks-pod': 'EKS pod role',
  lambda: 'Lambda role',
  ec2: 'EC2 instance role',
  'cross-account': 'cross-account role',
  'ci-build': 'CI build role',
  service: 'AWS service role',
  other: 'role',
};

export const PRINCIPAL_LABEL: Readonly<Record<PrincipalKind, string>> = {
  role: 'role',
  user: 'IAM user',
  group: 'IAM group',
  account: 'another account',
  service: 'AWS service',
  any: 'any AWS principal',
};

export const SECRET_CATEGORY_LABEL: Readonly<Record<SecretCategory, string>> = {
  database: 'Database secrets',
  application: 'Application secrets',
  service: 'Service secrets',
  other: 'Other secrets',
};

export const TITLE_FONT_SIZE = TYPE.title;

export interface LegendEntry {
  readonly cls: ClassName;
  /** Overrides the class's default meaning. */
  readonly text?: string;
}

export interface LegendEdge {
  readonly text: string;
  readonly dashed?: boolean;
}

export interface ComposeOptions {
  readonly title: string;
  /** Lines under the diagram: counts, what was aggregated. */
  readonly notes?: readonly string[];
  readonly direction: 'right' | 'down';
  /** Space around the diagram, in px (default 30). */
  readonly pad?: number;
  readonly layout: 'dagre' | 'elk';
  /** Legend rows (one sample per class, in this order, duplicates dropped). */
  readonly legend?: readonly LegendEntry[];
  readonly legendEdges?: readonly LegendEdge[];
  /** Colour of the title (e.g. red when controls fail). */
  readonly titleColor?: string;
}

/** Wraps text at spaces to lines of at most `width` characters (longer words stay whole). */
export function wrap(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      const out: string[] = [];
      for (const w of line.split(' ')) {
        const last = out[out.length - 1];
        if (last !== undefined && last.length + 1 + w.length <= width) out[out.length - 1] = `${last} ${w}`;
        else out.push(w);
      }
      return out.join('\n');
    })
    .join('\n');
}

/** Shapes that turn into blobs when stretched to a legend's width and 28 px of height. */
const STRETCH_BADLY: ReadonlySet<string> = new Set(['person', 'cloud', 'circle', 'diamond']);

export interface LegendBlockOptions {
  readonly legend?: readonly LegendEntry[];
  readonly legendEdges?: readonly LegendEdge[];
  /** Counts and what was aggregated, under the samples. */
  readonly notes?: readonly string[];
  /** Samples per row (default 1). */
  readonly columns?: number;
  /** Characters per line of the notes (default 44). */
  readonly noteWidth?: number;
}

/**
 * A legend drawn as an ordinary container (`<id>: "Legend"`), so that the view places it in its
 * layout (D2's own d2-legend sits outside the diagram and widens the canvas). One small sample
 * box per class, samples of edges as text, then the notes.
 */
export function legendBlock(t: D2Text, id: string, opts: LegendBlockOptions): void {
  const seen = new Set<ClassName>();
  const entries = (opts.legend ?? []).filter((e) => (seen.has(e.cls) ? false : (seen.add(e.cls), true)));
  const edges = opts.legendEdges ?? [];
  const notes = opts.notes ?? [];
  if (!entries.length && !edges.length && !notes.length) return;
  t.block(`${id}: "Legend"`, (b) => {
    b.line('class: legend');
    b.line(`grid-columns: ${Math.max(1, opts.columns ?? 1)}`);
    b.line('grid-gap: 6');
    entries.forEach((e, i) => {
      // A legend sample is as wide as the legend: a person, cloud, circle or diamond stretched so
      // far is a blob. Those are drawn as boxes in their colours, the text naming the shape.
      const shape = /^shape: (\w+)$/.exec(CLASSES[e.cls].attrs.find((a) => a.startsWith('shape: ')) ?? '')?.[1];
      const flat = shape !== undefined && STRETCH_BADLY.has(shape);
      const text = `${e.text ?? CLASSES[e.cls].meaning}${flat ? ` (drawn as a ${shape})` : ''}`;
      b.line(`l${i}: ${q(text)} { class: ${e.cls};${flat ? ' shape: rectangle;' : ''} style.font-size: ${TYPE.small}; style.bold: false; height: 28 }`);
    });
    edges.forEach((e, i) => {
      b.line(`e${i}: ${q(`${e.dashed ? '- - ->' : '——>'} ${e.text}`)} { shape: text; style.font-size: ${TYPE.small} }`);
    });
    if (notes.length) {
      // A blank line between notes: wrapped to a narrow column, one note's second line would read as the next note.
      b.line(`notes: ${q(notes.map((n) => wrap(n, opts.noteWidth ?? 44)).join('\n\n'))} { shape: text; style.font-size: ${TYPE.small}; style.font-color: "#4D5656" }`);
    }
  });
}

/**
 * Puts a view together: layout engine, the icons and classes the body uses (found in the body,
 * so nothing unused is emitted), the legend (D2's own `d2-legend`), the title line, the body and
 * the notes. Pure text.
 */
export function compose(opts: ComposeOptions, body: D2Text): string {
  const text = body.toString();
  const usedIcons = new Set<IconName>();
  for (const m of text.matchAll(/\$\{icon_([a-z0-9]+)\}/g)) usedIcons.add(m[1] as IconName);
  const usedClasses = new Set<ClassName>();
  for (const m of text.matchAll(/\bclass: ([a-z0-9-]+)/g)) {
    if (m[1]! in CLASSES) usedClasses.add(m[1] as ClassName);
  }
  const t = new D2Text();
  const seen = new Set<ClassName>();
  const entries = (opts.legend ?? []).filter((e) => (seen.has(e.cls) ? false : (seen.add(e.cls), true)));
  t.block('vars', (v) => {
    v.block('d2-config', (c) => {
      c.line(`layout-engine: ${opts.layout}`);
      c.line('theme-id: 0');
      c.line(`pad: ${opts.pad ?? 30}`);
    });
    for (const i of [...usedIcons].sort()) v.line(`${iconVar(i)}: ${q(iconDataUri(i))}`);
    if (entries.length || opts.legendEdges?.length) {
      v.block('d2-legend', (l) => {
        entries.forEach((e, i) => {
          l.line(`l${i}: ${q(e.text ?? CLASSES[e.cls].meaning)} { ${legendAttrs(e.cls)} }`);
        });
        (opts.legendEdges ?? []).forEach((e, i) => {
          l.line(`la${i} -> lb${i}: ${q(e.text)}${e.dashed ? ' { style.stroke-dash: 4 }' : ''}`);
        });
      });
    }
  });
  t.line(`direction: ${opts.direction}`);
  if (usedClasses.size) {
    t.block('classes', (c) => {
      for (const name of [...usedClasses].sort()) {
        c.block(name, (b) => {
          for (const a of CLASSES[name].attrs) b.line(a);
        });
      }
    });
  }
  t.block(`title: ${q(opts.title)}`, (b) => {
    b.line('shape: text');
    b.line('near: top-center');
    b.line(`style.font-size: ${TITLE_FONT_SIZE}`);
    b.line('style.bold: true');
    if (opts.titleColor) b.line(`style.font-color: "${opts.titleColor}"`);
  });
  if (opts.notes?.length) {
    t.block(`notes: ${q(opts.notes.join('\n'))}`, (b) => {
      b.line('shape: text');
      b.line('near: bottom-left');
      b.line(`style.font-size: ${TYPE.small}`);
      b.line('style.font-color: "#4D5656"');
    });
  }
  return t.toString() + text;
}

/** A class's attributes on one line, for a legend sample (font-size and text shape left out). */
function legendAttrs(cls: ClassName): string {
  return CLASSES[cls].attrs.filter((a) => !/^style\.font-size|^style\.bold|^shape: text/.test(a)).join('; ');
}
