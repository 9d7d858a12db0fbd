/**
 * The exclusive lock of a generate on its output directory: `<out>/.generated.lock`, created with
 * O_EXCL and holding the owner's pid, host and start time. A second generate polls for it up to a
 * bounded time, then fails naming the lock file and its owner. A lock whose owner is known to be
 * gone (same host, pid not alive; or an empty or unreadable lock file older than a few seconds) is
 * taken over, with a message.
 */

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GeneratorError } from '../errors.ts';
import { attempt, displayPath, errorCode, fsError, lstatOrUndefined, type OutRoot } from './fsutil.ts';

export const LOCK_NAME = '.generated.lock';
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
const DEFAULT_POLL_MS = 100;
/** An empty or unparsable lock file (its owner died between creating and filling it) older than this is stale. */
const UNREADABLE_STALE_MS = 5_000;

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

export interface Lock {
  readonly messages: readonly string[];
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errorCode(e) === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const o = JSON.parse(text) as Partial<LockOwner>;
    if (typeof o.pid === 'number' && Number.isInteger(o.pid) && o.pid > 0 && typeof o.host === 'string' && typeof o.started === 'string') {
      return { pid: o.pid, host: o.host, started: o.started };
    }
  } catch {
    // not JSON
  }
  return undefined;
}

const describeOwner = (o: LockOwner) => `pid ${o.pid} on ${JSON.stringify(o.host.slice(0, 100))}, since ${o.started.slice(0, 40)}`;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function acquireLock(root: OutRoot, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<Lock> {
  const lockPath = path.join(root.real, LOCK_NAME);
  const shown = displayPath(root, LOCK_NAME);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const pollMs = opts.pollMs ?? DEFAULT_POLL_MS;
  const mine = JSON.stringify({ pid: process.pid, host: os.hostname(), started: new Date().toISOString() } satisfies LockOwner) + '\n';
  const messages: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fs.writeFile(lockPath, mine, { flag: 'wx' });
      return {
        messages,
        async release() {
          // Only our own lock is removed (it may have been taken over after a long pause).
          const now = await fs.readFile(lockPath, 'utf8').catch(() => undefined);
          if (now === mine) await fs.rm(lockPath, { force: true }).catch(() => undefined);
        },
      };
    } catch (e) {
      if (errorCode(e) !== 'EEXIST') throw fsError(e, shown, 'create the lock file of the output directory');
    }
    const st = await lstatOrUndefined(lockPath, shown);
    if (st === undefined) continue; // released meanwhile
    if (!st.isFile()) {
      throw new GeneratorError('input', `cannot lock the output directory: the lock file is ${st.isSymbolicLink() ? 'a symbolic link' : st.isDirectory() ? 'a directory' : 'not a regular file'}`, {
        subject: shown,
        expected: 'a regular lock file written by the generator, or nothing (remove it)',
      });
    }
    const text = await fs.readFile(lockPath, 'utf8').catch((e: unknown) => {
      if (errorCode(e) === 'ENOENT') return undefined;
      throw fsError(e, shown, 'read the lock file');
    });
    if (text === undefined) continue;
    const owner = parseOwner(text);
    const stale = owner === undefined ? Date.now() - st.mtimeMs > UNREADABLE_STALE_MS : owner.host === os.hostname() && !isAlive(owner.pid);
    if (stale) {
      if (await takeOver(lockPath, shown, text)) {
        messages.push(
          owner === undefined
            ? `took over the lock ${shown}: it was unreadable and older than ${UNREADABLE_STALE_MS / 1000} s`
            : `took over the lock ${shown}: its owner (${describeOwner(owner)}) no longer runs`,
        );
      }
      continue;
    }
    if (Date.now() >= deadline) {
      const who = owner === undefined ? 'another generate (its lock file is still being written)' : `another generate (${describeOwner(owner)})`;
      throw new GeneratorError('input', `cannot lock the output directory: ${who} holds the lock; waited ${Math.round(timeoutMs / 100) / 10} s`, {
        subject: shown,
        expected: 'one generate at a time per output directory; if that process no longer runs, remove the lock file',
      });
    }
    await sleep(Math.min(pollMs, Math.max(1, deadline - Date.now())));
  }
}

/**
 * Moves a stale lock aside and removes it. When another process replaced the stale lock by its own
 * meanwhile (so the file moved aside is not the stale one), that lock is put back (hard link: fails
 * rather than overwrite a third one) and false is returned.
 */
async function takeOver(lockPath: string, shown: string, staleText: string): Promise<boolean> {
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lockPath, aside);
  } catch (e) {
    if (errorCode(e) === 'ENOENT') return false;
    throw fsError(e, shown, 'take over the stale lock file');
  }
  const moved = await fs.readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== staleText) await fs.link(aside, lockPath).catch(() => undefined);
  await attempt(() => fs.rm(aside, { force: true }), shown, 'remove the stale lock file');
  return moved === staleText;
}
