/**
 * IAM principals and policies (build/iam.ts): roles, users, groups, customer-managed and inline
 * policies, every attachment kind, membership, boundaries and instance profiles; the aws-native
 * Role, RolePolicy, ManagedPolicy, User and Group shapes.
 */
import { describe, expect, it } from 'vitest';
import { ACCOUNT, allow, doc, EstateFixture } from '../../fixtures/estates.ts';
import { named } from '../helpers.ts';

const ssmRead = allow('ssm:GetParameter', `arn:aws:ssm:*:*:parameter/app/*`);

describe('IAM (AWS provider)', () => {
  const f = new EstateFixture('app');
  const s = f.stack('prod');
  const api = s.role('app-prod-api');
  const worker = s.role('app-prod-worker', { managed: [`arn:aws:iam::${ACCOUNT}:policy/app-read`, 'arn:aws:iam::aws:policy/ReadOnlyAccess'], inline: { 'own-inline': [ssmRead] } });
  const boundary = s.policy('app-boundary', [allow('ssm:*', '*')]);
  const bounded = s.role('app-prod-bounded', { boundary: boundary.arn });
  const read = s.policy('app-read', [ssmRead], { roles: [api] });
  s.add('aws:iam/policyAttachment:PolicyAttachment', 'shared-attach', { name: 'shared', roles: [bounded.name], policyArn: read.arn }, { id: 'shared' });
  const inline = s.inlinePolicy('role', api, 'api-secrets', [allow('secretsmanager:GetSecretValue', '*')]);
  s.add('aws:iam/role:Role', 'empty-slot', { name: 'app-prod-empty', assumeRolePolicy: doc(), inlinePolicies: [{ name: '', policy: '' }] }, { id: 'app-prod-empty', arn: s.roleArn('app-prod-empty') });
  s.instanceProfile('app-prod-worker-profile', worker);
  const alice = s.user('alice');
  const bob = s.user('bob', { boundary: 'arn:aws:iam::aws:policy/PowerUserAccess' });
  const ops = s.group('ops');
  s.membership(ops, [alice]);
  s.add('aws:iam/userGroupMembership:UserGroupMembership', 'bob-groups', { user: 'bob', groups: ['ops', 'elsewhere'] }, { id: 'bob-groups' });
  s.policy('ops-read', [ssmRead], { groups: [ops] });
  s.attach(alice, 'user', 'arn:aws:iam::aws:policy/IAMUserChangePassword');
  const e = f.estate();
  const urnOf = (n: string) => named(e.roles, n).urn;

  it('a managed policy attached by RolePolicyAttachment, PolicyAttachment and managedPolicyArns', () => {
    expect(named(e.policies, 'app-read')).toMatchObject({ kind: 'managed', urn: read.urn, arn: read.arn });
    expect(named(e.policies, 'app-read').attachedTo).toEqual([urnOf('app-prod-api'), urnOf('app-prod-bounded'), urnOf('app-prod-worker')].sort());
  });

  it('inline policies from a RolePolicy and from the role\'s own list; an empty inline slot is skipped', () => {
    expect(named(e.policies, 'api-secrets')).toMatchObject({ kind: 'inline', urn: inline, attachedTo: [api.urn] });
    const own = named(e.policies, 'own-inline');
    expect(own).toMatchObject({ kind: 'inline', urn: `${worker.urn}#inline-policy/own-inline`, attachedTo: [worker.urn], tags: {} });
    expect(named(e.roles, 'app-prod-api').policies).toEqual([read.urn, inline].sort());
    expect(e.policies.filter((p) => p.urn.includes('empty-slot'))).toEqual([]);
    expect(named(e.roles, 'app-prod-empty').policies).toEqual([]);
  });

  it('ARNs that are no policy of the estate are external; the boundary resolved to an estate policy', () => {
    expect(named(e.roles, 'app-prod-worker').externalPolicies).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
    expect(named(e.roles, 'app-prod-bounded').boundary).toEqual({ arn: boundary.arn, policyUrn: boundary.urn });
    expect(named(e.policies, 'app-boundary').boundaryOf).toEqual([bounded.urn]);
    expect(named(e.users, 'bob').boundary).toEqual({ arn: 'arn:aws:iam::aws:policy/PowerUserAccess' });
  });

  it('instance profiles; users and groups with both membership resources; groups not in the estate kept by name', () => {
    expect(named(e.roles, 'app-prod-worker').instanceProfiles).toEqual(['app-prod-worker-profile']);
    expect(named(e.groups, 'ops').members).toEqual([alice.urn, bob.urn]);
    expect(named(e.users, 'bob')).toMatchObject({ groups: [ops.urn], otherGroups: ['elsewhere'] });
    expect(named(e.users, 'alice')).toMatchObject({ groups: [ops.urn], otherGroups: [], externalPolicies: ['arn:aws:iam::aws:policy/IAMUserChangePassword'] });
    expect(named(e.groups, 'ops').policies).toEqual([named(e.policies, 'ops-read').urn]);
  });
});

