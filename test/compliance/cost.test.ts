/**
 * The monthly cost estimate (diagrams/compliance/cost.ts) of Parameter Store, Secrets Manager and
 * KMS, per stack and for the whole estate. Expected figures are worked out by hand from the price
 * table (advanced parameter $0.05, secret and replica secret $0.40, $0.05 per 10,000 API calls,
 * key and replica key $1) and the stated assumption: each role that reads a secret's value fetches
 * it once per the cache TTL its role declares (`SecretCacheTtl`), else every 15 minutes, from one
 * instance over 30 days (96 × 30 = 2,880 reads at 15 minutes), a secret no role reads counts one
 * reader, and a rotation makes 10 calls.
 */

import { describe, expect, it } from 'vitest';
import { API_ASSUMPTION, PRICES, estimateCost } from '../../diagrams/compliance/cost.ts';
import { allow, EstateFixture, OTHER_ACCOUNT } from '../fixtures/estates.ts';

const rows = (c: ReturnType<typeof estimateCost>) => c.lines.map((l) => [l.item, l.quantity, l.unitPrice, l.monthly]);

/**
 * shared: two keys, one with a replica. dev: three standard and one advanced parameter; secret
 * `api-key` (replicated to one region) read by the role api-dev, and also by a user and another
 * account (neither counted); secret `db` read only by its rotation role, rotating every 30 days.
 */
