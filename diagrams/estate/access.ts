/**
 * Access analysis: for every role, which parameters and secrets it can read (or only describe, or
 * write), the parameter path prefixes it can read (for drawing), and which KMS keys it can decrypt
 * with. Identity policies are evaluated as IAM does for these actions:
 *
 * - an explicit Deny wins over any Allow (a Deny with conditions is not applied: noted);
 * - action wildcards are case-insensitive (`ssm:Get*`, `secretsmanager:*`, `*`);
 * - resource ARNs match field by field with `*` and `?`; secret ARNs carry a 6-character suffix;
 * - an Allow with NotAction grants every action not listed; an Allow with NotResource grants every
 *   resource not listed; a Deny with NotResource denies only where the resource is known not to
 *   match (all noted);
 * - conditions are carried along, not evaluated; KMS key policies are evaluated (with
 *   `aws:PrincipalArn`) by ./iam.ts `keyPolicyDecision`;
 * - anything unknown (a preview's unknown value) makes the entry `certainty: 'unknown'`.
 *
 * Cost: each policy is compiled once (shared by the roles it is attached to); each statement finds
 * its candidates through a `ResourceIndex` (binary search on the literal ARN prefix), so the work is
 * proportional to what is granted, not to roles x statements x resources.
 */

import type {
  AccessEntry,
  Certainty,
  Condition,
  IamPolicy,
  KeyAccess,
  KmsKey,
  Parameter,
  PolicyDocument,
  PolicyStatement,
  PrefixGrant,
  Role,
  RoleAccess,
  Secret,
} from './model.ts';
import { ResourceIndex, ResourcePattern, coveredActions, keyPolicyDecision, type ArnSubject } from './iam.ts';

export const PARAMETER_READ = ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'] as const;
export const SECRET_VALUE = ['secretsmanager:GetSecretValue'] as const;
export const SECRET_METADATA = ['secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'] as const;
export const SECRET_WRITE = ['secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'] as const;
export const KEY_DECRYPT = ['kms:Decrypt'] as const;
const SECRET_ACTIONS: readonly string[] = [...SECRET_VALUE, ...SECRET_METADATA, ...SECRET_WRITE];

/** Identity policies of a few AWS-managed policies, as published (only what matters for these actions). */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  AdministratorAccess: doc([{ effect: 'Allow', actions: ['*'], resources: ['*'], conditions: [] }]),
  PowerUserAccess: doc([
    { effect: 'Allow', notActions: ['iam:*', 'organizations:*', 'account:*'], resources: ['*'], conditions: [] },
  ]),
  AmazonSSMReadOnlyAccess: doc([{ effect: 'Allow', actions: ['ssm:Describe*', 'ssm:Get*', 'ssm:List*'], resources: ['*'], conditions: [] }]),
  AmazonSSMFullAccess: doc([{ effect: 'Allow', actions: ['ssm:*'], resources: ['*'], conditions: [] }]),
  SecretsManagerReadWrite: doc([{ effect: 'Allow', actions: ['secretsmanager:*'], resources: ['*'], conditions: [] }]),
};

function doc(statements: PolicyStatement[]): PolicyDocument {
  return { version: '2012-10-17', statements, unknown: false };
}

/** The built-in copy of an AWS-managed policy by ARN (`arn:aws:iam::aws:policy/<path><name>`). */
export function awsManagedPolicy(arn: string): PolicyDocument | undefined {
  const m = /^arn:aws[\w-]*:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? AWS_MANAGED_POLICIES[m[1]!] : undefined;
}

export interface Subject<T> {
  readonly entity: T;
  readonly subject: ArnSubject;
}

export interface KeySubject extends Subject<KmsKey> {
  /** The key's policy; undefined when not known (then keyPolicyAllows is 'unknown'). */
  readonly policy?: PolicyDocument;
}

export interface AccessInput {
  readonly roles: readonly Role[];
  /** Estate policies by URN. */
  readonly policies: ReadonlyMap<string, IamPolicy>;
  readonly parameters: readonly Subject<Parameter>[];
  readonly secrets: readonly Subject<Secret>[];
  readonly keys: readonly KeySubject[];
}

