/**
 * The seed files of a fuzz run: every corpus file (test/fixtures/corpus/) and a `pulumi stack export`
 * (v3) of each stack of the built-in program, made from its graph under mocks (secrets back in
 * envelopes, dependencies and provider references as the engine writes them).
 */

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECRET_SIG, SIG_KEY } from '../../diagrams/graph/redact.ts';
import { REDACTED, type JsonValue, type ResourceGraph } from '../../diagrams/graph/types.ts';
import { CORPUS_DIR } from '../../test/corpus.ts';
import type { SeedFile } from './mutate.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function corpusSeeds(dir = CORPUS_DIR): SeedFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const bytes = readFileSync(path.join(dir, f));
      const doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
      return { name: `corpus/${f}`, kind: Array.isArray(doc.steps) ? 'preview' : 'state', bytes };
    });
}

/** REDACTED values back as secret envelopes (ciphertext only), as a real export holds them. */
function withEnvelopes(v: JsonValue): unknown {
  if (v === REDACTED) return { [SIG_KEY]: SECRET_SIG, ciphertext: 'v1:AAAAfuzzciphertext' };
  if (Array.isArray(v)) return v.map(withEnvelopes);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withEnvelopes(x)]));
  return v;
}

/** A `pulumi stack export` v3 document of a graph. */
export function exportOf(g: ResourceGraph): unknown {
  const ids = new Map(g.resources.map((r) => [r.urn, r.id]));
  const resources = g.resources.map((r) => {
    const deps = g.edges.filter((e) => e.from === r.urn && e.kind === 'dependency').map((e) => e.to);
    const propDeps: Record<string, string[]> = {};
    for (const e of g.edges) if (e.from === r.urn && e.kind === 'property') (propDeps[e.property!] ??= []).push(e.to);
    return {
      urn: r.urn,
      custom: r.custom,
      ...(r.id !== undefined ? { id: r.id } : {}),
      type: r.type,
      inputs: withEnvelopes(r.inputs),
      outputs: withEnvelopes(r.outputs),
      ...(r.parent !== undefined ? { parent: r.parent } : {}),
      ...(r.protect ? { protect: true } : {}),
      ...(r.provider !== undefined ? { provider: `${r.provider}::${ids.get(r.provider) ?? 'id'}` } : {}),
      ...(deps.length > 0 ? { dependencies: deps } : {}),
      ...(Object.keys(propDeps).length > 0 ? { propertyDependencies: propDeps } : {}),
    };
  });
  return { version: 3, deployment: { manifest: { time: '2026-01-02T03:04:05Z', magic: '', version: 'v3.200.0' }, secrets_providers: { type: 'passphrase' }, resources } };
}

/** The cache directory the CLI uses (DIAGRAMS_CACHE_DIR moves it, `off` disables it). */
function programCacheDir(): string | undefined {
  const env = process.env.DIAGRAMS_CACHE_DIR;
  if (env === 'off') return undefined;
  return env || path.join(REPO_ROOT, 'node_modules', '.cache', 'mono-repo-diagrams');
}

/** Exports of every stack of the built-in program (one group: a case may document them together). */
export async function programSeeds(): Promise<SeedFile[]> {
  const { runProgram } = await import('../../diagrams/sources/program/index.ts');
  const cacheDir = programCacheDir();
  const graphs = await runProgram('.', { cwd: REPO_ROOT, ...(cacheDir !== undefined ? { cacheDir } : {}) });
  return graphs.map((g) => ({
    name: `program/${g.stack.stack}.json`,
    kind: 'state' as const,
    bytes: Buffer.from(JSON.stringify(exportOf(g)), 'utf8'),
    group: 'program',
  }));
}

/** Resource types of the seeds, for the retyping operator. */
export function seedTypes(seeds: readonly SeedFile[]): string[] {
  const types = new Set<string>();
  for (const s of seeds) for (const m of s.bytes.toString('utf8').matchAll(/"type":\s*"([a-z0-9-]+:[^"]{1,100})"/gi)) types.add(m[1]!);
  return [...types].sort();
}
