/**
 * The pipeline: sources -> ResourceGraph[] -> Estate -> findings and cost per stack -> views (D2)
 * -> SVG -> PNG -> Markdown -> a list of output files -> the writer (write, or check).
 *
 * Every stage is a component passed in (`Components`), so tests can run the whole pipeline with
 * stand-ins; `productionComponents()` loads the real modules. Heavy modules (the Pulumi SDK inside
 * the sources, D2, puppeteer) are imported only when the run needs them: D2 and the browser start
 * on the first render that neither the render cache nor the previous output can answer.
 */

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheKey, RenderCache } from './cache/index.ts';
import type { Templates } from './docs/markdown.ts';
import { buildIndexModel, buildPageModel, type IndexModel, type PageModel } from './docs/viewmodel.ts';
import type { CostEstimate, Estate, Finding, Severity } from './estate/model.ts';
import { GeneratorError } from './errors.ts';
import type { ResourceGraph } from './graph/types.ts';
import type { SourceOptions } from './sources/index.ts';
import { DIAGRAMS, type DiagramName, type View, type ViewFn } from './views/types.ts';
import { checkOutputs, readManifest, readOutputFile, sha256, writeOutputs, type ExtraFile, type Manifest, type OutputFile, type Problem, type WriteResult } from './writer/index.ts';

export const FORMATS = ['svg', 'png', 'md', 'd2'] as const;
export type Format = (typeof FORMATS)[number];
export const DEFAULT_FORMATS: readonly Format[] = ['svg', 'png', 'md'];

/** The tEXt keyword under which a PNG records the sha256 of the SVG it was rendered from. */
export const PNG_SOURCE_KEY = 'mono-repo-diagrams:svg-sha256';

export interface SvgRendererLike {
  render(d2: string, name: string): Promise<string>;
  close(): Promise<void>;
}
export interface PngRendererLike {
  render(svg: string): Promise<Buffer>;
  close(): Promise<void>;
}

export interface Components {
  loadGraphs(opts: SourceOptions): Promise<ResourceGraph[]>;
  buildEstate(graphs: readonly ResourceGraph[]): Estate;
  evaluateRules(estate: Estate, stack: string): Finding[];
  failsAt(findings: readonly Finding[], severity: Severity): boolean;
  estimateCost(estate: Estate, stack?: string): CostEstimate;
  readonly views: Readonly<Record<DiagramName, ViewFn>>;
  startSvg(): Promise<SvgRendererLike>;
  launchPng(): Promise<PngRendererLike>;
  /** Identity of the SVG renderer (versions, code): part of the cache key and of the SVG's recorded source. */
  svgIdentity(): Promise<string>;
  pngIdentity(): Promise<string>;
  /**
   * The capture settings (scale policy, browser flags): with the SVG's hash, the recorded source of
   * a PNG. Machine-independent, unlike pngIdentity. Absent: the SVG's hash alone.
   */
  pngSettings?(): Promise<string>;
  /** Records the SVG hash inside the PNG (a tEXt chunk); identity when absent. */
  tagPng?(png: Buffer, svgHash: string): Buffer;
  /**
   * Whether loading these sources runs a program (seconds of work, a cold run): the renderers are
   * then started while it runs instead of after it. Absent: never (the renderers start lazily).
   */
  willRunProgram?(source: SourceOptions): Promise<boolean>;
}

/** Rendered (and thrown away) while the program runs on a cold run: the first real layout is then faster. */
export const WARM_UP_D2 = 'vars: { d2-config: { layout-engine: elk } }\na: warm { b: up }\nc: {shape: cylinder}\na.b -> c: x\n';

const WARM_UP_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40"><rect x="1" y="1" width="118" height="38" fill="#eef" stroke="#000"/><text x="10" y="25" font-family="sans-serif" font-size="14">warm-up</text></svg>';

/**
 * PNG renders at a time (browsers). One: on two cores a capture keeps more than one core busy and
 * D2 another, so a second browser made a cold run slower (its launch alone costs ~3.7 CPU-seconds).
 */
export const PNG_CONCURRENCY = 1;

const here = path.dirname(fileURLToPath(import.meta.url));
/** The built-in templates (as docs/markdown.ts's BUILTIN_TEMPLATES, without loading Handlebars). */
const BUILTIN_TEMPLATES_DIR = path.join(here, '..', 'templates');

