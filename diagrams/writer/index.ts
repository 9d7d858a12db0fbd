/**
 * The writer: the only module of the generator that writes files into the output directory.
 *
 * - `writeOutputs` replaces the outputs it owns atomically: every file is rendered in memory
 *   beforehand, staged beside its target under a temporary name, and only when every file is
 *   staged are they renamed into place. On any error the temporary files are removed and the
 *   previous outputs are left untouched.
 * - It owns exactly the files listed in `<out>/.generated.json` (the manifest). Files it did not
 *   generate are never touched; a file listed in the previous manifest that the current run does
 *   not produce is removed ("stale").
 * - `checkOutputs` compares what would be written with what is on disk and writes nothing.
 *
 * PNGs are not compared by bytes (they change with the browser and fonts): each PNG records its
 * source (`sourceHash`: a hash of the SVG it was rendered from and the capture settings) in the
 * manifest, with the sha256 of the PNG bytes so that a PNG edited or replaced by hand is still
 * noticed.
 */

import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GeneratorError } from '../errors.ts';

export const MANIFEST_NAME = '.generated.json';
export const MANIFEST_GENERATOR = 'mono-repo-diagrams';

export interface OutputFile {
  /** Path relative to the output directory, with `/` separators, e.g. `prod/README.md`. */
  readonly path: string;
  /**
   * The bytes to write. Text is written as UTF-8 with `\n` line ends. May be absent only for a
   * derived binary file (a PNG) in check mode, where `sourceHash` stands for it.
   */
  readonly contents?: string | Uint8Array;
  /**
   * What the file was rendered from (e.g. the sha256 of the SVG of a PNG), recorded in the
   * manifest. In check mode a file given with `sourceHash` and without `contents` is compared by
   * this hash (and by the bytes hash the manifest recorded), not by its bytes.
   */
  readonly sourceHash?: string;
}

/** A hand-written file outside the owned set whose marked section the generator fills (`--inject`). */
export interface ExtraFile {
  /** As the user gave it (used in messages). */
  readonly path: string;
  readonly contents: string;
}

export interface ManifestEntry {
  readonly sha256: string;
  readonly source?: string;
}

export interface Manifest {
  readonly generator: typeof MANIFEST_GENERATOR;
  readonly version: 1;
  readonly files: Readonly<Record<string, ManifestEntry>>;
}

export interface WriteResult {
  /** Owned files whose bytes changed or that were created. */
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  /** Files of the previous manifest that the run no longer produces, removed. */
  readonly removed: readonly string[];
}

export type Problem =
  | { readonly kind: 'out-of-date'; readonly path: string; readonly diff?: string; readonly reason?: string }
  | { readonly kind: 'missing'; readonly path: string }
  | { readonly kind: 'not-generated'; readonly path: string };

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function toBytes(c: string | Uint8Array): Uint8Array {
  return typeof c === 'string' ? Buffer.from(c, 'utf8') : c;
}

/** Rejects absolute paths, `..`, backslashes and empty parts: the writer never leaves its directory. */
export function validateRelativePath(p: string): void {
  const parts = p.split('/');
  if (p === '' || p.startsWith('/') || p.includes('\\') || parts.some((s) => s === '' || s === '.' || s === '..')) {
    throw new GeneratorError('render', `output path ${JSON.stringify(p)} is not a plain relative path`, {
      expected: 'a path relative to the output directory without `..`',
    });
  }
}

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === 'ENOENT';
}

async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

/** Reads `<out>/.generated.json`; a missing or unreadable manifest means "owns nothing yet". */
export async function readManifest(outDir: string): Promise<Manifest | undefined> {
  const raw = await readIfExists(path.join(outDir, MANIFEST_NAME));
  if (raw === undefined) return undefined;
  try {
    const m = JSON.parse(raw.toString('utf8')) as Partial<Manifest>;
    if (m.generator !== MANIFEST_GENERATOR || typeof m.files !== 'object' || m.files === null) return undefined;
    const files: Record<string, ManifestEntry> = {};
    for (const [k, v] of Object.entries(m.files)) {
      // Never trust a path from disk to stay inside the directory.
      try {
        validateRelativePath(k);
      } catch {
        continue;
      }
      if (v && typeof v.sha256 === 'string') files[k] = v.source ? { sha256: v.sha256, source: String(v.source) } : { sha256: v.sha256 };
    }
    return { generator: MANIFEST_GENERATOR, version: 1, files };
  } catch {
    return undefined;
  }
}

