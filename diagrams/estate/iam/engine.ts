/**
 * The access engine: for every principal of the estate (roles, users, groups) and every principal
 * outside it that a resource policy, key policy or grant names, which parameters and secrets it can
 * read (the value, including the decrypt of a SecureString or a secret with its key), which secrets
 * it can describe or re-stage, and which keys it decrypts with and through which service. Each
 * result carries its certainty and the statements, resource policies, key policies and grants it
 * rests on. `./evaluate.ts` decides each request; this module finds the requests worth deciding.
 *
 * Cost: policies are compiled once and shared; a principal's candidates are found from its Allow
 * statements through prefix indexes (and from the resource policies and grants that name it), so the
 * work is proportional to what is granted, not to principals x resources.
 */

import { compareStrings, lowerBound } from '../../util/collections.ts';
import type {
  AccessItem,
  Certainty,
  Condition,
  KeyAccess,
  KeyPath,
  ParameterRead,
  PrincipalAccess,
  PrincipalKind,
  Tags,
  Via,
} from '../model.ts';
import { KEY_DECRYPT, PARAMETER_READ_BY_PATH, PARAMETER_READ_ONE, SECRET_METADATA, SECRET_ROTATE, SECRET_VALUE, coveredActions } from './actions.ts';
import { ResourceIndex, ResourcePattern, type ArnSubject } from './arn.ts';
import { ABSENT, layeredContext, lowerCasedMap, type ContextValue, type RequestContext } from './conditions.ts';
import {
  compilePolicy,
  DENIED,
  normaliseVia,
  stronger,
  weaker,
  type CompiledPolicy,
  type Decision,
  type Grantee,
  type PolicySource,
  type PrincipalPolicies,
  type Request,
  type RequestPrincipal,
  type Target,
  DecisionMemo,
  matchVector,
  readsContext,
} from './evaluate.ts';

// ─── Input ──────────────────────────────────────────────────────────────────────────

export interface EnginePrincipal {
  readonly id: string;
  readonly kind: PrincipalKind;
  readonly name: string;
  readonly arn?: string;
  readonly account?: string;
  readonly tags: Tags;
  readonly identity: readonly PolicySource[];
  /** The permissions boundary; `unknown` when it names a policy that is not known. */
  readonly boundary?: PolicySource | 'unknown';
  /** Its identity policies are not in the estate (another account's principal, a service, `*`). */
  readonly external: boolean;
  /** Notes on policies that are not known, set by the caller. */
  readonly notes: readonly string[];
  readonly complete: boolean;
}

/** The key a parameter or secret is encrypted with. */
export type KeyRef = { readonly kind: 'estate'; readonly urn: string } | { readonly kind: 'aws-managed' } | { readonly kind: 'unknown'; readonly id: string };

interface Located {
  readonly urn: string;
  readonly subject: ArnSubject;
  readonly account?: string;
  readonly region?: string;
  readonly tags: Tags;
}

export interface ParameterSubject extends Located {
  readonly path: string;
  readonly secure: boolean;
  readonly key: KeyRef;
}

export interface SecretSubject extends Located {
  readonly policy?: PolicySource;
  readonly key: KeyRef;
}

export interface GrantSubject {
  readonly urn: string;
  readonly name: string;
  readonly grantee: string;
  readonly operations: readonly string[];
  readonly constraints: readonly { readonly kind: 'equals' | 'subset'; readonly context: Readonly<Record<string, string>> }[];
}

export interface KeySubject extends Located {
  /** The key policy in force (its own, or the default); undefined when it is not known. */
  readonly policy?: PolicySource;
  readonly grants: readonly GrantSubject[];
}

export interface EngineInput {
  readonly principals: readonly EnginePrincipal[];
  readonly parameters: readonly ParameterSubject[];
  readonly secrets: readonly SecretSubject[];
  readonly keys: readonly KeySubject[];
}

// ─── Request contexts ───────────────────────────────────────────────────────────────

function principalContext(p: EnginePrincipal): Record<string, ContextValue | undefined> {
  const out: Record<string, ContextValue | undefined> = {
    'aws:SecureTransport': 'true',
    ...(p.arn !== undefined && !p.external ? { 'aws:PrincipalArn': p.arn } : {}),
    ...(p.account !== undefined && p.kind !== 'any' ? { 'aws:PrincipalAccount': p.account, 'kms:CallerAccount': p.account } : {}),
    // A role session has no aws:username (IAM: "not present").
    ...(p.kind === 'user' && !p.external ? { 'aws:username': p.name, 'aws:PrincipalType': 'User' } : p.kind === 'role' && !p.external ? { 'aws:username': ABSENT, 'aws:PrincipalType': 'AssumedRole' } : {}),
    // In every signed request (IAM: "present in the request context for all signed API requests"):
    // an IAM user or role, or any principal of an account, is not an AWS service principal.
    ...(p.kind === 'user' || p.kind === 'role' || p.kind === 'group' || p.kind === 'account' ? { 'aws:PrincipalIsAWSService': 'false' } : p.kind === 'service' ? { 'aws:PrincipalIsAWSService': 'true' } : {}),
  };
  if (!p.external) for (const [k, v] of Object.entries(p.tags)) out[`aws:PrincipalTag/${k}`] = v;
  return out;
}

