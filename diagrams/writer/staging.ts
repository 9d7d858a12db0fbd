/**
 * The commit of a generate: the set of changed files switches together, or not at all.
 *
 * 1. Staging. `<out>/.generated.staging/` is created with a journal (`journal.json`: every file to
 *    create, replace or remove, and the directories to create), then the new bytes are written
 *    into `new/<n>` (an extra file, outside the output directory, is staged beside itself as
 *    `.<name>.<random>.tmp`). A failure here removes everything staged: nothing changed.
 * 2. Switch. The journal's phase becomes `switching`; then, file by file, the current file is
 *    renamed into `old/<n>` (an extra file: beside itself as `.<name>.<random>.bak`) and the staged
 *    file renamed into place; a removed file is only renamed into `old/<n>`. The manifest is the
 *    last file. Then the phase becomes `committed`. A failure rolls back every rename done: each
 *    backup is renamed back and each created file removed.
 * 3. Clean-up. The backups and the staging directory are removed.
 *
 * Recovery (at the start of the next generate, under the lock) reads the journal an interrupted
 * run left: phase `staging`: nothing was switched, the staged files are removed; `switching`:
 * rolled back as above (the journal does not say how far the switch went: what exists does);
 * `committed`: every file is in place, the clean-up is finished (rolled forward). A staging
 * directory without a journal holds nothing pending (the journal is written before anything is
 * staged and removed after everything else) and is removed. Every step only looks at what exists,
 * so a recovery that is itself interrupted is simply done again. It returns one message saying
 * which of these it did.
 */

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GeneratorError, type ErrorKind } from '../errors.ts';
import { absolutePath, blockedReason, describeError, displayPath, errorCode, lstatOrUndefined, probe, type OutRoot } from './fsutil.ts';
import { GENERATOR } from '../util/generator.ts';

export const STAGING_NAME = '.generated.staging';
const JOURNAL_NAME = 'journal.json';

export type StepPhase = 'staging' | 'switch' | 'rollback' | 'cleanup';
export type StepAction = 'mkdir' | 'stage' | 'journal' | 'rename' | 'remove';

/** One file-system step of a commit, as passed to the `onStep` hook (tests inject failures and kills with it). */
export interface WriterStep {
  readonly phase: StepPhase;
  readonly action: StepAction;
  /** The path the step is about, as shown in messages. */
  readonly path: string;
  /** How many steps of this phase and action came before this one. */
  readonly index: number;
}
export type StepHook = (step: WriterStep) => void | Promise<void>;

/** A file the commit creates, replaces (`bytes` given) or removes. */
export interface PlannedOp {
  /** A path relative to the output directory, or the absolute real path of an extra file. */
  readonly target: string;
  readonly extra: boolean;
  readonly bytes?: Uint8Array;
  readonly existed: boolean;
  /** Permission bits for the new file (an extra file keeps those of the file it replaces). */
  readonly mode?: number;
  /** As shown in messages. */
  readonly shown: string;
}

interface JournalOp {
  readonly target: string;
  readonly extra: boolean;
  readonly write: boolean;
  readonly existed: boolean;
  readonly shown: string;
  /** Extra files only: absolute paths beside the target. Files of the output directory use `new/<n>` and `old/<n>`. */
  readonly staged?: string;
  readonly backup?: string;
}

interface Journal {
  readonly generator: typeof GENERATOR;
  readonly version: 1;
  phase: 'staging' | 'switching' | 'committed';
  readonly pid: number;
  readonly host: string;
  readonly started: string;
  /** Directories (relative) the commit creates, parents first. */
  readonly dirs: readonly string[];
  readonly ops: readonly JournalOp[];
}

/** A failed step: what was being done, to which path, and why. */
class StepFailure extends Error {
  constructor(
    readonly shown: string,
    readonly verb: string,
    override readonly cause: unknown,
  ) {
    super(`${shown}: cannot ${verb}: ${reasonOf(cause)}`);
  }
}

function reasonOf(e: unknown): string {
  return e instanceof GeneratorError ? e.message : describeError(e);
}

function kindOf(e: unknown): ErrorKind {
  const code = errorCode(e instanceof StepFailure ? e.cause : e);
  return code !== undefined && ['ENOSPC', 'EDQUOT', 'EROFS', 'EMFILE', 'ENFILE', 'EIO'].includes(code) ? 'environment' : 'input';
}

