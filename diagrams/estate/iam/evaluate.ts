/**
 * Policy evaluation for one request, as IAM decides it, for the actions that read or write a
 * parameter, a secret or a key.
 *
 * - A statement applies when its Action/NotAction covers the action, its Resource/NotResource the
 *   resource, its Principal/NotPrincipal the principal (resource and key policies) and its
 *   conditions hold. How sure that is: `certain`; `conditional` (a condition could not be decided
 *   offline); `unknown` (an UNKNOWN value or a resource that may or may not match).
 * - An explicit Deny in any policy wins; a Deny that only may apply lowers the certainty instead.
 * - Same account: identity policies (within the permissions boundary, if any) allow, or the
 *   resource policy allows the principal itself (a user: whatever its boundary says; a role named
 *   by its ARN: within its boundary; `*`, which names the role session making the request: whatever
 *   the boundary says). A resource policy that names only the account root delegates to IAM. A
 *   NotPrincipal Deny always denies a principal that has a boundary.
 * - A policy variable naming a key absent from the request (`${aws:username}` for a role session,
 *   an untagged principal's `${aws:PrincipalTag/x}`) has no value: a Resource pattern with it
 *   matches nothing (a NotResource one excludes nothing), a condition value with it matches no
 *   request value (so an inverted operator such as StringNotEquals holds).
 * - Across accounts (and for `*`, any principal of any account): both sides, the resource policy
 *   (the principal or its account) and the principal's identity policies within its boundary.
 * - KMS keys: the key policy is required: it allows the principal itself, or the account root (then
 *   identity policies decide). A grant to the principal allows the operations it lists, whatever the
 *   key policy and identity policies say (explicit Denies still apply).
 * - Parameters have no resource policy: same account only.
 */

import { REDACTED, UNKNOWN } from '../../graph/types.ts';
import { compareStrings } from '../../util/collections.ts';
import type { Certainty, Condition, PolicyDocument, PolicyStatement, Principals, PrincipalKind, Via, ViaKind } from '../model.ts';
import { coveredActions, ENGINE_ACTIONS } from './actions.ts';
import { splitArn, withVariables, ResourcePattern, type ArnSubject } from './arn.ts';
import { ABSENT, evaluateConditions, type RequestContext } from './conditions.ts';

// ─── Certainty arithmetic ───────────────────────────────────────────────────────────

const RANK: Readonly<Record<Certainty, number>> = { certain: 2, conditional: 1, unknown: 0 };

/** The weaker of two certainties (both must hold). */
export function weaker(a: Certainty, b: Certainty): Certainty {
  return RANK[a] <= RANK[b] ? a : b;
}

/** The stronger of two certainties (either suffices). */
export function stronger(a: Certainty, b: Certainty): Certainty {
  return RANK[a] >= RANK[b] ? a : b;
}

// ─── Compiled policies ──────────────────────────────────────────────────────────────

export interface PolicySource {
  readonly kind: ViaKind;
  /** Estate policy URN, AWS-managed ARN, or the URN of the secret or key whose policy it is. */
  readonly ref: string;
  readonly name: string;
  readonly document: PolicyDocument;
  /** An identity policy that applies through a group. */
  readonly group?: string;
}

export interface CompiledStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly via: Via;
  /** The engine's actions the statement covers (all of them when its actions are not known). */
  readonly actions: ReadonlySet<string>;
  readonly actionsUnknown: boolean;
  readonly resources?: readonly ResourcePattern[];
  readonly notResources?: readonly ResourcePattern[];
  /** Resource patterns with policy variables, resolved per principal. */
  readonly variablePatterns: boolean;
  /**
   * Whether `${...}` is a policy variable: only in a document of Version 2012-10-17 (IAM treats it
   * as literal text in a 2008-10-17 or unversioned one, IAM User Guide, "IAM JSON policy elements: Version").
   */
  readonly variables: boolean;
  readonly principals?: Principals;
  readonly notPrincipals?: Principals;
  readonly conditions: readonly Condition[];
  /** The condition keys, lower-cased: all of the request context the conditions read. */
  readonly conditionKeys: readonly string[];
  /** A condition value holds a policy variable (it reads context keys not named as condition keys). */
  readonly conditionVariables: boolean;
  readonly source: PolicyStatement;
}

