/**
 * The writer: the only module of the generator that writes files into the output directory.
 *
 * What it owns. Exactly the files listed in `<out>/.generated.json` (the manifest, with the sha256
 * of each file). Files it did not generate are never removed. A file of the previous manifest that
 * the current run no longer produces is removed ("stale") only when its bytes still match the
 * recorded sha256: a file edited by hand is kept, reported in `WriteResult.kept`, and no longer
 * listed. The names `.generated.*` at the top of the output directory (manifest, lock, staging
 * directory) and the temporary names `.<name>.<12 hex>.tmp|.bak` are the writer's own: no output
 * path may use them.
 *
 * Paths. `--out` is resolved to its real path once (it may itself be a symbolic link to a
 * directory; it must not be a file). Below it the writer never follows a symbolic link: every
 * existing component of an output path is looked at with lstat, and an output path that passes
 * through (or is) a symbolic link, or needs a directory where a file is, or a file where a
 * directory is, is refused with a GeneratorError naming it, before anything is written. Reading a
 * file back (to skip unchanged files, to reuse renders, in check mode) never follows one either. A
 * stale file below a symbolic link is not removed: it is skipped, reported in `kept`, and no
 * longer listed. The extra files (`--inject`) are the one exception to "inside the output
 * directory": the user names them; one that is a symbolic link or a directory is refused.
 *
 * Lock. `writeOutputs` holds `<out>/.generated.lock` (created with O_EXCL; pid, host and start
 * time inside) for its whole run; a second generate into the same directory waits up to
 * `lockTimeoutMs` (30 s) and then fails naming the lock and its owner; a lock whose owner no
 * longer runs on this host is taken over, with a message. `checkOutputs` takes no lock and reads
 * neither the lock nor the staging directory.
 *
 * Commit (staging.ts). Every file is rendered in memory beforehand, and the whole plan (what to
 * create, replace, remove) is made and validated before anything is created; unchanged files are
 * not rewritten, and a run that changes nothing writes nothing. Otherwise the new files are
 * staged in `<out>/.generated.staging/` with a journal, then switched with renames, each replaced
 * file kept as a backup until the switch is complete, the manifest last; a failure rolls the
 * switch back and the error says what happened. The next run first recovers what an interrupted
 * (killed) run left: rolled back when its switch had not completed, finished when it had, and
 * says which in `WriteResult.messages`. Nothing is fsync'ed: this protects against a failing
 * or killed process, not against a power cut.
 *
 * Every file-system failure is a GeneratorError naming the path (exit 2), never a raw Node error.
 * A failing run removes what it created (a first run into a new directory removes the
 * directory), unless rolling back itself fails: then the error names what is left, and the
 * next run finishes the roll-back.
 *
 * `checkOutputs` compares what would be written with what is on disk and writes nothing. PNGs are
 * not compared by bytes (they change with the browser and fonts): each PNG records its source
 * (`sourceHash`: a hash of the SVG it was rendered from and the capture settings) in the manifest,
 * with the sha256 of the PNG bytes so that a PNG edited or replaced by hand is still noticed.
 */

import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { GeneratorError } from '../errors.ts';
import {
  absolutePath,
  attempt,
  blockedReason,
  cachedLstat,
  displayPath,
  errorCode,
  fsError,
  isInside,
  lstatOrUndefined,
  probe,
  readNoFollow,
  refuse,
  resolveOut,
  type OutRoot,
} from './fsutil.ts';
import { acquireLock, LOCK_NAME, type Lock } from './lock.ts';
import { commit, isTemporaryName, recover, STAGING_NAME, type PlannedOp, type StepHook } from './staging.ts';
import { GENERATOR } from '../util/generator.ts';

export { LOCK_NAME } from './lock.ts';
export { STAGING_NAME, type StepHook, type WriterStep } from './staging.ts';

export const MANIFEST_NAME = '.generated.json';
export const MANIFEST_GENERATOR = GENERATOR;

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

/** A file of the previous manifest that the run no longer produces and did not remove. */
export interface KeptFile {
  /** Relative to the output directory. */
  readonly path: string;
  /** Why it was kept, e.g. edited since it was generated. */
  readonly reason: string;
}

