/** Validation messages of buildGraph: each names the field, what it holds, and what is accepted. */
import { describe, expect, it } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { buildGraph, type RawResource } from '../../diagrams/graph/graph.ts';
import { stackUrn, urn } from '../sources/helpers.ts';

function errorOf(rows: unknown[]): GeneratorError {
  try {
    buildGraph({ source: { kind: 'state', location: 'rows.json', format: 'export v3' }, resources: rows as RawResource[], resourcesPath: '$.deployment.resources' });
  } catch (e) {
    if (e instanceof GeneratorError) return e;
    throw e;
  }
  throw new Error('expected a GeneratorError');
}

const b = urn('aws:s3/bucket:Bucket', 'b');
const row = (extra: Record<string, unknown>) => [{ urn: stackUrn(), type: 'pulumi:pulumi:Stack' }, { urn: b, type: 'aws:s3/bucket:Bucket', custom: true, ...extra }];

describe('buildGraph messages', () => {
  it('additionalSecretOutputs: a list of property names, not of URNs', () => {
    const e = errorOf(row({ additionalSecretOutputs: 'password' }));
    expect(e.message).toBe(
      'rows.json at $.deployment.resources[1].additionalSecretOutputs: `additionalSecretOutputs` is not a list of property names (found "password") (expected an array of property name strings)',
    );
    const e2 = errorOf(row({ additionalSecretOutputs: ['ok', { name: 'x' }] }));
    expect(e2.message).toBe(
      'rows.json at $.deployment.resources[1].additionalSecretOutputs[1]: an item of `additionalSecretOutputs` is not a string (found an object) (expected a property name string)',
    );
    expect(e2.message).not.toContain('URN');
  });

  it('dependencies and propertyDependencies: lists of URNs, named as such, with odd property names quoted in the path', () => {
    expect(errorOf(row({ dependencies: 7 })).message).toBe(
      'rows.json at $.deployment.resources[1].dependencies: `dependencies` is not a list of URNs (found 7) (expected an array of URN strings)',
    );
    expect(errorOf(row({ dependencies: [stackUrn(), null] })).message).toContain('[1].dependencies[1]: an item of `dependencies` is not a string (found null) (expected a URN string)');
    expect(errorOf(row({ propertyDependencies: [] })).message).toContain('`propertyDependencies` is not an object (found an array of 0 items)');
    expect(errorOf(row({ propertyDependencies: { 'a.b': 'urn' } })).message).toBe(
      'rows.json at $.deployment.resources[1].propertyDependencies["a.b"]: the `propertyDependencies` of "a.b" is not a list of URNs (found "urn") (expected an array of URN strings)',
    );
  });

  it('rows, URNs, parents and planned operations say what they found', () => {
    expect(errorOf([[1]]).message).toBe('rows.json at $.deployment.resources[0]: resource is not an object (found an array of 1 item) (expected an object with a `urn`)');
    expect(errorOf([{ type: 'x' }]).message).toContain('[0].urn: resource without a URN');
    expect(errorOf([{ urn: 42 }]).message).toContain('[0].urn: resource URN is not a non-empty string (found 42)');
    expect(errorOf(row({ parent: { urn: 'x' } })).message).toContain('[1].parent: parent is not a string (found an object) (expected a URN string)');
    expect(errorOf(row({ parent: urn('x:y:Z', 'gone') })).message).toContain(`dangling parent "${urn('x:y:Z', 'gone')}" of "${b}"`);
    const op = errorOf(row({ plannedOp: [['create']] }));
    expect(op.details.jsonPath).toBe('$.deployment.resources[1].plannedOp');
    expect(op.message).toContain('unknown planned operation an array of 1 item');
  });
});
