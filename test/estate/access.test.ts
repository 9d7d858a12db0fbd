import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build.ts';
import { accessOf } from '../../diagrams/estate/lookup.ts';
import type { Estate, RoleAccess } from '../../diagrams/estate/model.ts';
import { UNKNOWN } from '../../diagrams/graph/types.ts';
import { ACCOUNT, LAMBDA_TRUST, REGION, StackBuilder, paramArn, policyJson, roleArn, secretArn } from './helpers.ts';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const OTHER_KEY_ID = '99999999-12ab-34cd-56ef-1234567890ab';
const OTHER_KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${OTHER_KEY_ID}`;

const PARAMS = ['/app/prod/db/host', '/app/prod/db/password', '/app/prod/api/token', '/app/dev/db/host', '/other/prod/x'];
const SECRETS = ['app/prod/rds/master', 'app/prod/api/jwt', 'app/dev/rds/master'];

function fixture(roles: Record<string, { statements?: Record<string, unknown>[]; policy?: unknown }>, extra?: (b: StackBuilder) => void): Estate {
  const b = new StackBuilder('prod');
  b.deployed('pulumi:providers:aws', 'default', { region: REGION });
  b.deployed('aws:kms/key:Key', 'key', {
    arn: KEY_ARN,
    keyId: KEY_ID,
    enableKeyRotation: true,
    policy: policyJson(
      { Sid: 'Root', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' },
      { Sid: 'DenyOutsiders', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/outsider-*` } } },
    ),
  }, { id: KEY_ID });
  b.deployed('aws:kms/alias:Alias', 'alias', { name: 'alias/app-key', targetKeyId: KEY_ID, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/app-key` });
  b.deployed('aws:kms/key:Key', 'other-key', {
    arn: OTHER_KEY_ARN,
    keyId: OTHER_KEY_ID,
    policy: policyJson({ Sid: 'Pattern', Effect: 'Allow', Principal: { AWS: '*' }, Action: ['kms:Decrypt'], Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/app-*` }, StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } } }),
  }, { id: OTHER_KEY_ID });
  for (const p of PARAMS) {
    const secure = p.endsWith('password');
    b.deployed('aws:ssm/parameter:Parameter', p.replace(/\//g, '-'), { name: p, arn: paramArn(p), type: secure ? 'SecureString' : 'String', tier: 'Standard', ...(secure ? { keyId: 'alias/app-key' } : {}) });
  }
  for (const s of SECRETS) b.deployed('aws:secretsmanager/secret:Secret', s.replace(/\//g, '-'), { name: s, arn: secretArn(s), kmsKeyId: KEY_ARN }, { id: secretArn(s) });
  for (const [name, spec] of Object.entries(roles)) {
    b.deployed('aws:iam/role:Role', name, { name, arn: roleArn(name), assumeRolePolicy: LAMBDA_TRUST });
    const polArn = `arn:aws:iam::${ACCOUNT}:policy/${name}-policy`;
    b.deployed('aws:iam/policy:Policy', `${name}-policy`, { name: `${name}-policy`, arn: polArn, policy: spec.policy ?? policyJson(...(spec.statements ?? [])) });
    b.deployed('aws:iam/rolePolicyAttachment:RolePolicyAttachment', `${name}-attach`, { role: name, policyArn: polArn });
  }
  extra?.(b);
  return buildEstate([b.graph()]);
}

function access(e: Estate, role: string): RoleAccess {
  const r = e.roles.find((x) => x.name === role);
  if (!r) throw new Error(`no role ${role}`);
  return accessOf(e, r.urn);
}

function names(e: Estate, urns: readonly { resourceUrn: string }[]): string[] {
  const all = [...e.parameters, ...e.secrets, ...e.keys];
  return urns.map((x) => all.find((y) => y.urn === x.resourceUrn)!.name).sort();
}

describe('access analysis: identity policies', () => {
  it('Allow with a parameter path prefix reads that path only, drawn as a by-path prefix grant', () => {
    const e = fixture({
      'app-reader': { statements: [{ Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParametersByPath'], Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/prod/*` }] },
    });
    const a = access(e, 'app-reader');
    expect(names(e, a.parameters)).toEqual(['/app/prod/api/token', '/app/prod/db/host', '/app/prod/db/password']);
    expect(a.parameters[0]!.actions).toEqual(['ssm:GetParameter', 'ssm:GetParametersByPath']);
    expect(a.parameters.every((p) => p.certainty === 'known')).toBe(true);
    expect(a.parameterPrefixes).toEqual([
      { prefix: '/app/prod/', actions: ['ssm:GetParameter', 'ssm:GetParametersByPath'], byPath: true, conditions: [], certainty: 'known' },
    ]);
    expect(a.secretValues).toEqual([]);
    expect(a.parameters[0]!.grantedBy).toEqual([e.policies.find((p) => p.name === 'app-reader-policy')!.urn]);
  });

  it('GetParametersByPath on a path ARN reads the folder (every parameter under the path)', () => {
    const e = fixture({
      bypath: { statements: [{ Effect: 'Allow', Action: ['ssm:GetParametersByPath', 'ssm:GetParameter'], Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/prod/db` }] },
      single: { statements: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: paramArn('/app/prod/db/host') }] },
    });
    const a = access(e, 'bypath');
    expect(names(e, a.parameters)).toEqual(['/app/prod/db/host', '/app/prod/db/password']);
    expect(a.parameters[0]!.actions).toEqual(['ssm:GetParametersByPath']);
    expect(a.parameterPrefixes).toEqual([{ prefix: '/app/prod/db/', actions: ['ssm:GetParametersByPath'], byPath: true, conditions: [], certainty: 'known' }]);
    expect(access(e, 'single').parameterPrefixes.map((p) => [p.prefix, p.byPath])).toEqual([['/app/prod/db/host', false]]);
  });

  it('an explicit Deny wins over an Allow', () => {
    const e = fixture({
      denied: {
        statements: [
          { Effect: 'Allow', Action: 'ssm:*', Resource: '*' },
          { Effect: 'Deny', Action: 'ssm:GetParameter*', Resource: paramArn('/app/prod/db/password') },
        ],
      },
    });
    const a = access(e, 'denied');
    expect(names(e, a.parameters)).toEqual(['/app/dev/db/host', '/app/prod/api/token', '/app/prod/db/host', '/other/prod/x']);
    expect(a.parameterPrefixes.map((p) => p.prefix)).toEqual(['/']);
  });

  it('a Deny of a whole prefix removes the prefix grant too', () => {
    const e = fixture({
      d: {
        statements: [
          { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:*:*:parameter/app/prod/*` },
          { Effect: 'Deny', Action: 'ssm:*', Resource: `arn:aws:ssm:*:*:parameter/app/*` },
        ],
      },
    });
    const a = access(e, 'd');
    expect(a.parameters).toEqual([]);
    expect(a.parameterPrefixes).toEqual([]);
  });

  it('action wildcards are case-insensitive; `*` grants everything', () => {
    const e = fixture({
      lower: { statements: [{ Effect: 'Allow', Action: 'SSM:getparameter', Resource: paramArn('/app/prod/db/host') }] },
      star: { statements: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
      sm: { statements: [{ Effect: 'Allow', Action: 'secretsmanager:*', Resource: '*' }] },
      get: { statements: [{ Effect: 'Allow', Action: 'secretsmanager:Get*', Resource: '*' }] },
    });
    expect(names(e, access(e, 'lower').parameters)).toEqual(['/app/prod/db/host']);
    expect(access(e, 'lower').parameters[0]!.actions).toEqual(['ssm:GetParameter']);
    const star = access(e, 'star');
    expect(star.parameters).toHaveLength(PARAMS.length);
    expect(star.secretValues).toHaveLength(SECRETS.length);
    expect(star.keys.map((k) => k.resourceUrn).length).toBe(2);
    expect(access(e, 'sm').parameters).toEqual([]);
    expect(access(e, 'sm').secretValues).toHaveLength(3);
    expect(access(e, 'sm').secretWrites).toHaveLength(3);
    expect(access(e, 'get').secretValues[0]!.actions).toEqual(['secretsmanager:GetSecretValue']);
    expect(access(e, 'get').secretWrites).toEqual([]);
  });

  it('resource wildcards `*` and `?` and the secret ARN suffix', () => {
    const e = fixture({
      rds: { statements: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:app/prod/rds/*` }] },
      exact: { statements: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:app/prod/api/jwt-??????` }] },
      nosuffix: { statements: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:app/prod/api/jwt` }] },
      otheracct: { statements: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: `arn:aws:secretsmanager:${REGION}:999999999999:secret:*` }] },
      q: { statements: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/app/?rod/db/*` }] },
    });
    expect(names(e, access(e, 'rds').secretValues)).toEqual(['app/prod/rds/master']);
    expect(names(e, access(e, 'exact').secretValues)).toEqual(['app/prod/api/jwt']);
    expect(access(e, 'nosuffix').secretValues).toEqual([]);
    expect(access(e, 'otheracct').secretValues).toEqual([]);
    expect(names(e, access(e, 'q').parameters)).toEqual(['/app/prod/db/host', '/app/prod/db/password']);
    expect(access(e, 'q').parameterPrefixes.map((p) => [p.prefix, p.byPath])).toEqual([['/app/', false]]);
  });

  it('DescribeSecret without GetSecretValue is metadata only; PutSecretValue is a write', () => {
    const e = fixture({
      meta: { statements: [{ Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'], Resource: '*' }] },
      rot: { statements: [{ Effect: 'Allow', Action: ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage', 'secretsmanager:DescribeSecret'], Resource: secretArn('app/dev/rds/master') }] },
    });
    const meta = access(e, 'meta');
    expect(meta.secretValues).toEqual([]);
    expect(meta.secretMetadata).toHaveLength(3);
    expect(meta.secretMetadata[0]!.actions).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds']);
    const rot = access(e, 'rot');
    expect(names(e, rot.secretWrites)).toEqual(['app/dev/rds/master']);
    expect(rot.secretWrites[0]!.actions).toEqual(['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage']);
    expect(rot.secretValues).toEqual([]);
  });

  it('Allow with NotAction grants everything not listed, with a note', () => {
    const e = fixture({ na: { statements: [{ Effect: 'Allow', NotAction: ['ssm:*', 'iam:*'], Resource: '*' }] } });
    const a = access(e, 'na');
    expect(a.parameters).toEqual([]);
    expect(a.secretValues).toHaveLength(3);
    expect(a.notes.some((n) => /NotAction/.test(n))).toBe(true);
  });

  it('NotResource: Allow grants every resource not listed; Deny denies only where sure', () => {
    const e = fixture({
      allowNot: { statements: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', NotResource: `arn:aws:secretsmanager:*:*:secret:app/prod/*` }] },
      denyNot: {
        statements: [
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' },
          { Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', NotResource: `arn:aws:secretsmanager:*:*:secret:app/dev/*` },
        ],
      },
    });
    expect(names(e, access(e, 'allowNot').secretValues)).toEqual(['app/dev/rds/master']);
    expect(access(e, 'allowNot').notes.some((n) => /NotResource/.test(n))).toBe(true);
    expect(names(e, access(e, 'denyNot').secretValues)).toEqual(['app/dev/rds/master']);
    expect(access(e, 'denyNot').notes.some((n) => /Deny with NotResource/.test(n))).toBe(true);
  });

  it('conditions are carried along, not evaluated; a conditional Deny is not applied but noted', () => {
    const cond = { StringEquals: { 'aws:RequestedRegion': REGION } };
    const e = fixture({
      c: {
        statements: [
          { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: paramArn('/app/prod/db/host'), Condition: cond },
          { Effect: 'Deny', Action: 'ssm:GetParameter', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
        ],
      },
    });
    const a = access(e, 'c');
    expect(a.parameters).toHaveLength(1);
    expect(a.parameters[0]!.conditions).toEqual([{ operator: 'StringEquals', key: 'aws:RequestedRegion', values: [REGION] }]);
    expect(a.parameterPrefixes[0]!.conditions).toEqual(a.parameters[0]!.conditions);
    expect(a.notes.some((n) => /Deny.*conditions/.test(n))).toBe(true);
  });
});

describe('access analysis: KMS keys', () => {
  it('Decrypt with kms:ViaService; the key policy delegates to IAM through the account root', () => {
    const e = fixture({
      'app-svc': {
        statements: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN, Condition: { StringEquals: { 'kms:ViaService': [`ssm.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] } } }],
      },
    });
    const a = access(e, 'app-svc');
    expect(a.keys).toHaveLength(2);
    const k = a.keys.find((x) => x.resourceUrn === e.keys.find((y) => y.keyId === KEY_ID)!.urn)!;
    expect(k.viaServices).toEqual([`secretsmanager.${REGION}.amazonaws.com`, `ssm.${REGION}.amazonaws.com`]);
    expect(k.keyPolicyAllows).toBe(true);
    expect(k.certainty).toBe('known');
    // The other key: not in the identity policy, but its key policy names app-* roles directly.
    const other = a.keys.find((x) => x.resourceUrn === e.keys.find((y) => y.keyId === OTHER_KEY_ID)!.urn)!;
    expect(other.grantedBy).toEqual([e.keys.find((y) => y.keyId === OTHER_KEY_ID)!.urn]);
    expect(other.viaServices).toEqual([`secretsmanager.${REGION}.amazonaws.com`]);
  });

  it('aws:PrincipalArn conditions are matched against the role ARN (Deny wins; no match, no grant)', () => {
    const e = fixture({
      'outsider-x': { statements: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] },
      'plain': { statements: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }] },
    });
    const outsider = access(e, 'outsider-x');
    const byKey = (a: RoleAccess, id: string) => a.keys.find((x) => x.resourceUrn === e.keys.find((y) => y.keyId === id)!.urn)!;
    expect(byKey(outsider, KEY_ID).keyPolicyAllows).toBe(false);
    expect(byKey(outsider, OTHER_KEY_ID).keyPolicyAllows).toBe(false);
    expect(byKey(access(e, 'plain'), KEY_ID).keyPolicyAllows).toBe(true);
    expect(byKey(access(e, 'plain'), OTHER_KEY_ID).keyPolicyAllows).toBe(false);
  });

  it('an alias ARN in Resource matches the key it names, marked unknown', () => {
    const e = fixture({ al: { statements: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/app-key` }] } });
    const a = access(e, 'al');
    expect(a.keys).toHaveLength(1);
    expect(a.keys[0]!.certainty).toBe('unknown');
  });

  it('a key whose policy is unknown gives keyPolicyAllows unknown', () => {
    const b = new StackBuilder('prod');
    b.add('aws:kms/key:Key', 'k', { inputs: { policy: UNKNOWN }, outputs: {} });
    b.deployed('aws:iam/role:Role', 'r', { name: 'r', arn: roleArn('r'), assumeRolePolicy: LAMBDA_TRUST, inlinePolicies: [{ name: 'p', policy: policyJson({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*' }) }] });
    const e = buildEstate([b.graph()]);
    const a = accessOf(e, e.roles[0]!.urn);
    expect(a.keys).toHaveLength(1);
    expect(a.keys[0]!.keyPolicyAllows).toBe('unknown');
  });
});

describe('access analysis: unknown values (previews)', () => {
  it('an UNKNOWN resource in a statement makes the entries unknown; an UNKNOWN document is noted', () => {
    const e = fixture({
      partial: { policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: UNKNOWN }] } },
      whole: { policy: UNKNOWN },
    });
    const partial = access(e, 'partial');
    expect(partial.parameters).toHaveLength(PARAMS.length);
    expect(partial.parameters.every((p) => p.certainty === 'unknown')).toBe(true);
    const whole = access(e, 'whole');
    expect(whole.parameters).toEqual([]);
    expect(whole.notes.some((n) => /unknown/.test(n))).toBe(true);
  });

  it('a secret without a known ARN (preview) still matches name patterns; a literal suffix is unknown', () => {
    const b = new StackBuilder('dev');
    b.add('aws:secretsmanager/secret:Secret', 's', { inputs: { name: 'app/dev/api/key' }, outputs: { arn: UNKNOWN } });
    b.add('aws:iam/role:Role', 'r1', { inputs: { name: 'r1', assumeRolePolicy: LAMBDA_TRUST, inlinePolicies: [{ name: 'p', policy: policyJson({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:*:*:secret:app/dev/*' }) }] } });
    b.add('aws:iam/role:Role', 'r2', { inputs: { name: 'r2', assumeRolePolicy: LAMBDA_TRUST, inlinePolicies: [{ name: 'p', policy: policyJson({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:*:*:secret:app/dev/api/key-XyZ123' }) }] } });
    b.add('aws:iam/role:Role', 'r3', { inputs: { name: 'r3', assumeRolePolicy: LAMBDA_TRUST, inlinePolicies: [{ name: 'p', policy: policyJson({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:*:*:secret:app/uat/*' }) }] } });
    const e = buildEstate([b.graph()]);
    const by = (n: string) => accessOf(e, e.roles.find((r) => r.name === n)!.urn);
    expect(by('r1').secretValues.map((x) => x.certainty)).toEqual(['known']);
    expect(by('r2').secretValues.map((x) => x.certainty)).toEqual(['unknown']);
    expect(by('r3').secretValues).toEqual([]);
  });

  it('AWS-managed AdministratorAccess is evaluated from a built-in copy', () => {
    const e = fixture({}, (b) => {
      b.deployed('aws:iam/role:Role', 'admin', { name: 'admin', arn: roleArn('admin'), assumeRolePolicy: LAMBDA_TRUST });
      b.deployed('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'admin-attach', { role: 'admin', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' });
    });
    const a = access(e, 'admin');
    expect(a.parameters).toHaveLength(PARAMS.length);
    expect(a.secretValues[0]!.grantedBy).toEqual(['arn:aws:iam::aws:policy/AdministratorAccess']);
  });
});
