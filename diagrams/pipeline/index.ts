/**
 * The pipeline: sources -> ResourceGraph[] -> Estate -> findings and cost per stack -> views (D2)
 * -> SVG -> PNG; the Markdown pages and CSV inventories; estate.json; the index -> a list of output
 * files -> the writer (write, or check).
 *
 * Every stage is a component (./components.ts), so tests can run the whole pipeline with
 * stand-ins. Heavy modules (the Pulumi SDK inside the sources, D2, puppeteer) are imported only when
 * the run needs them: D2 and the browser start on the first render that neither the render cache nor
 * the previous output can answer, or, on a cold run that runs the program, while it runs.
 */

import path from 'node:path';
import { cacheKey, RenderCache } from '../cache/index.ts';
import type { CostEstimate, Finding, FindingVerdict } from '../compliance/types.ts';
import type { Templates } from '../docs/markdown.ts';
import { buildIndex, buildPageModelPausing, indexStack, type IndexModel, type IndexStack, type PageModel } from '../docs/viewmodel.ts';
import type { Estate } from '../estate/model.ts';
import { Store } from '../estate/store.ts';
import { collectGarbage, LEAN_RESOURCES } from '../util/memory.ts';
import { GeneratorError } from '../errors.ts';
import { ESTATE_JSON_NAME, estateJson, estateJsonBytes } from '../json/estate-json.ts';
import { RenderSchedule } from '../render/schedule.ts';
import type { SourceOptions } from '../sources/index.ts';
import { DIAGRAMS, type View } from '../views/types.ts';
import { checkOutputs, readManifest, readOutputFile, sha256, writeOutputs, type ExtraFile, type Manifest, type OutputFile, type Problem, type WriteResult } from '../writer/index.ts';
import { PNG_WIDEN_AT, type Components, type PngRendererLike, type SvgRendererLike } from './components.ts';
import { templatesIdentity } from './identity.ts';
import { lookupRun, memoKey, recordRun } from './memo.ts';
import { projectPages, stackDirs } from './paths.ts';

export { productionComponents, PNG_SOURCE_KEY, type Components } from './components.ts';

import { FORMATS, type Format } from './formats.ts';
export { DEFAULT_FORMATS, FORMATS, type Format } from './formats.ts';

/** Rendered (and thrown away) while the program runs on a cold run: the first real layout is then faster. */
export const WARM_UP_D2 = 'vars: { d2-config: { layout-engine: elk } }\na: warm { b: up }\nc: {shape: cylinder}\na.b -> c: x\n';

const WARM_UP_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect x="1" y="1" width="118" height="38" fill="#eef" stroke="#000"/><text x="10" y="25" font-family="sans-serif" font-size="14">warm-up</text></svg>';

export interface PipelineOptions {
  readonly source: SourceOptions;
  /** Output directory, as the user gave it. */
  readonly out: string;
  readonly formats: readonly Format[];
  readonly templates?: string;
  /** A hand-written Markdown file whose marked section receives the index. */
  readonly inject?: string;
  /** Render cache directory (also holds the program source's graph cache); undefined disables the cache. */
  readonly cacheDir?: string;
  /** Progress messages (stderr in the CLI). */
  readonly log?: (msg: string) => void;
}

export interface Rendered {
  /** Empty when the run memo found the previous run's outputs as they were (nothing was rendered). */
  readonly files: readonly OutputFile[];
  readonly extra: readonly ExtraFile[];
  /** Stack keys, sorted. */
  readonly stacks: readonly string[];
  /** Findings per stack key (when the run memo answered, only what `--fail-on` reads of each). */
  readonly findings: Readonly<Record<string, readonly FindingVerdict[]>>;
  readonly stats: { svgRendered: number; pngRendered: number; reused: number };
}

/**
 * Reads a previously generated file when the manifest says it came from `source` and is unmodified
 * (never through a symbolic link below the output directory).
 */
async function reusable(outDir: string, manifest: Manifest | undefined, rel: string, source: string): Promise<Buffer | undefined> {
  const entry = manifest?.files[rel];
  if (!entry || entry.source !== source) return undefined;
  const bytes = await readOutputFile(outDir, rel);
  return bytes !== undefined && sha256(bytes) === entry.sha256 ? bytes : undefined;
}

