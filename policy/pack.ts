/**
 * The compliance rules of diagrams/compliance as a Pulumi CrossGuard policy pack: one stack policy
 * per rule, so `pulumi preview --policy-pack policy` enforces at deploy time exactly what the
 * generator reports in the docs.
 *
 * Each policy's `validateStack` turns `args.resources` (PolicyResource) into the generator's raw
 * rows, builds a ResourceGraph (`buildGraph`: redaction included) and an Estate (`buildEstate`),
 * evaluates its rule for the stack and reports every not-met subject as a violation on that
 * subject's URN. The rule logic is not repeated here.
 *
 * This module has no side effects: it can be imported by tests. ./index.ts constructs the
 * PolicyPack (which starts the analyzer's gRPC server) and is only loaded by the Pulumi CLI.
 */

import type {
  EnforcementLevel,
  PolicyPackArgs,
  PolicyResource,
  ReportViolation,
  StackValidationArgs,
  StackValidationPolicy,
} from '@pulumi/policy';
import { DEFAULT_RULE_OPTIONS, RULES, RuleContext, evaluateRule, type Rule, type RuleOptions } from '../diagrams/compliance/rules/index.ts';
import { buildEstate } from '../diagrams/estate/build/index.ts';
import type { Finding } from '../diagrams/compliance/types.ts';
import type { Estate } from '../diagrams/estate/model.ts';
import { buildGraph, parseUrn, type RawResource } from '../diagrams/graph/graph.ts';
import { SIG_KEY, SECRET_SIG, UNKNOWN_MARKER } from '../diagrams/graph/redact.ts';
import type { JsonValue, ResourceGraph } from '../diagrams/graph/types.ts';

export const PACK_NAME = 'mono-repo-secrets-compliance';

/** Severity decides the default enforcement: critical and high block a deployment. */
export function enforcementFor(rule: Rule): EnforcementLevel {
  return rule.severity === 'critical' || rule.severity === 'high' ? 'mandatory' : 'advisory';
}

// ─── PolicyResource -> raw rows -> ResourceGraph ────────────────────────────────────

/** The sentinels @pulumi/policy leaves in props for values unknown during preview. */
const POLICY_UNKNOWNS: ReadonlySet<string> = new Set([
  '1c4a061d-8072-4f0a-a4cb-0ff528b18fe7',
  '3eeb2bf0-c639-47a8-9e75-3b44932eb421',
  '04da6b54-80e4-46f7-96ec-b56ff0331ba9',
  '6a19a0b0-7e62-4c92-b797-7f8e31da9cc2',
  '030794c1-ac77-496b-92df-f27374a8bd58',
  'e48ece36-62e2-4504-bad9-02848725956a',
  'dd056dcd-154b-4c76-9bd3-c8f88648b5ff',
]);

/** The proxy @pulumi/policy wraps props in throws on unknowns; read the target underneath. */
function unproxied(v: unknown): unknown {
  if (v !== null && typeof v === 'object') {
    const target = (v as Record<string, unknown>)['__getSpecialProxyTarget'];
    if (target !== undefined && target !== null && typeof target === 'object') return target;
  }
  return v;
}

/** Plain JSON of a prop value: unknowns become the engine's marker, assets and functions are dropped. */
function toJson(v: unknown, depth = 0): JsonValue | undefined {
  const x = unproxied(v);
  if (x === null || typeof x === 'boolean') return x;
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (typeof x === 'string') return POLICY_UNKNOWNS.has(x) ? UNKNOWN_MARKER : x;
  if (depth > 64 || typeof x !== 'object') return undefined;
  if (Array.isArray(x)) return x.map((e) => toJson(e, depth + 1) ?? null);
  const proto = Object.getPrototypeOf(x);
  if (proto !== Object.prototype && proto !== null) {
    // Assets and archives (class instances) carry no facts the rules use.
    return undefined;
  }
  const out: Record<string, JsonValue> = {};
  for (const k of Object.keys(x)) {
    const j = toJson((x as Record<string, unknown>)[k], depth + 1);
    if (j !== undefined) out[k] = j;
  }
  return out;
}

function secretEnvelope(v: JsonValue): JsonValue {
  return { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(v) };
}

