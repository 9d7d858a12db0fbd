/**
 * Warm-run caching in the pipeline: rendered Markdown pages come from the cache (keyed by the
 * template files and the page model), so a warm run needs no Handlebars; template changes, broken
 * templates and a missing --templates directory are still seen.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generate } from '../../diagrams/pipeline/index.ts';
import { tempDir } from '../fixtures/tree.ts';
import { components, options, zero } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('pipeline-md-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const opts = (extra: Parameters<typeof options>[1] = {}) => options(dir, { formats: ['md'], ...extra });
const read = (rel: string) => fs.readFile(path.join(dir, 'out', rel), 'utf8');
const c = () => components(zero());

describe('pipeline markdown cache', () => {
  it('a warm run gives the same pages; a changed user template is followed', async () => {
    const tpl = path.join(dir, 'tpl');
    await fs.mkdir(tpl);
    await fs.writeFile(path.join(tpl, 'index.hbs'), 'INDEX-A {{title}}\n');
    await generate(opts({ templates: tpl }), c());
    const cold = [await read('README.md'), await read('dev/README.md')];
    expect(cold[0]).toContain('INDEX-A');
    // Out of the way: the warm pages must come back identical, from the cache or not.
    await fs.rm(path.join(dir, 'out'), { recursive: true });
    const warm = await generate(opts({ templates: tpl }), c());
    expect(warm.written).toContain('README.md');
    expect([await read('README.md'), await read('dev/README.md')]).toEqual(cold);
    await fs.writeFile(path.join(tpl, 'index.hbs'), 'INDEX-B {{title}}\n');
    await generate(opts({ templates: tpl }), c());
    expect(await read('README.md')).toContain('INDEX-B');
    expect(await read('dev/README.md')).toBe(cold[1]);
  });

  it('a broken template fails even when every page is cached; so does a missing --templates directory', async () => {
    const tpl = path.join(dir, 'tpl');
    await fs.mkdir(tpl);
    await generate(opts({ templates: tpl }), c());
    await fs.writeFile(path.join(tpl, 'index.hbs'), '{{#if title}}\nunclosed\n');
    await expect(generate(opts({ templates: tpl }), c())).rejects.toThrow(/index\.hbs/);
    await fs.rm(tpl, { recursive: true });
    await expect(generate(opts({ templates: tpl }), c())).rejects.toThrow(/not a directory/);
  });

  it('a warm run does not load Handlebars; a cold one does', () => {
    const pipeline = pathToFileURL(path.join(process.cwd(), 'diagrams/pipeline/index.ts')).href;
    const helpers = pathToFileURL(path.join(process.cwd(), 'test/pipeline/helpers.ts')).href;
    const probe = path.join(dir, 'probe.mts');
    const body = [
      `import { createRequire } from 'node:module';`,
      `const { generate } = await import(${JSON.stringify(pipeline)});`,
      `const { components, zero } = await import(${JSON.stringify(helpers)});`,
      `const c = { ...components(zero()), startSvg: async () => { throw new Error('no svg'); }, launchPng: async () => { throw new Error('no png'); } };`,
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
