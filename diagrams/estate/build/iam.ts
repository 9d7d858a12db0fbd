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
import type { Boundary, EntityBase, IamGroup, IamPolicy, IamUser, PolicyDocument, Role } from '../model.ts';
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

/** The estate's roles, users and groups: their rows, names and reference resolvers. */
interface Principals {
  readonly roleRefs: PrincipalRefs;
  readonly userRefs: PrincipalRefs;
  readonly groupRefs: PrincipalRefs;
  readonly roleRows: readonly Row[];
  readonly userRows: readonly Row[];
  readonly groupRows: readonly Row[];
  /** Each principal's AWS name, by URN. */
  readonly nameOf: ReadonlyMap<string, string>;
}

/** Collects the roles, users and groups and indexes their names, ARNs and ids. */
function indexPrincipals(ctxs: readonly GraphCtx[]): Principals {
  const p = {
    roleRefs: new PrincipalRefs(),
    userRefs: new PrincipalRefs(),
    groupRefs: new PrincipalRefs(),
    roleRows: rows(ctxs, 'role'),
    userRows: rows(ctxs, 'user'),
    groupRows: rows(ctxs, 'group'),
    nameOf: new Map<string, string>(),
  };
  const kinds = [
    [p.roleRows, p.roleRefs, 'roleName'],
    [p.userRows, p.userRefs, 'userName'],
    [p.groupRows, p.groupRefs, 'groupName'],
  ] as const;
  for (const [kindRows, refs, nameProp] of kinds) {
    for (const row of kindRows) {
      const n = awsName(row.r, 'name', nameProp);
      p.nameOf.set(row.r.urn, n);
      refs.add(row, n);
    }
  }
  return p;
}

/** A customer-managed policy's ARN: its `arn`, `policyArn`, else an id that is an ARN. */
function policyArn(row: Row): string | undefined {
  return arnOf(row.r) ?? knownStr(row.r, 'policyArn') ?? (idOf(row.r)?.startsWith('arn:') ? idOf(row.r) : undefined);
}

/** A set's values in code-unit order (none for no set). */
const sorted = (s: Set<string> | undefined) => [...(s ?? [])].sort(compareStrings);

/** Which policies each principal holds (estate and external ARNs), and whom each policy is attached to or bounds. */
class PolicyLinks {
  private readonly policyRefs = new RefIndex();
  private readonly policyUrns: ReadonlySet<string>;
  readonly holders = new Map<string, Holder>();
  readonly attachedTo = new Map<string, Set<string>>();
  readonly boundaryOf = new Map<string, Set<string>>();
  /** Indexes the customer-managed policies by ARN and id. */
  constructor(policyRows: readonly Row[]) {
    this.policyUrns = new Set(policyRows.map((r) => r.r.urn));
    for (const row of policyRows) {
      this.policyRefs.add(policyArn(row), row.r.urn);
      this.policyRefs.add(idOf(row.r), row.r.urn);
    }
  }
  /** The policies a principal holds so far (made on first use). */
  private holderOf(urn: string): Holder {
    return this.holders.get(urn) ?? this.holders.set(urn, holder()).get(urn)!;
  }
  /** Attaches an estate policy to a principal. */
  attach(holderUrn: string, policyUrn: string): void {
    this.holderOf(holderUrn).policies.add(policyUrn);
    (this.attachedTo.get(policyUrn) ?? this.attachedTo.set(policyUrn, new Set()).get(policyUrn)!).add(holderUrn);
  }
  /** The estate policy an ARN (or a property edge) names, if any. */
  policyFor(row: Row, arn: string | undefined, viaProp: string | undefined): string | undefined {
    let p = arn !== undefined && arn !== UNKNOWN ? this.policyRefs.get(arn) : undefined;
    if (!p && viaProp) p = edgeTargets(row, viaProp).find((u) => this.policyUrns.has(u));
    return p;
  }
  /** Attaches the policy an ARN names: the estate's when it is one, else the ARN as an external policy. */
  attachArn(row: Row, holderUrn: string, arn: string | undefined, viaProp: string | undefined): void {
    const p = this.policyFor(row, arn, viaProp);
    if (p) this.attach(holderUrn, p);
    else if (arn !== undefined && arn !== UNKNOWN && arn !== '' && arn !== REDACTED) this.holderOf(holderUrn).external.add(arn);
  }
  /** The estate policies and external policy ARNs a principal holds, sorted. */
  held(urn: string): { policies: string[]; externalPolicies: string[] } {
    const h = this.holders.get(urn);
    return { policies: sorted(h?.policies), externalPolicies: sorted(h?.external) };
  }
  /** A principal's permissions boundary, noting the estate policy it names as bounding it. */
  boundary(row: Row): Boundary | undefined {
    const arn = str(row.r, 'permissionsBoundary');
    if (arn === undefined || arn === '') return undefined;
    const p = this.policyFor(row, arn, 'permissionsBoundary');
    if (p) (this.boundaryOf.get(p) ?? this.boundaryOf.set(p, new Set()).get(p)!).add(row.r.urn);
    return p ? { arn, policyUrn: p } : { arn };
  }
}

