/**
 * SVG renderer: D2 source text -> SVG string, with the WASM build of D2 (@terrastruct/d2).
 *
 * One instance per run (start once, render many, close at the end). It keeps a small pool of D2
 * workers (threads), each running its own instance of the one compiled WASM module: a worker takes
 * one request at a time (overlapping calls into one WASM instance get each other's results), and
 * the pool works on as many requests at once as it has workers. A request is one diagram, or a
 * batch: up to `batch` waiting diagrams that share the views' d2-config block, compiled as one
 * document with a layer each (D2 spends a fixed ~90 ms per compile, measured in
 * docs/benchmarks.md: shared, a diagram costs about half) and each layer rendered as the root
 * diagram it would be alone, so the SVG bytes are the same. A batch that does not compile goes back
 * to the queue diagram by diagram, each then getting its own error. Pure: returns strings, never
 * touches the file system except to read the package's own files.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { GeneratorError } from '../errors.ts';

export type D2Layout = 'dagre' | 'elk';

export interface D2RenderOptions {
  /** Layout engine. Omitted: the source's own `vars.d2-config.layout-engine`, else dagre. */
  readonly layout?: D2Layout;
}

export interface D2StartOptions {
  /** D2 workers (diagrams rendered at once). Default: 2, or 1 on a single-core machine. */
  readonly workers?: number;
  /** Diagrams a worker compiles as one document, at most (default DEFAULT_D2_BATCH; 1: each alone). */
  readonly batch?: number;
}

interface D2CompileError {
  readonly range?: string;
  readonly errmsg?: string;
}

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

/**
 * The worker thread (a plain JavaScript module, from a data: URL, so that like the package's own
 * worker it has no CommonJS globals, which would make ELK's loader export instead of define ELK): it loads the package's Go runtime
 * glue, ELK and ELK setup in the order the package's own worker does, instantiates the compiled
 * module it is given, and answers `render` messages with compile + render in one go (the package's
 * worker needs two round trips, the compiled diagram cloned to the main thread and back). The
 * compile and render requests are the JSON texts the package sends, so the SVG bytes are the same.
 */
