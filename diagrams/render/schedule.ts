/**
 * Scheduling of the renders of one run: D2 and the browser work at once, D2 handing each SVG to the
 * browser as soon as it is ready. The D2 queue is here: once every diagram of the run is known to
 * need D2 or not, it keeps as many renders in flight as the renderer works on at once (its
 * `concurrency`, its pool of workers, times its `batch`, the diagrams a worker compiles as one
 * document; 1 when it does not say), taking the smallest waiting source
 * first, so that the browser gets its first SVG sooner. The PNG queue is the renderer's own (render/png.ts, one page per browser, in
 * call order). After a failure no new render starts: those in flight finish, and the run fails with
 * the first error.
 */

import { GeneratorError } from '../errors.ts';

export interface SvgRenderer {
  render(d2: string, name: string): Promise<string>;
  /** Renders it works on at once (default 1). */
  readonly concurrency?: number;
  /** Diagrams each of those takes at once, when they are waiting (default 1): the schedule keeps concurrency x batch in flight. */
  readonly batch?: number;
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
  private svgRunning = 0;
  private undecided: number;
  private readonly allDecided: Promise<void>;
  private signalDecided: () => void = () => undefined;
  /** Settles once D2 has started (or failed to), when some diagram needs it. */
  private started: Promise<void> | undefined;
  /** Resolves once every diagram is decided and no D2 render waits or runs (D2 was needed or not). */
  readonly svgFinished: Promise<void>;
  private signalSvgFinished: () => void = () => undefined;
  private svgOver = false;
  /** While set, PNG renders wait for it (see `holdPngs`). */
  private pngHold: Promise<void> | undefined;
  constructor(
    /** How many diagrams will be decided (need D2 or not) before D2 picks the smallest. */
    diagrams: number,
    private readonly svg: () => Promise<SvgRenderer>,
    private readonly png: () => Promise<PngRenderer>,
    private readonly log: (m: string) => void,
    /** Called once, when every diagram is decided and the last D2 render has finished (D2 is no longer needed). */
    private readonly svgDone: () => void = () => undefined,
  ) {
    this.undecided = diagrams;
    this.allDecided = new Promise((r) => (this.signalDecided = r));
    this.svgFinished = new Promise((r) => (this.signalSvgFinished = r));
    if (diagrams <= 0) this.signalDecided(), this.finishSvg();
  }

  /**
   * Makes every PNG render wait until the returned function is called (it must be, on every path):
   * a run that frees memory between its last SVG and its first PNG.
   */
  holdPngs(): () => void {
    let release: () => void = () => undefined;
    this.pngHold = new Promise((r) => (release = r));
    return () => {
      this.pngHold = undefined;
      release();
    };
  }

  /** Once, when D2 is no longer needed: `svgDone` when D2 did some work, then `svgFinished`. */
  private finishSvg(): void {
    if (this.svgOver || this.undecided > 0 || this.svgRunning > 0 || this.svgWaiting.length > 0) return;
    this.svgOver = true;
    if (this.started !== undefined) this.svgDone();
    this.signalSvgFinished();
  }

  /**
   * Resolves once every diagram is decided and the D2 renders they need are handed out (the caller
   * may then keep the main thread busy): D2 is started (its workers' start needs this thread's event
   * loop) and, with `browser`, so is the browser when some diagram is drawn.
   */
  async decidedAll(opts: { readonly browser?: boolean } = {}): Promise<void> {
    await this.allDecided;
    await this.started;
    if (opts.browser === true && this.started !== undefined) await this.png().catch(() => undefined);
    // The first renders' dispatch is a promise continuation: let it run.
    await new Promise((r) => setImmediate(r));
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
    if (this.undecided <= 0) {
      this.pumpSvg();
      this.signalDecided();
      this.finishSvg();
    }
  }

  /** Starts waiting D2 renders, smallest source first, up to the renderer's concurrency. */
  private pumpSvg(): void {
    if (this.svgWaiting.length === 0 || this.undecided > 0) return;
    // A failure to start is the error of the job that meets it (runSvg), the others are abandoned.
    this.started ??= this.svg().then(
      () => undefined,
      () => undefined,
    );
    void this.svg().then(
      (r) => this.dispatchSvg((r.concurrency ?? 1) * (r.batch ?? 1)),
      () => this.dispatchSvg(1),
    );
  }

  private dispatchSvg(limit: number): void {
    while (this.svgRunning < limit && this.svgWaiting.length > 0) {
      this.svgWaiting.sort((a, b) => a.d2.length - b.d2.length || (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
      const job = this.svgWaiting.shift()!;
      this.svgRunning++;
      void this.runSvg(job).finally(() => {
        this.svgRunning--;
        this.pumpSvg();
        this.finishSvg();
      });
    }
  }

  private async runSvg(job: SvgJob): Promise<void> {
    try {
      if (this.failure !== undefined) throw this.abandoned();
      this.log(`rendering ${job.base}.svg`);
      job.resolve(await (await this.svg()).render(job.d2, job.base));
    } catch (e) {
      this.fail(e); // at once: the next pick must see it
      job.reject(e);
    }
  }

  /** Queues a D2 render; `decide` marks the diagram decided (it needs D2). */
  renderSvg(d2: string, base: string, decide: () => void): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      this.svgWaiting.push({ d2, base, resolve, reject });
      decide();
      this.pumpSvg();
    });
  }

  /** A PNG render (queued by the renderer itself). */
  async renderPng(svg: string, base: string): Promise<Buffer> {
    try {
      if (this.failure !== undefined) throw this.abandoned();
      if (this.pngHold !== undefined) await this.pngHold;
      if (this.failure !== undefined) throw this.abandoned();
      this.log(`rendering ${base}.png`);
      return await (await this.png()).render(svg);
    } catch (e) {
      this.fail(e);
      throw e;
    }
  }
}