export interface CompiledPolicy {
  readonly source: PolicySource;
  readonly statements: readonly CompiledStatement[];
  /** The document was (partly) unknown or unreadable. */
  readonly unknown: boolean;
}

const compiledBySource = new WeakMap<PolicyDocument, Map<string, CompiledPolicy>>();

/** Compiles a policy once per document and (kind, ref, group): statements that touch the engine's actions only. */
export function compilePolicy(src: PolicySource): CompiledPolicy {
  let byKey = compiledBySource.get(src.document);
  if (byKey === undefined) compiledBySource.set(src.document, (byKey = new Map()));
  const key = `${src.kind}\u0000${src.ref}\u0000${src.group ?? ''}`;
  const hit = byKey.get(key);
  if (hit !== undefined) return hit;
  const statements: CompiledStatement[] = [];
  const variables = src.document.version === '2012-10-17';
  for (const s of src.document.statements) {
    const cov = coveredActions(s, ENGINE_ACTIONS);
    if (cov.actions.length === 0 && !cov.unknown) continue;
    const via: Via = {
      kind: src.kind,
      ref: src.ref,
      name: src.name,
      ...(s.sid !== undefined ? { sid: s.sid } : {}),
      ...(src.group !== undefined ? { group: src.group } : {}),
    };
    const patterns = (l: readonly string[] | undefined) => l?.map((r) => new ResourcePattern(r));
    const resources = patterns(s.resources);
    const notResources = patterns(s.notResources);
    const st: CompiledStatement = {
      effect: s.effect,
      via,
      actions: new Set(cov.unknown ? ENGINE_ACTIONS : cov.actions),
      actionsUnknown: cov.unknown,
      // No Resource at all (resource and key policies may omit it): every resource.
      ...(resources !== undefined ? { resources } : notResources !== undefined ? { notResources } : { resources: [new ResourcePattern('*')] }),
      variablePatterns: variables && [...(s.resources ?? []), ...(s.notResources ?? [])].some((r) => r.includes('${')),
      variables,
      ...(s.principals !== undefined ? { principals: s.principals } : {}),
      ...(s.notPrincipals !== undefined ? { notPrincipals: s.notPrincipals } : {}),
      conditions: s.conditions,
      conditionKeys: [...new Set(s.conditions.map((c) => c.key.toLowerCase()))],
      conditionVariables: variables && s.conditions.some((c) => c.values.some((v) => v.includes('${'))),
      source: s,
    };
    statements.push(st);
  }
  const out: CompiledPolicy = { source: src, statements, unknown: src.document.unknown };
  byKey.set(key, out);
  return out;
}

// ─── Principals and requests ────────────────────────────────────────────────────────

/** The principal making a request, as the evaluator sees it. */
export interface RequestPrincipal {
  readonly kind: PrincipalKind;
  readonly arn?: string;
  readonly account?: string;
  /** Its identity policies are not in the estate (another account's principal, a service, `*`). */
  readonly external: boolean;
  /** It has a permissions boundary (a resource policy's NotPrincipal Deny then always applies to it). */
  readonly hasBoundary?: boolean;
}

export interface Request {
  readonly principal: RequestPrincipal;
  readonly action: string;
  readonly resource: ArnSubject;
  readonly resourceAccount?: string;
  readonly context: RequestContext;
}

/** How a statement applies to a request, or not at all. */
export interface Applies {
  readonly certainty: Certainty;
  readonly conditions: readonly Condition[];
}

/**
 * How a resource policy's Principal names the requester: `self` (its ARN, its service), `any`
 * (`*`, which names the role session making the request itself), or its `account` root.
 */
export type How = 'self' | 'any' | 'account';

