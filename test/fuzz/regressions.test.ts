/**
 * One test per failure the fuzzer found (scripts/fuzz.ts): each input is the shrunk reproducer (or
 * a hand-made equivalent) run through the same in-process pipeline and output checks.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { md } from '../../diagrams/docs/escape.ts';
import { csv } from '../../diagrams/docs/format.ts';
import { tidy } from '../../diagrams/docs/markdown.ts';
import { wildcardMatch } from '../../diagrams/estate/iam/arn.ts';
import { safeSegment } from '../../diagrams/pipeline/paths.ts';
import { q } from '../../diagrams/views/d2text.ts';
import { CORPUS_DIR } from '../corpus.ts';
import { makeCase } from '../../scripts/fuzz/mutate.ts';
import { loadSeeds } from '../../scripts/fuzz/runner.ts';
import { cleanup, exportDoc, runFuzzCase, runInput, urn } from './helpers.ts';

afterAll(cleanup);

const LONE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

describe('fuzz findings', () => {
  it('a stack name with lone surrogates gives well-formed D2 (it was copied into the view titles)', async () => {
    // Shrunk reproducer: no resources, the stack name from the secrets provider state.
    const r = await runInput('{"version":3,"deployment":{"secrets_providers":{"state":{"stack":"region-import\\ud800\\ud800"}}}}');
    expect(r.detail).toBeUndefined();
    expect(r.outcome).toBe('accepted');
    expect(LONE.test(q('a\ud800b\udc00'))).toBe(false);
    expect(q('pair \ud83d\ude00 kept')).toBe('"pair \ud83d\ude00 kept"');
  });

  it('a policy whose Action and Resource hold thousands of wildcards is evaluated in bounded time (it hung)', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*?'.repeat(5_000), Resource: `arn:aws:*:${'*'.repeat(5_000)}` }] });
    const role = urn('aws:iam/role:Role', 'app');
    const doc = exportDoc([
      { urn: role, custom: true, type: 'aws:iam/role:Role', id: 'app', inputs: { name: 'app' }, outputs: { name: 'app', arn: 'arn:aws:iam::123456789012:role/app' } },
      { urn: urn('aws:iam/rolePolicy:RolePolicy', 'p'), custom: true, type: 'aws:iam/rolePolicy:RolePolicy', id: 'app:p', inputs: { role: 'app', policy }, outputs: { role: 'app', policy } },
      { urn: urn('aws:ssm/parameter:Parameter', 'x'), custom: true, type: 'aws:ssm/parameter:Parameter', id: '/app/x', inputs: { name: '/app/x', type: 'String', value: 'v' }, outputs: { name: '/app/x', type: 'String', arn: 'arn:aws:ssm:us-east-1:123456789012:parameter/app/x' } },
    ]);
    const r = await runInput(doc);
    expect(r.outcome).toBe('accepted');
  }, 30_000);

  it('wildcards with many stars match as IAM does (the linear matcher agrees with the regular expression)', () => {
    const cases: [string, string, boolean][] = [
      ['a*'.repeat(5_000) + 'b', 'a'.repeat(5_000), false],
      ['a*'.repeat(20), 'a'.repeat(25), true],
      ['*a*b*c*d*e*f*g*h*i*', 'xaxbxcxdxexfxgxhxix', true],
      ['*a*b*c*d*e*f*g*h*i*j', 'xaxbxcxdxexfxgxhxix', false],
      ['*?*?*?*?*?*?*?*?*?*?', 'abcdefghi', false],
      ['*?*?*?*?*?*?*?*?*?*?', 'abcdefghij', true],
      ['arn:*:*:*:*:*:*:*:*:*', 'arn:1:2:3:4:5:6:7:8:9', true],
      ['arn:*:*:*:*:*:*:*:*:*x', 'arn:1:2:3:4:5:6:7:8:9', false],
    ];
    for (const [p, v, want] of cases) expect([p.slice(0, 30), wildcardMatch(p, v)]).toEqual([p.slice(0, 30), want]);
    expect(wildcardMatch('SSM:*:*:*:*:*:*:*:*:GET*', 'ssm:a:b:c:d:e:f:g:h:getparameter', true)).toBe(true);
    expect(wildcardMatch('SSM:*:*:*:*:*:*:*:*:GET*', 'ssm:a:b:c:d:e:f:g:h:getparameter', false)).toBe(false);
  }, 10_000);

  it('a value of a million newlines shown on a page is tidied in linear time (trailing blanks took quadratic time: a hang)', async () => {
    const arn = '\n'.repeat(1_000_000);
    const doc = exportDoc([
      { urn: urn('aws:iam/role:Role', 'r'), custom: true, type: 'aws:iam/role:Role', id: 'r', inputs: { name: 'r' }, outputs: { name: 'r', arn: 'arn:aws:iam::123456789012:role/r' } },
      { urn: urn('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'a'), custom: true, type: 'aws:iam/rolePolicyAttachment:RolePolicyAttachment', id: 'a', inputs: { role: 'r', policyArn: arn }, outputs: { role: 'r', policyArn: arn } },
    ]);
    const r = await runInput(doc);
    expect(r.outcome).toBe('accepted');
    expect(tidy(`a${' '.repeat(1_000_000)}b  \nc\t \n\n\n\nd`)).toBe(`a${' '.repeat(1_000_000)}b\nc\n\nd\n`);
  }, 60_000);

  it('a parameter path of 60,000 segments costs linear memory (the access engine kept a copy of the path per folder: out of memory)', async () => {
    const name = `/${'a/'.repeat(60_000)}x`;
    const doc = exportDoc([
      { urn: urn('aws:ssm/parameter:Parameter', 'p'), custom: true, type: 'aws:ssm/parameter:Parameter', id: name, inputs: { name, type: 'String', value: 'v' }, outputs: { name, type: 'String', arn: `arn:aws:ssm:us-east-1:123456789012:parameter${name}` } },
    ]);
    const r = await runInput(doc);
    expect(r.outcome).toBe('accepted');
  }, 120_000);

  it("the fuzzer's case 328503 of seed long-3 (a 200,000-level name on a parameter of the built-in uat stack) is accepted (counting the stack's folders kept a copy of the name per level, flattened by the Map: out of memory)", async () => {
    const { seeds, types } = await loadSeeds(true);
    const c = makeCase(seeds, types, 'long-3', 328503);
    // The case as the fuzzer found it; if the seeds change, this names what to look for again.
    expect([c.seed.name, c.ops]).toEqual(['program/uat.json', ['deepPath']]);
    expect((await runFuzzCase(c)).outcome).toBe('accepted');
  }, 120_000);

  it('a role named by 5,000,000 characters that all need escaping is accepted, and long texts are escaped right (escaping it at each of its places took 5 s of CPU time: a hang in the fuzz harness)', async () => {
    // The fuzzer's case: the role of a Lambda function in a corpus checkpoint, shown in many rows of the page.
    const doc = JSON.parse(readFileSync(path.join(CORPUS_DIR, 'pulumi-checkpoint-v3-b64-secrets.json'), 'utf8')) as { checkpoint: { latest: { resources: { type: string; outputs: { name: string } }[] } } };
    const role = doc.checkpoint.latest.resources[3]!;
    expect(role.type).toBe('aws:iam/role:Role');
    role.outputs.name = '*_['.repeat(1_666_666);
    // The time it takes is the fuzz harness's to judge (a hang is 5 s of CPU time: `npm run fuzz`,
    // docs/fuzz.md); here, that the page is built and the escaping is right.
    const r = await runInput(doc);
    expect(r.outcome).toBe('accepted');
    expect(md(`a*b.c 1. x${'_'.repeat(20_000)}`)).toBe(`a\\*b\\.c 1. x${'\\_'.repeat(20_000)}`);
    expect(md(`a*b.c 1. x${'_'.repeat(20_000)}`)).toBe(`a\\*b\\.c 1. x${'\\_'.repeat(20_000)}`);
  }, 120_000);

  it('stacks whose names differ only in unpaired surrogates get directories of their own (UTF-8 made both U+FFFD)', () => {
    const dirs = ['a\ud800', 'a\udbff', 'a\udc00', 'a\ufffd'].map(safeSegment);
    expect(new Set(dirs).size).toBe(4);
    for (const d of dirs) expect(d).toMatch(/^_a-[0-9a-f]{8}$/);
    // Well-formed names keep their directory.
    expect(safeSegment('a b')).toBe('_ab-c8687a08');
    expect(safeSegment('dev')).toBe('dev');
  });

  it('CSV inventories hold no unpaired surrogate, control or bidi character from a name (they were copied as they were)', () => {
    const text = csv(['name'], [['a\ud800b\u0000c\u202ed\u0007'], ['=1+2']]);
    expect(LONE.test(text)).toBe(false);
    expect(text).toBe("name\na\ufffdb\\u{0000}c\\u{202E}d\\u{0007}\n'=1+2\n");
  });
});
