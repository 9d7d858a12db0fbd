/**
 * Mock ARNs follow the resource's provider: a resource created with an explicit aws.Provider gets
 * ids and ARNs in that provider's region (as AWS would put it), not the stack's default region.
 */
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { runProgram } from '../../diagrams/sources/program/index.ts';
import { tempDir } from './helpers.ts';

const PROGRAM = `
import * as pulumi from '@pulumi/pulumi';
import * as aws from '@pulumi/aws';
export default async function program() {
  const replica = new aws.Provider('replica-region', { region: 'eu-central-1' });
  const key = new aws.kms.Key('primary', { multiRegion: true });
  const copy = new aws.kms.ReplicaKey('replica', { primaryKeyArn: key.arn }, { provider: replica });
  new aws.kms.Alias('replica-alias', { name: 'alias/replica', targetKeyId: copy.keyId }, { provider: replica });
  const own = new aws.sns.Topic('own-region', { name: 'own', region: 'ap-south-1' }, { provider: replica });
  const where = await aws.getRegion({}, { provider: replica });
  return { keyArn: key.arn, replicaArn: copy.arn, topicArn: own.arn, invokedRegion: where.name };
}
`;

describe('program source: explicit providers', () => {
  it('gives a resource the region of its explicit provider, unless it sets its own', async () => {
    const dir = tempDir('e9-provider-');
    writeFileSync(join(dir, 'Pulumi.yaml'), 'name: provider-fixture\nruntime: nodejs\nmain: index.ts\n');
    writeFileSync(join(dir, 'Pulumi.dev.yaml'), 'config:\n  aws:region: eu-west-1\n');
    writeFileSync(join(dir, 'index.ts'), PROGRAM);
    symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
    const [g] = (await runProgram('.', { cwd: dir })) as [ResourceGraph];
    const out = g.stack.outputs as Record<string, string>;
    expect(out.keyArn).toMatch(/^arn:aws:kms:eu-west-1:123456789012:key\/mrk-/);
    expect(out.replicaArn).toMatch(/^arn:aws:kms:eu-central-1:123456789012:key\/mrk-/);
    expect(out.topicArn).toBe('arn:aws:sns:ap-south-1:123456789012:own');
    expect(out.invokedRegion).toBe('eu-central-1');
    const alias = g.resources.find((r) => r.type === 'aws:kms/alias:Alias')!;
    expect(alias.outputs.arn).toBe('arn:aws:kms:eu-central-1:123456789012:alias/replica');
    expect(alias.outputs.region).toBe('eu-central-1');
    expect(alias.provider).toBe('urn:pulumi:dev::provider-fixture::pulumi:providers:aws::replica-region');
  }, 120_000);
});
