/**
 * Every corpus file (real public state files, test/fixtures/corpus/SOURCES.md) builds an estate whose
 * references resolve and that holds no secret value; and the facts of some files, read from the
 * files by hand: coverage, keys that protect an EKS cluster and an S3 bucket, exposures, workloads.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { readPreviewFile } from '../../diagrams/sources/preview.ts';
import { readStateFile } from '../../diagrams/sources/state.ts';
import { CORPUS_DIR } from '../corpus.ts';

const DIR = `${CORPUS_DIR}/`;
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
const load = async (f: string): Promise<Estate> => buildEstate([f.includes('preview') ? await readPreviewFile(DIR + f) : await readStateFile(DIR + f)]);
const brief = (e: Estate) => e.exposures.map((x) => [x.name, x.kind, x.path]);

describe('every corpus file builds an estate', () => {
  it('finds the corpus', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(FILES)('%s', async (file) => {
    const e = await load(file);
    expect(e.stacks).toHaveLength(1);
    expect(Object.isFrozen(e.roles)).toBe(true);
    const store = Store.of(e);
    expect(e.access.map((a) => a.principal).sort()).toEqual(store.principals.map((p) => p.id).sort());
    for (const r of e.roles) for (const p of r.policies) expect(store.find(p)).toBeDefined();
    for (const f of e.functions) if (f.roleUrn) expect(store.findRole(f.roleUrn)).toBeDefined();
    for (const k of e.keys) for (const p of k.protects) for (const u of p.urns) expect(u).not.toBe(k.urn);
    const c = e.stacks[0]!.coverage;
    expect(c.modelled + Object.values(c.unmodelled).reduce((a, b) => a + b, 0)).toBe(c.resources);
    const text = JSON.stringify(e);
    expect(text).not.toMatch(/"ciphertext"|"plaintext"|4dabf18193072939515e22adb298388d/);
    // plain text secret values of the corpus (an RDS password, an ECS container's environment)
    for (const v of ['Gerdisch419', '"wordpress"']) expect(text).not.toContain(v);
  });
});

describe('stack identity across corpus files', () => {
  it('two projects with a stack named foo stay two stacks, each with its own resources', async () => {
    const graphs = await Promise.all(['pulumi-checkpoint-v0-crawler.json', 'pulumi-checkpoint-v0-todo.json'].map((f) => readStateFile(DIR + f)));
    const e = buildEstate(graphs);
    expect(e.stacks.map((s) => [s.key, s.project, s.stack, s.coverage.resources])).toEqual([
      ['countdown/foo', 'countdown', 'foo', 23],
      ['todo/foo', 'todo', 'foo', 35],
    ]);
    expect(e.functions.map((f) => [f.stack, f.name.replace(/-[0-9a-f]{16}$/, '')])).toEqual([
      ['countdown/foo', 'countDown_watcher'],
      ['countdown/foo', 'heartbeat'],
      ['countdown/foo', 'pulumi-foo-log-collector'],
      ['todo/foo', 'pulumi-foo-log-collector'],
      ['todo/foo', 'todo035b5d8f'],
      ['todo/foo', 'todo67876f56'],
      ['todo/foo', 'todoc57917fa'],
    ]);
    for (const f of e.functions) expect(Store.of(e).role(f.roleUrn!).stack).toBe(f.stack);
  });
});

describe('facts of corpus files', () => {
  it('crawler checkpoint: Lambda roles named after their functions, AWS-managed policies kept, invokers', async () => {
    const e = await load('pulumi-checkpoint-v0-crawler.json');
    expect(e.roles.map((r) => [r.trust.kind, r.service])).toEqual([['lambda', 'count-down-watcher'], ['lambda', 'heartbeat'], ['lambda', 'pulumi-foo-log-collector']]);
    expect(e.services.every((s) => s.derivedFrom === 'workload')).toBe(true);
    expect(e.roles.flatMap((r) => r.externalPolicies)).toContain('arn:aws:iam::aws:policy/AWSLambdaFullAccess');
    expect(e.functions.map((f) => f.invokePrincipals)).toEqual([['sns.amazonaws.com'], ['events.amazonaws.com'], ['logs.us-east-2.amazonaws.com']]);
    expect(e.stacks[0]!.coverage).toEqual({ resources: 23, modelled: 19, components: 7, unmodelled: { 'aws:cloudwatch/logGroup:LogGroup': 2, 'aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter': 2 } });
  });

  it('EKS with KMS envelope encryption: the key protects the cluster (encryptionConfig); the plaintext envelopes are named', async () => {
    const e = await load('eks-encryption-provider-kms-plaintext-export.json');
    expect(e.keys.map((k) => [k.aliases.length, k.protects.map((p) => [p.type, p.urns.length])])).toEqual([[1, [['aws:eks/cluster:Cluster', 1]]]]);
    expect(e.roles.some((r) => r.trust.kind === 'ec2' && r.instanceProfiles.length === 1)).toBe(true);
    const kinds = new Set(e.exposures.map((x) => x.kind));
    expect([...kinds].sort()).toEqual(['kubernetes-secret', 'plaintext-in-state', 'random-value']);
  });

  it('a local checkpoint: the KMS key protects the S3 bucket it encrypts (SSE-KMS)', async () => {
    const e = await load('spacedog-local-checkpoint-kms-s3.json');
    expect(e.keys.map((k) => [k.name, k.protects.map((p) => p.type)])).toEqual([['my-sse-key', ['aws:s3/bucket:Bucket']]]);
  });

  it('user components with ECS and RDS: the container\'s plain environment password and the program-set master password', async () => {
    const e = await load('stack-factory-ecs-custom-components-export.json');
    expect(brief(e)).toEqual([
      ['fargate-task-definition', 'ecs-environment', 'containerDefinitions[wp-example-fe-app-container].environment.WORDPRESS_DB_PASSWORD'],
      // The same value, unmarked in the state's inputs and outputs (the JSON text of containerDefinitions).
      ['fargate-task-definition', 'plaintext-in-state', 'inputs.containerDefinitions[0].environment[3].value'],
      ['fargate-task-definition', 'plaintext-in-state', 'outputs.containerDefinitions[0].environment[2].value'],
      ['lampdb', 'database-password', 'password'],
    ]);
    expect(e.stacks[0]!.coverage.components).toBe(3);
    expect(e.services.map((s) => [s.id, s.derivedFrom])).toEqual([['wp-example-fe-app-svc', 'workload']]);
  });

  it('awsx Fargate components: task and execution roles named after the ECS service', async () => {
    const e = await load('awsx-fargate-alb-components-export.json');
    expect(e.roles.map((r) => [r.service, r.workloads.map((w) => w.kind)])).toEqual([
      ['my-service', ['ecs-service', 'ecs-task']],
      ['my-service', ['ecs-service', 'ecs-task']],
    ]);
    expect(e.stacks[0]!.coverage).toMatchObject({ resources: 26, modelled: 5, components: 4 });
  });

  it('EKS clusters: numbered roles keep their project prefix', async () => {
    const e = await load('eks-cluster-143res-ciphertext-export.json');
    expect([...new Set(e.services.map((s) => s.id))].sort()).toEqual(['example-cluster-1', 'example-cluster-1-eks', 'example-cluster-2', 'example-cluster-2-eks', 'example-cluster-3', 'example-cluster-3-eks', 'example-cluster-4', 'example-cluster-4-eks']);
  });

  it('secret version, inline role policy, Elastic Beanstalk roles', async () => {
    const sv = await load('pulumi-aws-secretversion-export.json');
    expect(sv.secrets.map((s) => s.versions)).toEqual([1]);
    expect(brief(sv)).toEqual([['mySecretVersion', 'plaintext-in-state', 'inputs.secretString']]);
    const apigw = await load('aws-apigateway-lambda-rolepolicy-export.json');
    expect(apigw.policies.filter((p) => p.kind === 'inline').map((p) => p.attachedTo)).toEqual([[apigw.roles[0]!.urn]]);
    const eb = await load('boto-pulumi-eb-elasticbeanstalk-export.json');
    expect(eb.roles[0]!.externalPolicies).toHaveLength(3);
    expect(brief(eb)).toEqual([['wpeb', 'plaintext-in-state', 'inputs.password'], ['wpeb', 'database-password', 'password']]);
  });
});
