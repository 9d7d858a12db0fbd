/**
 * The access engine's input from the estate's entities, and its output: every role, user and group
 * with the policies that apply to it (its own, and a user's groups'), its permissions boundary and
 * its AWS-managed policies from the snapshot; the principals outside the estate that secret
 * policies, key policies and grants name; and parameters, secrets and keys as the engine matches
 * them (ARN fields, account, region, tags, key, resource policy).
 */

import { compareStrings } from '../../util/collections.ts';
import { REDACTED, UNKNOWN } from '../../graph/types.ts';
import type {
  Boundary,
  Estate,
  ExternalPrincipal,
  IamGroup,
  IamPolicy,
  IamUser,
  KmsKey,
  Parameter,
  PolicyDocument,
  PrincipalAccess,
  PrincipalKind,
  Role,
  Secret,
} from '../model.ts';
import { isAwsManagedKeyId, SECRET_SUFFIX_PLACEHOLDER, splitArn, type ArnSubject } from '../iam/arn.ts';
import { analyseAccess, type EnginePrincipal, type KeyRef, type KeySubject, type ParameterSubject, type SecretSubject } from '../iam/engine.ts';
import { accountOf, type PolicySource } from '../iam/evaluate.ts';
import { awsManagedPolicy, awsManagedPolicyPath, managedPoliciesSnapshot } from '../iam/managed.ts';

/** An ARN subject for matching: from the ARN when known, else built from what is known. */
function subjectFor(arn: string | undefined, service: string, region: string | undefined, account: string | undefined, resource: string): ArnSubject {
  const fromArn = arn !== undefined && arn !== UNKNOWN ? splitArn(arn) : undefined;
  if (fromArn) return fromArn;
  return { partition: 'aws', service, ...(region ? { region } : {}), ...(account ? { account } : {}), resource };
}

/** The AWS default key policy: the account root may do everything (delegation to IAM). */
export function defaultKeyPolicy(account: string | undefined): PolicyDocument {
  return {
    version: '2012-10-17',
    statements: [{ sid: 'Enable IAM User Permissions', effect: 'Allow', principals: { AWS: [`arn:aws:iam::${account ?? '*'}:root`] }, actions: ['kms:*'], resources: ['*'], conditions: [] }],
    unknown: false,
  };
}

function keyRef(keyUrn: string | undefined, keyId: string | undefined): KeyRef {
  if (keyUrn !== undefined) return { kind: 'estate', urn: keyUrn };
  if (keyId === undefined || keyId === '' || isAwsManagedKeyId(keyId)) return { kind: 'aws-managed' };
  return { kind: 'unknown', id: keyId === UNKNOWN ? 'set from an output' : keyId };
}

/** The entities access is computed over: the estate's lists of them. */
type Entities = Pick<Estate, 'parameters' | 'secrets' | 'keys' | 'policies' | 'roles' | 'users' | 'groups'>;

function externalFrom(value: string, kind: 'AWS' | 'Service', resourceAccount: string | undefined, estateArns: ReadonlySet<string>): Omit<ExternalPrincipal, 'namedBy'> | undefined {
  if (value === UNKNOWN || value === REDACTED || value === '') return undefined;
  if (kind === 'Service') return { id: `external:service:${value}`, kind: 'service', name: value, arn: value };
  if (value === '*') return { id: 'external:*', kind: 'any', name: 'any principal (*)' };
  if (estateArns.has(value)) return undefined;
  // A session of an estate role (`arn:aws:sts::<account>:assumed-role/<role>/<session>`) is that role's.
  const session = /^arn:[^:]+:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(value);
  if (session && estateArns.has(`\u0000role:${session[1]}:${session[2]}`)) return undefined;
  const acct = accountOf(value);
  if (/^\d{12}$/.test(value) || /:root$/.test(value)) {
    if (acct === undefined || acct === resourceAccount) return undefined; // the resource's own account: delegation to its IAM
    return { id: `external:account:${acct}`, kind: 'account', name: `account ${acct}`, account: acct };
  }
  const m = /^arn:[^:]+:(?:iam|sts)::(\d{12}):(role|user|assumed-role|federated-user)\/(.+)$/.exec(value);
  if (!m) return { id: `external:${value}`, kind: 'account', name: value, arn: value, ...(acct ? { account: acct } : {}) };
  const k: PrincipalKind = m[2] === 'user' || m[2] === 'federated-user' ? 'user' : 'role';
  return { id: `external:${value}`, kind: k, name: `${m[2]} ${m[3]!.split('/').pop()} (account ${m[1]})`, arn: value, account: m[1]! };
}

