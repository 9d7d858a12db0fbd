/**
 * Whole-job figures for the benchmark (scripts/bench.ts): the cold run from the program (SVG and
 * Markdown, no PNG, empty `--out` and render cache) paired with a shell loop that renders the same
 * D2 sources with the native `d2` binary, run in turn (ours, native, ours, ...) so that both meet
 * the same load on a shared machine; optionally the same cold run of another checkout (`--compare
 * <dir>`, the code before a change) in the same rounds. Also the program run alone with and without
 * the SDK's per-promise stack traces (what skipping them buys). Each figure carries the 1-minute
 * load average at its start and end.
 */

import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { layoutOf, os1, stat, timedRun, type Stat } from './measure.ts';

export interface Sample {
  readonly wallMs: number;
  readonly cpuMs?: number;
}

export interface Series {
  readonly label: string;
  readonly samples: Sample[];
  readonly error?: string;
}

export interface Paired {
  readonly sources: number;
  /** `ours` first; every other series is run in the same rounds. */
  readonly series: Series[];
  readonly load: readonly [number, number];
  readonly error?: string;
}

const CLI = ['--import', 'tsx', 'diagrams/cli.ts'];

/** The D2 sources a cold run renders, as files (from `--format d2`), with each one's layout engine. */
async function jobSources(repo: string, tmp: string): Promise<{ file: string; layout: string }[]> {
  const out = join(tmp, 'job-d2');
  const r = await timedRun(process.execPath, [...CLI, 'generate', '--out', out, '--format', 'd2', '--quiet'], { cwd: repo, env: { ...process.env, DIAGRAMS_CACHE_DIR: join(tmp, 'job-d2-cache') }, timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`d2 sources: exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`);
  const files: { file: string; layout: string }[] = [];
  for (const dir of readdirSync(out, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const f of readdirSync(join(out, dir)).filter((f) => f.endsWith('.d2')).sort()) {
      const file = join(out, dir, f);
      files.push({ file, layout: layoutOf(readFileSync(file, 'utf8')) });
    }
  }
  return files;
}

/** One cold run of a checkout's CLI: empty `--out` and render cache. */
function coldRun(repo: string, tmp: string, label: string): () => Promise<Sample> {
  const out = join(tmp, `job-out-${label}`);
  const cache = join(tmp, `job-cache-${label}`);
  return async () => {
    rmSync(out, { recursive: true, force: true });
    rmSync(cache, { recursive: true, force: true });
    const r = await timedRun(process.execPath, [...CLI, 'generate', '--out', out, '--format', 'svg,md', '--quiet'], { cwd: repo, env: { ...process.env, DIAGRAMS_CACHE_DIR: cache }, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' / ')}`);
    return { wallMs: r.ms, ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}) };
  };
}

/** Runs each command once per round, in turn; a command that fails is dropped (its error kept). */
async function rounds(cmds: { label: string; run: () => Promise<Sample> }[], runs: number, log: (m: string) => void): Promise<Series[]> {
  const series = cmds.map((c) => ({ label: c.label, samples: [] as Sample[], error: undefined as string | undefined }));
  for (let i = 0; i < runs; i++) {
    for (const [k, c] of cmds.entries()) {
      if (series[k]!.error !== undefined) continue;
      try {
        series[k]!.samples.push(await c.run());
      } catch (e) {
        series[k]!.error = (e as Error).message;
      }
    }
    log(`  round ${i + 1}: ${series.map((s) => `${s.label} ${s.samples.at(-1) ? (s.samples.at(-1)!.wallMs / 1000).toFixed(2) + ' s' : s.error}`).join(', ')}`);
  }
  return series;
}

/** The whole-job pairing: ours (and `compare`'s) cold run against the native loop, `runs` rounds. */
export async function wholeJob(repo: string, native: string, tmp: string, runs: number, compare: string | undefined, log: (m: string) => void): Promise<Paired> {
  const load0 = os1();
  let sources: { file: string; layout: string }[];
  try {
    sources = await jobSources(repo, tmp);
  } catch (e) {
    return { sources: 0, series: [], load: [load0, os1()], error: (e as Error).message };
  }
  const loop = join(tmp, 'native-loop.sh');
  writeFileSync(loop, ['set -e', ...sources.map((s) => `"${native}" --layout ${s.layout} "${s.file}" "${join(tmp, 'native-loop.svg')}" 2>/dev/null`), ''].join('\n'));
  const nativeRun = async (): Promise<Sample> => {
    const r = await timedRun('sh', [loop], { cwd: tmp, timeoutMs: 600_000 });
    if (r.code !== 0) throw new Error(`native loop exit ${r.code}`);
    return { wallMs: r.ms, ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}) };
  };
  const cmds = [
    { label: 'ours', run: coldRun(repo, tmp, 'ours') },
    { label: 'native', run: nativeRun },
    ...(compare !== undefined ? [{ label: 'before', run: coldRun(compare, tmp, 'before') }] : []),
  ];
  log(`whole job: ${sources.length} D2 sources, ${runs} rounds (${cmds.map((c) => c.label).join(', ')})`);
  const series = await rounds(cmds, runs, log);
  return { sources: sources.length, series, load: [load0, os1()] };
}

/** The program run alone (`graph`, empty cache) with the SDK's per-promise stacks skipped (as shipped) and kept. */
export async function promiseStacks(repo: string, tmp: string, runs: number, log: (m: string) => void): Promise<Paired> {
  const load0 = os1();
  const graph = (label: string, env: NodeJS.ProcessEnv) => async (): Promise<Sample> => {
    const cache = join(tmp, `graph-cache-${label}`);
    rmSync(cache, { recursive: true, force: true });
    const r = await timedRun(process.execPath, [...CLI, 'graph'], { cwd: repo, env: { ...process.env, ...env, DIAGRAMS_CACHE_DIR: cache }, timeoutMs: 300_000 });
    if (r.code !== 0) throw new Error(`exit ${r.code}`);
    return { wallMs: r.ms, ...(r.cpuMs !== undefined ? { cpuMs: r.cpuMs } : {}) };
  };
  log(`program alone, SDK promise stacks skipped / kept: ${runs} rounds`);
  const series = await rounds([{ label: 'skipped', run: graph('skipped', {}) }, { label: 'kept', run: graph('kept', { PULUMI_DEBUG_PROMISE_LEAKS: '1' }) }], runs, log);
  return { sources: 0, series, load: [load0, os1()] };
}

/** Per round, series `a` over series `b` (wall, or CPU): the pairs' ratios. */
export function pairRatios(p: Paired, a: string, b: string, cpu = false): Stat {
  const sa = p.series.find((s) => s.label === a)?.samples ?? [];
  const sb = p.series.find((s) => s.label === b)?.samples ?? [];
  const r: number[] = [];
  for (let i = 0; i < Math.min(sa.length, sb.length); i++) {
    const x = cpu ? sa[i]!.cpuMs : sa[i]!.wallMs;
    const y = cpu ? sb[i]!.cpuMs : sb[i]!.wallMs;
    if (x !== undefined && y !== undefined && y > 0) r.push(x / y);
  }
  return stat(r);
}

/**
 * The previous report's run date, load and targets, as one entry of the "Earlier runs" list,
 * followed by the entries that report carried itself.
 */
export function earlierRuns(previous: string | undefined): string[] {
  if (previous === undefined) return [];
  const date = /^Run date: (.+)$/m.exec(previous)?.[1] ?? 'unknown date';
  const load = /\| Load average at start \(1\/5\/15 min\) \| ([^|]+) \|/.exec(previous)?.[1]?.trim() ?? 'unknown';
  const targets = previous.split('## Targets')[1]?.split('\n## ')[0] ?? '';
  const rows = targets
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| Target |'))
    .map((l) => l.split('|').map((c) => c.trim()))
    .map((c) => `${c[1]}: ${c[2]} (${c[4]})`);
  const entry = rows.length ? [`- ${date}, load at start ${load}: ${rows.join('; ')}.`] : [];
  const carried = previous.split('## Earlier runs')[1]?.split('\n## ')[0]?.split('\n').filter((l) => l.startsWith('- ')) ?? [];
  return [...entry, ...carried];
}
