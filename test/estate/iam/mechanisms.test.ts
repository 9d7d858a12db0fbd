/**
 * Every way access is granted, through the real builder (rows -> buildGraph -> buildEstate), with
 * the exact per-principal result: which parameter values, secret values and keys each principal
 * reads, how sure, and (for a few) through what. The estates are in ./fixtures.ts (the differential
 * test runs the simulator over them too); the world (./world.ts) has five parameters (String,
 * SecureString under aws/ssm, SecureString under the CMK alias/app-key), three secrets (one under
 * the CMK, two under aws/secretsmanager) and the CMK.
 */
import { describe, expect, it } from 'vitest';
import * as FIXTURES from './fixtures.ts';
import { AWS_KEY_SECRETS, KEY, MANAGED, NOTHING, WITHOUT_CMK, a } from './fixtures.ts';
import { A, accessOf, all, summarise, ALL_PARAMETERS, ALL_SECRETS } from './world.ts';
import { ACCOUNT, allow, deny, EstateFixture, OTHER_ACCOUNT } from '../../fixtures/estates.ts';
import { Store } from '../../../diagrams/estate/store.ts';

describe('AWS-managed policies (evaluated from the snapshot)', () => {
  const e = FIXTURES.managedPolicies();

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
  const e = FIXTURES.inlinePolicies();

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
  const e = FIXTURES.attachments();

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
  const e = FIXTURES.boundaries();

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
  const e = FIXTURES.denies();

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
  const e = FIXTURES.secretPolicies();

  it('same account, naming the role: readable with no identity policy', () => {
    expect(summarise(e, 'named')).toEqual({ ...NOTHING, secrets: all(['app/prod/api']) });
    expect(accessOf(e, 'named').secretValues[0]!.via.map((v) => v.kind)).toEqual(['aws-managed-key', 'resource-policy']);
  });
  it('naming the account root delegates to IAM: the identity policy decides', () => {
    expect(summarise(e, 'other')).toEqual(NOTHING);
    expect(summarise(e, 'with-identity')).toEqual({ ...NOTHING, secrets: all(['app/dev/db']) });
  });

  it('Principal `*`: every principal of the account, and other accounts if their IAM allows (conditional, key permitting)', () => {
    const e2 = FIXTURES.secretStar();
    expect(summarise(e2, 'anyone')).toEqual({ ...NOTHING, secrets: all(['app/prod/api', 'app/prod/db']), keys: { [KEY]: 'certain secretsmanager' } });
    // `*` outside the account: not the AWS-managed key (another account cannot use it); the CMK through its policy
    expect(summarise(e2, 'external:*')).toEqual({ ...NOTHING, secrets: all(['app/prod/db'], 'conditional'), keys: { [KEY]: 'conditional secretsmanager' } });
  });

  it('an explicit Deny in the resource policy wins over the identity policy', () => {
    const e3 = FIXTURES.secretDeny();
    expect(summarise(e3, 'kept').secrets).toEqual(all(AWS_KEY_SECRETS));
    expect(summarise(e3, 'dropped').secrets).toEqual(all(['app/prod/api']));
  });

  it('a NotPrincipal Deny denies every principal with a permissions boundary, whatever it lists', () => {
    const e4 = FIXTURES.secretNotPrincipal();
    // Listed by its role ARN alone (not its account, not its session): not exempt.
    expect(summarise(e4, 'free').secrets).toEqual(all(['app/prod/api']));
    expect(summarise(e4, 'bounded').secrets).toEqual(all(['app/prod/api']));
  });

  it('a NotPrincipal Deny exempts a user listed with its account, a role listed with its account and a session only maybe, and nobody listed in part', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const alice = s.user('alice');
    const bob = s.user('bob');
    const app = s.role('app', { trust: 'ec2' });
    const account = alice.arn.split(':')[4]!;
    const root = `arn:aws:iam::${account}:root`;
    const denyAllBut = (...names: string[]) => [{ Effect: 'Deny', NotPrincipal: { AWS: names }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }];
    s.secret('pay/user-and-account', { policy: denyAllBut(alice.arn, root) });
    s.secret('pay/user-only', { policy: denyAllBut(alice.arn) });
    s.secret('pay/role-account-session', { policy: denyAllBut(app.arn, root, `arn:aws:sts::${account}:assumed-role/app/batch`) });
    s.secret('pay/account-only', { policy: denyAllBut(root) });
    for (const p of [alice, bob]) s.policy(`${p.name}-read`, [allow('secretsmanager:GetSecretValue', '*')], { users: [p] });
    s.policy('app-read', [allow('secretsmanager:GetSecretValue', '*')], { roles: [app] });
    const e = f.estate();
    const reads = (urn: string) => Object.fromEntries(e.access.find((a) => a.principal === urn)!.secretValues.map((x) => [e.secrets.find((z) => z.urn === x.resourceUrn)!.name, x.certainty]));
    expect(reads(alice.urn)).toEqual({ 'pay/user-and-account': 'certain' });
    expect(reads(bob.urn)).toEqual({});
    expect(reads(app.urn)).toEqual({ 'pay/role-account-session': 'unknown' });
  });
});

