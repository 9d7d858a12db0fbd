/**
 * generate and check (diagrams/pipeline/index.ts) over fixture estates with stand-in renderers:
 * the per-stack layout, reuse of renders from the cache and from disk, check without a browser,
 * formats, --inject, what the writer reports, views with nothing to draw.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GeneratorError } from '../../diagrams/errors.ts';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { check, generate } from '../../diagrams/pipeline/index.ts';
import { EstateFixture } from '../fixtures/estates.ts';
import { listAll, tempDir } from '../fixtures/tree.ts';
import { components, fullStack, options, zero, type Counters } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('pipeline-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const opts = (extra: Parameters<typeof options>[1] = {}) => options(dir, extra);
const out = (...p: string[]) => path.join(dir, 'out', ...p);
const NAMES = ['application_secrets_workflow', 'parameter_store_hierarchy', 'secrets_manager_integration', 'security_compliance_controls'];

describe('generate', () => {
  it('writes the per-stack layout, and a second run starts no renderer', async () => {
    const n = zero();
    const r = await generate(opts(), components(n));
    const perStack = (s: string) => [`${s}/README.md`, ...NAMES.flatMap((v) => [`${s}/${v}.png`, `${s}/${v}.svg`])];
    expect([...r.written].sort()).toEqual(['README.md', ...perStack('dev'), ...perStack('prod')].sort());
    expect(await listAll(out())).toEqual(['.generated.json', ...r.written].sort());
    expect(n).toEqual({ svgStarts: 1, pngLaunches: 1, svgRenders: 8, pngRenders: 8 });
    const again = zero();
    const r2 = await generate(opts(), components(again));
    expect(again).toEqual(zero());
    expect(r2.written).toEqual([]);
    expect(r2.unchanged).toHaveLength(r.written.length);
  });

  it('reuses unchanged outputs from disk when the cache is empty (fresh clone)', async () => {
    await generate(opts(), components(zero()));
    const n = zero();
    await generate(opts({ cacheDir: path.join(dir, 'other-cache') }), components(n));
    expect(n).toEqual(zero());
  });

  it('re-renders PNGs captured with other settings, which check reports out of date', async () => {
    const withSettings = (n: Counters, settings: string) => components(n, undefined, { pngSettings: async () => settings });
    await generate(opts(), withSettings(zero(), 'scale 2x'));
    const same = zero();
    await generate(opts({ cacheDir: path.join(dir, 'cache-same') }), withSettings(same, 'scale 2x'));
    expect(same.pngRenders).toBe(0);
    // New capture settings: check (no browser) names every PNG, and only the PNGs.
    const checked = await check(opts({ cacheDir: path.join(dir, 'cache-check') }), withSettings(zero(), 'scale 1.5x'));
    expect(checked.problems.map((p) => `${p.kind} ${path.extname(p.path)}`)).toEqual(Array(8).fill('out-of-date .png'));
    // generate re-renders them (SVGs reused), after which check passes.
    const n = zero();
    const r = await generate(opts({ cacheDir: path.join(dir, 'cache-new') }), withSettings(n, 'scale 1.5x'));
    expect(n).toMatchObject({ svgRenders: 0, pngRenders: 8 });
    expect(r.written).toEqual([]); // the same stand-in bytes: only the manifest changes
    expect((await check(opts(), withSettings(zero(), 'scale 1.5x'))).problems).toEqual([]);
  });

  it('writes only the requested formats, D2 sources included, and links them from the page', async () => {
    const n = zero();
    const r = await generate(opts({ formats: ['d2', 'md'] }), components(n));
    expect(n.svgStarts + n.pngLaunches).toBe(0);
    expect(r.written.filter((p) => p.endsWith('.d2')).sort()).toEqual(['dev', 'prod'].flatMap((s) => NAMES.map((v) => `${s}/${v}.d2`)));
    const page = await fs.readFile(out('prod', 'README.md'), 'utf8');
    expect(page).toContain('D2 source: [parameter_store_hierarchy.d2](parameter_store_hierarchy.d2)');
    expect(page).not.toContain('.svg)');
  });

  it('leaves the previous docs intact when the browser is missing', async () => {
    await generate(opts({ formats: ['svg', 'md'] }), components(zero()));
    const before = await fs.readFile(out('prod', 'README.md'), 'utf8');
    const noBrowser = components(zero(), undefined, {
      launchPng: async () => {
        throw new GeneratorError('environment', 'no Chromium or Chrome found for PNG output');
      },
    });
    await expect(generate(opts(), noBrowser)).rejects.toThrow(/no Chromium/);
    expect(await fs.readFile(out('prod', 'README.md'), 'utf8')).toBe(before);
    expect((await listAll(out())).filter((f) => f.endsWith('.png') || f.endsWith('.tmp') || f.startsWith('.generated.staging'))).toEqual([]);
  });

  it('fills the marked section of a hand-written file with links relative to it', async () => {
    const doc = path.join(dir, 'ARCH.md');
    await fs.writeFile(doc, '# Ours\n\n<!-- BEGIN_ARCHITECTURE_DOCS -->\n<!-- END_ARCHITECTURE_DOCS -->\n\nKeep me.\n');
    await generate(opts({ inject: doc, formats: ['md'] }), components(zero()));
    const text = await fs.readFile(doc, 'utf8');
    expect(text).toContain('[prod](out/prod/README.md)');
    expect(text.startsWith('# Ours\n')).toBe(true);
    expect(text.endsWith('<!-- END_ARCHITECTURE_DOCS -->\n\nKeep me.\n')).toBe(true);
    expect((await check(opts({ inject: doc, formats: ['md'] }), components(zero()))).problems).toEqual([]);
  });

  it('refuses --inject without the Markdown pages its links point to, before anything is written', async () => {
    const doc = path.join(dir, 'ARCH.md');
    const text = '# Ours\n<!-- BEGIN_ARCHITECTURE_DOCS -->\n<!-- END_ARCHITECTURE_DOCS -->\n';
    await fs.writeFile(doc, text);
    const n = zero();
    for (const run of [generate, check]) {
      await expect(run(opts({ inject: doc, formats: ['svg', 'json'] }), components(n))).rejects.toThrow(
        new GeneratorError('usage', 'the section it receives links to the stack pages, which the formats leave out', { subject: `--inject ${doc}`, expected: 'md among the formats (given: svg, json)' }),
      );
    }
    expect(n).toEqual(zero());
    expect(await fs.readFile(doc, 'utf8')).toBe(text);
    expect(await listAll(dir)).toEqual(['ARCH.md']);
  });

  it('logs a stale page kept because it was edited, and a stale lock taken over', async () => {
    await generate(opts({ formats: ['md'] }), components(zero()));
    await fs.appendFile(out('dev', 'README.md'), 'my notes\n');
    await fs.writeFile(out('.generated.lock'), JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), started: 'then' }));
    const lines: string[] = [];
    const r = await generate(opts({ formats: ['md'], log: (m) => lines.push(m) }), components(zero(), () => oneStack('prod')));
    expect(r.kept.map((k) => k.path)).toEqual(['dev/README.md']);
    expect(lines).toContain(`took over the lock ${out('.generated.lock')}: its owner (pid ${2 ** 22 + 1} on ${JSON.stringify(os.hostname())}, since then) no longer runs`);
    expect(lines).toContain(`kept dev/README.md in ${out()}: ${r.kept[0]!.reason}`);
    expect(await fs.readFile(out('dev', 'README.md'), 'utf8')).toMatch(/my notes\n$/);
  });
});

/** One full stack of project `app`. */
function oneStack(name: string): ResourceGraph[] {
  const f = new EstateFixture('app');
  fullStack(f.stack(name));
  return f.graphs();
}

