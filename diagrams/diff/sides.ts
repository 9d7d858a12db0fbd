/**
 * The two sides of a change review, as estate.json documents per stack.
 *
 * Head: the source flags, as for `generate` (default: the program in the current directory, under
 * mocks). Base, exactly one of:
 *   - `--base-docs <dir>` (the default, `docs/architecture`): the estate.json files committed there;
 *   - `--base-state <file>` (repeatable) or `--base-preview <file>` (repeatable): read as the source
 *     flags read them;
 *   - `--base-ref <ref>`: the program at that commit, run from a temporary git worktree.
 * A preview given alone (`--preview <file>`, no base flag) is both sides: each step's old state is
 * the base, its new state the head, and the steps are kept.
 * `--stack` selects stacks on both sides. Every side that is not read from files goes through the
 * same in-memory pipeline (./pipeline.ts).
 */

import { realpath as realpathAsync } from 'node:fs/promises';
import path from 'node:path';
import { GeneratorError } from '../errors.ts';
import type { ResourceGraph } from '../graph/types.ts';
import type { SourceOptions } from '../sources/index.ts';
import { readDocsDir } from './document.ts';
import { withRefCheckout } from './git.ts';
import { documentsOfGraphs, type DiffComponents } from './pipeline.ts';
import type { EstateDoc, PreviewChange, Side } from './types.ts';

const realpath = (p: string): Promise<string> => realpathAsync(p).catch(() => p);

export const DEFAULT_BASE_DOCS = path.join('docs', 'architecture');

export interface DiffSourceOptions {
  /** The head's source flags (stacks, cwd, cacheDir included). */
  readonly head: SourceOptions;
  readonly baseDocs?: string;
  readonly baseState?: readonly string[];
  readonly basePreview?: readonly string[];
  readonly baseRef?: string;
  /** The output directory (a temporary worktree must not be inside it). */
  readonly out?: string;
}

export interface LoadedSides {
  readonly base: Side;
  readonly head: Side;
  /** The preview's steps when a preview is compared alone; else empty. */
  readonly preview: readonly PreviewChange[];
}

function baseFlags(o: DiffSourceOptions): string[] {
  const given: string[] = [];
  if (o.baseDocs !== undefined) given.push('--base-docs');
  if ((o.baseState?.length ?? 0) > 0) given.push('--base-state');
  if ((o.basePreview?.length ?? 0) > 0) given.push('--base-preview');
  if (o.baseRef !== undefined) given.push('--base-ref');
  return given;
}

function headKinds(h: SourceOptions): string[] {
  return [
    ...((h.state?.length ?? 0) > 0 ? ['--state'] : []),
    ...(h.backend !== undefined ? ['--backend'] : []),
    ...((h.preview?.length ?? 0) > 0 ? ['--preview'] : []),
    ...(h.program !== undefined ? ['--program'] : []),
    ...(h.live === true ? ['--live'] : []),
  ];
}

/** How a source is named in the report. */
export function describeSource(h: SourceOptions): string {
  if ((h.state?.length ?? 0) > 0) return `--state ${h.state!.join(', ')}`;
  if (h.backend !== undefined) return `--backend ${h.backend}`;
  if ((h.preview?.length ?? 0) > 0) return `the planned state of --preview ${h.preview!.join(', ')}`;
  if (h.live === true) return 'the live stacks (--live)';
  return `the program in ${h.program ?? '.'}`;
}

function selected(docs: readonly EstateDoc[], stacks: readonly string[] | undefined): EstateDoc[] {
  if (stacks === undefined || stacks.length === 0) return [...docs];
  return docs.filter((d) => stacks.includes(d.stack) || stacks.includes(`${d.project}/${d.stack}`));
}

function uniqueStacks(graphs: readonly ResourceGraph[], flag: string): void {
  const seen = new Set<string>();
  for (const g of graphs) {
    const k = `${g.stack.project}/${g.stack.stack}`;
    if (seen.has(k)) throw new GeneratorError('usage', `stack ${k} is given twice`, { subject: flag, expected: 'each stack once' });
    seen.add(k);
  }
}

