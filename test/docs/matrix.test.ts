/**
 * The access matrix: one column per principal up to a threshold, one row per principal beyond it
 * (a stack with thousands of roles cannot be read as columns), past the page limit the first rows
 * and every access in access.csv, and fast on a wide estate.
 */

import { describe, expect, it } from 'vitest';
import { buildPageModel } from '../../diagrams/docs/viewmodel.ts';
import { MATRIX_MAX_COLUMNS, PAGE_ROWS } from '../../diagrams/docs/format.ts';
import { allow, EstateFixture } from '../fixtures/estates.ts';
import { monoEstate } from '../fixtures/mono.ts';

const formats = { svg: false, png: false, d2: false };
const mono = monoEstate();
const prodPage = (matrixMaxColumns?: number) => buildPageModel({ estate: mono, stack: 'prod', views: [], findings: [], formats, ...(matrixMaxColumns !== undefined ? { matrixMaxColumns } : {}) }).model;
// Every principal of mono's prod stack reaches something of it (the audit role describes secrets).
const PROD_READERS = ['airflow-prod', 'audit-readonly-prod', 'dash-analytics-prod', 'ops-runner-prod', 'risk-api-prod', 'secrets-rotation-prod', 'web-app-build-prod'];

describe('access matrix', () => {
  it('has one column per principal that reaches the stack, up to the threshold', () => {
    expect(MATRIX_MAX_COLUMNS).toBeGreaterThanOrEqual(PROD_READERS.length);
    for (const page of [prodPage(), prodPage(PROD_READERS.length)]) {
      expect(page.matrix.header.split('\n')[0]).toBe(`| Resource | ${PROD_READERS.join(' | ')} |`);
      expect(page.matrixIntro).toMatch(/^Who can reach what/);
    }
  });

  it('is one row per principal past the threshold, and says so', () => {
    const page = prodPage(PROD_READERS.length - 1);
    expect(page.matrix.header.split('\n')[0]).toBe('| Principal | Service | Parameters | Secrets | KMS keys |');
    expect(page.matrix.rows.map((r) => r.split(' | ')[0]!.slice(2))).toEqual(PROD_READERS);
    const risk = page.matrix.rows.find((r) => r.startsWith('| risk-api-prod |'))!;
    expect(risk).toContain('`/mono-repo/prod/database/*` read 4/4');
    expect(risk).toContain('`/mono-repo/prod/api/*` read 2/2');
    expect(risk).toContain('`mono-repo/prod/api/*` read 2/2');
    expect(risk).toContain('`mono-repo/prod/rds/app-user` read');
    expect(risk).not.toContain('fernet-key');
    expect(risk).toContain('`alias/mono-repo-parameter-store-key` (stack shared) decrypt via ssm');
    expect(page.matrixIntro).toMatch(/^7 principals reach this stack's parameters, secrets or keys, too many for one column each/);
    expect(page.matrixIntro).not.toContain('left out');
  });

  it('on a wide stack lists only principals that reach something, the first rows of the page limit, and every access in access.csv, folded by folder', () => {
    const f = new EstateFixture('wide');
    const s = f.stack('prod');
    const folder = (i: number) => `/wide/prod/f${String(i % 100).padStart(3, '0')}`;
    for (let i = 0; i < 4_000; i++) s.parameter(`${folder(i)}/p${i}`);
    for (let r = 0; r < 500; r++) {
      const role = s.role(`role-${String(r).padStart(4, '0')}`, { trust: 'ec2', tags: { Service: 'svc' } });
      if (r % 2 === 0) s.policy(`read-${r}`, [allow('ssm:GetParameter', s.paramArn(`${folder(r)}/*`))], { roles: [role] });
    }
    const estate = f.estate();
    const built = buildPageModel({ estate, stack: 'prod', views: [], findings: [], formats });
    const page = built.model;
    expect(page.matrix.rows).toHaveLength(PAGE_ROWS);
    expect(page.matrix.rows[0]).toBe('| role-0000 | svc | `/wide/prod/f000/*` read 40/40 | — | — |');
    expect(page.matrix.rows[1]).toBe('| role-0002 | svc | `/wide/prod/f002/*` read 40/40 | — | — |');
    expect(page.matrixIntro).toContain('250 principals of the stack that reach nothing are left out.');
    expect(page.matrixIntro).toContain(`The first ${PAGE_ROWS} are shown`);
    const accessCsv = built.attachments.find((a) => a.name === 'access.csv')!;
    // Each reader reaches one whole folder alike: one line per principal (its folder and the folder's 40 parameters), plus the header.
    const lines = accessCsv.contents.trimEnd().split('\n');
    expect(lines).toHaveLength(250 + 1);
    expect(lines[0]).toBe('principal,kind,stack,access,resource,resources,actions,certainty,via,how');
    expect(lines[1]).toBe('role-0000,role,prod,parameter,/wide/prod/f000/* (not SecureString),40,ssm:GetParameter,certain,identity:read-0,');
    expect(page.accessCsv.has).toBe(true);
  });
});
