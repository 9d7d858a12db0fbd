/**
 * IAM principals and policies: roles, users and groups (AWS provider and aws-native), customer
 * managed policies, inline policies (a role's `inlinePolicies`, aws-native `policies`, and
 * RolePolicy / UserPolicy / GroupPolicy resources), every attachment kind (RolePolicyAttachment,
 * UserPolicyAttachment, GroupPolicyAttachment, PolicyAttachment, `managedPolicyArns`, aws-native
 * ManagedPolicy `roles`/`users`/`groups`), group membership (GroupMembership,
 * UserGroupMembership, aws-native `groups` and UserToGroupAddition), permissions boundaries and
 * instance profiles. A policy ARN that is not a policy of the estate is kept as an external policy
 * (AWS-managed, or defined elsewhere).
 */

import { compareStrings, type Mutable } from '../../util/collections.ts';
import { REDACTED, UNKNOWN } from '../../graph/types.ts';
import type { Boundary, IamGroup, IamPolicy, IamUser, PolicyDocument, Role } from '../model.ts';
import { parsePolicyDocument } from '../iam/policy.ts';
import { arr, knownStr, obj, propAny, str, strList, tagsOf } from '../props.ts';
import { arnOf, awsName, edgeTargets, entityBase, idOf, RefIndex, rows, type GraphCtx, type Row } from './context.ts';
import type { Kind } from './kinds.ts';
import { trustOf } from './trust.ts';

/** Resolves references to one kind of principal: name (in the stack first), ARN or id, else a property edge. */
class PrincipalRefs {
  private readonly refs = new RefIndex();
  readonly urns = new Set<string>();
  add(row: Row, name: string): void {
    this.urns.add(row.r.urn);
    this.refs.add(`${row.g.stack}\u0000${name}`, row.r.urn);
    this.refs.add(name, row.r.urn);
    this.refs.add(arnOf(row.r), row.r.urn);
    this.refs.add(idOf(row.r), row.r.urn);
  }
  value(row: Row, v: string | undefined, arnKind: 'role' | 'user' | 'group'): string | undefined {
    if (v === undefined || v === UNKNOWN || v === '') return undefined;
    const re = new RegExp(`^arn:[^:]+:iam::[^:]*:${arnKind}\\/(?:.*\\/)?`);
    return this.refs.get(`${row.g.stack}\u0000${v}`) ?? this.refs.get(v) ?? this.refs.get(v.replace(re, ''));
  }
  /** Every principal a property names (a value or a list of values), with the property edges as fallback. */
  list(row: Row, arnKind: 'role' | 'user' | 'group', ...props: string[]): string[] {
    const out = new Set<string>();
    let unresolved = false;
    let any = false;
    for (const p of props) {
      const values = strList(propAny(row.r, p));
      if (values.length > 0) any = true;
      for (const v of values) {
        const hit = this.value(row, v, arnKind);
        if (hit) out.add(hit);
        else unresolved = true;
      }
    }
    if (unresolved || !any) for (const p of props) for (const to of edgeTargets(row, p)) if (this.urns.has(to)) out.add(to);
    return [...out];
  }
}

export interface IamResult {
  readonly roles: Role[];
  readonly users: IamUser[];
  readonly groups: IamGroup[];
  readonly policies: IamPolicy[];
  /** Resolves a role reference (name or ARN) held in a row's property. */
  resolveRole(row: Row, value: string | undefined, prop: string): string | undefined;
}

interface Holder {
  readonly policies: Set<string>;
  readonly external: Set<string>;
}

const holder = (): Holder => ({ policies: new Set(), external: new Set() });

function doc(v: unknown): PolicyDocument {
  return parsePolicyDocument(v);
}

