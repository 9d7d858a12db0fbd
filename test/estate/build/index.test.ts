/** buildEstate (build/index.ts): pure, deeply frozen, sorted once, the same whatever the order of the graphs. */
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../../diagrams/estate/build/index.ts';
import { allow, EstateFixture } from '../../fixtures/estates.ts';

function graphs() {
  const f = new EstateFixture('mono');
  const shared = f.stack('shared');
  const key = shared.key('params');
  shared.trail('trail', { key });
  const prod = f.stack('prod');
  prod.stackReference('organization/mono/shared');
  prod.parameter('/mono/prod/z', { type: 'SecureString', key });
  prod.parameter('/mono/prod/a');
  const role = prod.role('mono-prod-api');
  prod.policy('mono-prod-api-read', [allow('ssm:GetParameter', prod.paramArn('/mono/prod/*'))], { roles: [role] });
  prod.secret('mono/prod/db', { key });
  return f.graphs();
}

describe('buildEstate', () => {
  it('never mutates its input; the estate is deeply frozen and sorted', () => {
    const gs = graphs();
    const before = JSON.stringify(gs);
    const e = buildEstate(gs);
    expect(JSON.stringify(gs)).toBe(before);
    expect(Object.isFrozen(e)).toBe(true);
    expect(Object.isFrozen(e.parameters[0]!.segments)).toBe(true);
    expect(Object.isFrozen(e.access[0]!.parameters)).toBe(true);
    expect(e.stacks.map((s) => s.key)).toEqual(['prod', 'shared']);
    expect(e.parameters.map((p) => p.name)).toEqual(['/mono/prod/a', '/mono/prod/z']);
    expect(e.access.map((a) => a.principal)).toEqual([...e.access.map((a) => a.principal)].sort());
  });

  it('the same estate whatever the order of the graphs', () => {
    const gs = graphs();
    expect(JSON.stringify(buildEstate([...gs].reverse()))).toBe(JSON.stringify(buildEstate(gs)));
  });

  it('an estate of no graphs is empty', () => {
    const e = buildEstate([]);
    expect([e.stacks, e.parameters, e.roles, e.access, e.exposures]).toEqual([[], [], [], [], []]);
  });
});
