/**
 * The run memo: what a `generate` from files (`--state`, `--preview`) produced, so that a later run
 * with the same inputs, the same generator and the same options, whose outputs are still on disk as
 * that run left them, does nothing instead of building the estate, its pages and its renders again.
 *
 * The key is the sha256 of everything the outputs depend on: the bytes of each input file (and the
 * path as given), `--stack`, the formats, `--out` and `--inject` as resolved, the templates
 * (`templatesIdentity`), the renderers' identities (`svgIdentity`, `pngSettings`), the generator's
 * own code (every file under diagrams/), the built-in templates, the lockfile of the installed
 * packages and the Node version. The entry, in the render cache (kind `run`), records every output
 * file and every directory on the way to one as `lstat` saw them once the writer was done (inode,
 * size, mode, modification and change times in nanoseconds: any write, rename, replacement by a
 * symbolic link or removal changes them), the manifest likewise, the sha256 of each `--inject` file
 * as written, the stack keys and the findings (for `--fail-on`).
 *
 * A hit needs every one of those to match, and neither the writer's lock nor its staging directory
 * to be there; anything else is a miss and the run goes the normal way. Other sources (the program,
 * a backend, live stacks, stdin) have no memo. Like the render cache it is an optimisation only:
 * a failure to read or write it is silent.
 */

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { cacheKey, RenderCache } from '../cache/index.ts';
import { verdictOf, type FindingVerdict } from '../compliance/types.ts';
import { compareStrings } from '../util/collections.ts';
import { LOCK_NAME, MANIFEST_NAME, STAGING_NAME, type ExtraFile, type OutputFile } from '../writer/index.ts';
import { resolveOut } from '../writer/fsutil.ts';
import type { SourceOptions } from '../sources/index.ts';
import type { Components } from './components.ts';
import { DIAGRAMS_DIR, fileHash, templatesIdentity } from './identity.ts';

const MEMO_VERSION = 2;

interface MemoEntry {
  readonly version: typeof MEMO_VERSION;
  /** The real path of --out. */
  readonly out: string;
  /** Path relative to --out (`.` for --out itself) -> lstat identity. */
  readonly stats: Readonly<Record<string, string>>;
  /** The output files (relative paths), sorted; the manifest is in `stats` only. */
  readonly files: readonly string[];
  /** `--inject` files (resolved) -> sha256 of the text written. */
  readonly extra: Readonly<Record<string, string>>;
  readonly stacks: readonly string[];
  /** What `--fail-on` needs of each finding (the whole findings are on the pages and in estate.json). */
  readonly findings: Readonly<Record<string, readonly FindingVerdict[]>>;
  /** SVG and PNG files among the outputs. */
  readonly images: number;
}

export interface MemoHit {
  readonly files: readonly string[];
  readonly stacks: readonly string[];
  readonly findings: Readonly<Record<string, readonly FindingVerdict[]>>;
  readonly images: number;
}

export interface MemoInput {
  readonly out: string;
  readonly formats: readonly string[];
  readonly templates?: string;
  readonly inject?: string;
  readonly cacheDir?: string;
  readonly source: SourceOptions;
}

