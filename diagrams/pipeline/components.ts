/**
 * The stages of the pipeline as components (so tests can run it with stand-ins), and the real ones,
 * imported on demand: the Pulumi SDK (inside the sources), D2 and puppeteer load only when a run
 * needs them.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { CostEstimate, Finding, FindingVerdict, Severity } from '../compliance/types.ts';
import type { Estate } from '../estate/model.ts';
import type { ResourceGraph } from '../graph/types.ts';
import type { SourceOptions } from '../sources/index.ts';
import type { DiagramName, ViewFn } from '../views/types.ts';
import type { BrowserCandidate } from '../render/png.ts';
import { DIAGRAMS_DIR, fileHash, packageVersion } from './identity.ts';

/** The tEXt keyword under which a PNG records the sha256 of the SVG it was rendered from. */
export const PNG_SOURCE_KEY = 'mono-repo-diagrams:svg-sha256';

/**
 * Browsers (PNG renders at a time). One: on two cores a capture keeps more than one core busy and D2
 * another, so a second browser made a cold run slower (docs/benchmarks.md).
 */
export const PNG_BROWSERS = 1;

/**
 * Once D2 is done (its cores free), a second browser when at least this many PNGs still wait: a run
 * of many stacks then captures its last PNGs on both cores (300 stacks: docs/benchmarks.md); a
 * smaller run is done before a launch would pay for itself.
 */
export const PNG_WIDEN_AT = 12;

export interface SvgRendererLike {
  render(d2: string, name: string): Promise<string>;
  close(): Promise<void>;
}
export interface PngRendererLike {
  render(svg: string): Promise<Buffer>;
  close(): Promise<void>;
  /** Renders waiting for a browser. */
  readonly queued?: number;
  /** One more browser when at least `atLeast` renders wait; whether it launched one (a failure to start is not an error). */
  widen?(atLeast: number): Promise<boolean>;
}

export interface Components {
  loadGraphs(opts: SourceOptions): Promise<ResourceGraph[]>;
  buildEstate(graphs: readonly ResourceGraph[]): Estate;
  evaluateRules(estate: Estate, stack: string): Finding[];
  failsAt(findings: readonly FindingVerdict[], severity: Severity): boolean;
  estimateCost(estate: Estate, stack?: string): CostEstimate;
  readonly views: Readonly<Record<DiagramName, ViewFn>>;
  /** `workers`: D2 workers (default: render/d2.ts's, two on two cores). */
  startSvg(opts?: { readonly workers?: number }): Promise<SvgRendererLike>;
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

/**
 * The browser a PNG render would use: its path, size and modification time (an upgrade in place
 * changes them), or `none` when there is none (the launch then reports it).
 */
async function browserIdentity(find: () => BrowserCandidate): Promise<string> {
  try {
    const found = find();
    // The npm Chromium is not unpacked yet: its package (name and version) names it.
    if (found.executablePath === undefined) return found.label;
    const st = await fs.stat(found.executablePath);
    return `${found.executablePath} ${st.size} ${Math.trunc(st.mtimeMs)}`;
  } catch {
    return 'none';
  }
}

/** The real modules, imported on demand. */
export async function productionComponents(): Promise<Components> {
  const [sources, estate, rules, cost, views] = await Promise.all([
    import('../sources/index.ts'),
    import('../estate/build/index.ts'),
    import('../compliance/rules/index.ts'),
    import('../compliance/cost.ts'),
    import('../views/index.ts'),
  ]);
  let pngMod: typeof import('../render/png.ts') | undefined;
  return {
    loadGraphs: sources.loadGraphs,
    buildEstate: estate.buildEstate,
    evaluateRules: (e, s) => rules.evaluateRules(e, s),
    failsAt: rules.failsAt,
    estimateCost: cost.estimateCost,
    views: views.VIEWS,
    async startSvg(opts = {}) {
      const { D2Renderer } = await import('../render/d2.ts');
      return D2Renderer.start(opts);
    },
    async launchPng() {
      pngMod ??= await import('../render/png.ts');
      return pngMod.PngRenderer.launch({ browsers: PNG_BROWSERS });
    },
    async willRunProgram(src) {
      if ((src.state?.length ?? 0) > 0 || src.backend !== undefined || (src.preview?.length ?? 0) > 0 || src.live === true) return false;
      const { programWillRun } = await import('../sources/program/cache.ts');
      const shown = src.program ?? '.';
      return programWillRun(src.cacheDir, path.resolve(src.cwd ?? process.cwd(), shown), shown, src.stacks);
    },
    async svgIdentity() {
      return `${await packageVersion('@terrastruct/d2')} d2.ts:${await fileHash(path.join(DIAGRAMS_DIR, 'render', 'd2.ts'))}`;
    },
    async pngIdentity() {
      pngMod ??= await import('../render/png.ts');
      return `${await packageVersion('puppeteer-core')} png.ts:${await fileHash(path.join(DIAGRAMS_DIR, 'render', 'png.ts'))} browser:${await browserIdentity(() => pngMod!.findBrowser())}`;
    },
    async pngSettings() {
      pngMod ??= await import('../render/png.ts');
      return pngMod.CAPTURE_SETTINGS;
    },
    tagPng(png, svgHash) {
      // png.ts is loaded whenever a PNG exists to tag (launchPng ran, or it is read from the cache/disk).
      return pngMod ? pngMod.withPngTextChunk(png, PNG_SOURCE_KEY, svgHash) : png;
    },
  };
}