export function buildManifest(files: readonly OutputFile[]): Manifest {
  const entries: Record<string, ManifestEntry> = {};
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    if (f.contents === undefined) {
      throw new GeneratorError('render', `no contents for ${f.path}`, { expected: 'every file rendered before writing' });
    }
    entries[f.path] = f.sourceHash ? { sha256: sha256(toBytes(f.contents)), source: f.sourceHash } : { sha256: sha256(toBytes(f.contents)) };
  }
  return { generator: MANIFEST_GENERATOR, version: 1, files: entries };
}

export function serializeManifest(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}

function checkUnique(files: readonly OutputFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    validateRelativePath(f.path);
    if (f.path === MANIFEST_NAME) throw new GeneratorError('render', `${MANIFEST_NAME} is reserved for the writer's manifest`);
    if (seen.has(f.path)) throw new GeneratorError('render', `output ${f.path} is produced twice`);
    seen.add(f.path);
  }
}

interface Staged {
  readonly tmp: string;
  readonly target: string;
}

async function stage(target: string, bytes: Uint8Array, staged: Staged[]): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  staged.push({ tmp, target });
  await fs.writeFile(tmp, bytes, { flag: 'wx' });
}

/**
 * Writes `files` under `outDir` (and the `extra` hand-written files in place), atomically as far as
 * a file system allows: nothing is renamed into place until everything is staged.
 */
export async function writeOutputs(outDir: string, files: readonly OutputFile[], extra: readonly ExtraFile[] = []): Promise<WriteResult> {
  checkUnique(files);
  const previous = await readManifest(outDir);
  const manifest = buildManifest(files);
  const written: string[] = [];
  const unchanged: string[] = [];
  const staged: Staged[] = [];
  try {
    for (const f of files) {
      const target = path.join(outDir, ...f.path.split('/'));
      const bytes = toBytes(f.contents!);
      const current = await readIfExists(target);
      if (current !== undefined && Buffer.compare(current, Buffer.from(bytes)) === 0) {
        unchanged.push(f.path);
        continue;
      }
      await stage(target, bytes, staged);
      written.push(f.path);
    }
    for (const x of extra) {
      const current = await readIfExists(x.path);
      if (current !== undefined && current.toString('utf8') === x.contents) continue;
      await stage(x.path, Buffer.from(x.contents, 'utf8'), staged);
    }
    const manifestText = serializeManifest(manifest);
    const manifestPath = path.join(outDir, MANIFEST_NAME);
    const currentManifest = await readIfExists(manifestPath);
    if (currentManifest === undefined || currentManifest.toString('utf8') !== manifestText) {
      await stage(manifestPath, Buffer.from(manifestText, 'utf8'), staged);
    }
  } catch (e) {
    await Promise.all(staged.map((s) => fs.rm(s.tmp, { force: true })));
    if (e instanceof GeneratorError) throw e;
    throw new GeneratorError('input', `cannot write the output: ${(e as Error).message}`, { subject: outDir });
  }
  // Commit: rename every staged file into place (the manifest last, it is staged last).
  let committed = 0;
  try {
    for (const s of staged) {
      await fs.rename(s.tmp, s.target);
      committed++;
    }
  } catch (e) {
    await Promise.all(staged.slice(committed).map((s) => fs.rm(s.tmp, { force: true })));
    throw new GeneratorError('input', `cannot replace the output: ${(e as Error).message}`, { subject: outDir });
  }
  // Remove what the previous run generated and this one no longer does.
  const removed: string[] = [];
  if (previous) {
    for (const p of Object.keys(previous.files).sort()) {
      if (manifest.files[p] !== undefined) continue;
      const target = path.join(outDir, ...p.split('/'));
      try {
        await fs.rm(target);
        removed.push(p);
      } catch (e) {
        if (!isNotFound(e)) throw new GeneratorError('input', `cannot remove the stale file: ${(e as Error).message}`, { subject: target });
      }
      await removeEmptyDirs(outDir, path.dirname(target));
    }
  }
  return { written, unchanged, removed };
}