type PrincipalHit = { readonly how: How; readonly sure: boolean } | false;

function accountOfPrincipalValue(v: string): string | undefined {
  if (/^\d{12}$/.test(v)) return v;
  const m = /^arn:[^:]+:iam::(\d{12}|\*):root$/.exec(v);
  return m ? m[1] : undefined;
}

/** Does a Principal block name the requester: itself (its ARN, its service), everyone (`*`) or its account root? */
function principalHit(p: Principals, who: RequestPrincipal): PrincipalHit {
  if (p.any) return { how: 'any', sure: true };
  let best: PrincipalHit = false;
  for (const v of p.AWS ?? []) {
    if (v === UNKNOWN || v === REDACTED) {
      if (best === false) best = { how: 'self', sure: false };
      continue;
    }
    if (v === '*') return { how: 'any', sure: true };
    if (who.arn !== undefined && v === who.arn) return { how: 'self', sure: true };
    // One of the role's sessions: the role's requests made with that session name (not known offline).
    if (who.kind === 'role' && who.arn !== undefined && v.startsWith(sessionPrefix(who.arn))) {
      if (best === false) best = { how: 'self', sure: false };
      continue;
    }
    const acct = accountOfPrincipalValue(v);
    if (acct !== undefined && who.account !== undefined && acct === who.account) {
      // The account itself (an external account principal) is named; any other principal of it is delegated to.
      if (who.kind === 'account') return { how: 'self', sure: true };
      best = { how: 'account', sure: true };
    }
  }
  if (who.kind === 'service' && who.arn !== undefined) {
    for (const v of p.Service ?? []) if (v === who.arn) return { how: 'self', sure: true };
  }
  return best;
}

/**
 * Whether a NotPrincipal list exempts the requester: 'yes', 'no', or 'maybe'. IAM checks the
 * request as the account, then the user or role, then a role's session, and a Deny with
 * NotPrincipal applies unless the list names each of them (IAM User Guide, "AWS JSON policy
 * elements: NotPrincipal": specify the account ARN together with the user's or role's, and a role's
 * session): a user is exempt when the list names both its ARN and its account; a role at most
 * 'maybe', when the list also names a session of it (which session makes the request is not known
 * offline); naming only some of them exempts nobody. An account principal or a service is exempt
 * when the list names it.
 */
function notPrincipalExempts(p: Principals, who: RequestPrincipal): 'yes' | 'no' | 'maybe' {
  if (p.any) return 'yes';
  const values = p.AWS ?? [];
  if (who.kind === 'service') return who.arn !== undefined && (p.Service ?? []).includes(who.arn) ? 'yes' : 'no';
  const unknown = values.some((v) => v === UNKNOWN || v === REDACTED);
  const account = who.account !== undefined && values.some((v) => accountOfPrincipalValue(v) === who.account);
  if (who.kind === 'account') return account ? 'yes' : unknown ? 'maybe' : 'no';
  const self = who.arn !== undefined && values.includes(who.arn);
  const session = who.kind === 'role' && who.arn !== undefined && values.some((v) => v.startsWith(sessionPrefix(who.arn!)));
  const named = self && account && (who.kind !== 'role' || session);
  if (named) return who.kind === 'role' ? 'maybe' : 'yes';
  return unknown ? 'maybe' : 'no';
}

/** `arn:aws:sts::<account>:assumed-role/<name>/` for a role ARN `arn:aws:iam::<account>:role/<path/><name>`. */
function sessionPrefix(roleArn: string): string {
  const m = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  return m ? `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}/` : '\u0000';
}

/** A policy variable's value from the request context: `null` when the key is absent, undefined when not known. */
function variableLookup(req: Request): (name: string) => string | null | undefined {
  return (name) => {
    const v = req.context.get(name);
    if (v === ABSENT) return null;
    return typeof v === 'string' ? v : undefined;
  };
}