export function buildIam(ctxs: readonly GraphCtx[]): IamResult {
  const roleRefs = new PrincipalRefs();
  const userRefs = new PrincipalRefs();
  const groupRefs = new PrincipalRefs();
  const roleRows = rows(ctxs, 'role');
  const userRows = rows(ctxs, 'user');
  const groupRows = rows(ctxs, 'group');
  const nameOf = new Map<string, string>();
  for (const row of roleRows) {
    const n = awsName(row.r, 'name', 'roleName');
    nameOf.set(row.r.urn, n);
    roleRefs.add(row, n);
  }
  for (const row of userRows) {
    const n = awsName(row.r, 'name', 'userName');
    nameOf.set(row.r.urn, n);
    userRefs.add(row, n);
  }
  for (const row of groupRows) {
    const n = awsName(row.r, 'name', 'groupName');
    nameOf.set(row.r.urn, n);
    groupRefs.add(row, n);
  }

  // Customer-managed policies.
  const policyRefs = new RefIndex();
  const policyRows = rows(ctxs, 'policy');
  const policyUrns = new Set(policyRows.map((r) => r.r.urn));
  const policyArn = (row: Row): string | undefined => arnOf(row.r) ?? knownStr(row.r, 'policyArn') ?? (idOf(row.r)?.startsWith('arn:') ? idOf(row.r) : undefined);
  for (const row of policyRows) {
    policyRefs.add(policyArn(row), row.r.urn);
    policyRefs.add(idOf(row.r), row.r.urn);
  }
  const holders = new Map<string, Holder>();
  const holderOf = (urn: string): Holder => holders.get(urn) ?? holders.set(urn, holder()).get(urn)!;
  const attachedTo = new Map<string, Set<string>>();
  const attach = (holderUrn: string, policyUrn: string): void => {
    holderOf(holderUrn).policies.add(policyUrn);
    (attachedTo.get(policyUrn) ?? attachedTo.set(policyUrn, new Set()).get(policyUrn)!).add(holderUrn);
  };
  /** The estate policy an ARN (or a property edge) names, if any. */
  const policyFor = (row: Row, arn: string | undefined, viaProp: string | undefined): string | undefined => {
    let p = arn !== undefined && arn !== UNKNOWN ? policyRefs.get(arn) : undefined;
    if (!p && viaProp) p = edgeTargets(row, viaProp).find((u) => policyUrns.has(u));
    return p;
  };
  const attachArn = (row: Row, holderUrn: string, arn: string | undefined, viaProp: string | undefined): void => {
    const p = policyFor(row, arn, viaProp);
    if (p) attach(holderUrn, p);
    else if (arn !== undefined && arn !== UNKNOWN && arn !== '' && arn !== REDACTED) holderOf(holderUrn).external.add(arn);
  };

  // Attachment resources.
  const attachments: readonly [Kind, 'role' | 'user' | 'group', PrincipalRefs, string][] = [
    ['rolePolicyAttachment', 'role', roleRefs, 'role'],
    ['userPolicyAttachment', 'user', userRefs, 'user'],
    ['groupPolicyAttachment', 'group', groupRefs, 'group'],
  ];
  for (const [kind, arnKind, refs, prop] of attachments) {
    for (const row of rows(ctxs, kind)) for (const h of refs.list(row, arnKind, prop)) attachArn(row, h, str(row.r, 'policyArn'), 'policyArn');
  }
  for (const row of rows(ctxs, 'policyAttachment')) {
    const arn = str(row.r, 'policyArn');
    for (const h of roleRefs.list(row, 'role', 'roles')) attachArn(row, h, arn, 'policyArn');
    for (const h of userRefs.list(row, 'user', 'users')) attachArn(row, h, arn, 'policyArn');
    for (const h of groupRefs.list(row, 'group', 'groups')) attachArn(row, h, arn, 'policyArn');
  }
  // aws-native ManagedPolicy names what it is attached to.
  for (const row of policyRows) {
    if (!row.r.type.startsWith('aws-native:')) continue;
    for (const h of roleRefs.list(row, 'role', 'roles')) attach(h, row.r.urn);
    for (const h of userRefs.list(row, 'user', 'users')) attach(h, row.r.urn);
    for (const h of groupRefs.list(row, 'group', 'groups')) attach(h, row.r.urn);
  }
  // `managedPolicyArns` on roles, users and groups.
  for (const row of [...roleRows, ...userRows, ...groupRows]) {
    for (const a of strList(propAny(row.r, 'managedPolicyArns'))) attachArn(row, row.r.urn, a, undefined);
  }

  // Inline policies: resources first, then the holder's own list (not already covered by a resource).
  const inline: { row: Row; urn: string; name: string; doc: PolicyDocument; holder: string | undefined }[] = [];
  const inlineNames = new Map<string, Set<string>>();
  const inlineKinds: readonly [Kind, 'role' | 'user' | 'group', PrincipalRefs, string[]][] = [
    ['rolePolicy', 'role', roleRefs, ['role', 'roleName']],
    ['userPolicy', 'user', userRefs, ['user', 'userName']],
    ['groupPolicy', 'group', groupRefs, ['group', 'groupName']],
  ];
  for (const [kind, arnKind, refs, props] of inlineKinds) {
    for (const row of rows(ctxs, kind)) {
      const h = refs.list(row, arnKind, ...props)[0];
      const name = awsName(row.r, 'name', 'policyName');
      if (h) (inlineNames.get(h) ?? inlineNames.set(h, new Set()).get(h)!).add(name);
      inline.push({ row, urn: row.r.urn, name, doc: doc(propAny(row.r, 'policy', 'policyDocument')), holder: h });
    }
  }
  for (const row of [...roleRows, ...userRows, ...groupRows]) {
    for (const ip of arr(propAny(row.r, 'inlinePolicies', 'policies'))) {
      const o = obj(ip);
      if (!o) continue;
      const nameRaw = o['name'] ?? o['policyName'];
      const name = typeof nameRaw === 'string' ? nameRaw : '';
      const pol = o['policy'] ?? o['policyDocument'];
      if (name === '' && (pol === undefined || pol === '' || pol === null)) continue;
      if (inlineNames.get(row.r.urn)?.has(name)) continue;
      inline.push({ row, urn: `${row.r.urn}#inline-policy/${name}`, name: name || 'inline', doc: doc(pol), holder: row.r.urn });
    }
  }
  for (const ip of inline) if (ip.holder) attach(ip.holder, ip.urn);

  // Permissions boundaries.
  const boundaryOf = new Map<string, Set<string>>();
  const boundary = (row: Row): Boundary | undefined => {
    const arn = str(row.r, 'permissionsBoundary');
    if (arn === undefined || arn === '') return undefined;
    const p = policyFor(row, arn, 'permissionsBoundary');
    if (p) (boundaryOf.get(p) ?? boundaryOf.set(p, new Set()).get(p)!).add(row.r.urn);
    return p ? { arn, policyUrn: p } : { arn };
  };

  // Group membership.
  const membersOf = new Map<string, Set<string>>();
  const otherGroupsOf = new Map<string, Set<string>>();
  const join = (user: string, group: string): void => {
    (membersOf.get(group) ?? membersOf.set(group, new Set()).get(group)!).add(user);
  };
  for (const row of rows(ctxs, 'groupMembership')) {
    const groups = groupRefs.list(row, 'group', 'group');
    for (const u of userRefs.list(row, 'user', 'users')) for (const g of groups) join(u, g);
  }
  for (const row of rows(ctxs, 'userGroupMembership')) {
    if (row.r.type.startsWith('aws-native:')) {
      const groups = groupRefs.list(row, 'group', 'groupName');
      for (const u of userRefs.list(row, 'user', 'users')) for (const g of groups) join(u, g);
      continue;
    }
    const users = userRefs.list(row, 'user', 'user');
    for (const v of strList(propAny(row.r, 'groups'))) {
      const g = groupRefs.value(row, v, 'group');
      for (const u of users) {
        if (g) join(u, g);
        else if (v !== UNKNOWN) (otherGroupsOf.get(u) ?? otherGroupsOf.set(u, new Set()).get(u)!).add(v);
      }
    }
    for (const to of edgeTargets(row, 'groups')) if (groupRefs.urns.has(to)) for (const u of users) join(u, to);
  }
  for (const row of userRows) {
    for (const v of strList(propAny(row.r, 'groups'))) {
      const g = groupRefs.value(row, v, 'group');
      if (g) join(row.r.urn, g);
      else if (v !== UNKNOWN) (otherGroupsOf.get(row.r.urn) ?? otherGroupsOf.set(row.r.urn, new Set()).get(row.r.urn)!).add(v);
    }
  }

  // Instance profiles.
  const profilesOf = new Map<string, Set<string>>();
  for (const row of rows(ctxs, 'instanceProfile')) {
    for (const role of roleRefs.list(row, 'role', 'role', 'roles')) (profilesOf.get(role) ?? profilesOf.set(role, new Set()).get(role)!).add(awsName(row.r, 'name', 'instanceProfileName'));
  }

  const sorted = (s: Set<string> | undefined) => [...(s ?? [])].sort(compareStrings);
  const roles: Role[] = roleRows.map((row) => {
    const name = nameOf.get(row.r.urn)!;
    let arn = arnOf(row.r);
    if (arn === undefined && row.g.account) arn = `arn:aws:iam::${row.g.account}:role${knownStr(row.r, 'path') ?? '/'}${name}`;
    const profiles = sorted(profilesOf.get(row.r.urn));
    const trustValue = propAny(row.r, 'assumeRolePolicy', 'assumeRolePolicyDocument');
    const base = entityBase(row, name, arn);
    const h = holders.get(row.r.urn);
    const role: Mutable<Role> = {
      ...base,
      trust: trustOf(doc(trustValue), base.account, profiles.length > 0, tagsOf(row.r), trustValue === REDACTED),
      policies: sorted(h?.policies),
      externalPolicies: sorted(h?.external),
      instanceProfiles: profiles,
      workloads: [],
    };
    const b = boundary(row);
    if (b) role.boundary = b;
    return role;
  });
  const users: IamUser[] = userRows.map((row) => {
    const name = nameOf.get(row.r.urn)!;
    let arn = arnOf(row.r);
    if (arn === undefined && row.g.account) arn = `arn:aws:iam::${row.g.account}:user${knownStr(row.r, 'path') ?? '/'}${name}`;
    const h = holders.get(row.r.urn);
    const groups = [...membersOf.entries()].filter(([, m]) => m.has(row.r.urn)).map(([g]) => g).sort(compareStrings);
    const u: Mutable<IamUser> = {
      ...entityBase(row, name, arn),
      policies: sorted(h?.policies),
      externalPolicies: sorted(h?.external),
      groups,
      otherGroups: sorted(otherGroupsOf.get(row.r.urn)),
    };
    const b = boundary(row);
    if (b) u.boundary = b;
    return u;
  });
  const groups: IamGroup[] = groupRows.map((row) => {
    const name = nameOf.get(row.r.urn)!;
    let arn = arnOf(row.r);
    if (arn === undefined && row.g.account) arn = `arn:aws:iam::${row.g.account}:group${knownStr(row.r, 'path') ?? '/'}${name}`;
    const h = holders.get(row.r.urn);
    return { ...entityBase(row, name, arn), policies: sorted(h?.policies), externalPolicies: sorted(h?.external), members: sorted(membersOf.get(row.r.urn)) };
  });

  const policies: IamPolicy[] = [];
  for (const row of policyRows) {
    policies.push({
      ...entityBase(row, awsName(row.r, 'name', 'managedPolicyName'), policyArn(row)),
      kind: 'managed',
      document: doc(propAny(row.r, 'policy', 'policyDocument')),
      attachedTo: sorted(attachedTo.get(row.r.urn)),
      boundaryOf: sorted(boundaryOf.get(row.r.urn)),
    });
  }
  for (const ip of inline) {
    const b = entityBase(ip.row, ip.name, undefined);
    b.urn = ip.urn;
    if (ip.urn !== ip.row.r.urn) {
      b.tags = {};
      delete b.description;
    }
    policies.push({ ...b, kind: 'inline', document: ip.doc, attachedTo: sorted(attachedTo.get(ip.urn)), boundaryOf: [] });
  }
  return {
    roles,
    users,
    groups,
    policies,
    resolveRole: (row, value, p) => roleRefs.value(row, value, 'role') ?? edgeTargets(row, p).find((u) => roleRefs.urns.has(u)),
  };
}
