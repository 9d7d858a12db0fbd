/**
 * Warm-run caching in the pipeline: rendered Markdown pages come from the cache (keyed by the
 * template files and the page model), so a warm run needs no Handlebars; template changes, broken
 * templates and a missing --templates directory are still seen.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { generate, type Components, type PipelineOptions } from '../../diagrams/pipeline.ts';
import { fakeCost, fakeFindings, fakeViews, makeEstate } from './fixture.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'e9-pipeline-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function components(): Components {
  const estate = makeEstate();
  return {
    loadGraphs: async () => ['dev', 'prod'].map((s) => ({ stack: { stack: s } }) as unknown as ResourceGraph),
    buildEstate: () => estate,
    evaluateRules: (_e, s) => fakeFindings(s),
    failsAt: () => false,
    estimateCost: (_e, s) => fakeCost(s),
    views: fakeViews,
    startSvg: async () => ({ render: async (d2: string) => `<svg><!-- ${d2} --></svg>`, close: async () => undefined }),
    launchPng: async () => ({ render: async (svg: string) => Buffer.from(svg), close: async () => undefined }),
    svgIdentity: async () => 'svg',
    pngIdentity: async () => 'png',
  };
}

const opts = (extra: Partial<PipelineOptions> = {}): PipelineOptions => ({
  source: {},
  out: path.join(dir, 'out'),
  formats: ['md'],
  cacheDir: path.join(dir, 'cache'),
  ...extra,
});

const read = (rel: string) => fs.readFile(path.join(dir, 'out', rel), 'utf8');

describe('pipeline markdown cache', () => {
  it('a warm run gives the same pages; a changed user template is followed', async () => {
    const tpl = path.join(dir, 'tpl');
    await fs.mkdir(tpl);
    await fs.writeFile(path.join(tpl, 'index.hbs'), 'INDEX-A {{title}}\n');
    await generate(opts({ templates: tpl }), components());
    const cold = [await read('README.md'), await read('dev/README.md')];
    expect(cold[0]).toContain('INDEX-A');
    // Out of the way: the warm pages must come back identical, from the cache or not.
    await fs.rm(path.join(dir, 'out'), { recursive: true });
    const warm = await generate(opts({ templates: tpl }), components());
    expect(warm.written).toContain('README.md');
    expect([await read('README.md'), await read('dev/README.md')]).toEqual(cold);
    await fs.writeFile(path.join(tpl, 'index.hbs'), 'INDEX-B {{title}}\n');
    await generate(opts({ templates: tpl }), components());
    expect(await read('README.md')).toContain('INDEX-B');
    expect(await read('dev/README.md')).toBe(cold[1]);
  });

  it('a broken template fails even when every page is cached; so does a missing --templates directory', async () => {
    const tpl = path.join(dir, 'tpl');
    await fs.mkdir(tpl);
    await generate(opts({ templates: tpl }), components());
    await fs.writeFile(path.join(tpl, 'index.hbs'), '{{#if title}}\nunclosed\n');
    await expect(generate(opts({ templates: tpl }), components())).rejects.toThrow(/index\.hbs/);
    await fs.rm(tpl, { recursive: true });
    await expect(generate(opts({ templates: tpl }), components())).rejects.toThrow(/not a directory/);
  });

  it('a warm run does not load Handlebars; a cold one does', () => {
    const pipeline = pathToFileURL(path.join(process.cwd(), 'diagrams/pipeline.ts')).href;
    const fixture = pathToFileURL(path.join(process.cwd(), 'test/docs/fixture.ts')).href;
    const probe = path.join(dir, 'probe.mts');
    const body = [
      `import { createRequire } from 'node:module';`,
      `const { generate } = await import(${JSON.stringify(pipeline)});`,
      `const { fakeCost, fakeFindings, fakeViews, makeEstate } = await import(${JSON.stringify(fixture)});`,
      `const estate = makeEstate();`,
      `const c = { loadGraphs: async () => ['dev', 'prod'].map((s) => ({ stack: { stack: s } })), buildEstate: () => estate,`,
      `  evaluateRules: (_e, s) => fakeFindings(s), failsAt: () => false, estimateCost: (_e, s) => fakeCost(s), views: fakeViews,`,
      `  startSvg: async () => { throw new Error('no svg'); }, launchPng: async () => { throw new Error('no png'); },`,
      `  svgIdentity: async () => 'svg', pngIdentity: async () => 'png' };`,
      `await generate({ source: {}, out: ${JSON.stringify(path.join(dir, 'out'))}, formats: ['md'], cacheDir: ${JSON.stringify(path.join(dir, 'cache'))} }, c);`,
      `console.log(JSON.stringify({ handlebars: Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/handlebars/')) }));`,
    ].join('\n');
    return fs.writeFile(probe, body).then(() => {
      const run = () => JSON.parse(execFileSync(path.join(process.cwd(), 'node_modules/.bin/tsx'), [probe], { encoding: 'utf8' }).trim().split('\n').pop()!) as { handlebars: boolean };
      expect(run()).toEqual({ handlebars: true });
      expect(run()).toEqual({ handlebars: false });
    });
  }, 60_000);
});