/** `ino:size:mode:mtime:ctime` of a path, never following a symbolic link; undefined when absent. */
async function statId(p: string): Promise<string | undefined> {
  try {
    const s = await fs.lstat(p, { bigint: true });
    return `${s.ino}:${s.isDirectory() ? 'd' : s.size}:${s.mode}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

/** sha256 of every file under `dir`, by relative path, sorted (the generator's own code). */
async function treeHash(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string, rel: string): Promise<void> => {
    const entries = (await fs.readdir(d, { withFileTypes: true })).sort((a, b) => compareStrings(a.name, b.name));
    for (const e of entries) {
      if (e.isDirectory()) await walk(path.join(d, e.name), `${rel}${e.name}/`);
      else if (e.isFile()) h.update(`${rel}${e.name}\u0000`).update(await fs.readFile(path.join(d, e.name))).update('\u0000');
    }
  };
  await walk(dir, '');
  return h.digest('hex');
}

/** The input files of a run whose sources are all files, resolved; undefined when a source is not. */
function inputFiles(source: MemoInput['source']): string[] | undefined {
  const files = [...(source.state ?? []), ...(source.preview ?? [])];
  const others = source.backend !== undefined || source.program !== undefined || source.live === true;
  if (files.length === 0 || files.includes('-') || others) return undefined;
  return files.map((f) => path.resolve(source.cwd ?? process.cwd(), f));
}

/** The memo key of a run, or undefined when the run has no memo (not from files, or no cache). */
export async function memoKey(x: MemoInput, c: Components): Promise<string | undefined> {
  if (x.cacheDir === undefined) return undefined;
  const files = inputFiles(x.source);
  if (files === undefined) return undefined;
  try {
    const parts = [`run memo ${MEMO_VERSION}`, process.version];
    for (const [i, f] of files.entries()) parts.push(`input ${i} ${f}`, createHash('sha256').update(await fs.readFile(f)).digest('hex'));
    parts.push(`stacks ${JSON.stringify(x.source.stacks ?? null)}`, `formats ${[...x.formats].sort().join(',')}`, `out ${path.resolve(x.out)}`, `inject ${x.inject === undefined ? '' : path.resolve(x.inject)}`);
    parts.push(await templatesIdentity(x.templates), await c.svgIdentity(), c.pngSettings ? await c.pngSettings() : '');
    parts.push(await treeHash(DIAGRAMS_DIR), await fileHash(path.join(DIAGRAMS_DIR, '..', 'package-lock.json')));
    return cacheKey(...parts);
  } catch {
    return undefined; // an unreadable input: the normal run reports it
  }
}

const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

/** Every directory on the way to the outputs, relative to --out (`.` for --out itself). */
function directories(files: readonly string[]): string[] {
  const dirs = new Set<string>(['.']);
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort(compareStrings);
}

async function statsOf(root: string, rels: readonly string[]): Promise<Record<string, string> | undefined> {
  const ids = await Promise.all(rels.map((r) => statId(r === '.' ? root : path.join(root, r))));
  if (ids.some((id) => id === undefined)) return undefined;
  return Object.fromEntries(rels.map((r, i) => [r, ids[i]!]));
}

/** Records what a successful generate left on disk under `key`. */
export async function recordRun(x: MemoInput, key: string, files: readonly OutputFile[], extra: readonly ExtraFile[], stacks: readonly string[], findings: Readonly<Record<string, readonly FindingVerdict[]>>): Promise<void> {
  try {
    const root = (await resolveOut(x.out)).real;
    const paths = files.map((f) => f.path).sort(compareStrings);
    const stats = await statsOf(root, [...directories(paths), ...paths, MANIFEST_NAME]);
    if (stats === undefined) return;
    const entry: MemoEntry = {
      version: MEMO_VERSION,
      out: root,
      stats,
      files: paths,
      extra: Object.fromEntries(extra.map((e) => [path.resolve(e.path), sha(e.contents)])),
      stacks,
      findings: Object.fromEntries(Object.entries(findings).map(([s, fs]) => [s, fs.map(verdictOf)])),
      images: paths.filter((p) => p.endsWith('.svg') || p.endsWith('.png')).length,
    };
    await new RenderCache(x.cacheDir).put('run', key, Buffer.from(JSON.stringify(entry), 'utf8'));
  } catch {
    // an optimisation only
  }
}

/** The previous run under `key`, when everything it left is still as it left it. */
export async function lookupRun(x: MemoInput, key: string): Promise<MemoHit | undefined> {
  try {
    const raw = await new RenderCache(x.cacheDir).get('run', key);
    if (raw === undefined) return undefined;
    const entry = JSON.parse(raw.toString('utf8')) as MemoEntry;
    const root = await resolveOut(x.out);
    if (entry.version !== MEMO_VERSION || !root.exists || root.real !== entry.out) return undefined;
    if ((await statId(path.join(root.real, LOCK_NAME))) !== undefined || (await statId(path.join(root.real, STAGING_NAME))) !== undefined) return undefined;
    const rels = Object.keys(entry.stats);
    const now = await statsOf(root.real, rels);
    if (now === undefined || rels.some((r) => now[r] !== entry.stats[r])) return undefined;
    for (const [file, digest] of Object.entries(entry.extra)) {
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined || sha(text) !== digest) return undefined;
    }
    return { files: entry.files, stacks: entry.stacks, findings: entry.findings, images: entry.images };
  } catch {
    return undefined;
  }
}