describe('check', () => {
  it('passes on fresh output without starting the browser, and finds an edit', async () => {
    await generate(opts(), components(zero()));
    const n = zero();
    expect((await check(opts({ cacheDir: undefined }), components(n))).problems).toEqual([]);
    expect(n.pngLaunches).toBe(0);
    await fs.appendFile(out('prod', 'README.md'), 'edited\n');
    const { problems } = await check(opts(), components(zero()));
    expect(problems.map((p) => `${p.kind} ${path.relative(out(), p.path)}`)).toEqual(['out-of-date prod/README.md']);
  });

  it('reports the docs missing from an empty directory without starting D2 or the browser', async () => {
    const n = zero();
    const { problems } = await check(opts(), components(n));
    expect(n).toEqual(zero());
    expect(problems).toHaveLength(2 * (1 + 4 * 2) + 1);
    expect(new Set(problems.map((p) => p.kind))).toEqual(new Set(['missing']));
    // One SVG and its PNG deleted from generated docs: still no render, and only those are reported.
    await generate(opts(), components(zero()));
    await fs.rm(out('dev', 'parameter_store_hierarchy.svg'));
    await fs.rm(out('dev', 'parameter_store_hierarchy.png'));
    const m = zero();
    const again = await check(opts({ cacheDir: path.join(dir, 'empty-cache') }), components(m));
    expect(m).toEqual(zero());
    expect(again.problems.map((p) => `${p.kind} ${path.relative(out(), p.path)}`).sort()).toEqual(['missing dev/parameter_store_hierarchy.png', 'missing dev/parameter_store_hierarchy.svg']);
  });
});