/** Markdown rendering through the cache: Handlebars is loaded and templates compiled only on a miss. */
export async function markdownRenderer(opts: Pick<PipelineOptions, 'templates'>, cache: RenderCache, wanted: boolean): Promise<MarkdownRenderer> {
  let templates: Templates | undefined;
  const load = async (): Promise<Templates> => (await import('../docs/markdown.ts')).loadTemplates(opts.templates);
  const tplId = wanted ? await templatesIdentity(opts.templates) : '';
  // Templates first: a broken template fails before any slow work. Templates the cache records as
  // compiled before are loaded (with Handlebars) only when a page is not cached.
  const compiledMarker = cacheKey('templates compiled', tplId);
  if (wanted && (await cache.get('md', compiledMarker)) === undefined) {
    templates = await load();
    await cache.put('md', compiledMarker, Buffer.from('ok'));
  }
  return async (kind, model) => {
    const key = cacheKey('markdown', kind, tplId, JSON.stringify(model));
    const hit = await cache.get('md', key);
    if (hit !== undefined) return hit.toString('utf8');
    templates ??= await load();
    const text = kind === 'page' ? templates.renderPage(model as PageModel) : templates.renderIndex(model as IndexModel);
    await cache.put('md', key, Buffer.from(text, 'utf8'));
    return text;
  };
}

