/**
 * File-system helpers of the writer: typed errors for every file-system failure, the resolved
 * output directory, and a path walk that never follows a symbolic link below it.
 */

import { constants, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { GeneratorError, type ErrorKind } from '../errors.ts';

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'it already exists',
  ENOENT: 'it does not exist',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  ELOOP: 'a symbolic link where none is followed, or too many levels of symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EXDEV: 'it is on another file system',
  EBUSY: 'it is busy',
  ENOTEMPTY: 'the directory is not empty',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error',
};

/** Failures of the machine rather than of a path the user chose. */
const ENVIRONMENT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EMFILE', 'ENFILE', 'EIO']);

export function errorCode(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

/** "it is a directory (EISDIR)": what a file-system error means, without the path Node puts in its message. */
export function describeError(e: unknown): string {
  const code = errorCode(e);
  if (code !== undefined) return DESCRIPTIONS[code] !== undefined ? `${DESCRIPTIONS[code]} (${code})` : code;
  return e instanceof Error ? e.message.split('\n')[0]!.slice(0, 200) : String(e).slice(0, 200);
}

/** A GeneratorError naming `subject` (a path as shown to the user) for a failed `action`. */
export function fsError(e: unknown, subject: string, action: string, expected?: string): GeneratorError {
  if (e instanceof GeneratorError) return e;
  const code = errorCode(e);
  const kind: ErrorKind = code !== undefined && ENVIRONMENT_CODES.has(code) ? 'environment' : 'input';
  return new GeneratorError(kind, `cannot ${action}: ${describeError(e)}`, { subject, ...(expected !== undefined ? { expected } : {}) });
}

/** Runs `fn`; a file-system error becomes a GeneratorError naming `subject`. */
export async function attempt<T>(fn: () => Promise<T>, subject: string, action: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fsError(e, subject, action);
  }
}

/** lstat; undefined when nothing is there. */
export async function lstatOrUndefined(p: string, subject: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return undefined;
    throw fsError(e, subject, 'inspect it');
  }
}

/** Reads a file without following a symbolic link in its last component (O_NOFOLLOW where the platform has it). */
export async function readNoFollow(p: string, subject: string): Promise<Buffer> {
  const flags = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);
  return attempt(async () => {
    const fh = await fs.open(p, flags);
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }, subject, 'read it');
}

/** The output directory, resolved once: every path the writer touches is `real` joined with a relative path. */
export interface OutRoot {
  /** As the user gave it (messages). */
  readonly given: string;
  /** Its real path (symbolic links resolved), or where it will be created. */
  readonly real: string;
  readonly exists: boolean;
  /** When it does not exist: the real path of its nearest existing ancestor and the names below it to create. */
  readonly ancestor: string;
  readonly missing: readonly string[];
}

const OUT_EXPECTED = 'a directory, or a path that does not exist yet';

/**
 * Resolves `--out`: it may be a symbolic link to a directory (resolved here, once); it must not be
 * a file. Creates nothing.
 */
export async function resolveOut(outDir: string): Promise<OutRoot> {
  const subject = outDir;
  const abs = path.resolve(outDir);
  const missing: string[] = [];
  let cur = abs;
  for (;;) {
    let st: Stats | undefined;
    try {
      st = await fs.stat(cur);
    } catch (e) {
      const code = errorCode(e);
      if (code === 'ENOTDIR') throw new GeneratorError('input', 'cannot use it as the output directory: a part of the path is a file, not a directory (ENOTDIR)', { subject, expected: OUT_EXPECTED });
      if (code !== 'ENOENT') throw fsError(e, subject, 'use it as the output directory', OUT_EXPECTED);
    }
    if (st === undefined) {
      if ((await lstatOrUndefined(cur, subject)) !== undefined) {
        throw new GeneratorError('input', `cannot use it as the output directory: ${cur === abs ? 'it' : cur} is a symbolic link to nothing`, { subject, expected: OUT_EXPECTED });
      }
      const parent = path.dirname(cur);
      if (parent === cur) throw new GeneratorError('input', 'cannot use it as the output directory: no part of the path exists', { subject });
      missing.unshift(path.basename(cur));
      cur = parent;
      continue;
    }
    if (!st.isDirectory()) {
      const what = st.isFile() ? 'a file' : 'not a directory';
      throw new GeneratorError('input', `cannot use it as the output directory: ${cur === abs ? 'it' : cur} is ${what}`, { subject, expected: OUT_EXPECTED });
    }
    const ancestor = await attempt(() => fs.realpath(cur), subject, 'resolve the output directory');
    return { given: outDir, real: path.join(ancestor, ...missing), exists: missing.length === 0, ancestor, missing };
  }
}

