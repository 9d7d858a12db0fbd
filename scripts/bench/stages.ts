/**
 * Benchmark child process: runs the pipeline's stages in process, one after the other, each
 * several times, and writes the figures as JSON to the file named in the config. Started by
 * scripts/bench.ts as `node --import tsx scripts/bench/stages.ts <config.json>`.
 *
 * Modes:
 * - `read`: only the source (loadGraphs), in a process of its own, so its peak memory is the
 *   reader's alone.
 * - `all`: read, estate, compliance, views, SVG (D2 WASM), PNG (Chromium), Markdown. Peak memory
 *   is the process's maxRSS after each stage (cumulative: it includes the stages before); the D2
 *   worker is a thread of this process, Chromium is sampled separately (its own processes).
 *
 * A stage whose module is missing or throws is recorded with its error ("not ready"), and the
 * stages that need its result are recorded as skipped: the report says so instead of a number.
 * The D2 source of every diagram is written to `d2Dir` so the parent can render the same sources
 * with the native binary.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { layoutOf, os1, nowMs, sampleTree, timedRun } from './measure.ts';

export interface StageConfig {
  readonly mode: 'read' | 'all';
  readonly repo: string;
  readonly source: { readonly program?: string; readonly state?: readonly string[] };
  /** Repetitions of the cheap stages (read, estate, compliance, views, Markdown). */
  readonly runs: number;
  /** Repetitions per diagram of SVG and PNG rendering. */
  readonly renderRuns: number;
  readonly d2Dir?: string;
  readonly result: string;
  /** Do not evaluate the rules (they did not finish within the budget in a probe): views get no findings. */
  readonly skipCompliance?: string;
  /** Stop after this stage (for profiling one stage). */
  readonly until?: string;
  /** Also time each stack's four SVG from a fresh D2 start (stage `stack-svg`). */
  readonly stackSvg?: boolean;
  /**
   * The native d2 binary: each warm WASM render of a diagram is followed at once by one native
   * render of the same source (paired, so that both meet the same load on a shared machine).
   */
  readonly nativeD2?: string;
  /** Also time every diagram from a fresh D2 start with 1, 2 and 3 workers, interleaved (stage `svg-pool`). */
  readonly svgPool?: boolean;
}

export interface StageResult {
  readonly times: number[];
  /** maxRSS of this process after the stage (MB), cumulative. */
  readonly peakRssMb: number;
  readonly error?: string;
  readonly skipped?: string;
}

export interface DiagramResult {
  readonly id: string;
  readonly layout: string;
  readonly d2Bytes: number;
  readonly d2File?: string;
  readonly svgTimes: number[];
  /** CPU time of this process (the D2 worker's thread and the idle main thread) for each warm render. */
  readonly svgCpu?: number[];
  /** Native d2, each run right after the WASM render of the same index: wall and CPU time (ms). */
  readonly nativeTimes?: number[];
  readonly nativeCpu?: number[];
  readonly nativeError?: string;
  readonly svgError?: string;
  readonly svgBytes?: number;
  readonly width?: number;
  readonly height?: number;
  /** The device scale the PNG was captured at (scaleFor). */
  readonly scale?: number;
  readonly pngTimes: number[];
  readonly pngError?: string;
  readonly pngBytes?: number;
}

export interface ChildOutput {
  readonly stages: Record<string, StageResult>;
  readonly diagrams: DiagramResult[];
  readonly d2StartMs?: number;
  /** The throw-away warm-up layout after the start, as the pipeline renders it (not in d2StartMs). */
  readonly d2WarmUpMs?: number;
  /** Per stack: a fresh D2 start plus that stack's four diagrams, in one go (the real sequence), each run. */
  readonly stackSvgMs?: Record<string, number[]>;
  /** Per number of D2 workers: a fresh start plus every diagram issued at once, each run (ms). */
  readonly svgPoolMs?: Record<string, number[]>;
  /** 1-minute load average at the start and the end of the paired SVG stage. */
  readonly svgLoad?: readonly [number, number];
  readonly pngLaunchMs?: number;
  /** Peak RSS of the browser's processes during the PNG stage (sampled, MB). */
  readonly chromiumPeakMb?: number;
  readonly counts?: Record<string, number>;
}

const rssMb = () => process.resourceUsage().maxRSS / 1024;
const short = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);


