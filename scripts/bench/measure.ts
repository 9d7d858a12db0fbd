/**
 * Measurement helpers for the benchmark: statistics, a process-tree memory sampler (Linux /proc),
 * and a spawner that times a command end to end with the peak memory of its whole process tree.
 */

import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

export interface Stat {
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function stat(values: readonly number[]): Stat {
  if (values.length === 0) return { runs: 0, median: NaN, min: NaN, max: NaN };
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { runs: s.length, median, min: s[0]!, max: s[s.length - 1]! };
}

export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

const PAGE_KB = 4; // x86-64 / arm64 Linux default page size

/** Child pids by parent pid, from /proc. */
function processTree(): Map<number, number[]> {
  const children = new Map<number, number[]>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return children;
  }
  for (const p of pids) {
    try {
      const st = readFileSync(`/proc/${p}/stat`, 'latin1');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(p));
      children.set(ppid, list);
    } catch {
      // the process exited meanwhile
    }
  }
  return children;
}

/** `root` and its descendants, parents first. */
export function descendants(root: number): number[] {
  const children = processTree();
  const out: number[] = [];
  const todo = [root];
  while (todo.length > 0) {
    const pid = todo.shift()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Kills a process we started and every process it started, by pid (SIGKILL). */
export function killTree(root: number): void {
  for (const pid of descendants(root)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Proportional set size (kB) of a process: shared pages divided among their users, so a sum over processes is honest. */
function memKb(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'latin1'));
    if (m) return Number(m[1]);
  } catch {
    // no smaps_rollup (old kernel) or exited: fall back to RSS
  }
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'latin1').split(' ')[1]) * PAGE_KB;
  } catch {
    return 0;
  }
}

/** Memory (MB, PSS) of `root` and all its descendants, read from /proc. 0 where /proc is absent. */
export function treeRssMb(root: number, includeRoot = true): number {
  let kb = 0;
  for (const pid of descendants(root)) {
    if (pid === root && !includeRoot) continue;
    kb += memKb(pid);
  }
  return kb / 1024;
}

/** Samples the tree RSS of `root` every `everyMs` until stopped; returns the peak. */
export function sampleTree(root: number, everyMs = 150, includeRoot = true): { stop(): number } {
  let peak = treeRssMb(root, includeRoot);
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssMb(root, includeRoot));
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

export interface RunResult {
  readonly ms: number;
  /** Peak resident memory of the whole process tree (sum over processes, sampled). */
  readonly peakMb: number;
  readonly code: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly timedOut: boolean;
}

/** Spawns `cmd args` and waits for it: wall time from spawn to exit, sampled peak tree RSS. */
export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; sample?: boolean } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const t0 = nowMs();
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const sampler = opts.sample !== false && child.pid !== undefined ? sampleTree(child.pid) : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    let timedOut = false;
    const timer = opts.timeoutMs
      ? setTimeout(() => {
          timedOut = true;
          if (child.pid !== undefined) killTree(child.pid);
        }, opts.timeoutMs)
      : undefined;
    child.on('error', (e) => {
      sampler?.stop();
      if (timer) clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      const ms = nowMs() - t0;
      const peakMb = sampler?.stop() ?? 0;
      if (timer) clearTimeout(timer);
      resolve({ ms, peakMb, code, stderr, stdout, timedOut });
    });
  });
}

/** The 1-minute load average now (the machine is shared: each paired figure is quoted with it). */
export function os1(): number {
  return loadavg()[0]!;
}

export interface TimedResult extends RunResult {
  /** User + system CPU time of the command and everything it waited for (ms), from the shell's `times`. */
  readonly cpuMs?: number;
}

/**
 * Runs `cmd args` under `sh`, which reports the CPU time of what it waited for (`times`): wall and
 * CPU time of the whole command, with no memory sampling (nothing else runs beside it). The
 * command's standard output goes to its standard error.
 */
export async function timedRun(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<TimedResult> {
  const r = await run('sh', ['-c', '"$@" >&2; c=$?; times; exit $c', 'sh', cmd, ...args], { ...opts, sample: false });
  // `times` prints the shell's own times, then its children's: "0m0.512s 0m0.098s".
  const m = /(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s\s*$/.exec(r.stdout.trim());
  const cpuMs = m ? (Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000 : undefined;
  return { ...r, ...(cpuMs !== undefined ? { cpuMs } : {}) };
}

/** The layout engine a D2 source asks for (`vars.d2-config.layout-engine`), else dagre. */
export function layoutOf(d2: string): string {
  return /layout-engine:\s*([a-z]+)/.exec(d2)?.[1] ?? 'dagre';
}