export interface WriteResult {
  /** Owned files whose bytes changed or that were created. */
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  /** Files of the previous manifest that the run no longer produces, removed. */
  readonly removed: readonly string[];
  /** Files of the previous manifest that the run no longer produces, kept (and no longer listed in it). */
  readonly kept: readonly KeptFile[];
  /** What else the writer did: took over a stale lock, recovered an interrupted run, could not clean up. */
  readonly messages: readonly string[];
}

export interface WriteOptions {
  /** How long to wait for another generate's lock on the output directory (default 30 000 ms). */
  readonly lockTimeoutMs?: number;
  /** How often to look at the lock while waiting (default 100 ms). */
  readonly lockPollMs?: number;
  /** Called before every file-system step of the commit; a throw fails that step (tests inject failures). */
  readonly onStep?: StepHook;
}

export type Problem =
  | { readonly kind: 'out-of-date'; readonly path: string; readonly diff?: string; readonly reason?: string }
  | { readonly kind: 'missing'; readonly path: string }
  | { readonly kind: 'not-generated'; readonly path: string; readonly reason?: string };

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
    throw new GeneratorError('render', `output path ${JSON.stringify(p.slice(0, 200))} is not a plain relative path`, {
      expected: 'a path relative to the output directory without `..`',
    });
  }
}

/** Whether a relative path is one of the writer's own: `.generated.*` at the top, or a temporary name anywhere. */
function isReserved(rel: string): boolean {
  const parts = rel.split('/');
  return parts[0]!.toLowerCase().startsWith('.generated.') || parts.some(isTemporaryName);
}

/**
 * Reads `<out>/.generated.json`; a missing or malformed manifest means "owns nothing yet". A
 * manifest that is a directory or a symbolic link, or an `--out` that is a file, is a GeneratorError.
 */
export async function readManifest(outDir: string): Promise<Manifest | undefined> {
  const root = await resolveOut(outDir);
  return root.exists ? readManifestAt(root) : undefined;
}

async function readManifestAt(root: OutRoot): Promise<Manifest | undefined> {
  const p = await probe(root, MANIFEST_NAME);
  if (p.kind === 'absent') return undefined;
  if (p.kind === 'blocked') throw refuse(root, MANIFEST_NAME, p, 'read the manifest');
  const raw = await readNoFollow(absolutePath(root, MANIFEST_NAME), displayPath(root, MANIFEST_NAME));
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
      if (isReserved(k)) continue;
      if (v && typeof v.sha256 === 'string') files[k] = v.source ? { sha256: v.sha256, source: String(v.source) } : { sha256: v.sha256 };
    }
    return { generator: MANIFEST_GENERATOR, version: 1, files };
  } catch {
    return undefined;
  }
}

/**
 * A file generated before, as the pipeline reuses it: its bytes when it is a regular file reached
 * without a symbolic link below the output directory, else undefined. Never throws.
 */
export async function readOutputFile(outDir: string, rel: string): Promise<Buffer | undefined> {
  try {
    validateRelativePath(rel);
    const root = await resolveOut(outDir);
    if ((await probe(root, rel)).kind !== 'file') return undefined;
    return await readNoFollow(absolutePath(root, rel), displayPath(root, rel));
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

/** Plain relative paths, none of the writer's own names, each once, none both a file and a directory of another. */
function checkUnique(files: readonly OutputFile[]): void {
  const seen = new Set<string>();
  for (const f of files) {
    validateRelativePath(f.path);
    if (isReserved(f.path)) {
      throw new GeneratorError('render', `output path ${JSON.stringify(f.path.slice(0, 200))} collides with the writer's own files`, {
        expected: `a path whose first part does not start with .generated. (${MANIFEST_NAME}, ${LOCK_NAME}, ${STAGING_NAME}/) and without the temporary names .<name>.<12 hex digits>.tmp or .bak`,
      });
    }
    if (seen.has(f.path)) throw new GeneratorError('render', `output ${f.path} is produced twice`);
    seen.add(f.path);
  }
  for (const p of seen) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (seen.has(dir)) throw new GeneratorError('render', `output ${dir} is produced as a file and is also the directory of ${p}`);
    }
  }
}