function matchResource(st: CompiledStatement, req: Request): 'sure' | 'maybe' | false {
  let patterns = st.resources ?? st.notResources ?? [];
  let unresolved = false;
  if (st.variablePatterns) {
    const lookup = variableLookup(req);
    // A pattern whose variable names a key absent from the request matches no resource (IAM): left
    // out, so a Resource of only such patterns applies to nothing and a NotResource excludes nothing.
    patterns = patterns.flatMap((p) => {
      const r = withVariables(p.source, lookup);
      if (r.absent) return [];
      unresolved ||= r.unresolved;
      return [r.pattern === p.source ? p : new ResourcePattern(r.pattern)];
    });
  }
  let best: 'sure' | 'maybe' | false = false;
  for (const p of patterns) {
    const m = p.match(req.resource);
    if (m === 'sure') {
      best = 'sure';
      break;
    }
    if (m === 'maybe') best = 'maybe';
  }
  if (st.notResources !== undefined) {
    // Listed surely: excluded. Listed maybe: may be excluded.
    if (best === 'sure') return unresolved ? 'maybe' : false;
    return best === 'maybe' || unresolved ? 'maybe' : 'sure';
  }
  if (best === 'sure' && unresolved) return 'maybe';
  return best;
}

/**
 * Whether one statement applies to the request. For resource policies `who` says how the Principal
 * must name the requester (`self` or its `account`); identity policies have no Principal.
 */
export function statementApplies(st: CompiledStatement, req: Request, resourcePolicy: boolean): (Applies & { readonly how?: How }) | false {
  if (!st.actions.has(req.action)) return false;
  let how: How | undefined;
  let sure = true;
  if (resourcePolicy) {
    if (st.principals !== undefined) {
      const h = principalHit(st.principals, req.principal);
      if (h === false) return false;
      how = h.how;
      sure &&= h.sure;
    } else if (st.notPrincipals !== undefined) {
      // NotPrincipal: everyone except those listed (used with Deny). A NotPrincipal Deny always
      // denies a principal with a permissions boundary, whatever the list says (IAM documents it).
      how = 'any';
      if (!(st.effect === 'Deny' && req.principal.hasBoundary === true)) {
        const x = notPrincipalExempts(st.notPrincipals, req.principal);
        if (x === 'yes') return false;
        sure &&= x === 'no';
      }
    } else return false; // a resource policy statement without Principal applies to no one
  }
  const r = matchResource(st, req);
  if (r === false) return false;
  sure &&= r === 'sure' && !st.actionsUnknown;
  const c = evaluateConditions(st.conditions, req.context, st.variables);
  if (c.result === 'false') return false;
  const certainty: Certainty = !sure ? 'unknown' : c.result === 'unknown' ? 'conditional' : 'certain';
  return { certainty, conditions: c.undecided, ...(how !== undefined ? { how } : {}) };
}

/** The outcome of a set of statements: the strongest Allow (with what grants it) and the strongest Deny. */
export interface Outcome {
  readonly allow?: Certainty;
  readonly allowVia: readonly Via[];
  readonly allowConditions: readonly Condition[];
  readonly deny?: Certainty;
  readonly denyConditions: readonly Condition[];
}

const NONE: Outcome = Object.freeze({ allowVia: [], allowConditions: [], denyConditions: [] });

function condKey(c: Condition): string {
  return `${c.operator}\u0000${c.key}\u0000${c.values.join('\u0001')}`;
}

/**
 * Evaluates statements for a request. For a resource policy, `how` keeps only the Allows that name
 * the requester that way (`self`: its ARN; `any`: `*`; `account`: its account root); Denies apply
 * either way.
 */
