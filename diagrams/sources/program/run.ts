/**
 * Runs the program of each stack asked for under mocks, one after another (the SDK's runtime state
 * is global), stacks that others reference first, and turns what ./capture.ts recorded into a
 * graph; answers from ./cache.ts when nothing the run depends on changed. See ./index.ts.
 */

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { GeneratorError } from '../../errors.ts';
import { buildGraph, compareStrings } from '../../graph/graph.ts';
import type { ResourceGraph } from '../../graph/types.ts';
import { cachedProgramGraphs, storeProgramGraphs } from './cache.ts';
import { Capture, isSecretEnvelope } from './capture.ts';
import { mockCall, mockResource, type MockContext } from './mocks-aws.ts';
import { accountOf, DEFAULT_REGION, isObject, readProject, readStackConfig, referencedStack, type ProjectInfo } from './project.ts';
import { loadPulumi, withoutPromiseStacks, withoutSourceMaps } from './sdk.ts';

type Pulumi = Awaited<ReturnType<typeof loadPulumi>>;

export interface ProgramOptions {
  readonly cwd?: string;
  /** Stacks to run (default: every `Pulumi.<stack>.yaml` of the directory). */
  readonly stacks?: readonly string[];
  /**
   * Cache directory for program graphs (see ./cache.ts); undefined: no cache. On a hit the
   * program is not run and the Pulumi SDK is not loaded.
   */
  readonly cacheDir?: string;
}

interface StackRun {
  readonly stack: string;
  readonly graph: ResourceGraph;
  /** Raw Stack outputs (secret envelopes kept), to feed StackReferences. */
  readonly rawOutputs: Record<string, unknown>;
}

/** A run abandoned because it referenced a stack of this directory that has not run yet. */
class ProgramRunError extends Error {}

/** Import the program module; `fresh` re-imports (for programs that create resources at top level). */
async function importProgram(main: string, fresh: string | undefined): Promise<Record<string, unknown>> {
  const url = pathToFileURL(main).href + (fresh !== undefined ? `?stack=${encodeURIComponent(fresh)}` : '');
  return (await import(url)) as Record<string, unknown>;
}

/**
 * The mocks of one stack's run: StackReferences answered with the outputs of stacks already run
 * (a stack not run yet is added to `missing`), resources and calls by ./mocks-aws.ts in the region
 * of their explicit provider, if it has one.
 */
async function installMocks(pulumi: Pulumi, project: ProjectInfo, stack: string, ctx: MockContext, capture: Capture, done: ReadonlyMap<string, StackRun>, missing: Set<string>): Promise<void> {
  const ctxFor = (providerRef: string | undefined): MockContext => {
    const region = providerRef !== undefined && providerRef !== '' ? capture.providerRegions.get(providerRef) : undefined;
    return region === undefined ? ctx : { ...ctx, region };
  };
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (args.type === 'pulumi:pulumi:StackReference') {
          const refName = String(args.inputs.name ?? args.name);
          const target = referencedStack(refName);
          const ran = done.get(target);
          if (ran === undefined) {
            missing.add(target);
            return { id: refName, state: { name: refName, outputs: {}, secretOutputNames: [] } };
          }
          const secretOutputNames = Object.keys(ran.rawOutputs).filter((k) => isSecretEnvelope(ran.rawOutputs[k])).sort(compareStrings);
          return { id: refName, state: { name: refName, outputs: ran.rawOutputs, secretOutputNames } };
        }
        if (!args.custom) return { id: undefined, state: {} };
        return mockResource(args.type, args.name, args.inputs as Record<string, unknown>, ctxFor(args.provider));
      },
      call(args) {
        return mockCall(args.token, args.inputs as Record<string, unknown>, ctxFor(args.provider));
      },
    },
    project.name,
    stack,
    false,
  );
}

