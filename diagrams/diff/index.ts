/**
 * `diff`: the change review of a base and a head estate (./sides.ts), compared per stack
 * (./report.ts), rendered as Markdown (./markdown.ts), JSON (./json.ts) and, per stack whose access
 * changes, the "what changes" diagram (./diagram.ts: D2, SVG, PNG through diagrams/render). To
 * stdout (`--out -`: one text format) or into an output directory through the writer: `diff.md`,
 * `diff.json`, `<stack>/what_changes.{d2,svg,png}`. That directory must not be the docs directory
 * the base is read from, nor hold generated docs (the writer would replace them).
 */

import path from 'node:path';
import { GeneratorError } from '../errors.ts';
import { readManifest, writeOutputs, type OutputFile, type WriteResult } from '../writer/index.ts';
import { whatChangesD2, type DiagramFacts } from './diagram.ts';
import { DIFF_JSON_NAME, diffJson } from './json.ts';
import { DEFAULT_LIMIT, renderMarkdown } from './markdown.ts';
import { DIFF_FORMATS, type DiffFormat } from './options.ts';
import type { DiffComponents } from './pipeline.ts';
import { diffSides, failures as failuresOf, type FailOn } from './report.ts';
import { DEFAULT_BASE_DOCS, isPreviewAlone, loadSides, type DiffSourceOptions, type LoadedSides } from './sides.ts';
import type { DiffReport, EstateDoc } from './types.ts';

export { DIFF_MARKER } from './markdown.ts';
export type { FailOn } from './report.ts';

export { DIFF_FORMATS, type DiffFormat } from './options.ts';
export const DIFF_MD_NAME = 'diff.md';
export const DIAGRAM_NAME = 'what_changes';

export interface DiffOptions {
  readonly sources: DiffSourceOptions;
  /** An output directory, or `-` for stdout. */
  readonly out: string;
  readonly formats: readonly DiffFormat[];
  readonly failOn?: readonly FailOn[];
  /** Where the full report is, named in the Markdown's truncation line. */
  readonly detailsUrl?: string;
  /** The Markdown's hard limit (default 60,000 characters). */
  readonly limit?: number;
  readonly log?: (m: string) => void;
}

export interface DiffResult {
  readonly report: DiffReport;
  /** Why `--fail-on` fails (empty: it does not). */
  readonly failures: readonly string[];
  /** With `--out -`: the text for stdout. */
  readonly stdout?: string;
  /** With an output directory: what the writer did. */
  readonly written?: WriteResult;
}

