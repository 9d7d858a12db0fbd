import { describe, expect, it } from 'vitest';
import { API_ASSUMPTION, PRICES, estimateCost } from '../../diagrams/compliance/cost.ts';
import type { Estate } from '../../diagrams/estate/model.ts';
import { compliantEstate, find, plant, unrelatedEstate } from './fixtures.ts';

const est = (e: unknown, stack?: string) => estimateCost(e as Estate, stack);
const lineOf = (c: ReturnType<typeof estimateCost>, item: string) => c.lines.find((l) => l.item === item);

describe('estimateCost', () => {
  it('dates the price table as the seed does and states the API-call assumption', () => {
    const c = est(compliantEstate());
    expect(c.pricesAsOf).toBe('2025-09-25');
    expect(PRICES).toMatchObject({ advancedParameter: 0.05, secret: 0.4, secretsManagerPer10kCalls: 0.05, kmsKey: 1, standardParameterLimit: 10_000 });
    expect(c.assumptions.join('\n')).toMatch(/15-minute cache TTL/);
    expect(c.assumptions.join('\n')).toMatch(/replica keys/);
    expect(c.stack).toBeUndefined();
  });

  it('prices the shared stack: 3 keys and 3 replica keys', () => {
    const c = est(compliantEstate(), 'shared');
    expect(c.stack).toBe('shared');
    expect(c.lines.map((l) => [l.item, l.quantity, l.monthly])).toEqual([
      ['KMS customer-managed keys', 3, 3],
      ['KMS replica keys', 3, 3],
    ]);
    expect(c.total).toBe(6);
  });

  it('prices an environment stack: free standard parameters, secrets and API calls', () => {
    const c = est(compliantEstate(), 'dev');
    // 2 secrets, each read by one service role (the rotation role is not a reader):
    // 2 × 96 reads/day × 30 days = 5,760 reads; rotations 10 × 30/30 + 10 × 30/60 = 15 calls.
    expect(c.lines.map((l) => [l.item, l.quantity, l.unitPrice, l.monthly])).toEqual([
      ['Parameter Store standard parameters', 4, 0, 0],
      ['Secrets Manager secrets', 2, 0.4, 0.8],
      ['Secrets Manager API calls (per 10,000)', 0.5775, 0.05, 0.03],
    ]);
    expect(lineOf(c, 'Secrets Manager API calls (per 10,000)')!.note).toBe(
      '5,775 calls a month: 2 reader-secret pairs × 2,880 reads, plus 15 rotation calls',
    );
    expect(c.total).toBe(0.83);
  });

  it('prices the whole estate from all stacks', () => {
    const c = est(compliantEstate());
    expect(c.lines.map((l) => [l.item, l.quantity, l.monthly])).toEqual([
      ['Parameter Store standard parameters', 9, 0],
      ['Secrets Manager secrets', 4, 1.6],
      ['Secrets Manager API calls (per 10,000)', 1.155, 0.06],
      ['KMS customer-managed keys', 3, 3],
      ['KMS replica keys', 3, 3],
    ]);
    expect(c.total).toBe(7.66);
    expect(c.assumptions.join('\n')).toMatch(/seed's ~\$9 a month counts 15 secrets × \$0.40 and 3 keys × \$1/);
  });

  it('charges advanced parameters and secret replicas, and counts more readers', () => {
    const e = plant((x) => {
      find.param(x, '/mono-repo/prod/database/host').tier = 'Advanced';
      find.secret(x, 'mono-repo/prod/rds/master-password').replicas = [{ region: 'eu-central-1' }];
      // A second reader of the prod JWT key.
      const jwt = find.secret(x, 'mono-repo/prod/api/jwt-signing-key');
      find.access(x, 'web-app-build-prod').secretValues.push({ resourceUrn: jwt.urn, actions: ['secretsmanager:GetSecretValue'], conditions: [], certainty: 'known', grantedBy: [] });
    });
    const c = est(e, 'prod');
    expect(c.lines.map((l) => [l.item, l.quantity, l.monthly])).toEqual([
      ['Parameter Store standard parameters', 4, 0],
      ['Parameter Store advanced parameters', 1, 0.05],
      ['Secrets Manager secrets', 2, 0.8],
      ['Secrets Manager replica secrets', 1, 0.4],
      // 3 pairs × 2,880 + 15 rotation calls = 8,655
      ['Secrets Manager API calls (per 10,000)', 0.8655, 0.04],
    ]);
    expect(c.total).toBe(1.29);
  });

  it('counts one reader for a secret nobody in the estate reads, and no calls without secrets', () => {
    const e = plant((x) => {
      x.access = [];
      for (const s of x.secrets) s.rotation.enabled = false;
    });
    const c = est(e, 'dev');
    expect(lineOf(c, 'Secrets Manager API calls (per 10,000)')!.quantity).toBe((2 * 2_880) / 10_000);
    expect(est(compliantEstate(), 'shared').lines.some((l) => l.item.includes('API'))).toBe(false);
    expect(API_ASSUMPTION.cacheTtlMinutes).toBe(15);
  });

  it('gives an empty, zero estimate for a stack with nothing priced', () => {
    const c = est(unrelatedEstate(), 'web');
    expect(c.lines).toEqual([]);
    expect(c.total).toBe(0);
  });

  it('notes when standard parameters exceed the free limit', () => {
    const e = plant((x) => {
      const p = find.param(x, '/mono-repo/dev/database/host');
      for (let i = 0; i < 10_001; i++) x.parameters.push({ ...structuredClone(p), urn: `${p.urn}-${i}` });
    });
    expect(lineOf(est(e, 'dev'), 'Parameter Store standard parameters')!.note).toMatch(/more than the 10,000/);
  });

  it('rejects a stack that is not in the estate', () => {
    expect(() => est(compliantEstate(), 'qa')).toThrow(/stack 'qa' is not in the estate.*dev, prod, shared/);
  });
});