/** The context keys a resource brings to every request on it (account, region, tags), built once per resource. */
const resourceContexts = new WeakMap<Located, Map<string, ContextValue>>();
function resourceContext(r: Located): Map<string, ContextValue> {
  let m = resourceContexts.get(r);
  if (m !== undefined) return m;
  const out: Record<string, ContextValue | undefined> = {
    ...(r.account !== undefined ? { 'aws:ResourceAccount': r.account } : {}),
    ...(r.region !== undefined ? { 'aws:RequestedRegion': r.region } : {}),
  };
  for (const [k, v] of Object.entries(r.tags)) {
    out[`aws:ResourceTag/${k}`] = v;
    out[`secretsmanager:ResourceTag/${k}`] = v;
  }
  m = lowerCasedMap(out);
  resourceContexts.set(r, m);
  return m;
}

/** The services whose requests the engine evaluates; their keys are absent from each other's requests. */
const EVALUATED_SERVICES: ReadonlySet<string> = new Set(['ssm', 'secretsmanager', 'kms']);

/**
 * What is known to be absent from a request, not unknown: a tag that the resource or (an estate
 * principal) the principal does not have; an encryption-context pair when the whole encryption context's keys are known (a
 * service's decrypt); a condition key of another of the evaluated services (`kms:*` in a
 * GetParameter request), except the `<service>:SourceInstanceArn` keys of instance credentials.
 */
export function withAbsence(base: RequestContext, action: string, principalTagsKnown = true): RequestContext {
  const service = action.slice(0, action.indexOf(':')).toLowerCase();
  const ecKeys = base.get('kms:EncryptionContextKeys');
  const known = ecKeys === undefined || ecKeys === ABSENT ? undefined : new Set((typeof ecKeys === 'string' ? [ecKeys] : ecKeys).map((k) => k.toLowerCase()));
  return {
    get(key) {
      const v = base.get(key);
      if (v !== undefined) return v;
      const k = key.toLowerCase();
      if (k.startsWith('aws:resourcetag/') || k.startsWith('secretsmanager:resourcetag/') || (principalTagsKnown && k.startsWith('aws:principaltag/'))) return ABSENT;
      if (known !== undefined && k.startsWith('kms:encryptioncontext:') && !known.has(k.slice('kms:encryptioncontext:'.length))) return ABSENT;
      const keyService = k.slice(0, k.indexOf(':'));
      if (keyService !== service && EVALUATED_SERVICES.has(keyService) && !k.endsWith(':sourceinstancearn')) return ABSENT;
      return undefined;
    },
  };
}

/** `ctx` with the resource's tags (aws:ResourceTag/*, secretsmanager:ResourceTag/*) not known. */
function resourceTagsNotKnown(ctx: RequestContext): RequestContext {
  return {
    get(key) {
      const k = key.toLowerCase();
      if (k.startsWith('aws:resourcetag/') || k.startsWith('secretsmanager:resourcetag/')) return undefined;
      return ctx.get(key);
    },
  };
}

const via = (service: 'ssm' | 'secretsmanager', region: string | undefined): string | undefined => (region !== undefined ? `${service}.${region}.amazonaws.com` : undefined);

// ─── Grants ─────────────────────────────────────────────────────────────────────────

function compileGrant(g: GrantSubject, keyName: string): Grantee {
  const grantee = g.grantee;
  const viaEntry: Via = { kind: 'grant', ref: g.urn, name: `grant ${g.name} on ${keyName}` };
  return {
    viaRef: g.urn,
    via: viaEntry,
    operations: new Set(g.operations),
    matches: (who: RequestPrincipal) => {
      if (grantee === '' ) return 'maybe';
      if (who.arn !== undefined && grantee === who.arn) return true;
      if (who.kind === 'account' && who.account !== undefined && (grantee === who.account || grantee === `arn:aws:iam::${who.account}:root`)) return true;
      return false;
    },
    constraint: (ctx: RequestContext) => {
      if (g.constraints.length === 0) return 'true';
      let unknown = false;
      for (const c of g.constraints) {
        if (c.kind === 'equals') {
          // The request's encryption context must be exactly the constraint's: the same keys
          // (compared without case: "the key in each key-value pair is not case sensitive", KMS
          // GrantConstraints; the values are).
          const keys = ctx.get('kms:EncryptionContextKeys');
          if (keys === undefined) unknown = true;
          else {
            const have = new Set((keys === ABSENT ? [] : typeof keys === 'string' ? [keys] : keys).map((k) => k.toLowerCase()));
            const want = [...new Set(Object.keys(c.context).map((k) => k.toLowerCase()))];
            if (have.size !== want.length || want.some((k) => !have.has(k))) return 'false';
          }
        }
        for (const [k, v] of Object.entries(c.context)) {
          const got = ctx.get(`kms:EncryptionContext:${k}`);
          if (got === undefined) unknown = true;
          else if (got === ABSENT || (typeof got === 'string' ? got !== v : !got.includes(v))) return 'false';
        }
      }
      return unknown ? 'unknown' : 'true';
    },
  };
}

// ─── Per-principal evaluation ───────────────────────────────────────────────────────

interface KeyUse {
  certainty: Certainty;
  paths: Set<KeyPath>;
  /** The decisions already merged in (many resources share one). */
  seen: Set<Decision>;
  via: Via[];
  conditions: Condition[];
}

