/**
 * One fuzz case through the generator in process: the bytes are written to a file and read by the
 * real source reader (`loadGraphs`, as `--state`/`--preview`), then the estate, the rules, the four
 * views, the cost, the stack pages (Markdown through the real templates) and their attachments,
 * estate.json and the index are built, as `generate --format md,json,d2` does, without the writer.
 * Optionally the D2 of the views is rendered to SVG. Then the outputs are checked: plain relative
 * paths, well-formed text, no NUL, no canary secret; a refusal's message bounded and without it.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Templates } from '../../diagrams/docs/markdown.ts';
import { isGeneratorError } from '../../diagrams/errors.ts';
import type { FuzzCase } from './mutate.ts';
import { CANARY } from './mutate.ts';

export type Outcome = 'accepted' | 'refused' | 'crash' | 'invariant';

export interface CaseResult {
  readonly outcome: Outcome;
  /** For a refusal, the error kind; for a crash or an invariant, the signature. */
  readonly detail?: string;
  /** For a crash: the error's name, message (first line, capped) and stack, for the reproducer. */
  readonly error?: { readonly name: string; readonly message: string; readonly stack: string };
  readonly ms: number;
}

/** A refusal's message longer than this is a finding (messages cap what they quote). */
export const MESSAGE_BOUND = 2_000;

type Modules = {
  sources: typeof import('../../diagrams/sources/index.ts');
  estate: typeof import('../../diagrams/estate/build/index.ts');
  store: typeof import('../../diagrams/estate/store.ts');
  rules: typeof import('../../diagrams/compliance/rules/index.ts');
  cost: typeof import('../../diagrams/compliance/cost.ts');
  views: typeof import('../../diagrams/views/index.ts');
  viewmodel: typeof import('../../diagrams/docs/viewmodel.ts');
  json: typeof import('../../diagrams/json/estate-json.ts');
  paths: typeof import('../../diagrams/pipeline/paths.ts');
  writer: typeof import('../../diagrams/writer/index.ts');
};

export interface PipelineEnv {
  readonly m: Modules;
  readonly templates: Templates;
  /** Directory the case files are written to. */
  readonly dir: string;
  /** Renders D2 to SVG when given (sampled by the caller). */
  renderD2?: (d2: string, name: string) => Promise<string>;
}

export async function loadPipeline(dir: string): Promise<PipelineEnv> {
  const [sources, estate, store, rules, cost, views, viewmodel, json, paths, writer, markdown] = await Promise.all([
    import('../../diagrams/sources/index.ts'),
    import('../../diagrams/estate/build/index.ts'),
    import('../../diagrams/estate/store.ts'),
    import('../../diagrams/compliance/rules/index.ts'),
    import('../../diagrams/compliance/cost.ts'),
    import('../../diagrams/views/index.ts'),
    import('../../diagrams/docs/viewmodel.ts'),
    import('../../diagrams/json/estate-json.ts'),
    import('../../diagrams/pipeline/paths.ts'),
    import('../../diagrams/writer/index.ts'),
    import('../../diagrams/docs/markdown.ts'),
  ]);
  return { m: { sources, estate, store, rules, cost, views, viewmodel, json, paths, writer }, templates: await markdown.loadTemplates(), dir };
}

interface Output {
  readonly path: string;
  readonly text: string;
}

