/**
 * IAM access control: key policies scope decrypt (SEC-011), no read of every parameter or secret
 * (SEC-020), no read across environments (SEC-021), the audit role reads no secret value (SEC-022),
 * the rotation role touches only its secrets (SEC-023), secret policies share only inside the
 * account (SEC-024), key policies name who may use the key (SEC-025), no kms:Decrypt on every key
 * (SEC-026), and no full administrator (SEC-027). Who can read what comes from the access engine;
 * statement-level checks read the statements that apply to each principal, AWS-managed ones included.
 */

import type { AccessItem, IamPolicy, KeyAccess, KmsGrant, PolicyStatement, Principals } from '../../estate/model.ts';
import { coveredActions, KEY_DECRYPT, PARAMETER_READ, SECRET_ROTATE, SECRET_VALUE, SECRET_WRITE } from '../../estate/iam/actions.ts';
import { ResourcePattern, type ArnSubject } from '../../estate/iam/arn.ts';
import type { PrincipalEntry } from '../../estate/store.ts';
import { sortedUnique } from '../../util/collections.ts';
import type { FindingSubject } from '../types.ts';
import { fw, list, plural, subject, type AppliedStatement, type Rule, type RuleContext } from './context.ts';

/** The actions of `candidates` an Allow statement grants. */
export function grantedActions(st: PolicyStatement, candidates: readonly string[]): string[] {
  if (st.effect !== 'Allow') return [];
  return coveredActions(st, candidates).actions;
}

const PROBES: Readonly<Record<'ssm' | 'secretsmanager' | 'kms', readonly ArnSubject[]>> = {
  ssm: [
    { partition: 'aws', service: 'ssm', resource: 'parameter/zz-probe-a/zz-probe-b' },
    { partition: 'aws', service: 'ssm', resource: 'parameter/zz-probe' },
  ],
  secretsmanager: [
    { partition: 'aws', service: 'secretsmanager', resource: 'secret:zz-probe-a/zz-probe-b-AbCdEf' },
    { partition: 'aws', service: 'secretsmanager', resource: 'secret:zz-probe-AbCdEf' },
  ],
  kms: [{ partition: 'aws', service: 'kms', resource: 'key/00000000-0000-0000-0000-000000000000' }],
};

/**
 * The resource patterns of a statement that reach every parameter, secret or key of an account:
 * `*`, a service wildcard, `parameter/*`, `secret:*`, `key/*`, or a NotResource.
 */
export function wideResources(st: PolicyStatement, store: 'ssm' | 'secretsmanager' | 'kms'): string[] {
  if (st.notResources !== undefined) return [`NotResource ${st.notResources.join(',')}`];
  return (st.resources ?? ['*']).filter((r) => {
    const p = new ResourcePattern(r);
    return !p.unknown && PROBES[store].every((s) => p.match(s) === 'sure');
  });
}

/** Conditions that narrow a statement to a service path or an encryption context (a negated operator does not). */
function scopedDecrypt(st: PolicyStatement): boolean {
  return st.conditions.some((c) => /^kms:(ViaService|EncryptionContext|EncryptionContextKeys|RequestAlias|ResourceAliases)/i.test(c.key) && !/Not|Null/i.test(c.operator));
}

/** `arn:aws:iam::<account>:root` or `<account>` of the given account (never when the account is not known). */
function isAccountRoot(p: string, account: string | undefined): boolean {
  const acct = /^\d{12}$/.test(p) ? p : /^arn:[^:]+:iam::(\d{12}):root$/.exec(p)?.[1];
  return acct !== undefined && account !== undefined && acct === account;
}

const CERTAINTY_SUFFIX = { certain: '', conditional: ' (conditional)', unknown: ' (not known)' } as const;

/**
 * The principals the access engine finds decrypting with a key directly (any ciphertext, not through
 * a service): through IAM under the key policy's delegation to the account, a key policy statement,
 * or a grant. Full administrators are left out, and so is a direct decrypt that carries an
 * encryption-context condition (it is scoped).
 */
