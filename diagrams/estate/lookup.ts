/**
 * Lookups over an Estate. Missing keys throw GeneratorError naming the key (no silent undefined).
 */

import { GeneratorError } from '../errors.ts';
import type {
  Alarm,
  Audit,
  Estate,
  EventRule,
  IamPolicy,
  KmsKey,
  LambdaFunction,
  Parameter,
  Role,
  RoleAccess,
  Secret,
  Service,
  StackSummary,
  Topic,
  Trail,
} from './model.ts';

export type Entity = Parameter | Secret | KmsKey | IamPolicy | Role | LambdaFunction | Trail | Alarm | EventRule | Topic;

export type EntityKind = 'parameter' | 'secret' | 'key' | 'policy' | 'role' | 'function' | 'trail' | 'alarm' | 'eventRule' | 'topic';

interface Indexed {
  readonly byUrn: ReadonlyMap<string, { readonly kind: EntityKind; readonly entity: Entity }>;
  readonly access: ReadonlyMap<string, RoleAccess>;
}

const cache = new WeakMap<Estate, Indexed>();

function index(estate: Estate): Indexed {
  let ix = cache.get(estate);
  if (ix) return ix;
  const byUrn = new Map<string, { kind: EntityKind; entity: Entity }>();
  const add = (kind: EntityKind, list: readonly Entity[]): void => {
    for (const e of list) if (!byUrn.has(e.urn)) byUrn.set(e.urn, { kind, entity: e });
  };
  add('parameter', estate.parameters);
  add('secret', estate.secrets);
  add('key', estate.keys);
  add('policy', estate.policies);
  add('role', estate.roles);
  add('function', estate.functions);
  add('trail', estate.audit.trails);
  add('alarm', estate.audit.alarms);
  add('eventRule', estate.audit.eventRules);
  add('topic', estate.audit.topics);
  ix = { byUrn, access: new Map(estate.access.map((a) => [a.roleUrn, a])) };
  cache.set(estate, ix);
  return ix;
}

/** The entity with this URN; throws GeneratorError when the estate has none. */
export function entityByUrn(estate: Estate, urn: string): Entity {
  const hit = index(estate).byUrn.get(urn);
  if (!hit) throw new GeneratorError('input', `no entity with URN '${urn}' in the estate`, { expected: 'the URN of a parameter, secret, key, policy, role, function, trail, alarm, event rule or topic' });
  return hit.entity;
}

/** The kind of the entity with this URN; throws GeneratorError when missing. */
export function entityKind(estate: Estate, urn: string): EntityKind {
  const hit = index(estate).byUrn.get(urn);
  if (!hit) throw new GeneratorError('input', `no entity with URN '${urn}' in the estate`);
  return hit.kind;
}

/** The entity with this URN, or undefined. */
export function findEntity(estate: Estate, urn: string): Entity | undefined {
  return index(estate).byUrn.get(urn)?.entity;
}

function typed<T extends Entity>(estate: Estate, urn: string, kind: EntityKind, label: string): T {
  const hit = index(estate).byUrn.get(urn);
  if (!hit || hit.kind !== kind) throw new GeneratorError('input', `no ${label} with URN '${urn}' in the estate`);
  return hit.entity as T;
}

export const parameterByUrn = (e: Estate, urn: string): Parameter => typed(e, urn, 'parameter', 'parameter');
export const secretByUrn = (e: Estate, urn: string): Secret => typed(e, urn, 'secret', 'secret');
export const keyByUrn = (e: Estate, urn: string): KmsKey => typed(e, urn, 'key', 'KMS key');
export const policyByUrn = (e: Estate, urn: string): IamPolicy => typed(e, urn, 'policy', 'IAM policy');
export const roleByUrn = (e: Estate, urn: string): Role => typed(e, urn, 'role', 'role');
export const functionByUrn = (e: Estate, urn: string): LambdaFunction => typed(e, urn, 'function', 'Lambda function');
export const topicByUrn = (e: Estate, urn: string): Topic => typed(e, urn, 'topic', 'SNS topic');

/** The access analysis of a role; throws GeneratorError when the role is not in the estate. */
export function accessOf(estate: Estate, roleUrn: string): RoleAccess {
  const a = index(estate).access.get(roleUrn);
  if (!a) throw new GeneratorError('input', `no access analysis for role URN '${roleUrn}' in the estate`);
  return a;
}

/** The stack summary; throws GeneratorError listing the stacks there are. */
export function stackSummary(estate: Estate, stack: string): StackSummary {
  const s = estate.stacks.find((x) => x.stack === stack);
  if (!s) {
    throw new GeneratorError('usage', `no stack '${stack}' in the estate`, {
      expected: estate.stacks.length ? `one of ${estate.stacks.map((x) => x.stack).join(', ')}` : 'a stack (the estate has none)',
    });
  }
  return s;
}

/** Does a stack reference `other` (a StackReference name, `org/project/stack` or just `stack`)? */
function refersTo(summary: StackSummary, other: string): boolean {
  return summary.references.some((r) => r === other || r.split('/').pop() === other);
}

/**
 * Which audit pieces of other stacks serve `stack`: a predicate over an entity of a stack that
 * `stack` references. An entity tied to another environment of the estate (its `Environment` tag,
 * else its stack's environment, else an environment named as a whole segment of its name, e.g.
 * `mono-repo-dev-secret-rotation-errors`) serves that environment, not this one; account-level
 * pieces (no environment, or one that is no stack's environment, like `shared`) serve every stack
 * that references them.
 */