interface ExtraPlan {
  readonly real: string;
  readonly shown: string;
  readonly bytes: Uint8Array;
  readonly existed: boolean;
  readonly mode?: number;
  readonly changed: boolean;
}

/** Validates the extra files (not a symbolic link, not a directory, not one of the outputs or the writer's own files) and reads them. */
async function planExtras(extra: readonly ExtraFile[], root: OutRoot, outputs: ReadonlySet<string>): Promise<ExtraPlan[]> {
  const plans: ExtraPlan[] = [];
  const seen = new Set<string>();
  for (const x of extra) {
    const abs = path.resolve(x.path);
    const st = await lstatOrUndefined(abs, x.path);
    if (st !== undefined && !st.isFile()) {
      const what = st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'not a regular file';
      throw new GeneratorError('input', `cannot fill it: it is ${what}, and the generator replaces the file it fills as a whole`, { subject: x.path, expected: 'a regular Markdown file' });
    }
    const parent = await attempt(() => fs.realpath(path.dirname(abs)), x.path, 'resolve its directory');
    const real = path.join(parent, path.basename(abs));
    if (isInside(root.real, real)) {
      const rel = path.relative(root.real, real).split(path.sep).join('/');
      if (rel === '' || outputs.has(rel) || isReserved(rel)) {
        throw new GeneratorError('input', `cannot fill it: it is ${outputs.has(rel) ? 'also a generated output' : "one of the writer's own files"} of the output directory ${root.given}`, {
          subject: x.path,
          expected: 'a hand-written file that is not one of the generated files',
        });
      }
    }
    if (seen.has(real)) throw new GeneratorError('input', 'cannot fill it: it is given twice', { subject: x.path });
    seen.add(real);
    const current = st === undefined ? undefined : await readNoFollow(real, x.path);
    plans.push({
      real,
      shown: x.path,
      bytes: Buffer.from(x.contents, 'utf8'),
      existed: st !== undefined,
      ...(st !== undefined ? { mode: st.mode & 0o7777 } : {}),
      changed: current === undefined || current.toString('utf8') !== x.contents,
    });
  }
  return plans;
}

/** Creates the missing components of the output directory; returns those created (deepest last). */
async function createOut(root: OutRoot): Promise<string[]> {
  const created: string[] = [];
  let cur = root.ancestor;
  try {
    for (const name of root.missing) {
      cur = path.join(cur, name);
      try {
        await fs.mkdir(cur);
        created.push(cur);
      } catch (e) {
        if (errorCode(e) !== 'EEXIST') throw e;
        const st = await fs.lstat(cur);
        if (st.isSymbolicLink() || !st.isDirectory()) throw e;
      }
    }
  } catch (e) {
    for (const d of created.reverse()) await fs.rmdir(d).catch(() => undefined);
    throw fsError(e, root.given, 'create the output directory');
  }
  return created;
}

interface OutputPlan {
  readonly ops: PlannedOp[];
  readonly dirs: string[];
  readonly written: string[];
  readonly unchanged: string[];
  readonly removed: string[];
  readonly kept: KeptFile[];
}