export function evaluateStatements(policies: readonly CompiledPolicy[], req: Request, resourcePolicy: boolean, how?: How): Outcome {
  let allow: Certainty | undefined;
  let deny: Certainty | undefined;
  const via = new Map<string, { v: Via; c: Certainty }>();
  const allowConds = new Map<string, Condition>();
  const denyConds = new Map<string, Condition>();
  let unknownDoc = false;
  for (const p of policies) {
    if (p.unknown && p.statements.length === 0) unknownDoc = true;
    for (const st of p.statements) {
      const a = statementApplies(st, req, resourcePolicy);
      if (a === false) continue;
      if (st.effect === 'Deny') {
        deny = deny === undefined ? a.certainty : stronger(deny, a.certainty);
        for (const c of a.conditions) denyConds.set(condKey(c), c);
        continue;
      }
      if (how !== undefined && a.how !== how) continue;
      allow = allow === undefined ? a.certainty : stronger(allow, a.certainty);
      const k = `${st.via.kind}\u0000${st.via.ref}\u0000${st.via.sid ?? ''}\u0000${st.via.group ?? ''}`;
      const prev = via.get(k);
      if (prev === undefined || RANK[a.certainty] > RANK[prev.c]) via.set(k, { v: st.via, c: a.certainty });
      for (const c of a.conditions) allowConds.set(condKey(c), c);
    }
  }
  if (allow === undefined && deny === undefined && !unknownDoc) return NONE;
  // An unreadable document may allow anything and deny anything.
  if (unknownDoc) deny = deny === undefined ? 'unknown' : stronger(deny, 'unknown');
  // What grants it: the statements at the strongest certainty.
  const winners = [...via.values()].filter((x) => allow !== undefined && x.c === allow).map((x) => x.v);
  return {
    ...(allow !== undefined ? { allow } : {}),
    allowVia: winners,
    allowConditions: [...allowConds.values()],
    ...(deny !== undefined ? { deny } : {}),
    denyConditions: [...denyConds.values()],
  };
}

// ─── Decisions ──────────────────────────────────────────────────────────────────────

export interface Grantee {
  readonly viaRef: string;
  readonly via: Via;
  /** The grant lists this operation. */
  readonly operations: ReadonlySet<string>;
  /** Whether the grant's grantee is the requester: sure, or may be (an unknown grantee). */
  readonly matches: (who: RequestPrincipal) => boolean | 'maybe';
  /** Constraints on the encryption context: decided against the request context. */
  readonly constraint: (ctx: RequestContext) => 'true' | 'false' | 'unknown';
}

/** What decides one request besides the principal's own policies. */
export interface Target {
  readonly kind: 'parameter' | 'secret' | 'key';
  /** A secret's resource policy. */
  readonly resourcePolicy?: CompiledPolicy;
  /** A key's policy; `unknown` when the key's policy is not known. */
  readonly keyPolicy?: CompiledPolicy | 'unknown';
  readonly grants?: readonly Grantee[];
}

export interface PrincipalPolicies {
  readonly identity: readonly CompiledPolicy[];
  /** The permissions boundary; `unknown` when the boundary's policy is not known. */
  readonly boundary?: CompiledPolicy | 'unknown';
}

export interface Decision {
  readonly allowed: boolean;
  readonly certainty: Certainty;
  readonly via: readonly Via[];
  readonly conditions: readonly Condition[];
}

export const DENIED: Decision = Object.freeze({ allowed: false, certainty: 'certain', via: [], conditions: [] });

interface Path {
  readonly certainty: Certainty;
  readonly via: readonly Via[];
  readonly conditions: readonly Condition[];
}

const pathOf = (o: Outcome): Path | undefined =>
  o.allow === undefined ? undefined : { certainty: o.allow, via: o.allowVia, conditions: o.allowConditions };

function and(...paths: (Path | undefined)[]): Path | undefined {
  let certainty: Certainty = 'certain';
  const via: Via[] = [];
  const conditions: Condition[] = [];
  for (const p of paths) {
    if (p === undefined) return undefined;
    certainty = weaker(certainty, p.certainty);
    via.push(...p.via);
    conditions.push(...p.conditions);
  }
  return { certainty, via, conditions };
}