interface Prepared {
  /** Parameters by ARN, as places in `paramsByUrn`. */
  readonly paramIndex: ResourceIndex<number>;
  /** Parameters in URN order (the order of the results). */
  readonly paramsByUrn: readonly ParameterSubject[];
  /** Each of `paramsByPath`'s place in `paramsByUrn`. */
  readonly paramPlaceByPath: readonly number[];
  /** The keys (`account\0region\0folder`) of the folders above each parameter of `paramsByUrn`, shortest first. */
  readonly paramFolderKeys: readonly (readonly string[])[];
  /** The same folders as numbers (`folderNumbers`), for class keys. */
  readonly paramFolderNumbers: readonly (readonly number[])[];
  readonly folderNumbers: ReadonlyMap<string, number>;
  /** Per parameter of `paramsByUrn`: a number for what the principal does not change (key, account, region). */
  readonly paramStatic: readonly number[];
  /** Per secret of `secretsByUrn`: a number for its target, key, account, region and suffix. */
  readonly secretStatic: readonly number[];
  readonly folderIndex: ResourceIndex<string>;
  /** Parameters sorted by path. */
  readonly paramsByPath: readonly ParameterSubject[];
  readonly paths: readonly string[];
  /** Secrets by ARN, as places in `secretsByUrn`. */
  readonly secretIndex: ResourceIndex<number>;
  readonly secretsByUrn: readonly SecretSubject[];
  readonly keyIndex: ResourceIndex<KeySubject>;
  readonly keyByUrn: ReadonlyMap<string, KeySubject>;
  readonly keyTargets: ReadonlyMap<string, Target>;
  readonly secretTargets: ReadonlyMap<string, Target>;
  /** Secrets whose resource policy names some principal (or account, or `*`), with the policy. */
  readonly secretsWithPolicy: readonly number[];
  /** Keys whose policy names principals other than account roots, or that have grants. */
  readonly keysNaming: readonly KeySubject[];
}

const PARAMETER_TARGET: Target = Object.freeze({ kind: 'parameter' });
const NO_EXTRA: Record<string, ContextValue | undefined> = Object.freeze({});
/** A secret without a resource policy. */
const SECRET_TARGET: Target = Object.freeze({ kind: 'secret' });

const awsManagedTargets = new WeakMap<PolicySource['document'], Target>();
/** The target of an AWS-managed key's decrypt: one per policy document. */
function awsManagedKeyTarget(policy: PolicySource): Target {
  let t = awsManagedTargets.get(policy.document);
  if (t === undefined) awsManagedTargets.set(policy.document, (t = { kind: 'key', keyPolicy: compilePolicy(policy) }));
  return t;
}

function folderSubject(p: ParameterSubject, folder: string): ArnSubject {
  // The path `/a/b` (no trailing slash) as GetParametersByPath is authorised on it: `parameter/a/b`.
  const rel = folder === '/' ? '' : folder.slice(1, -1);
  return { partition: p.subject.partition, service: 'ssm', ...(p.subject.region !== undefined ? { region: p.subject.region } : {}), ...(p.subject.account !== undefined ? { account: p.subject.account } : {}), resource: `parameter/${rel}` };
}

/**
 * Folders deeper than this are not looked at. SSM allows 15 levels; the bound keeps a path of
 * 100,000 segments from the input (each folder a copy of the path up to it) from costing memory
 * quadratic in its length.
 */
export const MAX_FOLDER_DEPTH = 100;

/** The folders above a parameter path, shortest first: `/a/b/c` -> `/`, `/a/`, `/a/b/` (at most MAX_FOLDER_DEPTH below `/`). */
function foldersOf(path: string): string[] {
  const out = ['/'];
  const segs = path.split('/').filter((s) => s !== '');
  let acc = '/';
  for (let i = 0; i < Math.min(segs.length - 1, MAX_FOLDER_DEPTH); i++) {
    acc += `${segs[i]}/`;
    out.push(acc);
  }
  return out;
}

function prepare(input: EngineInput): Prepared {
  const paramsByPath = [...input.parameters].sort((a, b) => compareStrings(a.path, b.path) || compareStrings(a.urn, b.urn));
  const paramsByUrn = [...input.parameters].sort((a, b) => compareStrings(a.urn, b.urn));
  const paramPlace = new Map(paramsByUrn.map((p, i) => [p, i]));
  const secretsByUrn = [...input.secrets].sort((a, b) => compareStrings(a.urn, b.urn));
  const folders = new Map<string, ArnSubject>();
  const folderKeysOf = (p: ParameterSubject): string[] =>
    foldersOf(p.path).map((f) => {
      const k = `${p.subject.account ?? ''}\u0000${p.subject.region ?? ''}\u0000${f}`;
      const known = folders.get(k);
      if (known === undefined) folders.set(k, folderSubject(p, f));
      return k;
    });
  const folderKeysByPath = paramsByPath.map(folderKeysOf);
  const paramFolderKeys: string[][] = [];
  for (const [i, keys] of folderKeysByPath.entries()) paramFolderKeys[paramPlace.get(paramsByPath[i]!)!] = keys;
  const folderNumbers = new Map([...folders.keys()].map((k, i) => [k, i]));
  const keyByUrn = new Map(input.keys.map((k) => [k.urn, k]));
  const keyTargets = new Map<string, Target>();
  for (const k of input.keys) {
    const name = k.policy?.name.replace(/^key policy of /, '') ?? k.urn;
    keyTargets.set(k.urn, { kind: 'key', keyPolicy: k.policy !== undefined ? compilePolicy(k.policy) : 'unknown', grants: k.grants.map((g) => compileGrant(g, name)) });
  }
  const secretTargets = new Map<string, Target>();
  for (const s of input.secrets) secretTargets.set(s.urn, s.policy !== undefined ? { kind: 'secret', resourcePolicy: compilePolicy(s.policy) } : SECRET_TARGET);
  const interned = new Map<string, number>();
  const intern = (k: string): number => interned.get(k) ?? (interned.set(k, interned.size), interned.size - 1);
  const ids = new Map<unknown, number>();
  const id = (x: unknown): number => ids.get(x) ?? (ids.set(x, ids.size), ids.size - 1);
  const names = (doc: PolicySource | undefined): boolean =>
    doc !== undefined && doc.document.statements.some((st) => st.effect === 'Allow' && (st.principals !== undefined || st.notPrincipals !== undefined));
  return {
    paramIndex: new ResourceIndex(paramsByUrn.map((p, i) => ({ subject: p.subject, item: i }))),
    paramsByUrn,
    paramPlaceByPath: paramsByPath.map((p) => paramPlace.get(p)!),
    paramFolderKeys,
    paramFolderNumbers: paramFolderKeys.map((keys) => keys.map((k) => folderNumbers.get(k)!)),
    folderNumbers,
    paramStatic: paramsByUrn.map((p) => intern(`${p.secure ? keyRefKey(p.key) : '-'}\u0000${p.account ?? ''}\u0000${p.region ?? ''}`)),
    secretStatic: secretsByUrn.map((x) => intern(`${id(secretTargets.get(x.urn)!)}\u0000${keyRefKey(x.key)}\u0000${x.account ?? ''}\u0000${x.region ?? ''}\u0000${x.subject.unknownSuffix ? 'u' : ''}`)),
    folderIndex: new ResourceIndex([...folders.entries()].map(([k, subject]) => ({ subject, item: k }))),
    paramsByPath,
    paths: paramsByPath.map((p) => p.path),
    secretIndex: new ResourceIndex(secretsByUrn.map((s, i) => ({ subject: s.subject, item: i }))),
    secretsByUrn,
    keyIndex: new ResourceIndex(input.keys.map((k) => ({ subject: k.subject, item: k }))),
    keyByUrn,
    keyTargets,
    secretTargets,
    secretsWithPolicy: secretsByUrn.flatMap((s, i) => (names(s.policy) ? [i] : [])),
    keysNaming: input.keys.filter((k) => k.grants.length > 0 || names(k.policy)),
  };
}

