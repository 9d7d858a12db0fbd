/**
 * The rules on real public Pulumi states (test/fixtures/corpus/, see SOURCES.md). The specific
 * findings below were established by reading each file: the resources, their properties, and (for
 * AWS-managed policies) the documents in the managed-policy snapshot. The sweep checks that every
 * file evaluates, that every subject is a resource of its stack, and that none of the secret values
 * some files hold in plain text (a SecretVersion's `secretString`, a container's database password,
 * an RDS password) is repeated in a finding.
 */

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import type { Finding } from '../../diagrams/compliance/types.ts';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import { SIG_KEY } from '../../diagrams/graph/redact.ts';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { readPreviewFile } from '../../diagrams/sources/preview.ts';
import { readStateFile } from '../../diagrams/sources/state.ts';
import { CORPUS_DIR } from '../corpus.ts';
import { expectSubjects } from './helpers.ts';

const FILES = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.json')).sort();

async function graphOf(file: string): Promise<ResourceGraph> {
  const path = `${CORPUS_DIR}/${file}`;
  return file.includes('preview') ? readPreviewFile(path) : readStateFile(path);
}

/** The findings of a corpus file's stack, by rule id. */
async function findingsOf(file: string): Promise<Map<string, Finding>> {
  const graph = await graphOf(file);
  return new Map(evaluateRules(buildEstate([graph]), graph.stack.stack).map((f) => [f.ruleId, f]));
}

const NO_TRAIL = "no CloudTrail trail records access to this stack's KMS keys";
const ROOT_ONLY = 'decrypt scoped by kms:ViaService / encryption context, or only for full administrators';

