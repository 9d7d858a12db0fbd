/** The estate at scale: a synthetic export of 10,000 parameters, 1,000 secrets and 100+ roles builds with its access analysis (speed is measured by the benchmark, not here). */
import { describe, expect, it } from 'vitest';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import { Store } from '../../diagrams/estate/store.ts';
import { graphFromStateDocument } from '../../diagrams/sources/state.ts';
import { syntheticExport } from '../../scripts/bench/synthetic.ts';

describe('scale', () => {
  it('a 10,000-parameter / 1,000-secret / 100-role estate builds with environment-scoped access', () => {
    const graph = graphFromStateDocument(syntheticExport({ parameters: 10_000, secrets: 1_000, services: 34 }), 'synthetic');
    const e = buildEstate([graph]);
    expect(e.parameters).toHaveLength(10_000);
    expect(e.secrets).toHaveLength(1_000);
    expect(e.roles.length).toBeGreaterThanOrEqual(100);
    const store = Store.of(e);
    // environment-scoped policies: each role tagged with an environment reads only that environment's parameters
    let reads = 0;
    for (const r of e.roles) {
      const env = r.tags['Environment'];
      if (env === undefined) continue;
      for (const p of store.accessOf(r.urn).parameters) {
        expect(store.parameter(p.resourceUrn).environment).toBe(env);
        reads++;
      }
    }
    expect(reads).toBeGreaterThan(0);
  });
});