/** Places in a list, in order. */
function inOrder(places: ReadonlySet<number>): Float64Array {
  return Float64Array.from(places).sort();
}

/** Patterns of a principal's Allow statements that cover one of `actions`. */
function allowPatterns(policies: readonly CompiledPolicy[], actions: readonly string[]): ResourcePattern[] {
  const out: ResourcePattern[] = [];
  for (const p of policies) {
    for (const st of p.statements) {
      if (st.effect !== 'Allow') continue;
      if (!actions.some((a) => st.actions.has(a))) continue;
      if (st.notResources !== undefined || st.variablePatterns) out.push(new ResourcePattern('*'));
      else out.push(...(st.resources ?? []));
    }
  }
  return out;
}

/** The AWS-managed keys as request resources, one per service, account and region (a handful). */
const awsManagedKeys = new Map<string, Located>();

class PrincipalEvaluation {
  private readonly policies: PrincipalPolicies;
  private readonly who: RequestPrincipal;
  private readonly baseCtx: Map<string, ContextValue>;
  private readonly keyUses = new Map<string, KeyUse>();
  private readonly memo: DecisionMemo;
  /** Access entries that differ only by resource share their parts (actions, via, conditions). */
  private readonly shapes = new Map<string, AccessShape>();
  readonly notes = new Set<string>();

  constructor(
    readonly p: EnginePrincipal,
    readonly prep: Prepared,
  ) {
    const boundary = p.boundary === undefined ? undefined : p.boundary === 'unknown' ? 'unknown' : compilePolicy(p.boundary);
    this.policies = { identity: p.identity.map(compilePolicy), ...(boundary !== undefined ? { boundary } : {}) };
    this.who = {
      kind: p.kind,
      ...(p.arn !== undefined ? { arn: p.arn } : {}),
      ...(p.account !== undefined ? { account: p.account } : {}),
      external: p.external,
      ...(p.boundary !== undefined ? { hasBoundary: true } : {}),
    };
    this.baseCtx = lowerCasedMap(principalContext(p));
    this.memo = new DecisionMemo(this.policies);
    for (const n of p.notes) this.notes.add(n);
  }

  /**
   * Decides one request, built only when something could allow it. `extra`: context keys,
   * lower-cased. `tags: 'not known'`: the request's resource is not `r` itself (a path above it),
   * whose tags are not known: a condition on them is carried, never decided with `r`'s.
   */
  private decideOn(action: string, r: Located, subject: ArnSubject, target: Target, extra: Record<string, ContextValue | undefined> = NO_EXTRA, tags: 'known' | 'not known' = 'known'): Decision {
    if (!this.memo.mayAllow(action, target, this.p.external)) return DENIED;
    return this.memo.decide(this.request(action, r, subject, extra, tags), target);
  }

  private request(action: string, r: Located, subject: ArnSubject, extra: Record<string, ContextValue | undefined>, tags: 'known' | 'not known'): Request {
    // The tags of another account's principal (or of any principal) are not in the estate: not known, never absent.
    const context = withAbsence(layeredContext(extra, [resourceContext(r), this.baseCtx]), action, !this.p.external);
    return {
      principal: this.who,
      action,
      resource: subject,
      ...(r.account !== undefined ? { resourceAccount: r.account } : {}),
      context: tags === 'known' ? context : resourceTagsNotKnown(context),
    };
  }

