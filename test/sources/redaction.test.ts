/**
 * Canary values planted in every position the corpus shows must never reach the graph JSON nor an
 * error message: inputs, outputs, tags, stack outputs, policy documents, ciphertext and plaintext
 * envelopes, additionalSecretOutputs, schema-sensitive unmarked fields, StackReference outputs,
 * secret-like keys at any depth, inline asset text; and every secret envelope of the real corpus.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../../diagrams/graph/graph.ts';
import { ARCHIVE_SIG, ASSET_SIG } from '../../diagrams/graph/redact.ts';
import { REDACTED, UNKNOWN } from '../../diagrams/graph/types.ts';
import { graphFromPreviewDocument } from '../../diagrams/sources/preview.ts';
import { graphFromStateDocument, readStateFile } from '../../diagrams/sources/state.ts';
import { CORPUS, SECRET, SIG, exportDoc, rejection, stackUrn, tempDir, urn, writeJson } from './helpers.ts';

let n = 0;
const planted: string[] = [];
/** A fresh canary value; every one is asserted absent. */
function canary(label: string): string {
  const c = `CANARY-${label}-${++n}-x9`;
  planted.push(c);
  return c;
}
const cipher = (label: string) => ({ [SIG]: SECRET, ciphertext: `v1:${canary(label)}` });
const plain = (label: string) => ({ [SIG]: SECRET, plaintext: JSON.stringify(canary(label)) });

const aws = urn('pulumi:providers:aws', 'default_7_0_0');
const awsRef = `${aws}::0f0f0f0f-0000-4000-8000-000000000000`;

