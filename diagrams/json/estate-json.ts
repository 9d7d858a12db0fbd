/**
 * estate.json: the machine-readable result of one stack, the contract that the change review (base
 * vs head) and the organisation index read. Versioned (`schemaVersion`), deterministic bytes, no
 * secret value (the estate has none), documented in docs/estate-json.md.
 *
 * It holds the stack's identity, source, coverage and resource count by type; its parameters, secrets, keys and policies
 * (properties, never values); every principal of the stack and every principal that reaches its
 * resources, with what it can read (parameters, secrets, keys: certainty and what grants it), what
 * it can describe or rotate, its trust or membership; the secrets held elsewhere; the findings; the
 * cost; and which diagrams the stack has.
 */

import type { CostEstimate, Finding } from '../compliance/types.ts';
import type { AccessItem, Condition, KmsKey, Parameter, ParameterRead, Secret, Via } from '../estate/model.ts';
import type { PrincipalEntry, Store } from '../estate/store.ts';
import { groupedAccess, type AccessGroup, type GroupedList } from '../estate/fold.ts';
import type { View } from '../views/types.ts';
import { AWS_KEY, keyLabel, rotationLabel } from '../docs/format.ts';
import { formatJson, formatJsonBytes } from './format.ts';
import { GENERATOR } from '../util/generator.ts';

export const ESTATE_JSON_SCHEMA_VERSION = 1;
export const ESTATE_JSON_NAME = 'estate.json';

const viaJson = (v: Via) => ({ kind: v.kind, name: v.name, ref: v.ref, ...(v.sid !== undefined ? { sid: v.sid } : {}), ...(v.group !== undefined ? { group: v.group } : {}) });
const condJson = (c: Condition) => ({ operator: c.operator, key: c.key, values: c.values });

export interface EstateJsonInput {
  readonly store: Store;
  readonly stack: string;
  readonly findings: readonly Finding[];
  readonly cost?: CostEstimate;
  readonly views: readonly View[];
}

function principalJson(store: Store, p: PrincipalEntry, stack: string, own: boolean) {
  const a = store.findAccess(p.id);
  const item = (x: AccessItem, extra: Record<string, unknown> = {}) => {
    const e = store.find(x.resourceUrn);
    return {
      name: e?.name ?? x.resourceUrn,
      urn: x.resourceUrn,
      ...(e !== undefined && e.stack !== stack ? { stack: e.stack } : {}),
      certainty: x.certainty,
      actions: x.actions,
      via: x.via.map(viaJson),
      ...(x.conditions.length > 0 ? { conditions: x.conditions.map(condJson) } : {}),
      ...extra,
    };
  };
  // Own principals: everything they reach; others: what they reach of this stack.
  const groups = (list: GroupedList) => groupedAccess(store, p.id, list).filter((g) => own || g.stack === stack);
  const group = (g: AccessGroup<AccessItem>, extra: Record<string, unknown> = {}) => ({
    ...(g.stack !== stack ? { stack: g.stack } : {}),
    certainty: g.shape.certainty,
    actions: g.shape.actions,
    via: g.shape.via.map(viaJson),
    ...(g.shape.conditions.length > 0 ? { conditions: g.shape.conditions.map(condJson) } : {}),
    ...extra,
    ...(g.folders.length > 0 ? { folders: g.folders.map((f) => ({ folder: f.folder, count: f.count, ...(f.class === 'SecureString' ? { secure: true } : f.class === 'String' ? { secure: false } : {}) })) } : {}),
    ...(g.names.length > 0 ? { names: g.names } : {}),
  });
  const h = p.role ?? p.user ?? p.group;
  return {
    id: p.id,
    kind: p.kind,
    name: p.name,
    ...(p.arn !== undefined ? { arn: p.arn } : {}),
    ...(p.stack !== undefined ? { stack: p.stack } : {}),
    ...(p.role
      ? {
          trust: {
            kind: p.role.trust.kind,
            principals: p.role.trust.principals,
            ...(p.role.trust.eks ? { eks: p.role.trust.eks } : {}),
            ...(p.role.trust.crossAccount ? { crossAccount: p.role.trust.crossAccount } : {}),
          },
          ...(p.role.service !== undefined ? { service: p.role.service } : {}),
          workloads: p.role.workloads.map((w) => ({ kind: w.kind, name: w.name })),
        }
      : {}),
    ...(p.user ? { groups: p.user.groups.map((g) => store.findPrincipal(g)?.name ?? g), otherGroups: p.user.otherGroups } : {}),
    ...(p.group ? { members: p.group.members.map((m) => store.findPrincipal(m)?.name ?? m) } : {}),
    ...(h ? { policies: [...h.policies.map((u) => store.find(u)?.name ?? u), ...h.externalPolicies] } : {}),
    ...(p.role?.boundary ?? p.user?.boundary ? { boundary: (p.role?.boundary ?? p.user?.boundary)!.arn } : {}),
    ...(p.external ? { namedBy: p.external.namedBy.map((u) => store.find(u)?.name ?? u) } : {}),
    admin: a?.admin ?? false,
    complete: a?.complete ?? true,
    reads: {
      parameters: groups('parameters').map((g) => group(g, (g.shape as ParameterRead).byPath !== undefined ? { byPath: (g.shape as ParameterRead).byPath } : {})),
      secrets: groups('secretValues').map((g) => group(g)),
      keys: (a?.keys ?? []).filter((x) => own || (a !== undefined && store.keyReachesStack(a, x, stack))).map((x) => item(x, { paths: x.paths })),
    },
    describes: groups('secretMetadata').map((g) => group(g)),
    rotates: groups('secretWrites').map((g) => group(g)),
    notes: a?.notes ?? [],
  };
}