  /** kms:Decrypt of a key through a service for one resource (its encryption context), cached. */
  private decrypt(key: KeyRef, service: 'ssm' | 'secretsmanager', r: Located, contextKey: string, arn: string | undefined): Decision {
    let d: Decision;
    const viaService = via(service, r.region);
    // The encryption context the service sends: Parameter Store {PARAMETER_ARN}, Secrets Manager
    // {SecretARN, SecretVersionId} (the version id is not known offline).
    // aws:ViaAWSService: the service calls KMS with the principal's credentials (true). The first
    // request (GetParameter, GetSecretValue) is left not known: the principal may make it itself
    // (false) or through another service that uses its credentials (true).
    const extra: Record<string, ContextValue | undefined> = {
      'kms:viaservice': viaService,
      'aws:viaawsservice': 'true',
      'kms:encryptioncontextkeys': service === 'ssm' ? ['PARAMETER_ARN'] : ['SecretARN', 'SecretVersionId'],
      ...(arn !== undefined ? { [`kms:encryptioncontext:${contextKey.toLowerCase()}`]: arn } : {}),
    };
    if (key.kind === 'estate') {
      const k = this.prep.keyByUrn.get(key.urn)!;
      d = this.decideOn(KEY_DECRYPT, k, k.subject, this.prep.keyTargets.get(k.urn)!, extra);
      if (d.allowed) this.useKey(k.urn, service, d);
    } else if (key.kind === 'aws-managed') {
      // The AWS-managed key of the service lets every principal of the account decrypt through the service.
      d = this.awsManagedDecrypt(service, r, extra);
    } else {
      d = { allowed: true, certainty: 'unknown', via: [], conditions: [] };
      this.notes.add(`key ${key.id} is not in the estate: decrypting with it is not known`);
    }
    return d;
  }

  private awsManagedDecrypt(service: 'ssm' | 'secretsmanager', r: Located, extra: Record<string, ContextValue | undefined>): Decision {
    // Every principal of the key's account may decrypt through the service; never another account's,
    // nor a service principal or `*` (whose same-account principals the estate names one by one).
    if (this.p.account !== undefined && r.account !== undefined && this.p.account !== r.account) return DENIED;
    if (this.p.external && (this.p.kind === 'any' || this.p.kind === 'service')) return DENIED;
    if (this.p.external && (this.p.account === undefined || r.account === undefined)) return { allowed: true, certainty: 'unknown', via: [], conditions: [] };
    const name = service === 'ssm' ? 'aws/ssm' : 'aws/secretsmanager';
    // The request's resource is the key, not the parameter or secret: an AWS-managed key has no
    // tags ("You cannot tag ... AWS managed keys", KMS Developer Guide), so aws:ResourceTag/* is
    // absent whatever the parameter's or secret's tags.
    const at = `${service}\u0000${r.account ?? ''}\u0000${r.region ?? ''}`;
    let key = awsManagedKeys.get(at);
    if (key === undefined) {
      const subject: ArnSubject = { partition: 'aws', service: 'kms', ...(r.region ? { region: r.region } : {}), ...(r.account ? { account: r.account } : {}), resource: `key/aws-managed-${service}` };
      key = { urn: `aws-managed-key:${name}`, subject, ...(r.account !== undefined ? { account: r.account } : {}), ...(r.region !== undefined ? { region: r.region } : {}), tags: {} };
      awsManagedKeys.set(at, key);
    }
    const policy: PolicySource = {
      kind: 'aws-managed-key',
      ref: `aws-managed-key:${name}`,
      name: `AWS-managed key ${name}`,
      document: AWS_MANAGED_KEY_POLICY,
    };
    return this.decideOn(KEY_DECRYPT, key, key.subject, awsManagedKeyTarget(policy), extra);
  }

  private shape<T extends AccessShape>(key: string, build: () => T): T {
    let v = this.shapes.get(key);
    if (v === undefined) this.shapes.set(key, (v = build()));
    return v as T;
  }

  private useKey(urn: string, path: KeyPath, d: Decision): void {
    let u = this.keyUses.get(urn);
    if (u === undefined) {
      u = { certainty: d.certainty, paths: new Set(), seen: new Set(), via: [], conditions: [] };
      this.keyUses.set(urn, u);
    } else u.certainty = stronger(u.certainty, d.certainty);
    u.paths.add(path);
    if (u.seen.has(d)) return;
    u.seen.add(d);
    u.via.push(...d.via);
    u.conditions.push(...d.conditions);
  }

  parameters(): ParameterRead[] {
    const prep = this.prep;
    const one = allowPatterns(this.policies.identity, PARAMETER_READ_ONE);
    const byPath = allowPatterns(this.policies.identity, [PARAMETER_READ_BY_PATH]);
    if (one.length === 0 && byPath.length === 0) return [];
    const candidates = new Set<number>();
    for (const pat of one) for (const m of prep.paramIndex.matches(pat)) candidates.add(m.item);
    const folderDecisions = new Map<string, Decision>();
    const grantedFolders = new Set<string>();
    for (const pat of byPath) for (const m of prep.folderIndex.matches(pat)) grantedFolders.add(m.item);
    for (const fk of grantedFolders) {
      const folder = fk.slice(fk.lastIndexOf('\u0000') + 1);
      const [account, region] = fk.split('\u0000');
      for (let i = lowerBound(prep.paths, folder); i < prep.paths.length && prep.paths[i]!.startsWith(folder); i++) {
        const p = prep.paramsByPath[i]!;
        if ((p.subject.account ?? '') === account && (p.subject.region ?? '') === region) candidates.add(prep.paramPlaceByPath[i]!);
      }
    }
    // Parameters its policies cannot tell apart (the same matching statements, granted folders,
    // type, key, account, region, and tags or ARN where a condition reads them) are decided once.
    const classOf = this.parameterClasses(new Set([...grantedFolders].map((fk) => prep.folderNumbers.get(fk)!)));
    const decided = new Map<string, AccessShape | null>();
    const out: ParameterRead[] = [];
    for (const n of inOrder(candidates)) {
      const p = prep.paramsByUrn[n]!;
      const ck = classOf(p, n);
      let o = ck === undefined ? undefined : decided.get(ck);
      if (o === undefined) {
        o = this.parameterOutcome(p, prep.paramFolderKeys[n]!, grantedFolders, folderDecisions) ?? null;
        if (ck !== undefined) decided.set(ck, o);
      }
      if (o !== null) out.push(o.byPath !== undefined ? { resourceUrn: p.urn, actions: o.actions, certainty: o.certainty, via: o.via, conditions: o.conditions, byPath: o.byPath } : withResource(p.urn, o));
    }
    return out;
  }

