import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build.ts';
import { graphFromStateDocument } from '../../diagrams/sources/state.ts';
import { syntheticExport } from '../../scripts/bench/synthetic.ts';

describe('scale', () => {
  it('a 10,000-parameter / 1,000-secret / 100-role estate builds with access analysis in seconds', () => {
    const graph = graphFromStateDocument(syntheticExport({ parameters: 10_000, secrets: 1_000, services: 34 }), 'synthetic');
    const t0 = performance.now();
    const e = buildEstate([graph]);
    const ms = performance.now() - t0;
    process.stderr.write(`buildEstate (10k parameters, 1k secrets, ${e.roles.length} roles): ${ms.toFixed(0)} ms\n`);
    expect(e.parameters).toHaveLength(10_000);
    expect(e.secrets).toHaveLength(1_000);
    expect(e.roles.length).toBeGreaterThanOrEqual(100);
    const envOf = new Map(e.parameters.map((p) => [p.urn, p.environment]));
    // environment-scoped policies: each service role reads only its own environment
    for (const a of e.access) {
      const role = e.roles.find((r) => r.urn === a.roleUrn)!;
      const env = role.tags['Environment'];
      if (env === undefined) continue;
      for (const p of a.parameters) expect(envOf.get(p.resourceUrn)).toBe(env);
    }
    expect(e.access.some((a) => a.parameters.length > 0)).toBe(true);
    // generous bound: the machine is shared; warm runs take well under a second
    expect(ms).toBeLessThan(15_000);
  });
});
