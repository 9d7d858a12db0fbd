/**
 * Compliance rules over the Estate: written once, used by the generator (findings drawn on the
 * security view and listed in the docs, `check --fail-on`) and by the CrossGuard policy pack in
 * policy/ (the same rules at deploy time).
 *
 * Each rule is evaluated per stack and yields one Finding: `met`, `not-met` (some subject fails) or
 * `not-applicable` (the stack has nothing the rule checks). Subjects carry one-line details made of
 * names, key aliases and numbers only: never a secret value (the Estate has none anyway).
 *
 * Decisions where the brief was silent (documented in policy/README.md as well):
 * - "Prod" is an environment named in `prodEnvironments` (default `prod`, `production`, `prd`),
 *   taken from the entity's environment, its `Environment` tag or its stack's environment. A key
 *   is a prod key when it is in a prod stack or tagged prod, or when it encrypts any prod
 *   parameter or secret of the estate (the shared stack's keys protect prod data).
 * - A key "must survive a region" when it is declared multi-region, or it is a prod key: it then
 *   needs at least one replica key in another region.
 * - Prod deletion safety: `protect` set, KMS deletion window and secret recovery window of at
 *   least 30 days (the AWS maximum, and the default when the property is left unset).
 * - KMS automatic rotation at most every 365 days; secrets at most every 90 days (AWS Config
 *   `secretsmanager-scheduled-rotation-success-check` / `secretsmanager-rotation-enabled-check`).
 * - Key controls (SEC-003 rotation, SEC-004 replicas, SEC-011 key policy) judge the keys a stack
 *   depends on: the keys it owns PLUS the keys its own SecureString parameters, secrets and trails
 *   are encrypted with, wherever they are defined (resolved `keyUrn`, any loaded stack). A key of
 *   another stack is a subject of this stack's finding with `(stack <name>)` in its detail, so an
 *   environment that encrypts with the shared stack's keys is judged on them (and fails with them);
 *   the owning stack keeps judging its own keys. A used key that resolves to no key of the estate
 *   (its stack is not loaded, e.g. the policy pack previewing one environment, or it is managed
 *   outside Pulumi) is NOT a subject: its rotation, replicas and policy cannot be read here, so it
 *   is left to where the key is defined (the pack enforces it when that stack is previewed) rather
 *   than failed on every stack that uses it. The finding then carries a `note` saying so
 *   (`findingNote`), and is not applicable when no used key resolves. SEC-001 still requires the
 *   unresolved key to be a customer-managed one.
 * - Audit controls (trail, alarms) apply to a stack that holds secrets, SecureStrings or keys.
 *   They are satisfied by resources of the stack, of the stacks it references, or of the
 *   project's account-level stacks (no environment, e.g. `shared`), except pieces of those stacks
 *   tied to another environment (tag `Environment: dev` does not watch prod). When the stack references a
 *   stack that is not loaded (the policy pack sees one stack at a time) and has none of its own,
 *   the rule is not applicable there: it is checked where the referenced stack is.
 */

import { GeneratorError } from '../errors.ts';
import { UNKNOWN } from '../graph/types.ts';
import {
  SEVERITIES,
  type ControlLayer,
  type Estate,
  type Finding,
  type FindingSubject,
  type FrameworkMapping,
  type IamPolicy,
  type KmsKey,
  type LambdaFunction,
  type Parameter,
  type PolicyStatement,
  type Role,
  type RoleAccess,
  type Secret,
  type Severity,
  type StackSummary,
} from '../estate/model.ts';
import {
  KEY_ADMIN,
  PARAMETER_READ,
  PARAMETER_WRITE,
  SECRET_READ,
  SECRET_ROTATE,
  SECRET_WRITE,
  globMatch,
  grantedActions,
  NameIndex,
  secretLikeName,
  serviceWildcards,
  wideResources,
  type Store,
} from './match.ts';

// ─── Options ────────────────────────────────────────────────────────────────────────

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
  /** Environment names known even when the estate shows only some of them (lower case). */
  readonly environments: readonly string[];
}

export const DEFAULT_RULE_OPTIONS: RuleOptions = Object.freeze({
  maxSecretRotationDays: 90,
  maxKeyRotationDays: 365,
  minProdKeyDeletionWindowDays: 30,
  minProdRecoveryWindowDays: 30,
  prodEnvironments: Object.freeze(['prod', 'production', 'prd']),
  environments: Object.freeze(['dev', 'uat', 'prod']),
});

// ─── Rules ──────────────────────────────────────────────────────────────────────────

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
  /** The subjects of the rule in the context's stack; none means not applicable. */
  readonly evaluate: (ctx: RuleContext) => readonly FindingSubject[];
  /** Why part of what the rule would check is not checked here (e.g. keys of a stack not loaded); put on the finding. */
  readonly note?: (ctx: RuleContext) => string | undefined;
}

/** The note of a finding, if any (undefined for findings without one or with an empty one). */
export function findingNote(f: Finding): string | undefined {
  return f.note !== undefined && f.note !== '' ? f.note : undefined;
}

function fw(soc2: string[], iso27001: string[], gdpr: string[]): FrameworkMapping {
  return Object.freeze({ soc2: Object.freeze(soc2), iso27001: Object.freeze(iso27001), gdpr: Object.freeze(gdpr) });
}

// ─── Context: indexes over the estate for one stack ────────────────────────────────

type Entity = { kind: 'parameter'; e: Parameter } | { kind: 'secret'; e: Secret } | { kind: 'key'; e: KmsKey };

export class RuleContext {
  readonly estate: Estate;
  readonly stack: string;
  readonly options: RuleOptions;
  readonly summary: StackSummary;
  private readonly byUrn = new Map<string, Entity>();
  private readonly policyByUrn = new Map<string, IamPolicy>();
  private readonly accessByRole = new Map<string, RoleAccess>();
  private readonly roleByUrn = new Map<string, Role>();
  private readonly functionByUrn = new Map<string, LambdaFunction>();
  private readonly prodKeyUrns = new Set<string>();
  private readonly prodKeyReason = new Map<string, string>();
  /** Policies by the role URNs they are attached to, in estate order. */
  private readonly attachedPolicies = new Map<string, IamPolicy[]>();
  private knownEnvs: readonly string[] | undefined;
  private keyScope: { readonly keys: readonly KmsKey[]; readonly unresolved: readonly string[]; readonly unresolvedUsers: number } | undefined;

  constructor(estate: Estate, stack: string, options: RuleOptions) {
    this.estate = estate;
    this.stack = stack;
    this.options = options;
    const summary = estate.stacks.find((s) => s.stack === stack);
    if (summary === undefined) {
      const known = estate.stacks.map((s) => s.stack).join(', ') || '(none)';
      throw new GeneratorError('usage', `stack '${stack}' is not in the estate`, {
        subject: 'stack',
        expected: `one of: ${known}`,
      });
    }
    this.summary = summary;
    for (const p of estate.parameters) this.byUrn.set(p.urn, { kind: 'parameter', e: p });
    for (const s of estate.secrets) this.byUrn.set(s.urn, { kind: 'secret', e: s });
    for (const k of estate.keys) this.byUrn.set(k.urn, { kind: 'key', e: k });
    for (const p of estate.policies) {
      this.policyByUrn.set(p.urn, p);
      for (const r of new Set(p.attachedTo)) {
        const xs = this.attachedPolicies.get(r);
        if (xs === undefined) this.attachedPolicies.set(r, [p]);
        else xs.push(p);
      }
    }
    for (const a of estate.access) this.accessByRole.set(a.roleUrn, a);
    for (const r of estate.roles) this.roleByUrn.set(r.urn, r);
    for (const f of estate.functions) this.functionByUrn.set(f.urn, f);
    for (const k of estate.keys) {
      const env = this.envOf(k);
      if (env !== undefined && this.isProdEnv(env)) {
        this.prodKeyUrns.add(k.urn);
        this.prodKeyReason.set(k.urn, `in ${env}`);
      }
    }
    for (const x of [...estate.parameters, ...estate.secrets]) {
      if (x.keyUrn === undefined || this.prodKeyUrns.has(x.keyUrn)) continue;
      const env = this.envOf(x);
      if (env !== undefined && this.isProdEnv(env)) {
        this.prodKeyUrns.add(x.keyUrn);
        this.prodKeyReason.set(x.keyUrn, `encrypts ${env} data (${x.name})`);
      }
    }
  }

