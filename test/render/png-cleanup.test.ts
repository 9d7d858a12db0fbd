/**
 * The browser and its profile directory do not outlive a run: stale profiles of dead owners are
 * removed (and their browsers killed), a SIGKILLed parent's browser exits by itself (it is driven
 * through a pipe), SIGTERM to the CLI during a PNG render kills the browser and removes the profile,
 * and the CLI's esbuild services end before it does. Real child processes; the browser tests need
 * PUPPETEER_EXECUTABLE_PATH (or the machine's Chromium) and are skipped without one.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findBrowser, OWNER_FILE, PROFILE_PREFIX, removeStaleProfiles } from '../../diagrams/render/png.ts';
import { esbuildServices } from '../../diagrams/sources/esbuild-service.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./png-child.ts', import.meta.url));
const SPARTICUZ = '/tmp/sparticuz-chromium-147.0.0-0/chromium';
const browser = ((): string | undefined => {
  try {
    return findBrowser(process.env.PUPPETEER_EXECUTABLE_PATH ?? (existsSync(SPARTICUZ) ? SPARTICUZ : undefined)).executablePath;
  } catch {
    return undefined;
  }
})();

const work = mkdtempSync(join(tmpdir(), 'png-cleanup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Running: signalable and not a zombie (a child of an exited parent waits for the init process to reap it). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

async function until(what: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (what()) return true;
  return what();
}

/** A pid that no process has: a child that has exited. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

function profileDir(dir: string, name: string, owner?: object, ageMs = 0): string {
  const p = join(dir, `${PROFILE_PREFIX}${name}`);
  mkdirSync(p);
  if (owner) writeFileSync(join(p, OWNER_FILE), JSON.stringify(owner));
  if (ageMs > 0) utimesSync(p, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
  return p;
}

describe('stale browser profiles', () => {
  it('removes the profiles of owners that are gone, keeps those of running owners, other hosts and fresh unowned ones', () => {
    const dir = mkdtempSync(join(work, 'stale-'));
    const dead = profileDir(dir, 'dead', { pid: deadPid(), host: hostname() });
    const running = profileDir(dir, 'running', { pid: process.pid, host: hostname() });
    const elsewhere = profileDir(dir, 'elsewhere', { pid: deadPid(), host: `${hostname()}-other` });
    const oldUnowned = profileDir(dir, 'old', undefined, 10 * 60_000);
    const freshUnowned = profileDir(dir, 'fresh');
    mkdirSync(join(dir, 'unrelated'));
    expect(removeStaleProfiles(dir).sort()).toEqual([dead, oldUnowned].sort());
    expect(readdirSync(dir).sort()).toEqual([running, elsewhere, freshUnowned].map((p) => p.slice(dir.length + 1)).concat('unrelated').sort());
  });
});

function startChild(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; profile: string; browserPid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, ...(JSON.parse(out) as { profile: string; browserPid: number }) });
    });
    child.on('exit', (code) => reject(new Error(`child exited (${code}): ${err}`)));
  });
}

describe.skipIf(browser === undefined)('the browser of a killed run', () => {
  it('SIGKILL of the parent: the browser exits by itself, and the next launch removes the profile', async () => {
    const dir = mkdtempSync(join(work, 'kill9-'));
    const { child, profile, browserPid } = await startChild({ ...process.env, TMPDIR: dir, PUPPETEER_EXECUTABLE_PATH: browser });
    expect(alive(browserPid)).toBe(true);
    child.kill('SIGKILL');
    expect(await until(() => !alive(browserPid), 15_000)).toBe(true);
    expect(existsSync(profile)).toBe(true);
    expect(removeStaleProfiles(dir)).toEqual([profile]);
  }, 90_000);

  it('SIGTERM to the CLI while it renders PNGs: browser killed, profile removed, esbuild services ended, killed by the signal', async () => {
    const dir = mkdtempSync(join(work, 'term-'));
    const out = join(dir, 'out');
    const state = join(ROOT, 'test', 'fixtures', 'corpus', 'eks-cluster-143res-ciphertext-export.json');
    const cli = spawn(process.execPath, ['--import', 'tsx', 'diagrams/cli.ts', 'generate', '--state', state, '--out', out, '--format', 'png', '--quiet'], {
      cwd: ROOT,
      env: { ...process.env, TMPDIR: dir, PUPPETEER_EXECUTABLE_PATH: browser, DIAGRAMS_CACHE_DIR: 'off', TSX_DISABLE_CACHE: '1' },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => cli.on('exit', (_c, s) => r(s)));
    let owner: { browserPid?: number } = {};
    let services: number[] = [];
    const started = await until(() => {
      services = esbuildServices(cli.pid);
      const p = readdirSync(dir).find((n) => n.startsWith(PROFILE_PREFIX));
      if (p === undefined) return false;
      try {
        owner = JSON.parse(readFileSync(join(dir, p, OWNER_FILE), 'utf8')) as typeof owner;
      } catch {
        return false;
      }
      return owner.browserPid !== undefined;
    }, 60_000);
    expect(started).toBe(true);
    expect(services.length).toBeGreaterThan(0);
    cli.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(readdirSync(dir).filter((n) => n.startsWith(PROFILE_PREFIX))).toEqual([]);
    expect(await until(() => !alive(owner.browserPid!), 5_000)).toBe(true);
    expect(await until(() => services.every((p) => !alive(p)), 1_000)).toBe(true);
  }, 120_000);
});

describe('the esbuild services of the CLI', () => {
  it('end before the CLI does', async () => {
    const cli = spawn(process.execPath, ['--import', 'tsx', 'diagrams/cli.ts', 'graph', '--state', join(ROOT, 'test', 'fixtures', 'corpus', 'pulumi-aws-kms-key-export.json'), '--quiet'], {
      cwd: ROOT,
      // Without tsx's transform cache, the CLI's TypeScript goes through esbuild: its services start.
      env: { ...process.env, TSX_DISABLE_CACHE: '1' },
      stdio: 'ignore',
    });
    const seen = new Set<number>();
    const poll = setInterval(() => esbuildServices(cli.pid).forEach((p) => seen.add(p)), 10);
    const code = await new Promise<number | null>((r) => cli.on('exit', (c) => r(c)));
    clearInterval(poll);
    expect(code).toBe(0);
    expect(seen.size).toBeGreaterThan(0);
    // Ended and reaped by the CLI itself: not even a zombie left for the init process. (Without the
    // stop they end only when they see the CLI's pipe close, after it has exited.)
    const signalable = (p: number): boolean => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect([...seen].filter(signalable)).toEqual([]);
  }, 60_000);
});
