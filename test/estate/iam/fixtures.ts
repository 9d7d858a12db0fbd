/**
 * The hand-built estates of the access engine's tests, one per grant mechanism, through the real
 * builder. test/estate/iam/mechanisms.test.ts asserts their exact per-principal results; the
 * differential test runs the simulator over every principal x resource pair of each (`ALL`).
 */
import type { Estate } from '../../../diagrams/estate/model.ts';
import { A, B, KEY_ID, B_KEY_ID, REGION, arns, doc, estate, json, role, world } from './world.ts';

export const a = arns(A);
export const b = arns(B);
export const KEY = 'alias/app-key';
export const MANAGED = (name: string): string => `arn:aws:iam::aws:policy/${name}`;
export const NOTHING = { parameters: {}, secrets: {}, keys: {}, complete: true };
/** String parameters and the SecureString under aws/ssm: what ssm:GetParameter* alone reads. */
export const WITHOUT_CMK = ['/app/dev/db/host', '/app/prod/db/host', '/app/prod/db/password', '/other/flag'];
export const AWS_KEY_SECRETS = ['app/dev/db', 'app/prod/api'];

export const readParams = (resource: string, actions: string | string[] = ['ssm:GetParameter', 'ssm:GetParameters']) => ({ Effect: 'Allow', Action: actions, Resource: resource });
export const readSecrets = (resource: string) => ({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: resource });
export const decrypt = (resource = a.key(KEY_ID)) => ({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: resource });
const rp = (principal: unknown, extra: Record<string, unknown> = {}) => doc({ Effect: 'Allow', Principal: principal, Action: 'secretsmanager:GetSecretValue', Resource: '*', ...extra });
const grant = (name: string, grantee: string, extra: Record<string, unknown> = {}) => ({ name, keyId: KEY_ID, granteePrincipal: grantee, operations: ['Decrypt'], ...extra });

/** A role in account A calling into account B (secret, key, parameters in B). */
export function crossAccount(variant: 'none' | 'names-role' | 'names-account' | 'key-not-shared'): Estate {
  const crossIdentity = [readSecrets(b.secret('*')), decrypt(b.key(B_KEY_ID)), readParams(b.param('/*'))];
  const namesCaller = doc({ Effect: 'Allow', Principal: { AWS: a.role('caller') }, Action: 'secretsmanager:GetSecretValue', Resource: '*' });
  const secretPolicy = variant === 'none' ? undefined : variant === 'names-account' ? doc({ Effect: 'Allow', Principal: { AWS: A }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }) : namesCaller;
  const keyPolicy =
    variant === 'key-not-shared'
      ? doc({ Effect: 'Allow', Principal: { AWS: b.root }, Action: 'kms:*', Resource: '*' })
      : doc({ Effect: 'Allow', Principal: { AWS: b.root }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: a.root }, Action: 'kms:Decrypt', Resource: '*' });
  const left = world({ stack: 'left', without: ['parameters', 'secrets', 'key'] });
  role(left, 'caller', { statements: crossIdentity });
  role(left, 'bystander'); // no identity policy
  const right = world({ stack: 'right', account: B, ...(secretPolicy !== undefined ? { secretPolicies: { 'app/prod/db': secretPolicy } } : {}), keyPolicy });
  return estate(left, right);
}

export function managedPolicies(): Estate {
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
  return estate(w);
}