/** The `--inject` file's text, its markers validated before any slow work. */
async function readInject(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  const { promises: fs } = await import('node:fs');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new GeneratorError('input', `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
      subject: `--inject ${file}`,
      expected: 'an existing Markdown file with the BEGIN_ARCHITECTURE_DOCS and END_ARCHITECTURE_DOCS markers',
    });
  }
  const { injectSection } = await import('../docs/markdown.ts');
  injectSection(text, '', file);
  return text;
}

interface Renderers {
  svg(): Promise<SvgRendererLike>;
  png(): Promise<PngRendererLike>;
  /** Closes D2 (once; later calls return the same promise). */
  closeSvg(): Promise<void>;
  close(): Promise<void>;
  /** Set once the estate is known to be large (see `Lean`), before the first render. */
  lean: Lean | undefined;
}

/**
 * Renderers started once, on first need; every one started is closed on every path. Once D2 is
 * closed, a run that is not lean widens the browser when many PNGs still wait (PNG_WIDEN_AT).
 */
function renderers(c: Components, log: (m: string) => void): Renderers {
  let svg: Promise<SvgRendererLike> | undefined;
  let png: Promise<PngRendererLike> | undefined;
  let svgClosed: Promise<void> | undefined;
  const widen = async (): Promise<void> => {
    const p = await png?.catch(() => undefined);
    if (p?.widen === undefined || (p.queued ?? 0) < PNG_WIDEN_AT) return;
    const waiting = p.queued ?? 0;
    if (await p.widen(PNG_WIDEN_AT)) log(`D2 done: a second browser for the ${waiting} PNGs still waiting`);
  };
  const r: Renderers = {
    lean: undefined,
    svg: () => (svg ??= c.startSvg(r.lean?.oneStack ? { workers: 1 } : {})),
    png: () => (png ??= c.launchPng()),
    // D2's workers hold their WebAssembly memory (hundreds of MB after a large layout) until closed;
    // in a lean run the compiled module and the heap's garbage go with them, before the PNGs.
    closeSvg: () =>
      (svgClosed ??= (svg?.then((x) => x.close(), () => undefined) ?? Promise.resolve()).then(() => {
        if (r.lean) collectGarbage();
        else void widen().catch(() => undefined);
      })),
    close: async () => {
      await Promise.all([svgClosed ?? svg?.then((x) => x.close(), () => undefined), png?.then((x) => x.close(), () => undefined)]);
    },
  };
  return r;
}

interface ViewRenderContext {
  readonly opts: PipelineOptions;
  readonly c: Components;
  readonly mode: 'generate' | 'check';
  readonly formats: ReadonlySet<Format>;
  readonly cache: RenderCache;
  readonly manifest: Manifest | undefined;
  readonly schedule: RenderSchedule;
  readonly svgId: string;
  readonly pngId: string;
  readonly pngSettings: string | undefined;
  readonly stats: { svgRendered: number; pngRendered: number; reused: number };
}

/** The D2, SVG and PNG files of one view (none when the view has nothing to draw). */
async function renderView(x: ViewRenderContext, dir: string, view: View, decide: () => void): Promise<OutputFile[]> {
  const { opts, c, mode, formats, cache, manifest, schedule, stats } = x;
  const out: OutputFile[] = [];
  if (view.d2 === undefined) {
    decide();
    return out;
  }
  const base = `${dir}/${view.name}`;
  if (formats.has('d2')) out.push({ path: `${base}.d2`, contents: view.d2 });
  if (!formats.has('svg') && !formats.has('png')) {
    decide();
    return out;
  }
  const svgSource = cacheKey(view.d2, x.svgId);
  let svgBytes = await cache.get('svg', svgSource);
  const svgCached = svgBytes !== undefined;
  svgBytes ??= await reusable(opts.out, manifest, `${base}.svg`, svgSource);
  if (svgBytes === undefined && mode === 'check') {
    // A file that is not on disk is reported missing whatever it would hold: no D2 for it.
    const outputs = [formats.has('svg') ? `${base}.svg` : undefined, formats.has('png') ? `${base}.png` : undefined].filter((p): p is string => p !== undefined);
    const onDisk = await Promise.all(outputs.map((p) => readOutputFile(opts.out, p).catch(() => undefined)));
    if (onDisk.every((b) => b === undefined)) {
      decide();
      for (const p of outputs) out.push({ path: p, sourceHash: p.endsWith('.svg') ? svgSource : 'not rendered: missing' });
      return out;
    }
  }
  if (svgBytes === undefined) {
    svgBytes = Buffer.from(await schedule.renderSvg(view.d2, base, decide), 'utf8');
    stats.svgRendered++;
  } else {
    decide();
    stats.reused++;
  }
  // Rewriting an entry just read back costs a write per diagram on every warm run.
  if (!svgCached) await cache.put('svg', svgSource, svgBytes);
  const svg = svgBytes.toString('utf8');
  if (formats.has('svg')) out.push({ path: `${base}.svg`, contents: svg, sourceHash: svgSource });
  if (!formats.has('png')) return out;
  const svgHash = sha256(svgBytes);
  const pngSource = x.pngSettings === undefined ? svgHash : cacheKey('png', svgHash, x.pngSettings);
  if (mode === 'check') {
    out.push({ path: `${base}.png`, sourceHash: pngSource });
    return out;
  }
  const pngKey = cacheKey(svgHash, x.pngId);
  let png = await cache.get('png', pngKey);
  const pngCached = png !== undefined;
  png ??= await reusable(opts.out, manifest, `${base}.png`, pngSource);
  if (png === undefined) {
    png = await schedule.renderPng(svg, base);
    png = c.tagPng ? c.tagPng(png, svgHash) : png;
    stats.pngRendered++;
  } else stats.reused++;
  if (!pngCached) await cache.put('png', pngKey, png);
  out.push({ path: `${base}.png`, contents: png, sourceHash: pngSource });
  return out;
}

/** The formats of a run; refuses none, and `--inject` without the pages its links point to. */
function runFormats(opts: PipelineOptions): Set<Format> {
  const formats = new Set(opts.formats);
  if (formats.size === 0) throw new GeneratorError('usage', 'no output format selected', { subject: '--format', expected: FORMATS.join(', ') });
  if (opts.inject !== undefined && !formats.has('md')) {
    // The filled section links to the stack pages: without them every link would be dead.
    throw new GeneratorError('usage', 'the section it receives links to the stack pages, which the formats leave out', {
      subject: `--inject ${opts.inject}`,
      expected: `md among the formats (given: ${[...formats].join(', ')})`,
    });
  }
  return formats;
}

/** On a cold run that runs the program, starts (and warms up) the renderers while it runs. */
async function startWhileProgramRuns(c: Components, source: SourceOptions, formats: ReadonlySet<Format>, r: Renderers, log: (m: string) => void): Promise<void> {
  if (!(formats.has('svg') || formats.has('png')) || c.willRunProgram === undefined || !(await c.willRunProgram(source))) return;
  // A failure to start is reported when a render needs the renderer (as when started lazily).
  log(`starting D2${formats.has('png') ? ' and the browser' : ''} while the program runs`);
  r.svg().then((x) => x.render(WARM_UP_D2, 'warm-up')).catch(() => undefined);
  if (formats.has('png')) r.png().then((x) => x.render(WARM_UP_SVG)).catch(() => undefined);
}

export type MarkdownRenderer = (kind: 'page' | 'index', model: PageModel | IndexModel) => Promise<string>;

interface StackInput {
  readonly c: Components;
  readonly estate: Estate;
  readonly store: Store;
  readonly formats: ReadonlySet<Format>;
  readonly renderMarkdown: MarkdownRenderer;
  /** `check` compares estate.json as text (a diff when it differs); a run writes its bytes. */
  readonly mode: 'generate' | 'check';
}

/** Lets the event loop run (render results waiting to be handed on) between long steps of the page work. */
const pause = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** estate.json of one stack, when asked for. */
function stackJson(x: StackInput, stack: string, dir: string, views: readonly View[], findings: readonly Finding[], cost: CostEstimate): OutputFile[] {
  if (!x.formats.has('json')) return [];
  const json = { store: x.store, stack, findings, cost, views };
  return [{ path: `${dir}/${ESTATE_JSON_NAME}`, contents: x.mode === 'check' ? estateJson(json) : estateJsonBytes(json) }];
}

/** The page, its inventories and (unless `withJson` is false) estate.json of one stack (no render needed), and its index entry. */
async function stackFiles(x: StackInput, stack: string, dir: string, views: readonly View[], findings: readonly Finding[], withJson: boolean): Promise<{ files: OutputFile[]; index: IndexStack; cost: CostEstimate }> {
  const { c, estate, store, formats } = x;
  const files: OutputFile[] = [];
  const cost = c.estimateCost(estate, stack);
  if (formats.has('md')) {
    const page = await buildPageModelPausing({ estate, stack, views, findings, cost, formats: { svg: formats.has('svg'), png: formats.has('png'), d2: formats.has('d2') } }, pause);
    await pause();
    files.push({ path: `${dir}/README.md`, contents: await x.renderMarkdown('page', page.model) });
    for (const a of page.attachments) files.push({ path: `${dir}/${a.name}`, contents: a.contents });
  }
  await pause();
  if (withJson) files.push(...stackJson(x, stack, dir, views, findings, cost));
  return { files, index: indexStack(store, stack, findings, views, formats.has('md') ? `${dir}/README.md` : undefined, cost), cost };
}

/** The index page, the projects' pages (past a few projects) and their attachments. */
export async function indexPages(stacks: readonly IndexStack[], renderMarkdown: MarkdownRenderer): Promise<OutputFile[]> {
  const index = buildIndex({ stacks, projectPages: projectPages(stacks.map((s) => s.project)) });
  const files: OutputFile[] = [{ path: 'README.md', contents: await renderMarkdown('index', index.model) }];
  for (const a of index.attachments) files.push({ path: a.name, contents: a.contents });
  for (const p of index.projects) {
    files.push({ path: p.path, contents: await renderMarkdown('index', p.model) });
    for (const a of p.attachments) files.push({ path: a.name, contents: a.contents });
  }
  return files;
}

/** The index files, and the `--inject` file with its section filled. */
async function indexFiles(opts: PipelineOptions, x: Pick<StackInput, 'formats' | 'renderMarkdown'>, stacks: readonly IndexStack[], injectOriginal: string | undefined): Promise<{ files: OutputFile[]; extra: ExtraFile[] }> {
  const extra: ExtraFile[] = [];
  if (!x.formats.has('md')) return { files: [], extra };
  const files = await indexPages(stacks, x.renderMarkdown);
  if (opts.inject !== undefined && injectOriginal !== undefined) {
    const { injectSection } = await import('../docs/markdown.ts');
    const rel = path.relative(path.dirname(path.resolve(opts.inject)), path.resolve(opts.out)).split(path.sep).join('/');
    const linkBase = rel === '' ? '' : `${rel}/`;
    const section = await x.renderMarkdown('index', buildIndex({ stacks, linkBase, projectPages: projectPages(stacks.map((s) => s.project)) }).model);
    extra.push({ path: opts.inject, contents: injectSection(injectOriginal, section, opts.inject) });
  }
  return { files, extra };
}

/** Each stack's directory and views. */
function stackViews(c: Components, estate: Estate, findings: Readonly<Record<string, Finding[]>>): { stack: string; dir: string; views: View[] }[] {
  const dirs = stackDirs(estate.stacks);
  return estate.stacks.map(({ key: stack }) => ({ stack, dir: dirs.get(stack)!, views: DIAGRAMS.map((d) => c.views[d]({ estate, stack, findings: findings[stack]! })) }));
}

/**
 * The renders of each stack's views started (in the schedule); a failed render fails the schedule
 * and gives no files. Nothing here holds the estate: a lean run lets it go before its PNGs.
 */
function startRenders(ctx: ViewRenderContext, stacks: readonly { stack: string; dir: string; views: View[] }[]): { stack: string; dir: string; views: View[]; rendered: Promise<OutputFile[]>[] }[] {
  return stacks.map(({ stack, dir, views }) => {
    const rendered = views.map((view) => {
      let decided = false;
      const decide = (): void => {
        if (!decided) (decided = true), ctx.schedule.decided();
      };
      return renderView(ctx, dir, view, decide)
        .catch((error: unknown) => {
          ctx.schedule.fail(error);
          return [] as OutputFile[];
        })
        .finally(decide);
    });
    return { stack, dir, views, rendered };
  });
}

/**
 * A run over a large estate (LEAN_RESOURCES resources or more) trades a little time for memory: a
 * full collection at each moment it knows that much of its heap just died (after the read: the
 * export's text and bytes; before the renderers start: the garbage of the estate, the rules and the
 * views; once D2 is closed: its compiled module); D2 with one worker when the run documents one
 * stack (four diagrams at most: a second worker's ~95 MB buys little there); and its PNGs held
 * until every SVG is drawn, D2 closed and estate.json encoded, when the estate is let go and the
 * heap compacted: the browser, launched at the first PNG, then works beside the outputs alone
 * (~290 MB of node instead of ~700 at 100,000 parameters). The peak is then the page work beside
 * D2 (~0.84 GB at 100,000 parameters, was ~0.91-0.95 with the browser beside the estate), and no
 * longer depends on the browser's size; the captures no longer overlap the page work: a few per
 * cent more time (paired runs at 100,000 parameters: 1.08, 0.84-1.12; docs/benchmarks.md).
 */
interface Lean {
  readonly oneStack: boolean;
}

/**
 * The estate of the source's stacks and what reads it, with `r.lean` set when the run is lean. The
 * graphs are not kept: nothing after the estate reads them, and at scale they are the largest thing
 * in memory. The returned input is the only holder of the estate (a lean run lets it go).
 */
async function loadInput(c: Components, source: PipelineOptions['source'], r: Renderers, rest: Omit<StackInput, 'c' | 'estate' | 'store'>): Promise<StackInput> {
  const graphs = await c.loadGraphs(source);
  if (graphs.length === 0) throw new GeneratorError('input', 'no stack to document', { expected: 'at least one stack from the sources' });
  const large = graphs.reduce((n, g) => n + g.resources.length, 0) >= LEAN_RESOURCES;
  if (large) collectGarbage();
  const estate = c.buildEstate(graphs);
  r.lean = large ? { oneStack: estate.stacks.length === 1 } : undefined;
  return { c, estate, store: Store.of(estate), ...rest };
}

/** Renders every output in memory. `mode: 'check'` never starts the browser: PNGs are represented by their source hash. */
export async function renderAll(opts: PipelineOptions, c: Components, mode: 'generate' | 'check'): Promise<Rendered> {
  const log = opts.log ?? (() => undefined);
  const formats = runFormats(opts);
  const cache = new RenderCache(opts.cacheDir);
  const renderMarkdown = await markdownRenderer(opts, cache, formats.has('md'));
  const injectOriginal = await readInject(opts.inject);
  const r = renderers(c, log);
  // The program source keeps its graphs in the same cache directory as the renders.
  const source = opts.cacheDir !== undefined && opts.source.cacheDir === undefined ? { ...opts.source, cacheDir: opts.cacheDir } : opts.source;
  const stats = { svgRendered: 0, pngRendered: 0, reused: 0 };
  const files: OutputFile[] = [];
  const indexStacks: IndexStack[] = [];
  const findings: Record<string, Finding[]> = {};
  let stacks: string[];
  let releasePngs: (() => void) | undefined;
  try {
    if (mode === 'generate') await startWhileProgramRuns(c, source, formats, r, log);
    log('loading stacks');
    let input: StackInput | undefined = await loadInput(c, source, r, { formats, renderMarkdown, mode });
    const lean = r.lean;
    stacks = input.estate.stacks.map((s) => s.key);
    for (const s of stacks) findings[s] = c.evaluateRules(input.estate, s);

    const schedule = new RenderSchedule(stacks.length * DIAGRAMS.length, r.svg, r.png, log, () => void r.closeSvg());
    const ctx: ViewRenderContext = {
      opts,
      c,
      mode,
      formats,
      cache,
      manifest: await readManifest(opts.out),
      schedule,
      svgId: formats.has('svg') || formats.has('png') ? await c.svgIdentity() : '',
      pngId: formats.has('png') && mode === 'generate' ? await c.pngIdentity() : '',
      pngSettings: formats.has('png') && c.pngSettings !== undefined ? await c.pngSettings() : undefined,
      stats,
    };
    // A lean run writes estate.json between its last SVG and its first PNG, then lets the estate go:
    // the browser then works beside the outputs alone (see `Lean`).
    const jsonLater = lean !== undefined && mode === 'generate';
    if (jsonLater && formats.has('png')) releasePngs = schedule.holdPngs();
    const perStack = startRenders(ctx, stackViews(c, input.estate, findings));
    const allRendered = Promise.all(perStack.flatMap((p) => p.rendered));
    // Pages, inventories and estate.json need no render: they are built while D2 and the browser
    // work, once the renders are handed out (building them keeps this thread busy).
    if (lean) collectGarbage();
    // A lean run launches the browser on its first PNG, not beside D2's start.
    await schedule.decidedAll({ browser: !lean && formats.has('png') && mode === 'generate' });
    const pages: OutputFile[][] = [];
    const costs: CostEstimate[] = [];
    try {
      for (const { stack, dir, views } of perStack) {
        const built = await stackFiles(input, stack, dir, views, findings[stack]!, !jsonLater);
        pages.push(built.files);
        indexStacks.push(built.index);
        costs.push(built.cost);
      }
      if (jsonLater) {
        await schedule.svgFinished;
        await r.closeSvg();
        if (schedule.failed === undefined) for (const [i, p] of perStack.entries()) pages[i]!.push(...stackJson(input, p.stack, p.dir, p.views, findings[p.stack]!, costs[i]!));
        input = undefined;
        // After an await: the registers of this frame no longer hold what was read from the input.
        await pause();
        collectGarbage({ compact: true });
      }
    } catch (error) {
      schedule.fail(error);
    } finally {
      releasePngs?.();
    }
    await allRendered;
    if (schedule.failed !== undefined) throw schedule.failed.error;
    for (const [i, p] of perStack.entries()) {
      for (const x of p.rendered) files.push(...(await x));
      files.push(...pages[i]!);
    }
  } finally {
    releasePngs?.();
    await r.close();
  }
  const index = await indexFiles(opts, { formats, renderMarkdown }, indexStacks, injectOriginal);
  return { files: [...files, ...index.files], extra: index.extra, stacks, findings, stats };
}

export interface GenerateResult extends WriteResult {
  readonly rendered: Rendered;
}

/** What the run memo knows of a run with these inputs, when its outputs are on disk as it left them. */
async function memoised(opts: PipelineOptions, c: Components): Promise<{ key: string | undefined; files?: readonly string[]; rendered?: Rendered }> {
  const key = await memoKey({ ...opts, formats: [...runFormats(opts)] }, c);
  const hit = key === undefined ? undefined : await lookupRun(opts, key);
  if (hit === undefined) return { key };
  opts.log?.(`nothing changed since the last run (the same inputs, generator and options; its ${hit.files.length} files as it left them)`);
  return { key, files: hit.files, rendered: { files: [], extra: [], stacks: hit.stacks, findings: hit.findings, stats: { svgRendered: 0, pngRendered: 0, reused: hit.images } } };
}

export async function generate(opts: PipelineOptions, c: Components): Promise<GenerateResult> {
  const memo = await memoised(opts, c);
  if (memo.rendered !== undefined) {
    return { written: [], unchanged: memo.files ?? [], removed: [], kept: [], messages: [], rendered: memo.rendered };
  }
  const rendered = await renderAll(opts, c, 'generate');
  const result = await writeOutputs(opts.out, rendered.files, rendered.extra);
  if (memo.key !== undefined) await recordRun(opts, memo.key, rendered.files, rendered.extra, rendered.stacks, rendered.findings);
  const log = opts.log ?? (() => undefined);
  for (const m of result.messages) log(m);
  for (const k of result.kept) log(`kept ${k.path} in ${opts.out}: ${k.reason}`);
  return { ...result, rendered };
}

export interface CheckResult {
  readonly problems: readonly Problem[];
  readonly rendered: Rendered;
}

export async function check(opts: PipelineOptions, c: Components): Promise<CheckResult> {
  const memo = await memoised(opts, c);
  if (memo.rendered !== undefined) return { problems: [], rendered: memo.rendered };
  const rendered = await renderAll(opts, c, 'check');
  return { problems: await checkOutputs(opts.out, rendered.files, rendered.extra), rendered };
}