  // Stack scoping ------------------------------------------------------------------

  inStack<T extends { readonly stack: string }>(xs: readonly T[]): T[] {
    return xs.filter((x) => x.stack === this.stack);
  }

  summaryOf(stack: string): StackSummary | undefined {
    return this.estate.stacks.find((s) => s.stack === stack);
  }

  /** The engine's URN of a stack: the subject of a finding about something missing from it. */
  stackUrn(stack = this.stack): string {
    const project = this.summaryOf(stack)?.project ?? this.summary.project;
    return `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`;
  }

  stackSubject(status: 'met' | 'not-met', detail: string): FindingSubject {
    return { urn: this.stackUrn(), name: `stack ${this.stack}`, stack: this.stack, status, detail };
  }

  /** Referenced stack names (last path part of `org/project/stack`). */
  references(stack = this.stack): string[] {
    return (this.summaryOf(stack)?.references ?? []).map((r) => r.split('/').pop() ?? r);
  }

  /** Stacks whose audit resources serve this one: itself, what it references, account-level stacks of its project. */
  auditStacks(): Set<string> {
    const out = new Set<string>([this.stack]);
    for (const r of this.references()) if (this.summaryOf(r) !== undefined) out.add(r);
    for (const s of this.estate.stacks) {
      if (s.project === this.summary.project && s.environment === undefined) out.add(s.stack);
    }
    return out;
  }

  /**
   * Does an audit piece of one of `auditStacks()` serve this stack? Its own always; another stack's
   * unless it is tied to another environment (its `Environment` tag, else its stack's environment,
   * is a known environment other than this stack's): prod is not watched by dev's alarm, even when
   * that alarm lives in the shared stack. Same reading as estate/lookup.ts `servesStack`.
   */
  serves(x: { readonly stack: string; readonly tags: Readonly<Record<string, string>> }): boolean {
    if (x.stack === this.stack) return true;
    const tagged = x.tags['Environment'] ?? x.tags['environment'];
    const env = (tagged === undefined || tagged === UNKNOWN ? this.summaryOf(x.stack)?.environment : tagged)?.toLowerCase();
    if (env === undefined) return true;
    const mine = this.summary.environment?.toLowerCase();
    return env === mine || !this.knownEnvironments().includes(env);
  }

  /** Referenced stacks that are not part of the estate (the policy pack sees one stack). */
  missingReferences(): string[] {
    return this.references().filter((r) => this.summaryOf(r) === undefined);
  }

  /** Does the stack hold anything an audit control protects? */
  holdsSecrets(): boolean {
    return (
      this.inStack(this.estate.secrets).length > 0 ||
      this.inStack(this.estate.keys).length > 0 ||
      this.inStack(this.estate.parameters).some((p) => p.type === 'SecureString')
    );
  }

  // Keys a stack depends on ---------------------------------------------------------

  private scopeOfKeys(): { readonly keys: readonly KmsKey[]; readonly unresolved: readonly string[]; readonly unresolvedUsers: number } {
    if (this.keyScope !== undefined) return this.keyScope;
    const used = new Set<string>();
    const unresolved = new Set<string>();
    let unresolvedUsers = 0;
    const use = (keyUrn: string | undefined, keyId: string | undefined): void => {
      if (keyUrn !== undefined) {
        if (this.key(keyUrn) !== undefined) {
          used.add(keyUrn);
          return;
        }
      }
      // AWS-managed (no key id, or alias/aws/...) is SEC-001's business, not a key to judge.
      if (keyId === undefined || keyId === '' || isAwsManagedKey(keyId)) return;
      unresolved.add(keyId);
      unresolvedUsers++;
    };
    for (const p of this.estate.parameters) if (p.stack === this.stack && p.type === 'SecureString') use(p.keyUrn, p.keyId);
    for (const s of this.estate.secrets) if (s.stack === this.stack) use(s.keyUrn, s.keyId);
    for (const t of this.estate.audit.trails) if (t.stack === this.stack) use(t.keyUrn, t.kmsKeyId);
    const keys = this.estate.keys.filter((k) => k.stack === this.stack || used.has(k.urn));
    this.keyScope = Object.freeze({ keys: Object.freeze(keys), unresolved: Object.freeze([...unresolved].sort()), unresolvedUsers });
    return this.keyScope;
  }

  /**
   * The keys this stack's key controls judge, in estate order: the keys it owns, plus the keys of
   * other stacks its own SecureString parameters, secrets and trails are encrypted with.
   */
  keysInScope(): readonly KmsKey[] {
    return this.scopeOfKeys().keys;
  }

  /** ` (stack shared)` for a key of another stack, '' for the stack's own. */
  fromStack(x: { readonly stack: string }): string {
    return x.stack === this.stack ? '' : ` (stack ${x.stack})`;
  }

  /**
   * The note of a key control when some key this stack uses resolves to no key of the estate:
   * which keys and why they are not judged here. Undefined when every used key resolves.
   */
  unresolvedKeyNote(): string | undefined {
    const { unresolved, unresolvedUsers } = this.scopeOfKeys();
    if (unresolved.length === 0) return undefined;
    const named = unresolved.filter((k) => k !== UNKNOWN).map((k) => k.split('/').pop() ?? k);
    const what = named.length > 0 ? `${plural(unresolved.length, 'key')} (${list(named)})` : plural(unresolved.length, 'key');
    const notLoaded = this.missingReferences();
    const where =
      notLoaded.length > 0
        ? `stack ${notLoaded.join(', ')} is not loaded`
        : 'not defined in the loaded stacks';
    return `${what} used by ${plural(unresolvedUsers, 'resource')} of this stack ${unresolved.length === 1 ? 'is' : 'are'} not judged here (${where}): checked where the key is defined`;
  }

  // Environments -------------------------------------------------------------------

  envOf(x: { readonly stack: string; readonly tags: Readonly<Record<string, string>>; readonly environment?: string }): string | undefined {
    const env = x.environment ?? x.tags['Environment'] ?? x.tags['environment'] ?? this.summaryOf(x.stack)?.environment;
    return env === undefined || env === UNKNOWN ? undefined : env.toLowerCase();
  }

  isProdEnv(env: string): boolean {
    return this.options.prodEnvironments.includes(env.toLowerCase());
  }

  isProdKey(urn: string): boolean {
    return this.prodKeyUrns.has(urn);
  }

  prodKeyWhy(urn: string): string {
    return this.prodKeyReason.get(urn) ?? '';
  }