async function main(): Promise<void> {
  const cfg = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as StageConfig;
  const mod = (rel: string) => import(pathToFileURL(join(cfg.repo, rel)).href);
  const stages: Record<string, StageResult> = {};
  const out: { -readonly [K in keyof ChildOutput]: ChildOutput[K] } = { stages, diagrams: [] };
  const save = () => writeFileSync(cfg.result, JSON.stringify(out));
  let stopped = false;

  /** Runs `fn` `runs` times; records times and the peak; returns the last value or undefined on error. */
  async function stage<T>(name: string, runs: number, fn: () => Promise<T> | T, needs?: readonly unknown[]): Promise<T | undefined> {
    if (stopped || (needs && needs.some((x) => x === undefined))) {
      if (!stopped) stages[name] = { times: [], peakRssMb: rssMb(), skipped: 'an earlier stage it needs did not run' };
      save();
      return undefined;
    }
    const times: number[] = [];
    let value: T | undefined;
    try {
      for (let i = 0; i < runs; i++) {
        const t0 = nowMs();
        value = await fn();
        times.push(nowMs() - t0);
      }
      stages[name] = { times, peakRssMb: rssMb() };
    } catch (e) {
      stages[name] = { times, peakRssMb: rssMb(), error: short(e) };
      value = undefined;
    }
    save();
    if (name === cfg.until) stopped = true;
    return value;
  }

  type Graph = import('../../diagrams/graph/types.ts').ResourceGraph;
  type Estate = import('../../diagrams/estate/model.ts').Estate;
  type Finding = import('../../diagrams/compliance/types.ts').Finding;
  type View = import('../../diagrams/views/types.ts').View;

  const sourceOpts = { ...(cfg.source.program !== undefined ? { program: cfg.source.program } : {}), ...(cfg.source.state ? { state: [...cfg.source.state] } : {}), cwd: cfg.repo };
  const graphs = await stage<Graph[]>('read', cfg.runs, async () => {
    const { loadGraphs } = (await mod('diagrams/sources/index.ts')) as typeof import('../../diagrams/sources/index.ts');
    return loadGraphs(sourceOpts);
  });
  if (cfg.mode === 'read' || !graphs) {
    save();
    return;
  }
  const stacks = [...new Set(graphs.map((g) => g.stack.stack))].sort();

  const estate = await stage<Estate>(
    'estate',
    cfg.runs,
    async () => ((await mod('diagrams/estate/build/index.ts')) as typeof import('../../diagrams/estate/build/index.ts')).buildEstate(graphs),
  );
  if (estate) {
    out.counts = {
      stacks: stacks.length,
      resources: graphs.reduce((n, g) => n + g.resources.length, 0),
      parameters: estate.parameters.length,
      secrets: estate.secrets.length,
      roles: estate.roles.length,
      policies: estate.policies.length,
    };
  }

  if (cfg.skipCompliance !== undefined) {
    stages.compliance = { times: [], peakRssMb: rssMb(), skipped: cfg.skipCompliance };
  }
  const findings = cfg.skipCompliance !== undefined ? Object.fromEntries(stacks.map((s) => [s, [] as Finding[]])) : await stage<Record<string, Finding[]>>(
    'compliance',
    cfg.runs,
    async () => {
      const { evaluateRules } = (await mod('diagrams/compliance/rules/index.ts')) as typeof import('../../diagrams/compliance/rules/index.ts');
      const { estimateCost } = (await mod('diagrams/compliance/cost.ts')) as typeof import('../../diagrams/compliance/cost.ts');
      const f: Record<string, Finding[]> = {};
      for (const s of stacks) {
        f[s] = evaluateRules(estate!, s);
        estimateCost(estate!, s);
      }
      estimateCost(estate!);
      return f;
    },
    [estate],
  );

  const views = await stage<Record<string, View[]>>(
    'views',
    cfg.runs,
    async () => {
      const { VIEWS, DIAGRAMS } = (await mod('diagrams/views/index.ts')) as typeof import('../../diagrams/views/index.ts');
      const v: Record<string, View[]> = {};
      for (const s of stacks) v[s] = DIAGRAMS.map((d) => VIEWS[d]({ estate: estate!, stack: s, findings: findings![s]! }));
      return v;
    },
    [estate, findings],
  );

  if (views) {
    if (cfg.d2Dir) mkdirSync(cfg.d2Dir, { recursive: true });
    for (const s of stacks) {
      for (const v of views[s]!) {
        if (v.d2 === undefined) continue;
        const id = `${s}/${v.name}`;
        let d2File: string | undefined;
        if (cfg.d2Dir) {
          d2File = join(cfg.d2Dir, `${s}--${v.name}.d2`);
          writeFileSync(d2File, v.d2);
        }
        out.diagrams.push({ id, layout: layoutOf(v.d2), d2Bytes: Buffer.byteLength(v.d2), ...(d2File ? { d2File } : {}), svgTimes: [], pngTimes: [] });
      }
    }
    save();
  }

  // SVG: start once (timed), then every diagram renderRuns times on the warm instance.
  const svgs = new Map<string, string>();
  await stage(
    'svg',
    1,
    async () => {
      const { D2Renderer } = (await mod('diagrams/render/d2.ts')) as typeof import('../../diagrams/render/d2.ts');
      const { WARM_UP_D2 } = (await mod('diagrams/pipeline/index.ts')) as typeof import('../../diagrams/pipeline/index.ts');
      const t0 = nowMs();
      const r = await D2Renderer.start();
      out.d2StartMs = nowMs() - t0;
      try {
        // The per-diagram figures are warm renders: one tiny layout per engine first (the pipeline's
        // ELK warm-up, and the same with dagre), else the first diagram of each engine would carry
        // the compilation of that engine's code (the WASM is compiled lazily, function by function).
        const tw = nowMs();
        await r.render(WARM_UP_D2, 'warm-up');
        await r.render(WARM_UP_D2.replace('layout-engine: elk', 'layout-engine: dagre'), 'warm-up-dagre');
        out.d2WarmUpMs = nowMs() - tw;
        const load0 = os1();
        for (const s of stacks) {
          for (const v of views![s]!) {
            if (v.d2 === undefined) continue;
            const d = out.diagrams.find((x) => x.id === `${s}/${v.name}`)! as { -readonly [K in keyof DiagramResult]: DiagramResult[K] };
            try {
              for (let i = 0; i < cfg.renderRuns; i++) {
                const c0 = process.cpuUsage();
                const t = nowMs();
                const svg = await r.render(v.d2, d.id);
                d.svgTimes.push(nowMs() - t);
                const c = process.cpuUsage(c0);
                (d.svgCpu ??= []).push((c.user + c.system) / 1000);
                svgs.set(d.id, svg);
                d.svgBytes = Buffer.byteLength(svg);
                if (cfg.nativeD2 && d.d2File && d.nativeError === undefined) await nativeOnce(cfg.nativeD2, d, cfg.d2Dir!);
              }
            } catch (e) {
              d.svgError = short(e);
            }
            save();
          }
        }
        out.svgLoad = [load0, os1()];
      } finally {
        await r.close();
      }
    },
    [views],
  );

  // One stack's four SVG as a single-stack run renders them: a fresh D2 start, then the four in a
  // row (the first one cold), renderRuns times per stack. Built-in estate only (cfg.stackSvg).
  if (cfg.stackSvg && views) {
    await stage(
      'stack-svg',
      1,
      async () => {
        const { D2Renderer } = (await mod('diagrams/render/d2.ts')) as typeof import('../../diagrams/render/d2.ts');
        const perStack: Record<string, number[]> = {};
        for (let i = 0; i < Math.max(1, cfg.renderRuns); i++) {
          for (const s of stacks) {
            const t0 = nowMs();
            const r = await D2Renderer.start();
            try {
              // All at once, as the render schedule keeps the pool's workers busy.
              await Promise.all(views[s]!.filter((v) => v.d2 !== undefined).map((v) => r.render(v.d2!, `${s}/${v.name}`)));
            } finally {
              await r.close();
            }
            (perStack[s] ??= []).push(nowMs() - t0);
          }
        }
        out.stackSvgMs = perStack;
      },
      [views],
    );
  }

  if (cfg.svgPool && views) {
    await stage('svg-pool', 1, async () => {
      out.svgPoolMs = await svgPool(mod, views, Math.max(1, cfg.renderRuns));
    }, [views]);
  }

  // PNG: launch once (timed), then every SVG renderRuns times on the one page.
  let chromiumPeak: { stop(): number } | undefined;
  await stage(
    'png',
    1,
    async () => {
      if (svgs.size === 0) throw new Error('no SVG to rasterise');
      const png = (await mod('diagrams/render/png.ts')) as typeof import('../../diagrams/render/png.ts');
      chromiumPeak = sampleTree(process.pid, 150, false);
      const t0 = nowMs();
      const r = await png.PngRenderer.launch();
      out.pngLaunchMs = nowMs() - t0;
      try {
        for (const d of out.diagrams as { -readonly [K in keyof DiagramResult]: DiagramResult[K] }[]) {
          const svg = svgs.get(d.id);
          if (svg === undefined) continue;
          try {
            const { width, height } = png.svgSize(svg);
            d.width = width;
            d.height = height;
            d.scale = png.scaleFor(width, height);
            for (let i = 0; i < cfg.renderRuns; i++) {
              const t = nowMs();
              const bytes = await r.render(svg);
              d.pngTimes.push(nowMs() - t);
              d.pngBytes = bytes.length;
            }
          } catch (e) {
            d.pngError = short(e);
          }
          save();
        }
      } finally {
        await r.close();
        out.chromiumPeakMb = chromiumPeak.stop();
      }
    },
    [views],
  );

  await stage(
    'markdown',
    cfg.runs,
    async () => {
      const { loadTemplates } = (await mod('diagrams/docs/markdown.ts')) as typeof import('../../diagrams/docs/markdown.ts');
      const { buildPageModel, buildIndex, indexStack } = (await mod('diagrams/docs/viewmodel.ts')) as typeof import('../../diagrams/docs/viewmodel.ts');
      const { Store } = (await mod('diagrams/estate/store.ts')) as typeof import('../../diagrams/estate/store.ts');
      const { estimateCost } = (await mod('diagrams/compliance/cost.ts')) as typeof import('../../diagrams/compliance/cost.ts');
      const t = await loadTemplates();
      let bytes = 0;
      for (const s of stacks) {
        const page = buildPageModel({ estate: estate!, stack: s, views: views![s]!, findings: findings![s]!, cost: estimateCost(estate!, s), formats: { svg: true, png: true, d2: false } });
        bytes += t.renderPage(page.model).length;
      }
      const store = Store.of(estate!);
      const entries = stacks.map((s) => indexStack(store, s, findings![s]!, views![s]!, `${s}/README.md`, estimateCost(estate!, s)));
      bytes += t.renderIndex(buildIndex({ stacks: entries }).model).length;
      return bytes;
    },
    [estate, findings, views],
  );
  save();
}

