/**
 * The access matrix: one column per role up to a threshold, one row per role beyond it (a stack
 * with thousands of roles cannot be read as columns), and fast on a big estate.
 */

import { describe, expect, it } from 'vitest';
import { loadTemplates } from '../../diagrams/docs/markdown.ts';
import { buildPageModel, MATRIX_MAX_ROLE_COLUMNS } from '../../diagrams/docs/viewmodel.ts';
import type { AccessEntry, Estate, Parameter, Role, RoleAccess } from '../../diagrams/estate/model.ts';
import { makeEstate } from './fixture.ts';

const formats = { svg: false, png: false, d2: false };

describe('access matrix', () => {
  it('is transposed (one row per role that reaches anything) past the threshold, and says so', async () => {
    const estate = makeEstate();
    const t = await loadTemplates();
    const wide = buildPageModel({ estate, stack: 'prod', views: [], findings: [], formats });
    expect(wide.matrix.header.startsWith('| Resource | risk-api-role |')).toBe(true);
    const page = buildPageModel({ estate, stack: 'prod', views: [], findings: [], formats, matrixMaxRoleColumns: 0 });
    expect(page.matrix.header.split('\n')[0]).toBe('| Role | Service | Parameters | Secrets | KMS keys |');
    expect(page.matrix.rows).toHaveLength(1);
    const row = page.matrix.rows[0]!;
    expect(row).toContain('`/mono-repo/prod/database/*` read 2/2');
    expect(row).toContain('`/mono-repo/prod/services/*` read 1/1');
    expect(row).toContain('`mono-repo/prod/rds/*` read 1/1');
    expect(row).not.toContain('jwt');
    expect(row).toContain('`alias/mono-repo-parameter-store-key` (stack shared) decrypt via ssm');
    const out = t.renderPage(page);
    expect(out).toContain('too many for one column each, so the matrix is transposed');
    expect(out).not.toContain('Who can reach what');
  });

  it('keeps one column per role up to the threshold', () => {
    expect(MATRIX_MAX_ROLE_COLUMNS).toBe(40);
  });

  it('builds a 2,000-role, 20,000-parameter matrix in seconds at most, listing only roles that reach something', () => {
    const base = makeEstate();
    const template = base.roles.find((r) => r.stack === 'prod')!;
    const params: Parameter[] = [];
    for (let i = 0; i < 20_000; i++) {
      const folder = `f${String(i % 200).padStart(3, '0')}`;
      const path = `/mono-repo/prod/${folder}/p${i}`;
      params.push({ ...base.parameters[2]!, urn: `urn:pulumi:prod::mono-repo::aws:ssm/parameter:Parameter::${path}`, name: path, path, leaf: `p${i}`, segments: ['mono-repo', 'prod', folder, `p${i}`] } as Parameter);
    }
    const byFolder: Parameter[][] = Array.from({ length: 200 }, (_, f) => params.filter((_, i) => i % 200 === f));
    const roles: Role[] = [];
    const access: RoleAccess[] = [];
    for (let r = 0; r < 2_000; r++) {
      const role = { ...template, urn: `${template.urn}-${r}`, name: `role-${String(r).padStart(4, '0')}` } as Role;
      roles.push(role);
      if (r % 2 === 1) continue; // half the roles reach nothing
      const entries: AccessEntry[] = byFolder[r % 200]!.map((p) => ({ resourceUrn: p.urn, actions: ['ssm:GetParameter'], conditions: [], certainty: 'known', grantedBy: [] }));
      access.push({ roleUrn: role.urn, parameters: entries, parameterPrefixes: [], secretValues: [], secretMetadata: [], secretWrites: [], keys: [], notes: [] });
    }
    const estate: Estate = { ...base, parameters: params, secrets: [], roles, policies: [], access };
    const t0 = performance.now();
    const page = buildPageModel({ estate, stack: 'prod', views: [], findings: [], formats });
    const ms = performance.now() - t0;
    expect(page.matrix.rows).toHaveLength(1_000);
    expect(page.matrix.rows[0]).toBe('| role-0000 | risk-api | `/mono-repo/prod/f000/*` read 100/100 | — | — |');
    expect(page.matrixIntro).toContain('1000 roles that reach nothing are left out');
    expect(ms).toBeLessThan(3_000);
  });
});
