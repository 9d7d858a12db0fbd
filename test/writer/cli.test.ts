/**
 * The writer's refusals through the real command (`--format md`: no D2, no browser): exit 2 with
 * the path named, never an internal error, and nothing written outside --out.
 */
import { beforeEach, afterEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CORPUS_DIR } from '../corpus.ts';
import { runCli } from '../cli/helpers.ts';
import { snapshot, tempDir } from '../fixtures/tree.ts';

const STATE = `${CORPUS_DIR}/pulumi-aws-kms-key-export.json`;
let dir: string;

const run = (cmd: 'generate' | 'check', out: string) => runCli(dir, [cmd, '--state', STATE, '--out', out, '--format', 'md', '--quiet']);

beforeEach(async () => {
  dir = await tempDir('writer-cli-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('diagrams generate/check with a bad --out', () => {
  it('--out is a regular file: exit 2 naming it, for generate and check', async () => {
    await fs.writeFile(path.join(dir, 'README.md'), 'hand\n');
    for (const cmd of ['generate', 'check'] as const) {
      const r = run(cmd, 'README.md');
      expect(r.stderr).toBe('diagrams: error: README.md: cannot use it as the output directory: it is a file (expected a directory, or a path that does not exist yet)\n');
      expect(r.code).toBe(2);
    }
    expect(await fs.readFile(path.join(dir, 'README.md'), 'utf8')).toBe('hand\n');
  });

  it('a stack directory replaced by a symbolic link: exit 2, nothing written through it', async () => {
    expect(run('generate', 'out').code).toBe(0);
    await fs.mkdir(path.join(dir, 'elsewhere'));
    await fs.rm(path.join(dir, 'out', 'test'), { recursive: true });
    await fs.symlink(path.join(dir, 'elsewhere'), path.join(dir, 'out', 'test'));
    const before = await snapshot(path.join(dir, 'out'));
    const r = run('generate', 'out');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^diagrams: error: out\/test\/README\.md: cannot write it: out\/test is a symbolic link/);
    expect(await fs.readdir(path.join(dir, 'elsewhere'))).toEqual([]);
    expect(await snapshot(path.join(dir, 'out'))).toEqual(before);
    const c = run('check', 'out');
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/out\/test is a symbolic link/);
  });

  it('.generated.json is a directory: exit 2 naming it', async () => {
    await fs.mkdir(path.join(dir, 'out', '.generated.json'), { recursive: true });
    for (const cmd of ['generate', 'check'] as const) {
      const r = run(cmd, 'out');
      expect(r.stderr).toMatch(/^diagrams: error: out\/\.generated\.json: cannot read the manifest: it is a directory/);
      expect(r.code).toBe(2);
    }
  });
});
