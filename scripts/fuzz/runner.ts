/**
 * A fuzz run: seeds, a pool of workers, the cases `0..count-1` (or as many as fit in the time), the
 * tally, shrinking of the first case of each distinct failure, and the reproducers.
 */

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { makeCase, OPERATORS, type SeedFile } from './mutate.ts';
import { Pool, type JobEnd } from './pool.ts';
import { corpusSeeds, programSeeds, seedTypes } from './seeds.ts';

export interface FuzzOptions {
  readonly seed: string;
  /** Stop after this many cases (default: no limit; then `minutes` must be given). */
  readonly count?: number;
  /** The first case number (default 0): `--from N` goes on where a run of the same seed stopped. */
  readonly from?: number;
  /** When it resolves, no new case is started (the run finishes, shrinks and reports). */
  readonly stop?: Promise<void>;
  readonly minutes?: number;
  readonly workers: number;
  /** A case running longer is a hang (default 5,000 ms). */
  readonly timeoutMs: number;
  /** Where reproducers go (created when a failure is found). */
  readonly reproDir: string;
  /** Render the D2 of every n-th case to SVG (0: never). */
  readonly renderEvery: number;
  /** Include exports of the built-in program among the seeds. */
  readonly program: boolean;
  /** Attempts and milliseconds a shrink may take. */
  readonly shrinkAttempts: number;
  readonly shrinkMs: number;
  readonly log?: (line: string) => void;
}

export type FailureKind = 'crash' | 'invariant' | 'hang';

const CASES_KEPT = 20;

export interface Failure {
  readonly kind: FailureKind;
  readonly signature: string;
  count: number;
  readonly firstCase: number;
  /** The first cases of this failure (at most CASES_KEPT): a hang has no stack to tell two apart. */
  readonly cases: number[];
  readonly ops: readonly string[];
  readonly seedName: string;
  readonly stack?: string;
  reproducer?: string;
  shrunkFrom?: number;
  shrunkTo?: number;
}

export interface OperatorTally {
  cases: number;
  accepted: number;
  refused: number;
  failed: number;
}

export interface FuzzReport {
  readonly seed: string;
  /** The first case number. */
  readonly from: number;
  mutations: number;
  accepted: number;
  refused: number;
  readonly refusedByKind: Record<string, number>;
  crashes: number;
  invariants: number;
  hangs: number;
  /** Cases over 1 s (and under the timeout), and the slowest one. */
  slow: number;
  slowest: { index: number; ms: number; ops: readonly string[]; seedName: string } | undefined;
  readonly failures: Failure[];
  readonly operators: Record<string, OperatorTally>;
  readonly seeds: number;
  seconds: number;
  readonly reproDir: string;
}

/** The seeds and the resource types the retyping operator uses. */
export async function loadSeeds(program: boolean): Promise<{ seeds: SeedFile[]; types: string[] }> {
  const seeds = [...corpusSeeds(), ...(program ? await programSeeds() : [])];
  return { seeds, types: seedTypes(seeds) };
}

function newReport(o: FuzzOptions, seeds: number): FuzzReport {
  return {
    seed: o.seed,
    from: o.from ?? 0,
    mutations: 0,
    accepted: 0,
    refused: 0,
    refusedByKind: {},
    crashes: 0,
    invariants: 0,
    hangs: 0,
    slow: 0,
    slowest: undefined,
    failures: [],
    operators: Object.fromEntries(OPERATORS.map((op) => [op, { cases: 0, accepted: 0, refused: 0, failed: 0 }])),
    seeds,
    seconds: 0,
    reproDir: o.reproDir,
  };
}

export const signatureId = (signature: string): string => createHash('sha256').update(signature).digest('hex').slice(0, 12);

interface Run {
  readonly o: FuzzOptions;
  readonly seeds: SeedFile[];
  readonly types: string[];
  readonly report: FuzzReport;
  readonly pool: Pool;
  /** The first case of each failure, to shrink. */
  readonly firsts: Map<Failure, number>;
}

function record(run: Run, kind: FailureKind, signature: string, index: number, stack?: string): void {
  const r = run.report;
  if (kind === 'crash') r.crashes++;
  else if (kind === 'invariant') r.invariants++;
  else r.hangs++;
  const known = r.failures.find((f) => f.kind === kind && f.signature === signature);
  if (known) {
    known.count++;
    if (known.cases.length < CASES_KEPT) known.cases.push(index);
    run.o.log?.(`fuzz: ${kind} again at case ${index}`);
    return;
  }
  let c: { ops: readonly string[]; seed: { name: string } };
  try {
    c = makeCase(run.seeds, run.types, run.o.seed, index);
  } catch {
    c = { ops: [], seed: { name: '(the case cannot be made)' } };
  }
  const f: Failure = { kind, signature, count: 1, firstCase: index, cases: [index], ops: c.ops, seedName: c.seed.name, ...(stack !== undefined ? { stack } : {}) };
  r.failures.push(f);
  run.firsts.set(f, index);
  run.o.log?.(`fuzz: new ${kind} at case ${index} (${c.seed.name}: ${c.ops.join('+')}): ${signature.slice(0, 300)}`);
}