export function servesStack(estate: Estate, stack: string): (x: { readonly stack: string; readonly name: string; readonly tags: Readonly<Record<string, string>> }) => boolean {
  const summary = stackSummary(estate, stack);
  const mine = summary.environment?.toLowerCase();
  const envs = new Set<string>();
  for (const s of estate.stacks) if (s.environment !== undefined) envs.add(s.environment.toLowerCase());
  const envOfStack = new Map(estate.stacks.map((s) => [s.stack, s.environment?.toLowerCase()]));
  return (x) => {
    if (x.stack === stack) return true;
    if (!refersTo(summary, x.stack)) return false;
    const tagged = (x.tags['Environment'] ?? x.tags['environment'])?.toLowerCase();
    const env = tagged ?? envOfStack.get(x.stack);
    if (env !== undefined) return env === mine || !envs.has(env);
    const other = x.name
      .toLowerCase()
      .split(/[^a-z0-9]+/)
      .find((seg) => envs.has(seg) && seg !== mine);
    return other === undefined;
  };
}

/**
 * The audit pieces that serve a stack, in estate order: its own trails, alarms, event rules and
 * topics, plus those of the stacks it references that are not tied to another environment
 * (`servesStack`), plus the topics the included alarms and rules notify. Not the alarms of sibling
 * environments, even when they notify a shared topic.
 */
export function auditOf(estate: Estate, stack: string): Audit {
  const serves = servesStack(estate, stack);
  const trails = estate.audit.trails.filter(serves);
  const alarms = estate.audit.alarms.filter(serves);
  const eventRules = estate.audit.eventRules.filter(serves);
  const notified = new Set<string>();
  for (const w of [...alarms, ...eventRules]) for (const t of w.topics) notified.add(t);
  const topics = estate.audit.topics.filter((t) => notified.has(t.urn) || serves(t));
  return Object.freeze({ trails, alarms, eventRules, topics });
}

/**
 * What a stack owns plus what it uses from other stacks, as an Estate of its own (same sorting):
 * - everything whose `stack` is this one;
 * - keys its parameters, secrets and trails are encrypted with, and keys its roles can decrypt with;
 * - rotation functions its secrets use, and their roles;
 * - parameters and secrets of other stacks its roles can read;
 * - the audit pieces (trails, alarms, event rules, topics) of stacks it references (StackReference)
 *   that serve it: not those tied to a sibling environment (`auditOf`);
 * - the access analysis of every role included.
 * `stacks` holds the summaries of this stack and of every stack something was taken from, sorted by
 * name like the estate. An entity's `stack` field tells a view whether to draw it as "from stack X".
 */
export function stackEntities(estate: Estate, stack: string): Estate {
  stackSummary(estate, stack);
  const ix = index(estate);
  const want = new Set<string>();
  const own = <T extends { stack: string; urn: string }>(l: readonly T[]): void => {
    for (const e of l) if (e.stack === stack) want.add(e.urn);
  };
  own(estate.parameters);
  own(estate.secrets);
  own(estate.keys);
  own(estate.policies);
  own(estate.roles);
  own(estate.functions);
  // Audit: its own pieces and those of referenced stacks that serve it (not sibling environments').
  const audit = auditOf(estate, stack);
  for (const l of [audit.trails, audit.alarms, audit.eventRules, audit.topics]) for (const e of l) want.add(e.urn);

  const addKey = (urn: string | undefined): void => {
    if (urn) want.add(urn);
  };
  for (const p of estate.parameters) if (p.stack === stack) addKey(p.keyUrn);
  for (const s of estate.secrets) {
    if (s.stack !== stack) continue;
    addKey(s.keyUrn);
    if (s.rotation.functionUrn) want.add(s.rotation.functionUrn);
  }
  for (const t of audit.trails) addKey(t.keyUrn);
  // Functions used: their roles and those roles' policies.
  for (const f of estate.functions) if (want.has(f.urn) && f.roleUrn) want.add(f.roleUrn);
  for (const r of estate.roles) if (want.has(r.urn)) r.policies.forEach((p) => want.add(p));
  // What the included roles can reach.
  for (const r of estate.roles) {
    if (!want.has(r.urn)) continue;
    const a = ix.access.get(r.urn);
    if (!a) continue;
    for (const l of [a.parameters, a.secretValues, a.secretMetadata, a.secretWrites, a.keys]) for (const x of l) want.add(x.resourceUrn);
  }
  // Keys of anything included from another stack.
  for (const p of estate.parameters) if (want.has(p.urn)) addKey(p.keyUrn);
  for (const s of estate.secrets) if (want.has(s.urn)) addKey(s.keyUrn);

  const pick = <T extends { urn: string }>(l: readonly T[]): readonly T[] => l.filter((e) => want.has(e.urn));
  const roles = pick(estate.roles);
  const roleUrns = new Set(roles.map((r) => r.urn));
  const services: Service[] = [];
  for (const s of estate.services) {
    if (s.stack === stack) services.push(s);
    else if (s.roles.some((r) => roleUrns.has(r))) services.push(s);
  }
  const all: Entity[] = [];
  for (const urn of want) {
    const hit = ix.byUrn.get(urn);
    if (hit) all.push(hit.entity);
  }
  const usedStacks = new Set(all.map((e) => e.stack));
  usedStacks.add(stack);
  return Object.freeze({
    schemaVersion: estate.schemaVersion,
    stacks: estate.stacks.filter((s) => usedStacks.has(s.stack)),
    parameters: pick(estate.parameters),
    secrets: pick(estate.secrets),
    keys: pick(estate.keys),
    policies: pick(estate.policies),
    roles,
    functions: pick(estate.functions),
    services,
    audit: Object.freeze({
      trails: pick(estate.audit.trails),
      alarms: pick(estate.audit.alarms),
      eventRules: pick(estate.audit.eventRules),
      topics: pick(estate.audit.topics),
    }),
    access: estate.access.filter((a) => roleUrns.has(a.roleUrn)),
  });
}