const WORKER_SOURCE = String.raw`
import { parentPort, workerData } from 'node:worker_threads';
const run = (code) => new Function(code).call(globalThis);
let d2;
async function renderOne(fs, options) {
  const c = JSON.parse(await d2.compile(JSON.stringify({ fs, options })));
  if (c.error) throw new Error(c.error.message);
  const r = JSON.parse(await d2.render(JSON.stringify({ diagram: c.data.diagram, options: c.data.renderOptions })));
  if (r.error) throw new Error(r.error.message);
  return new TextDecoder().decode(Buffer.from(r.data, 'base64'));
}
// A batch: one document whose layers are the diagrams, compiled at once (D2's fixed cost per
// compile is shared), each layer then rendered as the root diagram it would be alone (name, label
// and config of a root: the same bytes) and posted as soon as it is drawn.
async function renderBatch(m) {
  const c = JSON.parse(await d2.compile(JSON.stringify({ fs: { index: m.doc }, options: m.options })));
  if (c.error) {
    parentPort.postMessage({ batchFailed: m.ids, error: c.error.message });
    return;
  }
  const root = c.data.diagram;
  // Exactly the layers b0..bN and nothing else: a source whose braces do not balance can close its
  // layer early and move diagrams between layers, or put them at the root.
  const layers = root.layers ?? [];
  const exact = layers.length === m.ids.length && layers.every((l, i) => l.name === 'b' + i) &&
    !(root.shapes ?? []).length && !(root.connections ?? []).length && !(root.scenarios ?? []).length && !(root.steps ?? []).length;
  if (!exact) {
    parentPort.postMessage({ batchFailed: m.ids, error: 'the batch document does not hold its diagrams as one layer each' });
    return;
  }
  for (let i = 0; i < m.ids.length; i++) {
    try {
      const layer = root.layers[i];
      const diagram = { ...layer, name: '', config: root.config, root: { ...layer.root, label: '' } };
      root.layers[i] = undefined;
      const r = JSON.parse(await d2.render(JSON.stringify({ diagram, options: c.data.renderOptions })));
      if (r.error) throw new Error(r.error.message);
      parentPort.postMessage({ id: m.ids[i], svg: new TextDecoder().decode(Buffer.from(r.data, 'base64')) });
    } catch (e) {
      parentPort.postMessage({ id: m.ids[i], error: e && e.message !== undefined ? e.message : String(e) });
    }
  }
}
parentPort.on('message', async (m) => {
  if (m.ids !== undefined) {
    try {
      await renderBatch(m);
    } catch (e) {
      // Not a compile error (e.g. "undefined" is not valid JSON after a WASM out-of-memory): the instance may be broken.
      parentPort.postMessage({ batchFailed: m.ids, broken: true, error: e && e.message !== undefined ? e.message : String(e) });
    }
    return;
  }
  try {
    parentPort.postMessage({ id: m.id, svg: await renderOne(m.fs, m.options) });
  } catch (e) {
    parentPort.postMessage({ id: m.id, error: e && e.message !== undefined ? e.message : String(e) });
  }
});
try {
  run(workerData.wasmExec);
  if (typeof globalThis.ELK === 'undefined') {
    run(workerData.elk);
    run(workerData.setup);
  }
  const go = new Go();
  const instance = await WebAssembly.instantiate(workerData.module, go.importObject);
  go.run(instance);
  d2 = globalThis.d2;
  parentPort.postMessage({ ready: true });
} catch (e) {
  parentPort.postMessage({ ready: false, error: e && e.message !== undefined ? e.message : String(e) });
}
`;
const WORKER_URL = new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`);

/** The global WebAssembly API (the compiler options of this repository declare only its types). */
const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } }).WebAssembly;

interface Assets {
  /** The compiled module (a WebAssembly.Module, which a worker receives without compiling it again). */
  readonly module: object;
  readonly wasmExec: string;
  readonly elk: string;
  readonly setup: string;
}

let assets: Promise<Assets> | undefined;
/** Renderers started and not yet closed: when the last one closes, the compiled module is let go. */
let openRenderers = 0;

/**
 * The package's files, read once, and its WASM compiled once per process: every worker
 * instantiates the same module, so code compiled lazily for one is there for the others.
 */
function loadAssets(): Promise<Assets> {
  assets ??= (async () => {
    // Before the first compilation: Liftoff code only. With TurboFan tiering a warm render takes
    // less CPU, but the tier-up of this module's very large functions costs CPU in the first
    // renders, a slower start and more than twice the memory: more than a run of a few dozen
    // diagrams on two cores earns back.
    v8.setFlagsFromString('--liftoff-only');
    const dir = dirname(createRequire(import.meta.url).resolve('@terrastruct/d2'));
    const [wasm, wasmExec, elk, setup] = await Promise.all([
      readFile(join(dir, 'd2.wasm')),
      ...['wasm_exec.js', 'elk.js', 'setup.js'].map((f) => readFile(join(dir, f), 'utf8')),
    ] as const);
    return { module: await wasmApi.compile(wasm), wasmExec, elk, setup };
  })();
  assets.catch(() => {
    assets = undefined; // a later start tries again
  });
  return assets;
}

interface Pending {
  resolve(svg: string): void;
  reject(e: Error): void;
}

/** One worker thread with its own WASM instance; one render at a time. */
class D2Worker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  /** Set when the thread died or its instance may be broken: the pool replaces it. */
  dead = false;

  private constructor(private readonly thread: Worker) {
    thread.on('message', (m: { id?: number; svg?: string; error?: string; batchFailed?: number[]; broken?: boolean }) => {
      if (m.batchFailed !== undefined) {
        // A fresh instance for what follows: the failure may have left this one broken.
        if (m.broken === true) this.dead = true;
        for (const id of m.batchFailed) {
          this.pending.get(id)?.reject(new BatchFailed(m.error ?? 'the batch failed'));
          this.pending.delete(id);
        }
        return;
      }
      const p = m.id === undefined ? undefined : this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id!);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.svg!);
    });
    const fail = (e: Error) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    thread.on('error', (e: unknown) => fail(e instanceof Error ? e : new Error(String(e))));
    thread.on('exit', () => fail(new Error('the D2 worker exited (out of memory?)')));
  }

  static async boot(): Promise<D2Worker> {
    let a: Assets;
    try {
      a = await loadAssets();
    } catch (e) {
      throw new GeneratorError('environment', `the D2 WASM module cannot be loaded: ${(e as Error).message}`, { subject: '@terrastruct/d2' });
    }
    // No execArgv: the worker is plain JavaScript and needs none of the main thread's loaders.
    const thread = new Worker(WORKER_URL, { execArgv: [], workerData: a });
    const ready = await new Promise<{ ready: boolean; error?: string }>((resolve) => {
      thread.once('message', resolve);
      thread.once('error', (e) => resolve({ ready: false, error: e.message }));
      thread.once('exit', () => resolve({ ready: false, error: 'the worker exited' }));
    });
    if (!ready.ready) {
      await thread.terminate().catch(() => 0);
      throw new GeneratorError('environment', `the D2 WASM worker failed to start: ${ready.error ?? 'unknown error'}`, { subject: '@terrastruct/d2' });
    }
    return new D2Worker(thread);
  }

  render(d2: string, options: Record<string, unknown>): Promise<string> {
    if (this.dead) return Promise.reject(new Error('the D2 worker exited (out of memory?)'));
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.thread.postMessage({ id, fs: { index: d2 }, options });
    });
  }

  /** Renders the diagrams of `doc` (see `batchDocument`), one promise per layer, in order; all reject with BatchFailed when the document does not compile. */
  renderBatch(doc: string, count: number, options: Record<string, unknown>): Promise<string>[] {
    if (this.dead) return Array.from({ length: count }, () => Promise.reject(new Error('the D2 worker exited (out of memory?)')));
    const ids = Array.from({ length: count }, () => this.nextId++);
    const out = ids.map((id) => new Promise<string>((resolve, reject) => this.pending.set(id, { resolve, reject })));
    this.thread.postMessage({ ids, doc, options });
    return out;
  }

  async terminate(): Promise<void> {
    this.dead = true; // the exit event that follows is expected
    await this.thread.terminate().catch(() => 0);
  }
}

interface Job {
  readonly d2: string;
  readonly name: string;
  readonly opts: D2RenderOptions;
  resolve(svg: string): void;
  reject(e: unknown): void;
  /** What a batch of it shares (its d2-config block and layout), or undefined: rendered alone. */
  readonly batchKey: string | undefined;
  /** Rendered alone from now on: its batch failed (a compile error, a crashed worker), and alone it gets its own error. */
  solo?: boolean;
}

/** The document of a batch did not compile (or its worker failed on it): its diagrams are rendered alone. */
class BatchFailed extends Error {}

/** A source's leading `vars { d2-config { ... }` block, as the views compose it. */
const CONFIG_BLOCK = /^vars \{\n {2}d2-config \{\n(?: {4}[^\n]*\n)*? {2}\}\n/;
/**
 * What a layer would not draw as the root does: boards of its own (`layers`, `scenarios`,
 * `steps`, also dotted), a label of the root, a second d2-config, and `**` globs (which reach
 * into other boards). A source with any of them is rendered alone. The views write none.
 */
const NOT_IN_A_LAYER = [/^\s*(?:layers|scenarios|steps)\s*[.:{]/m, /^label\s*:/m, /\*\*/, /d2-config[\s\S]*d2-config/];

/**
 * Whether a source's braces balance outside quoted strings and comments, never closing more than
 * it opened: only then does it stay inside its layer (a source that closes its layer early can
 * reopen another one, and D2 merges the two). A block string (`|...|`) is not followed: a source
 * with one is rendered alone.
 */
export function balancedBraces(src: string): boolean {
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 34 || c === 39) {
      // A quoted string, to its closing quote (escapes skipped) or the end of the line.
      for (i++; i < src.length && src.charCodeAt(i) !== c && src.charCodeAt(i) !== 10; i++) if (src.charCodeAt(i) === 92) i++;
    } else if (c === 35) {
      while (i < src.length && src.charCodeAt(i) !== 10) i++;
    } else if (c === 124) return false;
    else if (c === 123) depth++;
    else if (c === 125 && --depth < 0) return false;
  }
  return depth === 0;
}

/** What a batch of this source shares, or undefined when it is rendered alone. */
export function batchKeyOf(d2: string, opts: D2RenderOptions): string | undefined {
  const cfg = CONFIG_BLOCK.exec(d2);
  if (!cfg || NOT_IN_A_LAYER.some((re) => re.test(d2)) || !balancedBraces(d2)) return undefined;
  return `${opts.layout ?? ''}\u0000${cfg[0]}`;
}

/**
 * One D2 document holding the diagrams as layers `b0`, `b1`, ...: the shared d2-config at the
 * root, each source's own vars (its icons) and body in its layer. The sources share a batch key.
 */
export function batchDocument(sources: readonly string[]): string {
  const cfg = CONFIG_BLOCK.exec(sources[0]!)![0];
  const layers = sources.map((src, i) => `b${i}: {\n${src.replace(CONFIG_BLOCK, 'vars {\n')}\n}`);
  return `${cfg}}\nlayers: {\n${layers.join('\n')}\n}\n`;
}

/** Diagrams a worker takes at once, at most (measured: the cost per diagram falls to about half by 8, then stays; docs/benchmarks.md). */
export const DEFAULT_D2_BATCH = 8;

/** A worker place in the pool: booting, idle or busy; `worker` undefined until booted (or after a failed boot). */
interface Slot {
  worker: Promise<D2Worker> | undefined;
  busy: boolean;
  /** Its first boot failed (at start): the pool does without it. */
  unusable: boolean;
}

/** The default pool size: two workers, one on a single-core machine (docs/benchmarks.md). */
export function defaultD2Workers(cores: number = os.availableParallelism()): number {
  return Math.max(1, Math.min(2, cores));
}

export class D2Renderer {
  private readonly slots: Slot[];
  private readonly waiting: Job[] = [];
  private inFlight = 0;
  private closed = false;
  private drained: (() => void) | undefined;

  /** A pump is due (renders asked for in one burst of calls are batched together). */
  private pumpDue = false;

  private constructor(
    workers: number,
    /** Diagrams a worker takes at once, at most. */
    readonly batch: number,
  ) {
    this.slots = Array.from({ length: workers }, () => ({ worker: undefined, busy: false, unusable: false }));
  }

  /**
   * Starts the D2 workers and waits until the first is ready (it compiles the WASM module); the others join
   * the pool as they become ready.
   */
  static async start(opts: D2StartOptions = {}): Promise<D2Renderer> {
    const n = opts.workers ?? defaultD2Workers();
    if (!Number.isInteger(n) || n < 1) throw new GeneratorError('usage', `not a number of D2 workers: ${String(n)}`, { expected: 'a positive integer' });
    const batch = opts.batch ?? DEFAULT_D2_BATCH;
    if (!Number.isInteger(batch) || batch < 1) throw new GeneratorError('usage', `not a D2 batch size: ${String(batch)}`, { expected: 'a positive integer' });
    const r = new D2Renderer(n, batch);
    openRenderers++;
    const [first, ...rest] = r.slots;
    first!.worker = D2Worker.boot();
    first!.busy = true;
    try {
      await first!.worker;
    } catch (e) {
      first!.worker = undefined;
      r.released();
      throw e;
    } finally {
      first!.busy = false;
    }
    for (const slot of rest) {
      slot.busy = true;
      slot.worker = D2Worker.boot();
      slot.worker.then(
        () => {
          slot.busy = false;
          r.pump();
        },
        () => {
          slot.worker = undefined;
          slot.unusable = true;
          slot.busy = false;
          r.pump();
        },
      );
    }
    return r;
  }

  /** How many diagrams this renderer works on at once. */
  get concurrency(): number {
    return this.slots.filter((s) => !s.unusable).length;
  }

  /** Compiles and renders one diagram. `name` names the diagram in errors (e.g. `prod/parameter_store_hierarchy`). */
  render(d2: string, name: string, opts: D2RenderOptions = {}): Promise<string> {
    if (this.closed) return Promise.reject(new GeneratorError('render', 'the D2 renderer is closed', { subject: name }));
    return new Promise<string>((resolve, reject) => {
      this.waiting.push({ d2, name, opts, resolve, reject, batchKey: this.batch > 1 ? batchKeyOf(d2, opts) : undefined });
      this.schedulePump();
    });
  }

  /** Pumps once the current burst of calls is over (a microtask later), so that its renders can share batches. */
  private schedulePump(): void {
    if (this.pumpDue) return;
    this.pumpDue = true;
    queueMicrotask(() => {
      this.pumpDue = false;
      this.pump();
    });
  }

  /**
   * Gives each idle worker the next waiting job, in call order, with the waiting jobs that share its
   * batch key: at most `batch`, and an even share of what waits when several workers are idle.
   */
  private pump(): void {
    for (const slot of this.slots) {
      if (this.waiting.length === 0) break;
      if (slot.busy || slot.unusable) continue;
      const idle = this.slots.filter((x) => !x.busy && !x.unusable).length;
      const share = Math.min(this.batch, Math.ceil(this.waiting.length / idle));
      const first = this.waiting.shift()!;
      const jobs = [first];
      if (first.batchKey !== undefined && !first.solo) {
        for (let i = 0; i < this.waiting.length && jobs.length < share; ) {
          const j = this.waiting[i]!;
          if (j.batchKey === first.batchKey && !j.solo) {
            jobs.push(j);
            this.waiting.splice(i, 1);
          } else i++;
        }
      }
      slot.busy = true;
      this.inFlight += jobs.length;
      void (jobs.length === 1 ? this.runOn(slot, first) : this.runBatchOn(slot, jobs)).finally(() => {
        slot.busy = false;
        this.inFlight -= jobs.length;
        if (this.inFlight === 0 && this.waiting.length === 0) this.drained?.();
        this.pump();
      });
    }
  }

  /** The slot's worker, booted again if it died. */
  private async workerOf(slot: Slot): Promise<D2Worker> {
    let w = slot.worker ? await slot.worker.catch(() => undefined) : undefined;
    if (!w || w.dead) {
      await w?.terminate();
      slot.worker = D2Worker.boot();
      w = await slot.worker.catch((e: unknown) => {
        slot.worker = undefined;
        throw e;
      });
    }
    return w;
  }

  /**
   * Several diagrams as one document. When it does not compile, or the worker fails on it, the
   * diagrams not yet drawn go back to the front of the queue to be rendered alone: each then gets
   * its own error (line numbers of its own source), or its SVG.
   */
  private async runBatchOn(slot: Slot, jobs: readonly Job[]): Promise<void> {
    let worker: D2Worker;
    try {
      worker = await this.workerOf(slot);
    } catch (e) {
      for (const j of jobs) j.reject(e);
      return;
    }
    const options: Record<string, unknown> = {};
    if (jobs[0]!.opts.layout) options.layout = jobs[0]!.opts.layout;
    const results = worker.renderBatch(batchDocument(jobs.map((j) => j.d2)), jobs.length, options);
    const again: Job[] = [];
    await Promise.all(
      results.map(async (p, i) => {
        const job = jobs[i]!;
        try {
          job.resolve(await p);
        } catch (e) {
          if (e instanceof BatchFailed || worker.dead) {
            job.solo = true;
            again.push(job);
            return;
          }
          const err = d2ErrorToGeneratorError(e, job.name);
          if (err.details.line === undefined) worker.dead = true;
          job.reject(err);
        }
      }),
    );
    if (again.length > 0) {
      // In call order, before what waits.
      this.waiting.unshift(...jobs.filter((j) => again.includes(j)));
    }
  }

  private async runOn(slot: Slot, job: Job): Promise<void> {
    let worker: D2Worker;
    try {
      worker = await this.workerOf(slot);
    } catch (e) {
      job.reject(e);
      return;
    }
    try {
      const options: Record<string, unknown> = {};
      if (job.opts.layout) options.layout = job.opts.layout;
      job.resolve(await worker.render(job.d2, options));
    } catch (e) {
      if (worker.dead) {
        job.reject(new GeneratorError('render', `D2 ran out of memory or crashed on this diagram (${(e as Error).message}); it is too large: aggregate it`, { subject: job.name }));
        return;
      }
      const err = d2ErrorToGeneratorError(e, job.name);
      // A compile error keeps the instance usable; anything else (e.g. `"undefined" is not valid
      // JSON` after a wasm out-of-memory) may have left it broken: start a fresh one next time.
      if (err.details.line === undefined) worker.dead = true;
      job.reject(err);
    }
  }

  /** Terminates the workers so that Node can exit. Waits for queued renders first. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.inFlight > 0 || this.waiting.length > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await Promise.all(this.slots.map(async (s) => (await s.worker?.catch(() => undefined))?.terminate()));
    this.released();
  }

  /**
   * Once no renderer is open, the compiled module (its Liftoff code; ~40 MB of RSS came back after
   * the next collection, measured with the built-in estate's 13 diagrams) is no longer kept for the
   * next start: a run's last SVG frees it.
   */
  private released(): void {
    if (--openRenderers === 0) assets = undefined;
  }
}