function plantedDoc(): Record<string, unknown> {
  return exportDoc([
    {
      urn: stackUrn(),
      type: 'pulumi:pulumi:Stack',
      custom: false,
      outputs: { dbPassword: cipher('stack-output-cipher'), token: plain('stack-output-plain'), plainName: 'visible-output' },
    },
    { urn: aws, type: 'pulumi:providers:aws', custom: true, id: '0f0f0f0f-0000-4000-8000-000000000000', inputs: { region: 'eu-west-1', secretKey: canary('provider-secretKey'), token: canary('provider-token') }, outputs: {} },
    {
      urn: urn('aws:secretsmanager/secretVersion:SecretVersion', 'v'),
      type: 'aws:secretsmanager/secretVersion:SecretVersion',
      custom: true,
      id: 'arn:x|y',
      parent: stackUrn(),
      provider: awsRef,
      inputs: { secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:x', secretString: canary('unmarked-secretString-input') },
      outputs: { secretId: 'arn:aws:secretsmanager:eu-west-1:1:secret:x', secretString: canary('unmarked-secretString-output'), secretBinary: canary('unmarked-secretBinary') },
    },
    {
      urn: urn('aws:ssm/parameter:Parameter', 'secure'),
      type: 'aws:ssm/parameter:Parameter',
      custom: true,
      id: '/app/dev/db/password',
      inputs: { name: '/app/dev/db/password', type: 'SecureString', value: canary('securestring-input') },
      outputs: { name: '/app/dev/db/password', type: 'SecureString', value: canary('securestring-output'), tags: { Owner: cipher('tag-cipher'), Note: plain('tag-plain') }, tagsAll: { Owner: cipher('tagsAll') } },
    },
    {
      urn: urn('aws:ssm/parameter:Parameter', 'plain'),
      type: 'aws:ssm/parameter:Parameter',
      custom: true,
      id: '/app/dev/db/host',
      inputs: { name: '/app/dev/db/host', type: 'String', value: 'db.internal' },
      outputs: { name: '/app/dev/db/host', type: 'String', value: 'db.internal' },
    },
    {
      urn: urn('random:index/randomPassword:RandomPassword', 'pw'),
      type: 'random:index/randomPassword:RandomPassword',
      custom: true,
      id: 'none',
      inputs: { length: 32 },
      outputs: { length: 32, result: canary('random-result'), bcryptHash: canary('random-bcrypt') },
    },
    {
      urn: urn('random:index/randomString:RandomString', 'suffix'),
      type: 'random:index/randomString:RandomString',
      custom: true,
      id: canary('randomstring-id'),
      inputs: { length: 8 },
      outputs: { result: canary('randomstring-result') },
    },
    {
      urn: urn('aws:rds/instance:Instance', 'db'),
      type: 'aws:rds/instance:Instance',
      custom: true,
      id: 'db-1',
      inputs: { username: 'admin', password: canary('rds-password') },
      outputs: { username: 'admin', password: canary('rds-password-out'), address: 'db.example' },
    },
    {
      urn: urn('aws:iam/accessKey:AccessKey', 'key'),
      type: 'aws:iam/accessKey:AccessKey',
      custom: true,
      id: 'AKIAEXAMPLE',
      inputs: { user: 'ci' },
      outputs: { user: 'ci', secret: canary('accesskey-secret'), sesSmtpPasswordV4: canary('smtp-password') },
    },
    {
      urn: urn('pulumi:providers:kubernetes', 'k8s'),
      type: 'pulumi:providers:kubernetes',
      custom: true,
      id: 'k8s-id',
      inputs: { kubeconfig: JSON.stringify({ users: [{ user: { token: canary('kubeconfig-token') } }] }) },
      outputs: {},
    },
    {
      urn: urn('aws:iam/policy:Policy', 'reader'),
      type: 'aws:iam/policy:Policy',
      custom: true,
      id: 'arn:aws:iam::1:policy/reader',
      inputs: { policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: cipher('policy-doc-envelope') }] } },
      outputs: { policy: cipher('policy-doc-whole') },
      additionalSecretOutputs: ['policyId'],
    },
    {
      urn: urn('aws:lambda/function:Function', 'fn'),
      type: 'aws:lambda/function:Function',
      custom: true,
      id: 'fn',
      inputs: {
        environment: { variables: { DB_PASSWORD: canary('env-db-password'), API_TOKEN: canary('env-api-token'), MODE: 'visible-mode' } },
        code: { [SIG]: ARCHIVE_SIG, assets: { 'index.js': { [SIG]: ASSET_SIG, text: canary('inline-asset-text'), hash: 'abc' } } },
      },
      outputs: { arn: 'arn:aws:lambda:eu-west-1:1:function:fn', someOutput: canary('aso-output') },
      additionalSecretOutputs: ['someOutput'],
    },
    {
      urn: urn('pulumi:pulumi:StackReference', 'org/proj/shared'),
      type: 'pulumi:pulumi:StackReference',
      custom: true,
      id: 'org/proj/shared',
      inputs: { name: 'org/proj/shared' },
      outputs: { name: 'org/proj/shared', outputs: { keyArn: 'arn:aws:kms:eu-west-1:1:key/k', apiKey: canary('stackref-secret-output') }, secretOutputNames: ['apiKey'] },
    },
  ]);
}

function assertClean(text: string): void {
  for (const c of planted) expect(text, `canary ${c}`).not.toContain(c);
  expect(text).not.toContain('CANARY');
}