  /** Environments known to the estate, plus the configured ones (computed once per context). */
  knownEnvironments(): string[] {
    if (this.knownEnvs === undefined) {
      const out = new Set<string>(this.options.environments.map((e) => e.toLowerCase()));
      for (const s of this.estate.stacks) if (s.environment !== undefined) out.add(s.environment.toLowerCase());
      for (const xs of [this.estate.parameters, this.estate.secrets]) {
        for (const x of xs) if (x.environment !== undefined && x.environment !== UNKNOWN) out.add(x.environment.toLowerCase());
      }
      this.knownEnvs = Object.freeze([...out].sort());
    }
    return [...this.knownEnvs];
  }

  // Lookups --------------------------------------------------------------------------

  entity(urn: string): Entity | undefined {
    return this.byUrn.get(urn);
  }

  entityEnv(urn: string): string | undefined {
    const x = this.byUrn.get(urn);
    return x === undefined ? undefined : this.envOf(x.e);
  }

  entityName(urn: string): string {
    return this.byUrn.get(urn)?.e.name ?? urn.split('::').pop() ?? urn;
  }

  key(urn: string | undefined): KmsKey | undefined {
    if (urn === undefined) return undefined;
    const x = this.byUrn.get(urn);
    return x?.kind === 'key' ? x.e : undefined;
  }

  keyLabel(urn: string | undefined, keyId: string | undefined): string {
    const k = this.key(urn);
    if (k !== undefined) return k.aliases[0] ?? k.name;
    return keyId ?? 'AWS-managed key';
  }

  role(urn: string | undefined): Role | undefined {
    return urn === undefined ? undefined : this.roleByUrn.get(urn);
  }

  fn(urn: string | undefined): LambdaFunction | undefined {
    return urn === undefined ? undefined : this.functionByUrn.get(urn);
  }

  access(roleUrn: string): RoleAccess | undefined {
    return this.accessByRole.get(roleUrn);
  }

  policiesOf(role: Role): IamPolicy[] {
    const out: IamPolicy[] = [];
    for (const u of role.policies) {
      const p = this.policyByUrn.get(u);
      if (p !== undefined) out.push(p);
    }
    for (const p of this.attachedPolicies.get(role.urn) ?? []) {
      if (!out.includes(p)) out.push(p);
    }
    return out;
  }

  statementsOf(role: Role): { policy: IamPolicy; st: PolicyStatement }[] {
    return this.policiesOf(role).flatMap((policy) => policy.document.statements.map((st) => ({ policy, st })));
  }

  roleEnv(role: Role): string | undefined {
    const env = role.tags['Environment'] ?? role.tags['environment'] ?? this.summaryOf(role.stack)?.environment;
    if (env === undefined || env === UNKNOWN) return undefined;
    const e = env.toLowerCase();
    return this.knownEnvironments().includes(e) ? e : undefined;
  }

  /** Rotation functions of the estate: marked so, or named by a secret's rotation. */
  rotationFunctions(): LambdaFunction[] {
    const named = new Set(this.estate.secrets.map((s) => s.rotation.functionUrn).filter((u): u is string => u !== undefined));
    return this.estate.functions.filter((f) => f.purpose === 'rotation' || named.has(f.urn));
  }

  /** Roles that execute a rotation function, with the secrets that function rotates. */
  rotationRoles(): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    for (const f of this.rotationFunctions()) {
      if (f.roleUrn === undefined) continue;
      const set = out.get(f.roleUrn) ?? new Set<string>();
      for (const s of this.estate.secrets) if (s.rotation.functionUrn === f.urn) set.add(s.urn);
      out.set(f.roleUrn, set);
    }
    return out;
  }
}

// ─── Helpers for subjects ───────────────────────────────────────────────────────────

function subject(x: { urn: string; name: string; stack: string }, ok: boolean, detail: string): FindingSubject {
  return { urn: x.urn, name: x.name, stack: x.stack, status: ok ? 'met' : 'not-met', detail };
}

function isAwsManagedKey(keyId: string): boolean {
  return /(^|:)alias\/aws\//.test(keyId);
}

