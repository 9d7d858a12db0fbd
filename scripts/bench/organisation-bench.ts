/**
 * The 300-stack rows of the benchmark: a synthetic organisation (scripts/bench/organisation.ts:
 * 100 projects x dev/uat/prod and one shared stack) documented by the real command, spawned:
 *
 * - cold, every format (SVG, PNG, Markdown, estate.json), empty `--out` and render cache;
 * - warm (nothing changed) and `check`, on that output;
 * - cold, Markdown and estate.json only (no images);
 * - the index assembled from those estate.json files (`index <dir> --out <elsewhere>`), reading no state;
 * - one project's job (its three stacks and the shared stack), cold, every format: the unit of
 *   work when the organisation is split into one CI job per project (docs/organisations.md);
 * - where the cold run's time goes: how busy the cores were during it (/proc/stat), and what one
 *   diagram costs in CPU, SVG and PNG apart (scripts/bench/diagram-cost.ts on the D2 sources of the
 *   first ten projects), so that the report can say how far the cold run is from its CPU floor.
 *
 * Kept apart from the rest of scripts/bench.ts: measureOrganisation runs them, organisationTargets
 * and organisationSection put them in the report.
 */

import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { run, stat } from './measure.ts';
import { SHARED_PROJECT, SHARED_STACK, writeSyntheticOrganisation } from './organisation.ts';

export interface OrgRun {
  readonly times: number[];
  readonly peaks: number[];
  readonly error?: string;
  readonly timedOutMs?: number;
}

export interface OrgResult {
  readonly stacks: number;
  readonly exportBytes: number;
  readonly runs: Readonly<Record<OrgRunKey, OrgRun | undefined>>;
  /** Where the cold run's time went (undefined when the cold run failed or /proc is absent). */
  readonly cost?: OrgCost;
  /** Sizes of the index written from estate.json: the index itself and the largest project page (bytes). */
  readonly index?: { readonly root: number; readonly largestProject: number; readonly projectPages: number };
  readonly load: { readonly start: string; readonly end: string };
}

export interface OrgCost {
  /** Diagrams the cold run drew (SVG files written; each has a PNG too). */
  readonly diagrams: number;
  /** The cores' busy share during the cold run (0-1), from /proc/stat; undefined without it. */
  readonly busy?: number;
  readonly cores: number;
  /** Mean CPU of one diagram, measured on a sample (scripts/bench/diagram-cost.ts); undefined if that failed. */
  readonly perDiagram?: { readonly sample: number; readonly svgCpuMs: number; readonly svgBatchedCpuMs: number; readonly pngCpuMs: number; readonly pngMegapixels: number };
}

export type OrgRunKey = 'cold' | 'warm' | 'check' | 'coldDocs' | 'index' | 'job';

export interface OrgOptions {
  readonly repo: string;
  readonly tmp: string;
  /** Repetitions of the cheap runs (warm, check, Markdown-only cold, index). */
  readonly runs: number;
  /** Time budget of the cold run with every format. */
  readonly coldBudgetMs: number;
  readonly log: (m: string) => void;
}

const loadavg = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' / ');

/** The machine's CPU ticks so far, busy and in all (first line of /proc/stat); undefined without it. */
function cpuTicks(): { busy: number; total: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'latin1').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

/** Files under `dir` whose names end with `ext`. */
function countFiles(dir: string, ext: string): number {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(ext)).length;
}