describe('findings established by reading the corpus', () => {
  // One KMS key `a` (no alias), rotation off, the default key policy (its account's root only).
  it('pulumi-aws-kms-key-export.json: a key without rotation and without a trail', async () => {
    const f = await findingsOf('pulumi-aws-kms-key-export.json');
    expectSubjects(f.get('SEC-003')!, { notMet: ['a: automatic rotation is off'] });
    expectSubjects(f.get('SEC-010')!, { notMet: ['a: key policy does not deny requests without TLS'] });
    expectSubjects(f.get('SEC-011')!, { met: [`a: ${ROOT_ONLY}`] });
    expectSubjects(f.get('SEC-025')!, { met: ['a: key policy names its principals or limits them to the account'] });
    expectSubjects(f.get('SEC-040')!, { notMet: [`stack test: ${NO_TRAIL}`] });
    // Stack `test` is not prod: no replica or deletion rule applies.
    expect([f.get('SEC-004')!.status, f.get('SEC-005')!.status]).toEqual(['not-applicable', 'not-applicable']);
  });

  // A secret on the default key, no rotation, no policy; its SecretVersion keeps `secretString` in
  // plain text in the inputs (the outputs hold it as ciphertext).
  it('pulumi-aws-secretversion-export.json: an unrotated secret whose value sits in plain text in the inputs', async () => {
    const f = await findingsOf('pulumi-aws-secretversion-export.json');
    expectSubjects(f.get('SEC-001')!, { notMet: ['mySecret-a8aa50c: encrypted with the AWS-managed aws/secretsmanager key'] });
    expectSubjects(f.get('SEC-002')!, { notMet: ['mySecret-a8aa50c: rotation is not enabled'] });
    expectSubjects(f.get('SEC-024')!, { met: ["mySecret-a8aa50c: no resource policy: only this account's IAM decides"] });
    expectSubjects(f.get('SEC-052')!, { notMet: ['mySecretVersion: inputs.secretString stored in plain text'] });
    expect(f.get('SEC-043')!.status).toBe('not-applicable');
  });

  // An RDS instance (database `wpeb`) whose `password` is set in the program, in plain text in the
  // inputs; an EC2 role with three Elastic Beanstalk managed policies, none of which touches
  // Parameter Store, Secrets Manager or KMS.
  it('boto-pulumi-eb-elasticbeanstalk-export.json: a database password set in the program and kept in plain text', async () => {
    const f = await findingsOf('boto-pulumi-eb-elasticbeanstalk-export.json');
    expectSubjects(f.get('SEC-051')!, { notMet: ['wpeb: master password set in the program (password) instead of manageMasterUserPassword'] });
    expectSubjects(f.get('SEC-052')!, { notMet: ['wpeb: inputs.password stored in plain text'] });
    expectSubjects(f.get('SEC-027')!, { met: ['wp-eb-rob-ec2-role: not a full administrator'] });
    for (const id of ['SEC-020', 'SEC-026', 'SEC-030', 'SEC-040']) expect(f.get(id)!.status, id).toBe('not-applicable');
  });

  // Exported with --show-secrets: a RandomPassword and a Kubernetes Secret as `plaintext` envelopes;
  // two Kubernetes providers with an unmarked `kubeconfig` whose user authenticates by
  // `aws eks get-token` (no credential in it: not a secret in plain text); a KMS key with rotation off.
  it('eks-encryption-provider-kms-plaintext-export.json: plain text secrets, a generated password and a Kubernetes Secret', async () => {
    const f = await findingsOf('eks-encryption-provider-kms-plaintext-export.json');
    expectSubjects(f.get('SEC-052')!, {
      notMet: [
        'db-password: inputs.data, outputs.__inputs.data, outputs.data stored in plain text',
        'db-password: outputs.bcryptHash, outputs.result stored in plain text',
      ],
    });
    const held = f.get('SEC-053')!;
    expect(held.subjects.map((s) => [s.urn.split('::')[2], s.name, s.status])).toEqual([
      ['kubernetes:core/v1:Secret', 'db-password', 'not-met'],
      ['random:index/randomPassword:RandomPassword', 'db-password', 'not-met'],
    ]);
    expectSubjects(f.get('SEC-003')!, { notMet: ['alias/k8s-secrets-encryption-key-9853eb2: automatic rotation is off'] });
    expectSubjects(f.get('SEC-027')!, { met: ['encryption-provider-eksRole-role-7f77931: not a full administrator', 'encryption-provider-instanceRole-role-dc253b0: not a full administrator'] });
  });

  // A Fargate task definition whose container environment holds WORDPRESS_DB_PASSWORD in plain
  // text, and an RDS instance (database `lampdb`) with its password set in the program.
  it('stack-factory-ecs-custom-components-export.json: a database password in a container environment', async () => {
    const f = await findingsOf('stack-factory-ecs-custom-components-export.json');
    expectSubjects(f.get('SEC-050')!, { notMet: ['fargate-task-definition: secret in containerDefinitions[wp-example-fe-app-container].environment.WORDPRESS_DB_PASSWORD'] });
    expectSubjects(f.get('SEC-051')!, { notMet: ['lampdb: master password set in the program (password) instead of manageMasterUserPassword'] });
    expectSubjects(f.get('SEC-027')!, { met: ['wp-example-fe-task-role-77f77bf: not a full administrator'] });
  });

  // The b64 secrets provider: every ciphertext is base64 of the value, i.e. plain text. Its roles
  // attach AWSLambdaFullAccess and AmazonEC2ContainerServiceFullAccess, retired by AWS and absent
  // from the managed-policy snapshot.
  it('pulumi-checkpoint-v3-b64-secrets.json: base64 "ciphertext" is plain text, and retired managed policies are unknown', async () => {
    const f = await findingsOf('pulumi-checkpoint-v3-b64-secrets.json');
    expectSubjects(f.get('SEC-052')!, {
      notMet: [
        'countDown_watcher: inputs.action, inputs.function, inputs.sourceArn and 1 more stored in plain text',
        'countDown_watcher-560cf0c8d799e9cd: inputs.deadLetterConfig[0].targetArn, outputs.deadLetterConfig[0].targetArn stored in plain text',
        'countDown_watcher-iamrole-bf695eb09a5c3e28: inputs.assumeRolePolicy, outputs.assumeRolePolicy, outputs.uniqueId stored in plain text',
        'heartbeat: inputs.scheduleExpression stored in plain text',
      ],
    });
    const admin = f.get('SEC-027')!;
    expect(admin.status).toBe('not-applicable');
    expect(admin.note).toBe(
      'what AWS-managed AWSLambdaFullAccess (not in the snapshot), AWS-managed AmazonEC2ContainerServiceFullAccess (not in the snapshot) grant is not known: countDown_watcher-iamrole-bf695eb09a5c3e28, heartbeat-iamrole-ea19407f5d1f9983, pulumi-foo-log-collector-iamrole-be795575fd1fcf07 not judged',
    );
  });
});

describe('every corpus file', () => {
  it('finds the corpus', () => expect(FILES.length).toBeGreaterThanOrEqual(20));

  it.each(FILES)('%s evaluates, and every subject is a resource of its stack', async (file) => {
    const graph = await graphOf(file);
    const estate = buildEstate([graph]);
    const stack = estate.stacks[0]!;
    const findings = evaluateRules(estate, stack.key);
    const urns = new Set([stack.urn, ...graph.resources.map((r) => r.urn)]);
    for (const f of findings) {
      for (const s of f.subjects) {
        expect(s.stack, `${f.ruleId} ${s.name}`).toBe(stack.key);
        expect(urns.has(s.urn), `${f.ruleId} ${s.name}: ${s.urn}`).toBe(true);
        expect(s.name).not.toBe('');
        expect(s.detail).not.toBe('');
      }
    }
    expect(estimateCost(estate, stack.key).total).toBeGreaterThanOrEqual(0);
    // Neither a secret envelope nor a value the corpus holds in plain text reaches a subject or a note.
    const said = JSON.stringify(findings.map((f) => [f.subjects, f.note ?? '']));
    for (const value of [SIG_KEY, 'MySecretVersionValue', 'Gerdisch419', '"wordpress"']) expect(said).not.toContain(value);
  });
});
