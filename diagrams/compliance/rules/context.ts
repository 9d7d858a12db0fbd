/**
 * What a rule sees: the store of derived facts, the stack it judges, the options, and helpers that
 * phrase subjects. A rule reads facts from the store (environments, audit pieces, keys in use,
 * rotation roles, the access engine's results); it never derives them with rules of its own.
 *
 * Decisions where the rules are silent (also in policy/README.md):
 * - "Prod" is an environment named in `prodEnvironments` (default `prod`, `production`, `prd`). A
 *   key is a prod key when its environment is prod, or when it encrypts a prod parameter or secret.
 * - Key controls (SEC-003/004/011/025) judge the keys a stack uses (`Store.keysUsedBy`): its own
 *   and the keys of other stacks its SecureStrings, secrets and trails are encrypted with, marked
 *   `(stack <name>)`. A used key that resolves to no loaded key is left to where it is defined and
 *   said so in the finding's note.
 * - Audit controls judge the pieces that serve the stack (`Store.auditOf`).
 */

import { GeneratorError } from '../../errors.ts';
import type { Estate, IamPolicy, KmsKey, PolicyStatement, PrincipalAccess, Role, StackSummary } from '../../estate/model.ts';
import { awsManagedPolicy, isAwsManagedPolicyArn } from '../../estate/iam/managed.ts';
import { Store, type PrincipalEntry } from '../../estate/store.ts';
import { listWithMore, plural, sortedUnique } from '../../util/collections.ts';
import type { ControlLayer, FindingSubject, FrameworkMapping, Severity } from '../types.ts';

export interface RuleOptions {
  /** Longest accepted secret rotation interval, days. */
  readonly maxSecretRotationDays: number;
  /** Longest accepted KMS automatic rotation period, days. */
  readonly maxKeyRotationDays: number;
  /** Shortest accepted KMS deletion window for prod keys, days. */
  readonly minProdKeyDeletionWindowDays: number;
  /** Shortest accepted Secrets Manager recovery window for prod secrets, days. */
  readonly minProdRecoveryWindowDays: number;
  /** Environment names that count as production (lower case). */
  readonly prodEnvironments: readonly string[];
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = Object.freeze({
  maxSecretRotationDays: 90,
  maxKeyRotationDays: 365,
  minProdKeyDeletionWindowDays: 30,
  minProdRecoveryWindowDays: 30,
  prodEnvironments: Object.freeze(['prod', 'production', 'prd']),
});

export interface Rule {
  /** Stable id, e.g. `SEC-001`. */
  readonly id: string;
  /** Descriptive slug, e.g. `cmk-encryption` (the CrossGuard policy name). */
  readonly slug: string;
  /** Short: a diagram label. */
  readonly title: string;
  readonly severity: Severity;
  readonly layer: ControlLayer;
  readonly rationale: string;
  readonly remediation: string;
  readonly frameworks: FrameworkMapping;
  /** The subjects of the rule in the context's stack; none means not applicable (nothing to judge). */
  readonly evaluate: (ctx: RuleContext) => readonly FindingSubject[];
  /** Why part of what the rule would check is not checked here (e.g. keys of a stack not loaded); put on the finding. */
  readonly note?: (ctx: RuleContext) => string | undefined;
}

export function fw(soc2: string[], iso27001: string[], gdpr: string[]): FrameworkMapping {
  return Object.freeze({ soc2: Object.freeze(soc2), iso27001: Object.freeze(iso27001), gdpr: Object.freeze(gdpr) });
}

export function subject(x: { readonly urn: string; readonly name: string; readonly stack: string }, ok: boolean, detail: string): FindingSubject {
  return { urn: x.urn, name: x.name, stack: x.stack, status: ok ? 'met' : 'not-met', detail };
}

export { listWithMore as list, plural };

/** One statement of a policy that applies to a principal, with where it comes from. */
export interface AppliedStatement {
  readonly policy: string;
  /** Estate policy URN or AWS-managed ARN. */
  readonly ref: string;
  readonly managed: boolean;
  readonly group?: string;
  readonly st: PolicyStatement;
}

const prodKeysCache = new WeakMap<Store, Map<string, ReadonlyMap<string, string>>>();

/** The estate's prod keys (key URN -> why), for one list of prod environments; computed once per estate and list. */
function prodKeysOf(store: Store, prodEnvironments: readonly string[]): ReadonlyMap<string, string> {
  const id = JSON.stringify(prodEnvironments);
  const byList = prodKeysCache.get(store) ?? prodKeysCache.set(store, new Map()).get(store)!;
  const hit = byList.get(id);
  if (hit) return hit;
  const isProd = (env: string | undefined): env is string => env !== undefined && prodEnvironments.includes(env.toLowerCase());
  const out = new Map<string, string>();
  for (const k of store.estate.keys) {
    const env = store.environmentOf(k);
    if (isProd(env)) out.set(k.urn, `in ${env}`);
  }
  for (const x of [...store.estate.parameters, ...store.estate.secrets]) {
    if (x.keyUrn === undefined || out.has(x.keyUrn)) continue;
    const env = store.environmentOf(x);
    if (isProd(env)) out.set(x.keyUrn, `encrypts ${env} data (${x.name})`);
  }
  byList.set(id, out);
  return out;
}

export class RuleContext {
  readonly store: Store;
  readonly estate: Estate;
  readonly stack: string;
  readonly options: RuleOptions;
  readonly summary: StackSummary;
  private readonly prodKeys: ReadonlyMap<string, string>;

