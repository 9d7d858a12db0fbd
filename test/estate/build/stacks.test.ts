/**
 * Stack summaries (build/stacks.ts): identity is project + stack; StackReference names resolved to
 * the keys of loaded stacks by org/project/stack; coverage of what the generator models.
 */
import { describe, expect, it } from 'vitest';
import { EstateFixture } from '../../fixtures/estates.ts';
import { named } from '../helpers.ts';

describe('stack identity', () => {
  it('one project: a stack is keyed by its name', () => {
    const f = new EstateFixture('app');
    f.stack('shared');
    f.stack('dev').parameter('/app/dev/x');
    const e = f.estate();
    expect(e.stacks.map((s) => [s.key, s.project, s.stack, s.environment])).toEqual([
      ['dev', 'app', 'dev', 'dev'],
      ['shared', 'app', 'shared', undefined],
    ]);
    expect(e.parameters[0]!.stack).toBe('dev');
  });

  it('two projects with a stack named dev stay two stacks, keyed <project>/<stack>, each with its own resources', () => {
    const f = new EstateFixture();
    const billing = f.stack('dev', { project: 'billing' });
    billing.parameter('/billing/dev/url');
    const payments = f.stack('dev', { project: 'payments' });
    payments.parameter('/payments/dev/url');
    payments.parameter('/payments/dev/limit');
    const e = f.estate();
    expect(e.stacks.map((s) => [s.key, s.project, s.stack, s.environment])).toEqual([
      ['billing/dev', 'billing', 'dev', 'dev'],
      ['payments/dev', 'payments', 'dev', 'dev'],
    ]);
    expect(e.stacks.map((s) => s.urn)).toEqual(['urn:pulumi:dev::billing::pulumi:pulumi:Stack::billing-dev', 'urn:pulumi:dev::payments::pulumi:pulumi:Stack::payments-dev']);
    expect(e.parameters.map((p) => [p.stack, p.name])).toEqual([
      ['billing/dev', '/billing/dev/url'],
      ['payments/dev', '/payments/dev/limit'],
      ['payments/dev', '/payments/dev/url'],
    ]);
    expect(e.stacks.map((s) => s.coverage.modelled)).toEqual([1, 2]);
  });
});

describe('references by name stay inside a stack', () => {
  it('two projects\' dev stacks each attach their policy to their own role of the same name', () => {
    const f = new EstateFixture();
    for (const project of ['billing', 'payments']) {
      const s = f.stack('dev', { project });
      const role = s.role('api');
      s.policy(`${project}-read`, [], { roles: [role] });
    }
    const e = f.estate();
    expect(e.roles.map((r) => [r.stack, r.policies.map((p) => e.policies.find((x) => x.urn === p)!.name)])).toEqual([
      ['billing/dev', ['billing-read']],
      ['payments/dev', ['payments-read']],
    ]);
  });
});

describe('StackReference resolution', () => {
  /** Projects app (shared, dev) and other (shared); dev of app references `name`. */
  function referencing(...refs: string[]): readonly string[] {
    const f = new EstateFixture();
    f.stack('shared', { project: 'app' });
    f.stack('shared', { project: 'other' });
    const dev = f.stack('dev', { project: 'app' });
    refs.forEach((r) => dev.stackReference(r));
    return f.estate().stacks.find((s) => s.key === 'app/dev')!.references;
  }

  it('org/project/stack names the project: each resolves to its own project', () => {
    expect(referencing('organization/app/shared')).toEqual(['app/shared']);
    expect(referencing('organization/other/shared')).toEqual(['other/shared']);
  });

  it('org/stack and a bare stack name mean the referencing stack\'s project', () => {
    expect(referencing('acme/shared')).toEqual(['app/shared']);
    expect(referencing('shared')).toEqual(['app/shared']);
  });

  it('a project or stack that is not loaded stays unresolved, as given', () => {
    expect(referencing('organization/gone/shared', 'organization/app/missing')).toEqual(['organization/app/missing', 'organization/gone/shared']);
  });

  it('one project loaded: a reference to another project\'s stack of the same name is not that stack', () => {
    const f = new EstateFixture('app');
    f.stack('shared');
    const dev = f.stack('dev');
    dev.stackReference('organization/app/shared');
    dev.stackReference('organization/network/shared');
    expect(named(f.estate().stacks.map((s) => ({ ...s, name: s.key })), 'dev').references).toEqual(['organization/network/shared', 'shared']);
  });
});