/** Links the managed policies: attachment resources, aws-native ManagedPolicy's own lists, and `managedPolicyArns`. */
function linkManagedPolicies(ctxs: readonly GraphCtx[], pr: Principals, policyRows: readonly Row[], links: PolicyLinks): void {
  const { roleRefs, userRefs, groupRefs } = pr;
  // Attachment resources.
  const attachments: readonly [Kind, 'role' | 'user' | 'group', PrincipalRefs, string][] = [
    ['rolePolicyAttachment', 'role', roleRefs, 'role'],
    ['userPolicyAttachment', 'user', userRefs, 'user'],
    ['groupPolicyAttachment', 'group', groupRefs, 'group'],
  ];
  for (const [kind, arnKind, refs, prop] of attachments) {
    for (const row of rows(ctxs, kind)) for (const h of refs.list(row, arnKind, prop)) links.attachArn(row, h, str(row.r, 'policyArn'), 'policyArn');
  }
  for (const row of rows(ctxs, 'policyAttachment')) {
    const arn = str(row.r, 'policyArn');
    for (const h of roleRefs.list(row, 'role', 'roles')) links.attachArn(row, h, arn, 'policyArn');
    for (const h of userRefs.list(row, 'user', 'users')) links.attachArn(row, h, arn, 'policyArn');
    for (const h of groupRefs.list(row, 'group', 'groups')) links.attachArn(row, h, arn, 'policyArn');
  }
  // aws-native ManagedPolicy names what it is attached to.
  for (const row of policyRows) {
    if (!row.r.type.startsWith('aws-native:')) continue;
    for (const h of roleRefs.list(row, 'role', 'roles')) links.attach(h, row.r.urn);
    for (const h of userRefs.list(row, 'user', 'users')) links.attach(h, row.r.urn);
    for (const h of groupRefs.list(row, 'group', 'groups')) links.attach(h, row.r.urn);
  }
  // `managedPolicyArns` on roles, users and groups.
  for (const row of [...pr.roleRows, ...pr.userRows, ...pr.groupRows]) {
    for (const a of strList(propAny(row.r, 'managedPolicyArns'))) links.attachArn(row, row.r.urn, a, undefined);
  }
}

/** An inline policy: a RolePolicy / UserPolicy / GroupPolicy resource, or an entry of a principal's own list. */
interface InlinePolicy {
  readonly row: Row;
  readonly urn: string;
  readonly name: string;
  readonly doc: PolicyDocument;
  readonly holder: string | undefined;
}