  constructor(estate: Estate, stack: string, options: RuleOptions) {
    this.store = Store.of(estate);
    this.estate = estate;
    this.stack = stack;
    this.options = options;
    const summary = this.store.findStack(stack);
    if (summary === undefined) {
      throw new GeneratorError('usage', `stack '${stack}' is not in the estate`, { subject: 'stack', expected: `one of: ${estate.stacks.map((s) => s.key).join(', ') || '(none)'}` });
    }
    this.summary = summary;
    this.prodKeys = prodKeysOf(this.store, options.prodEnvironments);
  }

  // Stack scoping ------------------------------------------------------------------

  /** The stack's own entities of a list, without those it only reads (`readOnly`: managed elsewhere, judged there). */
  inStack<T extends { readonly stack: string; readonly readOnly?: true }>(xs: readonly T[]): T[] {
    const own = this.store.inStack(xs, this.stack);
    return own.some((x) => x.readOnly === true) ? own.filter((x) => x.readOnly !== true) : own;
  }

  /** The URN of the stack's root resource: the subject of a finding about the stack as a whole. */
  stackUrn(): string {
    return this.summary.urn;
  }

  stackSubject(status: 'met' | 'not-met', detail: string): FindingSubject {
    return { urn: this.stackUrn(), name: `stack ${this.stack}`, stack: this.stack, status, detail };
  }

  /** Referenced stacks that are not loaded (the policy pack sees one stack). */
  missingReferences(): string[] {
    return this.summary.references.filter((r) => this.store.findStack(r) === undefined);
  }

  /** Does the stack hold anything an audit control protects? */
  holdsSecrets(): boolean {
    return (
      this.inStack(this.estate.secrets).length > 0 ||
      this.inStack(this.estate.keys).length > 0 ||
      this.inStack(this.estate.parameters).some((p) => p.type === 'SecureString')
    );
  }

  /** ` (stack shared)` for an entity of another stack, '' for the stack's own. */
  fromStack(x: { readonly stack: string }): string {
    return x.stack === this.stack ? '' : ` (stack ${x.stack})`;
  }

  // Keys ---------------------------------------------------------------------------

  keysInScope(): readonly KmsKey[] {
    return this.store.keysUsedBy(this.stack).keys;
  }

  /** The note of a key control when some key this stack uses resolves to no key of the estate. */
  unresolvedKeyNote(): string | undefined {
    const { unresolved, unresolvedUsers, unknownUsers } = this.store.keysUsedBy(this.stack);
    const notes: string[] = [];
    if (unresolved.length > 0) {
      const named = unresolved.filter((k) => k !== '[unknown]').map((k) => k.split('/').pop() ?? k);
      const what = named.length > 0 ? `${plural(unresolved.length, 'key')} (${listWithMore(named)})` : plural(unresolved.length, 'key');
      const notLoaded = this.missingReferences();
      const where = notLoaded.length > 0 ? `stack ${notLoaded.join(', ')} is not loaded` : 'not defined in the loaded stacks';
      notes.push(`${what} used by ${plural(unresolvedUsers, 'resource')} of this stack ${unresolved.length === 1 ? 'is' : 'are'} not judged here (${where}): checked where the key is defined`);
    }
    // A preview's key id not known yet, and no dependency edge that names the key: it may be any key.
    if (unknownUsers > 0) notes.push(unknownUsers === 1 ? 'the key of 1 resource of this stack is not known before deployment (it may be any key): not judged' : `the keys of ${unknownUsers} resources of this stack are not known before deployment (they may be any key): not judged`);
    return notes.length ? notes.join('; ') : undefined;
  }

  keyLabel(urn: string | undefined, keyId: string | undefined): string {
    const k = this.store.findKey(urn);
    if (k !== undefined) return k.aliases[0] ?? k.name;
    return keyId ?? 'AWS-managed key';
  }

  isProdKey(urn: string): boolean {
    return this.prodKeys.has(urn);
  }

  prodKeyWhy(urn: string): string {
    return this.prodKeys.get(urn) ?? '';
  }

  // Environments -------------------------------------------------------------------

  envOf(x: { readonly stack: string; readonly tags: Readonly<Record<string, string>>; readonly environment?: string }): string | undefined {
    return this.store.environmentOf(x);
  }

