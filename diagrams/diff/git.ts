/**
 * `--base-ref <ref>`: the repository at another commit, checked out into a temporary git worktree
 * under the system's temporary directory (never inside --out), for the program to run from there.
 * The worktree gets a `node_modules` link to the generator's own, so the program at that commit
 * loads the same Pulumi SDK the mocks are set on. The worktree is removed on every path: after the
 * callback, on its failure, and on SIGINT/SIGTERM while it runs.
 */

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, promises as fs, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { capText, GeneratorError, quoteInput } from '../errors.ts';

interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function git(args: readonly string[], cwd: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile('git', args as string[], { cwd, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(new GeneratorError('environment', 'git is not installed or not on PATH', { subject: '--base-ref', expected: 'git on PATH (the base is the repository at that commit)' }));
        return;
      }
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout: stdout.trim(), stderr: stderr.trim() });
    });
  });
}

const firstLine = (s: string): string => capText(s.split('\n')[0] ?? '', 300);

/** The generator's own node_modules (where the Pulumi SDK it sets mocks on is installed). */
function generatorNodeModules(): string | undefined {
  try {
    const pkg = createRequire(import.meta.url).resolve('@pulumi/pulumi/package.json');
    const i = pkg.lastIndexOf(`${path.sep}node_modules${path.sep}`);
    return i < 0 ? undefined : pkg.slice(0, i + '/node_modules'.length);
  } catch {
    return undefined;
  }
}

/** The top of the repository holding `cwd`, and the full commit `ref` names. */
async function resolveRef(ref: string, cwd: string): Promise<{ top: string; sha: string }> {
  if (ref === '' || ref.startsWith('-') || /[\s\u0000-\u001f\u007f]/.test(ref)) {
    throw new GeneratorError('usage', `not a git ref: ${quoteInput(ref)}`, { subject: '--base-ref', expected: 'a branch, tag or commit, e.g. origin/main' });
  }
  if (!existsSync(cwd)) throw new GeneratorError('input', `no such directory: ${cwd}`, { subject: `--base-ref ${ref}`, expected: 'a program directory inside a git checkout' });
  const top = await git(['rev-parse', '--show-toplevel'], cwd);
  if (top.code !== 0) throw new GeneratorError('input', `not inside a git repository (${firstLine(top.stderr)})`, { subject: `--base-ref ${ref}`, expected: `a git checkout around ${cwd}` });
  const sha = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], cwd);
  if (sha.code !== 0 || sha.stdout === '') {
    throw new GeneratorError('usage', `no commit ${quoteInput(ref)} in the repository at ${top.stdout}`, {
      subject: '--base-ref',
      expected: 'a branch, tag or commit of the repository (in a shallow CI checkout fetch it first, e.g. `git fetch origin main`, or check out with fetch-depth: 0)',
    });
  }
  return { top: top.stdout, sha: sha.stdout };
}

export interface RefCheckout {
  /** The worktree's root. */
  readonly root: string;
  /** The repository root the worktree was made from. */
  readonly top: string;
  readonly sha: string;
}

/**
 * Runs `fn` with the repository at `ref` checked out in a temporary worktree; removes it afterwards.
 * `notInside`: a directory the worktree must not be inside of (--out).
 */
export async function withRefCheckout<T>(ref: string, cwd: string, notInside: string | undefined, fn: (c: RefCheckout) => Promise<T>): Promise<T> {
  const { top, sha } = await resolveRef(ref, cwd);
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'diagrams-base-ref-'));
  const root = path.join(parent, 'tree');
  if (notInside !== undefined) {
    const rel = path.relative(path.resolve(notInside), parent);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      await fs.rm(parent, { recursive: true, force: true });
      throw new GeneratorError('usage', `the temporary directory ${parent} is inside the output directory`, { subject: `--out ${notInside}`, expected: 'an output directory outside the system temporary directory' });
    }
  }
  let added = false;
  const cleanup = (): void => {
    if (added) {
      try {
        execFileSync('git', ['worktree', 'remove', '--force', root], { cwd: top, stdio: 'ignore' });
      } catch {
        // Removed below with the directory; prune forgets it.
      }
    }
    rmSync(parent, { recursive: true, force: true });
    if (added) {
      try {
        execFileSync('git', ['worktree', 'prune'], { cwd: top, stdio: 'ignore' });
      } catch {
        // Nothing left to do: the directory is gone.
      }
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanup();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const r = await git(['worktree', 'add', '--detach', '--quiet', root, sha], top);
    if (r.code !== 0) throw new GeneratorError('environment', `git could not check out ${quoteInput(ref)}: ${firstLine(r.stderr)}`, { subject: '--base-ref', expected: 'a commit git can check out into a temporary worktree' });
    added = true;
    const modules = generatorNodeModules();
    if (modules !== undefined && !existsSync(path.join(root, 'node_modules'))) await fs.symlink(modules, path.join(root, 'node_modules'), 'dir');
    return await fn({ root, top, sha });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    cleanup();
  }
}