/** A parameter's entry: its properties, never its value. */
function parameterJson(store: Store, p: Parameter): Record<string, unknown> {
  return {
    name: p.path,
    urn: p.urn,
    type: p.type,
    tier: p.tier,
    ...(p.type === 'SecureString' ? { key: keyLabel(store, p.keyUrn, p.keyId, AWS_KEY.ssm), ...(p.keyUrn ? { keyUrn: p.keyUrn } : {}) } : {}),
    ...(store.environmentOf(p) !== undefined ? { environment: store.environmentOf(p) } : {}),
    protect: p.protect,
  };
}

/** A secret's entry: its properties and policy, never its value. */
function secretJson(store: Store, x: Secret): Record<string, unknown> {
  return {
    name: x.name,
    urn: x.urn,
    category: x.category,
    key: keyLabel(store, x.keyUrn, x.keyId, AWS_KEY.secretsmanager),
    ...(x.keyUrn ? { keyUrn: x.keyUrn } : {}),
    rotation: {
      enabled: x.rotation.enabled,
      label: rotationLabel(x),
      ...(x.rotation.intervalDays !== undefined ? { intervalDays: x.rotation.intervalDays } : {}),
      ...(x.rotation.functionUrn ? { function: store.findFunction(x.rotation.functionUrn)?.name ?? x.rotation.functionUrn } : x.rotation.functionArn ? { function: x.rotation.functionArn } : {}),
    },
    replicas: x.replicas.map((r) => r.region),
    ...(x.recoveryWindowDays !== undefined ? { recoveryWindowDays: x.recoveryWindowDays } : {}),
    resourcePolicy: x.policy !== undefined,
    ...(x.policy !== undefined ? { policy: x.policy.statements } : {}),
    protect: x.protect,
    ...(store.environmentOf(x) !== undefined ? { environment: store.environmentOf(x) } : {}),
  };
}

