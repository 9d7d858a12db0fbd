/**
 * Fuzzing the generator: mutations of every corpus file and of exports of the built-in program
 * (scripts/fuzz/mutate.ts), each pushed through the pipeline in worker processes
 * (scripts/fuzz/pipeline.ts) with a per-case timeout. Reports how many were accepted, refused with a
 * GeneratorError, crashed untyped, broke an output invariant or hung, with the distinct failure
 * signatures, and saves a shrunk reproducer of each. See docs/fuzz.md.
 *
 *   npm run fuzz -- [--seed S] [--count N] [--from N] [--minutes M] [--workers W] [--timeout-ms T]
 *                   [--out DIR] [--render-every N] [--no-program] [--json FILE] [--quiet]
 *   npm run fuzz -- --replay DIR/crash-<id>.state.json
 *
 * Exit code 0 when nothing failed, 1 when a crash, broken invariant or hang was found, 2 for bad flags.
 */

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatReport } from './fuzz/report.ts';
import { runFuzz, type FuzzOptions } from './fuzz/runner.ts';

const USAGE = 'usage: npm run fuzz -- [--seed S] [--count N] [--from N] [--minutes M] [--workers W] [--timeout-ms T] [--out DIR] [--render-every N] [--no-program] [--json FILE] [--quiet] | --replay FILE';

function positive(name: string, v: string | undefined, fallback?: number): number | undefined {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a non-negative number, got ${JSON.stringify(v)}`);
  return n;
}

/** Runs a saved reproducer (and its companions beside it) once, in process, and prints the outcome. */
async function replay(file: string): Promise<number> {
  const { loadPipeline, runCase } = await import('./fuzz/pipeline.ts');
  const dir = path.dirname(file);
  const base = path.basename(file).replace(/\.(state|preview)\.json$/, '');
  const kind = file.endsWith('.preview.json') ? 'preview' : 'state';
  const companions = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.companion-`))
    .sort()
    .map((f) => ({ name: f, kind: 'state' as const, bytes: readFileSync(path.join(dir, f)) }));
  const { mkdtempSync, rmSync } = await import('node:fs');
  const work = mkdtempSync(path.join(os.tmpdir(), 'diagrams-fuzz-replay-'));
  try {
    const env = await loadPipeline(work);
    const bytes = readFileSync(file);
    const r = await runCase(env, { index: 0, seed: { name: path.basename(file), kind, bytes }, ops: [], bytes, companions, canary: true });
    process.stdout.write(`${r.outcome}${r.detail ? `: ${r.detail}` : ''} (${r.ms.toFixed(0)} ms)\n${r.error?.stack ?? ''}\n`);
    return r.outcome === 'accepted' || r.outcome === 'refused' ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string', default: '1' },
      count: { type: 'string' },
      from: { type: 'string' },
      minutes: { type: 'string' },
      workers: { type: 'string' },
      'timeout-ms': { type: 'string' },
      out: { type: 'string' },
      'render-every': { type: 'string' },
      'no-program': { type: 'boolean', default: false },
      json: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      replay: { type: 'string' },
    },
  });
  if (v.replay !== undefined) {
    if (!existsSync(v.replay)) throw new Error(`--replay: no file ${v.replay}`);
    return replay(v.replay);
  }
  const count = positive('count', v.count);
  const from = positive('from', v.from, 0)!;
  // SIGINT/SIGTERM: no new case; the run finishes the running ones, shrinks and reports. A second signal ends it.
  const stop = new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        process.stderr.write(`fuzz: ${sig}: finishing the running cases, then shrinking and reporting (again to end now)\n`);
        resolve();
      });
    }
  });
  const minutes = positive('minutes', v.minutes);
  const o: FuzzOptions = {
    seed: v.seed!,
    from,
    stop,
    ...(count !== undefined ? { count } : {}),
    ...(minutes !== undefined ? { minutes } : {}),
    ...(count === undefined && minutes === undefined ? { count: 10_000 } : {}),
    workers: Math.max(1, positive('workers', v.workers, Math.min(2, os.availableParallelism()))!),
    timeoutMs: positive('timeout-ms', v['timeout-ms'], 5_000)!,
    reproDir: path.resolve(v.out ?? path.join(os.tmpdir(), `diagrams-fuzz-${v.seed}`)),
    renderEvery: positive('render-every', v['render-every'], 0)!,
    program: !v['no-program'],
    shrinkAttempts: 400,
    shrinkMs: 60_000,
    ...(v.quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
  };
  const report = await runFuzz(o);
  process.stdout.write(`${formatReport(report)}\n`);
  if (v.json !== undefined) writeFileSync(v.json, JSON.stringify(report, null, 2));
  return report.crashes + report.invariants + report.hangs > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exitCode = 2;
  },
);