describe('IAM (aws-native)', () => {
  const f = new EstateFixture('app');
  const s = f.stack('dev');
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/svc/app-dev-native`;
  const role = s.add(
    'aws-native:iam:Role',
    'native-role',
    { roleName: 'app-dev-native', path: '/svc/', assumeRolePolicyDocument: trust, policies: [{ policyName: 'listed', policyDocument: { Version: '2012-10-17', Statement: [ssmRead] } }], managedPolicyArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], tags: [{ key: 'Service', value: 'native-svc' }] },
    { id: 'app-dev-native', arn: roleArn },
  );
  const rp = s.add('aws-native:iam:RolePolicy', 'native-inline', { policyName: 'separate', roleName: 'app-dev-native', policyDocument: { Version: '2012-10-17', Statement: [ssmRead] } }, { id: 'separate|app-dev-native' });
  const mpArn = `arn:aws:iam::${ACCOUNT}:policy/native-managed`;
  const user = s.add('aws-native:iam:User', 'carol', { userName: 'carol', groups: ['native-group'], policies: [{ policyName: 'carol-own', policyDocument: { Version: '2012-10-17', Statement: [ssmRead] } }] }, { id: 'carol', arn: `arn:aws:iam::${ACCOUNT}:user/carol` });
  const dave = s.add('aws-native:iam:User', 'dave', { userName: 'dave' }, { id: 'dave', arn: `arn:aws:iam::${ACCOUNT}:user/dave` });
  const group = s.add('aws-native:iam:Group', 'native-group', { groupName: 'native-group', policies: [{ policyName: 'group-own', policyDocument: { Version: '2012-10-17', Statement: [ssmRead] } }] }, { id: 'native-group', arn: `arn:aws:iam::${ACCOUNT}:group/native-group` });
  s.add('aws-native:iam:UserToGroupAddition', 'dave-in-group', { groupName: 'native-group', users: ['dave'] }, { id: 'dave-in-group' });
  const mp = s.add('aws-native:iam:ManagedPolicy', 'native-managed', { managedPolicyName: 'native-managed', policyDocument: { Version: '2012-10-17', Statement: [ssmRead] }, roles: ['app-dev-native'], users: ['carol'], groups: ['native-group'] }, { id: mpArn, outputs: { managedPolicyName: 'native-managed', policyDocument: { Version: '2012-10-17', Statement: [ssmRead] }, roles: ['app-dev-native'], users: ['carol'], groups: ['native-group'], policyArn: mpArn } });
  const e = f.estate();

  it('Role: roleName, path, assumeRolePolicyDocument, policies, managedPolicyArns, tags as a list', () => {
    const r = named(e.roles, 'app-dev-native');
    expect(r).toMatchObject({ urn: role, arn: roleArn, trust: { kind: 'lambda', principals: ['Service:lambda.amazonaws.com'] }, tags: { Service: 'native-svc' }, externalPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] });
    expect(r.policies).toEqual([`${role}#inline-policy/listed`, mp, rp].sort());
  });

  it('RolePolicy and ManagedPolicy: names, documents as objects, what they attach to', () => {
    expect(named(e.policies, 'separate')).toMatchObject({ kind: 'inline', attachedTo: [role] });
    expect(named(e.policies, 'separate').document.statements[0]?.actions).toEqual(['ssm:GetParameter']);
    expect(named(e.policies, 'native-managed')).toMatchObject({ kind: 'managed', arn: mpArn, attachedTo: [group, role, user].sort() });
  });

  it('User and Group: names, own policies, membership by the user\'s groups and by UserToGroupAddition', () => {
    expect(named(e.users, 'carol')).toMatchObject({ groups: [group], otherGroups: [] });
    expect(named(e.users, 'carol').policies).toEqual([`${user}#inline-policy/carol-own`, mp].sort());
    expect(named(e.groups, 'native-group').members).toEqual([user, dave].sort());
    expect(named(e.groups, 'native-group').policies).toEqual([`${group}#inline-policy/group-own`, mp].sort());
  });
});