describe('cross-account: both sides must allow', () => {
  it('a secret in account B without a resource policy: no access from account A', () => {
    expect(summarise(FIXTURES.crossAccount('none'), 'caller')).toEqual({ ...NOTHING, keys: { [KEY]: 'certain direct' } });
  });
  it("B's secret policy naming A's role, and A's identity policy: access (the key policy names A's root)", () => {
    const e = FIXTURES.crossAccount('names-role');
    expect(summarise(e, 'caller')).toEqual({ ...NOTHING, secrets: all(['app/prod/db']), keys: { [KEY]: 'certain direct+secretsmanager' } });
    // named by the policy, but no identity policy in its own account
    expect(summarise(e, 'bystander')).toEqual(NOTHING);
  });
  it("B's secret policy naming A's account root: A's IAM decides", () => {
    const e = FIXTURES.crossAccount('names-account');
    expect(summarise(e, 'caller').secrets).toEqual(all(['app/prod/db']));
    expect(summarise(e, 'bystander').secrets).toEqual({});
    expect(summarise(e, `external:account:${A}`)).toEqual({ ...NOTHING, secrets: all(['app/prod/db'], 'conditional'), keys: { [KEY]: 'conditional direct+secretsmanager' } });
  });
  it("the key's side: B's key policy not naming A, no access to the secret", () => {
    const e = FIXTURES.crossAccount('key-not-shared');
    expect(summarise(e, 'caller')).toEqual(NOTHING);
    expect(accessOf(e, 'caller').notes).toContain('can call GetSecretValue on secrets whose key it cannot decrypt with (not counted as reads)');
  });
});

