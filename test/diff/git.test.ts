/**
 * `--base-ref`: the program at another commit, run from a temporary git worktree, against the
 * program as it is now; the worktree is gone afterwards (and the repository's node_modules, linked
 * into it, untouched); clear errors for a missing ref, a directory outside git, and no git at all.
 * The repository is a temporary one holding the program source's fixture program.
 */

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { md as escapeMd } from '../../diagrams/docs/escape.ts';
import { lines, runCli, tempDir } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const PROGRAM = path.join(ROOT, 'test', 'fixtures', 'program');
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' });
/** The fixture program in `dir`, the repository's node_modules linked. */
function programIn(dir: string): string {
  for (const f of ['Pulumi.yaml', 'Pulumi.dev.yaml', 'Pulumi.shared.yaml', 'index.ts']) cpSync(path.join(PROGRAM, f), path.join(dir, f));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}
const leftovers = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith('diagrams-base-ref-')).sort();

let repo: string;
beforeAll(() => {
  repo = programIn(tempDir());
  writeFileSync(path.join(repo, '.gitignore'), 'node_modules\n');
  git(repo, 'init', '--quiet', '--initial-branch=main');
  git(repo, 'add', '.');
  git(repo, 'commit', '--quiet', '-m', 'the program');
  // The change under review: the reader role may read every parameter, not only the password.
  const file = path.join(repo, 'index.ts');
  writeFileSync(file, readFileSync(file, 'utf8').replace("{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: param.arn }", "{ Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: '*' }"));
});

describe('diff --base-ref', () => {
  it('compares the working program with the program at the commit, and removes the worktree', async () => {
    const before = leftovers();
    const r = await runCli(['diff', '--program', repo, '--base-ref', 'main', '--quiet', '--fail-on', 'new-access']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const md = lines(r.stdout);
    const sha = git(repo, 'rev-parse', 'main').trim().slice(0, 12);
    expect(md[0]).toBe('Change review: 1 principal gains read access; 1 critical new finding; 1 resource changed.');
    expect(md).toContain(`Base: the program at main (${sha}). Head: the program in ${escapeMd(repo)}.`);
    expect(md).toContain('  - gains parameter `/fixture/dev/database/host`: certain; via policy `reader-policy` (**new or changed**)');
    expect(leftovers()).toEqual(before);
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
    expect(existsSync(path.join(ROOT, 'node_modules', '@pulumi', 'pulumi', 'package.json'))).toBe(true);
  }, 120_000);

  it('names a ref the repository does not have, and what to do in a shallow checkout', async () => {
    const r = await runCli(['diff', '--program', repo, '--base-ref', 'origin/nope', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('diagrams: error: --base-ref: no commit "origin/nope" in the repository at');
    expect(r.stderr).toContain('fetch it first');
    const dash = await runCli(['diff', '--program', repo, '--base-ref=--output=x', '--quiet']);
    expect(dash.code).toBe(2);
    expect(dash.stderr).toContain('--base-ref: not a git ref: "--output=x" (expected a branch, tag or commit, e.g. origin/main)');
  }, 60_000);

  it('says when the program is not in a git repository, or git is not there', async () => {
    const plain = programIn(tempDir());
    const r = await runCli(['diff', '--program', plain, '--base-ref', 'main', '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--base-ref main: not inside a git repository/);
    const nogit = await runCli(['diff', '--program', repo, '--base-ref', 'main', '--quiet'], { PATH: '/nonexistent' });
    expect(nogit.code).toBe(2);
    expect(nogit.stderr).toContain('--base-ref: git is not installed or not on PATH');
  }, 60_000);
});
