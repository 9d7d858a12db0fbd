/**
 * The worker processes of a fuzz run: one case at a time each, a timer per case (a case still running
 * at the timeout is a hang: the worker is killed with SIGKILL and replaced), a worker that dies
 * during a case is reported as a crash of that case.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './worker.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export type JobEnd =
  | { kind: 'message'; message: FromWorker }
  | { kind: 'timeout' }
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
    const proc = fork(WORKER, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
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
      const timer = setTimeout(() => {
        slot.pending = undefined;
        resolve({ kind: 'timeout' });
      }, timeoutMs);
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