describe('KMS key policies', () => {
  it('the default key policy (the account root) delegates to IAM', () => {
    const e = FIXTURES.keyDefault();
    expect(summarise(e, 'decryptor')).toEqual({ ...NOTHING, keys: { [KEY]: 'certain direct' } });
    expect(summarise(e, 'nobody')).toEqual(NOTHING);
  });

  it('a key policy naming the role allows it with no identity policy; without the root, identity policies alone are not enough', () => {
    const e = FIXTURES.keyNamed();
    expect(summarise(e, 'named')).toEqual({ ...NOTHING, keys: { [KEY]: 'certain direct' } });
    expect(summarise(e, 'identity-only')).toEqual({ ...NOTHING, secrets: all(AWS_KEY_SECRETS) });
  });

  it('kms:ViaService and kms:CallerAccount in the key policy', () => {
    const e = FIXTURES.keyConditions();
    expect(summarise(e, 'via-sm')).toEqual({ ...NOTHING, parameters: all(WITHOUT_CMK), secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain secretsmanager' } });
  });
});

describe('KMS grants', () => {
  const e = FIXTURES.grants();

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
    const e = FIXTURES.conditionArns();
    expect(summarise(e, 'app-one').parameters).toEqual(all(WITHOUT_CMK));
    expect(summarise(e, 'ops-two').parameters).toEqual({});
    expect(summarise(e, 'same-account').secrets).toEqual(all(AWS_KEY_SECRETS));
    expect(summarise(e, 'other-account').secrets).toEqual({});
  });

  it('ABAC: aws:ResourceTag against ${aws:PrincipalTag/...}; an untagged principal matches nothing', () => {
    const e = FIXTURES.abac();
    expect(summarise(e, 'db-team')).toEqual({ ...NOTHING, parameters: all(['/app/prod/db/host']), secrets: all(['app/prod/api']) });
    expect(summarise(e, 'web-team')).toEqual({ ...NOTHING, parameters: all(['/other/flag']) });
    expect(summarise(e, 'untagged')).toEqual(NOTHING);
  });

  it('kms:EncryptionContext:SecretARN and kms:EncryptionContextKeys for Secrets Manager; PARAMETER_ARN for Parameter Store', () => {
    const e = FIXTURES.encryptionContext();
    // direct decrypts carry an encryption context the caller chooses: conditional
    expect(summarise(e, 'one-secret')).toEqual({ ...NOTHING, secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain direct+secretsmanager' } });
    expect(accessOf(e, 'one-secret').keys[0]!.conditions.map((c) => c.key)).toEqual(['kms:EncryptionContext:SecretARN']);
    expect(summarise(e, 'wrong-secret')).toEqual({ ...NOTHING, secrets: all(AWS_KEY_SECRETS), keys: { [KEY]: 'conditional direct' } });
    expect(summarise(e, 'keys-only')).toEqual({ ...NOTHING, parameters: all(WITHOUT_CMK), secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain direct+secretsmanager' } });
    expect(summarise(e, 'param-ec')).toEqual({ ...NOTHING, parameters: all(ALL_PARAMETERS), keys: { [KEY]: 'certain direct+ssm' } });
  });

  it("${aws:username} in a Resource: the user's own path; a role session has no aws:username, so it matches nothing", () => {
    const e = FIXTURES.username();
    expect(summarise(e, 'alice').parameters).toEqual(all(['/home/alice']));
    expect(summarise(e, 'svc').parameters).toEqual({});
  });

  it("a service's decrypt sends a known encryption context: a pair it lacks is absent, not unknown", () => {
    const e = FIXTURES.encryptionContextAbsent();
    expect(summarise(e, 's3-only')).toEqual({ ...NOTHING, parameters: all(WITHOUT_CMK), secrets: all(AWS_KEY_SECRETS), keys: { [KEY]: 'conditional direct' } });
  });

  it('an empty account field in a Resource ARN (the public parameters) matches no parameter of an account', () => {
    const e = FIXTURES.emptyAccount();
    expect(summarise(e, 'public')).toEqual(NOTHING);
    expect(summarise(e, 'any-account').parameters).toEqual(all(['/app/dev/db/host', '/app/prod/db/host', '/app/prod/db/password']));
  });

  it('a kms: key is absent from a GetParameter or GetSecretValue request (ForAllValues over nothing holds)', () => {
    const e = FIXTURES.otherServiceKeys();
    expect(summarise(e, 'for-all')).toEqual({ ...NOTHING, parameters: all(WITHOUT_CMK), secrets: all(ALL_SECRETS), keys: { [KEY]: 'certain direct+secretsmanager' } });
  });

  it('a condition not decidable offline (aws:SourceIp) is carried: conditional, never guessed', () => {
    const e = FIXTURES.sourceIp();
    expect(summarise(e, 'office')).toEqual({ ...NOTHING, parameters: { '/other/flag': 'conditional' } });
    expect(accessOf(e, 'office').parameters[0]!.conditions).toEqual([{ operator: 'IpAddress', key: 'aws:SourceIp', values: ['192.0.2.0/24'] }]);
  });
});

describe('aws-native resources (Cloud Control property names)', () => {
  const e = FIXTURES.awsNative();

  it('aws-native:iam:Role policies, managedPolicyArns and permissionsBoundary; aws-native:kms:Key keyPolicy', () => {
    // The boundary allows GetParameter (not GetParametersByPath): every parameter GetParameter reaches, the CMK one by the key policy.
    expect(summarise(e, 'native-role')).toEqual({ ...NOTHING, parameters: all(ALL_PARAMETERS), secrets: all(['native/secret']), keys: { [KEY]: 'certain direct+secretsmanager+ssm' } });
    expect(e.roles.find((r) => r.name === 'native-role')!.boundary).toEqual({ arn: a.policy('native-boundary'), policyUrn: e.policies.find((p) => p.name === 'native-boundary')!.urn });
  });
  it('aws-native:iam:ManagedPolicy roles, aws-native:secretsmanager:Secret + ResourcePolicy', () => {
    // named by the secret's policy, but the key policy does not name it (nor IAM decrypt): no value
    expect(summarise(e, 'native-user-role')).toEqual({ ...NOTHING, parameters: all(['/app/dev/db/host', '/other/flag']) });
    expect(e.secrets[0]!.policy?.statements[0]!.principals).toEqual({ AWS: [a.role('native-user-role')] });
    expect(e.secrets[0]!.policyUrn).toBe(e.secrets[0]!.urn.replace('aws-native:secretsmanager:Secret::native-secret', 'aws-native:secretsmanager:ResourcePolicy::native-rp'));
  });
  it('aws-native:iam:Group policies and managedPolicyArns, User.groups, UserPolicy, GroupPolicy, RolePolicy, ManagedPolicy users and groups', () => {
    // the group: its inline policy, GroupPolicy, AWSSecretsManagerClientReadOnlyAccess and native-managed-2 (the password, decrypted by aws/ssm)
    const group = { ...NOTHING, parameters: all(['/app/dev/db/host', '/app/prod/db/password', '/other/flag']), secrets: all(['native/secret']), keys: { [KEY]: 'certain secretsmanager' } };
    expect(summarise(e, 'native-group')).toEqual(group);
    expect(summarise(e, 'native-user')).toEqual(group);
    expect(summarise(e, 'native-loner')).toEqual({ ...NOTHING, parameters: all(['/app/prod/db/host', '/app/prod/db/password']) });
  });
});

describe('full administrator', () => {
  it('is not said of a principal whose identity policies also deny something', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    const admin = s.role('admin', { managed: ['arn:aws:iam::aws:policy/AdministratorAccess'] });
    const fenced = s.role('fenced', { managed: ['arn:aws:iam::aws:policy/AdministratorAccess'], inline: { fence: [deny('secretsmanager:*', '*')] } });
    const e = f.estate();
    const store = Store.of(e);
    expect([store.accessOf(admin.urn).admin, store.accessOf(fenced.urn).admin]).toEqual([true, false]);
  });
});

describe('IAM rules an adversarial review found misread', () => {
  /** `name -> certainty` of a principal's parameter reads and secret reads. */
  const reads = (e: ReturnType<EstateFixture['estate']>, urn: string) => {
    const a = e.access.find((x) => x.principal === urn)!;
    const name = (u: string) => e.parameters.find((p) => p.urn === u)?.path ?? e.secrets.find((s) => s.urn === u)!.name;
    return Object.fromEntries([...a.parameters, ...a.secretValues].map((x) => [name(x.resourceUrn), x.certainty]));
  };

  it('a decrypt with an AWS-managed key is judged by the key, which has no tags, not by the parameter or secret', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.parameter('/pay/prod/db/pw', { type: 'SecureString', tags: { env: 'prod', owner: 'pay' } });
    s.secret('pay/db', { tags: { env: 'prod', owner: 'pay' } });
    const byEnv = s.role('by-env');
    s.policy('p', [allow(['ssm:GetParameter', 'secretsmanager:GetSecretValue'], '*'), deny('kms:Decrypt', '*', { Condition: { StringEquals: { 'aws:ResourceTag/env': 'prod' } } })], { roles: [byEnv] });
    const untagged = s.role('untagged');
    s.policy('p2', [allow(['ssm:GetParameter', 'secretsmanager:GetSecretValue'], '*'), deny('kms:Decrypt', '*', { Condition: { Null: { 'aws:ResourceTag/owner': 'true' } } })], { roles: [untagged] });
    const e = f.estate();
    expect(reads(e, byEnv.urn)).toEqual({ '/pay/prod/db/pw': 'certain', 'pay/db': 'certain' });
    expect(reads(e, untagged.urn)).toEqual({});
  });

  it('policy variables only in a 2012-10-17 document: elsewhere ${aws:username} is text', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.parameter('/home/alice/token');
    const alice = s.user('alice');
    const bob = s.user('bob');
    const home = (version?: string) => JSON.stringify({ ...(version ? { Version: version } : {}), Statement: [allow('ssm:GetParameter', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/home/\${aws:username}/*`)] });
    s.policy('unversioned', home(), { users: [alice] });
    s.policy('old', home('2008-10-17'), { users: [bob] });
    const e = f.estate();
    expect(reads(e, alice.urn)).toEqual({});
    expect(reads(e, bob.urn)).toEqual({});
    // The same path for a 2012-10-17 policy naming alice: read.
    const g = new EstateFixture('pay');
    const t = g.stack('prod');
    t.parameter('/home/alice/token');
    const a2 = t.user('alice');
    t.policy('current', JSON.stringify({ Version: '2012-10-17', Statement: [allow('ssm:GetParameter', `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/home/\${aws:username}/*`)] }), { users: [a2] });
    expect(reads(g.estate(), a2.urn)).toEqual({ '/home/alice/token': 'certain' });
  });

  it('ArnEquals and ArnLike match each of the six ARN fields apart, with wildcards; fewer fields match nothing', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const api = s.role('pay-prod-api');
    const worker = s.role('pay-prod-worker');
    s.secret('pay/db', { policy: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/pay-prod-*` } } }] });
    const guarded = s.secret('pay/api', { policy: [{ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { ArnNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/pay-prod-api*` } } }] });
    s.secret('pay/short', { policy: [{ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*' } } }] });
    s.policy('p', [allow('secretsmanager:GetSecretValue', [guarded.arn])], { roles: [api, worker] });
    const e = f.estate();
    expect(reads(e, api.urn)).toEqual({ 'pay/api': 'certain', 'pay/db': 'certain' });
    expect(reads(e, worker.urn)).toEqual({ 'pay/db': 'certain' });
  });

  it('GetParametersByPath is a request on the path: a condition on resource tags is carried, whichever parameter comes first', () => {
    for (const first of ['a', 'b']) {
      const f = new EstateFixture('pay');
      const s = f.stack('prod');
      for (const n of first === 'a' ? ['a', 'b'] : ['b', 'a']) s.parameter(`/app/x/${n}`, { tags: { team: n === first ? 'pay' : 'other' } });
      const r = s.role('reader');
      s.policy('p', [allow('ssm:GetParametersByPath', [s.paramArn('/app/x')], { Condition: { StringEquals: { 'aws:ResourceTag/team': 'pay' } } })], { roles: [r] });
      expect(reads(f.estate(), r.urn)).toEqual({ '/app/x/a': 'conditional', '/app/x/b': 'conditional' });
    }
  });

  it('a grant\'s EncryptionContextEquals compares the context keys without case (PARAMETER_ARN = parameter_arn)', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const k = s.key('pay-key');
    const p = s.parameter('/pay/prod/db/pw', { type: 'SecureString', key: k });
    const r = s.role('pay-prod-api');
    s.policy('p', [allow('ssm:GetParameter', [p.arn])], { roles: [r] });
    s.grant(k, 'g-lower', r.arn, ['Decrypt'], [{ encryptionContextEquals: { parameter_arn: p.arn } }]);
    expect(reads(f.estate(), r.urn)).toEqual({ '/pay/prod/db/pw': 'certain' });
  });

  it('aws:ViaAWSService is true in the decrypt a service makes for the principal, false in a direct decrypt; the first request is not known', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const root = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' };
    const k = s.key('pay-key', { policy: [root, { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { Bool: { 'aws:ViaAWSService': 'false' } } }] });
    const p = s.parameter('/pay/prod/db/pw', { type: 'SecureString', key: k });
    const sec = s.secret('pay/db', { key: k });
    const r = s.role('pay-prod-api');
    s.policy('p', [allow(['ssm:GetParameter', 'secretsmanager:GetSecretValue'], [p.arn, sec.arn]), allow('kms:Decrypt', [k.arn])], { roles: [r] });
    // A GetSecretValue that must come through a service: carried, not decided either way.
    const via = s.role('via-only');
    s.policy('v', [allow('ssm:GetParameter', [p.arn], { Condition: { Bool: { 'aws:ViaAWSService': 'true' } } }), allow('kms:Decrypt', [k.arn])], { roles: [via] });
    const e = f.estate();
    expect(reads(e, r.urn)).toEqual({ '/pay/prod/db/pw': 'certain', 'pay/db': 'certain' });
    const keyUse = e.access.find((x) => x.principal === r.urn)!.keys.find((x) => x.resourceUrn === k.urn)!;
    expect(keyUse.certainty).toBe('certain');
    expect(keyUse.paths).toEqual(['secretsmanager', 'ssm']);
    expect(reads(e, via.urn)).toEqual({ '/pay/prod/db/pw': 'conditional' });
  });

  it('aws:PrincipalIsAWSService is false for an IAM role or user: a data-perimeter Deny is decided, not carried', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const api = s.role('pay-prod-api');
    const other = s.role('other');
    s.secret('pay/db', { policy: [{ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { Bool: { 'aws:PrincipalIsAWSService': 'false' }, ArnNotEquals: { 'aws:PrincipalArn': api.arn } } }] });
    s.policy('p', [allow('secretsmanager:GetSecretValue', '*')], { roles: [api, other] });
    const e = f.estate();
    expect(reads(e, api.urn)).toEqual({ 'pay/db': 'certain' });
    expect(reads(e, other.urn)).toEqual({});
  });

  it('a policy variable with no value: StringNotEquals holds against it, a NotResource with it excludes nothing', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.secret('pay/db', { tags: { Team: 'pay' } });
    const abac = [allow('secretsmanager:GetSecretValue', '*'), deny('secretsmanager:GetSecretValue', '*', { Condition: { StringNotEquals: { 'aws:ResourceTag/Team': '${aws:PrincipalTag/Team}' } } })];
    const untagged = s.role('untagged', { inline: { p: abac } });
    const payTeam = s.role('pay-team', { tags: { Team: 'pay' }, inline: { p: abac } });
    const notRes = [allow('secretsmanager:GetSecretValue', '*'), { Effect: 'Deny', Action: 'secretsmanager:GetSecretValue', NotResource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:\${aws:PrincipalTag/team}/*` }];
    const untaggedNr = s.role('untagged-nr', { inline: { p: notRes } });
    const payNr = s.role('pay-nr', { tags: { team: 'pay' }, inline: { p: notRes } });
    const e = f.estate();
    expect(reads(e, untagged.urn)).toEqual({});
    expect(reads(e, payTeam.urn)).toEqual({ 'pay/db': 'certain' });
    expect(reads(e, untaggedNr.urn)).toEqual({});
    expect(reads(e, payNr.urn)).toEqual({ 'pay/db': 'certain' });
  });

  it("another account's principal tags are not known (never absent); a same-account principal outside the estate decrypts with the AWS-managed key", () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const partner = `arn:aws:iam::${OTHER_ACCOUNT}:root`;
    const key = s.key('shared-key', { policy: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: partner }, Action: 'kms:Decrypt', Resource: '*' }] });
    s.secret('pay/tagged', { key, policy: [{ Effect: 'Allow', Principal: { AWS: partner }, Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'pay' } } }] });
    const elsewhere = `arn:aws:iam::${ACCOUNT}:role/made-elsewhere`;
    s.secret('pay/db', { policy: [{ Effect: 'Allow', Principal: { AWS: elsewhere }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    const e = f.estate();
    expect(reads(e, `external:account:${OTHER_ACCOUNT}`)).toEqual({ 'pay/tagged': 'conditional' });
    // Named by pay/db's policy: certain with aws/secretsmanager; pay/tagged as far as its own (unknown) IAM policies allow.
    expect(reads(e, `external:${elsewhere}`)).toEqual({ 'pay/db': 'certain', 'pay/tagged': 'conditional' });
  });

  it("a resource policy naming a session of an estate role is that role's (which session is not known offline)", () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    const app = s.role('app');
    s.secret('pay/db', { policy: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:sts::${ACCOUNT}:assumed-role/app/s1` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] });
    const e = f.estate();
    expect(reads(e, app.urn)).toEqual({ 'pay/db': 'unknown' });
    expect(e.externalPrincipals.map((x) => x.id)).toEqual([]);
  });

  it('a `*` ending an ARN field expands across colons (arn:aws:secretsmanager:*:secret:*)', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.secret('pay/db');
    const a = s.role('a', { inline: { p: [allow('secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:*:secret:*')] } });
    const b = s.role('b', { inline: { p: [allow('secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:eu-west-1:*:pay/*')] } });
    const c = s.role('c', { inline: { p: [allow('secretsmanager:GetSecretValue', '*'), deny('secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:*:secret:*')] } });
    const e = f.estate();
    expect(reads(e, a.urn)).toEqual({ 'pay/db': 'certain' });
    expect(reads(e, b.urn)).toEqual({ 'pay/db': 'certain' });
    expect(reads(e, c.urn)).toEqual({});
  });

  it('ssm:Recursive decides GetParametersByPath: false reaches only the direct children of the path', () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod');
    s.parameter('/app/x');
    s.parameter('/app/x/y');
    const path = s.paramArn('/app');
    const flat = s.role('flat', { inline: { p: [allow('ssm:GetParametersByPath', path, { Condition: { StringEquals: { 'ssm:Recursive': 'false' } } })] } });
    const noDeep = s.role('no-deep', { inline: { p: [allow('ssm:GetParametersByPath', path), deny('ssm:GetParametersByPath', '*', { Condition: { Bool: { 'ssm:Recursive': 'true' } } })] } });
    const deep = s.role('deep', { inline: { p: [allow('ssm:GetParametersByPath', path, { Condition: { Bool: { 'ssm:Recursive': 'true' } } })] } });
    const e = f.estate();
    expect(reads(e, flat.urn)).toEqual({ '/app/x': 'certain' });
    expect(reads(e, noDeep.urn)).toEqual({ '/app/x': 'certain' });
    expect(reads(e, deep.urn)).toEqual({ '/app/x': 'certain', '/app/x/y': 'certain' });
  });

  it("a preview's secret (its random suffix not known yet) against `secret:pay/db-Ab*`: may match, as an Allow and as a Deny", () => {
    const f = new EstateFixture('pay');
    const s = f.stack('prod', { source: 'preview' });
    s.add('aws:secretsmanager/secret:Secret', 'pay/db', { name: 'pay/db', tags: {} }, { outputs: {} });
    const pattern = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:pay/db-Ab*`;
    const a = s.role('a', { inline: { p: [allow('secretsmanager:GetSecretValue', pattern)] } });
    const d = s.role('d', { inline: { p: [allow('secretsmanager:GetSecretValue', '*'), deny('secretsmanager:GetSecretValue', pattern)] } });
    const e = f.estate();
    expect(reads(e, a.urn)).toEqual({ 'pay/db': 'unknown' });
    expect(reads(e, d.urn)).toEqual({ 'pay/db': 'unknown' });
  });
});