/** One native d2 render of the diagram's source, right after its WASM render: wall and CPU time. */
async function nativeOnce(bin: string, d: { -readonly [K in keyof DiagramResult]: DiagramResult[K] }, dir: string): Promise<void> {
  const r = await timedRun(bin, ['--layout', d.layout, d.d2File!, join(dir, 'native-out.svg')], { cwd: dir, timeoutMs: 180_000 });
  if (r.code !== 0) {
    d.nativeError = r.timedOut ? 'timed out after 180 s' : `exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`;
    return;
  }
  (d.nativeTimes ??= []).push(r.ms);
  if (r.cpuMs !== undefined) (d.nativeCpu ??= []).push(r.cpuMs);
}

/**
 * Every diagram from a fresh D2 start, all issued at once (as the render schedule does), with 1, 2
 * and 3 workers in turn (batches of the default size), and 2 workers compiling each diagram alone
 * (batch 1), `runs` rounds: the wall time of each (ms) per configuration.
 */
async function svgPool(mod: (rel: string) => Promise<unknown>, views: Record<string, { d2?: string; name: string }[]>, runs: number): Promise<Record<string, number[]>> {
  const { D2Renderer } = (await mod('diagrams/render/d2.ts')) as typeof import('../../diagrams/render/d2.ts');
  const all = Object.entries(views).flatMap(([s, vs]) => vs.filter((v) => v.d2 !== undefined).map((v) => ({ d2: v.d2!, id: `${s}/${v.name}` })));
  const res: Record<string, number[]> = {};
  for (let i = 0; i < runs; i++) {
    for (const [label, workers, batch] of [['1', 1, undefined], ['2', 2, undefined], ['3', 3, undefined], ['2 (batch 1)', 2, 1]] as const) {
      const t0 = nowMs();
      const r = await D2Renderer.start({ workers, ...(batch !== undefined ? { batch } : {}) });
      try {
        await Promise.all(all.map((v) => r.render(v.d2, v.id)));
      } finally {
        await r.close();
      }
      (res[label] ??= []).push(nowMs() - t0);
    }
  }
  return res;
}

main().catch((e) => {
  process.stderr.write(`bench child: ${short(e)}\n`);
  process.exitCode = 1;
});
