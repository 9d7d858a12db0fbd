/**
 * Hostile property values: secrets hidden inside assets and archives, values nested thousands of
 * levels deep, and ids that repeat a redacted value. Inputs are built here; none is in the corpus.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { buildGraph } from '../../diagrams/graph/graph.ts';
import { ARCHIVE_SIG, ASSET_SIG } from '../../diagrams/graph/redact.ts';
import { MAX_VALUE_DEPTH, REDACTED } from '../../diagrams/graph/types.ts';
import { graphFromPreviewDocument, readPreviewFile } from '../../diagrams/sources/preview.ts';
import { graphFromStateDocument, readStateFile } from '../../diagrams/sources/state.ts';
import { SECRET, SIG, exportDoc, rejection, stackUrn, tempDir, urn, writeJson } from '../sources/helpers.ts';

const dir = tempDir('e3-hostile-');
const fnUrn = urn('aws:lambda/function:Function', 'fn');
const plain = (value: string) => ({ [SIG]: SECRET, plaintext: JSON.stringify(value) });
const cipher = (value: string) => ({ [SIG]: SECRET, ciphertext: `v1:${value}` });

/** An export with the Stack and one Lambda function whose inputs are `inputs`. */
function fnDoc(inputs: unknown, outputs: unknown = {}): Record<string, unknown> {
  return exportDoc([
    { urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false },
    { urn: fnUrn, type: 'aws:lambda/function:Function', custom: true, id: 'fn', parent: stackUrn(), inputs, outputs },
  ]);
}

/** JSON text of `levels` nested arrays around `leaf` (JSON text: building it as a value and stringifying would overflow). */
function nestedArrays(levels: number, leaf = '"x"'): string {
  return `${'['.repeat(levels)}${leaf}${']'.repeat(levels)}`;
}