/** Under the lock: compares every output with the disk, and decides what to remove or keep of the previous manifest. */
async function planOutputs(root: OutRoot, files: readonly OutputFile[], manifest: Manifest): Promise<OutputPlan> {
  const lst = cachedLstat();
  const previous = await readManifestAt(root);
  const ops: PlannedOp[] = [];
  const dirs = new Set<string>();
  const written: string[] = [];
  const unchanged: string[] = [];
  for (const f of files) {
    const p = await probe(root, f.path, lst);
    if (p.kind === 'blocked') throw refuse(root, f.path, p, 'write it');
    const bytes = toBytes(f.contents!);
    if (p.kind === 'file') {
      const current = await readNoFollow(absolutePath(root, f.path), displayPath(root, f.path));
      if (Buffer.compare(current, Buffer.from(bytes)) === 0) {
        unchanged.push(f.path);
        continue;
      }
    } else {
      const parts = f.path.split('/');
      for (let i = p.firstMissing + 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    ops.push({ target: f.path, extra: false, bytes, existed: p.kind === 'file', shown: displayPath(root, f.path) });
    written.push(f.path);
  }
  const removed: string[] = [];
  const kept: KeptFile[] = [];
  const unlisted = `no longer listed in ${MANIFEST_NAME}`;
  for (const [rel, entry] of Object.entries(previous?.files ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (manifest.files[rel] !== undefined) continue;
    const p = await probe(root, rel, lst);
    if (p.kind === 'absent') continue;
    if (p.kind === 'blocked') {
      kept.push({ path: rel, reason: `not removed: ${blockedReason(p, rel, root)}; ${unlisted}` });
      continue;
    }
    const current = await readNoFollow(absolutePath(root, rel), displayPath(root, rel));
    if (sha256(current) !== entry.sha256) {
      kept.push({ path: rel, reason: `not removed: edited since it was generated (its sha256 differs from the one in ${MANIFEST_NAME}); ${unlisted}` });
      continue;
    }
    ops.push({ target: rel, extra: false, existed: true, shown: displayPath(root, rel) });
    removed.push(rel);
  }
  const depth = (d: string) => d.split('/').length;
  return { ops, dirs: [...dirs].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0)), written, unchanged, removed, kept };
}

/**
 * Writes `files` under `outDir` (and the `extra` hand-written files in place): the changed files
 * switch together or not at all (see the module comment), under an exclusive lock on `outDir`.
 */
export async function writeOutputs(outDir: string, files: readonly OutputFile[], extra: readonly ExtraFile[] = [], options: WriteOptions = {}): Promise<WriteResult> {
  checkUnique(files);
  const manifest = buildManifest(files);
  const manifestText = Buffer.from(serializeManifest(manifest), 'utf8');
  const found = await resolveOut(outDir);
  const extras = await planExtras(extra, found, new Set(files.map((f) => f.path)));
  // Everything that can be checked without the directory is checked: only now is anything created.
  const created = found.exists ? [] : await createOut(found);
  const root: OutRoot = { ...found, exists: true };
  let lock: Lock | undefined;
  let ok = false;
  try {
    lock = await acquireLock(root, { ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}), ...(options.lockPollMs !== undefined ? { pollMs: options.lockPollMs } : {}) });
    const messages = [...lock.messages, ...(await recover(root, options.onStep))];
    const plan = await planOutputs(root, files, manifest);
    const ops = [...plan.ops];
    for (const x of extras) if (x.changed) ops.push({ target: x.real, extra: true, bytes: x.bytes, existed: x.existed, ...(x.mode !== undefined ? { mode: x.mode } : {}), shown: x.shown });
    const m = await probe(root, MANIFEST_NAME);
    if (m.kind === 'blocked') throw refuse(root, MANIFEST_NAME, m, 'replace the manifest');
    const currentManifest = m.kind === 'file' ? await readNoFollow(absolutePath(root, MANIFEST_NAME), displayPath(root, MANIFEST_NAME)) : undefined;
    if (currentManifest === undefined || Buffer.compare(currentManifest, manifestText) !== 0) {
      ops.push({ target: MANIFEST_NAME, extra: false, bytes: manifestText, existed: currentManifest !== undefined, shown: displayPath(root, MANIFEST_NAME) });
    }
    if (ops.length > 0) messages.push(...(await commit(root, ops, plan.dirs, options.onStep)));
    ok = true;
    return { written: plan.written, unchanged: plan.unchanged, removed: plan.removed, kept: plan.kept, messages };
  } finally {
    await lock?.release();
    // A failed first run leaves no directory behind (rmdir removes only what is empty).
    if (!ok) for (const d of [...created].reverse()) await fs.rmdir(d).catch(() => undefined);
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
 * Compares what the generator would write with what is on disk; writes nothing and takes no lock.
 * Text is compared with CRLF line ends normalised; PNGs by the source hash recorded in the
 * manifest. A path generate would refuse (a symbolic link below the output directory, a file
 * where a directory is needed, a directory where a file is) is a GeneratorError here too.
 */
export async function checkOutputs(outDir: string, files: readonly OutputFile[], extra: readonly ExtraFile[] = []): Promise<Problem[]> {
  checkUnique(files);
  const root = await resolveOut(outDir);
  const manifest = root.exists ? await readManifestAt(root) : undefined;
  const manifestShown = displayPath(root, MANIFEST_NAME);
  const lst = cachedLstat();
  const problems: Problem[] = [];
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const name = displayPath(root, f.path);
    const p = await probe(root, f.path, lst);
    if (p.kind === 'blocked') throw refuse(root, f.path, p, 'check it');
    if (p.kind === 'absent') {
      problems.push({ kind: 'missing', path: name });
      continue;
    }
    const current = await readNoFollow(absolutePath(root, f.path), name);
    if (f.contents === undefined) {
      const entry = manifest?.files[f.path];
      if (manifest === undefined) {
        problems.push({ kind: 'out-of-date', path: name, reason: `there is no manifest (${manifestShown}) to tell what it was rendered from` });
      } else if (entry === undefined) {
        problems.push({ kind: 'out-of-date', path: name, reason: `not listed in ${manifestShown}, so what it was rendered from is unknown` });
      } else if (entry.source !== f.sourceHash) {
        problems.push({ kind: 'out-of-date', path: name, reason: 'rendered from a different source' });
      } else if (entry.sha256 !== sha256(current)) {
        problems.push({ kind: 'out-of-date', path: name, reason: 'changed since it was generated' });
      }
      continue;
    }
    if (isText(f.contents)) {
      const disk = normalise(current.toString('utf8'));
      if (disk !== f.contents) problems.push({ kind: 'out-of-date', path: name, diff: await textDiff(name, disk, f.contents) });
    } else if (Buffer.compare(current, Buffer.from(f.contents)) !== 0) {
      problems.push({ kind: 'out-of-date', path: name, reason: 'binary contents differ' });
    }
  }
  for (const x of extra) {
    const st = await lstatOrUndefined(path.resolve(x.path), x.path);
    if (st === undefined) {
      problems.push({ kind: 'missing', path: x.path });
      continue;
    }
    if (!st.isFile()) {
      const what = st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'not a regular file';
      throw new GeneratorError('input', `cannot check it: it is ${what}`, { subject: x.path, expected: 'a regular Markdown file' });
    }
    const disk = normalise((await readNoFollow(path.resolve(x.path), x.path)).toString('utf8'));
    if (disk !== normalise(x.contents)) problems.push({ kind: 'out-of-date', path: x.path, diff: await textDiff(x.path, disk, normalise(x.contents)) });
  }
  if (manifest) {
    const produced = new Set(files.map((f) => f.path));
    for (const [rel, entry] of Object.entries(manifest.files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (produced.has(rel)) continue;
      const p = await probe(root, rel, lst);
      if (p.kind === 'absent') continue;
      if (p.kind === 'blocked') {
        problems.push({ kind: 'not-generated', path: displayPath(root, rel), reason: `${blockedReason(p, rel, root)}: generate leaves it and stops listing it` });
        continue;
      }
      const current = await readNoFollow(absolutePath(root, rel), displayPath(root, rel));
      if (sha256(current) !== entry.sha256) {
        problems.push({ kind: 'not-generated', path: displayPath(root, rel), reason: 'edited since it was generated: generate keeps it and stops listing it' });
      } else problems.push({ kind: 'not-generated', path: displayPath(root, rel) });
    }
  }
  return problems;
}

/** One line per problem (and the diff under it), as `check` prints them. */
export function formatProblems(problems: readonly Problem[]): string {
  const out: string[] = [];
  for (const p of problems) {
    if (p.kind === 'missing') out.push(`${p.path} is missing`);
    else if (p.kind === 'not-generated') out.push(`${p.path} is not generated (listed in ${MANIFEST_NAME} but no longer produced; ${p.reason ?? 'run generate to remove it'})`);
    else {
      out.push(p.reason ? `${p.path} is out of date (${p.reason})` : `${p.path} is out of date`);
      if (p.diff) out.push(p.diff);
    }
  }
  return out.join('\n');
}