function directDecrypters(ctx: RuleContext, keyUrn: string, grants: readonly KmsGrant[]): string[] {
  // A grant with an encryption-context constraint is scoped, like a key policy's condition.
  const constrained = new Set(grants.filter((g) => g.constraints.length > 0).map((g) => g.urn));
  const out: string[] = [];
  for (const r of ctx.store.readersOf(keyUrn)) {
    if (r.kind !== 'key') continue;
    const item = r.item as KeyAccess;
    if (!item.paths.includes('direct') || ctx.access(r.principal)?.admin === true) continue;
    // Another account's principal named by the key policy is judged from its statements below.
    if (ctx.store.findPrincipal(r.principal)?.external !== undefined && !item.via.some((v) => v.kind === 'grant')) continue;
    if (item.conditions.some((c) => /^kms:EncryptionContext/i.test(c.key) && !/Not|Null/i.test(c.operator))) continue;
    if (item.via.length > 0 && item.via.every((v) => v.kind === 'grant' && constrained.has(v.ref))) continue;
    out.push(`${ctx.entityName(r.principal)}${CERTAINTY_SUFFIX[item.certainty]}`);
  }
  return out;
}

/** The principals (other than the account's root) that key policy statements let decrypt without a service or encryption-context scope. */
function unscopedDecrypters(statements: readonly PolicyStatement[], account: string | undefined): string[] {
  const open: string[] = [];
  for (const st of statements) {
    if (grantedActions(st, [KEY_DECRYPT]).length === 0) continue;
    if (scopedDecrypt(st)) continue;
    const principals = [...(st.principals?.AWS ?? []), ...(st.principals?.any === true ? ['*'] : [])];
    // The key's own account (its root, or its id) delegates to its administrators through IAM.
    const others = principals.filter((p) => !isAccountRoot(p, account));
    open.push(...others.map((p) => p.split('/').pop() ?? p));
  }
  return open;
}

// ─── SEC-011 ─────────────────────────────────────────────────────────────────────────

export const kmsViaService: Rule = {
  id: 'SEC-011',
  slug: 'kms-via-service',
  title: 'Key policies scope decrypt to a service',
  severity: 'medium',
  layer: 'iam',
  rationale:
    'A key policy that lets a principal decrypt only through Parameter Store or Secrets Manager (kms:ViaService) or for a given encryption context stops it from decrypting ciphertext copied elsewhere.',
  remediation:
    'In the key policy, give non-administrator principals kms:Decrypt only with a `kms:ViaService` condition (ssm.<region>.amazonaws.com, secretsmanager.<region>.amazonaws.com) or a `kms:EncryptionContext:*` condition.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.8.3'], ['Art. 32(1)(b)', 'Art. 25']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const k of ctx.keysInScope()) {
      const from = ctx.fromStack(k);
      const direct = directDecrypters(ctx, k.urn, k.grants);
      if (k.policy === undefined) {
        const dflt = 'no key policy in the estate: the default delegates to the account\'s IAM policies';
        out.push(direct.length > 0 ? subject(k, false, `${dflt}; decrypt without ViaService or encryption context for ${list(sortedUnique(direct))}${from}`) : subject(k, true, `${dflt}; no loaded principal but a full administrator decrypts directly${from}`));
        continue;
      }
      const open: string[] = [...direct, ...unscopedDecrypters(k.policy.statements, k.account)];
      for (const r of k.replicas) if (r.policy !== undefined) open.push(...unscopedDecrypters(r.policy.statements, k.account).map((p) => `${p} (replica in ${r.region ?? 'another region'})`));
      if (k.policy.unknown && open.length === 0) out.push(subject(k, false, `key policy could not be read completely${from}`));
      else if (open.length > 0) out.push(subject(k, false, `decrypt without ViaService or encryption context for ${list(sortedUnique(open))}${from}`));
      else out.push(subject(k, true, `decrypt scoped by kms:ViaService / encryption context, or only for full administrators${from}`));
    }
    return out;
  },
  note: (ctx) => ctx.unresolvedKeyNote(),
};

// ─── SEC-020 ─────────────────────────────────────────────────────────────────────────

const STORES: readonly { store: 'ssm' | 'secretsmanager'; actions: readonly string[]; what: string }[] = [
  { store: 'ssm', actions: PARAMETER_READ, what: 'parameters' },
  { store: 'secretsmanager', actions: [SECRET_VALUE], what: 'secrets' },
];

interface WideRead {
  readonly store: 'ssm' | 'secretsmanager';
  readonly text: string;
}

