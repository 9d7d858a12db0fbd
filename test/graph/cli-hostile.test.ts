/**
 * `graph --json` on hostile state files, through the real command: a secret hidden in an archive
 * entry's signature never reaches stdout, a deeply nested one does not crash the JSON output, and a
 * property nested past the depth limit is an input error (exit 2), not an internal one (exit 4).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ARCHIVE_SIG } from '../../diagrams/graph/redact.ts';
import { SECRET, SIG, exportDoc, stackUrn, tempDir, urn, writeJson } from '../sources/helpers.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const dir = tempDir('e3-cli-hostile-');

function graphJson(file: string) {
  const r = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'diagrams', 'cli.ts'), 'graph', '--json', '--state', file], {
    cwd: dir,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** An export whose Lambda code is `codeJson` (JSON text, so it may be nested deeper than JSON.stringify allows). */
function withCode(name: string, codeJson: string): string {
  const fn = urn('aws:lambda/function:Function', 'fn');
  const doc = exportDoc([
    { urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false },
    { urn: fn, type: 'aws:lambda/function:Function', custom: true, parent: stackUrn(), inputs: { code: '__HOLE__' } },
  ]);
  return writeJson(dir, name, JSON.stringify(doc).replace('"__HOLE__"', codeJson));
}

const envelope = JSON.stringify({ [SIG]: SECRET, plaintext: JSON.stringify('CANARY-cli-plaintext') });

describe('graph --json on hostile input', () => {
  it('an envelope as an archive entry signature: exit 0, the plaintext is not printed', () => {
    const r = graphJson(withCode('entry.json', `{"${SIG}":"${ARCHIVE_SIG}","assets":{"a.js":{"${SIG}":${envelope}}}}`));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('CANARY');
    expect(JSON.parse(r.stdout).resources.length).toBe(2);
  });

  it('the same envelope 5,000 levels deep: exit 0 and valid JSON', () => {
    const deep = `${'['.repeat(5000)}${envelope}${']'.repeat(5000)}`;
    const r = graphJson(withCode('entry-deep.json', `{"${SIG}":"${ARCHIVE_SIG}","assets":{"a.js":{"${SIG}":${deep}}}}`));
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('CANARY');
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('a property nested 5,000 levels deep: exit 2, naming the file and the JSON path', () => {
    const r = graphJson(withCode('deep.json', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('diagrams: error: ');
    expect(r.stderr).toContain('deep.json at $.deployment.resources[1].inputs.code.a.a.a');
    expect(r.stderr).toContain('value nested more than 1000 levels deep');
    expect(r.stderr.length).toBeLessThan(1_000);
  });
});
