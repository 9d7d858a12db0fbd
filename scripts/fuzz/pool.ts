/**
 * The worker processes of a fuzz run: one case at a time each, a timer per case, a worker that dies
 * during a case is reported as a crash of that case. The timeout counts the worker's CPU time where
 * the system reports it (Linux: /proc/<pid>/stat), so that a busy machine does not turn a slow case
 * into a hang: at the timeout, a worker that has used less CPU than that is given more time (up to
 * WALL_LIMIT times the timeout); one that has used it all, or is past that, is killed (SIGKILL),
 * replaced, and the case is a hang.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './worker.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** A case gets at most this many times its timeout in wall-clock time, whatever CPU time it used. */
const WALL_LIMIT = 12;
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU time (user + system, milliseconds) of a process, or undefined where /proc is not available. */
export function cpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may hold spaces): utime is the 14th, stime the 15th.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

export type JobEnd =
  | { kind: 'message'; message: FromWorker }
  /** `cpu`: the worker used the timeout's worth of CPU time (else: the wall-clock limit, or no CPU figures). */
  | { kind: 'timeout'; cpu: boolean }
  | { kind: 'died'; how: string; stderr: string };

interface Slot {
  proc: ChildProcess;
  ready: Promise<void>;
  stderr: string;
  pending?: (end: JobEnd) => void;
}

export class Pool {
  private readonly slots: Slot[] = [];

  constructor(
    size: number,
    private readonly init: Extract<ToWorker, { type: 'init' }>,
    private readonly dirs: readonly string[],
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(i));
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(i: number): Slot {
    // Its own process group: a Ctrl-C meant for the run does not kill a worker in the middle of a case.
    const proc = fork(WORKER, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', detached: true, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const slot: Slot = { proc, stderr: '', ready: Promise.resolve() };
    proc.stderr!.on('data', (d: Buffer) => (slot.stderr = (slot.stderr + d.toString('utf8')).slice(-2_000)));
    slot.ready = new Promise<void>((resolve, reject) => {
      const onReady = (m: FromWorker) => {
        if (m.type !== 'ready') return;
        proc.off('message', onReady);
        resolve();
      };
      proc.on('message', onReady);
      proc.once('exit', (code, signal) => reject(new Error(`fuzz worker exited during start (${signal ?? code}): ${slot.stderr}`)));
    });
    slot.ready.catch(() => undefined);
    proc.on('message', (m: FromWorker) => {
      if (m.type === 'ready') return;
      const p = slot.pending;
      slot.pending = undefined;
      p?.({ kind: 'message', message: m });
    });
    proc.on('exit', (code, signal) => {
      const p = slot.pending;
      slot.pending = undefined;
      p?.({ kind: 'died', how: signal ?? `exit code ${code}`, stderr: slot.stderr });
    });
    proc.send({ ...this.init, dir: this.dirs[i]! });
    return slot;
  }

  /** Sends `job` to worker `i` and waits for its answer, the timeout, or its death (then it is replaced). */
  async run(i: number, job: ToWorker, timeoutMs: number): Promise<JobEnd> {
    let slot = this.slots[i]!;
    await slot.ready;
    const end = await new Promise<JobEnd>((resolve) => {
      const cpu0 = cpuMs(slot.proc.pid);
      const t0 = Date.now();
      let timer: NodeJS.Timeout;
      const check = (): void => {
        const used = cpu0 === undefined ? undefined : (cpuMs(slot.proc.pid) ?? Infinity) - cpu0;
        const wall = Date.now() - t0;
        if (used !== undefined && used < timeoutMs && wall < timeoutMs * WALL_LIMIT) {
          timer = setTimeout(check, Math.max(10, Math.min(timeoutMs - used, timeoutMs * WALL_LIMIT - wall)));
          return;
        }
        slot.pending = undefined;
        resolve({ kind: 'timeout', cpu: used !== undefined && used >= timeoutMs });
      };
      timer = setTimeout(check, timeoutMs);
      slot.pending = (e) => {
        clearTimeout(timer);
        resolve(e);
      };
      slot.proc.send(job);
    });
    if (end.kind !== 'message') {
      slot.proc.removeAllListeners('exit');
      slot.proc.kill('SIGKILL');
      slot = this.spawn(i);
      this.slots[i] = slot;
    }
    return end;
  }

  async close(): Promise<void> {
    await Promise.all(
      this.slots.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve();
            s.proc.once('exit', () => resolve());
            s.proc.kill('SIGKILL');
          }),
      ),
    );
  }
}