/** Collects the inline policies: resources first, then the holder's own list (not already covered by a resource). */
function collectInline(ctxs: readonly GraphCtx[], pr: Principals): InlinePolicy[] {
  const inline: InlinePolicy[] = [];
  const inlineNames = new Map<string, Set<string>>();
  const inlineKinds: readonly [Kind, 'role' | 'user' | 'group', PrincipalRefs, string[]][] = [
    ['rolePolicy', 'role', pr.roleRefs, ['role', 'roleName']],
    ['userPolicy', 'user', pr.userRefs, ['user', 'userName']],
    ['groupPolicy', 'group', pr.groupRefs, ['group', 'groupName']],
  ];
  for (const [kind, arnKind, refs, props] of inlineKinds) {
    for (const row of rows(ctxs, kind)) {
      const h = refs.list(row, arnKind, ...props)[0];
      const name = awsName(row.r, 'name', 'policyName');
      if (h) (inlineNames.get(h) ?? inlineNames.set(h, new Set()).get(h)!).add(name);
      inline.push({ row, urn: row.r.urn, name, doc: doc(propAny(row.r, 'policy', 'policyDocument')), holder: h });
    }
  }
  for (const row of [...pr.roleRows, ...pr.userRows, ...pr.groupRows]) {
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
  return inline;
}

/** Group membership: each estate group's members, and the groups outside the estate each user is in. */
interface Membership {
  readonly membersOf: ReadonlyMap<string, Set<string>>;
  readonly otherGroupsOf: ReadonlyMap<string, Set<string>>;
}

/** Collects group membership from GroupMembership, UserGroupMembership (and aws-native's) and users' own `groups`. */
function collectMembership(ctxs: readonly GraphCtx[], pr: Principals): Membership {
  const { userRefs, groupRefs } = pr;
  const membersOf = new Map<string, Set<string>>();
  const otherGroupsOf = new Map<string, Set<string>>();
  const join = (user: string, group: string): void => {
    (membersOf.get(group) ?? membersOf.set(group, new Set()).get(group)!).add(user);
  };
  const other = (user: string, group: string): void => {
    (otherGroupsOf.get(user) ?? otherGroupsOf.set(user, new Set()).get(user)!).add(group);
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
        else if (v !== UNKNOWN) other(u, v);
      }
    }
    for (const to of edgeTargets(row, 'groups')) if (groupRefs.urns.has(to)) for (const u of users) join(u, to);
  }
  for (const row of pr.userRows) {
    for (const v of strList(propAny(row.r, 'groups'))) {
      const g = groupRefs.value(row, v, 'group');
      if (g) join(row.r.urn, g);
      else if (v !== UNKNOWN) other(row.r.urn, v);
    }
  }
  return { membersOf, otherGroupsOf };
}

/** The instance profile names of each role. */
function collectInstanceProfiles(ctxs: readonly GraphCtx[], pr: Principals): Map<string, Set<string>> {
  const profilesOf = new Map<string, Set<string>>();
  for (const row of rows(ctxs, 'instanceProfile')) {
    for (const role of pr.roleRefs.list(row, 'role', 'role', 'roles')) (profilesOf.get(role) ?? profilesOf.set(role, new Set()).get(role)!).add(awsName(row.r, 'name', 'instanceProfileName'));
  }
  return profilesOf;
}

/** A principal's common fields: its AWS name, and its ARN (else built from the stack's account, its path and name). */
function principalBase(row: Row, pr: Principals, arnKind: 'role' | 'user' | 'group'): Mutable<EntityBase> {
  const name = pr.nameOf.get(row.r.urn)!;
  let arn = arnOf(row.r);
  if (arn === undefined && row.g.account) arn = `arn:aws:iam::${row.g.account}:${arnKind}${knownStr(row.r, 'path') ?? '/'}${name}`;
  return entityBase(row, name, arn);
}

/** Sets a role's or user's permissions boundary, when it has one. */
function withBoundary<T extends { boundary?: Boundary }>(x: Mutable<T>, row: Row, links: PolicyLinks): T {
  const b = links.boundary(row);
  if (b) x.boundary = b;
  return x;
}