interface Compiled {
  readonly ref: string;
  readonly effect: 'Allow' | 'Deny';
  readonly sid?: string;
  /** Relevant actions the statement covers. */
  readonly actions: readonly string[];
  readonly actionsUnknown: boolean;
  readonly resources?: readonly ResourcePattern[];
  readonly notResources?: readonly ResourcePattern[];
  readonly conditions: readonly Condition[];
  readonly viaServices: readonly string[];
  readonly usesNotAction: boolean;
  /** The children of a GetParametersByPath path (`<path>/*`), derived from a statement. */
  readonly derived?: boolean;
}

interface PolicyCompiled {
  readonly statements: readonly Compiled[];
  readonly unknown: boolean;
  readonly notes: readonly string[];
}

const ALL_ACTIONS: readonly string[] = [...PARAMETER_READ, ...SECRET_ACTIONS, ...KEY_DECRYPT];

function compilePolicy(ref: string, label: string, d: PolicyDocument): PolicyCompiled {
  const notes: string[] = [];
  if (d.unknown && d.statements.length === 0) notes.push(`policy ${label} is unknown or unreadable in this source: its grants are not derived`);
  else if (d.unknown) notes.push(`policy ${label} is partly unknown in this source: what it grants is marked unknown`);
  const statements: Compiled[] = [];
  for (const s of d.statements) {
    const cov = coveredActions(s, ALL_ACTIONS);
    if (cov.actions.length === 0 && !cov.unknown) continue;
    const via = new Set<string>();
    for (const c of s.conditions) if (c.key.toLowerCase() === 'kms:viaservice') c.values.forEach((v) => via.add(v));
    const c: {
      ref: string;
      effect: 'Allow' | 'Deny';
      sid?: string;
      actions: readonly string[];
      actionsUnknown: boolean;
      resources?: readonly ResourcePattern[];
      notResources?: readonly ResourcePattern[];
      conditions: readonly Condition[];
      viaServices: readonly string[];
      usesNotAction: boolean;
      derived?: boolean;
    } = {
      ref,
      effect: s.effect,
      // Unknown actions: the statement may cover any relevant action.
      actions: cov.unknown && s.effect === 'Allow' ? ALL_ACTIONS : cov.actions,
      actionsUnknown: cov.unknown,
      conditions: s.conditions,
      viaServices: [...via].sort(),
      usesNotAction: s.notActions !== undefined,
    };
    if (s.sid !== undefined) c.sid = s.sid;
    if (s.resources) c.resources = s.resources.map((r) => new ResourcePattern(r));
    else if (s.notResources) c.notResources = s.notResources.map((r) => new ResourcePattern(r));
    else c.resources = [new ResourcePattern('*')]; // no Resource at all: not valid in identity policies; read as any
    statements.push(c);
    // GetParametersByPath is authorised on the path: it reads every parameter under it.
    if (c.actions.includes('ssm:GetParametersByPath') && c.resources) {
      const children = c.resources
        .filter((r) => !r.any && /^parameter\//.test(r.source.split(':').slice(5).join(':')) && !r.source.endsWith('*'))
        .map((r) => new ResourcePattern(`${r.source}/*`));
      if (children.length > 0) statements.push({ ...c, actions: ['ssm:GetParametersByPath'], resources: children, derived: true });
    }
    const name = s.sid ? `${label} (${s.sid})` : label;
    if (s.notActions && s.effect === 'Allow') notes.push(`${name}: Allow with NotAction counts as granting every action not listed`);
    if (s.notActions && s.effect === 'Deny') notes.push(`${name}: Deny with NotAction denies every action not listed`);
    if (s.notResources && s.effect === 'Allow') notes.push(`${name}: Allow with NotResource counts as granting every resource not listed`);
    if (s.notResources && s.effect === 'Deny') notes.push(`${name}: Deny with NotResource applied only where the resource is known not to be listed`);
  }
  return { statements, unknown: d.unknown, notes };
}

interface Grant {
  readonly actions: Set<string>;
  readonly conditions: Map<string, Condition>;
  readonly grantedBy: Set<string>;
  readonly viaServices: Set<string>;
  unknown: boolean;
}

function condKey(c: Condition): string {
  return `${c.operator}\u0000${c.key}\u0000${c.values.join('\u0001')}`;
}

function sortedConditions(m: Map<string, Condition>): Condition[] {
  return [...m.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

/** Statement resource patterns to a matcher over an index: Resource or NotResource. */
function statementMatches<T>(s: Compiled, index: ResourceIndex<T>): { item: T; sure: boolean }[] {
  if (s.resources) {
    const byItem = new Map<T, boolean>();
    for (const p of s.resources) {
      for (const m of index.matches(p)) byItem.set(m.item, (byItem.get(m.item) ?? false) || m.match === 'sure');
    }
    return [...byItem.entries()].map(([item, sure]) => ({ item, sure }));
  }
  // NotResource: every item none of the patterns matches surely; a 'maybe' match leaves it uncertain.
  const out: { item: T; sure: boolean }[] = [];
  for (const e of index.all()) {
    let excluded = false;
    let maybe = false;
    for (const p of s.notResources ?? []) {
      const m = p.match(e.subject);
      if (m === 'sure') excluded = true;
      else if (m === 'maybe') maybe = true;
    }
    if (!excluded) out.push({ item: e.item, sure: !maybe });
  }
  return out;
}

/**
 * Evaluate the statements over one kind of resource for the given actions: Allow adds, explicit
 * Deny removes (unconditional, sure matches only). Returns grants by entity.
 */
function evaluateKind<T>(
  statements: readonly Compiled[],
  kindActions: readonly string[],
  index: ResourceIndex<T>,
  notes: Set<string>,
): Map<T, Grant> {
  const grants = new Map<T, Grant>();
  if (index.size === 0) return grants;
  const relevant = (s: Compiled): string[] => s.actions.filter((a) => kindActions.includes(a));
  for (const s of statements) {
    if (s.effect !== 'Allow') continue;
    const acts = relevant(s);
    if (acts.length === 0) continue;
    for (const { item, sure } of statementMatches(s, index)) {
      let g = grants.get(item);
      if (!g) {
        g = { actions: new Set(), conditions: new Map(), grantedBy: new Set(), viaServices: new Set(), unknown: false };
        grants.set(item, g);
      }
      acts.forEach((a) => g!.actions.add(a));
      s.conditions.forEach((c) => g!.conditions.set(condKey(c), c));
      s.viaServices.forEach((v) => g!.viaServices.add(v));
      g.grantedBy.add(s.ref);
      if (!sure || s.actionsUnknown) g.unknown = true;
    }
  }
  if (grants.size === 0) return grants;
  for (const s of statements) {
    if (s.effect !== 'Deny') continue;
    const acts = relevant(s);
    if (acts.length === 0) continue;
    if (s.conditions.length > 0 || s.actionsUnknown) {
      notes.add(`a Deny${s.sid ? ` (${s.sid})` : ''} of ${s.ref} has conditions or unknown actions: not applied, access shown may be narrower in practice`);
      continue;
    }
    for (const { item, sure } of statementMatches(s, index)) {
      const g = grants.get(item);
      if (!g) continue;
      if (!sure) {
        g.unknown = true;
        continue;
      }
      acts.forEach((a) => g.actions.delete(a));
    }
  }
  for (const [k, g] of grants) if (g.actions.size === 0) grants.delete(k);
  return grants;
}

function entry(resourceUrn: string, g: Grant, only?: readonly string[]): AccessEntry {
  const actions = [...g.actions].filter((a) => only === undefined || only.includes(a)).sort();
  return {
    resourceUrn,
    actions,
    conditions: sortedConditions(g.conditions),
    certainty: g.unknown ? 'unknown' : 'known',
    grantedBy: [...g.grantedBy].sort(),
  };
}

function byUrn<T extends { resourceUrn: string }>(a: T, b: T): number {
  return a.resourceUrn < b.resourceUrn ? -1 : a.resourceUrn > b.resourceUrn ? 1 : 0;
}

/** A parameter ARN pattern's resource part as a path prefix: `parameter/a/b/*` -> `/a/b/`. */
export function parameterPrefix(p: ResourcePattern): string | undefined {
  if (p.any) return '/';
  if (p.service !== undefined && p.service !== 'ssm') return undefined;
  const res = p.source.split(':').slice(5).join(':');
  if (res === '*' || res === 'parameter*' || res === 'parameter/*') return '/';
  if (!res.startsWith('parameter/')) return undefined;
  const path = res.slice('parameter'.length);
  const wild = path.search(/[*?]/);
  if (wild < 0) return path; // one parameter (or a path for GetParametersByPath)
  const lit = path.slice(0, wild);
  return lit.slice(0, lit.lastIndexOf('/') + 1) || '/';
}

function prefixGrants(statements: readonly Compiled[], paths: ReadonlySet<string>): PrefixGrant[] {
  const byPrefix = new Map<string, { actions: Set<string>; conditions: Map<string, Condition>; unknown: boolean }>();
  for (const s of statements) {
    if (s.effect !== 'Allow' || !s.resources || s.derived) continue;
    const stAct = s.actions.filter((a) => (PARAMETER_READ as readonly string[]).includes(a));
    if (stAct.length === 0) continue;
    for (const p of s.resources) {
      let prefix = parameterPrefix(p);
      if (prefix === undefined) continue;
      let acts = stAct;
      if (!prefix.endsWith('/') && !paths.has(prefix)) {
        // A path, not a parameter: only GetParametersByPath means something there, on the folder.
        if (!acts.includes('ssm:GetParametersByPath')) continue;
        prefix = `${prefix}/`;
        acts = ['ssm:GetParametersByPath'];
      }
      let g = byPrefix.get(prefix);
      if (!g) {
        g = { actions: new Set(), conditions: new Map(), unknown: false };
        byPrefix.set(prefix, g);
      }
      acts.forEach((a) => g!.actions.add(a));
      s.conditions.forEach((c) => g!.conditions.set(condKey(c), c));
      if (p.unknown || s.actionsUnknown) g.unknown = true;
    }
  }
  // Unconditional Deny statements that cover a whole prefix remove the actions they deny.
  for (const s of statements) {
    if (s.effect !== 'Deny' || !s.resources || s.conditions.length > 0 || s.actionsUnknown) continue;
    const acts = s.actions.filter((a) => (PARAMETER_READ as readonly string[]).includes(a));
    if (acts.length === 0) continue;
    for (const p of s.resources) {
      const deny = parameterPrefix(p);
      if (deny === undefined || !(deny.endsWith('/') || p.any)) continue;
      for (const [prefix, g] of byPrefix) if (prefix.startsWith(deny)) acts.forEach((a) => g.actions.delete(a));
    }
  }
  const out: PrefixGrant[] = [];
  for (const [prefix, g] of [...byPrefix.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (g.actions.size === 0) continue;
    const certainty: Certainty = g.unknown ? 'unknown' : 'known';
    out.push({
      prefix,
      actions: [...g.actions].sort(),
      byPath: g.actions.has('ssm:GetParametersByPath'),
      conditions: sortedConditions(g.conditions),
      certainty,
    });
  }
  return out;
}

/** The access of every role, sorted by role URN. */
export function analyseAccess(input: AccessInput): RoleAccess[] {
  const paramIndex = new ResourceIndex(input.parameters.map((p) => ({ subject: p.subject, item: p.entity })));
  const secretIndex = new ResourceIndex(input.secrets.map((s) => ({ subject: s.subject, item: s.entity })));
  const keyIndex = new ResourceIndex(input.keys.map((k) => ({ subject: k.subject, item: k })));
  const parameterPaths = new Set(input.parameters.map((p) => p.entity.path));

  const compiled = new Map<string, PolicyCompiled>();
  const compiledFor = (ref: string, label: string, d: PolicyDocument): PolicyCompiled => {
    let c = compiled.get(ref);
    if (!c) {
      c = compilePolicy(ref, label, d);
      compiled.set(ref, c);
    }
    return c;
  };

  const out: RoleAccess[] = [];
  for (const role of [...input.roles].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0))) {
    const notes = new Set<string>();
    const statements: Compiled[] = [];
    for (const urn of role.policies) {
      const p = input.policies.get(urn);
      if (!p) continue;
      const c = compiledFor(urn, p.name, p.document);
      statements.push(...c.statements);
      c.notes.forEach((n) => notes.add(n));
    }
    for (const arn of role.externalPolicies) {
      const d = awsManagedPolicy(arn);
      if (d) {
        const c = compiledFor(arn, arn.slice(arn.lastIndexOf('/') + 1), d);
        statements.push(...c.statements);
        c.notes.forEach((n) => notes.add(n));
        notes.add(`AWS-managed policy ${arn} evaluated from a built-in copy`);
      } else if (!/^arn:aws[\w-]*:iam::aws:policy\//.test(arn)) {
        notes.add(`policy ${arn} is not in the estate: what it grants is not known`);
      }
    }

    const params = evaluateKind(statements, PARAMETER_READ, paramIndex, notes);
    const secrets = evaluateKind(statements, SECRET_ACTIONS, secretIndex, notes);
    const keys = evaluateKind(statements, KEY_DECRYPT, keyIndex, notes);

    const parameters = [...params.entries()].map(([p, g]) => entry(p.urn, g)).sort(byUrn);
    const secretValues: AccessEntry[] = [];
    const secretMetadata: AccessEntry[] = [];
    const secretWrites: AccessEntry[] = [];
    for (const [s, g] of secrets) {
      if (g.actions.has('secretsmanager:GetSecretValue')) secretValues.push(entry(s.urn, g, [...SECRET_VALUE, ...SECRET_METADATA]));
      else if (SECRET_METADATA.some((a) => g.actions.has(a))) secretMetadata.push(entry(s.urn, g, SECRET_METADATA));
      if (SECRET_WRITE.some((a) => g.actions.has(a))) secretWrites.push(entry(s.urn, g, SECRET_WRITE));
    }

    const roleArn = role.arn !== undefined && role.arn.startsWith('arn:') ? role.arn : undefined;
    const keyAccess: KeyAccess[] = [];
    for (const k of input.keys) {
      const g = keys.get(k);
      const decision = k.policy ? keyPolicyDecision(k.policy, roleArn, 'kms:Decrypt') : undefined;
      if (!g) {
        // The key policy alone may grant the role (it names the role, not the account root).
        if (decision && decision.allows === true && decision.grantsDirectly) {
          keyAccess.push({
            resourceUrn: k.entity.urn,
            actions: ['kms:Decrypt'],
            conditions: decision.conditions,
            certainty: 'known',
            grantedBy: [k.entity.urn],
            viaServices: decision.viaServices,
            keyPolicyAllows: true,
          });
        }
        continue;
      }
      const e = entry(k.entity.urn, g);
      const via = new Set(g.viaServices);
      decision?.viaServices.forEach((v) => via.add(v));
      const keyPolicyAllows: boolean | 'unknown' = decision ? decision.allows : 'unknown';
      keyAccess.push({
        ...e,
        certainty: e.certainty === 'unknown' || keyPolicyAllows === 'unknown' && k.policy !== undefined ? 'unknown' : e.certainty,
        viaServices: [...via].sort(),
        keyPolicyAllows,
      });
    }
    keyAccess.sort(byUrn);

    out.push({
      roleUrn: role.urn,
      parameters,
      parameterPrefixes: prefixGrants(statements, parameterPaths),
      secretValues: secretValues.sort(byUrn),
      secretMetadata: secretMetadata.sort(byUrn),
      secretWrites: secretWrites.sort(byUrn),
      keys: keyAccess,
      notes: [...notes].sort(),
    });
  }
  return out;
}
