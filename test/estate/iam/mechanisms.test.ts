/**
 * Every way access is granted, through the real builder (rows -> buildGraph -> buildEstate), with
 * the exact per-principal result: which parameter values, secret values and keys each principal
 * reads, how sure, and (for a few) through what. The world (test/estate/iam/world.ts) has five
 * parameters (String, SecureString under aws/ssm, SecureString under the CMK alias/app-key), three
 * secrets (one under the CMK, two under aws/secretsmanager) and the CMK.
 */
import { describe, expect, it } from 'vitest';
import type { Estate } from '../../../diagrams/estate/model.ts';
import { A, B, KEY_ID, B_KEY_ID, REGION, accessOf, all, arns, doc, estate, json, role, summarise, world, ALL_PARAMETERS, ALL_SECRETS } from './world.ts';

const a = arns(A);
const b = arns(B);
const KEY = 'alias/app-key';
const MANAGED = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const NOTHING = { parameters: {}, secrets: {}, keys: {}, complete: true };
/** String parameters and the SecureString under aws/ssm: what ssm:GetParameter* alone reads. */
const WITHOUT_CMK = ['/app/dev/db/host', '/app/prod/db/host', '/app/prod/db/password', '/other/flag'];
const AWS_KEY_SECRETS = ['app/dev/db', 'app/prod/api'];

const readParams = (resource: string, actions: string | string[] = ['ssm:GetParameter', 'ssm:GetParameters']) => ({ Effect: 'Allow', Action: actions, Resource: resource });
const readSecrets = (resource: string) => ({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: resource });
const decrypt = (resource = a.key(KEY_ID)) => ({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: resource });