  isProdEnv(env: string): boolean {
    return this.options.prodEnvironments.includes(env.toLowerCase());
  }

  // Names ---------------------------------------------------------------------------

  entityName(urn: string): string {
    const e = this.store.find(urn);
    return e?.name ?? this.store.findPrincipal(urn)?.name ?? urn.split('::').pop() ?? urn;
  }

  // Principals and their policies --------------------------------------------------

  /** The stack's roles, users and groups. */
  principalsInStack(): PrincipalEntry[] {
    return this.store.principals.filter((p) => p.stack === this.stack);
  }

  access(principalId: string): PrincipalAccess | undefined {
    return this.store.findAccess(principalId);
  }

  /** Every statement that applies to a principal: its own policies, its groups' (users), AWS-managed ones from the snapshot. */
  statementsOf(p: PrincipalEntry): AppliedStatement[] {
    const out: AppliedStatement[] = [];
    const holders: { policies: readonly string[]; externalPolicies: readonly string[]; group?: string }[] = [];
    const h = p.role ?? p.user ?? p.group;
    if (h !== undefined) holders.push(h);
    if (p.user !== undefined) {
      for (const g of p.user.groups) {
        const grp = this.estate.groups.find((x) => x.urn === g);
        if (grp) holders.push({ policies: grp.policies, externalPolicies: grp.externalPolicies, group: grp.name });
      }
    }
    for (const x of holders) {
      for (const urn of x.policies) {
        const pol = this.store.find(urn) as IamPolicy | undefined;
        if (pol === undefined) continue;
        for (const st of pol.document.statements) out.push({ policy: pol.name, ref: urn, managed: false, ...(x.group ? { group: x.group } : {}), st });
      }
      for (const arn of x.externalPolicies) {
        const doc = awsManagedPolicy(arn);
        if (!doc) continue;
        const name = arn.slice(arn.lastIndexOf('/') + 1);
        for (const st of doc.statements) out.push({ policy: name, ref: arn, managed: true, ...(x.group ? { group: x.group } : {}), st });
      }
    }
    return out;
  }

  /**
   * The statements of a principal's permissions boundary: undefined when it has none, `unknown` when
   * its document is not known (outside the estate and the AWS-managed snapshot, or not fully read).
   */
  boundaryOf(p: PrincipalEntry): readonly PolicyStatement[] | 'unknown' | undefined {
    const b = p.role?.boundary ?? p.user?.boundary;
    if (b === undefined) return undefined;
    const pol = b.policyUrn !== undefined ? (this.store.find(b.policyUrn) as IamPolicy | undefined) : undefined;
    const doc = pol?.document ?? awsManagedPolicy(b.arn);
    return doc === undefined || doc.unknown ? 'unknown' : doc.statements;
  }

  /**
   * What applies to a principal without a known document: attached ARNs that are neither in the
   * estate nor in the AWS-managed snapshot, and (users) groups that are not in the estate.
   */
  unknownGrants(p: PrincipalEntry): string[] {
    const out: string[] = [];
    const holders = [p.role ?? p.user ?? p.group, ...(p.user?.groups ?? []).map((g) => this.estate.groups.find((x) => x.urn === g))];
    for (const h of holders) {
      for (const arn of h?.externalPolicies ?? []) {
        if (awsManagedPolicy(arn) !== undefined) continue;
        out.push(isAwsManagedPolicyArn(arn) ? `AWS-managed ${arn.slice(arn.lastIndexOf('/') + 1)} (not in the snapshot)` : `${arn} (not in the loaded stacks)`);
      }
    }
    for (const g of p.user?.otherGroups ?? []) out.push(`group ${g} (not in the loaded stacks)`);
    return sortedUnique(out);
  }

  /** The stack's principals (of `kinds`) with unknown grants, as `name: what` lines, for a finding's note. */
  unknownGrantsNote(kinds: readonly PrincipalEntry['kind'][], consequence: string, skip: (p: PrincipalEntry) => boolean = () => false): string | undefined {
    const lines = this.principalsInStack()
      .filter((p) => kinds.includes(p.kind) && !skip(p))
      .map((p) => ({ p, unknown: this.unknownGrants(p) }))
      .filter((x) => x.unknown.length > 0);
    if (lines.length === 0) return undefined;
    const names = lines.map((x) => x.p.name);
    const what = sortedUnique(lines.flatMap((x) => x.unknown));
    return `what ${listWithMore(what)} grant${what.length === 1 ? 's' : ''} is not known: ${listWithMore(names)} ${consequence}`;
  }

  /** A role's environment when it is one of the estate's. */
  roleEnv(role: Role): string | undefined {
    const e = this.store.environmentOf(role);
    return e !== undefined && this.store.isEnvironment(e) ? e : undefined;
  }
}