function or(...paths: (Path | undefined)[]): Path | undefined {
  const known = paths.filter((p): p is Path => p !== undefined);
  if (known.length === 0) return undefined;
  let best = known[0]!;
  for (const p of known) if (RANK[p.certainty] > RANK[best.certainty]) best = p;
  // What grants it: every path at the best certainty.
  const same = known.filter((p) => p.certainty === best.certainty);
  return { certainty: best.certainty, via: same.flatMap((p) => p.via), conditions: same.flatMap((p) => p.conditions) };
}

const CERTAIN: Path = Object.freeze({ certainty: 'certain', via: [], conditions: [] });
const UNKNOWN_PATH: Path = Object.freeze({ certainty: 'unknown', via: [], conditions: [] });
/** Another account's principal: its identity policies are not in the estate, so it holds "if its IAM allows it". */
const OTHER_ACCOUNT_IAM: Path = Object.freeze({ certainty: 'conditional', via: [], conditions: [] });

function viaSortKey(v: Via): string {
  return `${v.kind}\u0000${v.name}\u0000${v.sid ?? ''}\u0000${v.group ?? ''}\u0000${v.ref}`;
}

/** Distinct, sorted. */
export function normaliseVia(vs: readonly Via[]): Via[] {
  const m = new Map<string, Via>();
  for (const v of vs) m.set(viaSortKey(v), v);
  return [...m.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, v]) => v);
}

function normaliseConditions(cs: readonly Condition[]): Condition[] {
  const m = new Map<string, Condition>();
  for (const c of cs) m.set(condKey(c), c);
  return [...m.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, c]) => c);
}

/** Decides one request. */
export function decide(req: Request, own: PrincipalPolicies, target: Target): Decision {
  const who = req.principal;
  const identity = who.external ? NONE : evaluateStatements(own.identity, req, false);
  const boundary = own.boundary === undefined || own.boundary === 'unknown' ? undefined : evaluateStatements([own.boundary], req, false);
  const rp = target.kind === 'key' ? target.keyPolicy : target.resourcePolicy;
  const rpKnown = rp !== undefined && rp !== 'unknown' ? rp : undefined;
  const rpSelf = rpKnown ? evaluateStatements([rpKnown], req, true, 'self') : NONE;
  const rpAny = rpKnown ? evaluateStatements([rpKnown], req, true, 'any') : NONE;
  const rpAccount = rpKnown ? evaluateStatements([rpKnown], req, true, 'account') : NONE;

  // Explicit Deny anywhere.
  let deny: Certainty | undefined;
  const denyConds: Condition[] = [];
  for (const o of [identity, boundary ?? NONE, rpSelf]) {
    if (o.deny === undefined) continue;
    deny = deny === undefined ? o.deny : stronger(deny, o.deny);
    denyConds.push(...o.denyConditions);
  }
  if (deny === 'certain') return DENIED;

  const boundaryPath: Path | undefined =
    own.boundary === undefined ? CERTAIN : own.boundary === 'unknown' ? UNKNOWN_PATH : boundary ? pathOf(boundary) : undefined;
  const identityPath: Path | undefined = who.external
    ? who.kind === 'service'
      ? CERTAIN
      : OTHER_ACCOUNT_IAM
    : and(pathOf(identity), boundaryPath);
  // `*` (any principal, of any account) is never the resource's own account.
  const sameAccount = who.kind !== 'any' && (who.account === undefined || req.resourceAccount === undefined || who.account === req.resourceAccount);
  // A resource policy naming the principal itself. Same account: a user is allowed whatever its
  // boundary; a role by its ARN within its boundary, but `*` names the role session making the
  // request itself, which the boundary does not limit. Across accounts: and its identity policies.
  const selfPath = (): Path | undefined => {
    const own = pathOf(rpSelf);
    const any = pathOf(rpAny);
    if (own === undefined && any === undefined) return undefined;
    if (!sameAccount) return and(or(own, any), identityPath);
    return who.kind === 'role' ? or(and(own, boundaryPath), any) : or(own, any);
  };
  let path: Path | undefined;
  switch (target.kind) {
    case 'parameter':
      path = sameAccount ? identityPath : undefined;
      break;
    case 'secret':
      path = sameAccount
        ? or(identityPath, selfPath())
        : or(and(pathOf(rpAccount), identityPath), selfPath());
      break;
    case 'key': {
      const keyUnknown = target.keyPolicy === 'unknown';
      const delegated = keyUnknown ? and(UNKNOWN_PATH, identityPath) : and(pathOf(rpAccount), identityPath);
      const grant = grantPath(target.grants ?? [], req);
      path = or(selfPath(), delegated, grant);
      break;
    }
  }
  if (path === undefined) return DENIED;
  let certainty = path.certainty;
  const conditions = [...path.conditions];
  if (deny !== undefined) {
    certainty = weaker(certainty, deny);
    conditions.push(...denyConds);
  }
  return { allowed: true, certainty, via: normaliseVia(path.via), conditions: normaliseConditions(conditions) };
}

