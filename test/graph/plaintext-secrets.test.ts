/**
 * `metadata.plaintextSecrets`: where a state holds a secret readable without a key, by resource and
 * property path, never the value. Checked against the corpus (paths computed here from the raw
 * files) and against planted rows of every kind.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../diagrams/graph/graph.ts';
import type { PlaintextSecret } from '../../diagrams/graph/types.ts';
import { graphFromPreviewDocument } from '../../diagrams/sources/preview.ts';
import { graphFromStateDocument, readStateFile } from '../../diagrams/sources/state.ts';
import { CORPUS, SECRET, SIG, exportDoc, stackUrn, urn } from '../sources/helpers.ts';

const raw = (file: string): any => JSON.parse(readFileSync(join(CORPUS, file), 'utf8'));

/** Every secret envelope of a corpus file's resources: `{urn, path}` with the path inside the resource. */
function envelopes(resources: any[], pick: (env: Record<string, unknown>) => boolean): { urn: string; path: string }[] {
  const out: { urn: string; path: string }[] = [];
  const walk = (v: unknown, urnOf: string, path: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, urnOf, `${path}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o[SIG] === SECRET) {
        if (pick(o)) out.push({ urn: urnOf, path });
        return;
      }
      for (const [k, x] of Object.entries(o)) walk(x, urnOf, `${path}.${k}`);
    }
  };
  for (const r of resources) {
    if (r.delete === true || r.pendingReplacement === true) continue;
    walk(r.inputs, r.urn, 'inputs');
    walk(r.outputs, r.urn, 'outputs');
  }
  return out;
}

const sortKey = (p: { urn: string; path: string }) => `${p.urn}\u0000${p.path}`;
const byReason = (g: { metadata: { plaintextSecrets: readonly PlaintextSecret[] } }, reason: PlaintextSecret['reason']) =>
  g.metadata.plaintextSecrets.filter((p) => p.reason === reason).map(({ urn, path }) => ({ urn, path }));

describe('plaintext secrets in the corpus', () => {
  it('a --show-secrets export: every plaintext envelope, by resource and path', async () => {
    const file = 'eks-encryption-provider-kms-plaintext-export.json';
    const expected = envelopes(raw(file).deployment.resources, (e) => 'plaintext' in e);
    expect(expected.length).toBe(5);
    const g = await readStateFile(join(CORPUS, file));
    expect(byReason(g, 'plaintext-envelope')).toEqual([...expected].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1)));
    expect(g.metadata.plaintextSecrets).toContainEqual({
      urn: 'urn:pulumi:test::encryption-provider::random:index/randomPassword:RandomPassword::db-password',
      path: 'outputs.result',
      reason: 'plaintext-envelope',
    });
    expect(g.metadata.plaintextSecrets).toContainEqual({
      urn: 'urn:pulumi:test::encryption-provider::kubernetes:core/v1:Secret::db-password',
      path: 'outputs.__inputs.data',
      reason: 'plaintext-envelope',
    });
  });

  it('a b64 checkpoint: every envelope counts (base64 is not encryption)', async () => {
    const file = 'pulumi-checkpoint-v3-b64-secrets.json';
    const expected = envelopes(raw(file).checkpoint.latest.resources, () => true);
    expect(expected.length).toBe(10);
    const g = await readStateFile(join(CORPUS, file));
    expect(g.metadata.secretsProvider).toBe('b64');
    expect(byReason(g, 'plaintext-envelope').map(sortKey).sort()).toEqual(expected.map(sortKey).sort());
    expect(byReason(g, 'plaintext-envelope')).toContainEqual({ urn: expect.stringContaining('aws:lambda/function:Function::countDown_watcher'), path: 'inputs.deadLetterConfig[0].targetArn' });
  });

  it('ciphertext envelopes of an encrypting provider are not listed; unmarked schema or key-named values are', async () => {
    const cipher = await readStateFile(join(CORPUS, 'eks-cluster-143res-ciphertext-export.json'));
    expect(envelopes(raw('eks-cluster-143res-ciphertext-export.json').deployment.resources, () => true).length).toBeGreaterThan(30);
    expect(byReason(cipher, 'plaintext-envelope')).toEqual([]);
    // rds password 'wordpress' stored unmarked in inputs; the output is a ciphertext envelope.
    const boto = await readStateFile(join(CORPUS, 'boto-pulumi-eb-elasticbeanstalk-export.json'));
    expect(boto.metadata.plaintextSecrets).toEqual([{ urn: 'urn:pulumi:dev::elb-wp::aws:rds/instance:Instance::wpeb', path: 'inputs.password', reason: 'unmarked-sensitive-field' }]);
    // An Azure VM's adminPassword, found by its key name.
    const azure = await readStateFile(join(CORPUS, 'private-rmq-azure-checkpoint-deletes-pendingreplacement.json'));
    expect(azure.metadata.plaintextSecrets.map((p) => `${p.reason} ${p.path}`)).toEqual(['unmarked-sensitive-field inputs.adminPassword', 'unmarked-sensitive-field outputs.adminPassword']);
    for (const g of [cipher, boto, azure]) expect(JSON.stringify(g.metadata.plaintextSecrets)).not.toMatch(/wordpress|Password1234/);
  });
});

describe('plaintext secrets, planted', () => {
  const plain = (v: unknown) => ({ [SIG]: SECRET, plaintext: JSON.stringify(v) });
  const cipher = (v: string) => ({ [SIG]: SECRET, ciphertext: `v1:${v}` });
  const fn = urn('aws:lambda/function:Function', 'fn');
  const db = urn('aws:rds/cluster:Cluster', 'db');
  const param = urn('aws:ssm/parameter:Parameter', 'p');
  const ref = urn('pulumi:pulumi:StackReference', 'org/proj/shared');
  const doc = () =>
    exportDoc([
      { urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false, outputs: { token: plain('CANARY-stack-output'), other: cipher('CANARY-c1') } },
      {
        urn: fn,
        type: 'aws:lambda/function:Function',
        custom: true,
        id: 'fn',
        parent: stackUrn(),
        inputs: { environment: { variables: { DB_PASSWORD: 'CANARY-env', API_TOKEN: cipher('CANARY-c2'), MODE: 'fast', 'odd.key': plain('CANARY-odd') } }, layers: [plain('CANARY-layer')] },
        outputs: { someOutput: 'CANARY-aso', marked: cipher('CANARY-c3'), emptyPassword: '' },
        additionalSecretOutputs: ['someOutput', 'marked'],
      },
      {
        urn: db,
        type: 'aws:rds/cluster:Cluster',
        custom: true,
        id: 'db',
        parent: stackUrn(),
        inputs: { masterPassword: 'CANARY-master', masterPasswordWo: cipher('CANARY-c4') },
        outputs: { masterPassword: plain('CANARY-master-out') },
      },
      { urn: param, type: 'aws:ssm/parameter:Parameter', custom: true, id: '/p', parent: stackUrn(), inputs: { type: 'SecureString', value: 'CANARY-param' }, outputs: {} },
      {
        urn: ref,
        type: 'pulumi:pulumi:StackReference',
        custom: true,
        id: 'org/proj/shared',
        parent: stackUrn(),
        inputs: { name: 'org/proj/shared' },
        outputs: { outputs: { apiKey: 'CANARY-ref', url: 'https://x' }, secretOutputNames: ['apiKey'] },
      },
    ]);

  it('lists each place with its reason, sorted by (urn, path), and never a value', () => {
    const g = graphFromStateDocument(doc(), 'planted.json', { adopt: true });
    const got = g.metadata.plaintextSecrets;
    expect(got).toEqual([
      { urn: fn, path: 'inputs.environment.variables.DB_PASSWORD', reason: 'unmarked-sensitive-field' },
      { urn: fn, path: 'inputs.environment.variables["odd.key"]', reason: 'plaintext-envelope' },
      { urn: fn, path: 'inputs.layers[0]', reason: 'plaintext-envelope' },
      { urn: fn, path: 'outputs.someOutput', reason: 'unmarked-sensitive-field' },
      { urn: param, path: 'inputs.value', reason: 'unmarked-sensitive-field' },
      { urn: db, path: 'inputs.masterPassword', reason: 'unmarked-sensitive-field' },
      { urn: db, path: 'outputs.masterPassword', reason: 'plaintext-envelope' },
      { urn: stackUrn(), path: 'outputs.token', reason: 'plaintext-envelope' },
      { urn: ref, path: 'outputs.outputs.apiKey', reason: 'unmarked-sensitive-field' },
    ].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0)));
    expect(Object.isFrozen(got)).toBe(true);
    expect(Object.isFrozen(got[0])).toBe(true);
    expect(JSON.stringify(g)).not.toContain('CANARY');
    // Same with a copying walk, and byte-identical run to run.
    const copy = graphFromStateDocument(doc(), 'planted.json');
    expect(JSON.stringify(copy)).toBe(JSON.stringify(g));
  });

  it('path segments from input keys are cut to ~100 characters and carry no control characters', () => {
    const key = `k\u0000\u001b[31m${'x'.repeat(5000)}\ud800`;
    const d = exportDoc([
      { urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false },
      { urn: fn, type: 'aws:lambda/function:Function', custom: true, parent: stackUrn(), inputs: { env: { [key]: { inner_password: 'CANARY-long' } } } },
    ]);
    const [p] = graphFromStateDocument(d, 'long.json').metadata.plaintextSecrets;
    expect(p!.path.startsWith('inputs.env["k[31mxxx')).toBe(true);
    expect(p!.path.endsWith('…"].inner_password')).toBe(true);
    expect(p!.path.length).toBeLessThan(140);
    expect(p!.path).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(p!.path).not.toContain('CANARY');
  });

  it('previews are files too; a program run under mocks records nothing', () => {
    const pv = graphFromPreviewDocument(
      { steps: [{ op: 'create', urn: db, newState: { urn: db, type: 'aws:rds/cluster:Cluster', custom: true, inputs: { masterPassword: 'CANARY-preview' } } }] },
      'preview.json',
    );
    expect(pv.metadata.plaintextSecrets).toEqual([{ urn: db, path: 'inputs.masterPassword', reason: 'unmarked-sensitive-field' }]);
    const rows = [{ urn: db, type: 'aws:rds/cluster:Cluster', custom: true, inputs: { masterPassword: 'placeholder' } }];
    const prog = buildGraph({ source: { kind: 'program', location: 'infra', format: 'program (mocks)' }, resources: rows });
    expect(prog.resources[0]!.inputs.masterPassword).toBe('[secret]');
    expect(prog.metadata.plaintextSecrets).toEqual([]);
  });
});
