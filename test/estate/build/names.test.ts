/** Names derived from names (build/names.ts): display names, slugs, secret categories, services from role names. */
import { describe, expect, it } from 'vitest';
import { displayName, secretCategory, serviceFromRoleName, slugify } from '../../../diagrams/estate/build/names.ts';

const ENVS = new Set(['dev', 'uat', 'prod']);
const G = { project: 'mono-repo', stackName: 'prod', environment: 'prod' };

describe('names', () => {
  it('displayName: words capitalised, known abbreviations upper-case', () => {
    expect(['risk-api', 'web-app', 'dash_analytics', 'eks.ci-db', 'ops'].map(displayName)).toEqual(['Risk API', 'Web App', 'Dash Analytics', 'EKS CI DB', 'Ops']);
  });

  it('slugify: camelCase and spaces to kebab case', () => {
    expect(['Risk Engine', 'dashAnalytics', '  --Odd__Name!! ', 'API'].map(slugify)).toEqual(['risk-engine', 'dash-analytics', 'odd-name', 'api']);
  });

  it('secretCategory: the Category tag (a word of it), else the first telling segment after the environment', () => {
    expect(secretCategory('mono/prod/rds/app-user', {}, ENVS)).toBe('database');
    expect(secretCategory('mono/prod/encryption/data-key', {}, ENVS)).toBe('application');
    expect(secretCategory('mono/prod/airflow/fernet-key', {}, ENVS)).toBe('service');
    expect(secretCategory('stuff', {}, ENVS)).toBe('other');
    expect(secretCategory('mono/prod/rds/x', { category: 'Service' }, ENVS)).toBe('service');
    expect(secretCategory('x', { Category: 'postgres-credentials' }, ENVS)).toBe('database');
    // the project segment before the environment does not count
    expect(secretCategory('api/prod/thing', {}, ENVS)).toBe('other');
  });

  it('serviceFromRoleName: without project, stack, environment, role and workload suffixes, or Pulumi\'s random suffix', () => {
    const of = (n: string) => serviceFromRoleName(n, G, ENVS);
    expect(of('mono-repo-prod-risk-api-role')).toBe('risk-api');
    expect(of('risk-api-prod')).toBe('risk-api');
    expect(of('ops-runner-prod-instance-profile')).toBe('ops-runner');
    expect(of('billing-task-definition')).toBe('billing');
    expect(of('orders-function-1a2b3c4')).toBe('orders');
    expect(of('DashAnalyticsRole')).toBe('dash-analytics');
    expect(of('mono-repo-1-instanceRole-role-c72d9be')).toBe('mono-repo-1-instance');
    expect(of('mono-repo-prod-role')).toBeUndefined();
    expect(of('role')).toBeUndefined();
  });
});
