/**
 * The renderers' lifecycle in a run (diagrams/pipeline/index.ts with render/schedule.ts): started
 * while the program runs on a cold run, D2 taking the smallest source first, every renderer closed
 * on every path, none started in check mode, no render after a failure.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import { buildEstate } from '../../diagrams/estate/build/index.ts';
import { GeneratorError } from '../../diagrams/errors.ts';
import { check, generate, type Components } from '../../diagrams/pipeline/index.ts';
import { PNG_WIDEN_AT } from '../../diagrams/pipeline/components.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import type { DiagramName } from '../../diagrams/views/types.ts';
import { tempDir } from '../fixtures/tree.ts';
import { collectGarbage, LEAN_RESOURCES } from '../../diagrams/util/memory.ts';
import { components, options, projectGraphs, twoStacks, zero } from './helpers.ts';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('pipeline-renderers-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const opts = (extra: Parameters<typeof options>[1] = {}) => options(dir, extra);

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

describe('renderers on a cold run', () => {
  it('start while the program runs, D2 takes the smallest source first, and the files equal a lazy run', async () => {
    const events: string[] = [];
    const { c, release } = coldComponents(events);
    const run = generate(opts(), c);
    for (let i = 0; i < 500 && !events.includes('program runs'); i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20));
    // Both started, and D2 warmed up with a throw-away layout, while the program runs.
    expect([...events].sort()).toEqual(['png launch', 'program runs', 'svg start', 'svg warm-up']);
    events.length = 0;
    release();
    const r = await run;
    const renders = events.filter((e) => /^svg (dev|prod)\//.test(e)).map((e) => e.slice(4));
    expect(renders).toHaveLength(8);
    const estate = buildEstate(twoStacks());
    const size = (key: string) => {
      const [stack, name] = key.split('/') as [string, DiagramName];
      return VIEWS[name]({ estate, stack, findings: evaluateRules(estate, stack) }).d2!.length;
    };
    const sizes = renders.map(size);
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b));
    expect(new Set(sizes).size).toBeGreaterThan(1);
    expect(events.slice(-2).sort()).toEqual(['png close', 'svg close']);
    const lazyOut = path.join(dir, 'lazy');
    await generate(opts({ out: lazyOut, cacheDir: path.join(dir, 'lazy-cache') }), components(zero()));
    for (const f of r.written) expect(await fs.readFile(path.join(lazyOut, f))).toEqual(await fs.readFile(path.join(dir, 'out', f)));
  });

  it('are closed when nothing needs rendering, and never started in check mode', async () => {
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

  it('after a failed render: every renderer closed, no further render, nothing written', async () => {
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
    await expect(fs.readdir(path.join(dir, 'out'))).rejects.toThrow(/ENOENT/);
  });

  it('after a failed program run: the renderers started for it are closed', async () => {
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

/** The real graphs, reported with `n` resources (the first repeated) so that the run counts them as large; the estate is built from the real ones. */
function sized(graphs: () => ReturnType<typeof twoStacks>, n: number): Partial<Components> {
  return {
    loadGraphs: async () => {
      const gs = graphs();
      return gs.map((g) => ({ ...g, resources: Array.from({ length: Math.ceil(n / gs.length) }, () => g.resources[0]!) }));
    },
    buildEstate: () => buildEstate(graphs()),
  };
}
const oneStackOf = () => projectGraphs('solo', ['prod']);