export function inlinePolicies(): Estate {
  const w = world();
  role(w, 'inline', { extra: { inlinePolicies: [{ name: 'read-db', policy: json(readParams(a.param('/app/prod/db/*'))) }] } });
  w.add('aws:iam/role:Role', 'rp-holder', { name: 'rp-holder', arn: a.role('rp-holder'), assumeRolePolicy: '{}' });
  w.add('aws:iam/rolePolicy:RolePolicy', 'rp', { name: 'secrets', role: 'rp-holder', policy: json(readSecrets(a.secret('app/prod/*')), decrypt()) });
  w.add('aws:iam/user:User', 'alice', { name: 'alice', arn: a.user('alice') });
  w.add('aws:iam/userPolicy:UserPolicy', 'alice-policy', { name: 'alice-dev', user: 'alice', policy: json(readParams(a.param('/app/dev/*')), readSecrets(a.secret('app/dev/*'))) });
  w.add('aws:iam/group:Group', 'ops', { name: 'ops', arn: a.group('ops') });
  w.add('aws:iam/groupPolicy:GroupPolicy', 'ops-policy', { name: 'ops-read', group: 'ops', policy: json(readParams(a.param('/other/*'))) });
  w.add('aws:iam/user:User', 'bob', { name: 'bob', arn: a.user('bob') });
  w.add('aws:iam/user:User', 'carol', { name: 'carol', arn: a.user('carol') });
  w.add('aws:iam/user:User', 'dave', { name: 'dave', arn: a.user('dave') });
  w.add('aws:iam/user:User', 'erin', { name: 'erin', arn: a.user('erin') });
  w.add('aws:iam/groupMembership:GroupMembership', 'ops-members', { name: 'ops-members', group: 'ops', users: ['bob'] });
  w.add('aws:iam/userGroupMembership:UserGroupMembership', 'carol-groups', { user: 'carol', groups: ['ops', 'not-in-the-estate'] });
  w.add('aws-native:iam:User', 'frank', { userName: 'frank', arn: a.user('frank'), groups: ['ops'] });
  return estate(w);
}

