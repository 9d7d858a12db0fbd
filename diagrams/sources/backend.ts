/**
 * File backend reader (`--backend <dir or file:// URL>` with `--stack`): finds the stack's checkpoint
 * under `<dir>/.pulumi/stacks/<project>/<stack>.json` (project-scoped layout), or
 * `<dir>/.pulumi/stacks/<stack>.json` (the older layout), each also as `.json.gz`, and reads it with
 * the state reader. An unknown stack lists the stacks that exist.
 */

import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { GeneratorError, quoteInput } from '../errors.ts';
import { compareStrings } from '../graph/graph.ts';
import type { ResourceGraph } from '../graph/types.ts';
import { readStateFile } from './state.ts';

export interface BackendStack {
  /** Project folder, absent in the older layout. */
  readonly project?: string;
  readonly stack: string;
  /** Path as shown to the user: the backend as given, joined with the relative file path. */
  readonly location: string;
  /** Absolute path to read. */
  readonly file: string;
}

export interface BackendOptions {
  readonly cwd?: string;
}

/** Resolve `--backend` (a directory, `file://<path>`, `file://~`) to an absolute directory holding `.pulumi`. */
export async function resolveBackendDir(backend: string, opts: BackendOptions = {}): Promise<string> {
  const cwd = opts.cwd ?? process.cwd();
  let dir: string;
  if (backend.startsWith('file://')) {
    const rest = backend.slice('file://'.length);
    if (rest === '~' || rest.startsWith('~/')) dir = join(homedir(), rest.slice(1));
    else if (rest.startsWith('/')) dir = fileURLToPath(backend);
    else dir = resolve(cwd, rest);
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(backend)) {
    throw new GeneratorError('usage', 'only file backends can be read directly', {
      subject: `--backend ${backend}`,
      expected: 'a directory or a file:// URL (for the Pulumi Cloud or a cloud bucket use --live --stack, or --state with `pulumi stack export`)',
    });
  } else {
    dir = isAbsolute(backend) ? backend : resolve(cwd, backend);
  }
  const isDir = async (p: string): Promise<boolean> => (await stat(p).catch(() => undefined))?.isDirectory() === true;
  if (await isDir(join(dir, '.pulumi', 'stacks'))) return join(dir, '.pulumi');
  if (dir.endsWith('.pulumi') && (await isDir(join(dir, 'stacks')))) return dir;
  if (!(await isDir(dir))) {
    throw new GeneratorError('input', 'backend directory not found', { subject: `--backend ${backend}`, expected: 'an existing directory holding .pulumi/stacks' });
  }
  throw new GeneratorError('input', 'no .pulumi/stacks folder in the backend directory', {
    subject: `--backend ${backend}`,
    expected: 'the directory a `pulumi login file://<dir>` backend uses (it holds .pulumi/stacks)',
  });
}

function stackNameOf(file: string): string | undefined {
  if (file.endsWith('.json')) return file.slice(0, -'.json'.length);
  if (file.endsWith('.json.gz')) return file.slice(0, -'.json.gz'.length);
  return undefined;
}

/** Every stack of a backend, sorted by project then stack. Where `.json` and `.json.gz` both exist, the newer wins (as Pulumi does). */
export async function listBackendStacks(backend: string, opts: BackendOptions = {}): Promise<BackendStack[]> {
  const root = await resolveBackendDir(backend, opts);
  const stacksDir = join(root, 'stacks');
  const shown = backend.replace(/\/+$/, '');
  const prefix = root.endsWith(`${'/'}.pulumi`) && !shown.endsWith('.pulumi') ? `${shown}/.pulumi/stacks` : `${shown}/stacks`;
  const found = new Map<string, BackendStack & { mtime: number }>();
  const consider = async (project: string | undefined, dir: string, name: string): Promise<void> => {
    const stack = stackNameOf(name);
    if (stack === undefined || stack === '') return;
    const file = join(dir, name);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) return;
    const key = `${project ?? ''}/${stack}`;
    const prev = found.get(key);
    if (prev !== undefined && prev.mtime >= st.mtimeMs) return;
    const rel = project === undefined ? name : `${project}/${name}`;
    found.set(key, { ...(project !== undefined ? { project } : {}), stack, location: `${prefix}/${rel}`, file, mtime: st.mtimeMs });
  };
  for (const entry of await readdir(stacksDir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      const pdir = join(stacksDir, entry.name);
      for (const f of await readdir(pdir)) await consider(entry.name, pdir, f);
    } else {
      await consider(undefined, stacksDir, entry.name);
    }
  }
  return [...found.values()]
    .map(({ mtime: _m, ...s }) => s)
    .sort((a, b) => compareStrings(a.project ?? '', b.project ?? '') || compareStrings(a.stack, b.stack));
}

function label(s: BackendStack): string {
  return s.project === undefined ? s.stack : `${s.project}/${s.stack}`;
}

/**
 * Find one stack: `stack`, `project/stack` or `organization/project/stack` (the organization is
 * ignored by file backends).
 */
export async function findBackendStack(backend: string, name: string, opts: BackendOptions = {}): Promise<BackendStack> {
  const all = await listBackendStacks(backend, opts);
  // The last two `/`-separated parts, found from the end (the name is never split as a whole).
  const last = name.lastIndexOf('/');
  const stack = name.slice(last + 1);
  const project = last < 0 ? undefined : name.slice(last > 0 ? name.lastIndexOf('/', last - 1) + 1 : 0, last);
  const matches = all.filter((s) => s.stack === stack && (project === undefined || s.project === undefined || s.project === project));
  const exact = project === undefined ? matches : matches.filter((s) => s.project === project).length > 0 ? matches.filter((s) => s.project === project) : matches;
  const available = all.length === 0 ? 'none' : all.map(label).join(', ');
  if (exact.length === 0) {
    throw new GeneratorError('usage', `no stack ${quoteInput(name)} in the backend`, {
      subject: `--backend ${backend} --stack ${name}`,
      expected: `one of the stacks that exist: ${available}`,
    });
  }
  if (exact.length > 1) {
    throw new GeneratorError('usage', `stack ${quoteInput(name)} exists in several projects`, {
      subject: `--backend ${backend} --stack ${name}`,
      expected: `<project>/<stack>, one of: ${exact.map(label).join(', ')}`,
    });
  }
  return exact[0]!;
}

/** Read the named stacks (all stacks of the backend when none is named), in the order given. */
export async function readBackend(backend: string, stacks: readonly string[] | undefined, opts: BackendOptions = {}): Promise<ResourceGraph[]> {
  const targets =
    stacks === undefined || stacks.length === 0
      ? await listBackendStacks(backend, opts)
      : await Promise.all(stacks.map((s) => findBackendStack(backend, s, opts)));
  if (targets.length === 0) {
    throw new GeneratorError('input', 'the backend has no stacks', { subject: `--backend ${backend}`, expected: 'at least one .pulumi/stacks/<project>/<stack>.json' });
  }
  const graphs: ResourceGraph[] = [];
  for (const t of targets) {
    // The path is absolute here; errors name t.location, the path as the user would write it.
    graphs.push(await readStateFile(t.file, { kind: 'backend', displayAs: t.location }));
  }
  return graphs;
}
