/**
 * The writer never leaves its output directory: symbolic links below `--out` are not followed
 * (writing, reading back, removing, checking), wrong file types and the writer's own names are
 * refused with a GeneratorError naming the path, and a failing run creates nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GeneratorError } from '../../diagrams/errors.ts';
import { checkOutputs, formatProblems, MANIFEST_NAME, readManifest, readOutputFile, sha256, writeOutputs, type OutputFile } from '../../diagrams/writer/index.ts';
import { exists, listAll, snapshot, tempDir } from '../fixtures/tree.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('writer-paths-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const out = () => path.join(dir, 'out');
const shown = (rel: string) => `${out()}/${rel}`;
const files: OutputFile[] = [
  { path: 'README.md', contents: '# Index\n' },
  { path: 'dev/README.md', contents: '# dev\n' },
  { path: 'prod/README.md', contents: '# prod\n' },
];
const changed = files.map((f) => ({ ...f, contents: `${String(f.contents)}changed\n` }));

async function rejection(p: Promise<unknown>): Promise<GeneratorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(GeneratorError);
  return e as GeneratorError;
}

describe('symbolic links below --out', () => {
  it('refuses to write through a symlinked directory and leaves its target untouched', async () => {
    await writeOutputs(out(), files);
    const elsewhere = path.join(dir, 'elsewhere');
    await fs.mkdir(elsewhere);
    await fs.rm(path.join(out(), 'dev'), { recursive: true });
    await fs.symlink(elsewhere, path.join(out(), 'dev'));
    const before = await snapshot(out());
    const e = await rejection(writeOutputs(out(), changed));
    expect(e.message).toContain(shown('dev'));
    expect(e.message).toMatch(/symbolic link/);
    expect(await fs.readdir(elsewhere)).toEqual([]);
    expect(await snapshot(out())).toEqual(before);
  });

  it('refuses to replace a file that is a symbolic link (the file it points to is not written)', async () => {
    await writeOutputs(out(), files);
    const outside = path.join(dir, 'outside.md');
    await fs.writeFile(outside, 'precious\n');
    await fs.rm(path.join(out(), 'README.md'));
    await fs.symlink(outside, path.join(out(), 'README.md'));
    const e = await rejection(writeOutputs(out(), changed));
    expect(e.message).toContain(shown('README.md'));
    expect(await fs.readFile(outside, 'utf8')).toBe('precious\n');
  });

  it('never removes a stale file through a symlinked directory: it is kept and reported', async () => {
    await writeOutputs(out(), [...files, { path: 'lnk/important.txt', contents: 'keep me\n' }]);
    const elsewhere = path.join(dir, 'elsewhere');
    await fs.mkdir(elsewhere);
    await fs.writeFile(path.join(elsewhere, 'important.txt'), 'keep me\n'); // the very bytes the manifest records
    await fs.rm(path.join(out(), 'lnk'), { recursive: true });
    await fs.symlink(elsewhere, path.join(out(), 'lnk'));
    const r = await writeOutputs(out(), files);
    expect(await fs.readFile(path.join(elsewhere, 'important.txt'), 'utf8')).toBe('keep me\n');
    expect(r.removed).toEqual([]);
    expect(r.kept).toEqual([{ path: 'lnk/important.txt', reason: expect.stringMatching(/lnk is a symbolic link/) }]);
    expect(Object.keys((await readManifest(out()))!.files)).not.toContain('lnk/important.txt');
  });

  it('accepts --out itself as a symbolic link to a directory', async () => {
    const real = path.join(dir, 'real');
    await fs.mkdir(real);
    await fs.symlink(real, out());
    await writeOutputs(out(), files);
    expect(await listAll(real)).toEqual([MANIFEST_NAME, 'README.md', 'dev/README.md', 'prod/README.md']);
    expect(await checkOutputs(out(), files)).toEqual([]);
  });

  it('check does not read through a symlinked directory', async () => {
    await writeOutputs(out(), files);
    const elsewhere = path.join(dir, 'elsewhere');
    await fs.cp(path.join(out(), 'dev'), elsewhere, { recursive: true }); // identical bytes: reading through would pass
    await fs.rm(path.join(out(), 'dev'), { recursive: true });
    await fs.symlink(elsewhere, path.join(out(), 'dev'));
    const e = await rejection(checkOutputs(out(), files));
    expect(e.message).toContain(shown('dev'));
    expect(e.message).toMatch(/symbolic link/);
  });

  it('a generated file is read back for reuse only when no symbolic link is on its path', async () => {
    await writeOutputs(out(), files);
    expect((await readOutputFile(out(), 'dev/README.md'))?.toString()).toBe('# dev\n');
    const elsewhere = path.join(dir, 'elsewhere');
    await fs.cp(path.join(out(), 'dev'), elsewhere, { recursive: true });
    await fs.rm(path.join(out(), 'dev'), { recursive: true });
    await fs.symlink(elsewhere, path.join(out(), 'dev'));
    expect(await readOutputFile(out(), 'dev/README.md')).toBeUndefined();
    expect(await readOutputFile(out(), '../out/README.md')).toBeUndefined();
  });
});

describe('wrong file types are GeneratorErrors naming the path', () => {
  it('--out is a regular file: generate, check and readManifest', async () => {
    const file = path.join(dir, 'README.md');
    await fs.writeFile(file, 'hand-written\n');
    for (const p of [() => writeOutputs(file, files), () => checkOutputs(file, files), () => readManifest(file)]) {
      const e = await rejection(p());
      expect(e.message).toContain(file);
      expect(e.message).toMatch(/is a file/);
    }
    const below = path.join(file, 'sub');
    expect((await rejection(writeOutputs(below, files))).message).toContain(below);
    expect(await fs.readFile(file, 'utf8')).toBe('hand-written\n');
  });

  it('the manifest is a directory', async () => {
    await fs.mkdir(path.join(out(), MANIFEST_NAME), { recursive: true });
    for (const p of [() => writeOutputs(out(), files), () => checkOutputs(out(), files), () => readManifest(out())]) {
      const e = await rejection(p());
      expect(e.message).toContain(shown(MANIFEST_NAME));
      expect(e.message).toMatch(/is a directory/);
    }
    expect(await listAll(out())).toEqual([`${MANIFEST_NAME}/`]);
  });

  it('check: a stack directory is a file, a page is a directory', async () => {
    await writeOutputs(out(), files);
    await fs.rm(path.join(out(), 'dev'), { recursive: true });
    await fs.writeFile(path.join(out(), 'dev'), 'a file\n');
    await fs.rm(path.join(out(), 'prod', 'README.md'));
    await fs.mkdir(path.join(out(), 'prod', 'README.md'));
    const e = await rejection(checkOutputs(out(), files));
    expect(e.message).toContain(shown('dev'));
    expect(e.message).toMatch(/is a file, where dev\/README.md needs a directory/);
    await fs.rm(path.join(out(), 'dev'));
    const e2 = await rejection(checkOutputs(out(), files));
    expect(e2.message).toContain(shown('prod/README.md'));
    expect(e2.message).toMatch(/is a directory/);
    const e3 = await rejection(writeOutputs(out(), files));
    expect(e3.message).toContain(shown('prod/README.md'));
  });

  it('an --inject file that is a symbolic link or a directory is refused, and nothing is written', async () => {
    await writeOutputs(out(), files);
    const before = await snapshot(out());
    const real = path.join(dir, 'ARCH.md');
    await fs.writeFile(real, 'hand\n');
    const link = path.join(dir, 'LINK.md');
    await fs.symlink(real, link);
    const e = await rejection(writeOutputs(out(), changed, [{ path: link, contents: 'filled\n' }]));
    expect(e.message).toContain(link);
    expect(e.message).toMatch(/symbolic link/);
    expect(await fs.readFile(real, 'utf8')).toBe('hand\n');
    const asDir = path.join(dir, 'DIR.md');
    await fs.mkdir(asDir);
    expect((await rejection(writeOutputs(out(), changed, [{ path: asDir, contents: 'x' }]))).message).toMatch(/is a directory/);
    expect((await rejection(checkOutputs(out(), changed, [{ path: link, contents: 'x' }]))).message).toContain(link);
    expect(await snapshot(out())).toEqual(before);
  });

  it('an --inject file is written atomically and keeps its permissions', async () => {
    const doc = path.join(dir, 'ARCH.md');
    await fs.writeFile(doc, 'hand\n', { mode: 0o640 });
    await fs.chmod(doc, 0o640);
    await writeOutputs(out(), files, [{ path: doc, contents: 'filled\n' }]);
    expect(await fs.readFile(doc, 'utf8')).toBe('filled\n');
    expect((await fs.stat(doc)).mode & 0o777).toBe(0o640);
    expect((await fs.readdir(dir)).sort()).toEqual(['ARCH.md', 'out']);
  });
});

describe("the writer's own names, and failing runs", () => {
  it('refuses output paths that collide with the manifest, lock, staging directory or temporary names', async () => {
    for (const p of ['.generated.json', '.generated.lock', '.generated.staging/journal.json', '.GENERATED.JSON', 'prod/.README.md.0123456789ab.tmp']) {
      const e = await rejection(writeOutputs(out(), [{ path: p, contents: 'x' }]));
      expect(e.message).toMatch(/collides with the writer's own files/);
      await rejection(checkOutputs(out(), [{ path: p, contents: 'x' }]));
    }
    expect(await exists(out())).toBe(false);
  });

  it('refuses an --inject file that is one of the outputs', async () => {
    await writeOutputs(out(), files);
    const e = await rejection(writeOutputs(out(), files, [{ path: path.join(out(), 'dev', 'README.md'), contents: 'x' }]));
    expect(e.message).toMatch(/also a generated output/);
  });

  it('a failing first run leaves no directory behind, and the next run succeeds', async () => {
    const nested = path.join(dir, 'a', 'b', 'out');
    // A file and a directory of the same name.
    await rejection(writeOutputs(nested, [{ path: 'x', contents: '1' }, { path: 'x/y', contents: '2' }]));
    // An --inject target that is a directory.
    await fs.mkdir(path.join(dir, 'DOC.md'));
    await rejection(writeOutputs(nested, files, [{ path: path.join(dir, 'DOC.md'), contents: 'x' }]));
    // A failure while staging.
    await rejection(
      writeOutputs(nested, files, [], {
        onStep: (s) => {
          if (s.action === 'stage' && s.index === 1) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
        },
      }),
    );
    expect((await fs.readdir(dir)).sort()).toEqual(['DOC.md']);
    const r = await writeOutputs(nested, files);
    expect(r.written).toHaveLength(3);
  });

  it('names the path and what happened for a file-system error (ENOSPC while staging)', async () => {
    await writeOutputs(out(), files);
    const before = await snapshot(out());
    const e = await rejection(
      writeOutputs(out(), changed, [], {
        onStep: (s) => {
          if (s.action === 'stage' && s.path.endsWith('prod/README.md')) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
        },
      }),
    );
    expect(e.kind).toBe('environment');
    expect(e.message).toContain(`${shown('prod/README.md')}: cannot write it`);
    expect(e.message).toMatch(/no space left on the device \(ENOSPC\); nothing was changed/);
    expect(await snapshot(out())).toEqual(before);
  });
});

describe('check messages', () => {
  it('a PNG without a manifest: says there is no manifest, naming it', async () => {
    const png: OutputFile = { path: 'prod/a.png', contents: Buffer.from([0x89, 1, 2]), sourceHash: sha256('<svg/>') };
    await writeOutputs(out(), [png]);
    const asChecked = [{ path: png.path, sourceHash: png.sourceHash }];
    expect(await checkOutputs(out(), asChecked)).toEqual([]);
    await fs.rm(path.join(out(), MANIFEST_NAME));
    expect(formatProblems(await checkOutputs(out(), asChecked))).toBe(`${shown('prod/a.png')} is out of date (there is no manifest (${shown(MANIFEST_NAME)}) to tell what it was rendered from)`);
  });

  it('does not crash on a lock file or a staging directory left in --out', async () => {
    await writeOutputs(out(), files);
    await fs.writeFile(path.join(out(), '.generated.lock'), '{"pid":1,"host":"x","started":"y"}');
    await fs.mkdir(path.join(out(), '.generated.staging', 'new'), { recursive: true });
    expect(await checkOutputs(out(), files)).toEqual([]);
  });
});
