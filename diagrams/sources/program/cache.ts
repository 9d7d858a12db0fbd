/**
 * Content-addressed cache of program graphs: running a Pulumi program under mocks costs seconds
 * (the SDK alone about one), so an unchanged program is answered from disk without loading the SDK.
 *
 * Key: sha256 over everything a program run depends on:
 * - `Pulumi.yaml` and every `Pulumi.<stack>.yaml` of the project directory;
 * - every file under the directory of the program's main module, recursively (`node_modules` and
 *   dot-directories skipped), by relative path and content;
 * - the `package.json` and `package-lock.json` of the project directory and the generator's lockfile
 *   (module type, dependency versions);
 * - the stacks asked for, in order, and the program directory as given (it is in the graphs) and as
 *   resolved (a program may bundle code with paths relative to it);
 * - the reader's own source (`diagrams/sources/*.ts`, `diagrams/sources/program/*.ts`, `diagrams/graph/*.ts`), so a reader change
 *   invalidates every entry.
 * Value: the graphs' JSON, stored by the render cache (`RenderCache`, kind `graph`) with its checksum
 * and atomic write. A corrupt or malformed entry is ignored (and replaced after the run).
 * Graphs read back are deep-frozen and byte-identical (`JSON.stringify`) to a fresh run.
 *
 * Finding the main module needs Pulumi.yaml parsed, and the YAML parser alone costs a few hundred
 * milliseconds to load; so a second, small entry maps the raw bytes of Pulumi.yaml (and package.json,
 * which can name the main module) to the main module's path, and a warm lookup parses no YAML.
 */

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RenderCache } from '../../cache/index.ts';
import { compareStrings, freezeGraph } from '../../graph/graph.ts';
import { GRAPH_SCHEMA_VERSION, type ResourceGraph } from '../../graph/types.ts';

/** Bumped when the entry format changes. */
const ENTRY_FORMAT = 'program-graphs/1';

const programDir = dirname(fileURLToPath(import.meta.url));
const sourcesDir = dirname(programDir);
const diagramsDir = dirname(sourcesDir);
const generatorRoot = dirname(diagramsDir);

/** What the key is computed from (a subset of ProjectInfo, to keep this module free of ./project.ts). */
export interface ProgramKeyInput {
  /** Absolute project directory (holds Pulumi.yaml and the stack files). */
  readonly dir: string;
  /** The directory as the user gave it. */
  readonly shown: string;
  /** Absolute path of the program's main module. */
  readonly main: string;
}

/** Files directly in `dir` whose name matches, sorted. */
function filesMatching(dir: string, re: RegExp): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => re.test(f))
      .sort(compareStrings)
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Every file under `dir`, recursively, sorted by relative path; node_modules and dot-directories skipped. */
function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        visit(p);
      } else if (e.isFile()) out.push(p);
    }
  };
  visit(dir);
  return out.sort(compareStrings);
}

/** Stack names from the `Pulumi.<stack>.yaml` files of `dir`, sorted (no YAML parsed). */
export function stackNames(dir: string): string[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return [];
  }
  return files
    .map((f) => /^Pulumi\.(.+)\.ya?ml$/.exec(f)?.[1])
    .filter((x): x is string => x !== undefined)
    .sort(compareStrings);
}

let readerHash: string | undefined;
/** sha256 of the reader's own source and the generator's lockfile (once per process). */
function readerIdentity(): string {
  if (readerHash !== undefined) return readerHash;
  const h = createHash('sha256');
  const files = [
    ...filesMatching(sourcesDir, /\.ts$/),
    ...filesMatching(programDir, /\.ts$/),
    ...filesMatching(join(diagramsDir, 'graph'), /\.ts$/),
    join(diagramsDir, 'errors.ts'),
    join(diagramsDir, 'cache', 'index.ts'),
    join(generatorRoot, 'package-lock.json'),
  ];
  for (const f of files) {
    let data: Buffer | string;
    try {
      data = readFileSync(f);
    } catch {
      data = '(absent)';
    }
    const label = relative(generatorRoot, f);
    h.update(`${label}\u0000${Buffer.byteLength(data)}\u0000`).update(data);
  }
  readerHash = h.digest('hex');
  return readerHash;
}

/** Key of the small entry that maps the project files (raw bytes) to its main module. */
function projectIndexKey(dir: string, shown: string): string {
  const h = createHash('sha256');
  const part = (label: string, data: string | Buffer): void => {
    h.update(`${label}\u0000${Buffer.byteLength(data)}\u0000`).update(data);
  };
  part('format', `${ENTRY_FORMAT} index`);
  part('reader', readerIdentity());
  part('shown', shown);
  part('dir', dir);
  for (const f of ['Pulumi.yaml', 'Pulumi.yml', 'package.json']) {
    let data: Buffer | string;
    try {
      data = readFileSync(join(dir, f));
    } catch {
      data = '(absent)';
    }
    part(f, data);
  }
  return h.digest('hex');
}