describe('AWS-managed policies (evaluated from the snapshot)', () => {
  const w = world();
  for (const [name, policy] of [
    ['admin', 'AdministratorAccess'],
    ['ro', 'ReadOnlyAccess'],
    ['core', 'AmazonSSMManagedInstanceCore'],
    ['smro', 'AWSSecretsManagerClientReadOnlyAccess'],
    ['missing', 'NoSuchPolicyInTheSnapshot'],
  ] as const) {
    role(w, name, { extra: { managedPolicyArns: [MANAGED(policy)] } });
  }
  const e = estate(w);

  it('AdministratorAccess reads everything, through every path of the key, and is an admin', () => {
    expect(summarise(e, 'admin')).toEqual({ parameters: all(ALL_PARAMETERS), secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain direct+secretsmanager+ssm' }, complete: true });
    expect(accessOf(e, 'admin').admin).toBe(true);
  });

  it('ReadOnlyAccess: ssm:Get* reads String and aws/ssm SecureString values, not the CMK one; never GetSecretValue', () => {
    expect(summarise(e, 'ro')).toEqual({ parameters: all(WITHOUT_CMK), secrets: {}, keys: {}, complete: true });
    const acc = accessOf(e, 'ro');
    expect(acc.secretMetadata.length).toBe(3); // secretsmanager:Describe*
    expect(acc.admin).toBe(false);
    expect(acc.notes).toContain('can call GetParameter on SecureStrings it cannot decrypt (not counted as reads)');
    const host = acc.parameters.find((p) => p.resourceUrn.endsWith('app-prod-db-host'))!;
    expect(host.via).toEqual([{ kind: 'identity', ref: MANAGED('ReadOnlyAccess'), name: 'ReadOnlyAccess', sid: 'ReadOnlyActionsGroup2' }]);
    const password = acc.parameters.find((p) => p.resourceUrn.endsWith('app-prod-db-password'))!;
    expect(password.via.map((v) => v.kind)).toEqual(['aws-managed-key', 'identity']);
  });

  it('AmazonSSMManagedInstanceCore: GetParameter(s) on *, the same values as ReadOnlyAccess', () => {
    expect(summarise(e, 'core')).toEqual({ parameters: all(WITHOUT_CMK), secrets: {}, keys: {}, complete: true });
  });

  it('AWSSecretsManagerClientReadOnlyAccess: every secret value, the CMK through Secrets Manager only', () => {
    expect(summarise(e, 'smro')).toEqual({ parameters: {}, secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain secretsmanager' }, complete: true });
  });

  it('an AWS-managed ARN not in the snapshot: complete false, with a note naming it (never silently nothing)', () => {
    expect(summarise(e, 'missing')).toEqual({ ...NOTHING, complete: false });
    expect(accessOf(e, 'missing').notes.some((n) => n.includes(MANAGED('NoSuchPolicyInTheSnapshot')) && n.includes('not in the snapshot'))).toBe(true);
  });
});

describe('inline policies', () => {
  const w = world();
  role(w, 'inline', { extra: { inlinePolicies: [{ name: 'read-db', policy: json(readParams(a.param('/app/prod/db/*'))) }] } });
  w.deployed('aws:iam/role:Role', 'rp-holder', { name: 'rp-holder', arn: a.role('rp-holder'), assumeRolePolicy: '{}' });
  w.deployed('aws:iam/rolePolicy:RolePolicy', 'rp', { name: 'secrets', role: 'rp-holder', policy: json(readSecrets(a.secret('app/prod/*')), decrypt()) });
  w.deployed('aws:iam/user:User', 'alice', { name: 'alice', arn: a.user('alice') });
  w.deployed('aws:iam/userPolicy:UserPolicy', 'alice-policy', { name: 'alice-dev', user: 'alice', policy: json(readParams(a.param('/app/dev/*')), readSecrets(a.secret('app/dev/*'))) });
  w.deployed('aws:iam/group:Group', 'ops', { name: 'ops', arn: a.group('ops') });
  w.deployed('aws:iam/groupPolicy:GroupPolicy', 'ops-policy', { name: 'ops-read', group: 'ops', policy: json(readParams(a.param('/other/*'))) });
  w.deployed('aws:iam/user:User', 'bob', { name: 'bob', arn: a.user('bob') });
  w.deployed('aws:iam/user:User', 'carol', { name: 'carol', arn: a.user('carol') });
  w.deployed('aws:iam/user:User', 'dave', { name: 'dave', arn: a.user('dave') });
  w.deployed('aws:iam/user:User', 'erin', { name: 'erin', arn: a.user('erin') });
  w.deployed('aws:iam/groupMembership:GroupMembership', 'ops-members', { name: 'ops-members', group: 'ops', users: ['bob'] });
  w.deployed('aws:iam/userGroupMembership:UserGroupMembership', 'carol-groups', { user: 'carol', groups: ['ops', 'not-in-the-estate'] });
  w.deployed('aws-native:iam:User', 'frank', { userName: 'frank', arn: a.user('frank'), groups: ['ops'] });
  const e = estate(w);

  it("a role's own inlinePolicies", () => {
    expect(summarise(e, 'inline')).toEqual({ ...NOTHING, parameters: all(['/app/prod/db/host', '/app/prod/db/password']) });
    const acc = accessOf(e, 'inline');
    expect(acc.parameters[0]!.via).toEqual([{ kind: 'identity', ref: `${e.roles.find((r) => r.name === 'inline')!.urn}#inline-policy/read-db`, name: 'read-db' }]);
  });

  it('RolePolicy (with the decrypt of the CMK for the CMK secret)', () => {
    expect(summarise(e, 'rp-holder')).toEqual({ ...NOTHING, secrets: all(['app/prod/api', 'app/prod/db']), keys: { [KEY]: 'certain direct+secretsmanager' } });
  });

  it('UserPolicy', () => {
    expect(summarise(e, 'alice')).toEqual({ ...NOTHING, parameters: all(['/app/dev/db/host']), secrets: all(['app/dev/db']) });
  });

  it('GroupPolicy applies to the members: GroupMembership, UserGroupMembership, aws-native User.groups; not to others', () => {
    const ops = { ...NOTHING, parameters: all(['/other/flag']) };
    expect(summarise(e, 'ops')).toEqual(ops);
    expect(summarise(e, 'bob')).toEqual(ops);
    expect(summarise(e, 'frank')).toEqual(ops);
    // carol is also in a group the estate does not have: what it grants is not known
    expect(summarise(e, 'carol')).toEqual({ ...ops, complete: false });
    expect(accessOf(e, 'carol').notes.some((n) => n.includes('not-in-the-estate'))).toBe(true);
    expect(accessOf(e, 'bob').parameters[0]!.via).toEqual([{ kind: 'identity', ref: e.policies.find((p) => p.name === 'ops-read')!.urn, name: 'ops-read', group: 'ops' }]);
    expect(summarise(e, 'dave')).toEqual(NOTHING);
    expect(summarise(e, 'erin')).toEqual(NOTHING);
  });
});

describe('every attachment kind', () => {
  const w = world();
  // One customer-managed policy per parameter, so that each attachment shows by what it grants.
  const policyFor = (path: string): string => {
    const name = `read${path.replace(/\//g, '-')}`;
    w.deployed('aws:iam/policy:Policy', name, { name, arn: a.policy(name), policy: json(readParams(a.param(path))) });
    return a.policy(name);
  };
  const [p1, p2, p3, p4, p5] = ['/app/prod/db/host', '/app/dev/db/host', '/other/flag', '/app/prod/db/password', '/app/prod/api/token'].map(policyFor) as [string, string, string, string, string];
  role(w, 'r1');
  role(w, 'r2', { extra: { managedPolicyArns: [p2] } });
  w.deployed('aws:iam/user:User', 'u1', { name: 'u1', arn: a.user('u1') });
  w.deployed('aws:iam/user:User', 'u2', { name: 'u2', arn: a.user('u2') });
  w.deployed('aws:iam/group:Group', 'g1', { name: 'g1', arn: a.group('g1') });
  w.deployed('aws:iam/groupMembership:GroupMembership', 'g1-members', { name: 'g1-members', group: 'g1', users: ['u2'] });
  w.deployed('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'att-r1', { role: 'r1', policyArn: p1 });
  w.deployed('aws:iam/userPolicyAttachment:UserPolicyAttachment', 'att-u1', { user: 'u1', policyArn: p3 });
  w.deployed('aws:iam/groupPolicyAttachment:GroupPolicyAttachment', 'att-g1', { group: 'g1', policyArn: p4 });
  w.deployed('aws:iam/policyAttachment:PolicyAttachment', 'att-multi', { name: 'multi', roles: ['r2'], users: ['u1'], groups: ['g1'], policyArn: p5 });
  const e = estate(w);

  it('RolePolicyAttachment', () => expect(summarise(e, 'r1').parameters).toEqual(all(['/app/prod/db/host'])));
  // p5 reads the CMK SecureString: GetParameter alone does not decrypt it
  it('managedPolicyArns, and PolicyAttachment.roles', () => {
    expect(summarise(e, 'r2').parameters).toEqual(all(['/app/dev/db/host']));
    expect(accessOf(e, 'r2').notes).toContain('can call GetParameter on SecureStrings it cannot decrypt (not counted as reads)');
  });
  it('UserPolicyAttachment and PolicyAttachment.users', () => expect(summarise(e, 'u1').parameters).toEqual(all(['/other/flag'])));
  it('GroupPolicyAttachment and PolicyAttachment.groups reach the member', () => {
    expect(summarise(e, 'u2').parameters).toEqual(all(['/app/prod/db/password']));
    expect(e.groups[0]!.policies.length).toBe(2);
    expect(e.users.find((u) => u.name === 'u1')!.policies.length).toBe(2);
  });
});

describe('permissions boundaries (an intersection with the identity policies)', () => {
  const w = world();
  const boundary = a.policy('boundary');
  w.deployed('aws:iam/policy:Policy', 'boundary', { name: 'boundary', arn: boundary, policy: json({ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: a.param('/app/prod/db/*') }) });
  const wide = [{ Effect: 'Allow', Action: ['secretsmanager:*', 'ssm:*', 'kms:*'], Resource: '*' }];
  role(w, 'bounded', { statements: wide, extra: { permissionsBoundary: boundary } });
  role(w, 'unbounded', { statements: wide });
  role(w, 'managed-boundary', { statements: wide, extra: { permissionsBoundary: MANAGED('AWSSecretsManagerClientReadOnlyAccess') } });
  role(w, 'unknown-boundary', { statements: wide, extra: { permissionsBoundary: a.policy('defined-elsewhere') } });
  const e = estate(w);

  it('identity allows secretsmanager:* + ssm:* + kms:*, the boundary ssm:GetParameter* on one folder: that folder only, no secret, no key', () => {
    // The SecureString there is under aws/ssm, whose key policy names `*` (the role session itself):
    // the boundary does not limit what a resource policy grants the session.
    expect(summarise(e, 'bounded')).toEqual({ ...NOTHING, parameters: all(['/app/prod/db/host', '/app/prod/db/password']) });
    expect(summarise(e, 'unbounded')).toEqual({ parameters: all(ALL_PARAMETERS), secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain direct+secretsmanager+ssm' }, complete: true });
    expect(accessOf(e, 'bounded').admin).toBe(false);
  });

  it('an AWS-managed boundary from the snapshot', () => {
    expect(summarise(e, 'managed-boundary')).toEqual({ ...NOTHING, secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain secretsmanager' } });
  });

  it('a boundary that is not known makes every grant unknown, and the principal incomplete', () => {
    const s = summarise(e, 'unknown-boundary');
    expect(s.complete).toBe(false);
    expect(new Set([...Object.values(s.parameters), ...Object.values(s.secrets)])).toEqual(new Set(['unknown']));
    expect(accessOf(e, 'unknown-boundary').notes.some((n) => n.includes('defined-elsewhere'))).toBe(true);
  });
});

describe('explicit Deny', () => {
  const w = world();
  const allow = { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: '*' };
  role(w, 'denied', { statements: [allow, { Effect: 'Deny', Action: 'ssm:GetParameter*', Resource: a.param('/app/prod/*') }] });
  role(w, 'by-path', { statements: [{ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }, { Effect: 'Deny', Action: 'ssm:GetParameter*', Resource: a.param('/app/prod/*') }] });
  role(w, 'maybe-denied', { statements: [allow, { Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] });
  role(w, 'tag-denied', { statements: [allow, { Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } } }], extra: { tags: { team: 'red' } } });
  role(w, 'tag-not-denied', { statements: [allow, { Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } } }], extra: { tags: { team: 'blue' } } });
  const e = estate(w);

  it('a certain Deny removes what it covers', () => {
    expect(summarise(e, 'denied').parameters).toEqual(all(['/app/dev/db/host', '/other/flag']));
  });
  it('a Deny on the parameters does not stop GetParametersByPath on a folder above them (as Parameter Store documents)', () => {
    const s = summarise(e, 'by-path');
    expect(s.parameters).toEqual(all(ALL_PARAMETERS.filter((p) => p !== '/app/prod/api/token')));
    const host = accessOf(e, 'by-path').parameters.find((p) => p.resourceUrn.endsWith('app-prod-db-host'))!;
    expect(host.actions).toEqual(['ssm:GetParametersByPath']);
    expect(host.byPath).toBe('/');
  });
  it('a Deny under a condition not decidable offline: every read conditional, with the condition carried', () => {
    expect(summarise(e, 'maybe-denied').parameters).toEqual(all(WITHOUT_CMK, 'conditional'));
    expect(accessOf(e, 'maybe-denied').parameters[0]!.conditions).toEqual([{ operator: 'NotIpAddress', key: 'aws:SourceIp', values: ['10.0.0.0/8'] }]);
  });
  it('a Deny whose condition is decided from the principal tags', () => {
    expect(summarise(e, 'tag-denied').parameters).toEqual({});
    expect(summarise(e, 'tag-not-denied').parameters).toEqual(all(WITHOUT_CMK));
  });
});

describe('secret resource policies', () => {
  const rp = (principal: unknown, extra: Record<string, unknown> = {}) => doc({ Effect: 'Allow', Principal: principal, Action: 'secretsmanager:GetSecretValue', Resource: '*', ...extra });
  const w = world({
    secretPolicies: {
      'app/prod/api': rp({ AWS: a.role('named') }),
      'app/dev/db': rp({ AWS: a.root }),
    },
  });
  role(w, 'named'); // no identity policy at all
  role(w, 'other'); // no identity policy, not named
  role(w, 'with-identity', { statements: [readSecrets(a.secret('app/dev/*'))] });
  const e = estate(w);

  it('same account, naming the role: readable with no identity policy', () => {
    expect(summarise(e, 'named')).toEqual({ ...NOTHING, secrets: all(['app/prod/api']) });
    expect(accessOf(e, 'named').secretValues[0]!.via.map((v) => v.kind)).toEqual(['aws-managed-key', 'resource-policy']);
  });
  it('naming the account root delegates to IAM: the identity policy decides', () => {
    expect(summarise(e, 'other')).toEqual(NOTHING);
    expect(summarise(e, 'with-identity')).toEqual({ ...NOTHING, secrets: all(['app/dev/db']) });
  });

  it('Principal `*`: every principal of the account, and other accounts if their IAM allows (conditional, key permitting)', () => {
    const w2 = world({ secretPolicies: { 'app/prod/db': rp('*'), 'app/prod/api': rp('*') }, keyPolicy: doc({ Effect: 'Allow', Principal: { AWS: a.root }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } } }) });
    role(w2, 'anyone');
    const e2 = estate(w2);
    expect(summarise(e2, 'anyone')).toEqual({ ...NOTHING, secrets: all(['app/prod/api', 'app/prod/db']), keys: { [KEY]: 'certain secretsmanager' } });
    // `*` outside the account: not the AWS-managed key (another account cannot use it); the CMK through its policy
    expect(summarise(e2, 'external:*')).toEqual({ ...NOTHING, secrets: all(['app/prod/db'], 'conditional'), keys: { [KEY]: 'conditional secretsmanager' } });
  });

  it('an explicit Deny in the resource policy wins over the identity policy', () => {
    const w3 = world({ secretPolicies: { 'app/dev/db': doc({ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { ArnNotEquals: { 'aws:PrincipalArn': a.role('kept') } } }) } });
    role(w3, 'kept', { statements: [readSecrets('*')] });
    role(w3, 'dropped', { statements: [readSecrets('*')] });
    const e3 = estate(w3);
    expect(summarise(e3, 'kept').secrets).toEqual(all(AWS_KEY_SECRETS));
    expect(summarise(e3, 'dropped').secrets).toEqual(all(['app/prod/api']));
  });

  it('a NotPrincipal Deny denies every principal with a permissions boundary, whatever it lists', () => {
    const deny = doc({ Effect: 'Deny', NotPrincipal: { AWS: [a.role('bounded'), a.role('free')] }, Action: 'secretsmanager:GetSecretValue', Resource: '*' });
    const w4 = world({ secretPolicies: { 'app/dev/db': deny } });
    w4.deployed('aws:iam/policy:Policy', 'all-boundary', { name: 'all-boundary', arn: a.policy('all-boundary'), policy: json({ Effect: 'Allow', Action: '*', Resource: '*' }) });
    role(w4, 'bounded', { statements: [readSecrets('*')], extra: { permissionsBoundary: a.policy('all-boundary') } });
    role(w4, 'free', { statements: [readSecrets('*')] });
    const e4 = estate(w4);
    expect(summarise(e4, 'free').secrets).toEqual(all(AWS_KEY_SECRETS));
    expect(summarise(e4, 'bounded').secrets).toEqual(all(['app/prod/api']));
  });
});

describe('cross-account: both sides must allow', () => {
  const crossIdentity = [readSecrets(b.secret('*')), decrypt(b.key(B_KEY_ID)), readParams(b.param('/*'))];
  const build = (secretPolicy: unknown, keyPolicy?: unknown): Estate => {
    const left = world({ stack: 'left', without: ['parameters', 'secrets', 'key'] });
    role(left, 'caller', { statements: crossIdentity });
    role(left, 'bystander'); // no identity policy
    const right = world({ stack: 'right', account: B, ...(secretPolicy !== undefined ? { secretPolicies: { 'app/prod/db': secretPolicy } } : {}), keyPolicy: keyPolicy ?? doc({ Effect: 'Allow', Principal: { AWS: b.root }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: a.root }, Action: 'kms:Decrypt', Resource: '*' }) });
    return estate(left, right);
  };
  const namesCaller = doc({ Effect: 'Allow', Principal: { AWS: a.role('caller') }, Action: 'secretsmanager:GetSecretValue', Resource: '*' });

  it('a secret in account B without a resource policy: no access from account A', () => {
    expect(summarise(build(undefined), 'caller')).toEqual({ ...NOTHING, keys: { [KEY]: 'certain direct' } });
  });
  it("B's secret policy naming A's role, and A's identity policy: access (the key policy names A's root)", () => {
    const e = build(namesCaller);
    expect(summarise(e, 'caller')).toEqual({ ...NOTHING, secrets: all(['app/prod/db']), keys: { [KEY]: 'certain direct+secretsmanager' } });
    // named by the policy, but no identity policy in its own account
    expect(summarise(e, 'bystander')).toEqual(NOTHING);
  });
  it("B's secret policy naming A's account root: A's IAM decides", () => {
    const e = build(doc({ Effect: 'Allow', Principal: { AWS: A }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }));
    expect(summarise(e, 'caller').secrets).toEqual(all(['app/prod/db']));
    expect(summarise(e, 'bystander').secrets).toEqual({});
    expect(summarise(e, `external:account:${A}`)).toEqual({ ...NOTHING, secrets: all(['app/prod/db'], 'conditional'), keys: { [KEY]: 'conditional direct+secretsmanager' } });
  });
  it("the key's side: B's key policy not naming A, no access to the secret", () => {
    const e = build(namesCaller, doc({ Effect: 'Allow', Principal: { AWS: b.root }, Action: 'kms:*', Resource: '*' }));
    expect(summarise(e, 'caller')).toEqual(NOTHING);
    expect(accessOf(e, 'caller').notes).toContain('can call GetSecretValue on secrets whose key it cannot decrypt with (not counted as reads)');
  });
});

describe('KMS key policies', () => {
  it('the default key policy (the account root) delegates to IAM', () => {
    const w = world();
    role(w, 'decryptor', { statements: [decrypt()] });
    role(w, 'nobody');
    const e = estate(w);
    expect(summarise(e, 'decryptor')).toEqual({ ...NOTHING, keys: { [KEY]: 'certain direct' } });
    expect(summarise(e, 'nobody')).toEqual(NOTHING);
  });

  it('a key policy naming the role allows it with no identity policy; without the root, identity policies alone are not enough', () => {
    const w = world({ keyPolicy: doc({ Effect: 'Allow', Principal: { AWS: a.role('named') }, Action: 'kms:Decrypt', Resource: '*' }) });
    role(w, 'named');
    role(w, 'identity-only', { statements: [decrypt('*'), readSecrets('*')] });
    const e = estate(w);
    expect(summarise(e, 'named')).toEqual({ ...NOTHING, keys: { [KEY]: 'certain direct' } });
    expect(summarise(e, 'identity-only')).toEqual({ ...NOTHING, secrets: all(AWS_KEY_SECRETS) });
  });

  it('kms:ViaService and kms:CallerAccount in the key policy', () => {
    const w = world({
      keyPolicy: doc(
        { Effect: 'Allow', Principal: { AWS: a.role('via-sm') }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } } },
        { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': B, 'kms:ViaService': `ssm.${REGION}.amazonaws.com` } } },
      ),
    });
    role(w, 'via-sm', { statements: [readSecrets('*'), readParams('*')] });
    const e = estate(w);
    expect(summarise(e, 'via-sm')).toEqual({ ...NOTHING, parameters: all(WITHOUT_CMK), secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain secretsmanager' } });
  });
});

describe('KMS grants', () => {
  const grant = (name: string, grantee: string, extra: Record<string, unknown> = {}) => ({ name, keyId: KEY_ID, granteePrincipal: grantee, operations: ['Decrypt'], ...extra });
  const w = world();
  role(w, 'plain');
  role(w, 'ec-sm', { statements: [readSecrets('*')] });
  role(w, 'ec-equals', { statements: [readSecrets('*')] });
  role(w, 'ec-other', { statements: [readSecrets('*')] });
  role(w, 'ec-param', { statements: [readParams('*')] });
  role(w, 'encrypt-only');
  w.deployed('aws:kms/grant:Grant', 'g-plain', grant('plain', a.role('plain')));
  w.deployed('aws:kms/grant:Grant', 'g-subset', grant('subset', a.role('ec-sm'), { constraints: [{ encryptionContextSubset: { SecretARN: a.secret('app/prod/db') } }] }));
  // Secrets Manager's encryption context also holds SecretVersionId: an Equals constraint on SecretARN alone never matches it.
  w.deployed('aws:kms/grant:Grant', 'g-equals', grant('equals', a.role('ec-equals'), { constraints: [{ encryptionContextEquals: { SecretARN: a.secret('app/prod/db') } }] }));
  w.deployed('aws:kms/grant:Grant', 'g-other', grant('other', a.role('ec-other'), { constraints: [{ encryptionContextSubset: { SecretARN: a.secret('app/dev/db') } }] }));
  // Parameter Store's encryption context is exactly PARAMETER_ARN: Equals matches.
  w.deployed('aws:kms/grant:Grant', 'g-param', grant('param', a.role('ec-param'), { constraints: [{ encryptionContextEquals: { PARAMETER_ARN: a.param('/app/prod/api/token') } }] }));
  w.deployed('aws:kms/grant:Grant', 'g-encrypt', { ...grant('encrypt', a.role('encrypt-only')), operations: ['Encrypt', 'GenerateDataKey'] });
  const e = estate(w);

  it('a Decrypt grant to the role ARN: decrypts directly, with no policy at all', () => {
    expect(summarise(e, 'plain')).toEqual({ ...NOTHING, keys: { [KEY]: 'certain direct' } });
    expect(accessOf(e, 'plain').keys[0]!.via).toEqual([{ kind: 'grant', ref: e.keys[0]!.grants.find((g) => g.name === 'plain')!.urn, name: `grant plain on ${KEY}` }]);
  });
  it('encryptionContextSubset on SecretARN: the secret through Secrets Manager (certain), a direct decrypt only conditionally', () => {
    expect(summarise(e, 'ec-sm')).toEqual({ ...NOTHING, secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain direct+secretsmanager' } });
    expect(accessOf(e, 'ec-sm').keys[0]!.paths).toEqual(['direct', 'secretsmanager']);
  });
  it('encryptionContextEquals on SecretARN alone: never the secret (its context has SecretVersionId too)', () => {
    expect(summarise(e, 'ec-equals')).toEqual({ ...NOTHING, secrets: all(AWS_KEY_SECRETS), keys: { [KEY]: 'conditional direct' } });
  });
  it("a constraint naming another secret's ARN", () => {
    expect(summarise(e, 'ec-other')).toEqual({ ...NOTHING, secrets: all(AWS_KEY_SECRETS), keys: { [KEY]: 'conditional direct' } });
  });
  it('encryptionContextEquals on PARAMETER_ARN: the SecureString through Parameter Store', () => {
    expect(summarise(e, 'ec-param')).toEqual({ ...NOTHING, parameters: all(ALL_PARAMETERS), keys: { [KEY]: 'certain direct+ssm' } });
  });
  it('a grant without Decrypt gives no read', () => {
    expect(summarise(e, 'encrypt-only')).toEqual(NOTHING);
  });
});

describe('conditions decided from the request and the estate', () => {
  it('aws:PrincipalArn, aws:ResourceAccount', () => {
    const w = world();
    const shared = a.policy('shared');
    w.deployed('aws:iam/policy:Policy', 'shared', { name: 'shared', arn: shared, policy: json({ ...readParams('*'), Condition: { ArnLike: { 'aws:PrincipalArn': a.role('app-*') } } }) });
    for (const n of ['app-one', 'ops-two']) role(w, n, { extra: { managedPolicyArns: [shared] } });
    role(w, 'same-account', { statements: [{ ...readSecrets('*'), Condition: { StringEquals: { 'aws:ResourceAccount': A } } }] });
    role(w, 'other-account', { statements: [{ ...readSecrets('*'), Condition: { StringEquals: { 'aws:ResourceAccount': B } } }] });
    const e = estate(w);
    expect(summarise(e, 'app-one').parameters).toEqual(all(WITHOUT_CMK));
    expect(summarise(e, 'ops-two').parameters).toEqual({});
    expect(summarise(e, 'same-account').secrets).toEqual(all(AWS_KEY_SECRETS));
    expect(summarise(e, 'other-account').secrets).toEqual({});
  });

  it('ABAC: aws:ResourceTag against ${aws:PrincipalTag/...}; an untagged principal matches nothing', () => {
    const w = world({ tags: { '/app/prod/db/host': { team: 'db' }, '/other/flag': { team: 'web' }, 'app/prod/api': { team: 'db' } } });
    const abac = a.policy('abac');
    w.deployed('aws:iam/policy:Policy', 'abac', {
      name: 'abac',
      arn: abac,
      policy: json({ Effect: 'Allow', Action: ['ssm:GetParameter', 'secretsmanager:GetSecretValue'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } }),
    });
    role(w, 'db-team', { extra: { managedPolicyArns: [abac], tags: { team: 'db' } } });
    role(w, 'web-team', { extra: { managedPolicyArns: [abac], tags: { team: 'web' } } });
    role(w, 'untagged', { extra: { managedPolicyArns: [abac] } });
    const e = estate(w);
    expect(summarise(e, 'db-team')).toEqual({ ...NOTHING, parameters: all(['/app/prod/db/host']), secrets: all(['app/prod/api']) });
    expect(summarise(e, 'web-team')).toEqual({ ...NOTHING, parameters: all(['/other/flag']) });
    expect(summarise(e, 'untagged')).toEqual(NOTHING);
  });

  it('kms:EncryptionContext:SecretARN and kms:EncryptionContextKeys for Secrets Manager; PARAMETER_ARN for Parameter Store', () => {
    const w = world();
    role(w, 'one-secret', { statements: [readSecrets('*'), { ...decrypt(), Condition: { StringEquals: { 'kms:EncryptionContext:SecretARN': a.secret('app/prod/db') } } }] });
    role(w, 'wrong-secret', { statements: [readSecrets('*'), { ...decrypt(), Condition: { StringLike: { 'kms:EncryptionContext:SecretARN': a.secret('app/dev/*') } } }] });
    role(w, 'keys-only', { statements: [readSecrets('*'), readParams('*'), { ...decrypt(), Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['SecretARN', 'SecretVersionId'] }, Null: { 'kms:EncryptionContextKeys': 'false' } } }] });
    role(w, 'param-ec', { statements: [readParams('*'), { ...decrypt(), Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': a.param('/app/prod/*') } } }] });
    const e = estate(w);
    // direct decrypts carry an encryption context the caller chooses: conditional
    expect(summarise(e, 'one-secret')).toEqual({ ...NOTHING, secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain direct+secretsmanager' } });
    expect(accessOf(e, 'one-secret').keys[0]!.conditions.map((c) => c.key)).toEqual(['kms:EncryptionContext:SecretARN']);
    expect(summarise(e, 'wrong-secret')).toEqual({ ...NOTHING, secrets: all(AWS_KEY_SECRETS), keys: { [KEY]: 'conditional direct' } });
    expect(summarise(e, 'keys-only')).toEqual({ ...NOTHING, parameters: all(WITHOUT_CMK), secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain direct+secretsmanager' } });
    expect(summarise(e, 'param-ec')).toEqual({ ...NOTHING, parameters: all(ALL_PARAMETERS), keys: { [KEY]: 'certain direct+ssm' } });
  });

  it("${aws:username} in a Resource: the user's own path; a role session has no aws:username, so it matches nothing", () => {
    const w = world();
    for (const n of ['alice', 'svc']) w.deployed('aws:ssm/parameter:Parameter', `home-${n}`, { name: `/home/${n}`, arn: a.param(`/home/${n}`), type: 'String' });
    const home = a.policy('home');
    w.deployed('aws:iam/policy:Policy', 'home', { name: 'home', arn: home, policy: json(readParams(a.param('/home/${aws:username}'))) });
    w.deployed('aws:iam/user:User', 'alice', { name: 'alice', arn: a.user('alice') });
    w.deployed('aws:iam/userPolicyAttachment:UserPolicyAttachment', 'alice-home', { user: 'alice', policyArn: home });
    role(w, 'svc', { extra: { managedPolicyArns: [home] } });
    const e = estate(w);
    expect(summarise(e, 'alice').parameters).toEqual(all(['/home/alice']));
    expect(summarise(e, 'svc').parameters).toEqual({});
  });

  it('a condition not decidable offline (aws:SourceIp) is carried: conditional, never guessed', () => {
    const w = world();
    role(w, 'office', { statements: [{ ...readParams(a.param('/other/*')), Condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } }] });
    const e = estate(w);
    expect(summarise(e, 'office')).toEqual({ ...NOTHING, parameters: { '/other/flag': 'conditional' } });
    expect(accessOf(e, 'office').parameters[0]!.conditions).toEqual([{ operator: 'IpAddress', key: 'aws:SourceIp', values: ['192.0.2.0/24'] }]);
  });
});

describe('aws-native resources (Cloud Control property names)', () => {
  const w = world({ without: ['key', 'secrets'] });
  w.deployed('aws-native:kms:Key', 'native-key', { keyId: KEY_ID, arn: a.key(KEY_ID), keyPolicy: doc({ Effect: 'Allow', Principal: { AWS: a.root }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: a.role('native-role') }, Action: 'kms:Decrypt', Resource: '*' }) }, { id: KEY_ID });
  w.deployed('aws-native:kms:Alias', 'native-alias', { aliasName: 'alias/app-key', targetKeyId: KEY_ID });
  const secretArnValue = a.secret('native/secret');
  w.deployed('aws-native:secretsmanager:Secret', 'native-secret', { name: 'native/secret', kmsKeyId: a.key(KEY_ID), awsId: secretArnValue }, { id: secretArnValue });
  w.deployed('aws-native:secretsmanager:ResourcePolicy', 'native-rp', { secretId: secretArnValue, resourcePolicy: doc({ Effect: 'Allow', Principal: { AWS: a.role('native-user-role') }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }) });
  w.deployed('aws:iam/policy:Policy', 'native-boundary', { name: 'native-boundary', arn: a.policy('native-boundary'), policy: json({ Effect: 'Allow', Action: ['ssm:GetParameter', 'secretsmanager:GetSecretValue', 'kms:Decrypt'], Resource: '*' }) });
  w.deployed('aws-native:iam:Role', 'native-role', {
    roleName: 'native-role',
    arn: a.role('native-role'),
    assumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    policies: [{ policyName: 'native-inline', policyDocument: doc(readSecrets('*'), readParams(a.param('/app/prod/*'), ['ssm:GetParameter', 'ssm:GetParametersByPath'])) }],
    managedPolicyArns: [MANAGED('AmazonSSMManagedInstanceCore')],
    permissionsBoundary: a.policy('native-boundary'),
  });
  w.deployed('aws-native:iam:Role', 'native-user-role', { roleName: 'native-user-role', arn: a.role('native-user-role'), assumeRolePolicyDocument: doc() });
  w.deployed('aws-native:iam:ManagedPolicy', 'native-managed', { managedPolicyName: 'native-managed', policyArn: a.policy('native-managed'), policyDocument: doc(readParams(a.param('/other/*'))), roles: ['native-user-role'] });
  const e = estate(w);

  it('aws-native:iam:Role policies, managedPolicyArns and permissionsBoundary; aws-native:kms:Key keyPolicy', () => {
    // The boundary allows GetParameter (not GetParametersByPath): every parameter GetParameter reaches, the CMK one by the key policy.
    expect(summarise(e, 'native-role')).toEqual({ ...NOTHING, parameters: all(ALL_PARAMETERS), secrets: all(['native/secret']), keys: { [KEY]: 'certain direct+secretsmanager+ssm' } });
    expect(e.roles.find((r) => r.name === 'native-role')!.boundary).toEqual({ arn: a.policy('native-boundary'), policyUrn: e.policies.find((p) => p.name === 'native-boundary')!.urn });
  });
  it('aws-native:iam:ManagedPolicy roles, aws-native:secretsmanager:Secret + ResourcePolicy', () => {
    // named by the secret's policy, but the key policy does not name it (nor IAM decrypt): no value
    expect(summarise(e, 'native-user-role')).toEqual({ ...NOTHING, parameters: all(['/other/flag']) });
    expect(e.secrets[0]!.policyUrn).toBe(e.secrets[0]!.urn.replace('aws-native:secretsmanager:Secret::native-secret', 'aws-native:secretsmanager:ResourcePolicy::native-rp'));
  });
});