/** A path inside the output directory as the user sees it: `--out` as given, then `/rel`. */
export function displayPath(root: OutRoot | string, rel: string): string {
  const given = typeof root === 'string' ? root : root.given;
  return path.posix.join(given.split(path.sep).join('/'), rel);
}

export function absolutePath(root: OutRoot, rel: string): string {
  return path.join(root.real, ...rel.split('/'));
}

export type Probe =
  /** Nothing at the path; `firstMissing` is the index of its first component that does not exist. */
  | { readonly kind: 'absent'; readonly firstMissing: number }
  | { readonly kind: 'file' }
  /** Something other than a plain path to a regular file: `at` is the relative path of the offending component. */
  | { readonly kind: 'blocked'; readonly at: string; readonly what: 'symlink' | 'file' | 'directory' | 'other'; readonly last: boolean };

export type Lstat = (abs: string, subject: string) => Promise<Stats | undefined>;

/**
 * Looks at every component of `rel` below the output directory with lstat, never following a
 * symbolic link: the path is a regular file, absent, or blocked (a symbolic link, a file where a
 * directory is needed, a directory or another kind of file where a file is needed).
 */
export async function probe(root: OutRoot, rel: string, lstat: Lstat = lstatOrUndefined): Promise<Probe> {
  if (!root.exists) return { kind: 'absent', firstMissing: 0 };
  const parts = rel.split('/');
  let cur = root.real;
  for (let i = 0; i < parts.length; i++) {
    cur = path.join(cur, parts[i]!);
    const at = parts.slice(0, i + 1).join('/');
    const last = i === parts.length - 1;
    const st = await lstat(cur, displayPath(root, at));
    if (st === undefined) return { kind: 'absent', firstMissing: i };
    if (st.isSymbolicLink()) return { kind: 'blocked', at, what: 'symlink', last };
    if (!last && !st.isDirectory()) return { kind: 'blocked', at, what: st.isFile() ? 'file' : 'other', last };
    if (last) return st.isFile() ? { kind: 'file' } : { kind: 'blocked', at, what: st.isDirectory() ? 'directory' : 'other', last };
  }
  return { kind: 'absent', firstMissing: parts.length };
}

/** Why a blocked path cannot be used, as one clause (without the path). */
export function blockedReason(p: Extract<Probe, { kind: 'blocked' }>, rel: string, root: OutRoot): string {
  switch (p.what) {
    case 'symlink':
      return p.last
        ? 'it is a symbolic link, and the writer does not follow symbolic links below the output directory'
        : `${displayPath(root, p.at)} is a symbolic link, and the writer does not follow symbolic links below the output directory`;
    case 'file':
      return `${displayPath(root, p.at)} is a file, where ${rel} needs a directory`;
    case 'directory':
      return 'it is a directory';
    default:
      return p.last ? 'it is not a regular file' : `${displayPath(root, p.at)} is not a directory`;
  }
}

/** The GeneratorError for a path of the output directory that cannot be read or replaced. */
export function refuse(root: OutRoot, rel: string, p: Extract<Probe, { kind: 'blocked' }>, action: string): GeneratorError {
  const expected =
    p.what === 'symlink'
      ? 'real directories and files below the output directory: replace the link, or choose another --out'
      : p.last
        ? 'a regular file or nothing at that path: move it away, or choose another --out'
        : 'a directory or nothing at that path: move it away, or choose another --out';
  return new GeneratorError('input', `cannot ${action}: ${blockedReason(p, rel, root)}`, { subject: displayPath(root, rel), expected });
}

/** An lstat that remembers what it saw (one planning pass looks at each directory once). */
export function cachedLstat(): Lstat {
  const seen = new Map<string, Promise<Stats | undefined>>();
  return (abs, subject) => {
    let r = seen.get(abs);
    if (r === undefined) {
      r = lstatOrUndefined(abs, subject);
      seen.set(abs, r);
    }
    return r;
  };
}

/** Whether `p` is `dir` or inside it (both absolute, resolved). */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}
