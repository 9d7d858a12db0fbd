/**
 * A preview documents the stack as the update leaves it: resources it deletes are left out of the
 * estate (and counted apart), and its config's `aws:region` is the stack's region, so a policy for
 * another region is not read as reaching the parameters the preview creates.
 */
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import { graphFromPreviewDocument, readPreviewFile } from '../../diagrams/sources/preview.ts';
import { CORPUS_DIR } from '../corpus.ts';

const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';
const urn = (type: string, name: string) => `urn:pulumi:dev::app::${type}::${name}`;
const step = (op: string, type: string, name: string, inputs: Record<string, unknown>, outputs: Record<string, unknown> = {}) => {
  const state = { urn: urn(type, name), type, custom: true, inputs, outputs };
  return op === 'delete' || op === 'discard' ? { op, urn: state.urn, oldState: state } : { op, urn: state.urn, newState: state };
};

function preview(config: Record<string, unknown>) {
  const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:eu-west-1:111111111111:parameter/app/dev/*' }] });
  return {
    config,
    steps: [
      step('same', 'pulumi:pulumi:Stack', 'app-dev', {}),
      step('create', 'aws:ssm/parameter:Parameter', 'host', { name: '/app/dev/db/host', type: 'String' }, { arn: UNKNOWN }),
      step('create', 'aws:iam/role:Role', 'api', { name: 'api', assumeRolePolicy: '{}', inlinePolicies: [{ name: 'read', policy }] }, { arn: 'arn:aws:iam::111111111111:role/api' }),
      step('delete', 'aws:secretsmanager/secret:Secret', 'legacy', { name: 'app/dev/legacy' }, { arn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:app/dev/legacy-AbCdEf' }),
      step('delete', 'aws:iam/role:Role', 'legacy-role', { name: 'legacy-role', assumeRolePolicy: '{}' }, { arn: 'arn:aws:iam::111111111111:role/legacy-role' }),
      step('discard', 'aws:secretsmanager/secret:Secret', 'handed-over', { name: 'app/dev/handed-over' }, { arn: 'arn:aws:secretsmanager:us-west-2:111111111111:secret:app/dev/handed-over-AbCdEf' }),
    ],
  };
}

describe('a preview as the update leaves the stack', () => {
  it('leaves out what it deletes or discards, and counts it', () => {
    const e = buildEstate([graphFromPreviewDocument(preview({}), 'p.json')]);
    expect(e.secrets.map((s) => s.name)).toEqual([]);
    expect(e.roles.map((r) => r.name)).toEqual(['api']);
    expect(e.stacks[0]!.coverage.plannedDeletes).toBe(3);
  });

  it("takes the config's aws:region as the stack's: a policy for another region reaches nothing", () => {
    const west = buildEstate([graphFromPreviewDocument(preview({ 'aws:region': 'us-west-2' }), 'p.json')]);
    expect(west.stacks[0]!.region).toBe('us-west-2');
    expect(west.parameters[0]!.region).toBe('us-west-2');
    expect(west.access.find((a) => a.principal.endsWith('::api'))!.parameters).toEqual([]);
    const eu = buildEstate([graphFromPreviewDocument(preview({ 'aws:region': 'eu-west-1' }), 'p.json')]);
    expect(eu.access.find((a) => a.principal.endsWith('::api'))!.parameters.map((p) => p.certainty)).toEqual(['certain']);
  });

  it('the corpus preview that deletes a Lambda subscription: none of its resources is documented', async () => {
    const e = buildEstate([await readPreviewFile(`${CORPUS_DIR}/stratify-s3-lambda-preview-deletes.json`)]);
    expect(e.functions).toEqual([]);
    expect(e.roles).toEqual([]);
    expect(e.stacks[0]!.coverage.plannedDeletes).toBeGreaterThan(10);
  });
});

describe('a state with old copies awaiting deletion', () => {
  it('counts them on the overview (they still exist in AWS), without documenting them', async () => {
    const { readStateFile } = await import('../../diagrams/sources/state.ts');
    const g = await readStateFile(`${CORPUS_DIR}/private-rmq-azure-checkpoint-deletes-pendingreplacement.json`);
    const e = buildEstate([g]);
    expect(g.metadata.pendingDeletes.length).toBeGreaterThan(0);
    expect(e.stacks[0]!.coverage.pendingDeletes).toBe(g.metadata.pendingDeletes.length);
  });
});