describe('a lean run (an estate of LEAN_RESOURCES resources or more)', () => {
  const oneStack = oneStackOf;
  const startsAndLaunch = async (graphs: () => ReturnType<typeof twoStacks>, n: number, sub: string, seen: { estateAtFirstPng?: 'held' | 'let go' } = {}) => {
    const events: string[] = [];
    const base = components(zero(), graphs);
    let estate: WeakRef<object> | undefined;
    const c: Components = {
      ...base,
      ...sized(graphs, n),
      buildEstate: () => {
        const e = buildEstate(graphs());
        estate = new WeakRef(e);
        return e;
      },
      startSvg: async (o) => {
        events.push(`svg start ${o?.workers ?? 'default'}`);
        const r = await base.startSvg();
        return { render: async (d2, name) => (events.push('svg'), r.render(d2, name)), close: () => (events.push('svg close'), r.close()) };
      },
      launchPng: async () => {
        events.push('png launch');
        collectGarbage();
        seen.estateAtFirstPng = estate?.deref() === undefined ? 'let go' : 'held';
        const r = await base.launchPng();
        return { render: async (svg) => (events.push('png'), r.render(svg)), close: () => r.close() };
      },
    };
    const r = await generate(options(path.join(dir, sub), { formats: ['svg', 'png', 'md', 'json'] }), c);
    expect(r.rendered.stats.svgRendered).toBeGreaterThan(0);
    return events.filter((e, i) => !['svg', 'png'].includes(e) || events[i - 1] !== e);
  };

  it('starts D2 with one worker when it documents one stack; the browser once every SVG is drawn, D2 closed and the estate let go', async () => {
    const seen: { estateAtFirstPng?: 'held' | 'let go' } = {};
    expect(await startsAndLaunch(oneStack, LEAN_RESOURCES, 'lean1', seen)).toEqual(['svg start 1', 'svg', 'svg close', 'png launch', 'png']);
    expect(seen.estateAtFirstPng).toBe('let go');
    // A run that is not lean keeps its estate to the end, and launches the browser beside D2.
    const small: { estateAtFirstPng?: 'held' | 'let go' } = {};
    const events = await startsAndLaunch(oneStack, LEAN_RESOURCES - 1, 'small1', small);
    expect(small.estateAtFirstPng).toBe('held');
    expect(events.indexOf('png launch')).toBeLessThan(events.indexOf('svg close'));
  });

  it('after a failed SVG, releases the PNGs it held: the run fails with that error, writes nothing', async () => {
    const base = components(zero(), oneStack);
    let calls = 0;
    const c: Components = {
      ...base,
      ...sized(oneStack, LEAN_RESOURCES),
      startSvg: async () => {
        const r = await base.startSvg();
        return {
          render: async (d2, name) => {
            if (++calls === 2) throw new GeneratorError('render', 'D2 compile error', { subject: name });
            return r.render(d2, name);
          },
          close: () => r.close(),
        };
      },
    };
    const out = path.join(dir, 'leanfail');
    await expect(generate(options(out, { formats: ['svg', 'png', 'md', 'json'] }), c)).rejects.toThrow(/D2 compile error/);
    await expect(fs.readdir(path.join(out, 'out'))).rejects.toThrow(/ENOENT/);
  });

  it('keeps D2 at its default pool for several stacks, and a smaller run keeps both defaults', async () => {
    expect((await startsAndLaunch(twoStacks, LEAN_RESOURCES, 'lean2'))[0]).toBe('svg start default');
    expect((await startsAndLaunch(oneStack, LEAN_RESOURCES - 1, 'small'))[0]).toBe('svg start default');
  });

  it('writes the same files as a run that is not lean (estate.json, encoded once the renderers are closed, included)', async () => {
    await startsAndLaunch(oneStack, LEAN_RESOURCES, 'a');
    await startsAndLaunch(oneStack, 10, 'b');
    const read = async (d: string) => {
      const out = path.join(dir, d, 'out');
      const names = (await fs.readdir(out, { recursive: true })).map(String).filter((n) => !n.startsWith('.generated')).sort();
      return Promise.all(names.map(async (n) => [n, (await fs.stat(path.join(out, n))).isFile() ? await fs.readFile(path.join(out, n), 'utf8') : ''] as const));
    };
    const a = await read('a');
    expect(a.map(([n]) => n)).toContain('prod/estate.json');
    expect(a).toEqual(await read('b'));
  });
});

describe('a second browser once D2 is done (PNG_WIDEN_AT)', () => {
  /** SVGs of 5 ms each, PNGs captured one at a time, 60 ms each, so that they queue; records the queue each widen call saw. */
  const run = async (graphs: () => ReturnType<typeof twoStacks>, sub: string, n?: number) => {
    const widened: number[] = [];
    const base = components(zero(), graphs);
    let chain = Promise.resolve();
    let pending = 0;
    const c: Components = {
      ...base,
      ...(n !== undefined ? sized(graphs, n) : {}),
      startSvg: async () => {
        const r = await base.startSvg();
        return { render: async (d2, name) => (await new Promise((res) => setTimeout(res, 5)), r.render(d2, name)), close: () => r.close() };
      },
      launchPng: async () => {
        const r = await base.launchPng();
        return {
          render: (svg) => {
            pending++;
            const done = (chain = chain.then(() => new Promise((res) => setTimeout(res, 60)))).then(() => (pending--, r.render(svg)));
            return done;
          },
          close: () => r.close(),
          get queued() {
            return Math.max(0, pending - 1);
          },
          widen: async (atLeast: number) => (widened.push(Math.max(0, pending - 1)), pending - 1 >= atLeast),
        };
      },
    };
    await generate(options(path.join(dir, sub), { formats: ['svg', 'png', 'md'] }), c);
    return widened;
  };
  const sixStacks = () => projectGraphs('six', ['dev', 'test', 'qa', 'uat', 'stage', 'prod']);

  it('asks for one when more PNGs than PNG_WIDEN_AT wait as D2 closes; not for fewer, nor in a lean run', async () => {
    const many = await run(sixStacks, 'many');
    expect(many).toHaveLength(1);
    expect(many[0]).toBeGreaterThanOrEqual(PNG_WIDEN_AT);
    expect(await run(oneStackOf, 'few')).toEqual([]);
    expect(await run(sixStacks, 'lean', LEAN_RESOURCES)).toEqual([]);
  });
});