async function previewAlone(o: DiffSourceOptions, c: DiffComponents): Promise<LoadedSides> {
  const { readPreviewSides } = await import('../sources/preview-steps.ts');
  const base: ResourceGraph[] = [];
  const head: ResourceGraph[] = [];
  const steps: PreviewChange[] = [];
  for (const f of o.head.preview!) {
    const s = await readPreviewSides(f, { cwd: o.head.cwd ?? process.cwd() });
    base.push(...s.base);
    head.push(...s.head);
    steps.push(...s.steps);
  }
  uniqueStacks(head, '--preview');
  uniqueStacks(base, '--preview');
  const files = o.head.preview!.join(', ');
  return {
    base: { label: `the old state of each step of ${files}`, docs: selected(documentsOfGraphs(base, c, 'base'), o.head.stacks) },
    head: { label: `the new state of each step of ${files}`, docs: selected(documentsOfGraphs(head, c, 'head'), o.head.stacks) },
    preview: steps,
  };
}

/**
 * The base side. `--stack` selects among the base's stacks after loading: a stack the head adds is
 * not in the base, and that is no error.
 */
async function loadBase(o: DiffSourceOptions, c: DiffComponents): Promise<Side> {
  const cwd = o.head.cwd ?? process.cwd();
  const stacks = o.head.stacks;
  if ((o.baseState?.length ?? 0) > 0) {
    const graphs = await c.loadGraphs({ state: [...o.baseState!], cwd });
    return { label: `--base-state ${o.baseState!.join(', ')}`, docs: selected(documentsOfGraphs(graphs, c, 'base'), stacks) };
  }
  if ((o.basePreview?.length ?? 0) > 0) {
    const graphs = await c.loadGraphs({ preview: [...o.basePreview!], cwd });
    return { label: `the planned state of --base-preview ${o.basePreview!.join(', ')}`, docs: selected(documentsOfGraphs(graphs, c, 'base'), stacks) };
  }
  if (o.baseRef !== undefined) {
    const ref = o.baseRef;
    // The repository is the one that holds the program.
    const programDir = path.resolve(cwd, o.head.program ?? '.');
    return withRefCheckout(ref, programDir, o.out, async (co) => {
      const program = path.relative(await realpath(co.top), await realpath(programDir));
      if (program.startsWith('..') || path.isAbsolute(program)) {
        throw new GeneratorError('usage', `the program directory is outside the repository at ${co.top}`, { subject: `--base-ref ${ref}`, expected: 'a --program inside the git repository' });
      }
      const graphs = await c.loadGraphs({ program: path.join(co.root, program), cwd });
      return { label: `the program at ${ref} (${co.sha.slice(0, 12)})`, docs: selected(documentsOfGraphs(graphs, c, 'base'), stacks) };
    });
  }
  const dir = o.baseDocs ?? DEFAULT_BASE_DOCS;
  return { label: `the estate.json files in ${dir}`, docs: selected(await readDocsDir(path.resolve(cwd, dir), dir), stacks) };
}

/** Whether the sources are a preview alone (its old states the base, its new states the head). */
export function isPreviewAlone(o: DiffSourceOptions): boolean {
  const kinds = headKinds(o.head);
  return baseFlags(o).length === 0 && kinds.length === 1 && kinds[0] === '--preview';
}

/** Loads both sides (the head first, so a broken head fails before a git checkout). */
export async function loadSides(o: DiffSourceOptions, c: DiffComponents, log: (m: string) => void = () => undefined): Promise<LoadedSides> {
  const bases = baseFlags(o);
  if (bases.length > 1) {
    throw new GeneratorError('usage', `conflicting bases: ${bases.join(' and ')}`, { subject: bases.join(' '), expected: 'at most one of --base-docs, --base-state, --base-preview or --base-ref' });
  }
  if (isPreviewAlone(o)) {
    log('reading the preview (base: old states, head: new states)');
    return previewAlone(o, c);
  }
  log(`loading the head (${describeSource(o.head)})`);
  const head: Side = { label: describeSource(o.head), docs: documentsOfGraphs(await c.loadGraphs(o.head), c, 'head') };
  log('loading the base');
  const base = await loadBase(o, c);
  return { base, head, preview: [] };
}