/**
 * Values that stack validation receives unwrapped (the engine's secret markers are gone by then):
 * wrapped again so that buildGraph redacts them like any reader's secrets.
 */
function rewrapSecrets(type: string, props: Record<string, JsonValue>, additionalSecretOutputs: readonly string[]): Record<string, JsonValue> {
  const names = new Set(additionalSecretOutputs);
  if (type === 'aws:ssm/parameter:Parameter') {
    names.add('value');
    names.add('insecureValue');
  }
  const out: Record<string, JsonValue> = { ...props };
  for (const n of names) {
    const v = out[n];
    if (v !== undefined && v !== null && v !== UNKNOWN_MARKER) out[n] = secretEnvelope(v);
  }
  return out;
}

/** One generator row from a PolicyResource. Props are treated as outputs (inputs where unknown). */
export function rowOf(r: PolicyResource): RawResource {
  const raw = (toJson(r.props) ?? {}) as Record<string, JsonValue>;
  const additional = r.opts?.additionalSecretOutputs ?? [];
  const props = rewrapSecrets(r.type, raw, additional);
  const propertyDependencies: Record<string, string[]> = {};
  for (const [k, deps] of Object.entries(r.propertyDependencies ?? {})) propertyDependencies[k] = deps.map((d) => d.urn);
  const isProvider = r.type.startsWith('pulumi:providers:');
  return {
    urn: r.urn,
    type: r.type,
    custom: r.provider !== undefined || isProvider,
    ...(r.parent !== undefined ? { parent: r.parent.urn } : r.opts?.parent !== undefined ? { parent: r.opts.parent } : {}),
    ...(r.provider !== undefined ? { provider: r.provider.urn } : {}),
    protect: r.opts?.protect === true,
    inputs: props,
    outputs: props,
    dependencies: (r.dependencies ?? []).map((d) => d.urn),
    propertyDependencies,
    additionalSecretOutputs: [...additional],
  };
}

/**
 * The ResourceGraph of the stack a policy is validating. Its source is the program (kind `program`):
 * the props are the program's values as the analyzer hands them over, with secrets already unwrapped,
 * not a stored state, so the graph records no plain text secrets (whether a value will be stored
 * encrypted cannot be told from them).
 */
export function graphOfPolicyResources(resources: readonly PolicyResource[]): ResourceGraph {
  const rows = resources.map(rowOf);
  // Parents the engine did not include (none in practice) would be dangling: drop the link, keep the row.
  const urns = new Set(rows.map((r) => r.urn as string));
  const safe = rows.map((r) => (typeof r.parent === 'string' && !urns.has(r.parent) ? { ...r, parent: undefined } : r));
  return buildGraph({ source: { kind: 'program', location: 'policy pack', format: 'CrossGuard stack validation' }, resources: safe });
}

// ─── Estate per validation, shared by the policies of one analysis ──────────────────

let cache: { key: string; estate: Estate; stack: string } | undefined;

/** Stack name from the resources' URNs; undefined for an empty stack. */
export function stackOfResources(resources: readonly PolicyResource[]): string | undefined {
  for (const r of resources) {
    const p = parseUrn(r.urn);
    if (p !== undefined) return p.stack;
  }
  return undefined;
}

/** The estate of the validated stack; the policies of one analysis build it once. */
export function estateOf(resources: readonly PolicyResource[]): { estate: Estate; stack: string } | undefined {
  const stack = stackOfResources(resources);
  if (stack === undefined) return undefined;
  const graph = graphOfPolicyResources(resources);
  const key = JSON.stringify(graph.resources);
  if (cache?.key === key) return cache;
  const estate = buildEstate([graph]);
  cache = { key, estate, stack };
  return cache;
}

// ─── Policies ───────────────────────────────────────────────────────────────────────

/** Options a policy accepts in the pack's configuration (`pulumi preview --policy-pack-config`). */
export interface PolicyConfig {
  readonly maxSecretRotationDays?: number;
  readonly maxKeyRotationDays?: number;
  readonly minProdKeyDeletionWindowDays?: number;
  readonly minProdRecoveryWindowDays?: number;
  readonly prodEnvironments?: string[];
}