export function attachments(): Estate {
  const w = world();
  // One customer-managed policy per parameter, so that each attachment shows by what it grants.
  const policyFor = (path: string): string => {
    const name = `read${path.replace(/\//g, '-')}`;
    w.add('aws:iam/policy:Policy', name, { name, arn: a.policy(name), policy: json(readParams(a.param(path))) });
    return a.policy(name);
  };
  const [p1, p2, p3, p4, p5] = ['/app/prod/db/host', '/app/dev/db/host', '/other/flag', '/app/prod/db/password', '/app/prod/api/token'].map(policyFor) as [string, string, string, string, string];
  role(w, 'r1');
  role(w, 'r2', { extra: { managedPolicyArns: [p2] } });
  w.add('aws:iam/user:User', 'u1', { name: 'u1', arn: a.user('u1') });
  w.add('aws:iam/user:User', 'u2', { name: 'u2', arn: a.user('u2') });
  w.add('aws:iam/group:Group', 'g1', { name: 'g1', arn: a.group('g1') });
  w.add('aws:iam/groupMembership:GroupMembership', 'g1-members', { name: 'g1-members', group: 'g1', users: ['u2'] });
  w.add('aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'att-r1', { role: 'r1', policyArn: p1 });
  w.add('aws:iam/userPolicyAttachment:UserPolicyAttachment', 'att-u1', { user: 'u1', policyArn: p3 });
  w.add('aws:iam/groupPolicyAttachment:GroupPolicyAttachment', 'att-g1', { group: 'g1', policyArn: p4 });
  w.add('aws:iam/policyAttachment:PolicyAttachment', 'att-multi', { name: 'multi', roles: ['r2'], users: ['u1'], groups: ['g1'], policyArn: p5 });
  return estate(w);
}

export function boundaries(): Estate {
  const w = world();
  const boundary = a.policy('boundary');
  w.add('aws:iam/policy:Policy', 'boundary', { name: 'boundary', arn: boundary, policy: json({ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: a.param('/app/prod/db/*') }) });
  const wide = [{ Effect: 'Allow', Action: ['secretsmanager:*', 'ssm:*', 'kms:*'], Resource: '*' }];
  role(w, 'bounded', { statements: wide, extra: { permissionsBoundary: boundary } });
  role(w, 'unbounded', { statements: wide });
  role(w, 'managed-boundary', { statements: wide, extra: { permissionsBoundary: MANAGED('AWSSecretsManagerClientReadOnlyAccess') } });
  role(w, 'unknown-boundary', { statements: wide, extra: { permissionsBoundary: a.policy('defined-elsewhere') } });
  return estate(w);
}

export function denies(): Estate {
  const w = world();
  const allow = { Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: '*' };
  role(w, 'denied', { statements: [allow, { Effect: 'Deny', Action: 'ssm:GetParameter*', Resource: a.param('/app/prod/*') }] });
  role(w, 'by-path', { statements: [{ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }, { Effect: 'Deny', Action: 'ssm:GetParameter*', Resource: a.param('/app/prod/*') }] });
  role(w, 'maybe-denied', { statements: [allow, { Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] });
  role(w, 'tag-denied', { statements: [allow, { Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } } }], extra: { tags: { team: 'red' } } });
  role(w, 'tag-not-denied', { statements: [allow, { Effect: 'Deny', Action: 'ssm:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'red' } } }], extra: { tags: { team: 'blue' } } });
  return estate(w);
}

export function secretPolicies(): Estate {
  const w = world({
    secretPolicies: {
      'app/prod/api': rp({ AWS: a.role('named') }),
      'app/dev/db': rp({ AWS: a.root }),
    },
  });
  role(w, 'named'); // no identity policy at all
  role(w, 'other'); // no identity policy, not named
  role(w, 'with-identity', { statements: [readSecrets(a.secret('app/dev/*'))] });
  return estate(w);
}

export function secretStar(): Estate {
  const w2 = world({ secretPolicies: { 'app/prod/db': rp('*'), 'app/prod/api': rp('*') }, keyPolicy: doc({ Effect: 'Allow', Principal: { AWS: a.root }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } } }) });
  role(w2, 'anyone');
  return estate(w2);
}

export function secretDeny(): Estate {
  const w3 = world({ secretPolicies: { 'app/dev/db': doc({ Effect: 'Deny', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { ArnNotEquals: { 'aws:PrincipalArn': a.role('kept') } } }) } });
  role(w3, 'kept', { statements: [readSecrets('*')] });
  role(w3, 'dropped', { statements: [readSecrets('*')] });
  return estate(w3);
}

export function secretNotPrincipal(): Estate {
  const deny = doc({ Effect: 'Deny', NotPrincipal: { AWS: [a.role('bounded'), a.role('free')] }, Action: 'secretsmanager:GetSecretValue', Resource: '*' });
  const w4 = world({ secretPolicies: { 'app/dev/db': deny } });
  w4.add('aws:iam/policy:Policy', 'all-boundary', { name: 'all-boundary', arn: a.policy('all-boundary'), policy: json({ Effect: 'Allow', Action: '*', Resource: '*' }) });
  role(w4, 'bounded', { statements: [readSecrets('*')], extra: { permissionsBoundary: a.policy('all-boundary') } });
  role(w4, 'free', { statements: [readSecrets('*')] });
  return estate(w4);
}

export function keyDefault(): Estate {
  const w = world();
  role(w, 'decryptor', { statements: [decrypt()] });
  role(w, 'nobody');
  return estate(w);
}

export function keyNamed(): Estate {
  const w = world({ keyPolicy: doc({ Effect: 'Allow', Principal: { AWS: a.role('named') }, Action: 'kms:Decrypt', Resource: '*' }) });
  role(w, 'named');
  role(w, 'identity-only', { statements: [decrypt('*'), readSecrets('*')] });
  return estate(w);
}

export function keyConditions(): Estate {
  const w = world({
    keyPolicy: doc(
      { Effect: 'Allow', Principal: { AWS: a.role('via-sm') }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } } },
      { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:CallerAccount': B, 'kms:ViaService': `ssm.${REGION}.amazonaws.com` } } },
    ),
  });
  role(w, 'via-sm', { statements: [readSecrets('*'), readParams('*')] });
  return estate(w);
}

export function grants(): Estate {
  const w = world();
  role(w, 'plain');
  role(w, 'ec-sm', { statements: [readSecrets('*')] });
  role(w, 'ec-equals', { statements: [readSecrets('*')] });
  role(w, 'ec-other', { statements: [readSecrets('*')] });
  role(w, 'ec-param', { statements: [readParams('*')] });
  role(w, 'encrypt-only');
  w.add('aws:kms/grant:Grant', 'g-plain', grant('plain', a.role('plain')));
  w.add('aws:kms/grant:Grant', 'g-subset', grant('subset', a.role('ec-sm'), { constraints: [{ encryptionContextSubset: { SecretARN: a.secret('app/prod/db') } }] }));
  // Secrets Manager's encryption context also holds SecretVersionId: an Equals constraint on SecretARN alone never matches it.
  w.add('aws:kms/grant:Grant', 'g-equals', grant('equals', a.role('ec-equals'), { constraints: [{ encryptionContextEquals: { SecretARN: a.secret('app/prod/db') } }] }));
  w.add('aws:kms/grant:Grant', 'g-other', grant('other', a.role('ec-other'), { constraints: [{ encryptionContextSubset: { SecretARN: a.secret('app/dev/db') } }] }));
  // Parameter Store's encryption context is exactly PARAMETER_ARN: Equals matches.
  w.add('aws:kms/grant:Grant', 'g-param', grant('param', a.role('ec-param'), { constraints: [{ encryptionContextEquals: { PARAMETER_ARN: a.param('/app/prod/api/token') } }] }));
  w.add('aws:kms/grant:Grant', 'g-encrypt', { ...grant('encrypt', a.role('encrypt-only')), operations: ['Encrypt', 'GenerateDataKey'] });
  return estate(w);
}

export function conditionArns(): Estate {
  const w = world();
  const shared = a.policy('shared');
  w.add('aws:iam/policy:Policy', 'shared', { name: 'shared', arn: shared, policy: json({ ...readParams('*'), Condition: { ArnLike: { 'aws:PrincipalArn': a.role('app-*') } } }) });
  for (const n of ['app-one', 'ops-two']) role(w, n, { extra: { managedPolicyArns: [shared] } });
  role(w, 'same-account', { statements: [{ ...readSecrets('*'), Condition: { StringEquals: { 'aws:ResourceAccount': A } } }] });
  role(w, 'other-account', { statements: [{ ...readSecrets('*'), Condition: { StringEquals: { 'aws:ResourceAccount': B } } }] });
  return estate(w);
}

export function abac(): Estate {
  const w = world({ tags: { '/app/prod/db/host': { team: 'db' }, '/other/flag': { team: 'web' }, 'app/prod/api': { team: 'db' } } });
  const abac = a.policy('abac');
  w.add('aws:iam/policy:Policy', 'abac', {
    name: 'abac',
    arn: abac,
    policy: json({ Effect: 'Allow', Action: ['ssm:GetParameter', 'secretsmanager:GetSecretValue'], Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } } }),
  });
  role(w, 'db-team', { extra: { managedPolicyArns: [abac], tags: { team: 'db' } } });
  role(w, 'web-team', { extra: { managedPolicyArns: [abac], tags: { team: 'web' } } });
  role(w, 'untagged', { extra: { managedPolicyArns: [abac] } });
  return estate(w);
}

