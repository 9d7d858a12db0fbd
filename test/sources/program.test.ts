/**
 * The program source: the fixture program (test/fixtures/program) run under mocks, stack after stack.
 */
import { describe, expect, it } from 'vitest';
import { getResource, resourcesOfType } from '../../diagrams/graph/graph.ts';
import { REDACTED, type ResourceGraph } from '../../diagrams/graph/types.ts';
import { loadGraphs } from '../../diagrams/sources/index.ts';
import { readProject, readStackConfig, mockResource } from '../../diagrams/sources/program/index.ts';
import { rejection } from './helpers.ts';

const DIR = 'test/fixtures/program';

describe('program source', () => {
  let first: ResourceGraph[];

  it('runs every stack, referenced stacks first, with engine-shaped URNs', async () => {
    first = await loadGraphs({ program: DIR });
    expect(first.map((g) => g.stack.stack)).toEqual(['dev', 'shared']);
    const [dev, shared] = first as [ResourceGraph, ResourceGraph];
    expect(dev.stack.source).toEqual({ kind: 'program', location: DIR, format: 'program (mocks)' });
    expect(dev.stack.deployedAt).toBeUndefined();
    const version = resourcesOfType(dev, 'aws:secretsmanager/secretVersion:SecretVersion')[0]!;
    expect(version.urn).toBe(
      'urn:pulumi:dev::fixture-estate::fixture:app:Secrets$aws:secretsmanager/secret:Secret$aws:secretsmanager/secretVersion:SecretVersion::app-version',
    );
    expect(getResource(dev, version.parent!).type).toBe('aws:secretsmanager/secret:Secret');
    // The Stack is not part of a URN's type chain, but it is the parent of top-level resources.
    const role = resourcesOfType(dev, 'aws:iam/role:Role')[0]!;
    expect(role.urn).toBe('urn:pulumi:dev::fixture-estate::aws:iam/role:Role::reader');
    expect(role.parent).toBe('urn:pulumi:dev::fixture-estate::pulumi:pulumi:Stack::fixture-estate-dev');
    // Default providers, as the engine records them.
    expect(role.provider).toBe('urn:pulumi:dev::fixture-estate::pulumi:providers:aws::default_7_48_0');
    getResource(dev, role.provider!);
    // Account and region from each stack's config.
    expect(role.outputs.arn).toBe('arn:aws:iam::210987654321:role/fixture-dev-reader');
    const param = dev.resources.find((r) => r.name === 'db-password')!;
    expect(param.outputs.arn).toBe('arn:aws:ssm:eu-west-2:210987654321:parameter/fixture/dev/database/password');
    const key = resourcesOfType(shared, 'aws:kms/key:Key')[0]!;
    expect(key.outputs.arn).toBe(`arn:aws:kms:eu-west-1:123456789012:key/${key.id}`);
    expect(String(resourcesOfType(dev, 'aws:secretsmanager/secret:Secret')[0]!.outputs.arn)).toMatch(
      /^arn:aws:secretsmanager:eu-west-2:210987654321:secret:fixture\/dev\/db\/password-[A-Za-z0-9]{6}$/,
    );
    // Dependencies and property dependencies captured from the monitor.
    expect(dev.edges).toContainEqual({ kind: 'property', from: version.urn, to: version.parent!, property: 'secretId' });
    const policy = resourcesOfType(dev, 'aws:iam/rolePolicy:RolePolicy')[0]!;
    expect(dev.edges.filter((e) => e.from === policy.urn && e.kind === 'dependency').map((e) => e.to)).toContain(param.urn);
  });

  it('feeds StackReferences from the stacks already run, secrets redacted', () => {
    const [dev, shared] = first as [ResourceGraph, ResourceGraph];
    const ref = resourcesOfType(dev, 'pulumi:pulumi:StackReference')[0]!;
    expect(ref.name).toBe('organization/fixture-estate/shared');
    expect(ref.outputs.outputs).toEqual(shared.stack.outputs);
    expect((ref.outputs.outputs as Record<string, unknown>).webhookToken).toBe(REDACTED);
    expect(ref.outputs.secretOutputNames).toEqual(['webhookToken']);
    const param = dev.resources.find((r) => r.name === 'db-password')!;
    expect(param.inputs.keyId).toBe(shared.stack.outputs.keyArn);
  });

  it('secure config, random results and derived secrets never reach the graph', () => {
    const text = JSON.stringify(first);
    expect(text).not.toContain('CANARY');
    expect(text).not.toContain('mock-random-value');
    const dev = first[0]!;
    expect(dev.stack.outputs.dbPassword).toBe(REDACTED);
    expect(dev.stack.outputs.retention).toBe(7);
    const version = resourcesOfType(dev, 'aws:secretsmanager/secretVersion:SecretVersion')[0]!;
    expect(version.inputs.secretString).toBe(REDACTED);
    expect(dev.metadata.redactedValues).toBeGreaterThan(5);
  });

  it('is deterministic: the same program twice gives byte-identical JSON', async () => {
    const again = await loadGraphs({ program: DIR });
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });

  it('runs a referenced stack first even when the order is only known at run time', async () => {
    const [dev] = await loadGraphs({ program: `${DIR}/unordered`, stacks: ['dev'] });
    const ref = resourcesOfType(dev!, 'pulumi:pulumi:StackReference')[0]!;
    expect(ref.name).toBe('shared');
    const fromFirst = resourcesOfType(first[0]!, 'pulumi:pulumi:StackReference')[0]!;
    expect(ref.outputs.outputs).toEqual(fromFirst.outputs.outputs);
  });

  it('names unknown stacks and missing projects', async () => {
    const e = await rejection(loadGraphs({ program: DIR, stacks: ['prod'] }));
    expect(e.kind).toBe('usage');
    expect(e.message).toContain('one of dev, shared');
    const e2 = await rejection(loadGraphs({ program: 'test/sources' }));
    expect(e2.message).toContain('no Pulumi.yaml');
  });

  it('reads config the way the CLI hands it over', () => {
    const p = readProject(DIR);
    const c = readStackConfig(p, 'dev');
    expect(c.values['fixture-estate:team']).toBe('platform');
    expect(c.values['aws:allowedAccountIds']).toBe('["210987654321"]');
    expect(c.values['fixture-estate:dbPassword']).toBe(REDACTED);
    expect(c.secretKeys).toEqual(['fixture-estate:dbPassword']);
    expect(JSON.parse(c.values['fixture-estate:settings']!)).toEqual({ retention: 7, features: ['a', 'b'] });
  });

  it('mock ARNs follow AWS shapes', () => {
    const ctx = { stack: 's', account: '111122223333', region: 'eu-west-1' };
    expect(mockResource('aws:ssm/parameter:Parameter', 'p', { name: '/a/b' }, ctx).state.arn).toBe('arn:aws:ssm:eu-west-1:111122223333:parameter/a/b');
    expect(mockResource('aws:iam/policy:Policy', 'p', { name: 'pol' }, ctx).id).toBe('arn:aws:iam::111122223333:policy/pol');
    expect(mockResource('aws:lambda/function:Function', 'fn', {}, ctx).state.arn).toBe('arn:aws:lambda:eu-west-1:111122223333:function:fn');
    expect(mockResource('aws:cloudtrail/trail:Trail', 't', { region: 'us-west-2' }, ctx).state.arn).toBe('arn:aws:cloudtrail:us-west-2:111122223333:trail/t');
    expect(mockResource('aws:s3/bucket:Bucket', 'b', { bucket: 'logs' }, ctx).state.arn).toBe('arn:aws:s3:::logs');
  });
});