function wideReadsOf(statements: readonly PolicyStatement[]): { reads: boolean; wide: WideRead[] } {
  const wide: WideRead[] = [];
  let reads = false;
  for (const st of statements) {
    for (const { store, actions, what } of STORES) {
      const granted = grantedActions(st, actions);
      if (granted.length === 0) continue;
      reads = true;
      const w = wideResources(st, store);
      if (w.length > 0) wide.push({ store, text: `${granted[0]}${granted.length > 1 ? ' ...' : ''} on ${w.join(', ')} (all ${what})` });
    }
  }
  return { reads, wide };
}

function wideReads(statements: readonly PolicyStatement[]): { reads: boolean; wide: string[] } {
  const { reads, wide } = wideReadsOf(statements);
  return { reads, wide: sortedUnique(wide.map((w) => w.text)) };
}

/**
 * The wide reads of a principal's statements that its permissions boundary lets through: all of them
 * without a boundary (or with one that is not known), else those of a store the boundary also reads
 * widely (the effective permissions are the intersection).
 */
function boundedWideReads(ctx: RuleContext, p: PrincipalEntry, statements: readonly PolicyStatement[]): string[] {
  const { wide } = wideReadsOf(statements);
  const boundary = ctx.boundaryOf(p);
  if (boundary === undefined || boundary === 'unknown') return sortedUnique(wide.map((w) => w.text));
  const allowed = new Set(wideReadsOf(boundary).wide.map((w) => w.store));
  return sortedUnique(wide.filter((w) => allowed.has(w.store)).map((w) => w.text));
}

/** The stack's policies that can grant: all but those used only as a permissions boundary (a boundary grants nothing). */
function grantingPolicies(ctx: RuleContext): IamPolicy[] {
  return ctx.inStack(ctx.estate.policies).filter((p) => p.attachedTo.length > 0 || p.boundaryOf.length === 0);
}

/** AWS-managed policies attached to a principal, by name, with their statements. */
function managedStatements(ctx: RuleContext, p: PrincipalEntry): Map<string, PolicyStatement[]> {
  const out = new Map<string, PolicyStatement[]>();
  for (const a of ctx.statementsOf(p)) {
    if (!a.managed) continue;
    const name = a.group ? `${a.policy} (through group ${a.group})` : a.policy;
    (out.get(name) ?? out.set(name, []).get(name)!).push(a.st);
  }
  return out;
}

const principalSubject = (p: PrincipalEntry, ok: boolean, detail: string): FindingSubject =>
  subject({ urn: p.id, name: p.name, stack: p.stack ?? '' }, ok, detail);

export const noWildcardReads: Rule = {
  id: 'SEC-020',
  slug: 'no-wildcard-secret-read',
  title: 'No read of every parameter or secret',
  severity: 'critical',
  layer: 'iam',
  rationale:
    'A policy that reads parameters or secrets on `*` gives its holders every environment and every service, and everything created later; least privilege names paths and secret prefixes.',
  remediation:
    'Scope `Resource` to the environment\'s paths (arn:aws:ssm:<region>:<account>:parameter/<project>/<env>/<category>/*) and secret prefixes (arn:aws:secretsmanager:<region>:<account>:secret:<project>/<env>/<group>/*); detach AWS-managed policies such as AdministratorAccess, ReadOnlyAccess or SecretsManagerReadWrite from workload roles and users.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.5.18', 'A.8.3'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const p of grantingPolicies(ctx)) {
      const { reads, wide } = wideReads(p.document.statements);
      if (!reads && !(p.document.unknown && p.attachedTo.length > 0)) continue;
      if (p.document.unknown && wide.length === 0) out.push(subject(p, false, 'policy document could not be read completely'));
      else if (wide.length > 0) out.push(subject(p, false, `grants ${list(wide, 2)}`));
      else out.push(subject(p, true, 'reads scoped to named paths or secrets'));
    }
    for (const pr of ctx.principalsInStack()) {
      for (const [name, statements] of managedStatements(ctx, pr)) {
        const wide = boundedWideReads(ctx, pr, statements);
        if (wide.length > 0) out.push(principalSubject(pr, false, `AWS-managed ${name} grants ${list(wide, 2)}`));
      }
    }
    return out;
  },
  note: (ctx) => ctx.unknownGrantsNote(['role', 'user', 'group'], 'may read more than is judged here'),
};

// ─── SEC-021 ─────────────────────────────────────────────────────────────────────────