describe('coverage', () => {
  it('counts custom resources (not providers, the stack or references), what is modelled, components, and unmodelled types', () => {
    const f = new EstateFixture('net');
    const s = f.stack('prod');
    s.add('pulumi:pulumi:Stack', 'net-prod', {}, { custom: false });
    s.stackReference('organization/net/shared');
    const vpc = s.component('awsx:ec2:Vpc', 'main');
    s.within(vpc, () => {
      s.add('aws:ec2/vpc:Vpc', 'main', { cidrBlock: '10.0.0.0/16' }, { id: 'vpc-1' });
      s.add('aws:ec2/subnet:Subnet', 'a', { vpcId: 'vpc-1' }, { id: 'subnet-a' });
      s.add('aws:ec2/subnet:Subnet', 'b', { vpcId: 'vpc-1' }, { id: 'subnet-b' });
    });
    s.parameter('/net/prod/vpc-id');
    s.add('aws-native:ssm:Parameter', 'native', { name: '/net/prod/cidr', type: 'String', value: '10.0.0.0/16' }, { id: '/net/prod/cidr' });
    s.add('aws-native:ec2:VPC', 'native-vpc', { cidrBlock: '10.1.0.0/16' }, { id: 'vpc-2' });
    s.add('kubernetes:core/v1:Secret', 'k8s', { data: { token: 'x' } }, { id: 'default/k8s' });
    s.add('aws:docdb/cluster:Cluster', 'docs', { masterPassword: 'x' }, { id: 'docs' });
    s.add('aws:redshift/cluster:Cluster', 'warehouse', { masterPassword: 'x' }, { id: 'warehouse' });
    s.add('random:index/randomPassword:RandomPassword', 'pw', { length: 16 }, { id: 'none' });
    s.add('random:index/randomPet:RandomPet', 'pet', {}, { id: 'happy-cat' });
    const c = f.estate().stacks[0]!.coverage;
    expect(c.resources).toBe(11);
    expect(c.modelled).toBe(6);
    expect(c.components).toBe(1);
    expect(c.unmodelled).toEqual({ 'aws-native:ec2:VPC': 1, 'aws:ec2/subnet:Subnet': 2, 'aws:ec2/vpc:Vpc': 1, 'random:index/randomPet:RandomPet': 1 });
    expect(Object.keys(c.unmodelled)).toEqual(['aws-native:ec2:VPC', 'aws:ec2/subnet:Subnet', 'aws:ec2/vpc:Vpc', 'random:index/randomPet:RandomPet']);
  });

  it('an empty stack covers nothing', () => {
    const f = new EstateFixture();
    f.stack('empty');
    expect(f.estate().stacks[0]!.coverage).toEqual({ resources: 0, modelled: 0, components: 0, unmodelled: {} });
  });
});

describe('summaries', () => {
  it('environment, account, region, counts by type; sorted by key', () => {
    const f = new EstateFixture('app');
    const p = f.stack('prod', { region: 'us-east-2' });
    p.parameter('/app/prod/a');
    p.parameter('/app/prod/b');
    f.stack('common');
    const e = f.estate();
    expect(e.stacks.map((s) => s.key)).toEqual(['common', 'prod']);
    const prod = e.stacks[1]!;
    expect(prod).toMatchObject({ environment: 'prod', account: '111122223333', region: 'us-east-2', resourceCount: 3 });
    expect(prod.resourceTypes).toEqual({ 'aws:ssm/parameter:Parameter': 2, 'pulumi:providers:aws': 1 });
    expect(e.stacks[0]!.environment).toBeUndefined();
  });

  it('environment: the one the stack name names, else the Environment tag of most tagged resources (two at least), never an account-level one', () => {
    const f = new EstateFixture('app');
    const dev = f.stack('dev');
    dev.parameter('/app/dev/a');
    dev.parameter('/app/common/b', { tags: { Environment: 'shared' } });
    const shared = f.stack('shared');
    shared.parameter('/app/x', { tags: { Environment: 'shared' } });
    shared.parameter('/app/y', { tags: { Environment: 'shared' } });
    shared.parameter('/app/dev/z', { tags: { Environment: 'dev' } });
    const named = f.stack('blue');
    named.parameter('/app/uat/a', { tags: { Environment: 'UAT' } });
    named.parameter('/app/uat/b', { tags: { Environment: 'uat' } });
    // One tagged resource among untagged ones is not enough to name an environment.
    const ops = f.stack('ops');
    ops.key('k1');
    ops.key('k2');
    ops.alarm('dev-denied', { tags: { Environment: 'dev' } });
    // The name wins over the tags.
    const prod = f.stack('prod');
    prod.parameter('/app/prod/a', { tags: { Environment: 'dev' } });
    prod.parameter('/app/prod/b', { tags: { Environment: 'dev' } });
    expect(f.estate().stacks.map((s) => [s.key, s.environment])).toEqual([['blue', 'uat'], ['dev', 'dev'], ['ops', undefined], ['prod', 'prod'], ['shared', undefined]]);
  });
});
