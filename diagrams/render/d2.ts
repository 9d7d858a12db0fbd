/**
 * SVG renderer: D2 source text -> SVG string, with the WASM build of D2 (@terrastruct/d2).
 *
 * One instance per run (start once, render many, close at the end). The WASM worker must not be
 * called concurrently (overlapping calls get each other's results), so calls are queued here.
 * Pure: returns strings, never touches the file system.
 */

import v8 from 'node:v8';
import { GeneratorError } from '../errors.ts';

export type D2Layout = 'dagre' | 'elk';

export interface D2RenderOptions {
  /** Layout engine. Omitted: the source's own `vars.d2-config.layout-engine`, else dagre. */
  readonly layout?: D2Layout;
}

interface D2Instance {
  ready: Promise<void>;
  worker: { terminate(): Promise<number>; on(ev: string, fn: (...a: unknown[]) => void): void };
  compile(req: { fs: Record<string, string>; options: Record<string, unknown> }): Promise<{
    diagram: unknown;
    renderOptions: Record<string, unknown>;
  }>;
  render(diagram: unknown, options: Record<string, unknown>): Promise<string>;
}

interface D2CompileError {
  readonly range?: string;
  readonly errmsg?: string;
}

let flagsSet = false;

/** Parses D2's rejection (a JSON list of {range, errmsg}) into a GeneratorError naming the diagram and line. */
export function d2ErrorToGeneratorError(err: unknown, name: string): GeneratorError {
  const raw = err instanceof Error ? err.message : String(err);
  let list: D2CompileError[] | undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (Array.isArray(parsed)) list = parsed as D2CompileError[];
  } catch {
    list = undefined;
  }
  if (!list || list.length === 0) {
    return new GeneratorError('render', `D2 failed to render the diagram: ${raw}`, { subject: name });
  }
  const first = list[0]!;
  // errmsg looks like `index:4:5: arrays must be terminated with ]` (1-based line:column).
  const m = /^[^:]*:(\d+):(\d+):\s*(.*)$/s.exec(first.errmsg ?? '');
  const line = m ? Number(m[1]) : undefined;
  const messages = list.map((e) => {
    const mm = /^[^:]*:(\d+):(\d+):\s*(.*)$/s.exec(e.errmsg ?? '');
    return mm ? `line ${mm[1]} col ${mm[2]}: ${mm[3]}` : (e.errmsg ?? 'unknown error');
  });
  return new GeneratorError('render', `D2 compile error: ${messages.join('; ')}`, {
    subject: name,
    ...(line !== undefined ? { line } : {}),
    expected: 'valid D2 source',
  });
}

export class D2Renderer {
  private instance: D2Instance | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Set when the worker died (e.g. out of wasm memory); the next render starts a fresh one. */
  private dead = false;
  private failCurrent: ((e: Error) => void) | undefined;

  private constructor() {}

  /** Starts the D2 worker (about 1.4 s) and waits until it is ready. */
  static async start(): Promise<D2Renderer> {
    const r = new D2Renderer();
    await r.boot();
    return r;
  }

  private async boot(): Promise<void> {
    if (!flagsSet) {
      // Must precede the worker's creation: faster start, far less memory, no stall at exit.
      v8.setFlagsFromString('--liftoff-only');
      flagsSet = true;
    }
    const mod = (await import('@terrastruct/d2')) as unknown as { D2: new () => D2Instance };
    const inst = new mod.D2();
    try {
      await inst.ready;
    } catch (e) {
      throw new GeneratorError('environment', `the D2 WASM worker failed to start: ${(e as Error).message}`, {
        subject: '@terrastruct/d2',
      });
    }
    inst.worker.on('exit', () => {
      this.dead = true;
      this.failCurrent?.(new Error('the D2 worker exited (out of memory?)'));
    });
    inst.worker.on('error', (e: unknown) => {
      this.dead = true;
      this.failCurrent?.(e instanceof Error ? e : new Error(String(e)));
    });
    this.instance = inst;
    this.dead = false;
  }

  /** Compiles and renders one diagram. `name` names the diagram in errors (e.g. `prod/parameter_store_hierarchy`). */
  render(d2: string, name: string, opts: D2RenderOptions = {}): Promise<string> {
    const job = this.queue.then(() => this.renderNow(d2, name, opts));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private async renderNow(d2: string, name: string, opts: D2RenderOptions): Promise<string> {
    if (this.closed) throw new GeneratorError('render', 'the D2 renderer is closed', { subject: name });
    if (this.dead || !this.instance) {
      await this.instance?.worker.terminate().catch(() => 0);
      await this.boot();
    }
    const inst = this.instance!;
    const crashed = new Promise<never>((_, reject) => {
      this.failCurrent = reject;
    });
    try {
      const options: Record<string, unknown> = {};
      if (opts.layout) options.layout = opts.layout;
      const compiled = await Promise.race([inst.compile({ fs: { index: d2 }, options }), crashed]);
      return await Promise.race([inst.render(compiled.diagram, compiled.renderOptions), crashed]);
    } catch (e) {
      if (this.dead) {
        throw new GeneratorError(
          'render',
          `D2 ran out of memory or crashed on this diagram (${(e as Error).message}); it is too large: aggregate it`,
          { subject: name },
        );
      }
      const err = d2ErrorToGeneratorError(e, name);
      // A compile error keeps the instance usable; anything else (e.g. `"undefined" is not valid
      // JSON` after a wasm out-of-memory) may have left it broken: start a fresh one next time.
      if (err.details.line === undefined) this.dead = true;
      throw err;
    } finally {
      this.failCurrent = undefined;
      crashed.catch(() => undefined);
    }
  }

  /** Terminates the worker so that Node can exit. Waits for queued renders first. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.queue;
    this.closed = true;
    const inst = this.instance;
    this.instance = undefined;
    if (inst) {
      this.dead = true; // the exit event that follows is expected
      await inst.worker.terminate();
    }
  }
}
