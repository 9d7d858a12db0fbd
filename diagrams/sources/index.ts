/**
 * Sources: one entry point that turns the user's source flags into ResourceGraphs.
 *
 * Exactly one source kind at a time: `--state` (repeatable), `--backend`, `--preview` (repeatable),
 * `--program [dir]`, or `--live`. With none, the program in `cwd` is run for every
 * `Pulumi.<stack>.yaml`. `--stack` (repeatable) names the stacks to run or read, and with `--state`
 * or `--preview` selects among the files' stacks.
 *
 * File readers never load the Pulumi SDK: the program source is imported lazily.
 */

import { GeneratorError } from '../errors.ts';
import type { ResourceGraph } from '../graph/types.ts';
import { readBackend } from './backend.ts';
import { readPreviewFile } from './preview.ts';
import { readStateFile } from './state.ts';

export interface SourceOptions {
  state?: string[];
  backend?: string;
  preview?: string[];
  program?: string;
  live?: boolean;
  stacks?: string[];
  cwd?: string;
  /** Cache directory for program graphs (the render cache's); undefined: no cache. Other sources ignore it. */
  cacheDir?: string;
}

type Kind = 'state' | 'backend' | 'preview' | 'program' | 'live';

function givenKinds(opts: SourceOptions): Kind[] {
  const kinds: Kind[] = [];
  if (opts.state !== undefined && opts.state.length > 0) kinds.push('state');
  if (opts.backend !== undefined) kinds.push('backend');
  if (opts.preview !== undefined && opts.preview.length > 0) kinds.push('preview');
  if (opts.program !== undefined) kinds.push('program');
  if (opts.live === true) kinds.push('live');
  return kinds;
}

function selectStacks(graphs: ResourceGraph[], stacks: readonly string[] | undefined, flag: string): ResourceGraph[] {
  if (stacks === undefined || stacks.length === 0) return graphs;
  const names = (g: ResourceGraph): string[] => [g.stack.stack, `${g.stack.project}/${g.stack.stack}`];
  for (const s of stacks) {
    if (!graphs.some((g) => names(g).includes(s))) {
      throw new GeneratorError('usage', `no stack ${JSON.stringify(s)} in the ${flag} files`, {
        subject: `--stack ${s}`,
        expected: `one of ${graphs.map((g) => `${g.stack.project}/${g.stack.stack}`).join(', ') || 'none'}`,
      });
    }
  }
  return graphs.filter((g) => stacks.some((s) => names(g).includes(s)));
}

function checkUnique(graphs: readonly ResourceGraph[], flag: string): void {
  const seen = new Map<string, string>();
  for (const g of graphs) {
    const key = `${g.stack.project}/${g.stack.stack}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      throw new GeneratorError('usage', `stack ${key} is given twice (${prev} and ${g.stack.source.location})`, {
        subject: flag,
        expected: 'each stack once',
      });
    }
    seen.set(key, g.stack.source.location);
  }
}

/** Load the graphs of the given source. Throws GeneratorError kind 'usage' for conflicting flags. */
export async function loadGraphs(opts: SourceOptions): Promise<ResourceGraph[]> {
  const kinds = givenKinds(opts);
  if (kinds.length > 1) {
    throw new GeneratorError('usage', `conflicting sources: ${kinds.map((k) => `--${k}`).join(' and ')}`, {
      subject: kinds.map((k) => `--${k}`).join(' '),
      expected: 'exactly one of --state, --backend, --preview, --program or --live',
    });
  }
  const cwd = opts.cwd ?? process.cwd();
  const stdinCount = [...(opts.state ?? []), ...(opts.preview ?? [])].filter((x) => x === '-').length;
  if (stdinCount > 1) {
    throw new GeneratorError('usage', '`-` (stdin) given more than once', { subject: '-', expected: 'stdin for at most one file' });
  }
  const kind = kinds[0] ?? 'program';
  switch (kind) {
    case 'state': {
      const graphs: ResourceGraph[] = [];
      for (const f of opts.state!) graphs.push(await readStateFile(f, { cwd }));
      checkUnique(graphs, '--state');
      return selectStacks(graphs, opts.stacks, '--state');
    }
    case 'preview': {
      const graphs: ResourceGraph[] = [];
      for (const f of opts.preview!) graphs.push(await readPreviewFile(f, { cwd }));
      checkUnique(graphs, '--preview');
      return selectStacks(graphs, opts.stacks, '--preview');
    }
    case 'backend':
      return readBackend(opts.backend!, opts.stacks, { cwd });
    case 'live': {
      const { readLive } = await import('./live.ts');
      return readLive(opts.stacks, { cwd });
    }
    case 'program': {
      const { runProgram } = await import('./program/index.ts');
      return runProgram(opts.program ?? '.', {
        cwd,
        ...(opts.stacks !== undefined ? { stacks: opts.stacks } : {}),
        ...(opts.cacheDir !== undefined ? { cacheDir: opts.cacheDir } : {}),
      });
    }
  }
}