/**
 * Runs the program module for `stack` in a Pulumi stack and waits for it; returns what failed, if
 * anything. Errors inside outputs (e.g. a StackReference's requireOutput) surface as unhandled
 * rejections under mocks: they are caught for this run instead of ending the process. A resource
 * whose input rejected never resolves its outputs (the engine would end the program here), so the
 * Stack's outputs and the RPC queue never settle: the first rejection ends the wait for this run.
 * The next setMocks resets the SDK's RPC queue, so an abandoned run does not hold up the next one.
 */
async function runModule(pulumi: Pulumi, project: ProjectInfo, stack: string, firstImport: { mod?: Record<string, unknown> }): Promise<unknown> {
  let failure: unknown;
  let signalFailure: () => void = () => undefined;
  const failed = new Promise<void>((r) => {
    signalFailure = r;
  });
  const onRejection = (reason: unknown): void => {
    failure ??= reason;
    signalFailure();
  };
  const untilFailure = async (p: Promise<unknown>): Promise<void> => {
    p.catch(() => undefined); // an abandoned run may still settle later
    await Promise.race([p, failed]);
  };
  process.on('unhandledRejection', onRejection);
  try {
    const mod = firstImport.mod ?? (await importProgram(project.main, undefined));
    firstImport.mod = mod;
    const main = mod.default;
    if (typeof main === 'function') {
      await untilFailure(
        pulumi.runtime.runInPulumiStack(async () => {
          const out = await (main as () => unknown)();
          return (isObject(out) ? out : {}) as Record<string, unknown>;
        }),
      );
    } else {
      // A program that creates resources at module top level: import it afresh for this stack.
      await untilFailure(
        pulumi.runtime.runInPulumiStack(async () => {
          const fresh = await importProgram(project.main, `${stack}-${Date.now()}`);
          return Object.fromEntries(Object.entries(fresh).filter(([k]) => k !== 'default'));
        }),
      );
    }
  } catch (e) {
    failure = e;
  } finally {
    await untilFailure(pulumi.runtime.disconnect());
    // Let rejections of this run that are still queued arrive before the handler goes.
    await new Promise((r) => setImmediate(r));
    if (failure !== undefined) await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onRejection);
  }
  return failure;
}

/** One stack's run under mocks, as a graph. Throws ProgramRunError when it referenced a stack not run yet. */
async function runStack(project: ProjectInfo, stack: string, done: ReadonlyMap<string, StackRun>, missing: Set<string>, firstImport: { mod?: Record<string, unknown> }): Promise<StackRun> {
  const pulumi = await loadPulumi();
  const config = readStackConfig(project, stack);
  const ctx: MockContext = { stack, account: accountOf(config.values), region: config.values['aws:region'] ?? DEFAULT_REGION };
  const capture = new Capture(project.name, stack, ctx.region);
  await installMocks(pulumi, project, stack, ctx, capture, done, missing);
  pulumi.runtime.setAllConfig(config.values, config.secretKeys);
  capture.install(pulumi.runtime.getMonitor() as unknown as Parameters<Capture['install']>[0]);

  const failure = await runModule(pulumi, project, stack, firstImport);
  if (failure !== undefined) {
    if (missing.size > 0) throw new ProgramRunError('missing references');
    const msg = failure instanceof Error ? failure.message : String(failure);
    throw new GeneratorError('input', `the program failed for stack ${stack}: ${msg.split('\n')[0]!.slice(0, 500)}`, {
      subject: `--program ${project.shown}`,
      expected: `a program that runs under mocks with the config of Pulumi.${stack}.yaml`,
    });
  }
  const graph = buildGraph({
    project: project.name,
    stack,
    source: { kind: 'program', location: project.shown, format: 'program (mocks)' },
    resources: capture.rows(),
    resourcesPath: '(program)',
  });
  return { stack, graph, rawOutputs: capture.stackOutputs };
}

