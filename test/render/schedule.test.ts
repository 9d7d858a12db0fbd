/** The render schedule of a run (diagrams/render/schedule.ts), with stand-in renderers. */
import { describe, expect, it } from 'vitest';
import { GeneratorError } from '../../diagrams/errors.ts';
import { RenderSchedule } from '../../diagrams/render/schedule.ts';

/** A D2 stand-in that records what it renders, each render taking a turn of the event loop. */
function recordingSvg(order: string[], fail?: string) {
  return async () => ({
    render: async (d2: string, name: string) => {
      await new Promise((r) => setImmediate(r));
      order.push(name);
      if (name === fail) throw new GeneratorError('render', 'D2 compile error', { subject: name });
      return `<svg>${d2}</svg>`;
    },
  });
}
const noPng = async () => ({ render: async (): Promise<Buffer> => Buffer.from('png') });

describe('RenderSchedule', () => {
  it('starts D2 once every diagram is decided, then takes the smallest source first', async () => {
    const order: string[] = [];
    const s = new RenderSchedule(4, recordingSvg(order), noPng, () => undefined);
    const jobs = [s.renderSvg('x'.repeat(30), 'c', () => s.decided()), s.renderSvg('x'.repeat(10), 'a', () => s.decided()), s.renderSvg('x'.repeat(20), 'b', () => s.decided())];
    await new Promise((r) => setTimeout(r, 20));
    expect(order).toEqual([]); // one diagram still undecided
    s.decided(); // it needs no D2
    expect(await Promise.all(jobs)).toEqual([`<svg>${'x'.repeat(30)}</svg>`, `<svg>${'x'.repeat(10)}</svg>`, `<svg>${'x'.repeat(20)}</svg>`]);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('decidedAll waits for every diagram to be decided, and resolves at once when there are none', async () => {
    const order: string[] = [];
    const s = new RenderSchedule(2, recordingSvg(order), noPng, () => undefined);
    let done = false;
    const all = s.decidedAll().then(() => (done = true));
    const job = s.renderSvg('x', 'a', () => s.decided());
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false); // one diagram still undecided
    s.decided();
    await all;
    expect(done).toBe(true);
    await job;
    await new RenderSchedule(0, recordingSvg(order), noPng, () => undefined).decidedAll();
  });

  it('says D2 is done once, after the last render of a run whose diagrams are all decided (its workers can go)', async () => {
    const order: string[] = [];
    const done: string[][] = [];
    const s = new RenderSchedule(3, recordingSvg(order), noPng, () => undefined, () => done.push([...order]));
    const jobs = [s.renderSvg('aa', 'a', () => s.decided()), s.renderSvg('b', 'b', () => s.decided())];
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual([]); // one diagram still undecided: D2 not started
    s.decided();
    await Promise.all(jobs);
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toEqual([['b', 'a']]);
  });

  it('decidedAll starts D2, and the browser when asked, before it resolves', async () => {
    const started: string[] = [];
    // Started once each, as the pipeline's renderers are.
    let d2: Promise<{ render(d2: string): Promise<string> }> | undefined;
    let browser: Promise<{ render(): Promise<Buffer> }> | undefined;
    const s = new RenderSchedule(
      1,
      () => (d2 ??= (started.push('d2'), Promise.resolve({ render: async (x: string) => `<svg>${x}</svg>` }))),
      () => (browser ??= (started.push('browser'), Promise.resolve({ render: async () => Buffer.from('png') }))),
      () => undefined,
    );
    const job = s.renderSvg('x', 'a', () => s.decided());
    await s.decidedAll({ browser: true });
    expect(started).toEqual(['d2', 'browser']);
    await job;
    const none: string[] = [];
    const t = new RenderSchedule(1, async () => (none.push('d2'), { render: async () => '' }), async () => (none.push('browser'), { render: async () => Buffer.from('') }), () => undefined);
    t.decided(); // nothing to draw
    await t.decidedAll({ browser: true });
    expect(none).toEqual([]);
  });

  it('after a failure starts no new render: the rest are abandoned, and the first error is kept', async () => {
    const order: string[] = [];
    const s = new RenderSchedule(3, recordingSvg(order, 'a'), noPng, () => undefined);
    const jobs = ['a', 'bb', 'ccc'].map((d2) => s.renderSvg(d2, d2, () => s.decided()).catch((e: Error) => e.message));
    expect(await Promise.all(jobs)).toEqual(['a: D2 compile error', 'abandoned after an earlier failure', 'abandoned after an earlier failure']);
    expect(order).toEqual(['a']);
    expect((s.failed?.error as Error).message).toBe('a: D2 compile error');
    await expect(s.renderPng('<svg/>', 'p')).rejects.toThrow(/abandoned/);
  });

  it('gives every queued job the error of a renderer that fails to start', async () => {
    const s = new RenderSchedule(2, async () => {
      throw new GeneratorError('environment', 'the D2 WASM worker failed to start');
    }, noPng, () => undefined);
    const jobs = ['a', 'b'].map((d2) => s.renderSvg(d2, d2, () => s.decided()).catch((e: Error) => e.message));
    expect(await Promise.all(jobs)).toEqual(['the D2 WASM worker failed to start', 'abandoned after an earlier failure']);
  });
  it("keeps as many D2 renders in flight as the renderer's concurrency, smallest source first", async () => {
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const svg = async () => ({
      concurrency: 2,
      render: async (d2: string, name: string) => {
        started.push(name);
        most = Math.max(most, ++running);
        for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
        running--;
        return `<svg>${d2}</svg>`;
      },
    });
    const s = new RenderSchedule(5, svg, noPng, () => undefined);
    const jobs = ['eeeee', 'a', 'ccc', 'bb', 'dddd'].map((d2) => s.renderSvg(d2, d2, () => s.decided()));
    expect(await Promise.all(jobs)).toEqual(['eeeee', 'a', 'ccc', 'bb', 'dddd'].map((d) => `<svg>${d}</svg>`));
    expect(most).toBe(2);
    expect(started).toEqual(['a', 'bb', 'ccc', 'dddd', 'eeeee']);
  });

  it('svgFinished resolves once D2 is no longer needed, whether it was needed or not; svgDone only when it was', async () => {
    const order: string[] = [];
    const done: number[] = [];
    const s = new RenderSchedule(2, recordingSvg(order), noPng, () => undefined, () => done.push(order.length));
    let finished = false;
    void s.svgFinished.then(() => (finished = true));
    const job = s.renderSvg('a', 'a', () => s.decided());
    s.decided();
    await new Promise((r) => setImmediate(r));
    expect(finished).toBe(false); // a render still runs
    await job;
    await s.svgFinished;
    expect(done).toEqual([1]);
    // Every diagram decided without D2 (all reused): finished, and no D2 to close.
    const none = new RenderSchedule(2, recordingSvg(order), noPng, () => undefined, () => done.push(-1));
    none.decided();
    none.decided();
    await none.svgFinished;
    await new RenderSchedule(0, recordingSvg(order), noPng, () => undefined).svgFinished;
    expect(done).toEqual([1]);
  });

  it('holds PNG renders until released; after a failure while held, they are abandoned', async () => {
    const pngs: string[] = [];
    const png = async () => ({ render: async (svg: string): Promise<Buffer> => (pngs.push(svg), Buffer.from('png')) });
    const s = new RenderSchedule(1, recordingSvg([]), png, () => undefined);
    const release = s.holdPngs();
    const first = s.renderPng('<svg>1</svg>', 'one');
    await new Promise((r) => setTimeout(r, 20));
    expect(pngs).toEqual([]);
    release();
    expect((await first).toString()).toBe('png');
    expect(pngs).toEqual(['<svg>1</svg>']);
    const again = s.holdPngs();
    const second = s.renderPng('<svg>2</svg>', 'two');
    s.fail(new GeneratorError('render', 'D2 compile error'));
    again();
    await expect(second).rejects.toThrow(/abandoned/);
    expect(pngs).toEqual(['<svg>1</svg>']);
  });
});