async function removeEmptyDirs(root: string, dir: string): Promise<void> {
  const rootAbs = path.resolve(root);
  let d = path.resolve(dir);
  while (d.startsWith(rootAbs + path.sep)) {
    try {
      await fs.rmdir(d);
    } catch {
      return;
    }
    d = path.dirname(d);
  }
}

const normalise = (s: string) => s.replace(/\r\n/g, '\n');

/** A short unified diff; the `diff` package is loaded only when check finds a stale text file. */
async function textDiff(file: string, onDisk: string, expected: string): Promise<string> {
  const { createTwoFilesPatch } = await import('diff');
  const patch = createTwoFilesPatch(`${file} (on disk)`, `${file} (generated)`, onDisk, expected, undefined, undefined, { context: 2 });
  const lines = patch.split('\n').filter((l) => !l.startsWith('====='));
  const MAX = 40;
  if (lines.length > MAX) return [...lines.slice(0, MAX), `... (${lines.length - MAX} more diff lines)`].join('\n');
  return lines.join('\n').trimEnd();
}

function isText(c: string | Uint8Array | undefined): c is string {
  return typeof c === 'string';
}

/**
 * Compares what the generator would write with what is on disk; writes nothing. Text is compared
 * with CRLF line ends normalised; PNGs by the source hash recorded in the manifest.
 */
export async function checkOutputs(outDir: string, files: readonly OutputFile[], extra: readonly ExtraFile[] = []): Promise<Problem[]> {
  checkUnique(files);
  const manifest = await readManifest(outDir);
  const problems: Problem[] = [];
  const display = (p: string) => path.posix.join(outDir.split(path.sep).join('/'), p);
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const target = path.join(outDir, ...f.path.split('/'));
    const current = await readIfExists(target);
    const name = display(f.path);
    if (current === undefined) {
      problems.push({ kind: 'missing', path: name });
      continue;
    }
    if (f.contents === undefined) {
      const entry = manifest?.files[f.path];
      if (entry === undefined || entry.source !== f.sourceHash) {
        problems.push({ kind: 'out-of-date', path: name, reason: 'rendered from a different source' });
      } else if (entry.sha256 !== sha256(current)) {
        problems.push({ kind: 'out-of-date', path: name, reason: 'changed since it was generated' });
      }
      continue;
    }
    if (isText(f.contents)) {
      const disk = normalise(current.toString('utf8'));
      if (disk !== f.contents) problems.push({ kind: 'out-of-date', path: name, diff: await textDiff(name, disk, f.contents) });
    } else if (f.contents !== undefined && Buffer.compare(current, Buffer.from(f.contents)) !== 0) {
      problems.push({ kind: 'out-of-date', path: name, reason: 'binary contents differ' });
    }
  }
  for (const x of extra) {
    const current = await readIfExists(x.path);
    if (current === undefined) problems.push({ kind: 'missing', path: x.path });
    else {
      const disk = normalise(current.toString('utf8'));
      if (disk !== normalise(x.contents)) problems.push({ kind: 'out-of-date', path: x.path, diff: await textDiff(x.path, disk, normalise(x.contents)) });
    }
  }
  if (manifest) {
    const produced = new Set(files.map((f) => f.path));
    for (const p of Object.keys(manifest.files).sort()) {
      if (produced.has(p)) continue;
      const current = await readIfExists(path.join(outDir, ...p.split('/')));
      if (current !== undefined) problems.push({ kind: 'not-generated', path: display(p) });
    }
  }
  return problems;
}

/** One line per problem (and the diff under it), as `check` prints them. */
export function formatProblems(problems: readonly Problem[]): string {
  const out: string[] = [];
  for (const p of problems) {
    if (p.kind === 'missing') out.push(`${p.path} is missing`);
    else if (p.kind === 'not-generated') out.push(`${p.path} is not generated (listed in ${MANIFEST_NAME} but no longer produced; run generate to remove it)`);
    else {
      out.push(p.reason ? `${p.path} is out of date (${p.reason})` : `${p.path} is out of date`);
      if (p.diff) out.push(p.diff);
    }
  }
  return out.join('\n');
}
