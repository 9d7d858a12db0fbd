/** Test helpers: a temporary directory per test and a byte snapshot of a tree (symbolic links shown, not followed). */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export async function tempDir(prefix: string): Promise<string> {
  return fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
}

/** Every entry under `root`: files with their bytes (base64), symbolic links as `-> target`, empty directories as `/`. */
export async function snapshot(root: string): Promise<Record<string, string>> {
  const res: Record<string, string> = {};
  async function walk(d: string): Promise<void> {
    const entries = await fs.readdir(d, { withFileTypes: true });
    if (entries.length === 0 && d !== root) res[`${path.relative(root, d).split(path.sep).join('/')}/`] = '';
    for (const e of entries) {
      const p = path.join(d, e.name);
      const rel = path.relative(root, p).split(path.sep).join('/');
      if (e.isSymbolicLink()) res[rel] = `-> ${await fs.readlink(p)}`;
      else if (e.isDirectory()) await walk(p);
      else res[rel] = (await fs.readFile(p)).toString('base64');
    }
  }
  await walk(root);
  return res;
}

export async function listAll(root: string): Promise<string[]> {
  return Object.keys(await snapshot(root)).sort();
}

export async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** An error as Node's fs raises it. */
export function fsFailure(code: string, message = code): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}