  /** A function giving a parameter's class for this principal, or undefined (decide it alone). */
  private parameterClasses(grantedFolders: ReadonlySet<number>): (p: ParameterSubject, place: number) => string | undefined {
    const prep = this.prep;
    const own = [...this.policies.identity, this.policies.boundary === 'unknown' ? undefined : this.policies.boundary];
    const ownTags = readsContext(own, readsTag);
    const ownArn = readsContext(own, readsArn);
    // A condition on ssm:Recursive tells a folder's direct children (either value) from deeper parameters (true only).
    const ownRecursive = readsContext(own, (k) => k === 'ssm:recursive');
    return (p, place) => {
      const keyTarget = p.secure && p.key.kind === 'estate' ? prep.keyTargets.get(p.key.urn) : undefined;
      if ((keyTarget?.grants?.length ?? 0) > 0) return undefined;
      const matches = matchVector(own, PARAMETER_READ_ONE, p.subject);
      if (matches === undefined) return undefined;
      let folders = '';
      const above = prep.paramFolderNumbers[place]!;
      for (const f of above) if (grantedFolders.has(f)) folders += ownRecursive && f === above[above.length - 1] ? `${f}d,` : `${f},`;
      // The decrypt request's resource is the key (its tags are the key's); the AWS-managed key's is the parameter.
      const tags = ownTags ? tagsKey(p.tags) : '';
      const arn = p.secure && (ownArn || policyReads(keyTarget?.keyPolicy, readsArn)) ? p.urn : '';
      return `${prep.paramStatic[place]}\u0000${matches}\u0000${tags}\u0000${arn}\u0000${folders}`;
    };
  }

  /** Read access to one parameter as a shape (without the resource), or undefined when it has none. */
  private parameterOutcome(p: ParameterSubject, folderKeys: readonly string[], grantedFolders: ReadonlySet<string>, folderDecisions: Map<string, Decision>): AccessShape | undefined {
    const decisions: { action: string; d: Decision; folder?: string }[] = [];
    for (const action of PARAMETER_READ_ONE) {
      const d = this.decideOn(action, p, p.subject, PARAMETER_TARGET);
      if (d.allowed) decisions.push({ action, d });
    }
    for (const fk of folderKeys) {
      if (!grantedFolders.has(fk)) continue;
      const folder = fk.slice(fk.lastIndexOf('\u0000') + 1);
      // A parameter below a direct child of the path comes back only with Recursive=true (ssm:Recursive);
      // a direct child with either, as the caller chooses.
      const direct = !p.path.slice(folder.length).includes('/');
      const dk = `${fk}\u0000${direct ? 'direct' : 'deep'}`;
      let d = folderDecisions.get(dk);
      if (d === undefined) {
        // The request is on the path, not on this parameter: its tags say nothing of the path's.
        const on = (recursive: string): Decision => this.decideOn(PARAMETER_READ_BY_PATH, p, folderSubject(p, folder), PARAMETER_TARGET, { 'ssm:recursive': recursive }, 'not known');
        d = on('true');
        if (direct) {
          const flat = on('false');
          if (flat.allowed && (!d.allowed || stronger(flat.certainty, d.certainty) !== d.certainty)) d = flat;
        }
        folderDecisions.set(dk, d);
      }
      if (d.allowed) {
        decisions.push({ action: PARAMETER_READ_BY_PATH, d, folder });
        break; // the broadest folder that grants it
      }
    }
    if (decisions.length === 0) return undefined;
    let read = decisions[0]!.d.certainty;
    for (const x of decisions) read = stronger(read, x.d.certainty);
    const winners = decisions.filter((x) => x.d.certainty === read);
    let certainty = read;
    const viaList: Via[] = winners.flatMap((x) => x.d.via);
    const conditions: Condition[] = winners.flatMap((x) => x.d.conditions);
    let decryptDecision: Decision | undefined;
    if (p.secure) {
      const d = this.decrypt(p.key, 'ssm', p, 'PARAMETER_ARN', p.subject.account !== undefined ? `arn:${p.subject.partition}:ssm:${p.subject.region ?? ''}:${p.subject.account}:${p.subject.resource}` : undefined);
      if (!d.allowed) {
        this.notes.add('can call GetParameter on SecureStrings it cannot decrypt (not counted as reads)');
        return undefined;
      }
      decryptDecision = d;
      certainty = weaker(certainty, d.certainty);
      viaList.push(...d.via);
      conditions.push(...d.conditions);
    }
    const folder = decisions.find((x) => x.folder !== undefined)?.folder;
    const key = `${decisions.map((x) => `${x.action}:${decisionId(x.d)}:${x.folder ?? ''}`).join(',')}|${p.secure ? decisionId(decryptDecision!) : '-'}`;
    return this.shape(key, () => ({
      actions: [...new Set(decisions.map((x) => x.action))].sort(),
      certainty,
      via: normaliseVia(viaList),
      conditions: dedupeConditions(conditions),
      ...(folder !== undefined ? { byPath: folder } : {}),
    }));
  }