function list(xs: readonly string[], max = 3): string {
  const shown = xs.slice(0, max).join(', ');
  return xs.length > max ? `${shown} and ${xs.length - max} more` : shown;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function isUnknown(v: string | undefined): boolean {
  return v === UNKNOWN;
}

// ─── The rules ──────────────────────────────────────────────────────────────────────

const cmkEncryption: Rule = {
  id: 'SEC-001',
  slug: 'cmk-encryption',
  title: 'Secrets use a customer-managed key',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'A customer-managed KMS key lets the key policy decide who can decrypt, per environment and service; the AWS-managed default key trusts every principal of the account that can call the service.',
  remediation:
    'Set `keyId` on SecureString parameters and `kmsKeyId` on secrets to a customer-managed key (e.g. alias/mono-repo-parameter-store-key), never to alias/aws/ssm or alias/aws/secretsmanager.',
  frameworks: fw(['CC6.1', 'CC6.7'], ['A.8.24', 'A.5.17'], ['Art. 32(1)(a)', 'Art. 25']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    const check = (x: Parameter | Secret, defaultKey: string): FindingSubject => {
      if (x.keyId === undefined || x.keyId === '') return subject(x, false, `encrypted with the AWS-managed ${defaultKey} key`);
      if (isAwsManagedKey(x.keyId)) return subject(x, false, `encrypted with the AWS-managed ${x.keyId}`);
      if (x.keyUrn !== undefined) return subject(x, true, `encrypted with ${ctx.keyLabel(x.keyUrn, x.keyId)}`);
      if (isUnknown(x.keyId)) return subject(x, true, 'encrypted with a key set from an output (known at deploy time)');
      return subject(x, true, `encrypted with ${x.keyId} (a key outside the estate)`);
    };
    for (const p of ctx.inStack(ctx.estate.parameters)) if (p.type === 'SecureString') out.push(check(p, 'aws/ssm'));
    for (const s of ctx.inStack(ctx.estate.secrets)) out.push(check(s, 'aws/secretsmanager'));
    return out;
  },
};

const secretRotation: Rule = {
  id: 'SEC-002',
  slug: 'secret-rotation',
  title: 'Secrets rotate within 90 days',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'A credential that never changes stays useful to whoever copied it; scheduled rotation by a function that exists bounds the exposure (AWS Config secretsmanager-rotation-enabled-check, maximum 90 days).',
  remediation:
    'Give every secret a SecretRotation with `rotationRules.automaticallyAfterDays` of 90 or fewer and a rotation Lambda defined in the estate (function, execution role, invoke permission for secretsmanager.amazonaws.com).',
  frameworks: fw(['CC6.1', 'CC6.2'], ['A.5.17', 'A.8.24'], ['Art. 32(1)(b)']),
  evaluate(ctx) {
    const max = ctx.options.maxSecretRotationDays;
    return ctx.inStack(ctx.estate.secrets).map((s) => {
      const r = s.rotation;
      if (!r.enabled) return subject(s, false, 'rotation is not enabled');
      if (r.intervalDays === undefined) {
        return subject(s, false, `rotation interval unknown (${r.scheduleExpression ?? 'no schedule'}); must be at most ${max} d`);
      }
      if (r.intervalDays > max) return subject(s, false, `rotates every ${r.intervalDays} d (more than ${max} d)`);
      if (r.functionUrn !== undefined) {
        const f = ctx.fn(r.functionUrn);
        return subject(s, true, `rotates every ${r.intervalDays} d by ${f?.name ?? 'its rotation function'}`);
      }
      if (r.functionArn === undefined) return subject(s, false, `rotates every ${r.intervalDays} d but names no rotation function`);
      if (isUnknown(r.functionArn)) return subject(s, true, `rotates every ${r.intervalDays} d by a function known at deploy time`);
      return subject(s, false, `rotation function ${r.functionArn} is not in the estate`);
    });
  },
};

const keyRotation: Rule = {
  id: 'SEC-003',
  slug: 'kms-key-rotation',
  title: 'KMS keys rotate automatically',
  severity: 'medium',
  layer: 'at-rest',
  rationale:
    'Automatic rotation renews the key material yearly without re-encrypting data, limiting how much data any one key version protects.',
  remediation: 'Set `enableKeyRotation: true` (and `rotationPeriodInDays` of 365 or fewer) on every symmetric customer-managed key.',
  frameworks: fw(['CC6.1'], ['A.8.24'], ['Art. 32(1)(a)']),
  evaluate(ctx) {
    const max = ctx.options.maxKeyRotationDays;
    const out: FindingSubject[] = [];
    for (const k of ctx.keysInScope()) {
      if (k.keyUsage !== undefined && k.keyUsage !== UNKNOWN && k.keyUsage !== 'ENCRYPT_DECRYPT') continue;
      const from = ctx.fromStack(k);
      if (k.rotationEnabled === 'unknown') out.push(subject(k, false, `automatic rotation could not be determined${from}`));
      else if (!k.rotationEnabled) out.push(subject(k, false, `automatic rotation is off${from}`));
      else if (k.rotationPeriodDays !== undefined && k.rotationPeriodDays > max) {
        out.push(subject(k, false, `rotates every ${k.rotationPeriodDays} d (more than ${max} d)${from}`));
      } else out.push(subject(k, true, `rotates every ${k.rotationPeriodDays ?? 365} d${from}`));
    }
    return out;
  },
  note: (ctx) => ctx.unresolvedKeyNote(),
};

const keyReplicas: Rule = {
  id: 'SEC-004',
  slug: 'kms-key-replicas',
  title: 'Critical keys replicated to a second region',
  severity: 'medium',
  layer: 'at-rest',
  rationale:
    'Data encrypted under a single-region key is lost with the region; a multi-region key with a replica lets the data be decrypted elsewhere.',
  remediation:
    'Create multi-region keys (`multiRegion: true`) for keys that protect prod data, and an `aws:kms/replicaKey:ReplicaKey` in a second region for each.',
  frameworks: fw(['A1.2', 'CC9.1'], ['A.5.30', 'A.8.14'], ['Art. 32(1)(b)', 'Art. 32(1)(c)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const k of ctx.keysInScope()) {
      const prod = ctx.isProdKey(k.urn);
      if (!k.multiRegion && !prod) continue;
      const why = prod ? `prod key (${ctx.prodKeyWhy(k.urn)})` : 'declared multi-region';
      const from = ctx.fromStack(k);
      if (!k.multiRegion) {
        out.push(subject(k, false, `${why} but single-region: cannot be replicated${from}`));
        continue;
      }
      const elsewhere = k.replicas.filter((r) => r.region === undefined || k.region === undefined || r.region !== k.region);
      if (elsewhere.length === 0) out.push(subject(k, false, `${why}, multi-region but has no replica in another region${from}`));
      else {
        const regions = elsewhere.map((r) => r.region ?? 'unknown region');
        out.push(subject(k, true, `${why}, replicated to ${list(regions)}${from}`));
      }
    }
    return out;
  },
  note: (ctx) => ctx.unresolvedKeyNote(),
};

const prodDeletion: Rule = {
  id: 'SEC-005',
  slug: 'prod-deletion-safety',
  title: 'Prod keys and secrets protected from deletion',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'Deleting a prod key makes every value it encrypted unreadable, and deleting a prod secret breaks its services; `protect` stops Pulumi from deleting them and a 30-day window leaves time to cancel.',
  remediation:
    'Set the `protect` resource option on prod keys and secrets, `deletionWindowInDays: 30` on keys and `recoveryWindowInDays: 30` on secrets (never 0).',
  frameworks: fw(['A1.2', 'CC8.1'], ['A.8.13', 'A.5.30'], ['Art. 32(1)(c)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    const minKey = ctx.options.minProdKeyDeletionWindowDays;
    const minSecret = ctx.options.minProdRecoveryWindowDays;
    for (const k of ctx.inStack(ctx.estate.keys)) {
      if (!ctx.isProdKey(k.urn)) continue;
      const window = k.deletionWindowDays ?? 30;
      const problems: string[] = [];
      if (!k.protect) problems.push('not protected');
      if (window < minKey) problems.push(`deletion window ${window} d (less than ${minKey} d)`);
      out.push(
        subject(k, problems.length === 0, problems.length > 0 ? `prod key: ${problems.join(', ')}` : `protected, deletion window ${window} d`),
      );
    }
    for (const s of ctx.inStack(ctx.estate.secrets)) {
      const env = ctx.envOf(s);
      if (env === undefined || !ctx.isProdEnv(env)) continue;
      const window = s.recoveryWindowDays ?? 30;
      const problems: string[] = [];
      if (!s.protect) problems.push('not protected');
      if (window === 0) problems.push('deleted without recovery (window 0)');
      else if (window < minSecret) problems.push(`recovery window ${window} d (less than ${minSecret} d)`);
      out.push(
        subject(s, problems.length === 0, problems.length > 0 ? `prod secret: ${problems.join(', ')}` : `protected, recovery window ${window} d`),
      );
    }
    return out;
  },
};

const plaintextSecretParameter: Rule = {
  id: 'SEC-006',
  slug: 'no-plaintext-secret-parameter',
  title: 'No secret in a plain String parameter',
  severity: 'high',
  layer: 'at-rest',
  rationale:
    'A String parameter is stored and returned unencrypted and readable by anyone with ssm:GetParameter; a name such as password, token or key says the value is a secret that belongs in a SecureString.',
  remediation: 'Change the parameter to `type: "SecureString"` with a customer-managed `keyId`, or move the value to Secrets Manager.',
  frameworks: fw(['CC6.1', 'C1.1'], ['A.8.24', 'A.5.17'], ['Art. 32(1)(a)', 'Art. 25']),
  evaluate(ctx) {
    return ctx.inStack(ctx.estate.parameters)
      .filter((p) => p.type === 'String' || p.type === 'StringList')
      .map((p) => {
        const hit = secretLikeName(p.leaf);
        return hit === undefined
          ? subject(p, true, `${p.type}; name does not suggest a secret`)
          : subject(p, false, `${p.type} whose name says "${hit}": should be a SecureString`);
      });
  },
};

const tlsInTransit: Rule = {
  id: 'SEC-010',
  slug: 'tls-in-transit',
  title: 'Secrets travel over TLS only',
  severity: 'high',
  layer: 'in-transit',
  rationale:
    'Parameter Store, Secrets Manager and KMS are reachable only through HTTPS endpoints (TLS 1.2 or later enforced by AWS), so a value is never sent in clear between AWS and its readers: met by design, not by configuration.',
  remediation:
    'Nothing to configure for the AWS APIs; keep clients on the AWS SDKs (HTTPS endpoints, optionally through VPC interface endpoints) and never copy values into unencrypted channels.',
  frameworks: fw(['CC6.7'], ['A.8.24', 'A.5.14'], ['Art. 32(1)(a)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const p of ctx.inStack(ctx.estate.parameters)) {
      if (p.type === 'SecureString') out.push(subject(p, true, 'read only through the HTTPS API of ssm (TLS enforced by AWS)'));
    }
    for (const s of ctx.inStack(ctx.estate.secrets)) {
      out.push(subject(s, true, 'read only through the HTTPS API of secretsmanager (TLS enforced by AWS)'));
    }
    return out;
  },
};

const kmsViaService: Rule = {
  id: 'SEC-011',
  slug: 'kms-via-service',
  title: 'Key policies scope decrypt to a service',
  severity: 'medium',
  layer: 'iam',
  rationale:
    'A key policy that lets a role decrypt only through Parameter Store or Secrets Manager (kms:ViaService) or for a given encryption context stops the role from decrypting ciphertext copied elsewhere.',
  remediation:
    'In the key policy, give non-administrator principals kms:Decrypt only with a `kms:ViaService` condition (ssm.<region>.amazonaws.com, secretsmanager.<region>.amazonaws.com) or a `kms:EncryptionContext:*` condition.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.8.3'], ['Art. 32(1)(b)', 'Art. 25']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const k of ctx.keysInScope()) {
      const from = ctx.fromStack(k);
      if (k.policy === undefined) {
        out.push(subject(k, true, `no key policy in the estate: the AWS default (account administrators through IAM)${from}`));
        continue;
      }
      const open: string[] = [];
      for (const st of k.policy.statements) {
        if (grantedActions(st, ['kms:Decrypt']).length === 0) continue;
        const principals = [...(st.principals?.AWS ?? []), ...(st.principals?.any === true ? ['*'] : [])];
        const scoped = st.conditions.some((c) => /^kms:(ViaService|EncryptionContext)/i.test(c.key));
        if (scoped) continue;
        // Account administrators (root) and the key's own service principals are the key's owners.
        const others = principals.filter((p) => !/:root$/.test(p) && !/^\d{12}$/.test(p));
        if (others.length > 0) open.push(...others.map((p) => p.split('/').pop() ?? p));
      }
      if (k.policy.unknown && open.length === 0) out.push(subject(k, false, `key policy could not be read completely${from}`));
      else if (open.length > 0) out.push(subject(k, false, `decrypt without ViaService or encryption context for ${list(open)}${from}`));
      else out.push(subject(k, true, `decrypt only for account administrators or scoped by kms:ViaService / encryption context${from}`));
    }
    return out;
  },
  note: (ctx) => ctx.unresolvedKeyNote(),
};