/** Every file under `dir` (relative path and bytes), sorted; nothing when it does not exist. */
async function treeEntries(dir: string): Promise<[string, Buffer][]> {
  const out: [string, Buffer][] = [];
  const visit = async (d: string, rel: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory()) await visit(path.join(d, e.name), `${rel}${e.name}/`);
      else if (e.isFile()) out.push([`${rel}${e.name}`, await fs.readFile(path.join(d, e.name))]);
    }
  };
  await visit(dir, '');
  return out;
}

/**
 * Identity of the Markdown rendering: the built-in and user template files, the template code
 * (docs/markdown.ts: helpers, tidy) and the Handlebars version. With a page model's JSON it keys
 * the rendered page in the cache, so a warm run neither loads nor compiles Handlebars.
 */
async function templatesIdentity(userDir: string | undefined): Promise<string> {
  const parts: string[] = [await packageVersion('handlebars'), `markdown.ts:${await fileHash(path.join(here, 'docs', 'markdown.ts'))}`];
  if (userDir !== undefined) {
    // A missing --templates directory is an error that loadTemplates reports: never a cache hit.
    const isDir = (await fs.stat(userDir).catch(() => undefined))?.isDirectory() === true;
    parts.push(`user directory:${isDir}`);
  }
  for (const [label, dir] of [['builtin', BUILTIN_TEMPLATES_DIR], ['user', userDir]] as const) {
    if (dir === undefined) continue;
    for (const [rel, bytes] of await treeEntries(dir)) parts.push(`${label}:${rel}`, createHash('sha256').update(bytes).digest('hex'));
  }
  return cacheKey(...parts);
}

async function fileHash(file: string): Promise<string> {
  try {
    return createHash('sha256').update(await fs.readFile(file)).digest('hex').slice(0, 16);
  } catch {
    return 'unknown';
  }
}

async function packageVersion(name: string): Promise<string> {
  try {
    const { createRequire } = await import('node:module');
    const req = createRequire(import.meta.url);
    const pkgPath = req.resolve(`${name}/package.json`);
    return `${name}@${(JSON.parse(await fs.readFile(pkgPath, 'utf8')) as { version: string }).version}`;
  } catch {
    return `${name}@unknown`;
  }
}

/** The real modules, imported on demand. */
export async function productionComponents(): Promise<Components> {
  const [sources, estate, rules, cost, views] = await Promise.all([
    import('./sources/index.ts'),
    import('./estate/build.ts'),
    import('./compliance/rules.ts'),
    import('./compliance/cost.ts'),
    import('./views/index.ts'),
  ]);
  let pngMod: typeof import('./render/png.ts') | undefined;
  return {
    loadGraphs: sources.loadGraphs,
    buildEstate: estate.buildEstate,
    evaluateRules: (e, s) => rules.evaluateRules(e, s),
    failsAt: rules.failsAt,
    estimateCost: cost.estimateCost,
    views: views.VIEWS,
    async startSvg() {
      const { D2Renderer } = await import('./render/d2.ts');
      return D2Renderer.start();
    },
    async launchPng() {
      pngMod ??= await import('./render/png.ts');
      return pngMod.PngRenderer.launch({ browsers: PNG_CONCURRENCY });
    },
    async willRunProgram(src) {
      if ((src.state?.length ?? 0) > 0 || src.backend !== undefined || (src.preview?.length ?? 0) > 0 || src.live === true) return false;
      const { programWillRun } = await import('./sources/program-cache.ts');
      const shown = src.program ?? '.';
      return programWillRun(src.cacheDir, path.resolve(src.cwd ?? process.cwd(), shown), shown, src.stacks);
    },
    async svgIdentity() {
      return `${await packageVersion('@terrastruct/d2')} d2.ts:${await fileHash(path.join(here, 'render', 'd2.ts'))}`;
    },
    async pngIdentity() {
      pngMod ??= await import('./render/png.ts');
      return `${await packageVersion('puppeteer-core')} png.ts:${await fileHash(path.join(here, 'render', 'png.ts'))} browser:${pngMod.browserIdentity()}`;
    },
    async pngSettings() {
      pngMod ??= await import('./render/png.ts');
      return pngMod.CAPTURE_SETTINGS;
    },
    tagPng(png, svgHash) {
      // png.ts is loaded whenever a PNG exists to tag (launchPng ran, or it is read from the cache/disk).
      return pngMod ? pngMod.withPngTextChunk(png, PNG_SOURCE_KEY, svgHash) : png;
    },
  };
}

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
  readonly files: readonly OutputFile[];
  readonly extra: readonly ExtraFile[];
  readonly stacks: readonly string[];
  /** Findings per stack. */
  readonly findings: Readonly<Record<string, readonly Finding[]>>;
  readonly stats: { svgRendered: number; pngRendered: number; reused: number };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
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

