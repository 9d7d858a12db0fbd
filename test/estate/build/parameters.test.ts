/** Parameter Store parameters (build/parameters.ts): path, environment and category, type, tier, key, ARN; aws-native shapes. */
import { describe, expect, it } from 'vitest';
import { UNKNOWN } from '../../../diagrams/graph/types.ts';
import { ACCOUNT, EstateFixture, REGION } from '../../fixtures/estates.ts';
import { named } from '../helpers.ts';

describe('parameters', () => {
  const f = new EstateFixture('app');
  f.stack('uat');
  const prod = f.stack('prod');
  const key = prod.key('params');
  prod.parameter('/app/prod/database/password', { type: 'SecureString', key: 'alias/params', tier: 'Advanced' });
  prod.parameter('/app/prod/database/host');
  prod.parameter('/app/uat/api/url');
  prod.parameter('/app/staging/api/url');
  prod.parameter('top-level', { type: 'StringList' });
  prod.parameter('/app/prod/default-key', { type: 'SecureString' });
  prod.add('aws:ssm/parameter:Parameter', 'odd', { name: '/app/prod/odd', type: 'Weird', tier: 'Premium' }, { id: '/app/prod/odd' });
  prod.add('aws-native:ssm:Parameter', 'native', { name: '/app/prod/native/flag', type: 'String', value: 'on', tier: 'Intelligent-Tiering', tags: { Team: 'web' } }, { id: '/app/prod/native/flag' });
  const e = f.estate();

  it('path, segments, leaf, environment and category from the path', () => {
    expect(named(e.parameters, '/app/prod/database/password')).toMatchObject({
      path: '/app/prod/database/password',
      segments: ['app', 'prod', 'database', 'password'],
      leaf: 'password',
      environment: 'prod',
      category: 'database',
      type: 'SecureString',
      tier: 'Advanced',
      keyId: 'alias/params',
      keyUrn: key.urn,
      arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/prod/database/password`,
    });
  });

  it('an environment segment counts only for an environment of the estate; else the stack\'s', () => {
    expect([named(e.parameters, '/app/uat/api/url').environment, named(e.parameters, '/app/uat/api/url').category]).toEqual(['uat', 'api']);
    const staging = named(e.parameters, '/app/staging/api/url');
    expect([staging.environment, staging.category]).toEqual(['prod', undefined]);
    const top = named(e.parameters, 'top-level');
    expect(top).toMatchObject({ segments: ['top-level'], leaf: 'top-level', environment: 'prod', type: 'StringList', tier: 'Standard' });
    expect(top.category).toBeUndefined();
  });

  it('a SecureString without a key uses the AWS-managed key: no key id, no key entity', () => {
    const p = named(e.parameters, '/app/prod/default-key');
    expect([p.keyId, p.keyUrn]).toEqual([undefined, undefined]);
    expect(named(e.parameters, '/app/prod/database/host').keyId).toBeUndefined();
  });

  it('types and tiers it does not know read as unknown', () => {
    expect(named(e.parameters, '/app/prod/odd')).toMatchObject({ type: 'unknown', tier: 'unknown' });
  });

  it('aws-native: name, type, tier, tags as a map', () => {
    expect(named(e.parameters, '/app/prod/native/flag')).toMatchObject({ type: 'String', tier: 'Intelligent-Tiering', tags: { Team: 'web' }, category: 'native', environment: 'prod' });
  });

  it('a preview: no ARN output, the ARN is derived from the stack\'s account and region; an unknown key id is kept, not resolved', () => {
    const g = new EstateFixture('app');
    const dev = g.stack('dev');
    dev.add('aws:ssm/parameter:Parameter', 'p', { name: '/app/dev/token', type: 'SecureString', keyId: UNKNOWN }, { outputs: {} });
    const p = g.estate().parameters[0]!;
    expect(p).toMatchObject({ arn: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/dev/token`, keyId: UNKNOWN, environment: 'dev' });
    expect(p.keyUrn).toBeUndefined();
  });
});
