/**
 * Where a resource lives: its own `region` input, else its provider's region (an explicit
 * replica-region provider wins over a `region` output or ARN a source filled with the stack's
 * default), else the `region` output, else the ARN's region.
 */
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build.ts';
import { ACCOUNT, StackBuilder } from './helpers.ts';

const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/mrk-primary`;

function estateWith(replicas: { name: string; provider?: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[]) {
  const b = new StackBuilder('shared');
  const defaultProvider = b.deployed('pulumi:providers:aws', 'default_7_48_0', { region: 'eu-west-1' }, { id: 'p1' });
  const replicaProvider = b.deployed('pulumi:providers:aws', 'replica-region', { region: 'eu-central-1' }, { id: 'p2' });
  const providers: Record<string, string> = { default: `${defaultProvider}::p1`, replica: `${replicaProvider}::p2` };
  b.rows.push({
    urn: b.urn('aws:kms/key:Key', 'primary'),
    type: 'aws:kms/key:Key',
    custom: true,
    id: 'mrk-primary',
    provider: providers.default,
    inputs: { multiRegion: true },
    outputs: { multiRegion: true, arn: KEY_ARN, keyId: 'mrk-primary' },
  });
  for (const r of replicas) {
    b.rows.push({
      urn: b.urn('aws:kms/replicaKey:ReplicaKey', r.name),
      type: 'aws:kms/replicaKey:ReplicaKey',
      custom: true,
      id: `mrk-${r.name}`,
      ...(r.provider !== undefined ? { provider: providers[r.provider] } : {}),
      inputs: { primaryKeyArn: KEY_ARN, ...r.inputs },
      outputs: { primaryKeyArn: KEY_ARN, ...r.outputs },
    });
  }
  const key = buildEstate([b.graph()]).keys.find((k) => k.keyId === 'mrk-primary')!;
  return Object.fromEntries(key.replicas.map((x) => [x.urn.split('::').pop()!, x.region]));
}

describe('resource regions', () => {
  it('an explicit provider region wins over a default-region output and ARN', () => {
    const wrong = { region: 'eu-west-1', arn: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/mrk-a` };
    expect(estateWith([{ name: 'a', provider: 'replica', outputs: wrong }])).toEqual({ a: 'eu-central-1' });
  });

  it("the resource's own region input wins over its provider", () => {
    expect(estateWith([{ name: 'b', provider: 'replica', inputs: { region: 'ap-south-1' } }])).toEqual({ b: 'ap-south-1' });
  });

  it('without a provider region: the region output, else the ARN region', () => {
    expect(
      estateWith([
        { name: 'c', outputs: { region: 'us-east-2', arn: `arn:aws:kms:eu-north-1:${ACCOUNT}:key/mrk-c` } },
        { name: 'd', outputs: { arn: `arn:aws:kms:eu-north-1:${ACCOUNT}:key/mrk-d` } },
      ]),
    ).toEqual({ c: 'us-east-2', d: 'eu-north-1' });
  });
});