function grantPath(grants: readonly Grantee[], req: Request): Path | undefined {
  let best: Path | undefined;
  const op = req.action.slice(req.action.indexOf(':') + 1);
  for (const g of grants) {
    if (!g.operations.has(op)) continue;
    const m = g.matches(req.principal);
    if (m === false) continue;
    const c = g.constraint(req.context);
    if (c === 'false') continue;
    const certainty: Certainty = m === 'maybe' ? 'unknown' : c === 'unknown' ? 'conditional' : 'certain';
    best = or(best, { certainty, via: [g.via], conditions: [] });
  }
  return best;
}

/** The account of an ARN (or of a bare 12-digit account id). */
export function accountOf(arnOrAccount: string): string | undefined {
  if (/^\d{12}$/.test(arnOrAccount)) return arnOrAccount;
  const a = splitArn(arnOrAccount)?.account;
  return a !== undefined && /^\d{12}$/.test(a) ? a : undefined;
}

// ─── Decisions shared between resources ─────────────────────────────────────────────

function contextValueKey(v: unknown): string {
  if (v === undefined) return '?';
  if (v === ABSENT) return '!';
  return typeof v === 'string' ? `s${v}` : `a${(v as readonly string[]).join('\u0001')}`;
}

/**
 * What of a request one set of policies can see: for each statement that covers the action, whether
 * its resource patterns match and the values of the context keys its conditions read. Undefined
 * when a statement reads more than that (policy variables).
 */
function requestSignature(policies: readonly (CompiledPolicy | undefined)[], req: Request): string | undefined {
  let sig = `${req.action}\u0000${req.resourceAccount ?? ''}`;
  for (const p of policies) {
    if (p === undefined) continue;
    for (const st of p.statements) {
      if (!st.actions.has(req.action)) continue;
      if (st.variablePatterns || st.conditionVariables) return undefined;
      const m = matchResource(st, req);
      sig += m === 'sure' ? '\u0000S' : m === 'maybe' ? '\u0000M' : '\u0000N';
      if (m === false) continue;
      for (const k of st.conditionKeys) sig += `\u0001${k}=${contextValueKey(req.context.get(k))}`;
    }
  }
  return sig;
}

const targetAllows = new WeakMap<Target, Set<string>>();

/** Whether the target's own policy or grants could allow `action` to someone (a key whose policy is not known may). */
function targetMayAllow(target: Target, action: string): boolean {
  if (target.kind === 'key' && target.keyPolicy === 'unknown') return true;
  let allows = targetAllows.get(target);
  if (allows === undefined) {
    allows = new Set();
    const rp = target.kind === 'key' ? target.keyPolicy : target.resourcePolicy;
    if (rp !== undefined && rp !== 'unknown') for (const st of rp.statements) if (st.effect === 'Allow') for (const a of st.actions) allows.add(a);
    const service = target.kind === 'key' ? 'kms' : target.kind === 'secret' ? 'secretsmanager' : 'ssm';
    for (const g of target.grants ?? []) for (const op of g.operations) allows.add(`${service}:${op}`);
    targetAllows.set(target, allows);
  }
  return allows.has(action);
}