describe('views with nothing to draw', () => {
  /** `dev` full or bare (a bucket only), and a full `prod`. */
  const estate = (bare: boolean) => (): ResourceGraph[] => {
    const f = new EstateFixture('app');
    const dev = f.stack('dev');
    if (bare) dev.bucket('app-dev-logs');
    else fullStack(dev);
    fullStack(f.stack('prod'));
    return f.graphs();
  };

  it('make no image; the page says what is absent; removing resources removes the old images through the manifest', async () => {
    await generate(opts(), components(zero(), estate(false)));
    expect((await listAll(out('dev'))).filter((f) => f.endsWith('.svg'))).toHaveLength(4);
    // Resources removed from dev: check sees the three images of dev that are no longer drawn.
    const stale = await check(opts(), components(zero(), estate(true)));
    const dropped = NAMES.filter((v) => v !== 'security_compliance_controls').flatMap((v) => [`dev/${v}.png`, `dev/${v}.svg`]);
    expect(stale.problems.filter((p) => p.kind === 'not-generated').map((p) => path.relative(out(), p.path)).sort()).toEqual(dropped);
    const n = zero();
    const r = await generate(opts(), components(n, estate(true)));
    expect([...r.removed].sort()).toEqual(dropped);
    expect(await listAll(out('dev'))).toEqual(['README.md', 'security_compliance_controls.png', 'security_compliance_controls.svg']);
    const page = await fs.readFile(out('dev', 'README.md'), 'utf8');
    const absent = page.split('\n').filter((l) => l.startsWith('No diagram: '));
    expect(absent).toHaveLength(3);
    for (const l of absent) expect(l).toMatch(/^No diagram: [^\n]+; this diagram would show [^\n]+\.$/);
    expect(page).not.toMatch(/\((?:parameter_store_hierarchy|secrets_manager_integration|application_secrets_workflow)\.(?:svg|png)\)/);
    // The index marks which diagrams each stack has.
    const index = await fs.readFile(out('README.md'), 'utf8');
    expect(index).toMatch(/^\| \[dev\]\(dev\/README\.md\) \|.*\| controls \|$/m);
    expect(index).toMatch(/^\| \[prod\]\(prod\/README\.md\) \|.*\| parameters, secrets, workflow, controls \|$/m);
    expect((await check(opts(), components(zero(), estate(true)))).problems).toEqual([]);
  });

  it('a stack with nothing for any view but the controls renders just that one', async () => {
    const n = zero();
    const r = await generate(opts({ formats: ['svg', 'md'] }), components(n, estate(true)));
    expect(r.written.filter((f) => f.startsWith('dev/')).sort()).toEqual(['dev/README.md', 'dev/security_compliance_controls.svg']);
    expect(n.svgRenders).toBe(5);
  });
});