/** The outputs of `generate --format md,json,d2` for these sources (D2 rendered when `env.renderD2`). */
export async function runPipeline(env: PipelineEnv, files: readonly string[], kind: 'state' | 'preview'): Promise<Output[]> {
  const { m, templates } = env;
  const graphs = await m.sources.loadGraphs(kind === 'state' ? { state: [...files] } : { preview: [...files] });
  const estate = m.estate.buildEstate(graphs);
  const store = m.store.Store.of(estate);
  const out: Output[] = [];
  const indexStacks = [];
  const dirs = m.paths.stackDirs(estate.stacks);
  for (const s of estate.stacks) {
    const stack = s.key;
    const findings = m.rules.evaluateRules(estate, stack);
    const dir = dirs.get(stack)!;
    const views = m.views.DIAGRAMS.map((d) => m.views.VIEWS[d]({ estate, stack, findings }));
    for (const v of views) {
      if (v.d2 === undefined) continue;
      out.push({ path: `${dir}/${v.name}.d2`, text: v.d2 });
      if (env.renderD2) out.push({ path: `${dir}/${v.name}.svg`, text: await env.renderD2(v.d2, `${dir}/${v.name}`) });
    }
    const cost = m.cost.estimateCost(estate, stack);
    const page = m.viewmodel.buildPageModel({ estate, stack, views, findings, cost, formats: { svg: true, png: true, d2: true } });
    out.push({ path: `${dir}/README.md`, text: templates.renderPage(page.model) });
    for (const a of page.attachments) out.push({ path: `${dir}/${a.name}`, text: a.contents });
    out.push({ path: `${dir}/${m.json.ESTATE_JSON_NAME}`, text: m.json.estateJson({ store, stack, findings, cost, views }) });
    indexStacks.push(m.viewmodel.indexStack(store, stack, findings, views, `${dir}/README.md`, cost));
  }
  const index = m.viewmodel.buildIndex({ stacks: indexStacks, projectPages: m.paths.projectPages(indexStacks.map((s) => s.project)) });
  out.push({ path: 'README.md', text: templates.renderIndex(index.model) });
  for (const a of index.attachments) out.push({ path: a.name, text: a.contents });
  return out;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What is wrong with the outputs, or undefined. */
function outputProblem(env: PipelineEnv, outputs: readonly Output[], canary: boolean): string | undefined {
  const seen = new Set<string>();
  for (const o of outputs) {
    try {
      env.m.writer.validateRelativePath(o.path);
    } catch {
      return 'output path not plain';
    }
    if (seen.has(o.path.toLowerCase())) return 'two outputs at one path';
    seen.add(o.path.toLowerCase());
    if (LONE_SURROGATE.test(o.path)) return 'output path not well-formed UTF-16';
    if (LONE_SURROGATE.test(o.text)) return `output text not well-formed UTF-16 (${path.extname(o.path)})`;
    if (o.path.endsWith('.md') && o.text.includes('\u0000')) return 'NUL in Markdown';
    if (canary && o.text.includes(CANARY)) return `secret canary in ${path.extname(o.path)} output`;
  }
  return undefined;
}

function frames(stack: string, n: number): string[] {
  return stack
    .split('\n')
    .slice(1)
    .map((l) => l.trim().replace(/^at /, '').replace(/file:\/\/\S*?\/(diagrams|scripts|node_modules)\//, '$1/').replace(/\(\S*?\/(diagrams|scripts|node_modules)\//, '($1/').replace(/:(\d+):\d+(\)?)$/, ':$1$2'))
    .filter((l) => l !== '' && !l.startsWith('node:internal') && !l.includes('(node:internal'))
    .slice(0, n);
}

/** Error class, first message words (digits and quoted text folded) and top frames: one per distinct bug. */
export function crashSignature(e: unknown): string {
  if (!(e instanceof Error)) return `non-Error thrown: ${typeof e}`;
  const msg = (e.message.split('\n')[0] ?? '').replace(/"[^"]*"|'[^']*'/g, '…').replace(/\d+/g, 'N').slice(0, 80);
  return [`${e.name}: ${msg}`, ...frames(e.stack ?? '', 3)].join(' | ');
}

/** Runs one case; never throws. */
export async function runCase(env: PipelineEnv, c: FuzzCase): Promise<CaseResult> {
  const t0 = performance.now();
  const main = path.join(env.dir, `case${path.extname(c.seed.name) || '.json'}`);
  const files = [main];
  // Made again if something removed it (a temp-directory clean-up): that is no failure of the case.
  mkdirSync(env.dir, { recursive: true });
  writeFileSync(main, c.bytes);
  c.companions.forEach((s, i) => {
    const f = path.join(env.dir, `companion-${i}.json`);
    writeFileSync(f, s.bytes);
    files.push(f);
  });
  const ms = () => performance.now() - t0;
  try {
    const outputs = await runPipeline(env, files, c.seed.kind);
    const problem = outputProblem(env, outputs, c.canary);
    return problem === undefined ? { outcome: 'accepted', ms: ms() } : { outcome: 'invariant', detail: problem, ms: ms() };
  } catch (e) {
    if (isGeneratorError(e)) {
      if (e.message.length > MESSAGE_BOUND) return { outcome: 'invariant', detail: `message of ${e.message.length} characters (${e.kind})`, ms: ms() };
      if (c.canary && e.message.includes(CANARY)) return { outcome: 'invariant', detail: 'secret canary in an error message', ms: ms() };
      return { outcome: 'refused', detail: e.kind, ms: ms() };
    }
    const err = e instanceof Error ? e : new Error(String(e));
    return { outcome: 'crash', detail: crashSignature(e), error: { name: err.name, message: (err.message.split('\n')[0] ?? '').slice(0, 300), stack: (err.stack ?? '').slice(0, 4_000) }, ms: ms() };
  }
}
