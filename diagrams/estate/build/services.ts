/**
 * Workloads and services. A role's workloads are what assumes it: Lambda functions, ECS task
 * definitions (task and execution roles) and services, EKS service accounts (IRSA trust or Pod
 * Identity associations) and EC2 instance profiles. A service is named after its role's workload,
 * else the role's `Service` tag, else the role name (a rotation role only by its tag). A role's
 * secret cache TTL is what its `SecretCacheTtl` tag declares (seconds, or with an s/m/h unit).
 */

import { compareStrings, type Mutable } from '../../util/collections.ts';
import { UNKNOWN } from '../../graph/types.ts';
import type { LambdaFunction, Role, Service, Workload } from '../model.ts';
import { knownStr, str, tag } from '../props.ts';
import { arnOf, awsName, edgeTargets, RefIndex, rows, type GraphCtx, type Row } from './context.ts';
import { displayName, serviceFromRoleName, slugify } from './names.ts';

type ResolveRole = (row: Row, value: string | undefined, prop: string) => string | undefined;

/** How a task definition's execution role is named among its workloads. */
const EXECUTION_ROLE = ' (execution role)';

/** The name a service is derived from: the workload's, an execution role's by its task definition's family, an EKS service account without its namespace. */
function workloadBaseName(w: Workload): string {
  const name = w.kind === 'ecs-task' && w.name.endsWith(EXECUTION_ROLE) ? w.name.slice(0, -EXECUTION_ROLE.length) : w.name;
  return name.split('/').pop()!;
}

const WORKLOAD_ORDER: readonly Workload['kind'][] = ['ecs-service', 'ecs-task', 'eks-service-account', 'lambda', 'ec2-instance-profile'];

