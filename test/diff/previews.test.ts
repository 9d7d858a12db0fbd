/**
 * A preview compared alone (`diff --preview <file>`): base = each step's old state, head = its new
 * state, the engine's ops and Pulumi's detailedDiff kept. The corpus previews (a stack created, a
 * stack's resources deleted, a function updated) and a preview made from two fixture estates.
 */

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SECRET_SIG, SIG_KEY } from '../../diagrams/graph/redact.ts';
import { previewSidesOf, readPreviewSides } from '../../diagrams/sources/preview-steps.ts';
import { CORPUS_DIR } from '../corpus.ts';
import { lines, runCli, tempDir } from './helpers.ts';
import { fixture, previewDocument } from './scenario.ts';

const corpus = (f: string) => path.join(CORPUS_DIR, `stratify-s3-lambda-preview-${f}.json`);

describe('the preview reader as two sides', () => {
  it('creates: no base, 16 resources on the head, every op kept', async () => {
    const s = await readPreviewSides(corpus('creates'));
    expect(s.base).toHaveLength(0);
    expect(s.head.map((g) => g.resources.length)).toEqual([16]);
    expect(new Set(s.steps.map((x) => x.op))).toEqual(new Set(['create']));
  });
  it('deletes: 16 on the base, the two `same` ones on the head', async () => {
    const s = await readPreviewSides(corpus('deletes'));
    expect(s.base.map((g) => g.resources.length)).toEqual([16]);
    expect(s.head.map((g) => g.resources.map((r) => r.type).sort())).toEqual([['aws:s3/bucket:Bucket', 'pulumi:pulumi:Stack']]);
  });
  it('update: detailedDiff and diffReasons of the updated function are kept', async () => {
    const s = await readPreviewSides(corpus('update'));
    const u = s.steps.filter((x) => x.op === 'update');
    expect(u).toEqual([{ urn: expect.stringContaining('aws:lambda/function:Function::docsHandler'), type: 'aws:lambda/function:Function', name: 'docsHandler', op: 'update', detailedDiff: [{ path: 'code', kind: 'update' }], diffReasons: ['code'], replaceReasons: [] }]);
    expect(s.base[0]!.resources.length).toBe(16);
    expect(s.head[0]!.resources.length).toBe(16);
  });
  it('refuses a malformed detailedDiff or diffReasons, naming the file and the JSON path', () => {
    const step = { op: 'update', urn: 'urn:pulumi:dev::p::aws:s3/bucket:Bucket::b', oldState: { type: 'aws:s3/bucket:Bucket' }, newState: { type: 'aws:s3/bucket:Bucket' } };
    expect(() => previewSidesOf({ steps: [{ ...step, detailedDiff: { tags: 'update' } }] }, 'p.json')).toThrow('p.json at $.steps[0].detailedDiff["tags"]: detailedDiff entry is "update" (expected {"kind": "update" | "add" | "delete" | ..., "inputDiff": true | false})');
    expect(() => previewSidesOf({ steps: [{ ...step, diffReasons: [3] }] }, 'p.json')).toThrow('p.json at $.steps[0].diffReasons[0]: not a property name: 3 (expected a string)');
    expect(() => previewSidesOf({ steps: [{ ...step, op: 'frobnicate' }] }, 'p.json')).toThrow(/unknown step op "frobnicate"/);
  });
});