  secrets(): { values: AccessItem[]; metadata: AccessItem[]; writes: AccessItem[] } {
    const prep = this.prep;
    const actions = [SECRET_VALUE, ...SECRET_METADATA, ...SECRET_ROTATE];
    const candidates = new Set<number>();
    for (const pat of allowPatterns(this.policies.identity, actions)) for (const m of prep.secretIndex.matches(pat)) candidates.add(m.item);
    for (const s of prep.secretsWithPolicy) candidates.add(s);
    const values: AccessItem[] = [];
    const metadata: AccessItem[] = [];
    const writes: AccessItem[] = [];
    // Secrets its policies cannot tell apart (same matching statements, target, key, account,
    // region, and tags or ARN where a condition reads them) are decided once.
    const classOf = this.secretClasses(actions);
    const decided = new Map<string, SecretOutcome>();
    for (const n of inOrder(candidates)) {
      const s = prep.secretsByUrn[n]!;
      const ck = classOf(s, n);
      let o = ck === undefined ? undefined : decided.get(ck);
      if (o === undefined) {
        o = this.secretOutcome(s);
        if (ck !== undefined) decided.set(ck, o);
      }
      if (o.value) values.push(withResource(s.urn, o.value));
      if (o.metadata) metadata.push(withResource(s.urn, o.metadata));
      if (o.writes) writes.push(withResource(s.urn, o.writes));
    }
    return { values, metadata, writes };
  }

  /** A function giving a secret's class for this principal, or undefined (decide it alone). */
  private secretClasses(actions: readonly string[]): (s: SecretSubject, place: number) => string | undefined {
    const prep = this.prep;
    const own = [...this.policies.identity, this.policies.boundary === 'unknown' ? undefined : this.policies.boundary];
    // What the principal's own policies read is the same for every secret; a resource or key
    // policy's is the same for every principal.
    const ownTags = readsContext(own, readsTag);
    const ownArn = readsContext(own, readsArn);
    return (s, place) => {
      const target = prep.secretTargets.get(s.urn)!;
      const keyTarget = s.key.kind === 'estate' ? prep.keyTargets.get(s.key.urn) : undefined;
      if ((keyTarget?.grants?.length ?? 0) > 0) return undefined;
      const matches = matchVector(own, actions, s.subject, target.resourcePolicy);
      if (matches === undefined) return undefined;
      const tags = ownTags || policyReads(target.resourcePolicy, readsTag) || policyReads(keyTarget?.keyPolicy, readsTag) ? tagsKey(s.tags) : '';
      const arn = ownArn || policyReads(target.resourcePolicy, readsArn) || policyReads(keyTarget?.keyPolicy, readsArn) ? `${s.urn}` : '';
      return `${prep.secretStatic[place]}\u0000${matches}\u0000${tags}\u0000${arn}`;
    };
  }

  /** Value, metadata and write access to one secret, as shapes (without the resource). */
  private secretOutcome(s: SecretSubject): SecretOutcome {
    const target = this.prep.secretTargets.get(s.urn)!;
    const d = (action: string): Decision => this.decideOn(action, s, s.subject, target);
    const value = d(SECRET_VALUE);
    const meta = SECRET_METADATA.map((a) => ({ a, d: d(a) })).filter((x) => x.d.allowed);
    const metaKey = meta.map((x) => `${x.a}:${decisionId(x.d)}`).join(',');
    const out: { value?: AccessShape; metadata?: AccessShape; writes?: AccessShape } = {};
    if (value.allowed) {
      const arn = s.subject.account !== undefined && !s.subject.unknownSuffix ? `arn:${s.subject.partition}:secretsmanager:${s.subject.region ?? ''}:${s.subject.account}:${s.subject.resource}` : undefined;
      const dec = this.decrypt(s.key, 'secretsmanager', s, 'SecretARN', arn);
      if (dec.allowed) {
        // Metadata next to the value: recorded on the value entry's actions.
        out.value = this.shape(`v|${decisionId(value)}|${decisionId(dec)}|${metaKey}`, () => {
          const it = item('', [SECRET_VALUE, ...meta.map((x) => x.a)], weaker(value.certainty, dec.certainty), [...value.via, ...dec.via], [...value.conditions, ...dec.conditions]);
          return { actions: it.actions, certainty: it.certainty, via: it.via, conditions: it.conditions };
        });
      } else this.notes.add('can call GetSecretValue on secrets whose key it cannot decrypt with (not counted as reads)');
    }
    if (meta.length > 0 && out.value === undefined) out.metadata = this.shape(`m|${metaKey}`, () => shapeOf(merge('', meta)));
    const w = SECRET_ROTATE.map((a) => ({ a, d: d(a) })).filter((x) => x.d.allowed);
    if (w.length > 0) out.writes = this.shape(`w|${w.map((x) => `${x.a}:${decisionId(x.d)}`).join(',')}`, () => shapeOf(merge('', w)));
    return out;
  }

  keys(): KeyAccess[] {
    const prep = this.prep;
    const candidates = new Set<KeySubject>();
    for (const pat of allowPatterns(this.policies.identity, [KEY_DECRYPT])) for (const m of prep.keyIndex.matches(pat)) candidates.add(m.item);
    for (const k of prep.keysNaming) candidates.add(k);
    for (const k of candidates) {
      const d = this.decideOn(KEY_DECRYPT, k, k.subject, prep.keyTargets.get(k.urn)!, { 'kms:viaservice': ABSENT, 'aws:viaawsservice': 'false' });
      if (d.allowed) this.useKey(k.urn, 'direct', d);
    }
    const out: KeyAccess[] = [];
    for (const [urn, u] of [...this.keyUses.entries()].sort(([a], [b]) => compareStrings(a, b))) {
      out.push({
        resourceUrn: urn,
        actions: [KEY_DECRYPT],
        certainty: u.certainty,
        via: normaliseVia(u.via),
        conditions: dedupeConditions(u.conditions),
        paths: [...u.paths].sort(),
      });
    }
    return out;
  }