function workloadsByRole(ctxs: readonly GraphCtx[], roles: readonly Role[], functions: readonly LambdaFunction[], resolveRole: ResolveRole): Map<string, Workload[]> {
  const out = new Map<string, Workload[]>();
  const add = (role: string | undefined, w: Workload): void => {
    if (role === undefined) return;
    (out.get(role) ?? out.set(role, []).get(role)!).push(w);
  };
  for (const f of functions) add(f.roleUrn, { kind: 'lambda', name: f.name, urn: f.urn });
  const taskRefs = new RefIndex();
  const taskRoles = new Map<string, string[]>();
  const taskNames = new Map<string, string>();
  for (const row of rows(ctxs, 'taskDefinition')) {
    const family = knownStr(row.r, 'family') ?? row.r.name;
    taskNames.set(row.r.urn, family);
    taskRefs.add(arnOf(row.r) ?? knownStr(row.r, 'taskDefinitionArn'), row.r.urn);
    taskRefs.add(family, row.r.urn);
    const task = resolveRole(row, str(row.r, 'taskRoleArn'), 'taskRoleArn');
    const exec = resolveRole(row, str(row.r, 'executionRoleArn'), 'executionRoleArn');
    add(task, { kind: 'ecs-task', name: family, urn: row.r.urn });
    if (exec !== undefined && exec !== task) add(exec, { kind: 'ecs-task', name: `${family}${EXECUTION_ROLE}`, urn: row.r.urn });
    taskRoles.set(row.r.urn, [task, exec].filter((x): x is string => x !== undefined));
  }
  for (const row of rows(ctxs, 'ecsService')) {
    const v = str(row.r, 'taskDefinition');
    const ref = v !== undefined && v !== UNKNOWN ? taskRefs.get(v) ?? taskRefs.get(v.replace(/^arn:.*:task-definition\//, '').replace(/:\d+$/, '')) : undefined;
    const td = ref ?? edgeTargets(row, 'taskDefinition').find((u) => taskRoles.has(u));
    if (td === undefined) continue;
    const name = awsName(row.r, 'name', 'serviceName');
    for (const role of taskRoles.get(td) ?? []) add(role, { kind: 'ecs-service', name, urn: row.r.urn });
  }
  for (const row of rows(ctxs, 'podIdentity')) {
    const role = resolveRole(row, str(row.r, 'roleArn'), 'roleArn');
    const ns = knownStr(row.r, 'namespace');
    const sa = knownStr(row.r, 'serviceAccount');
    if (sa) add(role, { kind: 'eks-service-account', name: ns && ns !== sa ? `${ns}/${sa}` : sa, urn: row.r.urn });
  }
  for (const r of roles) {
    const sa = r.trust.eks?.serviceAccount;
    if (sa) add(r.urn, { kind: 'eks-service-account', name: r.trust.eks?.namespace && r.trust.eks.namespace !== sa ? `${r.trust.eks.namespace}/${sa}` : sa });
    for (const p of r.instanceProfiles) add(r.urn, { kind: 'ec2-instance-profile', name: p });
  }
  for (const [role, ws] of out) {
    const seen = new Set<string>();
    out.set(
      role,
      ws
        .filter((w) => (seen.has(`${w.kind}\u0000${w.name}`) ? false : (seen.add(`${w.kind}\u0000${w.name}`), true)))
        .sort((a, b) => WORKLOAD_ORDER.indexOf(a.kind) - WORKLOAD_ORDER.indexOf(b.kind) || compareStrings(a.name, b.name)),
    );
  }
  return out;
}

/** Seconds from `900`, `900s`, `15m`, `1h`; undefined when not a duration. */
export function ttlSeconds(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^\s*(\d+)\s*(s|sec|m|min|h)?\s*$/i.exec(v);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  return unit.startsWith('h') ? n * 3600 : unit.startsWith('m') ? n * 60 : n;
}

export interface ServicesResult {
  readonly roles: Role[];
  readonly services: Service[];
}

/** The roles with their workloads, service and cache TTL, and the services they make up. */
export function buildServices(
  ctxs: readonly GraphCtx[],
  roles: readonly Role[],
  functions: readonly LambdaFunction[],
  resolveRole: ResolveRole,
  knownEnvs: ReadonlySet<string>,
): ServicesResult {
  const workloads = workloadsByRole(ctxs, roles, functions, resolveRole);
  const rotationRoles = new Set(functions.filter((f) => f.purpose === 'rotation' && f.roleUrn).map((f) => f.roleUrn!));
  const ctxOf = new Map(ctxs.map((c) => [c.stack, c]));
  const services = new Map<string, Mutable<Service> & { roles: string[] }>();
  const out: Role[] = roles.map((r) => {
    const role: Mutable<Role> = { ...r, workloads: workloads.get(r.urn) ?? [] };
    const ttl = ttlSeconds(tag(r.tags, 'SecretCacheTtl'));
    if (ttl !== undefined) role.secretCacheTtlSeconds = ttl;
    const g = ctxOf.get(r.stack)!;
    const svcTag = tag(r.tags, 'Service');
    const rotation = rotationRoles.has(r.urn);
    const workload = rotation ? undefined : role.workloads[0];
    let id: string | undefined;
    let derivedFrom: Service['derivedFrom'] = 'workload';
    if (workload !== undefined) id = serviceFromRoleName(workloadBaseName(workload), g, knownEnvs);
    if (id === undefined && svcTag && svcTag !== UNKNOWN && svcTag.trim() !== '') {
      id = slugify(svcTag);
      derivedFrom = 'tag';
    }
    if (id === undefined && !rotation) {
      id = serviceFromRoleName(r.name, g, knownEnvs);
      derivedFrom = 'role-name';
    }
    if (id === undefined || id === '') return role;
    role.service = id;
    const key = `${r.stack}\u0000${id}`;
    let svc = services.get(key);
    if (!svc) {
      const named = tag(r.tags, 'ServiceName');
      const display =
        named && named !== UNKNOWN ? named : svcTag && derivedFrom === 'tag' && /[A-Z\s]/.test(svcTag) ? svcTag.trim() : displayName(id);
      svc = { id, name: display, stack: r.stack, roles: [], derivedFrom };
      services.set(key, svc);
    }
    svc.roles.push(r.urn);
    return role;
  });
  const list: Service[] = [...services.values()].map((s) => ({ ...s, roles: s.roles.sort(compareStrings) }));
  return { roles: out, services: list.sort((a, b) => compareStrings(a.stack, b.stack) || compareStrings(a.name, b.name) || compareStrings(a.id, b.id)) };
}
