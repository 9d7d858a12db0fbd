/**
 * Workloads and services (build/services.ts): a role's workloads are what assumes it; a service is
 * named after its role's workload (Lambda function, ECS service or task definition, EKS service
 * account, EC2 instance profile), else the role's Service tag, else the role's name. A secret cache
 * TTL only where a role declares it (tag SecretCacheTtl).
 */
import { describe, expect, it } from 'vitest';
import { ttlSeconds } from '../../../diagrams/estate/build/services.ts';
import type { Estate } from '../../../diagrams/estate/model.ts';
import { EstateFixture } from '../../fixtures/estates.ts';
import { named } from '../helpers.ts';

function serviceOf(e: Estate, role: string): { id?: string; name?: string; derivedFrom?: string } {
  const r = named(e.roles, role);
  const svc = e.services.find((s) => s.id === r.service && s.stack === r.stack);
  return { ...(r.service !== undefined ? { id: r.service } : {}), ...(svc ? { name: svc.name, derivedFrom: svc.derivedFrom } : {}) };
}

describe('services named after the workload that assumes the role', () => {
  const f = new EstateFixture('shop');
  const s = f.stack('prod');
  const fnRole = s.role('generic-role-1a2b3c4d', { tags: { Service: 'not-this' } });
  s.lambda('orders-handler-9f8e7d6c', fnRole);
  const task = s.role('task-role-x', { trust: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const exec = s.role('exec-role-x', { trust: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  const td = s.taskDefinition('billing-task', [], { taskRole: task, executionRole: exec });
  s.ecsService('billing', td);
  const reportExec = s.role('report-exec-x', { trust: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
  s.taskDefinition('report-task', [], { executionRole: reportExec });
  s.role('k8s-role-1', { trust: { eks: { namespace: 'payments', serviceAccount: 'payments-api' } } });
  const podRole = s.role('pod-role-2', { trust: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] });
  s.add('aws:eks/podIdentityAssociation:PodIdentityAssociation', 'search-pia', { clusterName: 'main', namespace: 'search', serviceAccount: 'indexer', roleArn: podRole.arn }, { id: 'main,a-1' });
  const ec2 = s.role('instance-role-3', { trust: 'ec2' });
  s.instanceProfile('batch-runner-profile', ec2);
  const e = f.estate();

  it('a Lambda function (its random suffix dropped), before the role\'s Service tag', () => {
    expect(named(e.roles, 'generic-role-1a2b3c4d').workloads).toEqual([{ kind: 'lambda', name: 'orders-handler-9f8e7d6c', urn: s.urn('aws:lambda/function:Function', 'orders-handler-9f8e7d6c') }]);
    expect(serviceOf(e, 'generic-role-1a2b3c4d')).toEqual({ id: 'orders-handler', name: 'Orders Handler', derivedFrom: 'workload' });
  });

  it('an ECS service names the task and execution roles of its task definition', () => {
    expect(named(e.roles, 'task-role-x').workloads.map((w) => [w.kind, w.name])).toEqual([['ecs-service', 'billing'], ['ecs-task', 'billing-task']]);
    expect(serviceOf(e, 'task-role-x')).toEqual({ id: 'billing', name: 'Billing', derivedFrom: 'workload' });
    expect(serviceOf(e, 'exec-role-x').id).toBe('billing');
    expect(e.services.filter((x) => x.id === 'billing').map((x) => x.roles)).toEqual([[exec.urn, task.urn].sort()]);
  });

  it('a task definition without a service names its execution role after the family', () => {
    expect(named(e.roles, 'report-exec-x').workloads.map((w) => [w.kind, w.name])).toEqual([['ecs-task', 'report-task (execution role)']]);
    expect(serviceOf(e, 'report-exec-x')).toEqual({ id: 'report', name: 'Report', derivedFrom: 'workload' });
  });

  it('an EKS service account: from the IRSA trust, and from a Pod Identity association', () => {
    expect(named(e.roles, 'k8s-role-1').workloads).toEqual([{ kind: 'eks-service-account', name: 'payments/payments-api' }]);
    expect(serviceOf(e, 'k8s-role-1')).toEqual({ id: 'payments-api', name: 'Payments API', derivedFrom: 'workload' });
    expect(named(e.roles, 'pod-role-2').workloads.map((w) => [w.kind, w.name])).toEqual([['eks-service-account', 'search/indexer']]);
    expect(serviceOf(e, 'pod-role-2').id).toBe('indexer');
  });

  it('an EC2 instance profile', () => {
    expect(named(e.roles, 'instance-role-3').workloads).toEqual([{ kind: 'ec2-instance-profile', name: 'batch-runner-profile' }]);
    expect(serviceOf(e, 'instance-role-3')).toEqual({ id: 'batch-runner', name: 'Batch Runner', derivedFrom: 'workload' });
  });
});

describe('services without a workload', () => {
  const f = new EstateFixture('app');
  const s = f.stack('prod');
  s.role('x-7', { tags: { Service: 'Risk Engine' } });
  s.role('app-prod-reporting-role');
  s.role('search-a', { tags: { Service: 'search', ServiceName: 'Search suite' } });
  s.role('search-b', { tags: { Service: 'search' } });
  s.role('role');
  const rot = s.role('app-prod-rotation-role');
  const fn = s.lambda('app-prod-rotation', rot);
  s.secret('app/prod/db', { rotationDays: 30, rotationLambda: fn });
  const tagged = s.role('tagged-rotation-role', { tags: { Service: 'secret-rotation' } });
  const fn2 = s.lambda('tagged-rotation', tagged);
  s.secret('app/prod/api', { rotationDays: 30, rotationLambda: fn2 });
  const e = f.estate();

  it('the Service tag (its own spelling, or ServiceName, as the display name; roles of one service together), else the role name without project, stack and -role', () => {
    expect(serviceOf(e, 'x-7')).toEqual({ id: 'risk-engine', name: 'Risk Engine', derivedFrom: 'tag' });
    expect(serviceOf(e, 'app-prod-reporting-role')).toMatchObject({ id: 'reporting', derivedFrom: 'role-name' });
    expect(named(e.services, 'Search suite')).toMatchObject({ id: 'search', derivedFrom: 'tag', roles: [named(e.roles, 'search-a').urn, named(e.roles, 'search-b').urn] });
  });

  it('a role whose name leaves nothing has no service; a rotation role only by its tag', () => {
    expect(named(e.roles, 'role').service).toBeUndefined();
    expect(named(e.roles, 'app-prod-rotation-role').service).toBeUndefined();
    expect(serviceOf(e, 'tagged-rotation-role')).toEqual({ id: 'secret-rotation', name: 'Secret Rotation', derivedFrom: 'tag' });
  });
});

describe('secret cache TTL: only where declared', () => {
  it('the SecretCacheTtl tag in seconds, or with a unit; nothing otherwise', () => {
    const f = new EstateFixture();
    const s = f.stack('prod');
    s.role('a', { tags: { SecretCacheTtl: '15m' } });
    s.role('b', { tags: { SecretCacheTtl: '300' } });
    s.role('c', { tags: { SecretCacheTtl: 'soon' } });
    s.role('d');
    const e = f.estate();
    expect(e.roles.map((r) => [r.name, r.secretCacheTtlSeconds])).toEqual([['a', 900], ['b', 300], ['c', undefined], ['d', undefined]]);
  });

  it('ttlSeconds', () => {
    expect([ttlSeconds('900'), ttlSeconds('900s'), ttlSeconds('2 min'), ttlSeconds('1h'), ttlSeconds('0')]).toEqual([900, 900, 120, 3600, 0]);
    expect([ttlSeconds(undefined), ttlSeconds(''), ttlSeconds('15 minutes'), ttlSeconds('-5')]).toEqual([undefined, undefined, undefined, undefined]);
  });
});
