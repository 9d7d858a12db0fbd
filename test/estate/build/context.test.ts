/**
 * What every extractor reads (build/context.ts): stack keys, the stack's account and region, and
 * where a resource lives: its own `region` input, else its provider's region (an explicit
 * replica-region provider wins over a `region` output or ARN a source filled with the stack's
 * default), else the `region` output, else the ARN's region, else the stack's.
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT, EstateFixture, OTHER_ACCOUNT } from '../../fixtures/estates.ts';

const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/mrk-primary`;

/** Replica keys of one primary, by logical name -> region. */
function replicaRegions(replicas: { name: string; provider?: 'replica' | 'regionless'; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[]): Record<string, string | undefined> {
  const f = new EstateFixture();
  const s = f.stack('shared');
  const providers = { replica: s.awsProvider('replica-region', 'eu-central-1'), regionless: `${s.add('pulumi:providers:aws', 'regionless', {}, { id: 'p3' })}::p3` };
  s.add('aws:kms/key:Key', 'primary', { multiRegion: true, keyId: 'mrk-primary' }, { id: 'mrk-primary', arn: KEY_ARN });
  for (const r of replicas) {
    const inputs = { primaryKeyArn: KEY_ARN, ...r.inputs };
    s.add('aws:kms/replicaKey:ReplicaKey', r.name, inputs, { id: `mrk-${r.name}`, outputs: { ...inputs, ...r.outputs }, ...(r.provider ? { provider: providers[r.provider] } : {}) });
  }
  const key = f.estate().keys[0]!;
  return Object.fromEntries(key.replicas.map((x) => [x.urn.split('::').pop()!, x.region]));
}

describe('resource regions', () => {
  it('an explicit provider region wins over a default-region output and ARN', () => {
    expect(replicaRegions([{ name: 'a', provider: 'replica', outputs: { region: 'eu-west-1', arn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/mrk-a` } }])).toEqual({ a: 'eu-central-1' });
  });

  it("the resource's own region input wins over its provider", () => {
    expect(replicaRegions([{ name: 'b', provider: 'replica', inputs: { region: 'ap-south-1' } }])).toEqual({ b: 'ap-south-1' });
  });

  it('with the default provider: its region, which the stack shares', () => {
    expect(replicaRegions([{ name: 'c', outputs: { region: 'us-east-2' } }])).toEqual({ c: 'eu-west-1' });
  });

  it('with a provider that sets no region: the region output, else the ARN region', () => {
    expect(
      replicaRegions([
        { name: 'd', provider: 'regionless', outputs: { region: 'us-east-2', arn: `arn:aws:kms:eu-north-1:${ACCOUNT}:key/mrk-d` } },
        { name: 'e', provider: 'regionless', outputs: { arn: `arn:aws:kms:eu-north-1:${ACCOUNT}:key/mrk-e` } },
      ]),
    ).toEqual({ d: 'us-east-2', e: 'eu-north-1' });
  });
});

describe('stack account and region', () => {
  it('the account from the provider\'s allowed accounts and the ARNs, the region from the provider', () => {
    const f = new EstateFixture();
    f.stack('a', { account: OTHER_ACCOUNT, region: 'us-west-2' }).parameter('/a/x');
    const [s] = f.estate().stacks;
    expect([s!.account, s!.region]).toEqual([OTHER_ACCOUNT, 'us-west-2']);
  });

  it("the default provider's region is the stack's, over two explicit providers of another region", () => {
    const f = new EstateFixture();
    const s = f.stack('a', { region: 'us-west-2' });
    s.awsProvider('dr1', 'eu-west-1');
    s.awsProvider('dr2', 'eu-west-1');
    s.parameter('/a/x');
    expect(f.estate().stacks[0]!.region).toBe('us-west-2');
  });

  it('an entity\'s account is its ARN\'s, else its stack\'s', () => {
    const f = new EstateFixture();
    const s = f.stack('a');
    s.add('aws:ssm/parameter:Parameter', 'foreign', { name: '/x/foreign', type: 'String' }, { id: '/x/foreign', arn: `arn:aws:ssm:eu-west-1:${OTHER_ACCOUNT}:parameter/x/foreign` });
    s.add('aws:ssm/parameter:Parameter', 'own', { name: '/x/own', type: 'String' }, { id: '/x/own' });
    const e = f.estate();
    expect(e.parameters.map((p) => [p.name, p.account, p.arn])).toEqual([
      ['/x/foreign', OTHER_ACCOUNT, `arn:aws:ssm:eu-west-1:${OTHER_ACCOUNT}:parameter/x/foreign`],
      ['/x/own', ACCOUNT, `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/x/own`],
    ]);
  });
});
