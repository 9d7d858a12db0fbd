import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { check, generate, type Components, type PipelineOptions } from '../../diagrams/pipeline.ts';
import { GeneratorError } from '../../diagrams/errors.ts';
import type { ResourceGraph } from '../../diagrams/graph/types.ts';
import { fakeCost, fakeFindings, fakeViews, makeEstate } from './fixture.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pipeline-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

interface Counters {
  svgStarts: number;
  pngLaunches: number;
  svgRenders: number;
  pngRenders: number;
}

function components(counters: Counters, overrides: Partial<Components> = {}): Components {
  const estate = makeEstate();
  return {
    loadGraphs: async () => ['dev', 'prod'].map((s) => ({ stack: { stack: s } }) as unknown as ResourceGraph),
    buildEstate: () => estate,
    evaluateRules: (_e, s) => fakeFindings(s),
    failsAt: (f) => f.some((x) => x.status === 'not-met'),
    estimateCost: (_e, s) => fakeCost(s),
    views: fakeViews,
    startSvg: async () => {
      counters.svgStarts++;
      return { render: async (d2: string) => (counters.svgRenders++, `<svg viewBox="0 0 10 10"><!-- ${d2} --></svg>`), close: async () => undefined };
    },
    launchPng: async () => {
      counters.pngLaunches++;
      return { render: async (svg: string) => (counters.pngRenders++, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from(svg)])), close: async () => undefined };
    },
    svgIdentity: async () => 'svg-test',
    pngIdentity: async () => 'png-test',
    ...overrides,
  };
}

const zero = (): Counters => ({ svgStarts: 0, pngLaunches: 0, svgRenders: 0, pngRenders: 0 });
const opts = (extra: Partial<PipelineOptions> = {}): PipelineOptions => ({
  source: {},
  out: path.join(dir, 'out'),
  formats: ['svg', 'png', 'md'],
  cacheDir: path.join(dir, 'cache'),
  ...extra,
});

