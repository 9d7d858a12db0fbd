/** The real command as a child process (`node --import tsx diagrams/cli.ts`), and state files of fixture estates. */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FixtureStack } from '../fixtures/estates.ts';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
// The tsx loader by URL: the tests run in temporary directories that have no node_modules.
const TSX = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the command in `cwd`; the render cache is off unless `env` sets DIAGRAMS_CACHE_DIR. */
export function runCli(cwd: string, args: readonly string[], env: Record<string, string> = {}, input?: string): CliResult {
  const r = spawnSync(process.execPath, ['--import', TSX, path.join(ROOT, 'diagrams', 'cli.ts'), ...args], {
    cwd,
    env: { ...process.env, DIAGRAMS_CACHE_DIR: 'off', ...env },
    encoding: 'utf8',
    ...(input !== undefined ? { input } : {}),
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Writes the stack's `pulumi stack export` to `file` (directories created) and returns `file`. */
export async function writeState(file: string, stack: FixtureStack): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, stack.exportState());
  return file;
}
