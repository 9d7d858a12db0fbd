/**
 * The D2 renderer's pool of workers (diagrams/render/d2.ts): the SVG bytes are those of the
 * package's own worker (@terrastruct/d2's D2 class), whichever worker renders a diagram, and calls
 * issued at once each get their own diagram.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { D2 } from '@terrastruct/d2';
import { evaluateRules } from '../../diagrams/compliance/rules/index.ts';
import { GeneratorError } from '../../diagrams/errors.ts';
import { balancedBraces, batchDocument, batchKeyOf, D2Renderer, defaultD2Workers } from '../../diagrams/render/d2.ts';
import { VIEWS } from '../../diagrams/views/index.ts';
import { DIAGRAMS } from '../../diagrams/views/types.ts';
import { monoEstate } from '../fixtures/mono.ts';

const estate = monoEstate();
const views = DIAGRAMS.map((name) => VIEWS[name]({ estate, stack: 'prod', findings: evaluateRules(estate, 'prod') })).filter((v) => v.d2 !== undefined);

let pool: D2Renderer;
beforeAll(async () => {
  pool = await D2Renderer.start({ workers: 2 });
}, 60_000);
afterAll(async () => {
  await pool.close();
});

describe('D2Renderer pool', () => {
  it('renders the bytes the package itself renders, for diagrams spread over two workers', async () => {
    const pkg = new D2() as unknown as {
      compile(req: { fs: Record<string, string>; options: Record<string, unknown> }): Promise<{ diagram: unknown; renderOptions: Record<string, unknown> }>;
      render(diagram: unknown, options: Record<string, unknown>): Promise<string>;
      worker: { terminate(): Promise<number> };
    };
    try {
      const expected: string[] = [];
      for (const v of views) {
        const c = await pkg.compile({ fs: { index: v.d2! }, options: {} });
        expected.push(await pkg.render(c.diagram, c.renderOptions));
      }
      // Each diagram twice, all at once: both workers take diagrams, each call must get its own.
      const twice = [...views, ...views];
      const ours = await Promise.all(twice.map((v) => pool.render(v.d2!, v.name)));
      expect(pool.concurrency).toBe(2);
      ours.forEach((svg, i) => expect(svg === expected[i % views.length], `${twice[i]!.name} #${i}`).toBe(true));
    } finally {
      await pkg.worker.terminate();
    }
  }, 120_000);

  it('keeps rendering on the other worker after a compile error on one', async () => {
    const results = await Promise.allSettled(['a -> b\nc: {\n  d.shape: circlex\n}\n', 'x -> y\n', 'p -> q\n'].map((src, i) => pool.render(src, `d${i}`)));
    expect(results[0]!.status).toBe('rejected');
    expect(((results[0] as PromiseRejectedResult).reason as GeneratorError).details.line).toBe(3);
    expect(results.slice(1).map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
  }, 60_000);

  it('batches renders asked for at once: the same bytes as each alone; a broken source in a batch gets its own error and line, the others their SVGs', async () => {
    const solo = await D2Renderer.start({ workers: 1, batch: 1 });
    try {
      const all = [...views, ...DIAGRAMS.map((name) => VIEWS[name]({ estate, stack: 'dev', findings: evaluateRules(estate, 'dev') })).filter((v) => v.d2 !== undefined)];
      expect(all.every((v) => batchKeyOf(v.d2!, {}) !== undefined)).toBe(true);
      const alone: string[] = [];
      for (const v of all) alone.push(await solo.render(v.d2!, v.name));
      const one = await D2Renderer.start({ workers: 1 });
      try {
        expect(one.batch).toBe(8);
        const batched = await Promise.all(all.map((v) => one.render(v.d2!, v.name)));
        batched.forEach((svg, i) => expect(svg === alone[i], all[i]!.name).toBe(true));
        // The third source breaks on its last line (a line of its own text, not of the batch document).
        const broken = `${all[0]!.d2!}x: {shape: circlex}\n`;
        expect(batchKeyOf(broken, {})).toBe(batchKeyOf(all[1]!.d2!, {}));
        const sources = [all[1]!.d2!, all[2]!.d2!, broken, all[3]!.d2!];
        const results = await Promise.allSettled(sources.map((src, i) => one.render(src, `d${i}`)));
        expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
        const err = (results[2] as PromiseRejectedResult).reason as GeneratorError;
        expect(err.details.line).toBe(broken.split('\n').length - 1);
        expect(err.details.subject).toBe('d2');
        expect((results[3] as PromiseFulfilledResult<string>).value === alone[3]).toBe(true);
        // A source whose braces close its layer early compiles in the batch and moves the others
        // between layers: the batch is not trusted, each is drawn alone and gets its own result.
        const cfg = 'vars {\n  d2-config {\n    layout-engine: elk\n  }\n}\n';
        const unbalanced = [`${cfg}a\n}\nx: {\n`, `${cfg}p -> q\n`, `${cfg}r -> s\n`];
        const lone = await Promise.allSettled(unbalanced.map((src, i) => solo.render(src, `u${i}`)));
        const mixed = await Promise.allSettled(unbalanced.map((src, i) => one.render(src, `u${i}`)));
        expect(mixed.map((r) => r.status)).toEqual(lone.map((r) => r.status));
        expect(mixed[0]!.status).toBe('rejected');
        expect((mixed[1] as PromiseFulfilledResult<string>).value === (lone[1] as PromiseFulfilledResult<string>).value).toBe(true);
        expect((mixed[2] as PromiseFulfilledResult<string>).value === (lone[2] as PromiseFulfilledResult<string>).value).toBe(true);
      } finally {
        await one.close();
      }
    } finally {
      await solo.close();
    }
  }, 180_000);

  it('renders alone a source without the views\' config block, or with boards of its own', () => {
    expect(batchKeyOf('a -> b\n', {})).toBeUndefined();
    const cfg = 'vars {\n  d2-config {\n    layout-engine: elk\n  }\n}\n';
    expect(batchKeyOf(`${cfg}a -> b\n`, {})).toBeDefined();
    expect(batchKeyOf(`${cfg}a -> b\n`, { layout: 'dagre' })).not.toBe(batchKeyOf(`${cfg}a -> b\n`, {}));
    expect(batchKeyOf(`${cfg}layers: {\n  x: { a }\n}\n`, {})).toBeUndefined();
    for (const extra of ['layers.x: { a }\n', 'label: root\n', '**.style.stroke: red\n', 'vars: { d2-config: { sketch: true } }\n']) expect(batchKeyOf(`${cfg}${extra}`, {}), extra).toBeUndefined();
    // A source that closes its layer and reopens another (D2 merges the two): drawn alone.
    for (const escape of ['x\n}\nb1: {\ny\n', 'x\n}\nb1: {\ny\n}\nb0: {\nq\n', 'a: |md # x { |\n']) expect(batchKeyOf(`${cfg}${escape}`, {}), escape).toBeUndefined();
    expect(balancedBraces('a: "}{" # }\nb: { c: \'{\' }\n')).toBe(true);
    expect(balancedBraces('a: { b\n')).toBe(false);
    expect(batchDocument([`${cfg}a -> b\n`, `${cfg}c\n`])).toBe(`${cfg}layers: {\nb0: {\nvars {\n}\na -> b\n\n}\nb1: {\nvars {\n}\nc\n\n}\n}\n`);
  });

  it('rejects a number of workers that is not a positive integer, and sizes the default by cores', async () => {
    for (const workers of [0, 1.5, -1]) await expect(D2Renderer.start({ workers })).rejects.toBeInstanceOf(GeneratorError);
    for (const batch of [0, 2.5]) await expect(D2Renderer.start({ batch })).rejects.toBeInstanceOf(GeneratorError);
    expect([1, 2, 8].map((cores) => defaultD2Workers(cores))).toEqual([1, 2, 2]);
  });

  it('refuses renders once closed, after finishing those queued', async () => {
    const r = await D2Renderer.start({ workers: 1 });
    const queued = r.render('a -> b\n', 'queued');
    await r.close();
    expect(await queued).toContain('<svg');
    await expect(r.render('a -> b\n', 'late')).rejects.toThrow(/closed/);
  }, 60_000);
});