const isInside = (dir: string, p: string): boolean => {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

/** Refuses an output that would mix with the docs: the base's docs directory, or a directory of generated docs. */
async function checkOut(opts: DiffOptions): Promise<void> {
  const out = path.resolve(opts.out);
  const s = opts.sources;
  const usesDocs = s.baseDocs !== undefined || (s.baseState === undefined && s.basePreview === undefined && s.baseRef === undefined && !isPreviewAlone(s));
  const docs = path.resolve(s.head.cwd ?? process.cwd(), s.baseDocs ?? DEFAULT_BASE_DOCS);
  if (usesDocs && (isInside(docs, out) || isInside(out, docs))) {
    throw new GeneratorError('usage', `the output directory holds the docs the base is read from (${s.baseDocs ?? DEFAULT_BASE_DOCS})`, { subject: `--out ${opts.out}`, expected: 'a directory of its own for the change review, or - for stdout' });
  }
  const manifest = await readManifest(opts.out);
  const foreign = Object.keys(manifest?.files ?? {}).find((f) => !(f === DIFF_MD_NAME || f === DIFF_JSON_NAME || new RegExp(`(^|/)${DIAGRAM_NAME}\\.(d2|svg|png)$`).test(f)));
  if (foreign !== undefined) {
    throw new GeneratorError('usage', `the output directory holds generated docs (its manifest lists ${foreign}), which writing the change review would remove`, { subject: `--out ${opts.out}`, expected: 'a directory of its own for the change review, or - for stdout' });
  }
}

function checkFormats(opts: DiffOptions): void {
  if (opts.formats.length === 0) throw new GeneratorError('usage', 'no output format', { subject: '--format', expected: DIFF_FORMATS.join(', ') });
  if (opts.out !== '-') return;
  const drawn = opts.formats.filter((f) => f === 'svg' || f === 'png' || f === 'd2');
  if (drawn.length > 0 || opts.formats.length > 1) {
    throw new GeneratorError('usage', `stdout takes one text format, not ${opts.formats.join(',')}`, { subject: '--out -', expected: '--format md or --format json for stdout; an output directory (--out <dir>) for several formats or diagrams' });
  }
}

function docsOf(sides: LoadedSides, project: string, stack: string): DiagramFacts {
  const find = (docs: readonly EstateDoc[]) => docs.find((d) => d.project === project && d.stack === stack);
  const base = find(sides.base.docs);
  const head = find(sides.head.docs);
  return { ...(base ? { base } : {}), ...(head ? { head } : {}), others: [...sides.head.docs, ...sides.base.docs] };
}

/** The "what changes" files of every stack whose access changes. */
async function diagramFiles(report: DiffReport, sides: LoadedSides, opts: DiffOptions, c: DiffComponents): Promise<OutputFile[]> {
  const formats = new Set(opts.formats);
  if (!formats.has('svg') && !formats.has('png') && !formats.has('d2')) return [];
  const files: OutputFile[] = [];
  const sources = report.stacks
    .map((s) => ({ s, d2: whatChangesD2(s, docsOf(sides, s.project, s.stack)) }))
    .filter((x): x is { s: (typeof x)['s']; d2: string } => x.d2 !== undefined);
  if (sources.length === 0) return files;
  const svg = formats.has('svg') || formats.has('png') ? await c.startSvg() : undefined;
  const png = formats.has('png') ? await c.launchPng().catch(async (e: unknown) => (await svg?.close(), Promise.reject(e))) : undefined;
  try {
    for (const { s, d2 } of sources) {
      const base = `${s.dir}/${DIAGRAM_NAME}`;
      if (formats.has('d2')) files.push({ path: `${base}.d2`, contents: d2 });
      if (svg === undefined) continue;
      opts.log?.(`rendering ${base}`);
      const text = await svg.render(d2, base);
      if (formats.has('svg')) files.push({ path: `${base}.svg`, contents: text });
      if (png !== undefined) files.push({ path: `${base}.png`, contents: await png.render(text) });
    }
  } finally {
    await Promise.all([svg?.close(), png?.close()]);
  }
  return files;
}

/** Runs the change review; writes only through the writer (or returns the stdout text). */
export async function runDiff(opts: DiffOptions, c: DiffComponents): Promise<DiffResult> {
  checkFormats(opts);
  if (opts.out !== '-') await checkOut(opts);
  const log = opts.log ?? (() => undefined);
  const sides = await loadSides({ ...opts.sources, ...(opts.out !== '-' ? { out: opts.out } : {}) }, c, log);
  const report = diffSides(sides.base, sides.head, sides.preview);
  const failures = failuresOf(report, opts.failOn ?? []);
  const md = () => renderMarkdown(report, { limit: opts.limit ?? DEFAULT_LIMIT, ...(opts.detailsUrl !== undefined ? { detailsUrl: opts.detailsUrl } : {}) });
  if (opts.out === '-') return { report, failures, stdout: opts.formats[0] === 'json' ? diffJson(report, failures) : md() };
  const files: OutputFile[] = [];
  if (opts.formats.includes('md')) files.push({ path: DIFF_MD_NAME, contents: md() });
  if (opts.formats.includes('json')) files.push({ path: DIFF_JSON_NAME, contents: diffJson(report, failures) });
  files.push(...(await diagramFiles(report, sides, opts, c)));
  const written = await writeOutputs(opts.out, files);
  for (const m of written.messages) log(m);
  return { report, failures, written };
}