/** Where the environment segment is in a principal's own paths and names, from what it reads of its environment. */
function envSegmentPatterns(ctx: RuleContext, pr: PrincipalEntry, env: string, a: import('../../estate/model.ts').PrincipalAccess): string[] {
  const spans = new Set<string>();
  const own: { name: string; service: 'ssm' | 'secretsmanager' }[] = [];
  for (const x of a.parameters) {
    const e = ctx.store.find(x.resourceUrn);
    if (e && 'path' in e && ctx.envOf(e) === env) own.push({ name: (e as { path: string }).path, service: 'ssm' });
  }
  for (const x of a.secretValues) {
    const e = ctx.store.find(x.resourceUrn);
    if (e && 'rotation' in e && ctx.envOf(e as import('../../estate/model.ts').Secret) === env) own.push({ name: e.name, service: 'secretsmanager' });
  }
  if (own.length === 0) return [];
  const depth = (service: 'ssm' | 'secretsmanager'): number | undefined => {
    for (const o of own) {
      if (o.service !== service) continue;
      const i = o.name.split('/').filter((s) => s !== '').findIndex((s) => s.toLowerCase() === env);
      if (i >= 0) return i;
    }
    return undefined;
  };
  for (const applied of ctx.statementsOf(pr)) {
    const st = applied.st;
    for (const { store, actions } of STORES) {
      if (grantedActions(st, actions).length === 0) continue;
      const d = depth(store);
      if (d === undefined) continue;
      for (const r of st.resources ?? []) {
        const res = r.split(':').slice(5).join(':');
        const body = store === 'ssm' ? res.replace(/^parameter\/?/, '') : res.replace(/^secret:/, '');
        if (body === res && r !== '*') continue;
        const wild = body.search(/[*?]/);
        if (wild < 0) continue;
        const literalSegments = body.slice(0, wild).split('/').length - 1;
        if (literalSegments <= d && r !== '*' && wideResources({ ...st, resources: [r] }, store).length === 0) spans.add(r);
      }
    }
  }
  return [...spans].sort();
}

export const environmentIsolation: Rule = {
  id: 'SEC-021',
  slug: 'environment-isolation',
  title: 'No read across environments',
  severity: 'critical',
  layer: 'iam',
  rationale:
    'A dev or uat principal that can read prod parameters or secrets turns a compromise of a lower environment into a prod breach; each environment reads only its own paths.',
  remediation:
    'Scope each environment\'s policies to its own path and secret prefix (…/<project>/<env>/…), never a pattern that spans the environment segment, and attach them only to that environment\'s roles and users.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.8.31', 'A.5.15', 'A.8.3'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const pr of ctx.principalsInStack()) {
      if (pr.kind === 'group') continue;
      const entity = pr.role ?? pr.user;
      if (entity === undefined) continue;
      const env = ctx.store.environmentOf(entity);
      if (env === undefined || !ctx.store.isEnvironment(env)) continue;
      const a = ctx.access(pr.id);
      if (a === undefined) continue;
      const foreign = new Set<string>();
      for (const x of [...a.parameters, ...a.secretValues]) {
        const e = ctx.store.find(x.resourceUrn);
        if (e === undefined) continue;
        const other = ctx.envOf(e as { stack: string; tags: Readonly<Record<string, string>>; environment?: string });
        if (other !== undefined && other !== env && ctx.store.isEnvironment(other)) foreign.add(`${e.name} (${other}${certaintyMark(x, ', ')})`);
      }
      const spanning = envSegmentPatterns(ctx, pr, env, a);
      if (a.parameters.length + a.secretValues.length === 0 && spanning.length === 0) continue;
      const problems = [
        ...(foreign.size > 0 ? [`can read ${list([...foreign].sort())}`] : []),
        ...(spanning.length > 0 ? [`its policy pattern ${list(spanning, 2)} spans the environment segment`] : []),
      ];
      out.push(principalSubject(pr, problems.length === 0, problems.length > 0 ? `${env} ${pr.kind}: ${problems.join('; ')}` : `${env} ${pr.kind} reads only ${env} parameters and secrets`));
    }
    return out;
  },
};

// ─── SEC-022 and SEC-031 share this ───────────────────────────────────────────────────

/** `conditional` or `unknown` for an access that is not certain (with the given affixes), else ''. */
function certaintyMark(x: AccessItem, before: string, after = ''): string {
  return x.certainty === 'certain' ? '' : `${before}${x.certainty}${after}`;
}