  /** Identity policies allow every engine action on every resource, with nothing narrowing them (no boundary, no Deny). */
  admin(): boolean {
    if (this.p.external || this.p.boundary !== undefined) return false;
    if (this.policies.identity.some((pol) => pol.statements.some((st) => st.effect === 'Deny'))) return false;
    return this.policies.identity.some((pol) =>
      pol.statements.some((st) => {
        if (st.effect !== 'Allow' || st.conditions.length > 0 || st.actionsUnknown) return false;
        const all = coveredActions(st.source, ['iam:CreateUser', 'kms:Decrypt', 'secretsmanager:GetSecretValue', 'ssm:GetParameter']).actions.length === 4;
        return all && (st.resources ?? []).some((r) => r.any && !r.unknown);
      }),
    );
  }
}

const readsTag = (k: string): boolean => k.includes('resourcetag/');
const readsArn = (k: string): boolean => k.startsWith('kms:encryptioncontext:') || k.startsWith('secretsmanager:');
function keyRefKey(k: KeyRef): string {
  return k.kind === 'estate' ? k.urn : k.kind === 'unknown' ? `unknown:${k.id}` : 'aws-managed';
}

function tagsKey(tags: Tags): string {
  return JSON.stringify(Object.entries(tags).sort(([a], [b]) => compareStrings(a, b)));
}

const policyReadsMemo = new WeakMap<CompiledPolicy, Map<(k: string) => boolean, boolean>>();

/** `readsContext` of one policy, remembered per policy (resource and key policies are shared by every principal). */
function policyReads(p: CompiledPolicy | 'unknown' | undefined, test: (k: string) => boolean): boolean {
  if (p === undefined || p === 'unknown') return false;
  let m = policyReadsMemo.get(p);
  if (m === undefined) policyReadsMemo.set(p, (m = new Map()));
  let r = m.get(test);
  if (r === undefined) m.set(test, (r = readsContext([p], test)));
  return r;
}

/** The AWS-managed key of Parameter Store or Secrets Manager: account principals, through the service. */
const AWS_MANAGED_KEY_POLICY = {
  statements: [
    {
      sid: 'Allow access through the service for all principals in the account that are authorized to use it',
      effect: 'Allow' as const,
      principals: { AWS: ['*'], any: true },
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: [],
    },
  ],
  unknown: false,
};

function dedupeConditions(cs: readonly Condition[]): Condition[] {
  const m = new Map<string, Condition>();
  for (const c of cs) m.set(`${c.operator}\u0000${c.key}\u0000${c.values.join('\u0001')}`, c);
  return [...m.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, c]) => c);
}

/** What a principal can do to one secret, without the secret. */
interface SecretOutcome {
  readonly value?: AccessShape;
  readonly metadata?: AccessShape;
  readonly writes?: AccessShape;
}

/** An access entry without its resource. */
type AccessShape = Omit<AccessItem, 'resourceUrn'> & { readonly byPath?: string };

/** An access entry of a shape on one resource (a literal of one layout: cheaper than a spread). */
function withResource(urn: string, a: AccessShape): AccessItem {
  return { resourceUrn: urn, actions: a.actions, certainty: a.certainty, via: a.via, conditions: a.conditions };
}

function shapeOf(a: AccessItem): AccessShape {
  return { actions: a.actions, certainty: a.certainty, via: a.via, conditions: a.conditions };
}

const decisionIds = new WeakMap<Decision, number>();
let nextDecision = 0;
/** A number per Decision object (decisions are shared by DecisionMemo): keys the shapes built from them. */
function decisionId(d: Decision): number {
  let id = decisionIds.get(d);
  if (id === undefined) decisionIds.set(d, (id = nextDecision++));
  return id;
}

function item(urn: string, actions: readonly string[], certainty: Certainty, viaList: readonly Via[], conditions: readonly Condition[]): AccessItem {
  return { resourceUrn: urn, actions: [...new Set(actions)].sort(), certainty, via: normaliseVia(viaList), conditions: dedupeConditions(conditions) };
}

function merge(urn: string, ds: readonly { a: string; d: Decision }[]): AccessItem {
  let c = ds[0]!.d.certainty;
  for (const x of ds) c = stronger(c, x.d.certainty);
  return item(
    urn,
    ds.map((x) => x.a),
    c,
    ds.flatMap((x) => x.d.via),
    ds.flatMap((x) => x.d.conditions),
  );
}

/** The access of every principal, sorted by principal id. */
export function analyseAccess(input: EngineInput): PrincipalAccess[] {
  const prep = prepare(input);
  const out: PrincipalAccess[] = [];
  for (const p of [...input.principals].sort((a, b) => compareStrings(a.id, b.id))) {
    const e = new PrincipalEvaluation(p, prep);
    const parameters = e.parameters();
    const secrets = e.secrets();
    const keys = e.keys();
    out.push({
      principal: p.id,
      parameters,
      secretValues: secrets.values,
      secretMetadata: secrets.metadata,
      secretWrites: secrets.writes,
      keys,
      admin: e.admin(),
      complete: p.complete,
      notes: [...e.notes].sort(compareStrings),
    });
  }
  return out;
}