/** JSON text of `levels` nested `{"a": ...}` objects around `leaf`. */
function nestedObjects(levels: number, leaf = '"x"'): string {
  return `${'{"a":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;
}

/** An export whose function inputs are `{"code": <inputsJson>}`, as text. */
function fnDocText(codeJson: string, bag: 'inputs' | 'outputs' = 'inputs'): string {
  const marker = '"__HOLE__"';
  const doc = bag === 'inputs' ? fnDoc({ code: '__HOLE__' }) : fnDoc({}, { code: '__HOLE__' });
  return JSON.stringify(doc).replace(marker, codeJson);
}

describe('assets and archives never carry a raw value', () => {
  it('drops or redacts secrets in every place of an archive: entry signature, members, nested assets', async () => {
    const archive = {
      [SIG]: ARCHIVE_SIG,
      hash: 'h-archive',
      assets: {
        // The signature key of an entry holding a secret envelope instead of a signature.
        'sig-plain.js': { [SIG]: plain('CANARY-entry-sig-plain') },
        'sig-cipher.js': { [SIG]: cipher('CANARY-entry-sig-cipher') },
        // A real asset whose members carry secrets and extra data.
        'index.js': {
          [SIG]: ASSET_SIG,
          hash: 'h-index',
          path: plain('CANARY-path-envelope'),
          uri: { nested: 'CANARY-uri-object' },
          text: plain('CANARY-text-envelope'),
          extra: 'CANARY-extra-member',
          more: plain('CANARY-extra-envelope'),
        },
        // A nested archive with a nested asset, three levels down.
        lib: {
          [SIG]: ARCHIVE_SIG,
          path: 'lib',
          assets: {
            'deep.js': { [SIG]: ASSET_SIG, uri: 'file:///deep.js', text: 'CANARY-inline-text', hash: cipher('CANARY-hash-envelope') },
            'bad-entry': 'CANARY-string-entry',
            'secret-entry': plain('CANARY-secret-entry'),
          },
          other: { [SIG]: SECRET, plaintext: '"CANARY-archive-member"' },
        },
      },
    };
    // An entry named `__proto__` (a plain key in a parsed document; an object literal cannot say it).
    const text = JSON.stringify(fnDoc({ code: archive })).replace('"assets":{', '"assets":{"__proto__":{"' + SIG + '":"' + ASSET_SIG + '","path":"proto.js"},');
    const g = await readStateFile(writeJson(dir, 'archive.json', text));
    const out = JSON.stringify(g);
    expect(out).not.toContain('CANARY');
    const code = g.resources.find((r) => r.urn === fnUrn)!.inputs.code as any;
    const { ['__proto__']: proto, ...entries } = code.assets;
    expect(Object.getOwnPropertyNames(code.assets)).toContain('__proto__');
    expect(proto).toEqual({ [SIG]: ASSET_SIG, path: 'proto.js' });
    expect({ ...code, assets: entries }).toEqual({
      [SIG]: ARCHIVE_SIG,
      hash: 'h-archive',
      assets: {
        'index.js': { [SIG]: ASSET_SIG, hash: 'h-index', path: REDACTED, text: REDACTED },
        lib: {
          [SIG]: ARCHIVE_SIG,
          path: 'lib',
          assets: {
            'deep.js': { [SIG]: ASSET_SIG, uri: 'file:///deep.js', text: '[inline text omitted]', hash: REDACTED },
            'secret-entry': REDACTED,
          },
        },
      },
    });
    expect(Object.isFrozen(code.assets.lib.assets)).toBe(true);
  });

  it('a deeply nested value under an entry signature neither crashes nor reaches `JSON.stringify(graph)`', async () => {
    const entry = `{"${SIG}":${nestedArrays(6000, JSON.stringify(plain('CANARY-deep-entry')))}}`;
    const text = fnDocText(`{"${SIG}":"${ARCHIVE_SIG}","assets":{"x.js":${entry}}}`);
    const g = await readStateFile(writeJson(dir, 'deep-entry.json', text));
    const out = JSON.stringify(g, null, 2);
    expect(out).not.toContain('CANARY');
  });

  it('archives nested deeper than the limit are refused like any deep value', async () => {
    let v = `{"${SIG}":"${ASSET_SIG}","path":"leaf"}`;
    for (let i = 0; i < 3000; i++) v = `{"${SIG}":"${ARCHIVE_SIG}","assets":{"n":${v}}}`;
    const e = await rejection(readStateFile(writeJson(dir, 'deep-archive.json', fnDocText(v))));
    expect(e.message).toContain(`nested more than ${MAX_VALUE_DEPTH} levels deep`);
    expect(e.details.jsonPath).toMatch(/^\$\.deployment\.resources\[1\]\.inputs\.code\.assets\.n\.assets\.n/);
  });
});

describe('depth limit', () => {
  it('refuses a property nested 5,000 levels deep in a state file with exit-2 error naming file and path', async () => {
    for (const [name, json, bag] of [
      ['deep-arrays.json', nestedArrays(5000), 'inputs'],
      ['deep-objects.json', nestedObjects(5000), 'outputs'],
    ] as const) {
      const e = await rejection(readStateFile(writeJson(dir, name, fnDocText(json, bag))));
      expect(e.kind).toBe('input');
      expect(e.message.startsWith(`${join(dir, name)} at $.deployment.resources[1].${bag}.code`)).toBe(true);
      expect(e.message).toContain(`value nested more than ${MAX_VALUE_DEPTH} levels deep`);
      expect(e.message.length).toBeLessThan(800);
    }
  });

  it('accepts exactly MAX_VALUE_DEPTH levels (the bag being level 1) and refuses one more', () => {
    // inputs (level 1) > code: k nested arrays (levels 2..k+1).
    const atLimit = JSON.parse(fnDocText(nestedArrays(MAX_VALUE_DEPTH - 1)));
    const g = graphFromStateDocument(atLimit, 'limit.json', { adopt: true });
    expect(() => JSON.stringify(g, null, 2)).not.toThrow();
    const over = JSON.parse(fnDocText(nestedArrays(MAX_VALUE_DEPTH)));
    const e = (() => {
      try {
        graphFromStateDocument(over, 'over.json', { adopt: true });
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(GeneratorError);
    // The path names every level down to the one that is too deep (cut in the message).
    expect((e as GeneratorError).details.jsonPath).toMatch(/^\$\.deployment\.resources\[1\]\.inputs\.code(\[0\]){20}/);
  });

  it('also when the input is not adopted (copying walk) and for buildGraph callers', () => {
    const doc = JSON.parse(fnDocText(nestedObjects(5000)));
    expect(() => graphFromStateDocument(doc, 'copy.json')).toThrow(GeneratorError);
    const rows = (doc as any).deployment.resources;
    expect(() => buildGraph({ source: { kind: 'program', location: 'prog', format: 'program (mocks)' }, resources: rows })).toThrow(/nested more than 1000 levels/);
  });

  it('in a preview: deep newState values are refused, a deeply nested `op` is reported without stringifying it', async () => {
    const step = (op: string, inputs: string) =>
      `{"op":${op},"urn":"${fnUrn}","newState":{"urn":"${fnUrn}","type":"aws:lambda/function:Function","custom":true,"inputs":${inputs}}}`;
    const deepInputs = `{"steps":[${step('"create"', `{"code":${nestedObjects(5000)}}`)}]}`;
    const e1 = await rejection(readPreviewFile(writeJson(dir, 'deep-preview.json', deepInputs)));
    expect(e1.details.jsonPath).toMatch(/^\$\.steps\[0\]\.newState\.inputs\.code\.a\.a/);
    const deepOp = `{"steps":[${step(nestedArrays(5000, '"create"'), '{}')}]}`;
    const e2 = await rejection(readPreviewFile(writeJson(dir, 'deep-op.json', deepOp)));
    expect(e2.message).toContain('unknown step op an array of 1 item');
    expect(e2.details.jsonPath).toBe('$.steps[0].op');
    const e3 = await rejection(() => graphFromPreviewDocument({ steps: [{ op: { toString: 1 }, urn: fnUrn }] }, 'p.json'));
    expect(e3.message).toContain('unknown step op an object');
  });
});

describe('ids that are secrets', () => {
  const row = (type: string, name: string, id: unknown, outputs: Record<string, unknown>, inputs: Record<string, unknown> = {}) => ({
    urn: urn(type, name),
    type,
    custom: true,
    id,
    parent: stackUrn(),
    inputs,
    outputs,
  });

  it('redacts the id of a RandomId (its id is its b64Url), marked or not', () => {
    const doc = exportDoc([
      { urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false },
      row('random:index/randomId:RandomId', 'raw', 'q83vEjRWeJA', { b64Url: 'q83vEjRWeJA', b64Std: 'q83vEjRWeJA=', hex: 'abcdef1234567890', dec: '12379813738877118608', byteLength: 8 }),
      row('random:index/randomId:RandomId', 'marked', 'CANARY-randomid', { b64Url: cipher('x'), byteLength: 8 }),
    ]);
    const g = graphFromStateDocument(doc, 'random.json');
    for (const name of ['raw', 'marked']) expect(g.resources.find((r) => r.name === name)!.id).toBe(REDACTED);
    expect(JSON.stringify(g)).not.toContain('q83vEjRWeJA');
    expect(JSON.stringify(g)).not.toContain('CANARY');
    expect(g.resources.find((r) => r.name === 'raw')!.outputs.byteLength).toBe(8);
  });

  it('redacts any id equal to one of its own redacted values (key name, schema field, plaintext or b64 envelope)', () => {
    const b64 = (v: string) => ({ [SIG]: SECRET, ciphertext: Buffer.from(JSON.stringify(v)).toString('base64') });
    const resources = [
      { urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false },
      row('acme:index/thing:Thing', 'by-key', 'tok-CANARY-1', { apiToken: 'tok-CANARY-1', name: 'visible-name' }),
      row('aws:rds/instance:Instance', 'by-schema', 'pw-CANARY-2', {}, { password: 'pw-CANARY-2' }),
      row('acme:index/thing:Thing', 'by-plaintext', 'a<b&CANARY-3', { value: { [SIG]: SECRET, plaintext: '"a\\u003cb\\u0026CANARY-3"' } }),
      row('acme:index/thing:Thing', 'by-number', 4242, { pin: { [SIG]: SECRET, plaintext: '4242' } }),
      row('acme:index/thing:Thing', 'by-b64', 'b64-CANARY-5', { value: b64('b64-CANARY-5') }),
      row('acme:index/thing:Thing', 'not-secret', 'visible-id', { apiToken: 'other-CANARY-6', label: 'visible-id' }),
    ];
    const g = buildGraph({ source: { kind: 'state', location: 'ids.json', format: 'export v3' }, resources, secretsProvider: 'b64' });
    for (const name of ['by-key', 'by-schema', 'by-plaintext', 'by-number', 'by-b64']) expect(g.resources.find((r) => r.name === name)!.id, name).toBe(REDACTED);
    expect(g.resources.find((r) => r.name === 'not-secret')!.id).toBe('visible-id');
    expect(JSON.stringify(g)).not.toContain('CANARY');
    // Under another secrets provider a ciphertext is opaque: nothing to compare.
    const g2 = buildGraph({ source: { kind: 'state', location: 'ids.json', format: 'export v3' }, resources, secretsProvider: 'passphrase' });
    expect(g2.resources.find((r) => r.name === 'by-b64')!.id).toBe('b64-CANARY-5');
  });

  it('keeps the ids and values of random types that are not secret by schema', () => {
    const doc = exportDoc([
      { urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false },
      row('random:index/randomUuid:RandomUuid', 'uuid', '6f2c1b7e-0000-4000-8000-000000000001', { result: '6f2c1b7e-0000-4000-8000-000000000001' }),
      row('random:index/randomInteger:RandomInteger', 'int', '17', { result: 17, min: 1, max: 99 }),
      row('random:index/randomPet:RandomPet', 'pet', 'dashing-walrus', { length: 2 }),
      row('random:index/randomShuffle:RandomShuffle', 'shuffle', '-', { results: ['b', 'a'] }),
      row('random:index/randomString:RandomString', 'str', 'CANARY-str', { result: 'CANARY-str' }),
      row('random:index/randomPassword:RandomPassword', 'pw', 'none', { result: 'CANARY-pw', bcryptHash: 'CANARY-bcrypt' }),
      row('random:index/randomBytes:RandomBytes', 'bytes', 'CANARY-bytes', { base64: 'CANARY-bytes', hex: 'CANARY-hex' }),
    ]);
    const g = graphFromStateDocument(doc, 'random.json');
    const by = (n: string) => g.resources.find((r) => r.name === n)!;
    expect(by('uuid').id).toBe('6f2c1b7e-0000-4000-8000-000000000001');
    expect(by('uuid').outputs.result).toBe('6f2c1b7e-0000-4000-8000-000000000001');
    expect(by('int').id).toBe('17');
    expect(by('int').outputs.result).toBe(17);
    expect(by('pet').id).toBe('dashing-walrus');
    expect(by('shuffle').outputs.results).toEqual(['b', 'a']);
    for (const n of ['str', 'pw', 'bytes']) expect(by(n).id).toBe(REDACTED);
    expect(JSON.stringify(g)).not.toContain('CANARY');
  });
});