/** What a principal can read of secret values: secrets, SecureString parameters, direct decrypts. */
export function secretValueReach(ctx: RuleContext, id: string): string[] {
  const out = new Set<string>();
  const a = ctx.access(id);
  if (a === undefined) return [];
  for (const x of a.secretValues) out.add(`${ctx.entityName(x.resourceUrn)}${certaintyMark(x, ' (', ')')}`);
  for (const x of a.parameters) {
    const p = ctx.store.find(x.resourceUrn);
    if (p && 'type' in p && (p as { type: string }).type === 'SecureString') out.add(`${p.name}${certaintyMark(x, ' (', ')')}`);
  }
  for (const k of a.keys) if (k.paths.includes('direct')) out.add(`kms:Decrypt on ${ctx.entityName(k.resourceUrn)}${certaintyMark(k, ' (', ')')}`);
  return [...out].sort();
}

export const auditRoleNoSecrets: Rule = {
  id: 'SEC-022',
  slug: 'audit-role-no-secret-values',
  title: 'Audit role reads no secret value',
  severity: 'critical',
  layer: 'iam',
  rationale:
    'A cross-account role is used from another account; it needs to describe and list, never to read a secret value or decrypt a SecureString.',
  remediation:
    'Give cross-account roles only Describe*/List* actions (secretsmanager:DescribeSecret, ListSecrets, ssm:DescribeParameters, kms:DescribeKey), no GetSecretValue, no GetParameter on SecureStrings, no kms:Decrypt, and require sts:ExternalId in their trust policy.',
  frameworks: fw(['CC6.1', 'CC6.3', 'CC6.6'], ['A.5.15', 'A.8.2', 'A.5.19'], ['Art. 32(1)(b)', 'Art. 25']),
  evaluate(ctx) {
    return ctx
      .inStack(ctx.estate.roles)
      .filter((r) => r.trust.crossAccount !== undefined)
      .map((role) => {
        const reach = secretValueReach(ctx, role.urn);
        const ext = role.trust.crossAccount?.requiresExternalId === false ? '; trust has no sts:ExternalId' : '';
        if (reach.length > 0) return subject(role, false, `can read secret values: ${list(reach)}${ext}`);
        if (ext !== '') return subject(role, false, `reads no secret value${ext}`);
        return subject(role, true, 'describe and list only; no secret value');
      });
  },
};

// ─── SEC-023 ─────────────────────────────────────────────────────────────────────────

export const rotationRoleScope: Rule = {
  id: 'SEC-023',
  slug: 'rotation-role-scope',
  title: 'Rotation role touches only its secrets',
  severity: 'high',
  layer: 'iam',
  rationale:
    'The rotation function can write new secret versions; if its role reaches other secrets, a flaw in the function can rewrite or read any of them.',
  remediation:
    'Limit the rotation role\'s secretsmanager:GetSecretValue, PutSecretValue, UpdateSecretVersionStage and DescribeSecret to the ARNs (or prefix) of the secrets its function rotates; only GetRandomPassword may use `*`.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.8.2'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const [roleUrn, rotated] of ctx.store.rotationRoles()) {
      const role = ctx.store.findRole(roleUrn);
      if (role === undefined || role.stack !== ctx.stack) continue;
      const extra = new Set<string>();
      const a = ctx.access(role.urn);
      for (const x of [...(a?.secretValues ?? []), ...(a?.secretWrites ?? [])]) if (!rotated.has(x.resourceUrn)) extra.add(ctx.entityName(x.resourceUrn));
      const pr = ctx.store.principal(role.urn);
      for (const { st } of ctx.statementsOf(pr)) {
        const g = grantedActions(st, [SECRET_VALUE, ...SECRET_WRITE]);
        if (g.length === 0) continue;
        const w = wideResources(st, 'secretsmanager');
        if (w.length > 0) extra.add(`${g[0]} on ${w.join(', ')}`);
      }
      out.push(
        extra.size > 0
          ? subject(role, false, `reaches secrets it does not rotate: ${list([...extra].sort())}`)
          : subject(role, true, `reaches only the ${plural(rotated.size, 'secret')} it rotates`),
      );
    }
    return out;
  },
};

// ─── SEC-024 ─────────────────────────────────────────────────────────────────────────