describe('diff --preview <file> on the corpus previews', () => {
  it('creates: the stack is added, with its role, the rule it breaks and the created resources by type', async () => {
    const r = await runCli(['diff', '--preview', corpus('creates'), '--quiet', '--fail-on', 'new-access']);
    expect(r.code).toBe(0);
    const md = lines(r.stdout);
    expect(md[0]).toBe('Change review: 1 high new finding; 1 resource changed; 14 other resources changed; 1 stack added.');
    expect(md).toContain('| dev | added | — | 1 high | 1 | — |');
    expect(md).toContain('- role `docsHandler-ae85f73` added');
    expect(md).toContain('| `aws:iam/rolePolicyAttachment:RolePolicyAttachment` | 0 | 9 | 9 create |');
    expect(md).toContain('| `aws:lambda/function:Function` | 0 | 1 | 1 create |');
  });
  it('deletes: the role is removed and the rules that judged it have nothing left to judge', async () => {
    const r = await runCli(['diff', '--preview', corpus('deletes'), '--quiet', '--fail-on', 'new-finding=low']);
    expect(r.code).toBe(0);
    const md = lines(r.stdout);
    expect(md[0]).toBe('Change review: 3 rules newly not applicable; 1 resource changed; 13 other resources changed.');
    expect(md).toContain('- role `docsHandler-9eca035` removed');
    expect(md).toContain('| `aws:lambda/function:Function` | 1 | 0 | 1 delete |');
    expect(md).toContain('| SEC-027 No full administrator in the stack | critical | newly not applicable | — |');
  });
  it('update: one function updated, with the property Pulumi names', async () => {
    const r = await runCli(['diff', '--preview', corpus('update'), '--quiet']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0]).toBe('Change review: 1 other resource changed.');
    expect(lines(r.stdout)).toContain('| `aws:lambda/function:Function` | 1 | 1 | 1 update: `docsHandler` (`code`) |');
  });
});

describe('a preview of modelled resources', () => {
  it('keeps the op and the properties Pulumi names beside the estate-level changes', async () => {
    const dir = tempDir();
    const base = fixture().stackList().find((s) => s.name === 'prod')!;
    const head = fixture('plain-type', 'widen').stackList().find((s) => s.name === 'prod')!;
    const file = path.join(dir, 'preview.json');
    writeFileSync(file, JSON.stringify(previewDocument(base, head)));
    const r = await runCli(['diff', '--preview', file, '--quiet', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { stacks: { resources: { name: string; change: string; preview?: unknown; properties: { property: string }[] }[] }[] };
    const res = report.stacks[0]!.resources;
    expect(res.map((x) => [x.name, x.change])).toEqual([
      ['/app/prod/db/password', 'updated'],
      ['api-read', 'updated'],
    ]);
    expect(res[0]!.preview).toEqual({ op: 'update', properties: ['type'], replaceReasons: [] });
    expect(res[0]!.properties.map((p) => p.property)).toEqual(['type', 'key']);
    expect(res[1]!.preview).toEqual({ op: 'update', properties: ['policy'], replaceReasons: [] });
  });
});

describe('secret values in a preview', () => {
  it('never reach the report: Pulumi names the property, the value is redacted', async () => {
    const urn = (t: string, n: string) => `urn:pulumi:prod::app::${t}::${n}`;
    const secretUrn = urn('aws:secretsmanager/secret:Secret', 'db');
    const arn = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:app/prod/db-AbCdEf';
    const version = (value: string) => ({ type: 'aws:secretsmanager/secretVersion:SecretVersion', custom: true, id: `${arn}|v`, inputs: { secretId: arn, secretString: { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(value) } }, outputs: { secretId: arn, secretString: { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(value) } } });
    const secret = { type: 'aws:secretsmanager/secret:Secret', custom: true, id: arn, inputs: { name: 'app/prod/db' }, outputs: { name: 'app/prod/db', arn } };
    const doc = {
      steps: [
        { op: 'same', urn: secretUrn, oldState: { urn: secretUrn, ...secret }, newState: { urn: secretUrn, ...secret } },
        { op: 'update', urn: urn('aws:secretsmanager/secretVersion:SecretVersion', 'db-v'), oldState: version('CANARY-OLD-VALUE'), newState: version('CANARY-NEW-VALUE'), detailedDiff: { secretString: { kind: 'update', inputDiff: true } }, diffReasons: ['secretString'] },
      ],
    };
    const file = path.join(tempDir(), 'secret-preview.json');
    writeFileSync(file, JSON.stringify(doc));
    for (const format of ['md', 'json']) {
      const r = await runCli(['diff', '--preview', file, '--quiet', '--format', format]);
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain('CANARY');
      expect(r.stdout).toContain('secretString');
    }
  });
});
