/**
 * Scheduling of the renders of one run: D2 (one worker) and the browser work at once, D2 handing
 * each SVG to the browser as soon as it is ready. The D2 queue is here: it takes the smallest waiting
 * source first, once every diagram of the run is known to need it or not, so that the browser gets
 * its first SVG sooner. The PNG queue is the renderer's own (render/png.ts, one page per browser, in
 * call order). After a failure no new render starts: those in flight finish, and the run fails with
 * the first error.
 */

import { GeneratorError } from '../errors.ts';

export interface SvgRenderer {
  render(d2: string, name: string): Promise<string>;
}
export interface PngRenderer {
  render(svg: string): Promise<Buffer>;
}

interface SvgJob {
  readonly d2: string;
  readonly base: string;
  resolve(svg: string): void;
  reject(e: unknown): void;
}

export class RenderSchedule {
  private failure: { error: unknown } | undefined;
  private readonly svgWaiting: SvgJob[] = [];
  private svgBusy = false;
  private undecided: number;
  constructor(
    /** How many diagrams will be decided (need D2 or not) before D2 picks the smallest. */
    diagrams: number,
    private readonly svg: () => Promise<SvgRenderer>,
    private readonly png: () => Promise<PngRenderer>,
    private readonly log: (m: string) => void,
  ) {
    this.undecided = diagrams;
  }

  /** The first error of the run, if any. */
  get failed(): { error: unknown } | undefined {
    return this.failure;
  }

  fail(error: unknown): void {
    this.failure ??= { error };
  }

  private abandoned(): GeneratorError {
    return new GeneratorError('render', 'abandoned after an earlier failure');
  }

  /** One diagram is known to need D2 or not. */
  decided(): void {
    this.undecided--;
    if (this.undecided <= 0) void this.pumpSvg();
  }

  private async pumpSvg(): Promise<void> {
    if (this.svgBusy || this.svgWaiting.length === 0 || this.undecided > 0) return;
    this.svgBusy = true;
    await this.svg().catch(() => undefined); // a failure to start is the job's error, below
    this.svgWaiting.sort((a, b) => a.d2.length - b.d2.length || (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
    const job = this.svgWaiting.shift()!;
    try {
      if (this.failure !== undefined) throw this.abandoned();
      this.log(`rendering ${job.base}.svg`);
      job.resolve(await (await this.svg()).render(job.d2, job.base));
    } catch (e) {
      this.fail(e); // at once: the next pick must see it
      job.reject(e);
    }
    this.svgBusy = false;
    void this.pumpSvg();
  }

  /** Queues a D2 render; `decide` marks the diagram decided (it needs D2). */
  renderSvg(d2: string, base: string, decide: () => void): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.svgWaiting.push({ d2, base, resolve, reject });
      decide();
      void this.pumpSvg();
    });
  }

  /** A PNG render (queued by the renderer itself). */
  async renderPng(svg: string, base: string): Promise<Buffer> {
    try {
      if (this.failure !== undefined) throw this.abandoned();
      this.log(`rendering ${base}.png`);
      return await (await this.png()).render(svg);
    } catch (e) {
      this.fail(e);
      throw e;
    }
  }
}
