/**
 * The `diff` command through the real command line (in this process): the committed estate.json
 * files as the default base, their schema checks, the built-in estate against its own docs (no
 * change) and with one change, exit codes of --fail-on, usage errors, and the output directory
 * (through the writer, never the docs directory).
 */

import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDocsDir } from '../../diagrams/diff/document.ts';
import { compareOthers } from '../../diagrams/diff/resources.ts';
import { changedProgram } from '../../scripts/bench/diff.ts';
import { lines, runCli, tempDir } from './helpers.ts';
import { documents, fixture, writeExports } from './scenario.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

describe('the built-in estate against its own committed docs', () => {
  let docs: string;
  beforeAll(async () => {
    docs = path.join(tempDir(), 'docs');
    const g = await runCli(['generate', '--program', ROOT, '--format', 'json', '--out', docs, '--quiet']);
    expect(g.code, g.stderr).toBe(0);
  }, 60_000);

  it('no change: the one-line report and the marker, exit 0 even with --fail-on', async () => {
    const r = await runCli(['diff', '--program', ROOT, '--base-docs', docs, '--quiet', '--fail-on', 'new-access', '--fail-on', 'new-finding=low']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Change review: no change to access, findings, resources, cost or parity in 4 stacks.\n<!-- mono-repo-secrets-docs:diff -->\n');
    expect(r.stderr).toBe('');
  }, 60_000);

  it('one statement widened: every service that gains a secret, exit 3 with --fail-on new-access', async () => {
    const prog = changedProgram(ROOT, tempDir());
    const r = await runCli(['diff', '--program', prog, '--base-docs', docs, '--quiet', '--fail-on', 'new-access']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('diagrams: diff --fail-on:\n  new-access: 9 principals gain read access to a secret, a SecureString or a key\n');
    const md = lines(r.stdout);
    expect(md[0]).toBe('Change review: 9 principals gain read access; 9 resources changed; +$0.31/month.');
    expect(md).toContain('| prod | changed | 3 gain | — | 3 | +$0.25 |');
    expect(md).toContain('Unchanged: shared.');
    expect(md).toContain(
      '  - gains secret `mono-repo/dev/rds/master-password`: certain; via policy `mono-repo-dev-airflow-SecretsManagerReadOnly` statement `ReadOwnSecrets` (**new or changed**), policy `mono-repo-dev-airflow-SecretsManagerReadOnly` statement `DecryptSecretsViaSecretsManager`, key policy of alias/mono-repo-database-key statement `DevRolesDecryptOwnSecrets`',
    );
  }, 60_000);
});

describe('committed estate.json files', () => {
  const docsOf = (...changes: Parameters<typeof fixture>) => {
    const dir = tempDir();
    for (const d of documents(fixture(...changes), 'fixture')) {
      mkdirSync(path.join(dir, d.key), { recursive: true });
    }
    return dir;
  };
  const write = (dir: string, stack: string, value: unknown) => {
    mkdirSync(path.join(dir, stack), { recursive: true });
    writeFileSync(path.join(dir, stack, 'estate.json'), typeof value === 'string' ? value : JSON.stringify(value));
  };
  const doc = (stack: string) => ({ schemaVersion: 1, generator: 'mono-repo-diagrams', key: stack, project: 'p', stack, parameters: [], secrets: [], keys: [], policies: [], principals: [], findings: [], cost: null });

  it('a missing directory, or one without estate.json, says what is accepted', async () => {
    await expect(readDocsDir('/nonexistent/docs')).rejects.toThrow('--base-docs /nonexistent/docs: no such directory (expected the --out directory of `npm run diagrams` generated with json in --format: <stack>/estate.json (or <project>/<stack>/estate.json) per stack)');
    await expect(readDocsDir(docsOf())).rejects.toThrow(/no estate\.json in the directory \(docs generated without json in --format\?\)/);
  });
  it('a schema version it does not read, a foreign file, a malformed part, invalid JSON: the file, the path, what is accepted', async () => {
    const dir = tempDir();
    write(dir, 'prod', { ...doc('prod'), schemaVersion: 2 });
    await expect(readDocsDir(dir)).rejects.toThrow(`${path.relative(process.cwd(), path.join(dir, 'prod', 'estate.json'))} at $.schemaVersion: estate.json schema version 2 is not one this version reads (expected schemaVersion 1: regenerate the docs with this version`);
    write(dir, 'prod', { ...doc('prod'), generator: 'other' });
    await expect(readDocsDir(dir)).rejects.toThrow(/at \$\.generator: not an estate\.json this version reads: found "other" \(expected "mono-repo-diagrams"/);
    write(dir, 'prod', { ...doc('prod'), principals: [{ id: 'x', kind: 'role', name: 'r', admin: false, complete: true }] });
    await expect(readDocsDir(dir)).rejects.toThrow(/at \$\.principals\[0\]\.reads: not an estate\.json this version reads: found nothing \(expected an object\)/);
    write(dir, 'prod', '{"schemaVersion": 1,');
    await expect(readDocsDir(dir)).rejects.toThrow(/estate\.json: not valid JSON/);
  });
  it('through the command line, the directory is named as given', async () => {
    const dir = tempDir();
    const head = writeExports(fixture(), path.join(dir, 'head'));
    mkdirSync(path.join(dir, 'docs'));
    const r = await runCli(['diff', '--state', head[0]!, '--base-docs', path.join(dir, 'docs'), '--quiet']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`diagrams: error: --base-docs ${path.join(dir, 'docs')}: no estate.json in the directory (docs generated without json in --format?) (expected the --out directory of \`npm run diagrams\` generated with json in --format: <stack>/estate.json (or <project>/<stack>/estate.json) per stack)\n`);
  });
  it('the same stack twice is refused', async () => {
    const dir = tempDir();
    write(dir, 'a', doc('prod'));
    write(dir, 'b', doc('prod'));
    await expect(readDocsDir(dir)).rejects.toThrow(/stack "p\/prod" has two estate\.json files/);
  });
  it('documents without counts by type (written before they were added) compare without the other types', () => {
    const [b] = documents(fixture(), 'b').filter((d) => d.stack === 'prod');
    const [h] = documents(fixture('admin'), 'h').filter((d) => d.stack === 'prod');
    expect(compareOthers(b, h)).toEqual([{ type: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment', base: 1, head: 2 }]);
    const { resourceTypes: _, ...old } = b!;
    expect(compareOthers(old, h)).toBeUndefined();
  });
});

describe('exit codes and usage', () => {
  let base: string[];
  let head: string[];
  beforeAll(() => {
    const dir = tempDir();
    base = writeExports(fixture(), path.join(dir, 'base'));
    head = writeExports(fixture('shared'), path.join(dir, 'head'));
  });
  const args = () => [...base.flatMap((f) => ['--base-state', f]), ...head.flatMap((f) => ['--state', f])];

  it('--fail-on new-access and new-finding=high exit 3 and say why; new-finding=critical does not', async () => {
    const r = await runCli(['diff', ...args(), '--quiet', '--fail-on', 'new-access', '--fail-on', 'new-finding=high']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('diagrams: diff --fail-on:\n  new-access: 1 principal gains read access to a secret, a SecureString or a key\n  new-finding=high: prod: SEC-024 (high)\n');
    const c = await runCli(['diff', ...args(), '--quiet', '--fail-on', 'new-finding=critical']);
    expect(c.code).toBe(0);
    expect(lines(c.stdout)[0]).toBe('Change review: 1 principal gains read access; 1 high new finding; 1 resource changed.');
  });
  it('refuses an unknown --fail-on, a format stdout cannot take, two bases, and an output that is the docs', async () => {
    const bad = await runCli(['diff', ...args(), '--fail-on', 'new-secret']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown condition 'new-secret' (accepted: new-access, or new-finding=<severity> with a severity of critical, high, medium, low)");
    const svg = await runCli(['diff', ...args(), '--format', 'svg']);
    expect(svg.code).toBe(2);
    expect(svg.stderr).toBe('diagrams: error: --out -: stdout takes one text format, not svg (expected --format md or --format json for stdout; an output directory (--out <dir>) for several formats or diagrams)\n');
    const two = await runCli(['diff', '--base-state', base[0]!, '--base-ref', 'HEAD', '--state', head[0]!]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain('conflicting bases: --base-state and --base-ref');
    const docs = tempDir();
    const same = await runCli(['diff', '--state', head[0]!, '--base-docs', docs, '--out', path.join(docs, 'review')]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('the output directory holds the docs the base is read from');
  });
  it('writes diff.md, diff.json and the D2 of each stack whose access changes through the writer; a later run removes what it no longer makes', async () => {
    const out = path.join(tempDir(), 'review');
    const r = await runCli(['diff', ...args(), '--out', out, '--format', 'md,json,d2', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(readdirSync(out).sort()).toEqual(['.generated.json', 'diff.json', 'diff.md', 'prod', 'shared']);
    expect(existsSync(path.join(out, 'prod', 'what_changes.d2'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(out, 'diff.json'), 'utf8')).schemaVersion).toBe(1);
    const again = await runCli(['diff', ...base.flatMap((f) => ['--base-state', f]), ...base.flatMap((f) => ['--state', f]), '--out', out, '--format', 'md,json,d2', '--quiet']);
    expect(again.code).toBe(0);
    expect(existsSync(path.join(out, 'prod', 'what_changes.d2'))).toBe(false);
    expect(readFileSync(path.join(out, 'diff.md'), 'utf8')).toBe('Change review: no change to access, findings, resources, cost or parity in 3 stacks.\n<!-- mono-repo-secrets-docs:diff -->\n');
  });
  it('--stack selects on both sides; a stack only the head has is added, not an error', async () => {
    const added = writeExports(fixture('stack-added'), path.join(tempDir(), 'head'));
    const r = await runCli(['diff', ...base.flatMap((f) => ['--base-state', f]), ...added.flatMap((f) => ['--state', f]), '--stack', 'uat', '--quiet', '--format', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { stacks: { stack: string; change: string }[] };
    expect(j.stacks.map((s) => [s.stack, s.change])).toEqual([['uat', 'added']]);
  });
  it('refuses an output directory that holds generated docs', async () => {
    const docs = path.join(tempDir(), 'docs');
    const g = await runCli(['generate', ...head.flatMap((f) => ['--state', f]), '--format', 'json', '--out', docs, '--quiet']);
    expect(g.code).toBe(0);
    const r = await runCli(['diff', ...args(), '--out', docs, '--format', 'md']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the output directory holds generated docs (its manifest lists dev/estate.json), which writing the change review would remove');
    rmSync(docs, { recursive: true, force: true });
  });
});