/** Renders every output in memory. `mode: 'check'` never starts the browser: PNGs are represented by their source hash. */
export async function renderAll(opts: PipelineOptions, c: Components, mode: 'generate' | 'check'): Promise<Rendered> {
  const log = opts.log ?? (() => undefined);
  const formats = new Set(opts.formats);
  if (formats.size === 0) throw new GeneratorError('usage', 'no output format selected', { subject: '--format', expected: FORMATS.join(', ') });
  const cache = new RenderCache(opts.cacheDir);
  // Templates first: a broken template fails before any slow work. Templates whose identity the
  // cache records as compiled before are loaded (with Handlebars) only when a page is not cached.
  const wantsMarkdown = formats.has('md') || opts.inject !== undefined;
  let templates: Templates | undefined;
  const loadTemplatesNow = async (): Promise<Templates> => {
    const { loadTemplates } = await import('./docs/markdown.ts');
    return loadTemplates(opts.templates);
  };
  const tplId = wantsMarkdown ? await templatesIdentity(opts.templates) : '';
  const compiledMarker = cacheKey('templates compiled', tplId);
  if (wantsMarkdown && (await cache.get('md', compiledMarker)) === undefined) {
    templates = await loadTemplatesNow();
    await cache.put('md', compiledMarker, Buffer.from('ok'));
  }
  const renderMarkdown = async (kind: 'page' | 'index', model: object): Promise<string> => {
    const key = cacheKey('markdown', kind, tplId, JSON.stringify(model));
    const hit = await cache.get('md', key);
    if (hit !== undefined) return hit.toString('utf8');
    templates ??= await loadTemplatesNow();
    const text = kind === 'page' ? templates.renderPage(model as PageModel) : templates.renderIndex(model as IndexModel);
    await cache.put('md', key, Buffer.from(text, 'utf8'));
    return text;
  };
  let injectOriginal: string | undefined;
  if (opts.inject !== undefined) {
    try {
      injectOriginal = await fs.readFile(opts.inject, 'utf8');
    } catch (e) {
      throw new GeneratorError('input', `cannot read the file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, {
        subject: `--inject ${opts.inject}`,
        expected: 'an existing Markdown file with the BEGIN_ARCHITECTURE_DOCS and END_ARCHITECTURE_DOCS markers',
      });
    }
    const { injectSection } = await import('./docs/markdown.ts');
    injectSection(injectOriginal, '', opts.inject); // validate the markers before any slow work
  }

  // Renderers start once, on first need; on a cold run (the program must run) they start at once and
  // boot while the program runs. Every one started is closed on every path, errors included.
  let svgStarting: Promise<SvgRendererLike> | undefined;
  let pngStarting: Promise<PngRendererLike> | undefined;
  const startSvg = (): Promise<SvgRendererLike> => (svgStarting ??= c.startSvg());
  const launchPng = (): Promise<PngRendererLike> => (pngStarting ??= c.launchPng());
  const closeRenderers = async (): Promise<void> => {
    await Promise.all([svgStarting, pngStarting].map((p) => p?.then((r) => r.close(), () => undefined)));
  };
  // The program source keeps its graphs in the same cache directory as the renders.
  const source = opts.cacheDir !== undefined && opts.source.cacheDir === undefined ? { ...opts.source, cacheDir: opts.cacheDir } : opts.source;
  const stats = { svgRendered: 0, pngRendered: 0, reused: 0 };
  const files: OutputFile[] = [];
  let stacks: string[];
  let estate: Estate;
  const findings: Record<string, Finding[]> = {};
  try {
    const wantsRenders = formats.has('svg') || formats.has('png');
    if (mode === 'generate' && wantsRenders && c.willRunProgram !== undefined && (await c.willRunProgram(source))) {
      // A failure to start is reported when a render needs the renderer (as when started lazily).
      log(`starting D2${formats.has('png') ? ' and the browser' : ''} while the program runs`);
      // One tiny ELK layout warms the worker (JIT of the layout code) off the critical path.
      startSvg().then((r) => r.render(WARM_UP_D2, 'warm-up')).catch(() => undefined);
      // Likewise one tiny capture: the browser's first capture costs about a second more than later ones.
      if (formats.has('png')) launchPng().then((r) => r.render(WARM_UP_SVG)).catch(() => undefined);
    }
    log('loading stacks');
    const graphs = await c.loadGraphs(source);
    if (graphs.length === 0) throw new GeneratorError('input', 'no stack to document', { expected: 'at least one stack from the sources' });
    estate = c.buildEstate(graphs);
    stacks = [...new Set(graphs.map((g) => g.stack.stack))].sort();
    for (const s of stacks) findings[s] = c.evaluateRules(estate, s);

    const manifest = await readManifest(opts.out);
    const svgId = wantsRenders ? await c.svgIdentity() : '';
    const pngId = formats.has('png') && mode === 'generate' ? await c.pngIdentity() : '';
    const pngSettings = formats.has('png') && c.pngSettings !== undefined ? await c.pngSettings() : undefined;
    /** A PNG's recorded source: the SVG it shows and, when known, the capture settings. */
    const pngSourceOf = (svgHash: string): string => (pngSettings === undefined ? svgHash : cacheKey('png', svgHash, pngSettings));

    // Renders are pipelined: D2 (one worker, one diagram at a time) hands each SVG to the browser
    // (PNG_CONCURRENCY browsers) as soon as it is ready, so both work at once. After a failure no new
    // render starts; the run waits for those in flight, then fails (nothing is written).
    let failure: { error: unknown } | undefined;
    const abandoned = (): GeneratorError => new GeneratorError('render', 'abandoned after an earlier failure');
    // D2 takes the smallest waiting source first (once it is up, so that every diagram is waiting):
    // the browser gets its first SVG sooner and the PNG chain, the longest, starts earlier.
    interface SvgJob {
      readonly d2: string;
      readonly base: string;
      resolve(svg: string): void;
      reject(e: unknown): void;
    }
    const svgWaiting: SvgJob[] = [];
    let svgBusy = false;
    /** Diagrams not yet known to need D2 or not: the first pick waits for all. */
    let undecided = stacks.length * DIAGRAMS.length;
    const decided = (): void => {
      undecided--;
      if (undecided === 0) void pumpSvg();
    };
    const pumpSvg = async (): Promise<void> => {
      if (svgBusy || svgWaiting.length === 0 || undecided > 0) return;
      svgBusy = true;
      await startSvg().catch(() => undefined); // a failure to start is the job's error, below
      svgWaiting.sort((a, b) => a.d2.length - b.d2.length || (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
      const job = svgWaiting.shift()!;
      try {
        if (failure !== undefined) throw abandoned();
        log(`rendering ${job.base}.svg`);
        job.resolve(await (await startSvg()).render(job.d2, job.base));
      } catch (e) {
        failure ??= { error: e }; // at once: the next pick must see it
        job.reject(e);
      }
      svgBusy = false;
      void pumpSvg();
    };
    const renderSvg = (d2: string, base: string, decide: () => void): Promise<string> =>
      new Promise<string>((resolve, reject) => {
        svgWaiting.push({ d2, base, resolve, reject });
        decide();
        void pumpSvg();
      });
    const pngWaiting: (() => void)[] = [];
    let pngRunning = 0;
    const renderPng = async (svg: string, base: string): Promise<Buffer> => {
      // A waiter woken by a finishing render takes over its slot (no gap another call could take).
      if (pngRunning >= PNG_CONCURRENCY) await new Promise<void>((r) => pngWaiting.push(r));
      else pngRunning++;
      try {
        if (failure !== undefined) throw abandoned();
        log(`rendering ${base}.png`);
        return await (await launchPng()).render(svg);
      } catch (e) {
        failure ??= { error: e };
        throw e;
      } finally {
        const next = pngWaiting.shift();
        if (next !== undefined) next();
        else pngRunning--;
      }
    };

    const renderView = async (stack: string, view: View): Promise<OutputFile[]> => {
      let isDecided = false;
      const decide = (): void => {
        if (isDecided) return;
        isDecided = true;
        decided();
      };
      try {
        return await renderViewNow(stack, view, decide);
      } finally {
        decide();
      }
    };
    const renderViewNow = async (stack: string, view: View, decide: () => void): Promise<OutputFile[]> => {
      const out: OutputFile[] = [];
      const base = `${stack}/${view.name}`;
      if (formats.has('d2')) out.push({ path: `${base}.d2`, contents: view.d2 });
      if (!wantsRenders) return out;
      const svgSource = cacheKey(view.d2, svgId);
      let svgBytes = await cache.get('svg', svgSource);
      const svgCached = svgBytes !== undefined;
      svgBytes ??= await reusable(opts.out, manifest, `${base}.svg`, svgSource);
      if (svgBytes === undefined && mode === 'check') {
        // A file that is not on disk is reported missing whatever it would hold: no D2 for it (a
        // fresh clone without generated docs checks in the time of the program run alone).
        const outputs = [formats.has('svg') ? `${base}.svg` : undefined, formats.has('png') ? `${base}.png` : undefined].filter((p): p is string => p !== undefined);
        const onDisk = await Promise.all(outputs.map((p) => exists(path.join(opts.out, ...p.split('/')))));
        if (!onDisk.includes(true)) {
          decide();
          for (const p of outputs) out.push({ path: p, sourceHash: p.endsWith('.svg') ? svgSource : 'not rendered: missing' });
          return out;
        }
      }
      if (svgBytes === undefined) {
        svgBytes = Buffer.from(await renderSvg(view.d2, base, decide), 'utf8');
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
      const pngSource = pngSourceOf(svgHash);
      if (mode === 'check') {
        out.push({ path: `${base}.png`, sourceHash: pngSource });
        return out;
      }
      const pngKey = cacheKey(svgHash, pngId);
      let png = await cache.get('png', pngKey);
      const pngCached = png !== undefined;
      png ??= await reusable(opts.out, manifest, `${base}.png`, pngSource);
      if (png === undefined) {
        png = await renderPng(svg, base);
        png = c.tagPng ? c.tagPng(png, svgHash) : png;
        stats.pngRendered++;
      } else stats.reused++;
      if (!pngCached) await cache.put('png', pngKey, png);
      out.push({ path: `${base}.png`, contents: png, sourceHash: pngSource });
      return out;
    };

    const perStack = stacks.map((stack) => {
      const views: View[] = DIAGRAMS.map((d) => c.views[d]({ estate, stack, findings: findings[stack]! }));
      const rendered = views.map((view) =>
        renderView(stack, view).catch((error: unknown) => {
          failure ??= { error };
          return [] as OutputFile[];
        }),
      );
      return { stack, views, rendered };
    });
    const allRendered = Promise.all(perStack.flatMap((p) => p.rendered));
    // The pages need no render: they are built while D2 and the browser work.
    const pages: (OutputFile | undefined)[] = [];
    try {
      for (const { stack, views } of perStack) {
        if (!formats.has('md')) {
          pages.push(undefined);
          continue;
        }
        const page = buildPageModel({
          estate,
          stack,
          views,
          findings: findings[stack]!,
          cost: c.estimateCost(estate, stack),
          formats: { svg: formats.has('svg'), png: formats.has('png'), d2: formats.has('d2') },
        });
        pages.push({ path: `${stack}/README.md`, contents: await renderMarkdown('page', page) });
      }
    } catch (error) {
      failure ??= { error };
    }
    await allRendered;
    if (failure !== undefined) throw failure.error;
    for (const [i, { rendered }] of perStack.entries()) {
      for (const r of rendered) files.push(...(await r));
      const page = pages[i];
      if (page !== undefined) files.push(page);
    }
  } finally {
    await closeRenderers();
  }

  const extra: ExtraFile[] = [];
  if (wantsMarkdown) {
    const indexInput = { estate, stacks, findings, cost: c.estimateCost(estate) };
    if (formats.has('md')) files.push({ path: 'README.md', contents: await renderMarkdown('index', buildIndexModel(indexInput)) });
    if (opts.inject !== undefined && injectOriginal !== undefined) {
      const { injectSection } = await import('./docs/markdown.ts');
      const rel = path.relative(path.dirname(path.resolve(opts.inject)), path.resolve(opts.out)).split(path.sep).join('/');
      const section = await renderMarkdown('index', buildIndexModel({ ...indexInput, linkBase: rel === '' ? '' : `${rel}/` }));
      extra.push({ path: opts.inject, contents: injectSection(injectOriginal, section, opts.inject) });
    }
  }
  return { files, extra, stacks, findings, stats };
}

export interface GenerateResult extends WriteResult {
  readonly rendered: Rendered;
}

export async function generate(opts: PipelineOptions, c: Components): Promise<GenerateResult> {
  const rendered = await renderAll(opts, c, 'generate');
  const result = await writeOutputs(opts.out, rendered.files, rendered.extra);
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
  const rendered = await renderAll(opts, c, 'check');
  return { problems: await checkOutputs(opts.out, rendered.files, rendered.extra), rendered };
}