/**
 * `decide` for one principal, sharing the decision between requests that its policies and the
 * target's cannot tell apart (the same action, target, matching statements and condition values):
 * most resources of an estate differ only by name to a policy granting a whole folder. Targets
 * with grants, and policies with variables, are decided request by request.
 */
export class DecisionMemo {
  private readonly memo = new Map<string, Decision>();
  private readonly targetIds = new WeakMap<Target, number>();
  private nextTarget = 0;
  /** The actions some Allow statement of the principal's identity policies covers. */
  private readonly identityAllows = new Set<string>();

  constructor(private readonly own: PrincipalPolicies) {
    for (const p of own.identity) for (const st of p.statements) if (st.effect === 'Allow') for (const a of st.actions) this.identityAllows.add(a);
  }

  /** False when nothing can allow `action` on `target` to this principal (see `decide`). */
  mayAllow(action: string, target: Target, external: boolean): boolean {
    return (!external && this.identityAllows.has(action)) || targetMayAllow(target, action);
  }

  decide(req: Request, target: Target): Decision {
    // Nothing can allow it: no identity Allow (an external principal's do not count here), no Allow
    // of the resource's policy, no grant of the operation.
    if ((req.principal.external || !this.identityAllows.has(req.action)) && !targetMayAllow(target, req.action)) return DENIED;
    if ((target.grants?.length ?? 0) > 0) return decide(req, this.own, target);
    const rp = target.kind === 'key' ? target.keyPolicy : target.resourcePolicy;
    const policies = [...this.own.identity, this.own.boundary === 'unknown' ? undefined : this.own.boundary, rp === 'unknown' ? undefined : rp];
    const sig = requestSignature(policies, req);
    if (sig === undefined) return decide(req, this.own, target);
    let id = this.targetIds.get(target);
    if (id === undefined) this.targetIds.set(target, (id = this.nextTarget++));
    const key = `${id}\u0002${sig}`;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const d = decide(req, this.own, target);
    this.memo.set(key, d);
    return d;
  }
}

/**
 * For requests on a resource (any of `actions`): which statements of `policies` match it, as a
 * key (sure, maybe or no, per statement that covers one of the actions; equal keys for the same
 * policies mean the same matches). Undefined when
 * a statement's patterns hold policy variables (their match depends on the request). `last`: one
 * more policy after `policies` (spares the caller a new array per resource).
 */
export function matchVector(policies: readonly (CompiledPolicy | undefined)[], actions: readonly string[], resource: ArnSubject, last?: CompiledPolicy): string | undefined {
  // Up to 30 statements as a number in base 3 (one string at the end instead of one per statement).
  let code = 0;
  let n = 0;
  let long = '';
  const req = { resource } as Request;
  for (let i = 0; i <= policies.length; i++) {
    const p = i < policies.length ? policies[i] : last;
    if (p === undefined) continue;
    for (let j = 0; j < p.statements.length; j++) {
      const st = p.statements[j]!;
      let covers = false;
      for (let k = 0; k < actions.length && !covers; k++) covers = st.actions.has(actions[k]!);
      if (!covers) continue;
      if (st.variablePatterns) return undefined;
      const m = matchResource(st, req);
      const digit = m === 'sure' ? 2 : m === 'maybe' ? 1 : 0;
      if (n < 30) code = code * 3 + digit;
      else long += digit;
      n++;
    }
  }
  return `${n}:${code}${long}`;
}

/** Whether any statement's conditions read a context key `test` accepts (keys lower-cased), or a policy variable. */
export function readsContext(policies: readonly (CompiledPolicy | 'unknown' | undefined)[], test: (key: string) => boolean): boolean {
  for (const p of policies) {
    if (p === undefined || p === 'unknown') continue;
    for (const st of p.statements) if (st.conditionVariables || st.conditionKeys.some(test)) return true;
  }
  return false;
}
