import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../diagrams/compliance/cost.ts';
import { RULES, evaluateRules } from '../../diagrams/compliance/rules.ts';
import { buildEstate } from '../../diagrams/estate/build.ts';
import { readPreviewFile } from '../../diagrams/sources/preview.ts';
import { readStateFile } from '../../diagrams/sources/state.ts';

import { CORPUS_DIR } from '../corpus.ts';
const DIR = `${CORPUS_DIR}/`;
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

async function estateOf(file: string) {
  const graph = file.includes('preview') ? await readPreviewFile(DIR + file) : await readStateFile(DIR + file);
  return { graph, estate: buildEstate([graph]) };
}

describe('rules and cost on every corpus stack', () => {
  it('finds the corpus', () => expect(FILES.length).toBeGreaterThanOrEqual(20));

  it.each(FILES)('%s', async (file) => {
    const { graph, estate } = await estateOf(file);
    const findings = evaluateRules(estate, graph.stack.stack);
    expect(findings.map((f) => f.ruleId)).toEqual(RULES.map((r) => r.id));
    for (const f of findings) {
      expect(f.status).toBe(f.subjects.length === 0 ? 'not-applicable' : f.subjects.some((s) => s.status === 'not-met') ? 'not-met' : 'met');
      for (const s of f.subjects) expect(s.detail.length).toBeGreaterThan(0);
    }
    // A stack without secrets, SecureStrings, keys or roles has nothing to check.
    if (estate.secrets.length + estate.keys.length + estate.roles.length + estate.parameters.length === 0) {
      expect(findings.every((f) => f.status === 'not-applicable')).toBe(true);
    }
    const cost = estimateCost(estate, graph.stack.stack);
    expect(cost.total).toBeGreaterThanOrEqual(0);
    expect(cost.total).toBe(Math.round(cost.lines.reduce((n, l) => n + l.monthly, 0) * 100) / 100);
    // No secret envelope or decrypted value reaches a finding.
    expect(JSON.stringify(findings)).not.toMatch(/"ciphertext"|"plaintext"|4dabf18193072939515e22adb298388d/);
  });

  it('finds what the corpus really holds', async () => {
    const byId = async (file: string) => {
      const { graph, estate } = await estateOf(file);
      return new Map(evaluateRules(estate, graph.stack.stack).map((f) => [f.ruleId, f]));
    };
    const kms = await byId('pulumi-aws-kms-key-export.json');
    expect(kms.get('SEC-003')!.status).toBe('not-met');
    expect(kms.get('SEC-003')!.subjects[0]!.detail).toBe('automatic rotation is off');
    expect(kms.get('SEC-040')!.subjects.map((s) => s.name)).toEqual(['stack test']);
    const secret = await byId('pulumi-aws-secretversion-export.json');
    expect(secret.get('SEC-001')!.subjects.map((s) => s.detail)).toEqual(['encrypted with the AWS-managed aws/secretsmanager key']);
    expect(secret.get('SEC-002')!.subjects.map((s) => s.detail)).toEqual(['rotation is not enabled']);
    expect(secret.get('SEC-010')!.status).toBe('met');
    expect(secret.get('SEC-005')!.status).toBe('not-applicable');
  });
});
