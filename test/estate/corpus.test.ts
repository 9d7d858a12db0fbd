import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build.ts';
import { stackEntities } from '../../diagrams/estate/lookup.ts';
import { readPreviewFile } from '../../diagrams/sources/preview.ts';
import { readStateFile } from '../../diagrams/sources/state.ts';

import { CORPUS_DIR } from '../corpus.ts';
const DIR = `${CORPUS_DIR}/`;
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('every corpus file builds an Estate', () => {
  it('finds the corpus', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(20);
  });

  it.each(FILES)('%s', async (file) => {
    const graph = file.includes('preview') ? await readPreviewFile(DIR + file) : await readStateFile(DIR + file);
    const estate = buildEstate([graph]);
    expect(estate.stacks).toHaveLength(1);
    expect(estate.access).toHaveLength(estate.roles.length);
    expect(Object.isFrozen(estate.roles)).toBe(true);
    // every reference field points at an entity of the estate
    const urns = new Set([...estate.parameters, ...estate.secrets, ...estate.keys, ...estate.policies, ...estate.roles, ...estate.functions].map((x) => x.urn));
    for (const r of estate.roles) for (const p of r.policies) expect(urns.has(p)).toBe(true);
    for (const f of estate.functions) if (f.roleUrn) expect(urns.has(f.roleUrn)).toBe(true);
    const slice = stackEntities(estate, graph.stack.stack);
    expect(slice.roles).toHaveLength(estate.roles.length);
    // no ciphertext or plaintext secret envelope leaks into the estate
    expect(JSON.stringify(estate)).not.toMatch(/"ciphertext"|"plaintext"|4dabf18193072939515e22adb298388d/);
  });

  it('reads the corpus shapes it should', async () => {
    const load = async (f: string) => buildEstate([await readStateFile(DIR + f)]);
    const crawler = await load('pulumi-checkpoint-v0-crawler.json');
    expect(crawler.roles.map((r) => r.trust.kind)).toEqual(['lambda', 'lambda', 'lambda']);
    expect(crawler.functions.every((f) => f.roleUrn !== undefined)).toBe(true);
    expect(crawler.roles.flatMap((r) => r.externalPolicies)).toContain('arn:aws:iam::aws:policy/AWSLambdaFullAccess');
    expect(crawler.audit.topics.flatMap((t) => t.subscriptions.map((s) => s.protocol))).toEqual(['lambda']);
    const eks = await load('eks-encryption-provider-kms-plaintext-export.json');
    expect(eks.keys).toHaveLength(1);
    expect(eks.keys[0]!.aliases).toHaveLength(1);
    expect(eks.roles.some((r) => r.trust.kind === 'ec2' && r.instanceProfiles.length === 1)).toBe(true);
    const sv = await load('pulumi-aws-secretversion-export.json');
    expect(sv.secrets).toHaveLength(1);
    expect(sv.secrets[0]!.versions).toBe(1);
    const apigw = await load('aws-apigateway-lambda-rolepolicy-export.json');
    expect(apigw.policies.filter((p) => p.kind === 'inline')).toHaveLength(1);
    expect(apigw.policies[0]!.attachedTo).toEqual([apigw.roles[0]!.urn]);
    const eb = await load('boto-pulumi-eb-elasticbeanstalk-export.json');
    expect(eb.roles[0]!.externalPolicies).toHaveLength(3);
  });
});