function estate(extraReader = false) {
  const f = new EstateFixture();
  const shared = f.stack('shared');
  shared.key('params-key', { multiRegion: true, replicaRegion: 'eu-central-1' });
  shared.key('audit-key');
  const dev = f.stack('dev');
  dev.parameter('/app/dev/a');
  dev.parameter('/app/dev/b');
  dev.parameter('/app/dev/c', { type: 'SecureString' });
  dev.parameter('/app/dev/big', { tier: 'Advanced' });
  const apiKey = dev.secret('app/dev/api-key', { replicaRegions: ['eu-central-1'], policy: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
  const rotRole = dev.role('rotation-role');
  const db = dev.secret('app/dev/db', { rotationDays: 30, rotationLambda: dev.lambda('rotator', rotRole) });
  dev.policy('rotation-p', [allow(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'], db.arn)], { roles: [rotRole] });
  const readers = [dev.role('api-dev'), ...(extraReader ? [dev.role('worker-dev')] : [])];
  dev.policy('api-read', [allow('secretsmanager:GetSecretValue', apiKey.arn)], { roles: readers, users: [dev.user('alice')] });
  return f.estate();
}

describe('estimateCost', () => {
  it('prices an environment stack: parameters, secrets and their replicas, API calls from role readers and rotations', () => {
    const c = estimateCost(estate(), 'dev');
    expect(c.stack).toBe('dev');
    expect(rows(c)).toEqual([
      ['Parameter Store standard parameters', 3, 0, 0],
      ['Parameter Store advanced parameters', 1, 0.05, 0.05],
      ['Secrets Manager secrets', 2, 0.4, 0.8],
      ['Secrets Manager replica secrets', 1, 0.4, 0.4],
      // api-key: 1 role reader; db: no reader but its rotation role, counted as 1: 2 × 2,880 + 10 = 5,770.
      ['Secrets Manager API calls (per 10,000)', 0.577, 0.05, 0.03],
    ]);
    expect(c.lines[0]!.note).toBe('free up to 10,000 per account and region; API calls at standard throughput are free');
    expect(c.lines[3]!.note).toBe('each replica region is billed as a secret');
    expect(c.lines[4]!.note).toBe('5,770 calls a month: 2 reader-secret pairs, 5,760 reads, plus 10 rotation calls');
    expect(c.total).toBe(1.28);
  });

  it('prices the keys and replica keys of the stack that owns them', () => {
    const c = estimateCost(estate(), 'shared');
    expect(rows(c)).toEqual([
      ['KMS customer-managed keys', 2, 1, 2],
      ['KMS replica keys', 1, 1, 1],
    ]);
    expect(c.lines[1]!.note).toBe('a replica key is billed as a key');
    expect(c.total).toBe(3);
  });

  it('prices the whole estate', () => {
    const c = estimateCost(estate());
    expect(c.stack).toBeUndefined();
    expect(rows(c)).toEqual([
      ['Parameter Store standard parameters', 3, 0, 0],
      ['Parameter Store advanced parameters', 1, 0.05, 0.05],
      ['Secrets Manager secrets', 2, 0.4, 0.8],
      ['Secrets Manager replica secrets', 1, 0.4, 0.4],
      ['Secrets Manager API calls (per 10,000)', 0.577, 0.05, 0.03],
      ['KMS customer-managed keys', 2, 1, 2],
      ['KMS replica keys', 1, 1, 1],
    ]);
    expect(c.total).toBe(4.28);
    expect(c.assumptions.join('\n')).not.toContain('seed');
  });

  it('counts every role that reads a secret', () => {
    // api-key: 2 role readers; db: 1 → 3 × 2,880 + 10 = 8,650 calls.
    const line = estimateCost(estate(true), 'dev').lines.find((l) => l.item.startsWith('Secrets Manager API calls'))!;
    expect([line.quantity, line.monthly, line.note]).toEqual([0.865, 0.04, '8,650 calls a month: 3 reader-secret pairs, 8,640 reads, plus 10 rotation calls']);
  });

  it('counts no rotation calls for a schedule without an interval', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    s.secret('app/dev/db', { rotationSchedule: 'cron(0 0 1 * ? *)', rotationLambda: s.lambda('rotator', s.role('r')) });
    const line = estimateCost(f.estate(), 'dev').lines.find((l) => l.item.startsWith('Secrets Manager API calls'))!;
    expect(line.note).toBe('2,880 calls a month: 1 reader-secret pair, 2,880 reads, plus 0 rotation calls');
  });

  it('states the dated price table and the assumptions', () => {
    const c = estimateCost(estate(), 'dev');
    expect(c.pricesAsOf).toBe('2025-09-25');
    expect(PRICES).toMatchObject({ advancedParameter: 0.05, secret: 0.4, secretsManagerPer10kCalls: 0.05, kmsKey: 1, standardParameterLimit: 10_000 });
    expect(API_ASSUMPTION).toEqual({ cacheTtlMinutes: 15, instancesPerReader: 1, daysPerMonth: 30, callsPerRotation: 10 });
    expect(c.assumptions[0]).toBe('Prices as of 2025-09-25 (AWS list prices), USD per month; other AWS free tiers and taxes not applied. The estimate covers Parameter Store, Secrets Manager and KMS only.');
    expect(c.assumptions.join('\n')).toContain('the TTL its role declares (its SecretCacheTtl tag, none here), else an assumed 15 minutes (2,880 reads per reader and secret)');
  });

  it('reads a role\'s declared secret cache: once an hour is 720 reads a month', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    const secret = s.secret('app/dev/api-key');
    const hourly = s.role('hourly', { tags: { SecretCacheTtl: '1h' } });
    const assumed = s.role('assumed');
    s.policy('read', [allow('secretsmanager:GetSecretValue', secret.arn)], { roles: [hourly, assumed] });
    const c = estimateCost(f.estate(), 'dev');
    // 720 (1 h) + 2,880 (15 min, assumed) = 3,600.
    expect(c.lines.find((l) => l.item.startsWith('Secrets Manager API calls'))!.note).toBe('3,600 calls a month: 2 reader-secret pairs, 3,600 reads, plus 0 rotation calls');
    expect(c.assumptions.join('\n')).toContain('(its SecretCacheTtl tag, 1 of the 2 reader-secret pairs), else an assumed 15 minutes');
  });

  it('gives an empty, zero estimate for a stack with nothing priced', () => {
    const f = new EstateFixture();
    f.stack('web').bucket('assets');
    const c = estimateCost(f.estate(), 'web');
    expect(c.lines).toEqual([]);
    expect(c.total).toBe(0);
  });

  it('notes when standard parameters exceed the free limit of an account and region', () => {
    const f = new EstateFixture();
    const s = f.stack('dev');
    for (let i = 0; i <= 10_000; i++) s.parameter(`/app/dev/p${i}`);
    const line = estimateCost(f.estate(), 'dev').lines[0]!;
    expect([line.item, line.quantity]).toEqual(['Parameter Store standard parameters', 10_001]);
    expect(line.note).toBe('more than the 10,000 standard parameters allowed per account and region: some must be advanced');
  });

  it('rejects a stack that is not in the estate, naming the ones there are', () => {
    expect(() => estimateCost(estate(), 'qa')).toThrow("stack: stack 'qa' is not in the estate (expected one of: dev, shared)");
  });
});
