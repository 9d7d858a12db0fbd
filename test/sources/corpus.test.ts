/**
 * Every file of the public corpus loads with the resource count and AWS types SOURCES.md gives
 * (live rows only: `delete: true` and `pendingReplacement` rows are kept in metadata), or is refused
 * with a clear message (preview files given as state).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGraphs } from '../../diagrams/sources/index.ts';
import { readStateFile } from '../../diagrams/sources/state.ts';
import { getResource, typeCounts } from '../../diagrams/graph/graph.ts';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { CORPUS, rejection } from './helpers.ts';

interface Row {
  file: string;
  format: string;
  res: number;
  types: string;
}

function sources(): Row[] {
  const md = readFileSync(join(CORPUS, 'SOURCES.md'), 'utf8');
  return md
    .split('\n')
    .filter((l) => l.startsWith('| ') && l.includes('.json |'))
    .map((l) => l.split('|').map((c) => c.trim()))
    .map((c) => ({ file: c[1]!, format: c[5]!, res: Number(c[6]), types: c[7]! }));
}

/** `iam/role:Role(1)` -> ['aws:iam/role:', 1]; entries without a single count are not checked. */
function typeExpectations(types: string): [string, number][] {
  const out: [string, number][] = [];
  for (const part of types.split(/,\s*/)) {
    const m = /^([a-z0-9]+\/[a-zA-Z0-9]+)(?::[A-Za-z0-9]+)?\((\d+)\)$/.exec(part.trim());
    if (m) out.push([`aws:${m[1]}:`, Number(m[2])]);
  }
  return out;
}

const rows = sources();

describe('corpus', () => {
  it('SOURCES.md lists every corpus file', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.json'));
    expect(rows.map((r) => r.file).sort()).toEqual(files.sort());
  });

  for (const row of rows) {
    const isPreview = row.format.startsWith('preview');
    it(`${row.file}: ${row.res} resources`, async () => {
      const path = join(CORPUS, row.file);
      let g: ResourceGraph;
      if (isPreview) {
        const err = await rejection(readStateFile(path));
        expect(err.kind).toBe('input');
        expect(err.message).toContain('--preview');
        [g] = (await loadGraphs({ preview: [path] })) as [ResourceGraph];
        expect(g.resources.every((r) => r.plannedOp !== undefined)).toBe(true);
      } else {
        [g] = (await loadGraphs({ state: [path] })) as [ResourceGraph];
      }
      const { pendingDeletes, pendingReplacements } = g.metadata;
      // SOURCES counts rows; the graph holds the live ones, the rest is metadata.
      const raw = readFileSync(path, 'utf8');
      const deleteRows = (raw.match(/"delete": *true/g) ?? []).length;
      const pendingRows = (raw.match(/"pendingReplacement": *true/g) ?? []).length;
      expect(g.resources.length).toBe(row.res - deleteRows - pendingRows);
      expect(g.stack.resourceCount).toBe(g.resources.length);
      expect(pendingReplacements.length).toBe(pendingRows);
      expect(pendingDeletes.length).toBeLessThanOrEqual(deleteRows);
      if (deleteRows > 0) expect(pendingDeletes.length).toBeGreaterThan(0);

      const counts = typeCounts(g);
      for (const [prefix, n] of typeExpectations(row.types)) {
        const have = Object.entries(counts)
          .filter(([t]) => t.startsWith(prefix))
          .reduce((a, [, c]) => a + c, 0);
        expect(have, `${prefix} in ${row.file}`).toBe(n);
      }
      // Invariants: sorted, unique, edges between live resources, parents resolvable.
      const urns = g.resources.map((r) => r.urn);
      expect([...urns].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(urns);
      expect(new Set(urns).size).toBe(urns.length);
      for (const e of g.edges) {
        getResource(g, e.from);
        getResource(g, e.to);
      }
      for (const r of g.resources) if (r.parent) getResource(g, r.parent);
      expect(Object.isFrozen(g) && Object.isFrozen(g.resources) && Object.isFrozen(g.edges) && Object.isFrozen(g.metadata)).toBe(true);
      for (const r of g.resources) expect(Object.isFrozen(r)).toBe(true);
      if (g.resources[0]) expect(Object.isFrozen(g.resources[0].outputs)).toBe(true);
      expect(g.stack.stack).not.toMatch(/unknown/);
    });
  }

  it('names the project and stack from the Stack URN, the checkpoint, or the secrets provider', async () => {
    const [a] = await loadGraphs({ state: [join(CORPUS, 'private-rmq-azure-checkpoint-deletes-pendingreplacement.json')] });
    expect([a!.stack.project, a!.stack.stack, a!.stack.source.format]).toEqual(['pulumi-rabbitmq-azure', 'dev', 'checkpoint v3']);
    const [b] = await loadGraphs({ state: [join(CORPUS, 'pulumi-aws-empty-deployment-no-resources.json')] });
    expect([b!.stack.project, b!.stack.stack, b!.stack.resourceCount]).toEqual(['lambda-import-ts', 'region-import', 0]);
    const [c] = await loadGraphs({ state: [join(CORPUS, 'pulumi-checkpoint-v0-crawler.json')] });
    expect([c!.stack.project, c!.stack.stack, c!.stack.source.format]).toEqual(['countdown', 'foo', 'checkpoint v0']);
    const [d] = await loadGraphs({ state: [join(CORPUS, 'empty-checkpoint-dev.json')] });
    expect([d!.stack.stack, d!.resources.length]).toEqual(['dev', 0]);
  });

  it('keeps manifest time and version, drops zero times, records the secrets provider', async () => {
    const [a] = await loadGraphs({ state: [join(CORPUS, 'pulumi-aws-kms-key-export.json')] });
    expect(a!.stack.deployedAt).toBe('2023-11-10T17:27:06.788819-05:00');
    expect(a!.stack.pulumiVersion).toBe('v3.92.0');
    expect(a!.metadata.secretsProvider).toBe('passphrase');
    const [b] = await loadGraphs({ state: [join(CORPUS, 'pulumi-checkpoint-v4-features.json')] });
    expect(b!.stack.deployedAt).toBeUndefined();
    expect(b!.stack.source.format).toBe('checkpoint v4');
  });

  it('edges carry parents, dependencies, property names and providers (provider id stripped)', async () => {
    const [g] = await loadGraphs({ state: [join(CORPUS, 'pulumi-aws-secretversion-export.json')] });
    const kinds = new Set(g!.edges.map((e) => e.kind));
    expect(kinds).toEqual(new Set(['parent', 'dependency', 'property', 'provider']));
    const version = g!.resources.find((r) => r.type === 'aws:secretsmanager/secretVersion:SecretVersion')!;
    expect(version.provider).toMatch(/^urn:pulumi:.*::pulumi:providers:aws::[^:]+$/);
    expect(g!.edges.some((e) => e.kind === 'property' && e.from === version.urn && e.property === 'secretId')).toBe(true);
  });

  it('is deterministic: the same file gives byte-identical JSON', async () => {
    const p = join(CORPUS, 'eks-cluster-143res-ciphertext-export.json');
    const [a] = await loadGraphs({ state: [p] });
    const [b] = await loadGraphs({ state: [p] });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
