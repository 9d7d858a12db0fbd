/**
 * The commit switches the set of changed files together: a failure at any rename rolls back the
 * renames done, a failed roll-back says exactly what is left, a killed run is rolled back (or
 * forward) by the next one, and a hand-edited stale file is kept.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { GeneratorError } from '../../diagrams/errors.ts';
import { checkOutputs, formatProblems, MANIFEST_NAME, readManifest, writeOutputs, type OutputFile, type WriterStep } from '../../diagrams/writer/index.ts';
import { exists, fsFailure, snapshot, tempDir } from '../fixtures/tree.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

let dir: string;
beforeEach(async () => {
  dir = await tempDir('writer-commit-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const out = () => path.join(dir, 'out');
const shown = (rel: string) => `${out()}/${rel}`;
const v1: OutputFile[] = [
  { path: 'README.md', contents: '# Index v1\n' },
  { path: 'dev/README.md', contents: '# dev v1\n' },
  { path: 'prod/README.md', contents: '# prod v1\n' },
  { path: 'prod/a.svg', contents: '<svg>v1</svg>' },
];
// Changes every file, adds one in a new directory, drops dev/.
const v2: OutputFile[] = [
  { path: 'README.md', contents: '# Index v2\n' },
  { path: 'prod/README.md', contents: '# prod v2\n' },
  { path: 'prod/a.svg', contents: '<svg>v2</svg>' },
  { path: 'uat/README.md', contents: '# uat v2\n' },
];

async function rejection(p: Promise<unknown>): Promise<GeneratorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GeneratorError);
  return e as GeneratorError;
}

const failAt =
  (phase: string, index: number, code = 'EACCES') =>
  (s: WriterStep) => {
    if (s.phase === phase && s.action === 'rename' && s.index === index) throw fsFailure(code);
  };

describe('a failure during the switch', () => {
  for (const k of [0, 1, 3, 5, 7]) {
    it(`at rename ${k}: every rename done is undone, nothing changed, no leftovers`, async () => {
      await writeOutputs(out(), v1);
      const before = await snapshot(out());
      const e = await rejection(writeOutputs(out(), v2, [], { onStep: failAt('switch', k) }));
      expect(e.message).toMatch(/permission denied \(EACCES\)/);
      expect(e.message).toMatch(/nothing was changed/);
      if (k > 0) expect(e.message).toMatch(/already switched \(.+\) (was|were) put back/);
      expect(await snapshot(out())).toEqual(before);
    });
  }

  it('a real failure (a directory appears where a new file goes) is rolled back too', async () => {
    await writeOutputs(out(), v1);
    const before = await snapshot(out());
    const e = await rejection(
      writeOutputs(out(), v2, [], {
        onStep: async (s) => {
          if (s.phase === 'switch' && s.path === shown('uat/README.md')) await fs.mkdir(path.join(out(), 'uat', 'README.md', 'x'), { recursive: true });
        },
      }),
    );
    expect(e.message).toContain(`${shown('uat/README.md')}: cannot create it: it is a directory (EISDIR)`);
    expect(e.message).toMatch(/nothing was changed/);
    await fs.rm(path.join(out(), 'uat'), { recursive: true });
    expect(await snapshot(out())).toEqual(before);
  });

  it('when the roll-back fails too, the error says what is left, and the next run puts the previous files back', async () => {
    await writeOutputs(out(), v1);
    const before = await snapshot(out());
    let failedRollback = false;
    const e = await rejection(
      writeOutputs(out(), v2, [], {
        onStep: (s) => {
          failAt('switch', 4)(s);
          if (s.phase === 'rollback' && s.action === 'rename' && !failedRollback) {
            failedRollback = true;
            throw fsFailure('EIO');
          }
        },
      }),
    );
    // Renames 0-3: README.md aside and in, prod/README.md aside and in; rename 4 fails; the
    // roll-back goes backwards, so prod/README.md is the one not put back.
    expect(e.message).toContain(`${shown('prod/README.md')} was not put back (input/output error (EIO)): its previous contents are in ${shown('.generated.staging/old/1')}`);
    expect(e.message).toContain(`${shown('.generated.staging')} keeps the journal and the backups, and the next generate into ${out()} puts the previous files back`);
    expect(await fs.readFile(path.join(out(), 'prod/README.md'), 'utf8')).toBe('# prod v2\n');
    expect(await fs.readFile(path.join(out(), 'README.md'), 'utf8')).toBe('# Index v1\n');
    // The next run rolls back first: with the v1 files it then finds nothing to write.
    const r = await writeOutputs(out(), v1);
    expect(r.messages).toEqual([expect.stringMatching(/^rolled back an interrupted generate \(pid \d+, .*\): .*prod\/README.md put back/)]);
    expect(r.written).toEqual([]);
    expect(await snapshot(out())).toEqual(before);
  });

  it('an --inject file switches with the others: put back on a failure, no temporary file left beside it', async () => {
    await writeOutputs(out(), v1);
    const doc = path.join(dir, 'ARCH.md');
    await fs.writeFile(doc, 'hand-written\n');
    const before = await snapshot(dir);
    // The manifest is the last file: its rename fails after the extra file was replaced.
    const e = await rejection(
      writeOutputs(out(), v2, [{ path: doc, contents: 'filled\n' }], {
        onStep: (s) => {
          if (s.phase === 'switch' && s.action === 'rename' && s.path === shown(MANIFEST_NAME) && s.index > 0) throw fsFailure('EROFS');
        },
      }),
    );
    expect(e.kind).toBe('environment');
    expect(e.message).toMatch(/already switched \(.*ARCH\.md.*\) were put back, so nothing was changed/);
    expect(await snapshot(dir)).toEqual(before);
    await writeOutputs(out(), v2, [{ path: doc, contents: 'filled\n' }]);
    expect(await fs.readFile(doc, 'utf8')).toBe('filled\n');
    expect((await fs.readdir(dir)).sort()).toEqual(['ARCH.md', 'out']);
  });

  it('a failure writing the final journal entry rolls everything back', async () => {
    await writeOutputs(out(), v1);
    const before = await snapshot(out());
    const e = await rejection(
      writeOutputs(out(), v2, [], {
        onStep: (s) => {
          if (s.phase === 'switch' && s.action === 'journal') throw fsFailure('ENOSPC');
        },
      }),
    );
    expect(e.message).toMatch(/nothing was changed/);
    expect(await snapshot(out())).toEqual(before);
  });
});

function killedRun(files: OutputFile[], phase: string, action: string, index: number) {
  return (async () => {
    const spec = path.join(dir, 'files.json');
    await fs.writeFile(spec, JSON.stringify(files));
    const r = spawnSync(process.execPath, ['--import', TSX, path.join(import.meta.dirname, 'helpers', 'kill-child.ts'), out(), spec, phase, action, String(index)], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stderr).toBe('');
    expect(r.signal).toBe('SIGKILL');
  })();
}

describe('a run killed part way', () => {
  it('during the switch: the next run takes over the lock and rolls back to the previous files', async () => {
    await writeOutputs(out(), v1);
    const before = await snapshot(out());
    await killedRun(v2, 'switch', 'rename', 5);
    // Mixed: README.md and prod/README.md are v2 already, the lock and staging directory are left.
    expect(await fs.readFile(path.join(out(), 'README.md'), 'utf8')).toBe('# Index v2\n');
    expect(await exists(path.join(out(), '.generated.lock'))).toBe(true);
    expect(await exists(path.join(out(), '.generated.staging', 'journal.json'))).toBe(true);
    // check takes no lock and does not trip over them: it reports the mixed state.
    expect(formatProblems(await checkOutputs(out(), v1))).toMatch(/README.md is out of date/);
    const r = await writeOutputs(out(), v1);
    expect(r.messages[0]).toMatch(/^took over the lock .*\.generated\.lock: its owner \(pid \d+ on .*\) no longer runs$/);
    expect(r.messages[1]).toMatch(/^rolled back an interrupted generate .*: .*README.md.* put back as they were before it$/);
    expect(r.written).toEqual([]);
    expect(await snapshot(out())).toEqual(before);
  });

  it('after the switch completed: the next run finishes the clean-up (rolls forward)', async () => {
    await writeOutputs(out(), v1);
    await killedRun(v2, 'cleanup', 'remove', 0);
    expect(await exists(path.join(out(), '.generated.staging'))).toBe(true);
    const r = await writeOutputs(out(), v2);
    expect(r.messages[1]).toMatch(/^finished an interrupted generate .*: all its files were in place; removed its staging directory$/);
    expect(r.written).toEqual([]);
    expect(r.unchanged).toHaveLength(v2.length);
    expect(await exists(path.join(out(), '.generated.staging'))).toBe(false);
    expect(await exists(path.join(out(), 'dev'))).toBe(false);
    expect(Object.keys((await readManifest(out()))!.files)).toEqual(v2.map((f) => f.path).sort());
  });

  it('while staging: the next run removes the staged files; nothing of the killed run was applied', async () => {
    await writeOutputs(out(), v1);
    const before = await snapshot(out());
    await killedRun(v2, 'staging', 'stage', 2);
    const r = await writeOutputs(out(), v1);
    expect(r.messages[1]).toMatch(/^removed the staged files of an interrupted generate .*nothing of it was applied$/);
    expect(r.written).toEqual([]);
    expect(await snapshot(out())).toEqual(before);
  });
});

describe('a run that changes nothing', () => {
  it('takes no file-system step: nothing staged, nothing renamed', async () => {
    await writeOutputs(out(), v1);
    const steps: WriterStep[] = [];
    const r = await writeOutputs(out(), v1, [], { onStep: (s) => void steps.push(s) });
    expect(r.unchanged).toHaveLength(v1.length);
    expect(steps).toEqual([]);
    const changedOne = await writeOutputs(out(), [...v1.slice(1), { path: 'README.md', contents: 'new\n' }], [], { onStep: (s) => void steps.push(s) });
    expect(changedOne.written).toEqual(['README.md']);
    expect(steps.filter((s) => s.action === 'stage').map((s) => s.path)).toEqual([shown('README.md'), shown(MANIFEST_NAME)]);
  });
});

describe('leftovers that need no roll-back', () => {
  it('a staging directory without a journal is removed, with a message', async () => {
    await writeOutputs(out(), v1);
    await fs.mkdir(path.join(out(), '.generated.staging', 'new'), { recursive: true });
    await fs.writeFile(path.join(out(), '.generated.staging', 'new', '0'), 'partial');
    const r = await writeOutputs(out(), v1);
    expect(r.messages).toEqual([`removed ${shown('.generated.staging')}, left by an interrupted generate with nothing pending (no journal)`]);
    expect(await exists(path.join(out(), '.generated.staging'))).toBe(false);
  });

  it('a journal the writer did not write is refused, naming it', async () => {
    await writeOutputs(out(), v1);
    await fs.mkdir(path.join(out(), '.generated.staging'));
    const journal = { generator: 'mono-repo-diagrams', version: 1, phase: 'switching', dirs: [], ops: [{ target: '../../etc/passwd', extra: false, write: false, existed: true, shown: 'x' }] };
    await fs.writeFile(path.join(out(), '.generated.staging', 'journal.json'), JSON.stringify(journal));
    const e = await rejection(writeOutputs(out(), v1));
    expect(e.message).toContain(shown('.generated.staging/journal.json'));
  });
});

describe('stale files', () => {
  it('keeps a hand-edited stale file and says so; removes an unedited one', async () => {
    await writeOutputs(out(), [...v1, { path: 'dev/notes.md', contents: 'generated\n' }]);
    await fs.writeFile(path.join(out(), 'dev/notes.md'), 'generated\nplus my notes\n');
    expect(formatProblems(await checkOutputs(out(), v2.filter((f) => f.path !== 'uat/README.md')))).toContain(
      `${shown('dev/notes.md')} is not generated (listed in ${MANIFEST_NAME} but no longer produced; edited since it was generated: generate keeps it and stops listing it)`,
    );
    const r = await writeOutputs(out(), v2);
    expect(r.removed).toEqual(['dev/README.md']);
    expect(r.kept).toEqual([{ path: 'dev/notes.md', reason: expect.stringMatching(/^not removed: edited since it was generated/) }]);
    expect(await fs.readFile(path.join(out(), 'dev/notes.md'), 'utf8')).toBe('generated\nplus my notes\n');
    expect(Object.keys((await readManifest(out()))!.files)).not.toContain('dev/notes.md');
    expect(await checkOutputs(out(), v2)).toEqual([]);
  });
});
