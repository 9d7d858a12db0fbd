/** Malformed input: typed 'input' errors naming the file, the JSON path and what was expected. */
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { getResource } from '../../diagrams/graph/graph.ts';
import { readStateFile } from '../../diagrams/sources/state.ts';
import { CORPUS, exportDoc, rejection, stackUrn, tempDir, urn, writeJson } from './helpers.ts';

const dir = tempDir();
const ok = exportDoc([{ urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false }, { urn: urn('aws:s3/bucket:Bucket', 'b'), type: 'aws:s3/bucket:Bucket', custom: true, parent: stackUrn() }]);

describe('malformed state input', () => {
  it('not JSON: line, column and position, no echo of the text', async () => {
    const f = writeJson(dir, 'bad.json', '{\n  "version": 3,\n  "deployment": nope\n}');
    const e = await rejection(readStateFile(f));
    expect(e.kind).toBe('input');
    expect(e.message).toContain('bad.json');
    expect(e.message).toMatch(/not valid JSON: unexpected character at line 3 column 17 \(position \d+\)/);
    expect(e.message).not.toContain('nope');
    expect(e.details.line).toBe(3);
  });

  it('truncated', async () => {
    const text = JSON.stringify(ok);
    const e = await rejection(readStateFile(writeJson(dir, 'trunc.json', text.slice(0, text.length - 30))));
    expect(e.message).toMatch(/trunc\.json at line 1: not valid JSON: truncated, input ends at line 1 column \d+/);
  });

  it('empty file', async () => {
    const e = await rejection(readStateFile(writeJson(dir, 'empty.json', '')));
    expect(e.message).toContain('truncated');
  });

  it('wrong top-level shape', async () => {
    for (const doc of ['[1,2]', '"text"', '{"foo": 1}', 'null']) {
      const e = await rejection(readStateFile(writeJson(dir, 'shape.json', doc)));
      expect(e.message).toContain('shape.json at $: wrong top-level shape');
      expect(e.message).toContain('expected a `pulumi stack export` document');
    }
  });

  it('unknown or missing version', async () => {
    writeJson(dir, 'v9.json', { version: 9, deployment: {} });
    const e = await rejection(readStateFile('v9.json', { cwd: dir }));
    expect(e.message).toBe('v9.json at $.version: unknown stack export version 9 (expected one of 1, 2, 3, 4)');
    const e2 = await rejection(readStateFile(writeJson(dir, 'cp9.json', { version: 7, checkpoint: {} })));
    expect(e2.message).toContain('unknown checkpoint version 7');
    const e3 = await rejection(readStateFile(writeJson(dir, 'nov.json', { deployment: {} })));
    expect(e3.message).toContain('$.version');
  });

  it('deployment or resources of the wrong type', async () => {
    const e = await rejection(readStateFile(writeJson(dir, 'dep.json', { version: 3, deployment: [] })));
    expect(e.details.jsonPath).toBe('$.deployment');
    const e2 = await rejection(readStateFile(writeJson(dir, 'res.json', { version: 3, deployment: { resources: {} } })));
    expect(e2.details.jsonPath).toBe('$.deployment.resources');
  });

  it('a resource without a URN, or not an object', async () => {
    const e = await rejection(readStateFile(writeJson(dir, 'nourn.json', exportDoc([{ urn: stackUrn(), type: 'pulumi:pulumi:Stack' }, { type: 'aws:s3/bucket:Bucket' }]))));
    expect(e.message).toContain('nourn.json at $.deployment.resources[1].urn: resource without a URN');
    const e2 = await rejection(readStateFile(writeJson(dir, 'notobj.json', exportDoc([42]))));
    expect(e2.details.jsonPath).toBe('$.deployment.resources[0]');
    const e3 = await rejection(readStateFile(writeJson(dir, 'badurn.json', exportDoc([{ urn: 'arn:aws:s3:::x' }]))));
    expect(e3.message).toContain('not a Pulumi URN');
  });

  it('a dangling parent', async () => {
    const e = await rejection(readStateFile(writeJson(dir, 'dangle.json', exportDoc([{ urn: urn('aws:s3/bucket:Bucket', 'b'), parent: urn('x:y:Z', 'gone') }]))));
    expect(e.message).toContain('dangle.json at $.deployment.resources[0].parent: dangling parent');
    expect(e.details.expected).toContain('live resource');
  });

  it('duplicate live URNs', async () => {
    const r = { urn: urn('aws:s3/bucket:Bucket', 'b') };
    const e = await rejection(readStateFile(writeJson(dir, 'dup.json', exportDoc([r, r]))));
    expect(e.message).toContain('duplicate URN');
  });

  it('gzip: reads .json.gz, refuses broken gzip and a .gz that is not gzip', async () => {
    const gz = join(dir, 'state.json.gz');
    writeFileSync(gz, gzipSync(Buffer.from(JSON.stringify(ok))));
    const g = await readStateFile(gz);
    expect(g.resources).toHaveLength(2);
    const broken = join(dir, 'broken.json.gz');
    writeFileSync(broken, gzipSync(Buffer.from(JSON.stringify(ok))).subarray(0, 40));
    const e = await rejection(readStateFile(broken));
    expect(e.message).toContain('broken gzip');
    const fake = writeJson(dir, 'fake.json.gz', ok);
    expect((await rejection(readStateFile(fake))).message).toContain('not gzip');
  });

  it('missing file and directory', async () => {
    expect((await rejection(readStateFile('does-not-exist.json', { cwd: dir }))).message).toBe('does-not-exist.json: file not found (expected an existing file for --state)');
    expect((await rejection(readStateFile(dir))).message).toContain('use --backend');
  });

  it('reads stdin for `-`, relative paths against cwd', async () => {
    const g = await readStateFile('-', { stdin: Readable.from([Buffer.from(JSON.stringify(ok))]) });
    expect(g.stack.source.location).toBe('-');
    expect(g.resources).toHaveLength(2);
    const g2 = await readStateFile('pulumi-aws-kms-key-export.json', { cwd: CORPUS });
    expect(g2.stack.source.location).toBe('pulumi-aws-kms-key-export.json');
  });

  it('getResource throws a GeneratorError naming the URN', async () => {
    const g = await readStateFile(writeJson(dir, 'ok.json', ok));
    const e = await rejection(() => getResource(g, 'urn:pulumi:dev::proj::x:y:Z::missing'));
    expect(e.message).toContain('urn:pulumi:dev::proj::x:y:Z::missing');
  });
});