const CONFIG_SCHEMA = {
  properties: {
    maxSecretRotationDays: { type: 'integer' as const, minimum: 1, default: DEFAULT_RULE_OPTIONS.maxSecretRotationDays },
    maxKeyRotationDays: { type: 'integer' as const, minimum: 90, maximum: 2560, default: DEFAULT_RULE_OPTIONS.maxKeyRotationDays },
    minProdKeyDeletionWindowDays: { type: 'integer' as const, minimum: 7, maximum: 30, default: DEFAULT_RULE_OPTIONS.minProdKeyDeletionWindowDays },
    minProdRecoveryWindowDays: { type: 'integer' as const, minimum: 7, maximum: 30, default: DEFAULT_RULE_OPTIONS.minProdRecoveryWindowDays },
    prodEnvironments: { type: 'array' as const, items: { type: 'string' as const }, default: [...DEFAULT_RULE_OPTIONS.prodEnvironments] },
  },
};

function optionsFrom(config: PolicyConfig | undefined): RuleOptions {
  const c = config ?? {};
  const pick = <K extends keyof RuleOptions>(k: K): RuleOptions[K] => (c[k as keyof PolicyConfig] as RuleOptions[K] | undefined) ?? DEFAULT_RULE_OPTIONS[k];
  return {
    maxSecretRotationDays: pick('maxSecretRotationDays'),
    maxKeyRotationDays: pick('maxKeyRotationDays'),
    minProdKeyDeletionWindowDays: pick('minProdKeyDeletionWindowDays'),
    minProdRecoveryWindowDays: pick('minProdRecoveryWindowDays'),
    prodEnvironments: pick('prodEnvironments').map((e) => e.toLowerCase()),
  };
}

/** The violation message: rule, subject and why; the remediation is the policy's `remediationSteps`. */
export function violationMessage(rule: Rule, s: Finding['subjects'][number]): string {
  return `${rule.id} ${rule.title}: ${s.name}: ${s.detail}`;
}

/** Evaluate one rule on the validated stack. Exported for tests and for `pulumi policy` debugging. */
export function validateWithRule(rule: Rule, args: StackValidationArgs, report: ReportViolation): Finding | undefined {
  const built = estateOf(args.resources);
  if (built === undefined) return undefined;
  const config = typeof args.getConfig === 'function' ? args.getConfig<PolicyConfig>() : undefined;
  const ctx = new RuleContext(built.estate, built.stack, optionsFrom(config));
  const finding = evaluateRule(rule, ctx);
  const urns = new Set(args.resources.map((r) => r.urn));
  for (const s of finding.subjects) {
    if (s.status !== 'not-met') continue;
    // A subject that is a resource of this stack gets the violation; a missing-control finding is stack-wide.
    if (urns.has(s.urn)) report(violationMessage(rule, s), s.urn);
    else report(violationMessage(rule, s));
  }
  return finding;
}

function frameworkTags(rule: Rule): string[] {
  return [
    `layer:${rule.layer}`,
    ...rule.frameworks.soc2.map((c) => `SOC2:${c}`),
    ...rule.frameworks.iso27001.map((c) => `ISO27001:${c}`),
    ...rule.frameworks.gdpr.map((c) => `GDPR:${c}`),
  ];
}

/** One stack policy per rule, named by the rule's slug. */
export function makePolicies(rules: readonly Rule[] = RULES): StackValidationPolicy[] {
  return rules.map((rule) => ({
    name: rule.slug,
    displayName: `${rule.id} ${rule.title}`,
    description: `${rule.title}. ${rule.rationale}`,
    enforcementLevel: enforcementFor(rule),
    severity: rule.severity,
    remediationSteps: rule.remediation,
    tags: frameworkTags(rule),
    configSchema: CONFIG_SCHEMA,
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      validateWithRule(rule, args, report);
    },
  }));
}

/** The PolicyPack's arguments (./index.ts passes them to `new PolicyPack`). */
export function policyPackArgs(): PolicyPackArgs {
  return {
    description:
      'Secrets-estate compliance (SOC 2, ISO 27001, GDPR): customer-managed encryption, rotation, key replicas, least-privilege IAM, audit trail and alarms.',
    displayName: 'mono-repo secrets compliance',
    provider: 'aws',
    tags: ['aws', 'secrets', 'compliance'],
    policies: makePolicies(),
  };
}