describe('pipeline', () => {
  it('writes the per-stack layout, and a second run starts no renderer', async () => {
    const n = zero();
    const r = await generate(opts(), components(n));
    expect(r.written).toContain('prod/parameter_store_hierarchy.svg');
    expect(r.written).toContain('prod/security_compliance_controls.png');
    expect(r.written).toContain('prod/README.md');
    expect(r.written).toContain('README.md');
    expect(r.written).toHaveLength(2 * 4 * 2 + 2 + 1);
    expect(n).toEqual({ svgStarts: 1, pngLaunches: 1, svgRenders: 8, pngRenders: 8 });
    const again = zero();
    const r2 = await generate(opts(), components(again));
    expect(again).toEqual(zero());
    expect(r2.written).toEqual([]);
  });

  it('PNGs captured with other settings are re-rendered by generate and reported out of date by check', async () => {
    const withSettings = (n: Counters, settings: string) => components(n, { pngSettings: async () => settings });
    await generate(opts(), withSettings(zero(), 'scale 2x'));
    // Same settings, fresh cache: everything reused from disk.
    const same = zero();
    await generate(opts({ cacheDir: path.join(dir, 'cache-same') }), withSettings(same, 'scale 2x'));
    expect(same.pngRenders).toBe(0);
    // New capture settings: check (no browser) names every PNG, and only the PNGs.
    const checked = await check(opts({ cacheDir: path.join(dir, 'cache-check') }), withSettings(zero(), 'scale 1.5x'));
    const kinds = checked.problems.map((p) => `${p.kind} ${path.extname(p.path)}`);
    expect(kinds).toEqual(Array(8).fill('out-of-date .png'));
    // generate re-renders them (SVGs reused), after which check passes.
    const n = zero();
    const r = await generate(opts({ cacheDir: path.join(dir, 'cache-new') }), withSettings(n, 'scale 1.5x'));
    expect(n).toMatchObject({ svgRenders: 0, pngRenders: 8 });
    expect(r.written.filter((f) => f.endsWith('.png'))).toHaveLength(0); // same fake bytes; only the manifest changes
    expect((await check(opts(), withSettings(zero(), 'scale 1.5x'))).problems).toEqual([]);
  });

  it('reuses unchanged outputs from disk when the cache is empty (fresh clone)', async () => {
    await generate(opts(), components(zero()));
    const n = zero();
    await generate(opts({ cacheDir: path.join(dir, 'other-cache') }), components(n));
    expect(n).toEqual(zero());
  });

  it('check passes on fresh output without starting the browser, and finds an edit', async () => {
    await generate(opts(), components(zero()));
    const n = zero();
    expect((await check(opts({ cacheDir: undefined }), components(n))).problems).toEqual([]);
    expect(n.pngLaunches).toBe(0);
    await fs.appendFile(path.join(dir, 'out', 'prod', 'README.md'), 'edited\n');
    const { problems } = await check(opts(), components(zero()));
    expect(problems.map((p) => `${p.kind} ${path.basename(path.dirname(p.path))}/${path.basename(p.path)}`)).toEqual(['out-of-date prod/README.md']);
  });

  it('check on a directory without the docs reports them missing without starting D2 or the browser', async () => {
    const n = zero();
    const { problems } = await check(opts(), components(n));
    expect(n).toEqual(zero());
    expect(problems.length).toBe(2 * 4 * 2 + 2 + 1);
    expect(new Set(problems.map((p) => p.kind))).toEqual(new Set(['missing']));
    // One SVG deleted from generated docs: still no render, and only that file is reported.
    await generate(opts(), components(zero()));
    await fs.rm(path.join(dir, 'out', 'dev', 'parameter_store_hierarchy.svg'));
    await fs.rm(path.join(dir, 'out', 'dev', 'parameter_store_hierarchy.png'));
    const m = zero();
    const again = await check(opts({ cacheDir: path.join(dir, 'empty-cache') }), components(m));
    expect(m).toEqual(zero());
    expect(again.problems.map((p) => `${p.kind} ${path.relative(path.join(dir, 'out'), p.path)}`).sort()).toEqual([
      'missing dev/parameter_store_hierarchy.png',
      'missing dev/parameter_store_hierarchy.svg',
    ]);
  });

  it('writes only the requested formats, D2 sources included', async () => {
    const n = zero();
    const r = await generate(opts({ formats: ['d2', 'md'] }), components(n));
    expect(n.svgStarts + n.pngLaunches).toBe(0);
    expect(r.written.filter((p) => p.endsWith('.d2'))).toHaveLength(8);
    const page = await fs.readFile(path.join(dir, 'out', 'prod', 'README.md'), 'utf8');
    expect(page).toContain('D2 source: [parameter_store_hierarchy.d2](parameter_store_hierarchy.d2)');
    expect(page).not.toContain('.svg)');
  });

  it('leaves the previous docs intact when the browser is missing', async () => {
    await generate(opts({ formats: ['svg', 'md'] }), components(zero()));
    const before = await fs.readFile(path.join(dir, 'out', 'prod', 'README.md'), 'utf8');
    const noBrowser = components(zero(), {
      launchPng: async () => {
        throw new GeneratorError('environment', 'no Chromium or Chrome found for PNG output');
      },
    });
    await expect(generate(opts(), noBrowser)).rejects.toThrow(/no Chromium/);
    expect(await fs.readFile(path.join(dir, 'out', 'prod', 'README.md'), 'utf8')).toBe(before);
    const left = await fs.readdir(path.join(dir, 'out', 'prod'));
    expect(left.some((f) => f.endsWith('.png') || f.endsWith('.tmp'))).toBe(false);
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
});

describe('pipeline: renderers on a cold run', () => {
  /** Components whose program "runs" until released, recording the order of events. */
  function coldComponents(events: string[], overrides: Partial<Components> = {}): { c: Components; release: () => void } {
    let release: () => void = () => undefined;
    const running = new Promise<void>((r) => (release = r));
    const base = components(zero());
    const c: Components = {
      ...base,
      willRunProgram: async () => true,
      loadGraphs: async (o) => {
        events.push('program runs');
        await running;
        events.push('program done');
        return base.loadGraphs(o);
      },
      startSvg: async () => {
        events.push('svg start');
        const r = await base.startSvg();
        return { render: (d2, name) => (events.push(`svg ${name}`), r.render(d2, name)), close: async () => void events.push('svg close') };
      },
      launchPng: async () => {
        events.push('png launch');
        const r = await base.launchPng();
        return { render: (svg) => r.render(svg), close: async () => void events.push('png close') };
      },
      ...overrides,
    };
    return { c, release };
  }

  it('starts D2 and the browser while the program runs, and gives the same files as a lazy run', async () => {
    const events: string[] = [];
    const { c, release } = coldComponents(events);
    const run = generate(opts(), c);
    for (let i = 0; i < 500 && !events.includes('program runs'); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    // Both started, and D2 warmed up with a throw-away layout, while the program runs.
    expect(events.sort()).toEqual(['png launch', 'program runs', 'svg start', 'svg warm-up']);
    events.length = 0;
    release();
    const r = await run;
    const renders = events.filter((e) => /^svg (dev|prod)\//.test(e));
    expect(renders).toHaveLength(8);
    // D2 takes the smallest source first (the browser gets work sooner).
    const sizes = renders.map((e) => fakeViews[e.split('/')[1] as keyof typeof fakeViews]({ estate: makeEstate(), stack: e.slice(4).split('/')[0]!, findings: [] }).d2.length);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(events.slice(-2).sort()).toEqual(['png close', 'svg close']);
    // The same bytes as a run that starts the renderers lazily, into another directory.
    const lazyOut = path.join(dir, 'lazy');
    await generate(opts({ out: lazyOut, cacheDir: path.join(dir, 'lazy-cache') }), components(zero()));
    for (const f of r.written) expect(await fs.readFile(path.join(lazyOut, f))).toEqual(await fs.readFile(path.join(dir, 'out', f)));
  });

  it('closes renderers started early when nothing needs rendering, and never starts them in check mode', async () => {
    await generate(opts(), components(zero()));
    const events: string[] = [];
    const { c, release } = coldComponents(events);
    release();
    await generate(opts(), c);
    expect(events.filter((e) => e.startsWith('svg ') && !['svg start', 'svg close', 'svg warm-up'].includes(e))).toEqual([]);
    expect(events.filter((e) => /start|launch|close/.test(e)).sort()).toEqual(['png close', 'png launch', 'svg close', 'svg start']);
    const checkEvents: string[] = [];
    const checked = coldComponents(checkEvents);
    checked.release();
    expect((await check(opts(), checked.c)).problems).toEqual([]);
    expect(checkEvents).toEqual(['program runs', 'program done']);
  });

  it('on a failed render: closes every renderer, starts no further render, writes nothing', async () => {
    const events: string[] = [];
    let svgCalls = 0;
    const { c, release } = coldComponents(events, {
      startSvg: async () => {
        events.push('svg start');
        return {
          render: async (_d2, name) => {
            if (name === 'warm-up') return '<svg viewBox="0 0 1 1"></svg>';
            svgCalls++;
            if (svgCalls === 2) throw new GeneratorError('render', 'D2 compile error', { subject: name });
            return '<svg viewBox="0 0 1 1"></svg>';
          },
          close: async () => void events.push('svg close'),
        };
      },
    });
    release();
    await expect(generate(opts(), c)).rejects.toThrow(/D2 compile error/);
    expect(svgCalls).toBe(2); // the failing one was the second; none after it
    expect(events).toContain('svg close');
    expect(events).toContain('png close');
    await expect(fs.readdir(path.join(dir, 'out'))).rejects.toThrow();
  });

  it('on a failed program run: closes the renderers started for it', async () => {
    const events: string[] = [];
    const { c, release } = coldComponents(events, {
      loadGraphs: async () => {
        events.push('program runs');
        throw new GeneratorError('input', 'the program failed for stack dev');
      },
    });
    release();
    await expect(generate(opts(), c)).rejects.toThrow(/program failed/);
    expect(events.sort()).toEqual(['png close', 'png launch', 'program runs', 'svg close', 'svg start', 'svg warm-up']);
  });
});
