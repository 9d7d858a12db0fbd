/** One generate at a time per output directory: an exclusive lock, bounded waiting, stale-lock take-over. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GeneratorError } from '../../diagrams/errors.ts';
import { LOCK_NAME, readManifest, writeOutputs, type OutputFile } from '../../diagrams/writer/index.ts';
import { exists, listAll, tempDir } from '../fixtures/tree.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('writer-lock-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const out = () => path.join(dir, 'out');
const setA: OutputFile[] = [
  { path: 'README.md', contents: 'A\n' },
  { path: 'a/README.md', contents: 'A\n' },
];
const setB: OutputFile[] = [
  { path: 'README.md', contents: 'B\n' },
  { path: 'b/README.md', contents: 'B\n' },
];

/** A pid that does not run: a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** Starts a write that stops before its first switch rename until `resume` is called. */
function pausedWrite(files: OutputFile[]) {
  let resume!: () => void;
  let paused!: () => void;
  const isPaused = new Promise<void>((r) => (paused = r));
  const gate = new Promise<void>((r) => (resume = r));
  const done = writeOutputs(out(), files, [], {
    onStep: async (s) => {
      if (s.phase === 'switch' && s.action === 'rename' && s.index === 0) {
        paused();
        await gate;
      }
    },
  });
  return { done, isPaused, resume };
}

describe('the lock on --out', () => {
  it('a second generate waits a bounded time, then fails naming the lock file and its owner', async () => {
    await writeOutputs(out(), setA);
    const first = pausedWrite(setB);
    await first.isPaused;
    const e = await writeOutputs(out(), setA, [], { lockTimeoutMs: 300, lockPollMs: 20 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(GeneratorError);
    expect((e as Error).message).toContain(`${out()}/${LOCK_NAME}`);
    expect((e as Error).message).toContain(`another generate (pid ${process.pid} on ${JSON.stringify(os.hostname())}`);
    expect((e as Error).message).toMatch(/waited 0\.3 s/);
    first.resume();
    await first.done;
    expect(await exists(path.join(out(), LOCK_NAME))).toBe(false);
  });

  it('two generates at once run one after the other: the manifest lists exactly the files on disk', async () => {
    await writeOutputs(out(), setA);
    const first = pausedWrite(setB);
    await first.isPaused;
    const second = writeOutputs(out(), setA, [], { lockPollMs: 10 });
    let secondDone = false;
    void second.then(() => (secondDone = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(secondDone).toBe(false); // waiting for the lock
    first.resume();
    const [r1, r2] = await Promise.all([first.done, second]);
    expect(r1.removed).toEqual(['a/README.md']);
    expect(r2.removed).toEqual(['b/README.md']);
    const onDisk = await listAll(out());
    expect(onDisk).toEqual(['.generated.json', 'README.md', 'a/README.md']);
    expect(Object.keys((await readManifest(out()))!.files)).toEqual(['README.md', 'a/README.md']);
  });

  it('takes over a lock whose owner no longer runs on this host, with a message', async () => {
    await writeOutputs(out(), setA);
    const pid = deadPid();
    await fs.writeFile(path.join(out(), LOCK_NAME), JSON.stringify({ pid, host: os.hostname(), started: '2020-01-01T00:00:00.000Z' }));
    const r = await writeOutputs(out(), setB, [], { lockTimeoutMs: 200 });
    expect(r.messages).toEqual([`took over the lock ${out()}/${LOCK_NAME}: its owner (pid ${pid} on ${JSON.stringify(os.hostname())}, since 2020-01-01T00:00:00.000Z) no longer runs`]);
    expect(r.written).toEqual(['README.md', 'b/README.md']);
    expect(await exists(path.join(out(), LOCK_NAME))).toBe(false);
  });

  it('does not take over a lock of another host (its pid cannot be checked)', async () => {
    await writeOutputs(out(), setA);
    await fs.writeFile(path.join(out(), LOCK_NAME), JSON.stringify({ pid: deadPid(), host: 'build-agent-7', started: 'x' }));
    const e = await writeOutputs(out(), setB, [], { lockTimeoutMs: 100, lockPollMs: 20 }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((e as Error).message).toMatch(/another generate \(pid \d+ on "build-agent-7", since x\) holds the lock/);
    expect((await fs.readFile(path.join(out(), 'README.md'), 'utf8'))).toBe('A\n');
  });
});
