/**
 * The esbuild service processes of this process: tsx (which runs the CLI's TypeScript and, under
 * mocks, the TypeScript program of the program source) starts `esbuild --service` children, one per
 * thread that transforms code, and leaves them to notice on their own, a moment after the process
 * is gone, that it has exited. `stopEsbuildServices` ends them before the CLI exits.
 */

import { readdirSync, readFileSync } from 'node:fs';

/** Pids of the child processes of `parent` running `esbuild --service` (Linux, through /proc; elsewhere none). */
export function esbuildServices(parent: number = process.pid): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const n of entries) {
    try {
      const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
      // The parent pid is the second field after the command name (in parentheses, which may hold spaces).
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      const argv = readFileSync(`/proc/${n}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => /(^|\/)esbuild$/.test(a)) && argv.some((a) => a.startsWith('--service'))) pids.push(Number(n));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

function signalable(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends SIGTERM to this process's esbuild services and waits (up to `waitMs`) until they have ended
 * and been reaped by the thread that started them, so that none is left running or as a zombie.
 * Returns how many were stopped. Never throws.
 */
export async function stopEsbuildServices(waitMs = 1_000): Promise<number> {
  const pids = esbuildServices().filter((pid) => {
    try {
      process.kill(pid, 'SIGTERM');
      return true;
    } catch {
      return false;
    }
  });
  for (const end = Date.now() + waitMs; pids.some(signalable) && Date.now() < end; ) await new Promise((r) => setTimeout(r, 5));
  return pids.length;
}
