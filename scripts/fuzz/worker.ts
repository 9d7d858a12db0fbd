/**
 * A fuzz worker (a child process of scripts/fuzz.ts): receives the seeds once, then case numbers;
 * builds each case (the same bytes as any other worker would), runs it through the pipeline and
 * answers with the outcome. Shrinks a failing case on request. The parent kills it on a hang.
 */

import type { D2Renderer } from '../../diagrams/render/d2.ts';
import { makeCase, type FuzzCase, type SeedFile } from './mutate.ts';
import { crashSignature, loadPipeline, runCase, type CaseResult, type PipelineEnv } from './pipeline.ts';
import { shrink } from './shrink.ts';

export type ToWorker =
  | { type: 'init'; seeds: SeedFile[]; types: string[]; seed: string; renderEvery: number; dir: string }
  | { type: 'case'; index: number }
  | { type: 'shrink'; index: number; detail: string; attempts: number; ms: number };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'result'; index: number; ops: readonly string[]; seedName: string; companions: number; result: CaseResult }
  | { type: 'shrunk'; index: number; bytes: Buffer; attempts: number };

interface State {
  env: PipelineEnv;
  seeds: SeedFile[];
  types: string[];
  seed: string;
  renderEvery: number;
  d2?: Promise<D2Renderer>;
}

let state: State | undefined;

function send(m: FromWorker): void {
  process.send!(m);
}

async function caseResult(s: State, c: FuzzCase): Promise<CaseResult> {
  const render = s.renderEvery > 0 && c.index % s.renderEvery === 0;
  if (render) {
    s.d2 ??= import('../../diagrams/render/d2.ts').then((m) => m.D2Renderer.start());
    const d2 = await s.d2;
    s.env.renderD2 = (text, name) => d2.render(text, name);
  }
  try {
    return await runCase(s.env, c);
  } finally {
    delete s.env.renderD2;
  }
}

async function handle(m: ToWorker): Promise<void> {
  if (m.type === 'init') {
    state = { env: await loadPipeline(m.dir), seeds: m.seeds, types: m.types, seed: m.seed, renderEvery: m.renderEvery };
    send({ type: 'ready' });
    return;
  }
  const s = state!;
  const c = makeCase(s.seeds, s.types, s.seed, m.index);
  if (m.type === 'case') {
    const result = await caseResult(s, c);
    send({ type: 'result', index: m.index, ops: c.ops, seedName: c.seed.name, companions: c.companions.length, result });
    return;
  }
  const fails = async (bytes: Buffer): Promise<boolean> => {
    const r = await runCase(s.env, { ...c, bytes });
    return r.detail === m.detail && (r.outcome === 'crash' || r.outcome === 'invariant');
  };
  const r = await shrink(c.bytes, fails, { attempts: m.attempts, ms: m.ms });
  send({ type: 'shrunk', index: m.index, bytes: r.bytes, attempts: r.attempts });
}

// One message at a time, in order.
let chain: Promise<void> = Promise.resolve();
process.on('message', (m: ToWorker) => {
  chain = chain
    .then(() => handle(m))
    .catch((e: unknown) => {
      // A failure of the harness itself (making the case), reported as a crash with its own signature.
      if (m.type !== 'init') send({ type: 'result', index: m.index, ops: [], seedName: '(fuzz harness)', companions: 0, result: { outcome: 'crash', detail: `fuzz harness: ${crashSignature(e)}`, ms: 0 } });
      else throw e;
    });
});
process.on('disconnect', () => process.exit(0));