/** Condition keys that name the caller's account, the caller's ARN, or its organisation. */
const ACCOUNT_KEYS = /^(aws:PrincipalAccount|aws:SourceAccount|kms:CallerAccount)$/i;
const ARN_KEYS = /^(aws:PrincipalArn|aws:SourceArn)$/i;
const ORG_KEYS = /^(aws:PrincipalOrgID|aws:PrincipalOrgPaths|aws:SourceOrgID|aws:SourceOrgPaths)$/i;
/** Operators whose values bound the key (negated ones, `IfExists`, `Null` and `ForAllValues:`, which holds when the key is absent, do not). */
const BOUNDING_OPERATORS = /^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike)$/i;

/** What the conditions of a statement limit its callers to: accounts (ids), organisations, or nothing. */
interface CallerLimit {
  readonly accounts?: readonly string[];
  readonly orgs?: readonly string[];
}

function callerLimit(st: PolicyStatement): CallerLimit {
  let accounts: string[] | undefined;
  const orgs: string[] = [];
  for (const c of st.conditions) {
    if (!BOUNDING_OPERATORS.test(c.operator) || c.values.length === 0) continue;
    if (ACCOUNT_KEYS.test(c.key) && c.values.every((v) => /^\d{12}$/.test(v))) {
      // Several account conditions all hold: the callers are in every list.
      accounts = accounts === undefined ? [...c.values] : accounts.filter((a) => c.values.includes(a));
    } else if (ARN_KEYS.test(c.key)) {
      const accts = c.values.map((v) => /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(v)?.[1]);
      if (accts.every((a): a is string => a !== undefined)) accounts = accounts === undefined ? sortedUnique(accts) : accounts.filter((a) => accts.includes(a));
    } else if (ORG_KEYS.test(c.key) && c.values.every((v) => v !== '' && !/^[*?/]+$/.test(v))) orgs.push(...c.values);
  }
  return { ...(accounts !== undefined ? { accounts } : {}), ...(orgs.length > 0 ? { orgs: sortedUnique(orgs) } : {}) };
}

/**
 * The callers outside `account` that an Allow statement lets in: `*` unless a condition limits the
 * callers to accounts (then the other accounts among them) or to an organisation, and principals
 * of other accounts that it names.
 */
function outsiders(p: Principals | undefined, account: string | undefined, st: PolicyStatement): string[] {
  if (p === undefined) return [];
  const out: string[] = [];
  const limit = callerLimit(st);
  const anyone = p.any === true || (p.AWS ?? []).includes('*');
  if (anyone) {
    if (limit.accounts !== undefined) out.push(...limit.accounts.filter((a) => a !== account).map((a) => `* in account ${a}${account === undefined ? ` (${ACCOUNT_NOT_KNOWN})` : ''}`));
    else if (limit.orgs === undefined) out.push('* (any AWS principal)');
  }
  for (const v of p.AWS ?? []) {
    if (v === '*') continue;
    const acct = /^\d{12}$/.test(v) ? v : /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(v)?.[1];
    if (acct === undefined || acct === account || (limit.accounts !== undefined && !limit.accounts.includes(acct))) continue;
    out.push(account === undefined ? `${v} (${ACCOUNT_NOT_KNOWN})` : v);
  }
  return out;
}

/** Said of a principal named by account when the resource's own account is not known (a preview's ARNs). */
const ACCOUNT_NOT_KNOWN = "the resource's account is not known";

/** The grants of a key to principals of another account (or of any account, when the key's is not known). */
function outsideGrants(grants: readonly KmsGrant[], account: string | undefined): string[] {
  return grants.flatMap((g) => {
    const acct = /^\d{12}$/.test(g.grantee) ? g.grantee : /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(g.grantee)?.[1];
    if (acct === undefined || acct === account) return [];
    return [`grant ${g.name} to ${g.grantee}${account === undefined ? ` (${ACCOUNT_NOT_KNOWN})` : ''}`];
  });
}

/** Whether a bounding condition names the source a service principal acts for (its account, resource ARN or organisation). */
function limitsSource(st: PolicyStatement): boolean {
  return st.conditions.some((c) => BOUNDING_OPERATORS.test(c.operator) && c.values.length > 0 && /^aws:Source(Account|Arn|OrgID|OrgPaths)$/i.test(c.key));
}

/** The organisations that limit the `*` statements of a policy that lets in no outsider. */
function organisations(doc: { readonly statements: readonly PolicyStatement[] }): string[] {
  return sortedUnique(doc.statements.filter((st) => st.effect === 'Allow' && callerLimit(st).accounts === undefined).flatMap((st) => callerLimit(st).orgs ?? []));
}