/** A key the stack uses: its settings, what it protects, its grants and policy. */
function keyJson(k: KmsKey, stack: string): Record<string, unknown> {
  return {
    name: k.name,
    urn: k.urn,
    ...(k.stack !== stack ? { stack: k.stack } : {}),
    aliases: k.aliases,
    rotation: { enabled: k.rotationEnabled, ...(k.rotationPeriodDays !== undefined ? { periodDays: k.rotationPeriodDays } : {}) },
    multiRegion: k.multiRegion,
    replicas: k.replicas.map((r) => r.region ?? r.stack),
    ...(k.deletionWindowDays !== undefined ? { deletionWindowDays: k.deletionWindowDays } : {}),
    protect: k.protect,
    protects: Object.fromEntries(k.protects.map((p) => [p.type, p.urns.length])),
    grants: k.grants.map((g) => ({ name: g.name, grantee: g.grantee, operations: g.operations })),
    ...(k.policy !== undefined ? { policy: k.policy.statements } : {}),
  };
}

/** A finding, with each resource it holds or fails on. */
function findingJson(f: Finding): Record<string, unknown> {
  return {
    id: f.ruleId,
    title: f.title,
    severity: f.severity,
    layer: f.layer,
    status: f.status === 'not-met' ? 'not met' : f.status === 'not-applicable' ? 'not applicable' : 'met',
    resources: f.subjects.map((x) => ({ name: x.name, urn: x.urn, stack: x.stack, status: x.status === 'not-met' ? 'not met' : 'met', detail: x.detail })),
    ...(f.note !== undefined ? { note: f.note } : {}),
  };
}

/** The estate.json document of one stack. */
export function estateDocument(input: EstateJsonInput): Record<string, unknown> {
  const { store, stack } = input;
  const e = store.estate;
  const s = store.stack(stack);
  const mine = <T extends { readonly stack: string }>(xs: readonly T[]) => store.inStack(xs, stack);
  const params = mine(e.parameters);
  const secrets = mine(e.secrets);
  const reaching = store.principalsReaching(stack);
  const principals = store.principals.filter((p) => p.stack === stack || reaching.has(p.id));
  return {
    schemaVersion: ESTATE_JSON_SCHEMA_VERSION,
    generator: GENERATOR,
    key: s.key,
    project: s.project,
    stack: s.stack,
    environment: s.environment ?? null,
    source: { kind: s.source.kind, format: s.source.format, ...(s.deployedAt ? { deployedAt: s.deployedAt } : {}), ...(s.pulumiVersion ? { pulumiVersion: s.pulumiVersion } : {}) },
    ...(s.account ? { account: s.account } : {}),
    ...(s.region ? { region: s.region } : {}),
    references: s.references,
    coverage: s.coverage,
    resourceTypes: s.resourceTypes,
    diagrams: input.views.map((v) => ({ name: v.name, drawn: v.d2 !== undefined })),
    parameters: params.map((p) => parameterJson(store, p)),
    secrets: secrets.map((x) => secretJson(store, x)),
    keys: store.keysUsedBy(stack).keys.map((k) => keyJson(k, stack)),
    policies: mine(e.policies).map((p) => ({
      name: p.name,
      urn: p.urn,
      kind: p.kind,
      attachedTo: p.attachedTo.map((u) => store.findPrincipal(u)?.name ?? u),
      boundaryOf: p.boundaryOf.map((u) => store.findPrincipal(u)?.name ?? u),
      unknown: p.document.unknown,
      statements: p.document.statements,
    })),
    principals: principals.map((p) => principalJson(store, p, stack, p.stack === stack)),
    exposures: mine(e.exposures).map((x) => ({ resource: x.name, urn: x.urn, type: x.type, kind: x.kind, path: x.path, detail: x.detail })),
    findings: input.findings.map(findingJson),
    cost: input.cost
      ? { total: input.cost.total, pricesAsOf: input.cost.pricesAsOf, lines: input.cost.lines.map((l) => ({ item: l.item, quantity: l.quantity, unitPrice: l.unitPrice, monthly: l.monthly })) }
      : null,
  };
}

export function estateJson(input: EstateJsonInput): string {
  return formatJson(estateDocument(input));
}

/** `estateJson` as UTF-8 bytes, without the whole text as one string (what a run writes). */
export function estateJsonBytes(input: EstateJsonInput): Buffer {
  return formatJsonBytes(estateDocument(input));
}
