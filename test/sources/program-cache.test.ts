/**
 * The program graph cache: a warm program source is answered from disk, byte-identical and
 * deep-frozen, without the Pulumi SDK or the YAML parser; any input change, a corrupt entry or a
 * malformed one falls back to running the program.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { RenderCache } from '../../diagrams/cache/index.ts';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { loadGraphs } from '../../diagrams/sources/index.ts';
import { programCacheKey, programWillRun, writeCachedGraphs } from '../../diagrams/sources/program/cache.ts';
import { readProject, runProgram } from '../../diagrams/sources/program/index.ts';
import { tempDir } from './helpers.ts';

const FIXTURE = 'test/fixtures/program';

/** A copy of the fixture program in a temporary directory (node_modules linked, so it resolves the SDK). */
function copyFixture(): string {
  const dir = tempDir('e9-program-');
  for (const f of ['Pulumi.yaml', 'Pulumi.dev.yaml', 'Pulumi.shared.yaml', 'index.ts']) copyFileSync(join(FIXTURE, f), join(dir, f));
  symlinkSync(join(process.cwd(), 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function entryFile(cacheDir: string, key: string): string {
  return join(cacheDir, 'graph', key.slice(0, 2), `${key}.graph`);
}

function allFrozen(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return true;
  return Object.isFrozen(v) && Object.values(v).every(allFrozen);
}

describe('program graph cache', () => {
  let proj: string;
  let cacheDir: string;
  let fresh: ResourceGraph[];
  let key: string;

  beforeAll(async () => {
    proj = copyFixture();
    cacheDir = join(tempDir('e9-cache-'), 'cache');
    fresh = await runProgram('.', { cwd: proj });
    key = programCacheKey(readProject('.', proj), ['dev', 'shared']);
  }, 120_000);

  it('stores a run and answers the next one from disk: byte-identical, deep-frozen, new objects', async () => {
    expect(await programWillRun(cacheDir, proj, '.', undefined)).toBe(true);
    const first = await loadGraphs({ program: '.', cwd: proj, cacheDir });
    // The probe the pipeline uses to start the renderers during a program run.
    expect(await programWillRun(cacheDir, proj, '.', undefined)).toBe(false);
    expect(await programWillRun(cacheDir, proj, '.', ['dev'])).toBe(true);
    expect(await programWillRun(undefined, proj, '.', undefined)).toBe(true);
    expect(await programWillRun(cacheDir, join(proj, 'no-such-dir'), 'no-such-dir', undefined)).toBe(false);
    expect(JSON.stringify(first)).toBe(JSON.stringify(fresh));
    expect(existsSync(entryFile(cacheDir, key))).toBe(true);
    const second = await loadGraphs({ program: '.', cwd: proj, cacheDir });
    expect(second[0]).not.toBe(first[0]);
    expect(JSON.stringify(second)).toBe(JSON.stringify(fresh));
    expect(second.map((g) => g.stack.stack)).toEqual(['dev', 'shared']);
    expect(second.every(allFrozen)).toBe(true);
    expect(() => {
      (second[0]!.resources[0]!.inputs as Record<string, unknown>).x = 1;
    }).toThrow(TypeError);
  }, 120_000);

  it('reads what the entry holds (a planted entry is returned as is)', async () => {
    const planted = JSON.parse(JSON.stringify(fresh)) as { stack: { source: { location: string } } }[];
    for (const g of planted) g.stack.source.location = 'planted';
    await writeCachedGraphs(cacheDir, key, planted as unknown as ResourceGraph[]);
    const got = await runProgram('.', { cwd: proj, cacheDir });
    expect(got.map((g) => g.stack.source.location)).toEqual(['planted', 'planted']);
    await writeCachedGraphs(cacheDir, key, fresh);
  });

  it('ignores a corrupt or malformed entry, runs the program and replaces the entry', async () => {
    writeFileSync(entryFile(cacheDir, key), 'garbage');
    expect(JSON.stringify(await runProgram('.', { cwd: proj, cacheDir }))).toBe(JSON.stringify(fresh));
    expect((await new RenderCache(cacheDir).get('graph', key))?.toString('utf8')).toContain('"graphs"');
    // A valid checksum around a payload that is not a graph list.
    await new RenderCache(cacheDir).put('graph', key, Buffer.from(JSON.stringify({ format: 'program-graphs/1', graphs: [{ stack: 1 }, {}] })));
    expect(JSON.stringify(await runProgram('.', { cwd: proj, cacheDir }))).toBe(JSON.stringify(fresh));
  }, 120_000);

  it('a hit loads neither the Pulumi SDK nor the YAML parser; a miss in the same process does', () => {
    const src = pathToFileURL(join(process.cwd(), 'diagrams/sources/index.ts')).href;
    const probe = join(tempDir('e9-probe-'), 'probe.mts');
    writeFileSync(
      probe,
      [
        `import { createRequire } from 'node:module';`,
        `const { loadGraphs } = await import(${JSON.stringify(src)});`,
        `const loaded = (s) => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes(s));`,
        `const opts = { program: '.', cwd: ${JSON.stringify(proj)}, cacheDir: ${JSON.stringify(cacheDir)} };`,
        `const hit = await loadGraphs(opts);`,
        `const afterHit = { sdk: loaded('/@pulumi/pulumi/'), yaml: loaded('/node_modules/yaml/') };`,
        `await loadGraphs({ ...opts, stacks: ['shared'] });`,
        `const afterMiss = { sdk: loaded('/@pulumi/pulumi/'), yaml: loaded('/node_modules/yaml/') };`,
        `console.log(JSON.stringify({ afterHit, afterMiss, json: JSON.stringify(hit) }));`,
      ].join('\n'),
    );
    const out = execFileSync(join(process.cwd(), 'node_modules/.bin/tsx'), [probe], { cwd: process.cwd(), encoding: 'utf8' });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { afterHit: unknown; afterMiss: unknown; json: string };
    expect(r.afterHit).toEqual({ sdk: false, yaml: false });
    expect(r.afterMiss).toEqual({ sdk: true, yaml: true });
    expect(r.json).toBe(JSON.stringify(fresh));
  }, 120_000);

  it('the key covers the program, its config, lockfile and the stacks asked; not node_modules or dot-directories', () => {
    const dir = copyFixture();
    const k = (stacks = ['dev', 'shared']) => programCacheKey(readProject('.', dir), stacks);
    const base = k();
    expect(k(['dev'])).not.toBe(base);
    expect(k(['shared', 'dev'])).not.toBe(base);
    mkdirSync(join(dir, 'lib', 'node_modules'), { recursive: true });
    writeFileSync(join(dir, 'lib', 'node_modules', 'x.js'), 'x');
    mkdirSync(join(dir, '.cache'));
    writeFileSync(join(dir, '.cache', 'y'), 'y');
    expect(k()).toBe(base);
    const changes: [string, () => void][] = [
      ['main module', () => appendFileSync(join(dir, 'index.ts'), '\n// changed\n')],
      ['a file in a subdirectory', () => writeFileSync(join(dir, 'lib', 'helper.ts'), 'export {};\n')],
      ['stack config', () => appendFileSync(join(dir, 'Pulumi.dev.yaml'), '\n# changed\n')],
      ['project file', () => appendFileSync(join(dir, 'Pulumi.yaml'), '\n# changed\n')],
      ['a new stack file', () => writeFileSync(join(dir, 'Pulumi.uat.yaml'), 'config: {}\n')],
      ['lockfile', () => writeFileSync(join(dir, 'package-lock.json'), '{}')],
    ];
    const seen = new Set([base]);
    for (const [what, change] of changes) {
      change();
      const next = k();
      expect(seen.has(next), what).toBe(false);
      seen.add(next);
    }
    expect(readFileSync(join(dir, 'index.ts'), 'utf8')).toContain('changed');
  });

  it('a changed input is a miss: the program runs again and sees the change', async () => {
    const dir = copyFixture();
    const dirCache = join(tempDir('e9-cache-'), 'cache');
    const before = await runProgram('.', { cwd: dir, cacheDir: dirCache, stacks: ['shared'] });
    writeFileSync(join(dir, 'Pulumi.shared.yaml'), readFileSync(join(dir, 'Pulumi.shared.yaml'), 'utf8').replace('alerts@example.com', 'other@example.com'));
    const after = await runProgram('.', { cwd: dir, cacheDir: dirCache, stacks: ['shared'] });
    const endpoint = (gs: ResourceGraph[]) => gs[0]!.resources.find((r) => r.type === 'aws:sns/topicSubscription:TopicSubscription')!.inputs.endpoint;
    expect(endpoint(before)).toBe('alerts@example.com');
    expect(endpoint(after)).toBe('other@example.com');
  }, 120_000);
});