const STORES: readonly { store: Store; actions: readonly string[]; what: string }[] = [
  { store: 'ssm', actions: PARAMETER_READ, what: 'parameters' },
  { store: 'secretsmanager', actions: SECRET_READ, what: 'secrets' },
];

const noWildcardReads: Rule = {
  id: 'SEC-020',
  slug: 'no-wildcard-secret-read',
  title: 'No read of every parameter or secret',
  severity: 'critical',
  layer: 'iam',
  rationale:
    'A policy that reads parameters or secrets on `*` gives its holders every environment and every service, and everything created later; least privilege names paths and secret prefixes.',
  remediation:
    'Scope `Resource` to the environment\'s paths (arn:aws:ssm:<region>:<account>:parameter/<project>/<env>/<category>/*) and secret prefixes (arn:aws:secretsmanager:<region>:<account>:secret:<project>/<env>/<group>/*).',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.5.18', 'A.8.3'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const p of ctx.inStack(ctx.estate.policies)) {
      const wide: string[] = [];
      let reads = false;
      for (const st of p.document.statements) {
        for (const { store, actions, what } of STORES) {
          const granted = grantedActions(st, actions);
          if (granted.length === 0) continue;
          reads = true;
          const w = wideResources(st, store);
          if (w.length > 0) wide.push(`${granted[0]}${granted.length > 1 ? ' ...' : ''} on ${w.join(', ')} (all ${what})`);
        }
      }
      if (!reads) continue;
      if (p.document.unknown && wide.length === 0) out.push(subject(p, false, 'policy document could not be read completely'));
      else if (wide.length > 0) out.push(subject(p, false, `grants ${list(wide, 2)}`));
      else out.push(subject(p, true, 'reads scoped to named paths or secrets'));
    }
    return out;
  },
};

/** Per rule context and environment: the names `env`'s parameters and secrets would have in each other environment. */
const foreignNameCache = new WeakMap<RuleContext, Map<string, { ssm: NameIndex; secretsmanager: NameIndex }>>();

function foreignNames(ctx: RuleContext, env: string): { ssm: NameIndex; secretsmanager: NameIndex } {
  let byEnv = foreignNameCache.get(ctx);
  if (byEnv === undefined) {
    byEnv = new Map();
    foreignNameCache.set(ctx, byEnv);
  }
  const cached = byEnv.get(env);
  if (cached !== undefined) return cached;
  const others = ctx.knownEnvironments().filter((e) => e !== env);
  const swap = (name: string, sep: string, other: string): string | undefined => {
    const parts = name.split(sep);
    const i = parts.findIndex((s) => s.toLowerCase() === env);
    if (i < 0) return undefined;
    parts[i] = other;
    return parts.join(sep);
  };
  const own = <T extends Parameter | Secret>(xs: readonly T[]): T[] => xs.filter((x) => ctx.envOf(x) === env);
  const ownParameters = own(ctx.estate.parameters);
  const ownSecrets = own(ctx.estate.secrets);
  const ssm: string[] = [];
  const secrets: string[] = [];
  for (const other of others) {
    for (const p of ownParameters) {
      const n = swap(p.path, '/', other);
      if (n !== undefined) ssm.push(n);
    }
    for (const s of ownSecrets) {
      const n = swap(s.name, '/', other);
      if (n !== undefined) secrets.push(n);
    }
  }
  const out = { ssm: new NameIndex('ssm', ssm), secretsmanager: new NameIndex('secretsmanager', secrets) };
  byEnv.set(env, out);
  return out;
}

/**
 * Paths and names in another environment that a role of `env` could reach by pattern. The names
 * are built once per environment; each statement's actions are checked once, and its resource
 * patterns are looked up in a prefix index (cached per pattern: roles share patterns).
 */
function crossEnvironmentReach(ctx: RuleContext, role: Role, env: string): string[] {
  const names = foreignNames(ctx, env);
  const hits = new Set<string>();
  for (const { st } of ctx.statementsOf(role)) {
    if (grantedActions(st, PARAMETER_READ).length > 0) for (const n of names.ssm.reachedBy(st)) hits.add(n);
    if (grantedActions(st, SECRET_READ).length > 0) for (const n of names.secretsmanager.reachedBy(st)) hits.add(n);
  }
  return [...hits].sort();
}