export const secretPolicyScope: Rule = {
  id: 'SEC-024',
  slug: 'secret-policy-in-account',
  title: 'Secret policies share only inside the account',
  severity: 'high',
  layer: 'iam',
  rationale:
    'A secret\'s resource policy that allows another account or `*` hands the value to principals this estate does not govern; sharing across accounts must be deliberate, named and limited.',
  remediation:
    'Remove `Principal: "*"` and foreign accounts from the secret\'s policy, or limit the statement with `aws:PrincipalOrgID` / `aws:PrincipalAccount`; share with another account only by naming its role, and encrypt the secret with a customer-managed key whose policy allows that account too.',
  frameworks: fw(['CC6.1', 'CC6.6'], ['A.5.15', 'A.5.19', 'A.8.3'], ['Art. 28', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    return ctx.inStack(ctx.estate.secrets).map((s) => {
      if (s.policy === undefined) return subject(s, true, 'no resource policy: only this account\'s IAM decides');
      const shared = new Set<string>();
      for (const st of s.policy.statements) {
        if (st.effect !== 'Allow') continue;
        for (const o of outsiders(st.principals, s.account, st)) shared.add(o);
        // A service principal acts for any account unless aws:SourceAccount, aws:SourceArn or aws:SourceOrgID/Paths limits it.
        if (!limitsSource(st)) for (const svc of st.principals?.Service ?? []) shared.add(`service ${svc} (for any account: no aws:SourceAccount or aws:SourceArn)`);
      }
      if (shared.size > 0) return subject(s, false, `resource policy allows ${list([...shared].sort())}`);
      if (s.policy.unknown) return subject(s, false, 'resource policy could not be read completely');
      const orgs = organisations(s.policy);
      if (orgs.length > 0) return subject(s, true, `resource policy allows principals of this account and of organisation ${list(orgs)} only`);
      return subject(s, true, 'resource policy allows principals of this account only');
    });
  },
};

// ─── SEC-025 ─────────────────────────────────────────────────────────────────────────

export const keyPolicyPrincipals: Rule = {
  id: 'SEC-025',
  slug: 'key-policy-named-principals',
  title: 'Key policies name who may use the key',
  severity: 'high',
  layer: 'iam',
  rationale:
    'A key policy statement that allows `*` without a condition that limits it to an account or organisation lets any AWS principal, in any account, use the key as far as its own IAM allows.',
  remediation:
    'Name the principals (account root for IAM delegation, or specific roles) in the key policy, or add `kms:CallerAccount` / `aws:PrincipalOrgID` conditions to statements with `Principal: "*"`.',
  frameworks: fw(['CC6.1', 'CC6.6'], ['A.5.15', 'A.8.24'], ['Art. 32(1)(a)', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    return ctx.keysInScope().map((k) => {
      const from = ctx.fromStack(k);
      // A replica's own key policy (it need not be its primary's) lets its outsiders in too.
      const replicas = k.replicas.flatMap((r) => (r.policy === undefined ? [] : r.policy.statements.filter((st) => st.effect === 'Allow').flatMap((st) => outsiders(st.principals, k.account, st)).map((o) => `replica in ${r.region ?? 'another region'} allows ${o}`)));
      const grants = [...outsideGrants(k.grants, k.account), ...sortedUnique(replicas)];
      if (k.policy === undefined) return grants.length > 0 ? subject(k, false, `default key policy, and ${list(grants)}${from}`) : subject(k, true, `default key policy: the account root only${from}`);
      const open = k.policy.statements.filter((st) => st.effect === 'Allow' && outsiders(st.principals, k.account, st).length > 0);
      if (open.length > 0 || grants.length > 0) {
        const what = sortedUnique(open.flatMap((st) => outsiders(st.principals, k.account, st)));
        const sids = sortedUnique(open.map((st) => st.sid ?? '').filter(Boolean));
        const policy = what.length > 0 ? `key policy allows ${list(what)}${sids.length > 0 ? ` (${list(sids)})` : ''}` : '';
        return subject(k, false, `${[policy, ...(grants.length > 0 ? [list(grants)] : [])].filter(Boolean).join('; ')}${from}`);
      }
      if (k.policy.unknown) return subject(k, false, `key policy could not be read completely${from}`);
      const orgs = organisations(k.policy);
      if (orgs.length > 0) return subject(k, true, `key policy names its principals or limits them to the account and organisation ${list(orgs)}${from}`);
      return subject(k, true, `key policy names its principals or limits them to the account${from}`);
    });
  },
  note: (ctx) => ctx.unresolvedKeyNote(),
};

// ─── SEC-026 ─────────────────────────────────────────────────────────────────────────

function wideDecrypt(statements: readonly PolicyStatement[]): string[] {
  const out: string[] = [];
  for (const st of statements) {
    if (grantedActions(st, [KEY_DECRYPT]).length === 0 || scopedDecrypt(st)) continue;
    const w = wideResources(st, 'kms');
    if (w.length > 0) out.push(`kms:Decrypt on ${w.join(', ')}`);
  }
  return sortedUnique(out);
}

export const noDecryptEverything: Rule = {
  id: 'SEC-026',
  slug: 'no-decrypt-on-all-keys',
  title: 'No kms:Decrypt on every key',
  severity: 'high',
  layer: 'iam',
  rationale:
    'An identity policy that allows kms:Decrypt on every key, without a kms:ViaService or encryption-context condition, decrypts any ciphertext of any key whose policy delegates to IAM, including keys created later.',
  remediation:
    'Name the key ARNs in `Resource`, and add `kms:ViaService` (ssm.<region>.amazonaws.com, secretsmanager.<region>.amazonaws.com) and `kms:EncryptionContext:*` conditions.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.8.24'], ['Art. 25', 'Art. 32(1)(a)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const p of grantingPolicies(ctx)) {
      const grants = p.document.statements.some((st) => grantedActions(st, [KEY_DECRYPT]).length > 0);
      if (!grants) continue;
      const wide = wideDecrypt(p.document.statements);
      out.push(wide.length > 0 ? subject(p, false, `grants ${list(wide)}`) : subject(p, true, 'kms:Decrypt scoped to named keys or by condition'));
    }
    for (const pr of ctx.principalsInStack()) {
      const boundary = ctx.boundaryOf(pr);
      // A known boundary without a wide decrypt of its own leaves none (the intersection).
      if (Array.isArray(boundary) && wideDecrypt(boundary).length === 0) continue;
      for (const [name, statements] of managedStatements(ctx, pr)) {
        const wide = wideDecrypt(statements);
        if (wide.length > 0) out.push(principalSubject(pr, false, `AWS-managed ${name} grants ${list(wide)}`));
      }
    }
    return out;
  },
  note: (ctx) => ctx.unknownGrantsNote(['role', 'user', 'group'], 'may decrypt more than is judged here'),
};