describe('redaction', () => {
  it('removes every planted canary from the graph and counts the redactions', async () => {
    const dir = tempDir();
    const file = writeJson(dir, 'state.json', plantedDoc());
    const g = await readStateFile(file);
    const text = JSON.stringify(g);
    assertClean(text);
    // Non-secret values survive.
    for (const v of ['visible-output', 'db.internal', 'visible-mode', 'arn:aws:kms:eu-west-1:1:key/k', 'admin', 'db.example']) expect(text).toContain(v);
    expect(g.stack.outputs).toEqual({ dbPassword: REDACTED, token: REDACTED, plainName: 'visible-output' });
    expect(g.metadata.redactedValues).toBeGreaterThanOrEqual(planted.length - 1);
    const fn = g.resources.find((r) => r.name === 'fn')!;
    // Assets stay references with their hash, without inline text.
    expect(JSON.stringify(fn.inputs.code)).toContain('"hash":"abc"');
    expect((fn.inputs.environment as any).variables.MODE).toBe('visible-mode');
    const pw = g.resources.find((r) => r.name === 'suffix')!;
    expect(pw.id).toBe(REDACTED);
  });

  it('never puts a canary in an error message', async () => {
    const dir = tempDir();
    const doc = plantedDoc() as any;
    // A dangling parent on a resource full of canaries.
    doc.deployment.resources[2].parent = urn('fixture:missing:Parent', 'gone');
    const e1 = await rejection(readStateFile(writeJson(dir, 'dangling.json', doc)));
    expect(e1.message).toContain('dangling parent');
    // Broken JSON right after a canary.
    const text = JSON.stringify(plantedDoc());
    const at = text.indexOf('CANARY');
    const broken = `${text.slice(0, at + 20)}"}}}x${text.slice(at + 20)}`;
    const e2 = await rejection(readStateFile(writeJson(dir, 'broken.json', broken)));
    const e3 = await rejection(readStateFile(writeJson(dir, 'truncated.json', text.slice(0, at + 15))));
    const e4 = await rejection(() => graphFromStateDocument({ version: 3, deployment: { resources: [{ type: 'x', inputs: { password: 'CANARY-no-urn' } }] } }, 'no-urn.json'));
    const e5 = await rejection(() => graphFromStateDocument({ [String(planted[0])]: 1, version: 3 }, 'shape.json'));
    for (const e of [e1, e2, e3, e4, e5]) assertClean(e.message);
  });

  it('redacts previews too, and turns unknowns into UNKNOWN', () => {
    const doc = {
      config: {},
      steps: [
        { op: 'create', urn: stackUrn(), newState: { urn: stackUrn(), type: 'pulumi:pulumi:Stack', custom: false } },
        {
          op: 'create',
          urn: urn('aws:ssm/parameter:Parameter', 'p'),
          newState: {
            urn: urn('aws:ssm/parameter:Parameter', 'p'),
            type: 'aws:ssm/parameter:Parameter',
            custom: true,
            parent: stackUrn(),
            inputs: { type: 'SecureString', value: canary('preview-securestring'), tags: { x: plain('preview-tag') } },
            outputs: { arn: '04da6b54-80e4-46f7-96ec-b56ff0331ba9' },
          },
        },
      ],
    };
    const g = graphFromPreviewDocument(doc, 'preview.json');
    assertClean(JSON.stringify(g));
    expect(g.resources.find((r) => r.name === 'p')!.outputs.arn).toBe(UNKNOWN);
  });

  it('no secret of the real corpus (ciphertext or plaintext envelope) reaches a graph', async () => {
    const secretValues: string[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o[SIG] === SECRET) {
          for (const k of ['ciphertext', 'plaintext']) if (typeof o[k] === 'string' && (o[k] as string).length > 6) secretValues.push(o[k] as string);
          if (typeof o.plaintext === 'string') {
            try {
              const inner = JSON.parse(o.plaintext);
              if (typeof inner === 'string' && inner.length > 6) secretValues.push(inner);
            } catch {
              // not JSON
            }
          }
        } else Object.values(o).forEach(collect);
      }
    };
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json') && !f.includes('preview'));
    let checked = 0;
    for (const f of files) {
      secretValues.length = 0;
      const raw = readFileSync(join(CORPUS, f), 'utf8');
      collect(JSON.parse(raw));
      const text = JSON.stringify(await readStateFile(join(CORPUS, f)));
      for (const s of secretValues) expect(text.includes(s), `${f}: a secret value leaked`).toBe(false);
      checked += secretValues.length;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('unmarked schema-sensitive values of the corpus are redacted (rds password, azure adminPassword)', async () => {
    const a = JSON.stringify(await readStateFile(join(CORPUS, 'private-rmq-azure-checkpoint-deletes-pendingreplacement.json')));
    expect(a).not.toContain('Password1234!');
    const b = await readStateFile(join(CORPUS, 'stack-factory-ecs-custom-components-export.json'));
    const rds = b.resources.find((r) => r.type === 'aws:rds/instance:Instance')!;
    expect(rds.inputs.password).toBe(REDACTED);
  });

  it('buildGraph does not mutate its input', () => {
    const doc = plantedDoc() as any;
    const before = JSON.stringify(doc);
    buildGraph({ source: { kind: 'state', location: 'x', format: 'export v3' }, resources: doc.deployment.resources });
    expect(JSON.stringify(doc)).toBe(before);
  });
});