const environmentIsolation: Rule = {
  id: 'SEC-021',
  slug: 'environment-isolation',
  title: 'No read across environments',
  severity: 'critical',
  layer: 'iam',
  rationale:
    'A dev or uat role that can read prod parameters or secrets turns a compromise of a lower environment into a prod breach; each environment reads only its own paths.',
  remediation:
    'Scope each environment\'s policies to its own path and secret prefix (…/<project>/<env>/…), never a pattern that spans the environment segment, and attach them only to that environment\'s roles.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.8.31', 'A.5.15', 'A.8.3'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    for (const role of ctx.inStack(ctx.estate.roles)) {
      const env = ctx.roleEnv(role);
      if (env === undefined) continue;
      const access = ctx.access(role.urn);
      const foreign = new Set<string>();
      if (access !== undefined) {
        for (const a of [...access.parameters, ...access.secretValues]) {
          const e = ctx.entityEnv(a.resourceUrn);
          if (e !== undefined && e !== env && ctx.knownEnvironments().includes(e)) foreign.add(ctx.entityName(a.resourceUrn));
        }
        for (const g of access.parameterPrefixes) {
          const segs = g.prefix.split('/').map((s) => s.toLowerCase());
          const other = ctx.knownEnvironments().find((e) => e !== env && segs.includes(e));
          if (other !== undefined) foreign.add(`${g.prefix}*`);
        }
      }
      for (const n of crossEnvironmentReach(ctx, role, env)) foreign.add(n);
      const reads =
        foreign.size > 0 ||
        (access !== undefined && (access.parameters.length > 0 || access.secretValues.length > 0 || access.parameterPrefixes.length > 0)) ||
        ctx.statementsOf(role).some(({ st }) => grantedActions(st, [...PARAMETER_READ, ...SECRET_READ]).length > 0);
      if (!reads) continue;
      out.push(
        foreign.size > 0
          ? subject(role, false, `${env} role can read ${list([...foreign].sort())}`)
          : subject(role, true, `${env} role reads only ${env} parameters and secrets`),
      );
    }
    return out;
  },
};

/** AWS-managed policies that read secret values (a cross-account or build role must not have them). */
const SECRET_READING_MANAGED = /:policy\/(AdministratorAccess|PowerUserAccess|SecretsManagerReadWrite|AmazonSSMFullAccess|AmazonSSMReadOnlyAccess)$/;

/** What a role can read of secret values: secret values, SecureString parameters, secret-reading grants. */
function secretValueReach(ctx: RuleContext, role: Role): string[] {
  const out = new Set<string>();
  const access = ctx.access(role.urn);
  if (access !== undefined) {
    for (const a of access.secretValues) out.add(ctx.entityName(a.resourceUrn));
    // Strict: GetParameter on a SecureString counts even without kms:Decrypt (these roles must not ask).
    for (const a of access.parameters) {
      const x = ctx.entity(a.resourceUrn);
      if (x?.kind === 'parameter' && x.e.type === 'SecureString') out.add(x.e.path);
    }
  }
  for (const { st } of ctx.statementsOf(role)) {
    const g = grantedActions(st, SECRET_READ);
    if (g.length > 0) out.add(`${g[0]} on ${list([...(st.resources ?? st.notResources ?? [])], 2)}`);
  }
  for (const arn of role.externalPolicies) if (SECRET_READING_MANAGED.test(arn)) out.add(arn.split('/').pop() ?? arn);
  return [...out].sort();
}

const auditRoleNoSecrets: Rule = {
  id: 'SEC-022',
  slug: 'audit-role-no-secret-values',
  title: 'Audit role reads no secret value',
  severity: 'critical',
  layer: 'iam',
  rationale:
    'The cross-account audit role is used from another account; it needs to describe and list, never to read a secret value or decrypt a SecureString.',
  remediation:
    'Give the cross-account role only Describe*/List* actions (secretsmanager:DescribeSecret, ListSecrets, ssm:DescribeParameters, kms:DescribeKey), no GetSecretValue, no GetParameter on SecureStrings, no kms:Decrypt, and require sts:ExternalId in its trust policy.',
  frameworks: fw(['CC6.1', 'CC6.3', 'CC6.6'], ['A.5.15', 'A.8.2', 'A.5.19'], ['Art. 32(1)(b)', 'Art. 25']),
  evaluate(ctx) {
    return ctx.inStack(ctx.estate.roles)
      .filter((r) => r.trust.kind === 'cross-account')
      .map((role) => {
        const reach = secretValueReach(ctx, role);
        const ext = role.trust.crossAccount?.requiresExternalId === false ? '; trust has no sts:ExternalId' : '';
        if (reach.length > 0) return subject(role, false, `can read secret values: ${list(reach)}${ext}`);
        if (ext !== '') return subject(role, false, `reads no secret value${ext}`);
        return subject(role, true, 'describe and list only; no secret value');
      });
  },
};