/** The principals outside the estate that resource policies, key policies and grants name. */
export function externalPrincipals(e: Entities): ExternalPrincipal[] {
  const estateArns = new Set([...e.roles, ...e.users, ...e.groups].map((p) => p.arn).filter((a): a is string => a !== undefined));
  // Roles by account and name too, for their sessions' ARNs (which drop the role's path).
  for (const r of e.roles) {
    const m = r.arn !== undefined ? /^arn:[^:]+:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(r.arn) : null;
    if (m) estateArns.add(`\u0000role:${m[1]}:${m[2]}`);
  }
  const found = new Map<string, { p: Omit<ExternalPrincipal, 'namedBy'>; by: Set<string> }>();
  const note = (p: Omit<ExternalPrincipal, 'namedBy'> | undefined, by: string): void => {
    if (p === undefined) return;
    const cur = found.get(p.id) ?? found.set(p.id, { p, by: new Set() }).get(p.id)!;
    cur.by.add(by);
  };
  const fromDoc = (doc: PolicyDocument | undefined, urn: string, account: string | undefined): void => {
    for (const st of doc?.statements ?? []) {
      if (st.effect !== 'Allow' || st.principals === undefined) continue;
      if (st.principals.any) note(externalFrom('*', 'AWS', account, estateArns), urn);
      for (const v of st.principals.AWS ?? []) note(externalFrom(v, 'AWS', account, estateArns), urn);
      for (const v of st.principals.Service ?? []) note(externalFrom(v, 'Service', account, estateArns), urn);
    }
  };
  for (const s of e.secrets) fromDoc(s.policy, s.urn, s.account);
  for (const k of e.keys) {
    fromDoc(k.policy, k.urn, k.account);
    for (const g of k.grants) {
      const v = g.grantee;
      note(/\.amazonaws\.com$/.test(v) ? externalFrom(v, 'Service', k.account, estateArns) : externalFrom(v, 'AWS', k.account, estateArns), k.urn);
    }
  }
  return [...found.values()]
    .map(({ p, by }) => ({ ...p, namedBy: [...by].sort(compareStrings) }))
    .sort((a, b) => compareStrings(a.id, b.id));
}

/** An AWS-managed policy's name from its ARN. */
function managedName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** The sources of a principal's attached policies (estate and AWS-managed), and what is not known. */
function sources(
  holder: { readonly policies: readonly string[]; readonly externalPolicies: readonly string[] },
  policies: ReadonlyMap<string, IamPolicy>,
  group: string | undefined,
  notes: Set<string>,
): { sources: PolicySource[]; complete: boolean } {
  const out: PolicySource[] = [];
  let complete = true;
  for (const urn of holder.policies) {
    const p = policies.get(urn);
    if (!p) continue;
    if (p.document.unknown) {
      complete = false;
      notes.add(p.document.statements.length === 0 ? `policy ${p.name} is unknown or unreadable in this source: its grants are not derived` : `policy ${p.name} is partly unknown in this source: what it grants is marked unknown`);
    }
    out.push({ kind: 'identity', ref: urn, name: p.name, document: p.document, ...(group !== undefined ? { group } : {}) });
  }
  for (const arn of holder.externalPolicies) {
    const doc = awsManagedPolicyPath(arn) !== undefined ? awsManagedPolicy(arn) : undefined;
    if (doc) {
      out.push({ kind: 'identity', ref: arn, name: managedName(arn), document: doc, ...(group !== undefined ? { group } : {}) });
      const snap = managedPoliciesSnapshot();
      notes.add(`AWS-managed policy ${managedName(arn)} evaluated from the snapshot of ${snap.asOf}`);
    } else {
      complete = false;
      notes.add(
        awsManagedPolicyPath(arn) !== undefined
          ? `AWS-managed policy ${arn} is not in the snapshot of ${managedPoliciesSnapshot().asOf}: what it grants is not known`
          : `policy ${arn} is not in the estate: what it grants is not known`,
      );
    }
  }
  return { sources: out, complete };
}

function boundarySource(b: Boundary | undefined, policies: ReadonlyMap<string, IamPolicy>, notes: Set<string>): PolicySource | 'unknown' | undefined {
  if (b === undefined) return undefined;
  if (b.policyUrn !== undefined) {
    const p = policies.get(b.policyUrn);
    if (p) return { kind: 'boundary', ref: p.urn, name: p.name, document: p.document };
  }
  if (b.arn !== UNKNOWN && b.arn !== REDACTED) {
    const doc = awsManagedPolicyPath(b.arn) !== undefined ? awsManagedPolicy(b.arn) : undefined;
    if (doc) return { kind: 'boundary', ref: b.arn, name: managedName(b.arn), document: doc };
  }
  notes.add(`permissions boundary ${b.arn === UNKNOWN ? '(set from an output)' : b.arn} is not known: what it allows is not known`);
  return 'unknown';
}