function tally(run: Run, end: JobEnd, index: number, overTimeout: boolean): void {
  const r = run.report;
  r.mutations++;
  if (end.kind !== 'message' || end.message.type !== 'result') {
    const died = end.kind === 'died' ? `worker died (${end.how}): ${end.stderr.trim().split('\n').slice(-3).join(' / ').slice(0, 300)}` : 'hang';
    record(run, end.kind === 'died' ? 'crash' : 'hang', died, index);
    return;
  }
  const { result, ops, seedName } = end.message;
  for (const op of new Set(ops)) {
    const t = r.operators[op]!;
    t.cases++;
    if (result.outcome === 'accepted') t.accepted++;
    else if (result.outcome === 'refused') t.refused++;
    else t.failed++;
  }
  if (result.ms > 1_000 || overTimeout) r.slow++;
  if (r.slowest === undefined || result.ms > r.slowest.ms) r.slowest = { index, ms: Math.round(result.ms), ops, seedName };
  if (result.outcome === 'accepted') r.accepted++;
  else if (result.outcome === 'refused') {
    r.refused++;
    r.refusedByKind[result.detail!] = (r.refusedByKind[result.detail!] ?? 0) + 1;
  } else record(run, result.outcome, result.detail!, index, result.error?.stack);
}

async function runOne(run: Run, w: number, index: number): Promise<void> {
  const end = await run.pool.run(w, { type: 'case', index }, run.o.timeoutMs);
  if (end.kind !== 'timeout' || end.cpu) return tally(run, end, index, false);
  // Out of wall-clock time, not CPU time: a second try in a fresh worker tells a hang from a case slowed by a busy machine.
  tally(run, await run.pool.run(w, { type: 'case', index }, run.o.timeoutMs), index, true);
}

function saveReproducer(run: Run, f: Failure, bytes: Buffer): void {
  const c = makeCase(run.seeds, run.types, run.o.seed, f.firstCase);
  mkdirSync(run.o.reproDir, { recursive: true });
  const base = path.join(run.o.reproDir, `${f.kind}-${signatureId(f.signature)}`);
  writeFileSync(`${base}.${c.seed.kind}.json`, bytes);
  c.companions.forEach((s, i) => writeFileSync(`${base}.companion-${i}.state.json`, s.bytes));
  const info = [
    `kind: ${f.kind}`,
    `signature: ${f.signature}`,
    `seed: ${run.o.seed}`,
    `case: ${f.firstCase} (${c.seed.name}: ${c.ops.join(' + ')})`,
    `bytes: ${c.bytes.length} as generated, ${bytes.length} in the reproducer`,
    `companions: ${c.companions.map((s) => s.name).join(', ') || 'none'}`,
    `replay: npm run fuzz -- --replay ${base}.${c.seed.kind}.json`,
    '',
    f.stack ?? '',
  ];
  writeFileSync(`${base}.txt`, info.join('\n'));
  f.reproducer = `${base}.${c.seed.kind}.json`;
  f.shrunkFrom = c.bytes.length;
  f.shrunkTo = bytes.length;
}

async function shrinkAll(run: Run): Promise<void> {
  const queue = [...run.firsts.entries()];
  const worker = async (w: number): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const [f, index] = item;
      if (f.seedName === '(the case cannot be made)') continue;
      let bytes = makeCase(run.seeds, run.types, run.o.seed, index).bytes;
      if (f.kind !== 'hang') {
        const end = await run.pool.run(w, { type: 'shrink', index, detail: f.signature, attempts: run.o.shrinkAttempts, ms: run.o.shrinkMs }, run.o.shrinkMs + 30_000);
        if (end.kind === 'message' && end.message.type === 'shrunk') bytes = Buffer.from(end.message.bytes);
      }
      saveReproducer(run, f, bytes);
    }
  };
  await Promise.all(Array.from({ length: run.pool.size }, (_, w) => worker(w)));
}

/** Runs the cases; returns the tally. Reproducers of failures are written to `o.reproDir`. */
export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  if (o.count === undefined && o.minutes === undefined) throw new Error('fuzz: give --count or --minutes');
  const { seeds, types } = await loadSeeds(o.program);
  // Case files are written and read once per case: in memory where the machine has /dev/shm.
  const work = mkdtempSync(path.join(existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir(), 'diagrams-fuzz-'));
  const dirs = Array.from({ length: o.workers }, (_, i) => path.join(work, `w${i}`));
  for (const d of dirs) mkdirSync(d);
  const pool = new Pool(o.workers, { type: 'init', seeds, types, seed: o.seed, renderEvery: o.renderEvery, dir: '' }, dirs);
  const run: Run = { o, seeds, types, report: newReport(o, seeds.length), pool, firsts: new Map() };
  const t0 = performance.now();
  const deadline = o.minutes !== undefined ? t0 + o.minutes * 60_000 : Infinity;
  const first = o.from ?? 0;
  let next = first;
  let stopped = false;
  void o.stop?.then(() => (stopped = true));
  const take = (): number | undefined => (!stopped && next - first < (o.count ?? Infinity) && performance.now() < deadline ? next++ : undefined);
  const r = run.report;
  const progress = setInterval(() => o.log?.(`fuzz: ${r.mutations} cases, ${r.accepted} accepted, ${r.refused} refused, ${r.crashes} crashes, ${r.invariants} invariant failures, ${r.hangs} hangs, ${(r.mutations / ((performance.now() - t0) / 1000)).toFixed(0)}/s`), 30_000);
  try {
    await Promise.all(dirs.map(async (_, w) => {
      for (let i = take(); i !== undefined; i = take()) await runOne(run, w, i);
    }));
    r.seconds = (performance.now() - t0) / 1000;
    clearInterval(progress);
    await shrinkAll(run);
  } finally {
    clearInterval(progress);
    await pool.close();
    rmSync(work, { recursive: true, force: true });
  }
  r.failures.sort((a, b) => a.kind.localeCompare(b.kind) || b.count - a.count || a.firstCase - b.firstCase);
  return r;
}
