/**
 * The GitHub Actions workflow of the change review (docs/ci/diff-comment.yml): it parses as YAML and
 * has the shape GitHub needs, and its shell steps and comment script work here, without GitHub: the
 * `run:` scripts are executed with bash as a runner does (the env a runner sets, a fake `pulumi` on
 * PATH that prints a corpus preview), and the comment script is called with a fake Octokit.
 */

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DIFF_MARKER } from '../../diagrams/diff/markdown.ts';
import { changedProgram } from '../../scripts/bench/diff.ts';
import { CORPUS_DIR } from '../corpus.ts';
import { runCli, tempDir } from './helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const WORKFLOW = path.join(ROOT, 'docs', 'ci', 'diff-comment.yml');

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, string>;
  readonly env?: Record<string, string>;
}
const workflow = parse(readFileSync(WORKFLOW, 'utf8')) as { on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, { steps: Step[]; env: Record<string, string> }> };
const steps = workflow.jobs.review!.steps;
const step = (id: string): Step => steps.find((s) => s.id === id)!;

/** Runs a step's script as a runner does (bash -e), in `cwd`, with the job's env made concrete. */
function runStep(s: Step, cwd: string, env: Record<string, string>): { code: number | null; stderr: string } {
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', s.run!], { cwd, env: { ...process.env, DIAGRAMS_CACHE_DIR: 'off', ...env }, encoding: 'utf8', timeout: 180_000 });
  return { code: r.status, stderr: r.stderr };
}

describe('the workflow file', () => {
  it('is a pull request workflow that may comment, with the steps the README names', () => {
    expect(Object.keys(workflow.on)).toEqual(['pull_request']);
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(steps.map((s) => s.id ?? s.uses ?? s.name ?? s.run)).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'npm ci', 'docs', 'pulumi/actions@v6', 'preview', 'summary', 'actions/upload-artifact@v4', 'actions/github-script@v7', 'Fail on new access or a new high finding']);
    expect(step('docs').run).toContain('npm run --silent diagrams -- diff --base-docs "$DOCS_DIR"');
    expect(steps[8]!.with!.script).toContain('docs/ci/post-diff-comment.cjs');
    expect(existsSync(path.join(ROOT, 'docs', 'ci', 'post-diff-comment.cjs'))).toBe(true);
    // The Pulumi CLI is only installed (no command): the preview is run with --json by the next step.
    expect(steps[4]!.with).toBeUndefined();
  });
});

describe('its steps, run here', () => {
  let work: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    const tmp = tempDir();
    // The committed docs of the pull request's base: generated from the unchanged program.
    const docs = path.join(tmp, 'committed-docs');
    const g = await runCli(['generate', '--program', ROOT, '--format', 'json', '--out', docs, '--quiet']);
    expect(g.code, g.stderr).toBe(0);
    work = path.join(tmp, 'checkout');
    mkdirSync(work);
    changedProgram(ROOT, work, { withGenerator: true });
    const bin = path.join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'pulumi'), `#!/bin/sh\ncat '${path.join(CORPUS_DIR, 'stratify-s3-lambda-preview-update.json')}'\n`);
    chmodSync(path.join(bin, 'pulumi'), 0o755);
    env = {
      DOCS_DIR: docs,
      REPORT_DIR: path.join(tmp, 'report'),
      RUN_URL: 'https://github.com/o/r/actions/runs/1',
      PULUMI_STACK: 'dev',
      RUNNER_TEMP: tmp,
      GITHUB_OUTPUT: path.join(tmp, 'output'),
      GITHUB_STEP_SUMMARY: path.join(tmp, 'summary.md'),
      PATH: `${bin}:${process.env.PATH}`,
    };
  }, 120_000);

  it('docs: the review against the committed docs, exit 3 recorded for the last step', () => {
    const r = runStep(step('docs'), work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(env.GITHUB_OUTPUT!, 'utf8')).toBe('exit=3\n');
    const md = readFileSync(path.join(env.REPORT_DIR!, 'docs', 'diff.md'), 'utf8');
    expect(md.split('\n').slice(0, 2)).toEqual(['Change review: 9 principals gain read access; 9 resources changed; +$0.31/month.', DIFF_MARKER]);
    expect(JSON.parse(readFileSync(path.join(env.REPORT_DIR!, 'docs', 'diff.json'), 'utf8')).failures).toEqual(['new-access: 9 principals gain read access to a secret, a SecureString or a key']);
  }, 120_000);

  it('preview: `pulumi preview --json` into the review of the planned deployment', () => {
    const r = runStep(step('preview'), work, env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(env.GITHUB_OUTPUT!, 'utf8').split('\n')).toContain('exit=0');
    expect(readFileSync(path.join(env.REPORT_DIR!, 'preview', 'diff.md'), 'utf8').split('\n')[0]).toBe('Change review: 1 other resource changed.');
  }, 120_000);

  it('summary: both reports in the job summary', () => {
    const r = runStep(step('summary'), work, env);
    expect(r.code, r.stderr).toBe(0);
    const summary = readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8');
    expect(summary.split(DIFF_MARKER)).toHaveLength(3);
    expect(summary.startsWith('Change review: 9 principals gain read access;')).toBe(true);
  });

  it('the comment: created once, then found by its marker and updated', async () => {
    const post = createRequire(import.meta.url)(path.join(ROOT, 'docs', 'ci', 'post-diff-comment.cjs')) as (a: unknown) => Promise<string>;
    const comments: { id: number; body: string; user: { type: string } }[] = [{ id: 1, body: `a person quoting ${DIFF_MARKER}`, user: { type: 'User' } }];
    const github = {
      paginate: async (_fn: unknown, args: { issue_number: number }) => (args.issue_number === 7 ? comments : []),
      rest: {
        issues: {
          listComments: () => undefined,
          createComment: async (a: { body: string }) => void comments.push({ id: comments.length + 1, body: a.body, user: { type: 'Bot' } }),
          updateComment: async (a: { comment_id: number; body: string }) => void (comments.find((c) => c.id === a.comment_id)!.body = a.body),
        },
      },
    };
    const context = { repo: { owner: 'o', repo: 'r' }, issue: { number: 7 } };
    const files = [path.join(env.REPORT_DIR!, 'docs', 'diff.md'), path.join(env.REPORT_DIR!, 'preview', 'diff.md'), path.join(env.REPORT_DIR!, 'missing', 'diff.md')];
    expect(await post({ github, context, files })).toBe('created');
    expect(await post({ github, context, files })).toBe('updated');
    expect(comments.map((c) => c.id)).toEqual([1, 2]);
    expect(comments[1]!.body).toContain('\n\n---\n\nChange review: 1 other resource changed.');
    expect(comments[1]!.body.length).toBeLessThan(65_536);
    expect(await post({ github, context, files: [files[2]] })).toBe('nothing to post');
  });

  it('the last step fails the job on what --fail-on found', () => {
    const fail = steps[9]!;
    expect(fail.if).toBe("steps.docs.outputs.exit != '0' || (steps.preview.outputs.exit != '' && steps.preview.outputs.exit != '0')");
    const r = spawnSync('bash', ['-eo', 'pipefail', '-c', fail.run!.replace(/\$\{\{[^}]*\}\}/g, '3')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('diff exit codes: docs 3, preview 3 (3: --fail-on; 2: input or usage error; see the job summary)\n');
  });
});