const list = (names: readonly string[], max = 8): string =>
  names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;

class Steps {
  private readonly counts = new Map<string, number>();
  constructor(private readonly hook: StepHook | undefined) {}

  async run<T>(phase: StepPhase, action: StepAction, shown: string, verb: string, fn: () => Promise<T>): Promise<T> {
    const key = `${phase}:${action}`;
    const index = this.counts.get(key) ?? 0;
    this.counts.set(key, index + 1);
    try {
      if (this.hook) await this.hook({ phase, action, path: shown, index });
      return await fn();
    } catch (e) {
      throw e instanceof StepFailure ? e : new StepFailure(shown, verb, e);
    }
  }
}

interface OpPaths {
  readonly target: string;
  readonly staged: string;
  readonly backup: string;
}

function opPaths(root: OutRoot, op: JournalOp, i: number): OpPaths {
  if (op.extra) return { target: op.target, staged: op.staged!, backup: op.backup! };
  const staging = path.join(root.real, STAGING_NAME);
  return { target: absolutePath(root, op.target), staged: path.join(staging, 'new', String(i)), backup: path.join(staging, 'old', String(i)) };
}

const beside = (target: string, ext: 'tmp' | 'bak') => path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.${ext}`);

/** Whether `name` has the form of the writer's temporary names (`.<name>.<12 hex>.tmp` or `.bak`). */
export function isTemporaryName(name: string): boolean {
  return /^\..+\.[0-9a-f]{12}\.(tmp|bak)$/i.test(name);
}

async function present(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return false;
    throw e;
  }
}

async function writeJournal(root: OutRoot, j: Journal, steps: Steps, phase: StepPhase): Promise<void> {
  const dir = path.join(root.real, STAGING_NAME);
  const shown = displayPath(root, `${STAGING_NAME}/${JOURNAL_NAME}`);
  await steps.run(phase, 'journal', shown, 'write the journal', async () => {
    const tmp = path.join(dir, `${JOURNAL_NAME}.tmp`);
    await fs.writeFile(tmp, JSON.stringify(j, null, 2) + '\n');
    await fs.rename(tmp, path.join(dir, JOURNAL_NAME));
  });
}

/** Switches `ops` (in order; the manifest last) and creates `dirs` (relative, parents first). Returns messages. */
export async function commit(root: OutRoot, planned: readonly PlannedOp[], dirs: readonly string[], hook?: StepHook): Promise<string[]> {
  const steps = new Steps(hook);
  const ops: JournalOp[] = planned.map((p) => ({
    target: p.target,
    extra: p.extra,
    write: p.bytes !== undefined,
    existed: p.existed,
    shown: p.shown,
    ...(p.extra ? { staged: beside(p.target, 'tmp'), backup: beside(p.target, 'bak') } : {}),
  }));
  const journal: Journal = { generator: GENERATOR, version: 1, phase: 'staging', pid: process.pid, host: os.hostname(), started: new Date().toISOString(), dirs: [...dirs], ops };
  await stage(root, planned, journal, steps);
  await switchAll(root, journal, steps);
  // The new files are all in place whatever happens now.
  try {
    await finish(root, journal, steps);
    return [];
  } catch (e) {
    return [`every file is in place, but the clean-up failed: ${e instanceof StepFailure ? e.message : reasonOf(e)}; the next generate into ${root.given} finishes it`];
  }
}

/** 1. Creates the staging directory, the journal, the new directories and the staged files; a failure removes them and changes nothing. */
async function stage(root: OutRoot, planned: readonly PlannedOp[], journal: Journal, steps: Steps): Promise<void> {
  const staging = path.join(root.real, STAGING_NAME);
  const shownStaging = displayPath(root, STAGING_NAME);
  let stagingMade = false;
  try {
    await steps.run('staging', 'mkdir', shownStaging, 'create it', async () => {
      await fs.mkdir(staging);
      stagingMade = true;
      await fs.mkdir(path.join(staging, 'new'));
      await fs.mkdir(path.join(staging, 'old'));
    });
    await writeJournal(root, journal, steps, 'staging');
    for (const d of journal.dirs) {
      const shown = displayPath(root, d);
      await steps.run('staging', 'mkdir', shown, 'create the directory', async () => {
        try {
          await fs.mkdir(absolutePath(root, d));
        } catch (e) {
          const st = errorCode(e) === 'EEXIST' ? await fs.lstat(absolutePath(root, d)) : undefined;
          if (st === undefined || !st.isDirectory()) throw e;
        }
      });
    }
    for (const [i, p] of planned.entries()) {
      if (p.bytes === undefined) continue;
      const staged = opPaths(root, journal.ops[i]!, i).staged;
      await steps.run('staging', 'stage', p.shown, 'write it', () => fs.writeFile(staged, p.bytes!, { flag: 'wx', ...(p.mode !== undefined ? { mode: p.mode } : {}) }));
    }
    journal.phase = 'switching';
    await writeJournal(root, journal, steps, 'staging');
  } catch (e) {
    const left = stagingMade ? await discard(root, journal) : [];
    const f = e instanceof StepFailure ? e : new StepFailure(shownStaging, 'stage the new files', e);
    throw new GeneratorError(
      kindOf(f),
      `cannot ${f.verb}: ${reasonOf(f.cause)}; nothing was changed${left.length > 0 ? `, but these staged leftovers could not be removed: ${list(left)}` : ''}`,
      { subject: f.shown },
    );
  }
}

/** 2. Renames every target to its backup and every staged file into place; a failure rolls back and says what happened. */
async function switchAll(root: OutRoot, journal: Journal, steps: Steps): Promise<void> {
  const touched: string[] = [];
  try {
    for (const [i, op] of journal.ops.entries()) {
      const p = opPaths(root, op, i);
      if (op.existed) {
        await steps.run('switch', 'rename', op.shown, op.write ? 'replace it' : 'remove it', () => fs.rename(p.target, p.backup));
        touched.push(op.shown);
      }
      if (op.write) {
        await steps.run('switch', 'rename', op.shown, op.existed ? 'replace it' : 'create it', () => fs.rename(p.staged, p.target));
        if (!op.existed) touched.push(op.shown);
      }
    }
    journal.phase = 'committed';
    await writeJournal(root, journal, steps, 'switch');
  } catch (e) {
    const shownStaging = displayPath(root, STAGING_NAME);
    const f = e instanceof StepFailure ? e : new StepFailure(shownStaging, 'switch the output', e);
    const head = `cannot ${f.verb}: ${reasonOf(f.cause)}`;
    const rb = await rollBack(root, journal, steps);
    if (rb.failures.length === 0) {
      const done = touched.length > 0 ? `the ${touched.length} file${touched.length === 1 ? '' : 's'} already switched (${list(touched)}) ${touched.length === 1 ? 'was' : 'were'} put back, so ` : '';
      throw new GeneratorError(kindOf(f), `${head}; ${done}nothing was changed`, { subject: f.shown });
    }
    throw new GeneratorError(
      kindOf(f),
      `${head}; putting the previous files back failed: ${rb.failures.join('; ')}; every other file holds its previous contents; ${shownStaging} keeps the journal and the backups, and the next generate into ${root.given} puts the previous files back`,
      { subject: f.shown },
    );
  }
}

/** After a failure before the switch: removes what was staged and the directories created. Returns what could not be removed. */
async function discard(root: OutRoot, j: Journal): Promise<string[]> {
  const left: string[] = [];
  for (const [i, op] of j.ops.entries()) {
    if (!op.extra) continue;
    const { staged } = opPaths(root, op, i);
    await fs.rm(staged, { force: true }).catch(() => left.push(staged));
  }
  await removeCreatedDirs(root, j.dirs);
  await removeStaging(root).catch(() => left.push(displayPath(root, STAGING_NAME)));
  return left;
}

/**
 * Removes the staging directory: the staged files and backups first, the journal last, so that a
 * staging directory without a journal never holds anything a recovery would need.
 */
async function removeStaging(root: OutRoot): Promise<void> {
  const staging = path.join(root.real, STAGING_NAME);
  await fs.rm(path.join(staging, 'new'), { recursive: true, force: true });
  await fs.rm(path.join(staging, 'old'), { recursive: true, force: true });
  await fs.rm(path.join(staging, JOURNAL_NAME), { force: true });
  await fs.rm(staging, { recursive: true, force: true });
}

async function removeCreatedDirs(root: OutRoot, dirs: readonly string[]): Promise<void> {
  for (const d of [...dirs].reverse()) await fs.rmdir(absolutePath(root, d)).catch(() => undefined);
}

/**
 * Undoes the renames of a switch: every backup is renamed back, every file the switch created is
 * removed. Returns the restored files and one sentence per file that could not be restored.
 */
async function rollBack(root: OutRoot, j: Journal, steps: Steps): Promise<{ restored: string[]; failures: string[] }> {
  const restored: string[] = [];
  const failures: string[] = [];
  for (let i = j.ops.length - 1; i >= 0; i--) {
    const op = j.ops[i]!;
    const p = opPaths(root, op, i);
    try {
      if (!op.extra) {
        // Never rename through a symbolic link put there since.
        const pr = await probe(root, op.target);
        if (pr.kind === 'blocked' && (pr.what === 'symlink' || !pr.last)) throw new GeneratorError('input', blockedReason(pr, op.target, root));
      }
      if (await present(p.backup)) {
        await steps.run('rollback', 'rename', op.shown, 'put it back', () => fs.rename(p.backup, p.target));
        restored.push(op.shown);
      } else if (op.write && !op.existed && !(await present(p.staged)) && (await present(p.target))) {
        await steps.run('rollback', 'remove', op.shown, 'remove it', () => fs.rm(p.target));
        restored.push(op.shown);
      }
    } catch (e) {
      const reason = e instanceof StepFailure ? reasonOf(e.cause) : reasonOf(e);
      const backupShown = op.extra ? p.backup : displayPath(root, path.relative(root.real, p.backup).split(path.sep).join('/'));
      failures.push(
        op.existed
          ? `${op.shown} was not put back (${reason}): its previous contents are in ${backupShown}`
          : `${op.shown} (new) was not removed (${reason})`,
      );
    }
  }
  if (failures.length === 0) await discard(root, j);
  return { restored, failures };
}

/** After the switch: removes the backups, the directories emptied by removed files, and the staging directory. */
async function finish(root: OutRoot, j: Journal, steps: Steps): Promise<void> {
  for (const [i, op] of j.ops.entries()) {
    if (!op.extra) continue;
    const { backup, staged } = opPaths(root, op, i);
    await steps.run('cleanup', 'remove', backup, 'remove it', async () => {
      await fs.rm(backup, { force: true });
      await fs.rm(staged, { force: true });
    });
  }
  for (const op of j.ops) if (!op.extra && !op.write) await removeEmptyParents(root, op.target);
  const shown = displayPath(root, STAGING_NAME);
  await steps.run('cleanup', 'remove', shown, 'remove it', () => removeStaging(root));
}

/** Removes the empty directories above a removed file, up to (not including) the output directory. */
async function removeEmptyParents(root: OutRoot, rel: string): Promise<void> {
  const parts = rel.split('/').slice(0, -1);
  while (parts.length > 0) {
    try {
      await fs.rmdir(absolutePath(root, parts.join('/'))); // rmdir never follows a symbolic link
    } catch {
      return;
    }
    parts.pop();
  }
}

function isRelativeSafe(p: unknown): p is string {
  return typeof p === 'string' && p !== '' && !p.startsWith('/') && !p.includes('\\') && !p.split('/').some((s) => s === '' || s === '.' || s === '..');
}

/** Parses a journal read from disk; undefined when it is not one this writer wrote or names paths it would not. */
function parseJournal(text: string): Journal | undefined {
  let j: Partial<Journal>;
  try {
    j = JSON.parse(text) as Partial<Journal>;
  } catch {
    return undefined;
  }
  if (j.generator !== GENERATOR || j.version !== 1 || !['staging', 'switching', 'committed'].includes(j.phase as string)) return undefined;
  if (!Array.isArray(j.dirs) || !Array.isArray(j.ops)) return undefined;
  if (!j.dirs.every((d) => isRelativeSafe(d) && !d.toLowerCase().startsWith('.generated.'))) return undefined;
  for (const op of j.ops as Partial<JournalOp>[]) {
    if (typeof op !== 'object' || op === null || typeof op.write !== 'boolean' || typeof op.existed !== 'boolean' || typeof op.shown !== 'string') return undefined;
    if (op.extra === true) {
      // An extra file's staged and backup files sit beside it under the writer's temporary names.
      if (typeof op.target !== 'string' || !path.isAbsolute(op.target)) return undefined;
      for (const side of [op.staged, op.backup]) {
        if (typeof side !== 'string' || path.dirname(side) !== path.dirname(op.target)) return undefined;
        const name = path.basename(side);
        if (!name.startsWith(`.${path.basename(op.target)}.`) || !isTemporaryName(name)) return undefined;
      }
    } else if (op.extra === false) {
      if (!isRelativeSafe(op.target)) return undefined;
    } else return undefined;
  }
  return {
    generator: GENERATOR,
    version: 1,
    phase: j.phase!,
    pid: typeof j.pid === 'number' ? j.pid : 0,
    host: typeof j.host === 'string' ? j.host.slice(0, 100) : '?',
    started: typeof j.started === 'string' ? j.started.slice(0, 40) : '?',
    dirs: j.dirs,
    ops: (j.ops as JournalOp[]).map((op) => ({ ...op, shown: op.shown.slice(0, 200) })),
  };
}

/**
 * Cleans up after an interrupted generate (called under the lock, before planning): rolls back a
 * switch that did not complete, finishes one that did. Returns one message saying which, or none
 * when there was nothing to do.
 */
export async function recover(root: OutRoot, hook?: StepHook): Promise<string[]> {
  if (!root.exists) return [];
  const staging = path.join(root.real, STAGING_NAME);
  const shown = displayPath(root, STAGING_NAME);
  const st = await lstatOrUndefined(staging, shown);
  if (st === undefined) return [];
  if (st.isSymbolicLink() || !st.isDirectory()) {
    throw new GeneratorError('input', `it is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a directory'}, where the writer keeps its staging directory`, {
      subject: shown,
      expected: 'nothing there, or the staging directory of an interrupted generate (remove that path)',
    });
  }
  const journalShown = displayPath(root, `${STAGING_NAME}/${JOURNAL_NAME}`);
  let text: string | undefined;
  try {
    text = await fs.readFile(path.join(staging, JOURNAL_NAME), 'utf8');
  } catch (e) {
    if (errorCode(e) !== 'ENOENT') throw new GeneratorError('input', `cannot read the journal of an interrupted generate: ${describeError(e)}`, { subject: journalShown, expected: 'inspect and remove the staging directory' });
  }
  const steps = new Steps(hook);
  if (text === undefined) {
    // The run stopped before its journal existed, or after its clean-up had removed it: nothing is pending.
    await removeStaging(root).catch((e: unknown) => {
      throw new GeneratorError('input', `cannot remove the staging directory of an interrupted generate: ${describeError(e)}`, { subject: shown });
    });
    return [`removed ${shown}, left by an interrupted generate with nothing pending (no journal)`];
  }
  const j = parseJournal(text);
  if (j === undefined) {
    throw new GeneratorError('input', 'the journal of an interrupted generate is not one the writer wrote or names paths outside the output directory', {
      subject: journalShown,
      expected: `a journal written by the generator; inspect ${shown} and remove it`,
    });
  }
  const who = `an interrupted generate (pid ${j.pid}, started ${j.started})`;
  if (j.phase === 'staging') {
    const left = await discard(root, j);
    if (left.length > 0) throw new GeneratorError('input', `cannot remove what ${who} staged: ${list(left)}`, { subject: shown });
    return [`removed the staged files of ${who}: it had not started to replace files, so nothing of it was applied`];
  }
  if (j.phase === 'switching') {
    const rb = await rollBack(root, j, steps);
    if (rb.failures.length > 0) {
      throw new GeneratorError('input', `cannot roll back ${who}: ${rb.failures.join('; ')}`, { subject: shown, expected: 'the files named restored by hand, then the staging directory removed' });
    }
    return [`rolled back ${who}: ${rb.restored.length === 0 ? 'it had not replaced any file yet' : `${list(rb.restored)} put back as ${rb.restored.length === 1 ? 'it was' : 'they were'} before it`}`];
  }
  try {
    await finish(root, j, steps);
  } catch (e) {
    throw new GeneratorError('input', `cannot finish the clean-up of ${who}: ${e instanceof StepFailure ? e.message : reasonOf(e)}`, { subject: shown });
  }
  return [`finished ${who}: all its files were in place; removed its staging directory`];
}