/** What one diagram of the organisation costs: the D2 sources of its first ten projects and the shared stack, drawn one at a time. */
async function perDiagram(o: OrgOptions, files: readonly string[], base: string): Promise<OrgCost['perDiagram']> {
  const sample = files.filter((f) => /[/\\](app-00\d\.[a-z]+|platform\.shared)\.json$/.test(f)).flatMap((f) => ['--state', f]);
  const dir = join(base, 'd2-sample');
  rmSync(dir, { recursive: true, force: true });
  const env = { ...process.env, DIAGRAMS_CACHE_DIR: 'off' };
  const d2 = await run(process.execPath, ['--import', 'tsx', 'diagrams/cli.ts', ...sample, '--out', dir, '--format', 'd2', '--quiet'], { cwd: o.repo, env, sample: false });
  if (d2.code !== 0) {
    o.log(`  per-diagram cost: the D2 sources failed (exit ${d2.code}): ${d2.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  const x = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'diagram-cost.ts'), o.repo, dir, '60'], { cwd: o.repo, env, sample: false });
  rmSync(dir, { recursive: true, force: true });
  if (x.code !== 0) {
    o.log(`  per-diagram cost failed (exit ${x.code}): ${x.stderr.trim().split('\n').pop()}`);
    return undefined;
  }
  const r = JSON.parse(x.stdout.trim().split('\n').pop()!) as { diagrams: number; svgCpuMs: number; svgBatchedCpuMs: number; pngCpuMs: number; pngMegapixels: number };
  o.log(`  per diagram (${r.diagrams} of them): SVG ${r.svgCpuMs.toFixed(0)} CPU-ms alone, ${r.svgBatchedCpuMs.toFixed(0)} batched, PNG ${r.pngCpuMs.toFixed(0)} CPU-ms (${r.pngMegapixels.toFixed(1)} MP)`);
  return { sample: r.diagrams, svgCpuMs: r.svgCpuMs, svgBatchedCpuMs: r.svgBatchedCpuMs, pngCpuMs: r.pngCpuMs, pngMegapixels: r.pngMegapixels };
}

/** Runs `node --import tsx diagrams/cli.ts <args>` `times` times, `before` each. */
async function spawnRuns(o: OrgOptions, label: string, args: string[], times: number, before: () => void, env: NodeJS.ProcessEnv, timeoutMs = 15 * 60_000): Promise<OrgRun> {
  const r: OrgRun = { times: [], peaks: [] };
  for (let i = 0; i < times; i++) {
    before();
    const x = await run(process.execPath, ['--import', 'tsx', 'diagrams/cli.ts', ...args], { cwd: o.repo, env, timeoutMs });
    if (x.timedOut) return { ...r, peaks: [...r.peaks, x.peakMb], error: `TIMED OUT after ${timeoutMs / 1000} s (killed)`, timedOutMs: timeoutMs };
    if (x.code !== 0) return { ...r, error: `exit ${x.code}: ${x.stderr.trim().split('\n').slice(-2).join(' / ')}` };
    r.times.push(x.ms);
    r.peaks.push(x.peakMb);
  }
  o.log(`  ${label}: median ${(stat(r.times).median / 1000).toFixed(2)} s over ${times}, peak ${Math.max(...r.peaks).toFixed(0)} MB`);
  return r;
}

function indexSizes(dir: string): OrgResult['index'] {
  const pages = join(dir, 'projects');
  const sizes = readdirSync(pages).map((f) => statSync(join(pages, f)).size);
  return { root: statSync(join(dir, 'README.md')).size, largestProject: Math.max(...sizes), projectPages: sizes.length };
}

export async function measureOrganisation(o: OrgOptions): Promise<OrgResult> {
  const start = loadavg();
  const base = join(o.tmp, 'organisation');
  const files = writeSyntheticOrganisation(join(base, 'exports'));
  const exportBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  const state = files.flatMap((f) => ['--state', f]);
  const out = join(base, 'out');
  const cache = join(base, 'cache');
  const env = { ...process.env, DIAGRAMS_CACHE_DIR: cache };
  const clean = (...dirs: string[]) => () => dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  const runs: Record<OrgRunKey, OrgRun | undefined> = { cold: undefined, warm: undefined, check: undefined, coldDocs: undefined, index: undefined, job: undefined };
  o.log(`organisation: ${files.length} stacks, cold with every format (budget ${o.coldBudgetMs / 1000} s)`);
  const ticks0 = cpuTicks();
  runs.cold = await spawnRuns(o, '300 stacks cold', [...state, '--out', out, '--quiet'], 1, clean(out, cache), env, o.coldBudgetMs);
  const ticks1 = cpuTicks();
  const diagrams = runs.cold.error ? undefined : countFiles(out, '.svg');
  if (!runs.cold.error) {
    runs.warm = await spawnRuns(o, '300 stacks warm', [...state, '--out', out, '--quiet'], o.runs, () => undefined, env);
    runs.check = await spawnRuns(o, '300 stacks check', ['check', ...state, '--out', out, '--quiet'], o.runs, () => undefined, env);
  }
  const docs = join(base, 'docs');
  const docsCache = join(base, 'docs-cache');
  runs.coldDocs = await spawnRuns(o, '300 stacks cold, md+json', [...state, '--out', docs, '--format', 'md,json', '--quiet'], o.runs, clean(docs, docsCache), { ...process.env, DIAGRAMS_CACHE_DIR: docsCache });
  const org = join(base, 'index');
  let index: OrgResult['index'];
  if (!runs.coldDocs.error) {
    runs.index = await spawnRuns(o, 'index from estate.json', ['index', docs, '--out', org, '--quiet'], o.runs, clean(org), { ...process.env, DIAGRAMS_CACHE_DIR: 'off' });
    if (!runs.index.error) index = indexSizes(org);
  }
  const jobFiles = files.filter((f) => /[/\\](app-000\.[a-z]+|platform\.shared)\.json$/.test(f)).flatMap((f) => ['--state', f]);
  const job = join(base, 'job');
  const jobCache = join(base, 'job-cache');
  mkdirSync(job, { recursive: true });
  runs.job = await spawnRuns(o, `one project's job (app-000 and ${SHARED_PROJECT}/${SHARED_STACK}) cold`, [...jobFiles, '--out', job, '--quiet'], 1, clean(job, jobCache), { ...process.env, DIAGRAMS_CACHE_DIR: jobCache });
  let cost: OrgCost | undefined;
  if (diagrams !== undefined) {
    const busy = ticks0 && ticks1 && ticks1.total > ticks0.total ? (ticks1.busy - ticks0.busy) / (ticks1.total - ticks0.total) : undefined;
    const per = await perDiagram(o, files, base);
    cost = { diagrams, cores: os.availableParallelism(), ...(busy !== undefined ? { busy } : {}), ...(per ? { perDiagram: per } : {}) };
  }
  return { stacks: files.length, exportBytes, runs, ...(cost ? { cost } : {}), ...(index ? { index } : {}), load: { start, end: loadavg() } };
}

const secs = (ms: number): string => (ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`);

function figure(r: OrgRun | undefined): { text: string; median?: number } {
  if (!r) return { text: 'not run' };
  if (r.timedOutMs !== undefined) return { text: `over ${r.timedOutMs / 1000} s (killed)`, median: Infinity };
  if (r.error) return { text: `FAILED: ${r.error.replace(/\|/g, '\\|')}` };
  const s = stat(r.times);
  return { text: s.runs > 1 ? `${secs(s.median)} (${secs(s.min)}–${secs(s.max)}, ${s.runs}×)` : secs(s.median), median: s.median };
}

/** The targets of the 300-stack rows: [what, figure, limit, met or undefined when not measured]. */
export function organisationTargets(r: OrgResult | undefined): [string, string, string, boolean | undefined][] {
  const row = (what: string, run: OrgRun | undefined, limitMs: number, limit: string): [string, string, string, boolean | undefined] => {
    const f = figure(run);
    return [what, f.text, limit, f.median === undefined ? undefined : f.median < limitMs];
  };
  const largest = r?.index ? Math.max(r.index.root, r.index.largestProject) : undefined;
  return [
    row('300 stacks (100 projects x 3 + shared), cold, SVG + PNG + Markdown + JSON', r?.runs.cold, 60_000, '< 60 s'),
    row('300 stacks, cold, Markdown + JSON (no images)', r?.runs.coldDocs, 60_000, '< 60 s'),
    row('300 stacks, warm (nothing changed), every format', r?.runs.warm, 2_000, '< 2 s'),
    row('300 stacks, index from their estate.json files (`index <dir>`)', r?.runs.index, 10_000, '< 10 s'),
    ['300 stacks, the largest index page (index or project page)', largest === undefined ? '—' : `${(largest / 1024).toFixed(0)} KB`, '< 300 KB', largest === undefined ? undefined : largest < 300 * 1024],
  ];
}

/** The report's section on the 300-stack rows. */
export function organisationSection(r: OrgResult | undefined): string[] {
  if (!r) return [];
  const rows: [string, OrgRunKey][] = [
    ['Cold, every format (empty `--out` and render cache)', 'cold'],
    ['Warm, nothing changed (same `--out` and cache)', 'warm'],
    ['`check` against that output', 'check'],
    ['Cold, `--format md,json`', 'coldDocs'],
    ['`index <dir> --out <other>` over the 301 estate.json files of the md,json run (reads no state)', 'index'],
    ["One project's job: app-000's three stacks and the shared stack, cold, every format", 'job'],
  ];
  const peak = (x: OrgRun | undefined) => (x && x.peaks.length ? `${Math.max(...x.peaks).toFixed(0)} MB` : '—');
  const out = [
    '## 300 stacks: an organisation',
    '',
    `Synthetic organisation (scripts/bench/organisation.ts): 100 projects x dev/uat/prod with 40 parameters and 5 secrets each, StackReferences to one shared stack of the organisation (${r.stacks} exports, ${(r.exportBytes / 2 ** 20).toFixed(1)} MB), documented with \`--state\` for each export. Load average (1/5/15 min) at the start of these runs ${r.load.start}, at the end ${r.load.end}.`,
    '',
    '| Run | Time | Peak memory (process tree) |',
    '|---|---|---|',
    ...rows.map(([label, k]) => `| ${label} | ${figure(r.runs[k]).text} | ${peak(r.runs[k])} |`),
    '',
  ];
  if (r.index) out.push(`The index from estate.json: README.md ${(r.index.root / 1024).toFixed(0)} KB, ${r.index.projectPages} project pages, the largest ${(r.index.largestProject / 1024).toFixed(0)} KB.`, '');
  out.push(...costLines(r));
  return out;
}

/** Where the cold run's time went: its diagrams' CPU against the cores there are. */
function costLines(r: OrgResult): string[] {
  const c = r.cost;
  const cold = r.runs.cold && !r.runs.cold.error && r.runs.cold.times.length ? stat(r.runs.cold.times).median : undefined;
  if (!c || cold === undefined) return [];
  const lines = [`Where the cold run's time goes: it drew ${c.diagrams.toLocaleString('en-US')} diagrams, each as SVG and PNG${c.busy !== undefined ? `, with the ${c.cores} cores ${(c.busy * 100).toFixed(0)} % busy` : ''}.`];
  const p = c.perDiagram;
  if (p) {
    const each = p.svgBatchedCpuMs + p.pngCpuMs;
    const floor = (c.diagrams * each) / c.cores;
    lines.push(
      `One diagram, on an idle machine (a sample of ${p.sample} from the first ten projects, scripts/bench/diagram-cost.ts), costs ${p.svgBatchedCpuMs.toFixed(0)} ms of CPU for its SVG (D2 WASM, asked for with the others as a run does, so compiled in batches; ${p.svgCpuMs.toFixed(0)} ms drawn alone) and ${p.pngCpuMs.toFixed(0)} ms for its PNG (Chromium, ${p.pngMegapixels.toFixed(1)} megapixels).`,
      `${c.diagrams.toLocaleString('en-US')} x ${each.toFixed(0)} ms on ${c.cores} cores is ${secs(floor)} before anything else: the cold run took ${(cold / floor).toFixed(2)}x that floor, and < 60 s would need a diagram (SVG and PNG) to cost under ${((60_000 * c.cores) / c.diagrams).toFixed(0)} ms of CPU.`,
    );
  }
  return [lines.join(' '), ''];
}