/** One role with its trust, policies, instance profiles and permissions boundary. */
function toRole(row: Row, pr: Principals, links: PolicyLinks, profilesOf: ReadonlyMap<string, Set<string>>): Role {
  const base = principalBase(row, pr, 'role');
  const profiles = sorted(profilesOf.get(row.r.urn));
  const trustValue = propAny(row.r, 'assumeRolePolicy', 'assumeRolePolicyDocument');
  const trust = trustOf(doc(trustValue), base.account, profiles.length > 0, tagsOf(row.r), trustValue === REDACTED);
  return withBoundary<Role>(Object.assign(base, { trust }, links.held(row.r.urn), { instanceProfiles: profiles, workloads: [] }), row, links);
}

/** One user with its policies, groups (in the estate and outside it) and permissions boundary. */
function toUser(row: Row, pr: Principals, links: PolicyLinks, m: Membership): IamUser {
  const base = principalBase(row, pr, 'user');
  const groups = [...m.membersOf.entries()].filter(([, members]) => members.has(row.r.urn)).map(([g]) => g).sort(compareStrings);
  return withBoundary<IamUser>({ ...base, ...links.held(row.r.urn), groups, otherGroups: sorted(m.otherGroupsOf.get(row.r.urn)) }, row, links);
}

/** One group with its policies and members. */
function toGroup(row: Row, pr: Principals, links: PolicyLinks, m: Membership): IamGroup {
  return { ...principalBase(row, pr, 'group'), ...links.held(row.r.urn), members: sorted(m.membersOf.get(row.r.urn)) };
}

/** The policies: customer-managed ones, then inline ones (an entry of a principal's own list without its tags and description). */
function toPolicies(policyRows: readonly Row[], inline: readonly InlinePolicy[], links: PolicyLinks): IamPolicy[] {
  const policies: IamPolicy[] = [];
  for (const row of policyRows) {
    policies.push(Object.assign(entityBase(row, awsName(row.r, 'name', 'managedPolicyName'), policyArn(row)), {
      kind: 'managed' as const,
      document: doc(propAny(row.r, 'policy', 'policyDocument')),
      attachedTo: sorted(links.attachedTo.get(row.r.urn)),
      boundaryOf: sorted(links.boundaryOf.get(row.r.urn)),
    }));
  }
  for (const ip of inline) {
    const b = entityBase(ip.row, ip.name, undefined);
    b.urn = ip.urn;
    if (ip.urn !== ip.row.r.urn) {
      b.tags = {};
      delete b.description;
    }
    policies.push({ ...b, kind: 'inline', document: ip.doc, attachedTo: sorted(links.attachedTo.get(ip.urn)), boundaryOf: [] });
  }
  return policies;
}

/** The estate's roles, users, groups and policies, linked (attachments, membership, boundaries), and the role resolver. */
export function buildIam(ctxs: readonly GraphCtx[]): IamResult {
  const pr = indexPrincipals(ctxs);
  // Customer-managed policies.
  const policyRows = rows(ctxs, 'policy');
  const links = new PolicyLinks(policyRows);
  linkManagedPolicies(ctxs, pr, policyRows, links);
  const inline = collectInline(ctxs, pr);
  for (const ip of inline) if (ip.holder) links.attach(ip.holder, ip.urn);
  const membership = collectMembership(ctxs, pr);
  const profilesOf = collectInstanceProfiles(ctxs, pr);
  // Boundaries are noted as roles and users are built, before the policies read them.
  const roles = pr.roleRows.map((row) => toRole(row, pr, links, profilesOf));
  const users = pr.userRows.map((row) => toUser(row, pr, links, membership));
  const groups = pr.groupRows.map((row) => toGroup(row, pr, links, membership));
  const policies = toPolicies(policyRows, inline, links);
  const { roleRefs } = pr;
  return {
    roles,
    users,
    groups,
    policies,
    resolveRole: (row, value, p) => roleRefs.value(row, value, 'role') ?? edgeTargets(row, p).find((u) => roleRefs.urns.has(u)),
  };
}