/** The cache key of a program run. Reads the files synchronously (a few hundred small files at most). */
export function programCacheKey(project: ProgramKeyInput, stacks: readonly string[]): string {
  const h = createHash('sha256');
  const part = (label: string, data: string | Buffer): void => {
    h.update(`${label}\u0000${Buffer.byteLength(data)}\u0000`).update(data);
  };
  const file = (label: string, f: string): void => {
    let data: Buffer | string;
    try {
      data = readFileSync(f);
    } catch {
      data = '(absent)';
    }
    part(`${label}:${relative(project.dir, f)}`, data);
  };
  part('format', ENTRY_FORMAT);
  part('schema', String(GRAPH_SCHEMA_VERSION));
  part('shown', project.shown);
  part('dir', project.dir);
  part('cwd', process.cwd());
  part('stacks', JSON.stringify(stacks));
  for (const f of filesMatching(project.dir, /^Pulumi(\.[^/]+)?\.ya?ml$/)) file('project', f);
  const mainDir = dirname(project.main);
  part('main', relative(project.dir, project.main));
  for (const f of walk(mainDir)) file('project', f);
  file('project', join(project.dir, 'package.json'));
  file('project', join(project.dir, 'package-lock.json'));
  part('reader', readerIdentity());
  return h.digest('hex');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function looksLikeGraph(v: unknown): v is ResourceGraph {
  return (
    isObject(v) &&
    v.schemaVersion === GRAPH_SCHEMA_VERSION &&
    isObject(v.stack) &&
    typeof v.stack.stack === 'string' &&
    Array.isArray(v.resources) &&
    Array.isArray(v.edges) &&
    isObject(v.metadata)
  );
}

/** The cached graphs for `key`, deep-frozen, in the stacks' order; undefined on a miss or a corrupt entry. */
export async function readCachedGraphs(cacheDir: string | undefined, key: string, stacks: readonly string[]): Promise<ResourceGraph[] | undefined> {
  if (cacheDir === undefined) return undefined;
  const bytes = await new RenderCache(cacheDir).get('graph', key);
  if (bytes === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(parsed) || parsed.format !== ENTRY_FORMAT || !Array.isArray(parsed.graphs)) return undefined;
  const graphs = parsed.graphs as unknown[];
  if (graphs.length !== stacks.length || !graphs.every(looksLikeGraph)) return undefined;
  if (graphs.some((g, i) => (g as ResourceGraph).stack.stack !== stacks[i])) return undefined;
  return (graphs as ResourceGraph[]).map(freezeGraph);
}

/** Stores the graphs under `key` (atomic; failures are silent: the cache is an optimisation only). */
export async function writeCachedGraphs(cacheDir: string | undefined, key: string, graphs: readonly ResourceGraph[]): Promise<void> {
  if (cacheDir === undefined) return;
  const payload = Buffer.from(JSON.stringify({ format: ENTRY_FORMAT, graphs }), 'utf8');
  await new RenderCache(cacheDir).put('graph', key, payload);
}

/**
 * The graphs of a program run from the cache, without parsing YAML or loading the SDK; undefined on
 * any miss (unknown stack, no index entry, changed inputs, corrupt entry). `stacks` as asked
 * (undefined or empty: every `Pulumi.<stack>.yaml`).
 */
export async function cachedProgramGraphs(
  cacheDir: string,
  dir: string,
  shown: string,
  stacks: readonly string[] | undefined,
): Promise<ResourceGraph[] | undefined> {
  const found = await cachedEntryKey(cacheDir, dir, shown, stacks);
  return found === undefined ? undefined : readCachedGraphs(cacheDir, found.key, found.asked);
}

/** The key of the graph entry for these stacks, from the project's index entry; undefined when unknown. */
async function cachedEntryKey(
  cacheDir: string,
  dir: string,
  shown: string,
  stacks: readonly string[] | undefined,
): Promise<{ key: string; asked: string[] } | undefined> {
  const all = stackNames(dir);
  const asked = stacks !== undefined && stacks.length > 0 ? [...stacks] : all;
  if (asked.length === 0 || asked.some((s) => !all.includes(s))) return undefined;
  const index = await new RenderCache(cacheDir).get('graph', projectIndexKey(dir, shown));
  if (index === undefined) return undefined;
  let main: unknown;
  try {
    const parsed = JSON.parse(index.toString('utf8')) as unknown;
    main = isObject(parsed) && parsed.format === ENTRY_FORMAT ? parsed.main : undefined;
  } catch {
    return undefined;
  }
  if (typeof main !== 'string' || main === '') return undefined;
  return { key: programCacheKey({ dir, shown, main: join(dir, main) }, asked), asked };
}

/**
 * Whether a program source would run the program (a graph cache miss) rather than answer from the
 * cache: cheap (hashes the inputs and looks for the entry, parses nothing), so a caller can start
 * slow work that a cold run needs (the renderers) while the program runs. False when the directory
 * has no stack file (the run fails at once). A corrupt entry counts as cached (the guess is only
 * an optimisation).
 */
export async function programWillRun(cacheDir: string | undefined, dir: string, shown: string, stacks: readonly string[] | undefined): Promise<boolean> {
  if (stackNames(dir).length === 0) return false;
  if (cacheDir === undefined) return true;
  const found = await cachedEntryKey(cacheDir, dir, shown, stacks);
  if (found === undefined) return true;
  return !(await new RenderCache(cacheDir).has('graph', found.key));
}

/** Stores a program run's graphs and the project's index entry. */
export async function storeProgramGraphs(cacheDir: string, project: ProgramKeyInput, asked: readonly string[], graphs: readonly ResourceGraph[]): Promise<void> {
  await writeCachedGraphs(cacheDir, programCacheKey(project, asked), graphs);
  const index = JSON.stringify({ format: ENTRY_FORMAT, main: relative(project.dir, project.main) });
  await new RenderCache(cacheDir).put('graph', projectIndexKey(project.dir, project.shown), Buffer.from(index, 'utf8'));
}