export function encryptionContext(): Estate {
  const w = world();
  role(w, 'one-secret', { statements: [readSecrets('*'), { ...decrypt(), Condition: { StringEquals: { 'kms:EncryptionContext:SecretARN': a.secret('app/prod/db') } } }] });
  role(w, 'wrong-secret', { statements: [readSecrets('*'), { ...decrypt(), Condition: { StringLike: { 'kms:EncryptionContext:SecretARN': a.secret('app/dev/*') } } }] });
  role(w, 'keys-only', { statements: [readSecrets('*'), readParams('*'), { ...decrypt(), Condition: { 'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['SecretARN', 'SecretVersionId'] }, Null: { 'kms:EncryptionContextKeys': 'false' } } }] });
  role(w, 'param-ec', { statements: [readParams('*'), { ...decrypt(), Condition: { StringLike: { 'kms:EncryptionContext:PARAMETER_ARN': a.param('/app/prod/*') } } }] });
  return estate(w);
}

export function username(): Estate {
  const w = world();
  for (const n of ['alice', 'svc']) w.add('aws:ssm/parameter:Parameter', `home-${n}`, { name: `/home/${n}`, arn: a.param(`/home/${n}`), type: 'String' });
  const home = a.policy('home');
  w.add('aws:iam/policy:Policy', 'home', { name: 'home', arn: home, policy: json(readParams(a.param('/home/${aws:username}'))) });
  w.add('aws:iam/user:User', 'alice', { name: 'alice', arn: a.user('alice') });
  w.add('aws:iam/userPolicyAttachment:UserPolicyAttachment', 'alice-home', { user: 'alice', policyArn: home });
  role(w, 'svc', { extra: { managedPolicyArns: [home] } });
  return estate(w);
}

export function encryptionContextAbsent(): Estate {
  const w = world();
  role(w, 's3-only', { statements: [readSecrets('*'), readParams('*'), { ...decrypt(), Condition: { Null: { 'kms:EncryptionContext:aws:s3:arn': 'false' } } }] });
  return estate(w);
}

export function emptyAccount(): Estate {
  const w = world();
  role(w, 'public', { statements: [readParams(`arn:aws:ssm:*::parameter/app/*`)] });
  role(w, 'any-account', { statements: [readParams(`arn:aws:ssm:*:*:parameter/app/*`)] });
  return estate(w);
}

export function sourceIp(): Estate {
  const w = world();
  role(w, 'office', { statements: [{ ...readParams(a.param('/other/*')), Condition: { IpAddress: { 'aws:SourceIp': '192.0.2.0/24' } } }] });
  return estate(w);
}

export function awsNative(): Estate {
  const w = world({ without: ['key', 'secrets'] });
  w.add('aws-native:kms:Key', 'native-key', { keyId: KEY_ID, arn: a.key(KEY_ID), keyPolicy: doc({ Effect: 'Allow', Principal: { AWS: a.root }, Action: 'kms:*', Resource: '*' }, { Effect: 'Allow', Principal: { AWS: a.role('native-role') }, Action: 'kms:Decrypt', Resource: '*' }) }, { id: KEY_ID });
  w.add('aws-native:kms:Alias', 'native-alias', { aliasName: 'alias/app-key', targetKeyId: KEY_ID });
  const secretArnValue = a.secret('native/secret');
  w.add('aws-native:secretsmanager:Secret', 'native-secret', { name: 'native/secret', kmsKeyId: a.key(KEY_ID), awsId: secretArnValue }, { id: secretArnValue });
  w.add('aws-native:secretsmanager:ResourcePolicy', 'native-rp', { secretId: secretArnValue, resourcePolicy: doc({ Effect: 'Allow', Principal: { AWS: a.role('native-user-role') }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }) });
  w.add('aws:iam/policy:Policy', 'native-boundary', { name: 'native-boundary', arn: a.policy('native-boundary'), policy: json({ Effect: 'Allow', Action: ['ssm:GetParameter', 'secretsmanager:GetSecretValue', 'kms:Decrypt'], Resource: '*' }) });
  w.add('aws-native:iam:Role', 'native-role', {
    roleName: 'native-role',
    arn: a.role('native-role'),
    assumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }),
    policies: [{ policyName: 'native-inline', policyDocument: doc(readSecrets('*'), readParams(a.param('/app/prod/*'), ['ssm:GetParameter', 'ssm:GetParametersByPath'])) }],
    managedPolicyArns: [MANAGED('AmazonSSMManagedInstanceCore')],
    permissionsBoundary: a.policy('native-boundary'),
  });
  w.add('aws-native:iam:Role', 'native-user-role', { roleName: 'native-user-role', arn: a.role('native-user-role'), assumeRolePolicyDocument: doc() });
  w.add('aws-native:iam:ManagedPolicy', 'native-managed', { managedPolicyName: 'native-managed', policyArn: a.policy('native-managed'), policyDocument: doc(readParams(a.param('/other/*'))), roles: ['native-user-role'] });
  // Groups and users, their inline policies as resources, and ManagedPolicy.users / .groups
  w.add('aws-native:iam:Group', 'native-group', { groupName: 'native-group', arn: a.group('native-group'), policies: [{ policyName: 'g-inline', policyDocument: doc(readParams(a.param('/app/dev/*'))) }], managedPolicyArns: [MANAGED('AWSSecretsManagerClientReadOnlyAccess')] });
  w.add('aws-native:iam:User', 'native-user', { userName: 'native-user', arn: a.user('native-user'), groups: ['native-group'] });
  w.add('aws-native:iam:User', 'native-loner', { userName: 'native-loner', arn: a.user('native-loner') });
  w.add('aws-native:iam:UserPolicy', 'native-user-policy', { userName: 'native-loner', policyName: 'loner', policyDocument: doc(readParams(a.param('/app/prod/db/host'))) });
  w.add('aws-native:iam:GroupPolicy', 'native-group-policy', { groupName: 'native-group', policyName: 'g-resource', policyDocument: doc(readParams(a.param('/other/*'))) });
  w.add('aws-native:iam:RolePolicy', 'native-role-policy', { roleName: 'native-user-role', policyName: 'r-resource', policyDocument: doc(readParams(a.param('/app/dev/*'))) });
  w.add('aws-native:iam:ManagedPolicy', 'native-managed-2', { managedPolicyName: 'native-managed-2', policyArn: a.policy('native-managed-2'), policyDocument: doc(readParams(a.param('/app/prod/db/password'))), users: ['native-loner'], groups: ['native-group'] });
  return estate(w);
}

export function otherServiceKeys(): Estate {
  const w = world();
  role(w, 'for-all', { statements: [{ Effect: 'Allow', Action: ['kms:Decrypt', 'secretsmanager:GetSecretValue', 'ssm:GetParameter'], Resource: '*', Condition: { 'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': ['Secret*'] } } }] });
  return estate(w);
}

/**
 * Statements whose evaluation is easy to get wrong, for the differential test only (the simulator
 * is the oracle): NotAction / NotResource, IfExists and Null on absent keys, set operators,
 * negated operators on absent keys, Bool, policy variables, a user with a boundary named by a
 * resource policy, account-root Deny, case of actions and ARNs.
 */
export function edgeCases(): Estate {
  const w = world({
    secretPolicies: {
      'app/prod/api': doc(
        { Effect: 'Allow', Principal: { AWS: [a.user('bounded-user'), a.role('rp-bounded')] }, Action: 'secretsmanager:GetSecretValue', Resource: '*' },
        { Effect: 'Deny', Principal: { AWS: a.root }, Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/blocked': 'yes' } } },
      ),
      'app/dev/db': doc({ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalAccount': A } } }),
    },
    keyPolicy: doc(
      { Effect: 'Allow', Principal: { AWS: a.root }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Deny', Principal: '*', Action: 'kms:Decrypt', Resource: '*', Condition: { StringNotEqualsIfExists: { 'kms:ViaService': [`ssm.${REGION}.amazonaws.com`, `secretsmanager.${REGION}.amazonaws.com`] }, ArnNotLike: { 'aws:PrincipalArn': a.role('direct-*') } } },
    ),
    tags: { '/app/prod/db/host': { tier: 'gold' }, 'app/prod/db': { tier: 'gold' } },
  });
  w.add('aws:iam/policy:Policy', 'only-ssm', { name: 'only-ssm', arn: a.policy('only-ssm'), policy: json({ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }) });
  role(w, 'not-action', { statements: [{ Effect: 'Allow', NotAction: ['secretsmanager:*', 'iam:*'], Resource: '*' }] });
  role(w, 'not-resource', { statements: [{ Effect: 'Allow', Action: ['ssm:GetParameter', 'secretsmanager:GetSecretValue', 'kms:Decrypt'], NotResource: [a.param('/app/prod/*'), a.secret('app/prod/*')] }] });
  role(w, 'if-exists', { statements: [{ Effect: 'Allow', Action: ['ssm:GetParameter*', 'secretsmanager:GetSecretValue'], Resource: '*', Condition: { StringEqualsIfExists: { 'aws:ResourceTag/tier': 'gold' } } }] });
  role(w, 'null-tag', { statements: [{ Effect: 'Allow', Action: ['ssm:GetParameter', 'secretsmanager:GetSecretValue'], Resource: '*', Condition: { Null: { 'aws:ResourceTag/tier': 'true' } } }] });
  role(w, 'not-equals-absent', { statements: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }, { Effect: 'Deny', Action: 'ssm:GetParameter', Resource: '*', Condition: { StringNotEquals: { 'aws:ResourceTag/tier': 'gold' } } }] });
  role(w, 'for-all', { statements: [{ Effect: 'Allow', Action: ['kms:Decrypt', 'secretsmanager:GetSecretValue', 'ssm:GetParameter'], Resource: '*', Condition: { 'ForAllValues:StringLike': { 'kms:EncryptionContextKeys': ['Secret*'] } } }] });
  role(w, 'for-any', { statements: [{ Effect: 'Allow', Action: ['kms:Decrypt', 'ssm:GetParameter'], Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'kms:EncryptionContextKeys': 'PARAMETER_ARN' } } }] });
  role(w, 'secure-transport', { statements: [{ Effect: 'Allow', Action: 'ssm:GetParameters', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });
  role(w, 'upper-case', { statements: [{ Effect: 'Allow', Action: ['SSM:GetParameter', 'SecretsManager:getsecretvalue', 'KMS:decrypt'], Resource: [a.param('/APP/*'), a.param('/app/dev/*'), a.secret('app/*'), a.key(KEY_ID)] }] });
  role(w, 'direct-reader', { statements: [decrypt()] });
  role(w, 'indirect-reader', { statements: [decrypt(), readSecrets('*')] });
  role(w, 'rp-bounded', { extra: { permissionsBoundary: a.policy('only-ssm') } });
  role(w, 'blocked', { statements: [readSecrets('*')], extra: { tags: { blocked: 'yes' } } });
  role(w, 'own-account-star', {});
  w.add('aws:iam/user:User', 'bounded-user', { name: 'bounded-user', arn: a.user('bounded-user'), permissionsBoundary: a.policy('only-ssm') });
  w.add('aws:iam/user:User', 'home-user', { name: 'home-user', arn: a.user('home-user'), tags: { team: 'db' } });
  w.add('aws:iam/userPolicy:UserPolicy', 'home-user-policy', { name: 'home', user: 'home-user', policy: json({ Effect: 'Allow', Action: 'ssm:GetParameter*', Resource: a.param('/app/${aws:PrincipalTag/team}/*') }, { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*', Condition: { StringLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:user/${aws:username}' } } }) });
  return estate(w);
}

/** More statements for the differential test only: wildcards, folders, regions, key case, key policies naming a bounded role. */
export function edgeCases2(): Estate {
  const w = world({
    keyPolicy: doc(
      { Effect: 'Allow', Principal: { AWS: a.root }, Action: 'kms:*', Resource: '*' },
      { Effect: 'Allow', Principal: { AWS: [a.role('kp-bounded'), a.role('kp-free')] }, Action: 'kms:Decrypt', Resource: '*' },
    ),
    secretPolicies: {
      'app/prod/db': doc({ Effect: 'Allow', Principal: '*', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/rp-*' } } }),
    },
  });
  w.add('aws:iam/policy:Policy', 'only-ssm2', { name: 'only-ssm2', arn: a.policy('only-ssm2'), policy: json({ Effect: 'Allow', Action: 'ssm:*', Resource: '*' }) });
  role(w, 'kp-bounded', { extra: { permissionsBoundary: a.policy('only-ssm2') } });
  role(w, 'kp-free');
  role(w, 'rp-anyone', { statements: [decrypt()] });
  role(w, 'question-mark', { statements: [{ Effect: 'Allow', Action: 'ssm:GetParamete?', Resource: a.param('/app/???/db/*') }] });
  role(w, 'folder-only', { statements: [{ Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: a.param('/app/prod') }] });
  role(w, 'folder-star', { statements: [{ Effect: 'Allow', Action: 'ssm:GetParametersByPath', Resource: a.param('/app*') }] });
  role(w, 'other-region', { statements: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } } }] });
  role(w, 'key-case', { statements: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*', Condition: { ArnEquals: { 'AWS:PRINCIPALARN': a.role('key-case') } } }] });
  role(w, 'deny-not-resource', { statements: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }, { Effect: 'Deny', Action: 'ssm:GetParameter', NotResource: a.param('/other/*') }] });
  role(w, 'string-like-many', { statements: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringLike: { 'aws:ResourceAccount': ['2*', '1111*'] } } }] });
  w.add('aws:iam/user:User', 'var-user', { name: 'var-user', arn: a.user('var-user') });
  w.add('aws:iam/userPolicy:UserPolicy', 'var-user-policy', { name: 'var', user: 'var-user', policy: json({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*', Condition: { StringNotEquals: { 'aws:username': '${aws:username}' } } }, { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalArn': 'arn:aws:iam::' + A + ':user/${aws:username}' } } }) });
  return estate(w);
}

/** Every fixture estate, by name (for the differential test). */
export const ALL: Readonly<Record<string, () => Estate>> = {
  managedPolicies, inlinePolicies, attachments, boundaries, denies, secretPolicies, secretStar, secretDeny, secretNotPrincipal,
  'crossAccount(none)': () => crossAccount('none'),
  'crossAccount(names-role)': () => crossAccount('names-role'),
  'crossAccount(names-account)': () => crossAccount('names-account'),
  'crossAccount(key-not-shared)': () => crossAccount('key-not-shared'),
  keyDefault, keyNamed, keyConditions, grants, conditionArns, abac, encryptionContext, username, encryptionContextAbsent, emptyAccount, sourceIp, awsNative, otherServiceKeys, edgeCases, edgeCases2,
};