// ─── SEC-027 ─────────────────────────────────────────────────────────────────────────

export const noFullAdmin: Rule = {
  id: 'SEC-027',
  slug: 'no-full-admin',
  title: 'No full administrator in the stack',
  severity: 'critical',
  layer: 'iam',
  rationale:
    'A principal whose policies allow every action on every resource can read every secret and parameter, decrypt with every key that delegates to IAM, and change the policies that say so.',
  remediation:
    'Detach AdministratorAccess (or `"Action": "*"` on `"Resource": "*"`) from workload roles and users; give administrators a role assumed on demand, with MFA, outside the workloads\' stacks, or a permissions boundary that excludes secret reads.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.5.18', 'A.8.2'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const pr of ctx.principalsInStack()) {
      const a = ctx.access(pr.id);
      if (a === undefined) continue;
      if (a.admin) {
        const why = ctx
          .statementsOf(pr)
          .filter((x: AppliedStatement) => x.st.effect === 'Allow' && (x.st.actions ?? []).includes('*'))
          .map((x) => (x.group ? `${x.policy} through group ${x.group}` : x.policy));
        out.push(principalSubject(pr, false, `full administrator (${list(sortedUnique(why))}): can read every secret, parameter and key`));
      } else if (ctx.unknownGrants(pr).length === 0) out.push(principalSubject(pr, true, 'not a full administrator'));
      // Otherwise what some of its policies grant is not known: said in the note, not judged.
    }
    return out;
  },
  note: (ctx) => ctx.unknownGrantsNote(['role', 'user', 'group'], 'not judged', (p) => ctx.access(p.id)?.admin === true),
};

export { SECRET_ROTATE };