const rotationRoleScope: Rule = {
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
    for (const [roleUrn, rotated] of ctx.rotationRoles()) {
      const role = ctx.role(roleUrn);
      if (role === undefined || role.stack !== ctx.stack) continue;
      const extra = new Set<string>();
      const access = ctx.access(role.urn);
      if (access !== undefined) {
        for (const a of [...access.secretValues, ...access.secretWrites]) {
          if (!rotated.has(a.resourceUrn)) extra.add(ctx.entityName(a.resourceUrn));
        }
      }
      for (const { st } of ctx.statementsOf(role)) {
        const g = grantedActions(st, [...SECRET_READ, ...SECRET_WRITE]);
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

const leastPrivilege: Rule = {
  id: 'SEC-030',
  slug: 'service-least-privilege',
  title: 'Service roles least-privilege',
  severity: 'high',
  layer: 'application',
  rationale:
    'Services read their configuration and secrets through their own roles; a service role that can write or delete parameters, secrets or keys, or holds a service-wide wildcard, lets a compromised service change what every other service reads.',
  remediation:
    'Give service roles only the read actions of ParameterStoreReadOnly / SecretsManagerReadOnly on their own paths; no ssm:*, secretsmanager:*, kms:* or *, no Put/Delete/ScheduleKeyDeletion, no AdministratorAccess or PowerUserAccess.',
  frameworks: fw(['CC6.1', 'CC6.3'], ['A.5.15', 'A.5.18', 'A.8.2'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    const rotation = ctx.rotationRoles();
    const out: FindingSubject[] = [];
    for (const role of ctx.inStack(ctx.estate.roles)) {
      if (rotation.has(role.urn)) continue;
      const statements = ctx.statementsOf(role);
      const access = ctx.access(role.urn);
      const touches =
        (access !== undefined &&
          (access.parameters.length + access.secretValues.length + access.secretMetadata.length + access.secretWrites.length + access.keys.length > 0)) ||
        statements.some(({ st }) => (st.actions ?? st.notActions ?? []).some((a) => /^(\*|ssm:|secretsmanager:|kms:)/i.test(a)));
      if (!touches && !role.externalPolicies.some((a) => SECRET_READING_MANAGED.test(a))) continue;
      const problems = new Set<string>();
      for (const { st } of statements) {
        for (const w of serviceWildcards(st)) problems.add(`action ${w}`);
        const writes = grantedActions(st, [...PARAMETER_WRITE, ...SECRET_WRITE, ...KEY_ADMIN]);
        if (writes.length > 0 && serviceWildcards(st).length === 0) problems.add(list(writes, 2));
      }
      if (access !== undefined && access.secretWrites.length > 0) {
        problems.add(`writes ${list(access.secretWrites.map((a) => ctx.entityName(a.resourceUrn)), 2)}`);
      }
      for (const arn of role.externalPolicies) if (SECRET_READING_MANAGED.test(arn)) problems.add(arn.split('/').pop() ?? arn);
      out.push(
        problems.size > 0
          ? subject(role, false, `more than reading: ${list([...problems].sort())}`)
          : subject(role, true, 'read-only on named parameters, secrets and keys'),
      );
    }
    return out;
  },
};

const buildRoleNoSecrets: Rule = {
  id: 'SEC-031',
  slug: 'build-role-no-secrets',
  title: 'Build roles read no secrets',
  severity: 'high',
  layer: 'application',
  rationale:
    'What a CI build reads ends up in its artefacts and logs (a front-end bundle is public); a build role reads only non-secret configuration.',
  remediation:
    'Give build roles ssm:GetParameter(s)/GetParametersByPath on String parameters only, no secretsmanager:GetSecretValue and no kms:Decrypt; serve secrets at run time through the service\'s own role.',
  frameworks: fw(['CC6.1', 'CC8.1'], ['A.8.25', 'A.5.15', 'A.5.17'], ['Art. 25', 'Art. 32(1)(b)']),
  evaluate(ctx) {
    return ctx.inStack(ctx.estate.roles)
      .filter((r) => r.trust.kind === 'ci-build')
      .map((role) => {
        const reach = secretValueReach(ctx, role);
        return reach.length > 0
          ? subject(role, false, `can read secret values: ${list(reach)}`)
          : subject(role, true, 'reads non-secret configuration only');
      });
  },
};

/** The service principal Secrets Manager invokes rotation functions as. */
const SECRETS_MANAGER_PRINCIPAL = 'secretsmanager.amazonaws.com';

const rotationWired: Rule = {
  id: 'SEC-032',
  slug: 'rotation-wired',
  title: 'Rotation functions can rotate their secrets',
  severity: 'medium',
  layer: 'application',
  rationale:
    'A rotation whose function lacks GetSecretValue, PutSecretValue, UpdateSecretVersionStage or decrypt on the key, or that Secrets Manager may not invoke, fails on schedule and leaves the old credential in place.',
  remediation:
    'Attach SecretsManagerRotation (GetSecretValue, DescribeSecret, PutSecretValue, UpdateSecretVersionStage, GetRandomPassword) on the rotated secrets to the function\'s role, let the role decrypt and generate data keys with each secret\'s KMS key via secretsmanager, and grant `lambda:InvokeFunction` to `secretsmanager.amazonaws.com` with an `aws:lambda/permission:Permission` on the function.',
  frameworks: fw(['CC6.1', 'CC7.1'], ['A.5.17', 'A.8.9'], ['Art. 32(1)(b)', 'Art. 32(1)(d)']),
  evaluate(ctx) {
    const out: FindingSubject[] = [];
    // Invoke permissions are known when the estate records any: some function is the target of an
    // aws:lambda/permission:Permission. Then a rotation function that Secrets Manager may not invoke
    // is not met. An estate without any Permission (managed outside Pulumi, or in a stack that is not
    // loaded) leaves it unknown: the function is judged on its role alone and the detail says so.
    const permissionsKnown = ctx.estate.functions.some((f) => f.invokePrincipals.length > 0);
    const unknownNote = permissionsKnown ? '' : '; invoke permission unknown (no Lambda permission in the estate)';
    for (const f of ctx.inStack(ctx.rotationFunctions())) {
      const invokable = f.invokePrincipals.some((p) => p.toLowerCase() === SECRETS_MANAGER_PRINCIPAL);
      const invokeProblem =
        permissionsKnown && !invokable
          ? `Secrets Manager may not invoke it (${f.invokePrincipals.length === 0 ? 'no invoke permission' : `invoke permission only for ${list(f.invokePrincipals)}`})`
          : undefined;
      const rotated = ctx.estate.secrets.filter((s) => s.rotation.functionUrn === f.urn);
      const role = ctx.role(f.roleUrn);
      if (role === undefined) {
        const roleProblem = f.roleArn === undefined ? 'has no execution role' : 'execution role is not in the estate';
        out.push(subject(f, false, invokeProblem === undefined ? roleProblem : `${roleProblem}; ${invokeProblem}`));
        continue;
      }
      if (rotated.length === 0) {
        out.push(invokeProblem === undefined ? subject(f, true, `no secret of the estate rotates with it yet${unknownNote}`) : subject(f, false, invokeProblem));
        continue;
      }
      const access = ctx.access(role.urn);
      const missing: string[] = [];
      for (const s of rotated) {
        const writes = access?.secretWrites.find((a) => a.resourceUrn === s.urn);
        const reads = access?.secretValues.find((a) => a.resourceUrn === s.urn);
        const lacks: string[] = [];
        if (reads === undefined) lacks.push('GetSecretValue');
        for (const a of SECRET_ROTATE) {
          if (!(writes?.actions ?? []).some((g) => globMatch(g, a, true))) lacks.push(a.replace('secretsmanager:', ''));
        }
        if (s.keyUrn !== undefined && !(access?.keys ?? []).some((k) => k.resourceUrn === s.keyUrn && k.keyPolicyAllows !== false)) {
          lacks.push(`decrypt with ${ctx.keyLabel(s.keyUrn, s.keyId)}`);
        }
        if (lacks.length > 0) missing.push(`${s.name} (${lacks.join(', ')})`);
      }
      const problems = [...(missing.length > 0 ? [`role lacks: ${list(missing, 2)}`] : []), ...(invokeProblem !== undefined ? [invokeProblem] : [])];
      out.push(
        problems.length > 0
          ? subject(f, false, problems.join('; '))
          : subject(f, true, `role can rotate its ${plural(rotated.length, 'secret')}${permissionsKnown ? '; Secrets Manager may invoke it' : unknownNote}`),
      );
    }
    return out;
  },
};

/** Shared shape of the audit rules: subjects from the stacks whose audit serves this one. */
function auditSubjects(ctx: RuleContext, found: FindingSubject[], missing: string): FindingSubject[] {
  if (!ctx.holdsSecrets()) return [];
  if (found.length > 0) return found;
  const notLoaded = ctx.missingReferences();
  if (notLoaded.length > 0) return []; // checked where the referenced stack is loaded
  return [ctx.stackSubject('not-met', missing)];
}

const trailRule: Rule = {
  id: 'SEC-040',
  slug: 'cloudtrail-multi-region',
  title: 'CloudTrail multi-region with validation',
  severity: 'high',
  layer: 'audit',
  rationale:
    'Every read of a secret, parameter or key is an API call; a multi-region trail with log file validation records them all in a form that cannot be altered unnoticed.',
  remediation:
    'Create an `aws:cloudtrail/trail:Trail` with `isMultiRegionTrail: true`, `enableLogFileValidation: true`, `includeGlobalServiceEvents: true`, and a KMS key for the logs.',
  frameworks: fw(['CC7.2', 'CC7.3', 'CC4.1'], ['A.8.15', 'A.8.16'], ['Art. 30', 'Art. 32(1)(d)', 'Art. 33']),
  evaluate(ctx) {
    const stacks = ctx.auditStacks();
    const found = ctx.estate.audit.trails
      .filter((t) => stacks.has(t.stack) && ctx.serves(t))
      .map((t) => {
        const problems: string[] = [];
        if (t.multiRegion !== true) problems.push(t.multiRegion === 'unknown' ? 'multi-region unknown' : 'single-region');
        if (t.logFileValidation !== true) problems.push(t.logFileValidation === 'unknown' ? 'log validation unknown' : 'no log file validation');
        const from = t.stack === ctx.stack ? '' : ` (from stack ${t.stack})`;
        return subject(t, problems.length === 0, problems.length > 0 ? `${problems.join(', ')}${from}` : `multi-region, log file validation${from}`);
      });
    return auditSubjects(ctx, found, 'no CloudTrail trail records access to this stack\'s secrets');
  },
};

const trailStorage: Rule = {
  id: 'SEC-041',
  slug: 'cloudtrail-log-protection',
  title: 'Trail logs encrypted and private',
  severity: 'medium',
  layer: 'audit',
  rationale: 'Audit logs reveal who read which secret; they are encrypted with a customer-managed key and their bucket blocks public access.',
  remediation: 'Set `kmsKeyId` on the trail and an `aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock` with all four blocks on its bucket.',
  frameworks: fw(['CC6.1', 'CC7.2'], ['A.8.15', 'A.8.24'], ['Art. 32(1)(a)', 'Art. 30']),
  evaluate(ctx) {
    const stacks = ctx.auditStacks();
    const found = ctx.estate.audit.trails
      .filter((t) => stacks.has(t.stack) && ctx.serves(t))
      .map((t) => {
        const problems: string[] = [];
        if (t.kmsKeyId === undefined || t.kmsKeyId === '') problems.push('logs not encrypted with a KMS key');
        if (t.bucketPublicAccessBlocked !== true) {
          problems.push(t.bucketPublicAccessBlocked === 'unknown' ? 'bucket public access block unknown' : 'bucket public access not blocked');
        }
        const from = t.stack === ctx.stack ? '' : ` (from stack ${t.stack})`;
        return subject(t, problems.length === 0, problems.length > 0 ? `${problems.join(', ')}${from}` : `KMS-encrypted, bucket private${from}`);
      });
    return auditSubjects(ctx, found, 'no CloudTrail trail, so no audit log to protect');
  },
};

function watchRule(
  ctx: RuleContext,
  watch: 'access-denied' | 'rotation-failure',
  applies: boolean,
  missing: string,
): FindingSubject[] {
  if (!applies) return [];
  const stacks = ctx.auditStacks();
  const watchers = [...ctx.estate.audit.alarms, ...ctx.estate.audit.eventRules].filter((a) => a.watches === watch && stacks.has(a.stack) && ctx.serves(a));
  const found = watchers.map((a) => {
    const from = a.stack === ctx.stack ? '' : ` (from stack ${a.stack})`;
    return a.topics.length > 0
      ? subject(a, true, `notifies ${plural(a.topics.length, 'topic')}${from}`)
      : subject(a, false, `notifies nobody (no SNS topic)${from}`);
  });
  return auditSubjects(ctx, found, missing);
}

const accessDeniedAlarm: Rule = {
  id: 'SEC-042',
  slug: 'alarm-access-denied',
  title: 'Alarm on denied secret access',
  severity: 'medium',
  layer: 'audit',
  rationale:
    'Repeated AccessDenied on GetSecretValue, GetParameter or Decrypt is how probing for secrets looks; an alarm that notifies someone turns the trail into detection.',
  remediation:
    'Add a CloudWatch metric filter on the trail\'s log group for AccessDenied on secretsmanager, ssm and kms calls, and an alarm on it that notifies an SNS topic with subscribers.',
  frameworks: fw(['CC7.2', 'CC7.3'], ['A.8.16', 'A.5.25'], ['Art. 32(1)(d)', 'Art. 33']),
  evaluate(ctx) {
    return watchRule(ctx, 'access-denied', true, 'no alarm watches AccessDenied on secret, parameter or decrypt calls');
  },
};

const rotationFailureAlarm: Rule = {
  id: 'SEC-043',
  slug: 'alarm-rotation-failure',
  title: 'Alert on failed rotation',
  severity: 'medium',
  layer: 'audit',
  rationale: 'A failed rotation leaves a credential past its schedule and may leave a pending version behind; someone must be told.',
  remediation:
    'Add an EventBridge rule for Secrets Manager RotationFailed (source aws.secretsmanager, CloudTrail event RotationFailed / RotationAbandoned) or an alarm on the rotation Lambda\'s errors, targeting an SNS topic with subscribers.',
  frameworks: fw(['CC7.2', 'CC7.3'], ['A.8.16', 'A.5.17'], ['Art. 32(1)(d)']),
  evaluate(ctx) {
    const rotating = ctx.inStack(ctx.estate.secrets).some((s) => s.rotation.enabled);
    return watchRule(ctx, 'rotation-failure', rotating, 'no alarm or event rule reports failed rotations');
  },
};

/** Every rule, in id order. */
export const RULES: readonly Rule[] = Object.freeze([
  cmkEncryption,
  secretRotation,
  keyRotation,
  keyReplicas,
  prodDeletion,
  plaintextSecretParameter,
  tlsInTransit,
  kmsViaService,
  noWildcardReads,
  environmentIsolation,
  auditRoleNoSecrets,
  rotationRoleScope,
  leastPrivilege,
  buildRoleNoSecrets,
  rotationWired,
  trailRule,
  trailStorage,
  accessDeniedAlarm,
  rotationFailureAlarm,
]);

// ─── Evaluation ─────────────────────────────────────────────────────────────────────

function sortSubjects(xs: readonly FindingSubject[]): FindingSubject[] {
  return [...xs].sort((a, b) =>
    a.status !== b.status ? (a.status === 'not-met' ? -1 : 1) : a.stack !== b.stack ? (a.stack < b.stack ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0,
  );
}

/** Evaluate one rule for one stack. */
export function evaluateRule(rule: Rule, ctx: RuleContext): Finding {
  const subjects = sortSubjects(rule.evaluate(ctx));
  const status = subjects.length === 0 ? 'not-applicable' : subjects.some((s) => s.status === 'not-met') ? 'not-met' : 'met';
  const note = rule.note?.(ctx);
  return Object.freeze({
    ruleId: rule.id,
    title: rule.title,
    severity: rule.severity,
    layer: rule.layer,
    rationale: rule.rationale,
    remediation: rule.remediation,
    frameworks: rule.frameworks,
    status,
    stack: ctx.stack,
    subjects: Object.freeze(subjects.map((s) => Object.freeze(s))),
    ...(note !== undefined ? { note } : {}),
  });
}

/**
 * One Finding per rule (in RULES order) for `stack`. Throws GeneratorError (usage) when the stack
 * is not in the estate.
 */
export function evaluateRules(estate: Estate, stack: string, options: Partial<RuleOptions> = {}): Finding[] {
  const ctx = new RuleContext(estate, stack, { ...DEFAULT_RULE_OPTIONS, ...options });
  return RULES.map((r) => evaluateRule(r, ctx));
}

/** Parse a severity as a user gives it (`--fail-on high`). */
export function parseSeverity(value: string, flag = '--fail-on'): Severity {
  const v = value.trim().toLowerCase();
  if ((SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  throw new GeneratorError('usage', `unknown severity '${value}'`, { subject: flag, expected: SEVERITIES.join(', ') });
}

/** True when a finding is not met at `severity` or above (critical > high > medium > low). */
export function failsAt(findings: readonly Finding[], severity: Severity): boolean {
  const limit = SEVERITIES.indexOf(severity);
  if (limit < 0) throw new GeneratorError('usage', `unknown severity '${String(severity)}'`, { expected: SEVERITIES.join(', ') });
  return findings.some((f) => f.status === 'not-met' && SEVERITIES.indexOf(f.severity) <= limit);
}
