import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkOutputs, formatProblems, MANIFEST_NAME, readManifest, sha256, writeOutputs, type OutputFile } from '../../diagrams/writer/index.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'writer-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const out = () => path.join(dir, 'out');
const read = (p: string) => fs.readFile(path.join(out(), p), 'utf8');
async function listAll(root: string): Promise<string[]> {
  const res: string[] = [];
  async function walk(d: string) {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else res.push(path.relative(root, p).split(path.sep).join('/'));
    }
  }
  await walk(root);
  return res.sort();
}

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
const files: OutputFile[] = [
  { path: 'README.md', contents: '# Index\n' },
  { path: 'prod/README.md', contents: '# prod\nline 2\nline 3\n' },
  { path: 'prod/a.svg', contents: '<svg/>' },
  { path: 'prod/a.png', contents: png, sourceHash: sha256('<svg/>') },
];

describe('writeOutputs', () => {
  it('writes every file and a sorted manifest, and leaves no temp files', async () => {
    const r = await writeOutputs(out(), files);
    expect(r.written).toHaveLength(4);
    expect(await listAll(out())).toEqual([MANIFEST_NAME, 'README.md', 'prod/README.md', 'prod/a.png', 'prod/a.svg']);
    const m = await readManifest(out());
    expect(Object.keys(m!.files)).toEqual(['README.md', 'prod/README.md', 'prod/a.png', 'prod/a.svg']);
    expect(m!.files['prod/a.png']).toEqual({ sha256: sha256(png), source: sha256('<svg/>') });
    const again = await writeOutputs(out(), files);
    expect(again.written).toEqual([]);
    expect(again.unchanged).toHaveLength(4);
  });

  it('removes stale files it generated, never files it does not own', async () => {
    await writeOutputs(out(), [...files, { path: 'dev/README.md', contents: 'dev\n' }]);
    await fs.writeFile(path.join(out(), 'prod', 'notes.md'), 'mine\n');
    const r = await writeOutputs(out(), files);
    expect(r.removed).toEqual(['dev/README.md']);
    expect(await listAll(out())).toContain('prod/notes.md');
    await expect(fs.stat(path.join(out(), 'dev'))).rejects.toThrow();
  });

  it('leaves the previous outputs intact and no temp files when staging fails', async () => {
    await writeOutputs(out(), files);
    const before = await listAll(out());
    // A directory where a file must go makes staging fail half way.
    const bad: OutputFile[] = [{ path: 'README.md', contents: '# changed\n' }, { path: 'prod/a.svg/x', contents: 'x' }];
    await expect(writeOutputs(out(), bad)).rejects.toThrow(/cannot write/);
    expect(await listAll(out())).toEqual(before);
    expect(await read('README.md')).toBe('# Index\n');
  });

  it('refuses paths that leave the output directory', async () => {
    await expect(writeOutputs(out(), [{ path: '../x', contents: '' }])).rejects.toThrow(/plain relative path/);
    await expect(writeOutputs(out(), [{ path: '/etc/x', contents: '' }])).rejects.toThrow(/plain relative path/);
  });
});

describe('checkOutputs', () => {
  it('finds nothing on fresh output, and tolerates CRLF', async () => {
    await writeOutputs(out(), files);
    expect(await checkOutputs(out(), files)).toEqual([]);
    await fs.writeFile(path.join(out(), 'prod/README.md'), '# prod\r\nline 2\r\nline 3\r\n');
    expect(await checkOutputs(out(), files)).toEqual([]);
  });

  it('reports an edited text file with a diff, a missing file and a stale generated file', async () => {
    await writeOutputs(out(), [...files, { path: 'dev/README.md', contents: 'dev\n' }]);
    await fs.writeFile(path.join(out(), 'prod/README.md'), '# prod\nline two\nline 3\n');
    await fs.rm(path.join(out(), 'prod/a.svg'));
    const problems = await checkOutputs(out(), files);
    const text = formatProblems(problems);
    expect(text).toContain('out/prod/README.md is out of date');
    expect(text).toContain('-line two');
    expect(text).toContain('+line 2');
    expect(text).toContain('out/prod/a.svg is missing');
    expect(text).toMatch(/out\/dev\/README.md is not generated/);
  });

  it('compares PNGs by the source they were rendered from, not by pixels', async () => {
    await writeOutputs(out(), files);
    const checkFiles = files.map((f) => (f.sourceHash ? { path: f.path, sourceHash: f.sourceHash } : f));
    expect(await checkOutputs(out(), checkFiles)).toEqual([]);
    const changed = checkFiles.map((f) => (f.sourceHash ? { ...f, sourceHash: sha256('<svg>new</svg>') } : f));
    expect(formatProblems(await checkOutputs(out(), changed))).toBe(`${out().split(path.sep).join('/')}/prod/a.png is out of date (rendered from a different source)`);
    await fs.writeFile(path.join(out(), 'prod/a.png'), Buffer.from('hand-made'));
    expect(formatProblems(await checkOutputs(out(), checkFiles))).toMatch(/a.png is out of date \(changed since it was generated\)/);
  });

  it('writes nothing', async () => {
    await checkOutputs(out(), files);
    await expect(fs.stat(out())).rejects.toThrow();
  });
});