/** An estate role, user or group as the engine sees it: its own and its groups' policies, its boundary, what is not known. */
function enginePrincipal(
  x: Role | IamUser | IamGroup,
  kind: 'role' | 'user' | 'group',
  extraGroups: readonly IamGroup[],
  boundary: Boundary | undefined,
  policies: ReadonlyMap<string, IamPolicy>,
): EnginePrincipal {
  const notes = new Set<string>();
  const own = sources(x, policies, undefined, notes);
  let complete = own.complete;
  const identity = [...own.sources];
  for (const g of extraGroups) {
    const s = sources(g, policies, g.name, notes);
    identity.push(...s.sources);
    complete &&= s.complete;
  }
  if ('otherGroups' in x && x.otherGroups.length > 0) {
    complete = false;
    notes.add(`member of ${x.otherGroups.join(', ')}, not in the estate: what those groups grant is not known`);
  }
  const b = boundarySource(boundary, policies, notes);
  if (b === 'unknown') complete = false;
  return {
    id: x.urn,
    kind,
    name: x.name,
    ...(x.arn !== undefined && x.arn !== UNKNOWN ? { arn: x.arn } : {}),
    ...(x.account !== undefined ? { account: x.account } : {}),
    tags: x.tags,
    identity,
    ...(b !== undefined ? { boundary: b } : {}),
    external: false,
    notes: [...notes].sort(compareStrings),
    complete,
  };
}

/** A principal outside the estate as the engine sees it: no identity policies of its own. */
function externalEnginePrincipal(x: ExternalPrincipal): EnginePrincipal {
  return {
    id: x.id,
    kind: x.kind,
    name: x.name,
    ...(x.arn !== undefined ? { arn: x.arn } : {}),
    ...(x.account !== undefined ? { account: x.account } : {}),
    tags: {},
    identity: [],
    external: true,
    notes: x.kind === 'service' ? [] : ['outside the estate: it can use what the resource policies grant if its own account\'s IAM policies allow it too (conditional)'],
    complete: true,
  };
}

/** A parameter as the engine matches it: its path, ARN subject, account, region, tags and key. */
function parameterSubject(p: Parameter): ParameterSubject {
  const rel = p.path.startsWith('/') ? p.path.slice(1) : p.path;
  return {
    urn: p.urn,
    path: p.path.startsWith('/') ? p.path : `/${p.path}`,
    subject: subjectFor(p.arn, 'ssm', p.region, p.account, `parameter/${rel}`),
    ...(p.account !== undefined ? { account: p.account } : {}),
    ...(p.region !== undefined ? { region: p.region } : {}),
    tags: p.tags,
    secure: p.type === 'SecureString',
    key: keyRef(p.keyUrn, p.keyId),
  };
}

/** A secret as the engine matches it: its ARN subject (suffix unknown without an ARN), resource policy and key. */
function secretSubject(s: Secret): SecretSubject {
  const known = s.arn !== undefined && s.arn !== UNKNOWN;
  const subject = subjectFor(known ? s.arn : undefined, 'secretsmanager', s.region, s.account, `secret:${s.name}-${SECRET_SUFFIX_PLACEHOLDER}`);
  return {
    urn: s.urn,
    subject: known ? subject : { ...subject, unknownSuffix: true },
    ...(s.account !== undefined ? { account: s.account } : {}),
    ...(s.region !== undefined ? { region: s.region } : {}),
    tags: s.tags,
    ...(s.policy !== undefined ? { policy: { kind: 'resource-policy' as const, ref: s.policyUrn ?? s.urn, name: `policy of ${s.name}`, document: s.policy } } : {}),
    key: keyRef(s.keyUrn, s.keyId),
  };
}

/** A key as the engine matches it: its ARN subject, key policy (the default one when it has none) and grants. */
function keySubject(k: KmsKey): KeySubject {
  const doc = k.policy ?? defaultKeyPolicy(k.account);
  const knownPolicy = !(doc.unknown && doc.statements.length === 0);
  return {
    urn: k.urn,
    subject: subjectFor(k.arn, 'kms', k.region, k.account, k.keyId ? `key/${k.keyId}` : `key/${k.urn}`),
    ...(k.account !== undefined ? { account: k.account } : {}),
    ...(k.region !== undefined ? { region: k.region } : {}),
    tags: k.tags,
    ...(knownPolicy ? { policy: { kind: 'key-policy' as const, ref: k.urn, name: `key policy of ${k.aliases[0] ?? k.name}`, document: doc } } : {}),
    grants: k.grants,
  };
}

/** The access of every principal (estate and external), from the engine input built from the entities. */
export function engineAccess(e: Entities, externals: readonly ExternalPrincipal[]): PrincipalAccess[] {
  const policies = new Map(e.policies.map((p) => [p.urn, p]));
  const groups = new Map(e.groups.map((g) => [g.urn, g]));
  const principals: EnginePrincipal[] = [];
  for (const r of e.roles) principals.push(enginePrincipal(r, 'role', [], r.boundary, policies));
  for (const u of e.users) principals.push(enginePrincipal(u, 'user', u.groups.map((g) => groups.get(g)).filter((g): g is IamGroup => g !== undefined), u.boundary, policies));
  for (const g of e.groups) principals.push(enginePrincipal(g, 'group', [], undefined, policies));
  for (const x of externals) principals.push(externalEnginePrincipal(x));
  const parameters = e.parameters.map(parameterSubject);
  const secrets = e.secrets.map(secretSubject);
  const keys = e.keys.map(keySubject);
  return analyseAccess({ principals, parameters, secrets, keys });
}