/** Stacks named by another stack's config values (`org/project/<stack>` strings), first; then by name. */
function initialOrder(project: ProjectInfo, stacks: readonly string[]): string[] {
  const referenced = new Set<string>();
  const all = new Set(stacks);
  for (const s of stacks) {
    for (const v of Object.values(readStackConfig(project, s).values)) {
      if (v.includes('/')) {
        const target = referencedStack(v);
        if (target !== s && project.stacks.includes(target)) {
          referenced.add(target);
          all.add(target);
        }
      }
    }
  }
  return [...all].sort((a, b) => Number(referenced.has(b)) - Number(referenced.has(a)) || compareStrings(a, b));
}

/** Serializes runs in this process: the SDK's runtime state is global. */
let queue: Promise<unknown> = Promise.resolve();

/** Run the program of each stack under mocks; returns graphs in the order the stacks were asked (default: by name). */
export function runProgram(dirArg: string, opts: ProgramOptions = {}): Promise<ResourceGraph[]> {
  const next = queue.then(() => runProgramNow(dirArg, opts));
  queue = next.catch(() => undefined);
  return next;
}

async function runProgramNow(dirArg: string, opts: ProgramOptions): Promise<ResourceGraph[]> {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.cacheDir !== undefined) {
    const cached = await cachedProgramGraphs(opts.cacheDir, resolve(cwd, dirArg), dirArg, opts.stacks);
    if (cached !== undefined) return cached;
  }
  const project = readProject(dirArg, cwd);
  const asked = opts.stacks !== undefined && opts.stacks.length > 0 ? [...opts.stacks] : [...project.stacks];
  if (asked.length === 0) {
    throw new GeneratorError('input', 'no Pulumi.<stack>.yaml in the program directory', {
      subject: `--program ${project.shown}`,
      expected: 'at least one stack configuration file, or --stack <name>',
    });
  }
  for (const s of asked) {
    if (!project.stacks.includes(s)) {
      throw new GeneratorError('usage', `no stack ${JSON.stringify(s)} in the program directory`, {
        subject: `--stack ${s}`,
        expected: `one of ${project.stacks.join(', ') || 'none'} (a Pulumi.<stack>.yaml)`,
      });
    }
  }
  const graphs = await withoutSourceMaps(() => withoutPromiseStacks(() => runStacks(project, asked)));
  if (opts.cacheDir !== undefined) await storeProgramGraphs(opts.cacheDir, project, asked, graphs);
  return graphs;
}

async function runStacks(project: ProjectInfo, asked: readonly string[]): Promise<ResourceGraph[]> {
  const pending = initialOrder(project, asked);
  const done = new Map<string, StackRun>();
  const attempts = new Map<string, number>();
  const firstImport: { mod?: Record<string, unknown> } = {};
  while (pending.length > 0) {
    const stack = pending.shift()!;
    if (done.has(stack)) continue;
    const missing = new Set<string>();
    let run: StackRun | undefined;
    try {
      run = await runStack(project, stack, done, missing, firstImport);
    } catch (e) {
      if (!(e instanceof ProgramRunError)) throw e;
    }
    const runnable = [...missing].filter((m) => m !== stack && project.stacks.includes(m) && !done.has(m));
    if (runnable.length > 0) {
      const n = (attempts.get(stack) ?? 0) + 1;
      attempts.set(stack, n);
      if (n > project.stacks.length) {
        throw new GeneratorError('input', `stack references form a cycle through ${stack} (${runnable.join(', ')})`, {
          subject: `--program ${project.shown}`,
          expected: 'StackReferences without cycles',
        });
      }
      pending.unshift(...runnable.sort(compareStrings), stack);
      continue;
    }
    if (run === undefined) {
      const unknown = [...missing].filter((m) => !project.stacks.includes(m));
      throw new GeneratorError('input', `stack ${stack} references stack(s) ${unknown.join(', ') || [...missing].join(', ')} that cannot be run here`, {
        subject: `--program ${project.shown}`,
        expected: `a Pulumi.<stack>.yaml for each referenced stack (have ${project.stacks.join(', ')})`,
      });
    }
    done.set(stack, run);
  }
  return asked.map((s) => done.get(s)!.graph);
}
